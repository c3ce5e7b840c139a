//! The reply box's slash commands: what a draft starting with `/` means,
//! and what to offer while it is typed. Pure, so it is tested natively;
//! the composer only shows the suggestions and performs the command.

/// A command the reply box knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Known {
    /// How it is typed, without its argument.
    pub name: &'static str,
    /// Its argument, as shown.
    pub argument: &'static str,
    /// What it does.
    pub help: &'static str,
}

/// Every command, in the order offered.
pub const COMMANDS: &[Known] = &[Known {
    name: "/invite",
    argument: "@username",
    help: "Add an agent or manager to this chat",
}];

/// What a draft asks for when it is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Not a command: a message (or note).
    Text,
    /// `/invite @username`.
    Invite(String),
    /// A command with a missing or bad argument, or an unknown one: the
    /// sentence to show.
    Invalid(String),
}

/// Reads a draft. A draft that starts with `//` is text starting with `/`.
pub fn parse(draft: &str) -> Command {
    let draft = draft.trim();
    if !draft.starts_with('/') || draft.starts_with("//") {
        return Command::Text;
    }
    let mut words = draft.split_whitespace();
    let name = words.next().unwrap_or_default();
    let argument = words.next();
    let extra = words.next();
    match (name, argument, extra) {
        ("/invite", Some(user), None) if !user.trim_start_matches('@').is_empty() => {
            Command::Invite(user.trim_start_matches('@').to_lowercase())
        }
        ("/invite", _, _) => Command::Invalid("Write /invite @username".into()),
        (other, _, _) => Command::Invalid(format!(
            "Unknown command {other}. Known: {}",
            COMMANDS
                .iter()
                .map(|c| format!("{} {}", c.name, c.argument))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// One line of the suggestions above the reply box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// What choosing it puts in the box.
    pub insert: String,
    /// What the line says.
    pub label: String,
    /// Its second line.
    pub detail: String,
}

/// What to offer while `draft` is typed: the commands that start with it,
/// then, after `/invite @`, the usernames (with their names) that start
/// with what follows the `@`. `people` is `(username, name)`; `me` is left
/// out.
pub fn suggestions(draft: &str, people: &[(String, String)], me: &str) -> Vec<Suggestion> {
    if !draft.starts_with('/') || draft.starts_with("//") || draft.contains('\n') {
        return Vec::new();
    }
    if let Some(rest) = draft.strip_prefix("/invite ") {
        let typed = rest.trim_start().trim_start_matches('@').to_lowercase();
        if typed.contains(' ') {
            return Vec::new();
        }
        return people
            .iter()
            .filter(|(username, _)| username != me && username.starts_with(&typed))
            .take(8)
            .map(|(username, name)| Suggestion {
                insert: format!("/invite @{username}"),
                label: format!("@{username}"),
                detail: name.clone(),
            })
            .collect();
    }
    COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(draft.trim_end()))
        .map(|c| Suggestion {
            insert: format!("{} @", c.name),
            label: format!("{} {}", c.name, c.argument),
            detail: c.help.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_read() {
        assert_eq!(parse("hello"), Command::Text);
        assert_eq!(parse("//invite is a command"), Command::Text);
        assert_eq!(parse(" /invite @Ben "), Command::Invite("ben".into()));
        assert_eq!(parse("/invite ben"), Command::Invite("ben".into()));
        assert!(matches!(parse("/invite"), Command::Invalid(_)));
        assert!(matches!(parse("/invite @"), Command::Invalid(_)));
        assert!(matches!(parse("/invite @a @b"), Command::Invalid(_)));
        match parse("/kick @ben") {
            Command::Invalid(s) => assert!(s.contains("/kick") && s.contains("/invite")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn commands_then_people_are_offered() {
        let people = vec![
            ("anna".to_string(), "Anna".to_string()),
            ("ben".to_string(), "Ben".to_string()),
            ("bella".to_string(), "Bella".to_string()),
        ];
        let s = suggestions("/", &people, "anna");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].insert, "/invite @");
        assert!(suggestions("/in", &people, "anna").len() == 1);
        assert!(suggestions("/x", &people, "anna").is_empty());
        assert!(suggestions("hello /invite", &people, "anna").is_empty());
        let names: Vec<String> = suggestions("/invite @b", &people, "anna")
            .into_iter()
            .map(|s| s.label)
            .collect();
        assert_eq!(names, vec!["@ben", "@bella"]);
        let all = suggestions("/invite @", &people, "anna");
        assert_eq!(all.len(), 2, "not oneself");
        assert!(suggestions("/invite @ben hi", &people, "anna").is_empty());
    }
}
