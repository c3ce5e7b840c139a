//! "Search messages" as the agent types: when a search goes out and which
//! answer may show. Every change of the box or of "Regular expression" is
//! a new round; a round is asked only once the agent has paused for
//! [`DEBOUNCE_MS`] (a newer change cancels it), and an answer shows only
//! when it is the latest round's, so a slow answer to an older query
//! never replaces a newer one. Also the count line ("3 of 1,204
//! messages"). Pure: the component keeps the timer and the request.

use shared::room::SearchResults;

/// How long the agent must pause before a search goes out.
pub const DEBOUNCE_MS: u64 = 200;

/// A search to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The round it belongs to.
    pub round: u64,
    /// The text, as typed.
    pub text: String,
    /// Whether it is a regular expression.
    pub regex: bool,
}

/// What a change of the box asks the view to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The box is empty: show nothing, ask nothing.
    Clear,
    /// Wait [`DEBOUNCE_MS`], then call [`Searcher::due`] with this round.
    Wait(u64),
}

/// The rounds of one search box.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Searcher {
    round: u64,
    latest: Option<Query>,
}

impl Searcher {
    /// Nothing typed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The box or the checkbox changed.
    pub fn changed(&mut self, text: &str, regex: bool) -> Change {
        self.round += 1;
        if text.trim().is_empty() {
            self.latest = None;
            return Change::Clear;
        }
        self.latest = Some(Query {
            round: self.round,
            text: text.to_owned(),
            regex,
        });
        Change::Wait(self.round)
    }

    /// The pause after `round` ended: the query to send, unless the agent
    /// changed something meanwhile.
    pub fn due(&self, round: u64) -> Option<Query> {
        self.latest.clone().filter(|q| q.round == round)
    }

    /// Whether the answer to `round` may show: only the latest round's.
    pub fn is_current(&self, round: u64) -> bool {
        self.round == round && self.latest.is_some()
    }
}

/// Digits grouped by thousands: "1,204".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The count line: "3 of 1,204 messages", "No match in 12 messages", and
/// when the server answered only the first hits, says so.
pub fn count_line(results: &SearchResults) -> String {
    let searched = thousands(results.searched);
    let noun = if results.searched == 1 {
        "message"
    } else {
        "messages"
    };
    match results.hits.len() {
        0 => format!("No match in {searched} {noun}"),
        n if results.truncated => {
            format!(
                "More than {} of {searched} {noun} match; the first {} are shown",
                thousands(n),
                thousands(n)
            )
        }
        n => format!("{} of {searched} {noun}", thousands(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::{count_line, thousands, Change, Query, Searcher};
    use shared::frame::{Message, MessageKind, Participant, Side};
    use shared::room::SearchResults;

    #[test]
    fn a_search_goes_out_after_a_pause_and_only_the_latest_shows() {
        let mut s = Searcher::new();
        // "er", then "err" before the pause ends: only "err" goes out.
        assert_eq!(s.changed("er", false), Change::Wait(1));
        assert_eq!(s.changed("err", false), Change::Wait(2));
        assert_eq!(s.due(1), None);
        let query = s.due(2).expect("the latest round is due");
        assert_eq!(
            query,
            Query {
                round: 2,
                text: "err".into(),
                regex: false
            }
        );
        assert!(s.is_current(2));
        // Ticking "Regular expression" is a new search; the answer to the
        // plain one, arriving late, is stale.
        assert_eq!(s.changed("err", true), Change::Wait(3));
        assert!(!s.is_current(2));
        assert_eq!(s.due(3).map(|q| q.regex), Some(true));
        assert!(s.is_current(3));
        // Emptied: nothing shows, and no earlier answer either.
        assert_eq!(s.changed("  ", true), Change::Clear);
        assert_eq!(s.due(4), None);
        assert!(!s.is_current(3) && !s.is_current(4));
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_204), "1,204");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    fn results(hits: usize, searched: usize, truncated: bool) -> SearchResults {
        let hit = Message {
            seq: 1,
            client_id: None,
            author: Participant {
                side: Side::Visitor,
                id: "v".into(),
                name: "Ada".into(),
            },
            kind: MessageKind::Text,
            to: None,
            text: "error404".into(),
            sent_at: 0,
            attachment: None,
        };
        SearchResults {
            hits: vec![hit; hits],
            searched,
            truncated,
        }
    }

    #[test]
    fn the_count_line() {
        assert_eq!(count_line(&results(3, 1_204, false)), "3 of 1,204 messages");
        assert_eq!(count_line(&results(1, 1, false)), "1 of 1 message");
        assert_eq!(
            count_line(&results(0, 12, false)),
            "No match in 12 messages"
        );
        assert_eq!(
            count_line(&results(200, 5_000, true)),
            "More than 200 of 5,000 messages match; the first 200 are shown"
        );
    }
}
