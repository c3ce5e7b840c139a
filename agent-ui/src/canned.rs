//! Canned responses in the agent app: the list the workspace lets the agent
//! see ([`CannedList`], loaded when the desk opens and after a change), and
//! what typing `!` in the reply box offers and inserts. The rules of what a
//! draft means are pure functions, tested natively.

use crate::api;
use crate::slash::Suggestion;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::canned::CannedResponse;

/// The `!word` the draft ends with, if it ends with one: `(where it
/// starts, the word without its `!`)`. A `!` starts a word at the start of
/// the draft or after a space or a line break.
pub fn trailing_shortcut(draft: &str) -> Option<(usize, &str)> {
    let start = draft.rfind('!')?;
    let before_ok = start == 0 || draft[..start].ends_with(char::is_whitespace);
    let word = &draft[start + 1..];
    let word_ok = word
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    (before_ok && word_ok).then_some((start, word))
}

/// What typing `!` offers: the responses whose shortcut starts with what
/// follows it (then those whose text contains it), at most eight; choosing
/// one replaces the `!word` with its text.
pub fn suggestions(draft: &str, list: &[CannedResponse]) -> Vec<Suggestion> {
    let Some((start, word)) = trailing_shortcut(draft) else {
        return Vec::new();
    };
    let word = word.to_lowercase();
    let by_shortcut = list.iter().filter(|c| c.shortcut.starts_with(&word));
    let by_text = list
        .iter()
        .filter(|c| !word.is_empty() && !c.shortcut.starts_with(&word))
        .filter(|c| c.text.to_lowercase().contains(&word));
    let mut seen: Vec<&str> = Vec::new();
    by_shortcut
        .chain(by_text)
        .filter(|c| {
            // The agent's own response hides another with its shortcut.
            let fresh = !seen.contains(&c.shortcut.as_str());
            seen.push(&c.shortcut);
            fresh
        })
        .take(8)
        .map(|c| Suggestion {
            insert: format!("{}{}", &draft[..start], c.text),
            label: format!("!{}", c.shortcut),
            detail: preview(&c.text),
        })
        .collect()
}

/// The draft with a finished `!shortcut` expanded, when a space or line
/// break was just typed after one that exists; `None` otherwise.
pub fn expand_typed(draft: &str, list: &[CannedResponse]) -> Option<String> {
    let typed = draft.chars().last().filter(|c| c.is_whitespace())?;
    let body = &draft[..draft.len() - typed.len_utf8()];
    let (start, word) = trailing_shortcut(body)?;
    let word = word.to_lowercase();
    let canned = list.iter().find(|c| c.shortcut == word)?;
    Some(format!("{}{}{typed}", &body[..start], canned.text))
}

/// The panel's filter: shortcut or text containing `query`.
pub fn filter<'a>(list: &'a [CannedResponse], query: &str) -> Vec<&'a CannedResponse> {
    let q = query.trim().trim_start_matches('!').to_lowercase();
    list.iter()
        .filter(|c| q.is_empty() || c.shortcut.contains(&q) || c.text.to_lowercase().contains(&q))
        .collect()
}

fn preview(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(80).collect();
    if short.chars().count() < text.chars().count() {
        short.push('…');
    }
    short
}

/// The canned responses the agent sees, as last loaded. Cheap to copy; the
/// desk provides one.
#[derive(Clone, Copy)]
pub struct CannedList {
    token: StoredValue<String>,
    /// By shortcut, the agent's own first.
    pub list: RwSignal<Vec<CannedResponse>>,
}

impl CannedList {
    /// Nothing loaded yet; call [`CannedList::refresh`].
    pub fn new(token: String) -> Self {
        CannedList {
            token: StoredValue::new(token),
            list: RwSignal::new(Vec::new()),
        }
    }

    /// Loads the list again; a failure keeps the last one.
    pub fn refresh(self) {
        let Some(token) = self.token.try_get_value() else {
            return;
        };
        spawn_local(async move {
            if let Ok(list) = api::canned(&token).await {
                self.list.try_set(list);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::canned::Scope;

    fn c(shortcut: &str, text: &str) -> CannedResponse {
        CannedResponse {
            id: shortcut.into(),
            shortcut: shortcut.into(),
            text: text.into(),
            scope: Scope::Public,
            owner: "a1".into(),
            updated_at: 0,
        }
    }

    #[test]
    fn a_shortcut_is_a_word_starting_with_an_exclamation_mark() {
        assert_eq!(trailing_shortcut("!he"), Some((0, "he")));
        assert_eq!(trailing_shortcut("Hi there !he"), Some((9, "he")));
        assert_eq!(trailing_shortcut("Hi!"), None, "not after a letter");
        assert_eq!(trailing_shortcut("!he llo"), None);
        assert_eq!(trailing_shortcut("no bang"), None);
        assert_eq!(trailing_shortcut("Hi\n!"), Some((3, "")));
    }

    #[test]
    fn typing_an_exclamation_mark_offers_and_inserts() {
        let list = vec![
            c("hello", "Hello! How can I help you today?"),
            c("help", "Our help centre: https://example.com/help"),
            c("bye", "Thanks for chatting, have a nice day."),
        ];
        let all = suggestions("!", &list);
        assert_eq!(all.len(), 3);
        let he = suggestions("Sure. !he", &list);
        let labels: Vec<&str> = he.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, vec!["!hello", "!help"]);
        assert_eq!(he[0].insert, "Sure. Hello! How can I help you today?");
        // Found by text too.
        assert_eq!(suggestions("!nice", &list)[0].label, "!bye");
        assert!(suggestions("no shortcut", &list).is_empty());
    }

    #[test]
    fn a_finished_shortcut_expands_as_the_space_is_typed() {
        let list = vec![c("bye", "Thanks for chatting.")];
        assert_eq!(
            expand_typed("Ok !bye ", &list).as_deref(),
            Some("Ok Thanks for chatting. ")
        );
        assert_eq!(
            expand_typed("!BYE\n", &list).as_deref(),
            Some("Thanks for chatting.\n")
        );
        assert_eq!(expand_typed("!by ", &list), None, "not a whole shortcut");
        assert_eq!(expand_typed("!bye", &list), None, "still typing");
    }

    #[test]
    fn the_panel_filters_by_shortcut_or_text() {
        let list = vec![c("hello", "Hello!"), c("bye", "Goodbye")];
        assert_eq!(filter(&list, "").len(), 2);
        assert_eq!(filter(&list, "!by").len(), 1);
        assert_eq!(filter(&list, "GOOD")[0].shortcut, "bye");
    }
}
