//! A conversation's priority as the agent reads and picks it: the words of
//! the header's "Priority" menu and of the sidebar's badges. Medium is the
//! default and gets no badge; the others explain the queue's order.

use shared::routing::Priority;

/// The menu's choices, lowest first: the priority, its value on the wire
/// (and in the `<select>`), and its label.
pub const CHOICES: [(Priority, &str, &str); 4] = [
    (Priority::Low, "low", "Low"),
    (Priority::Medium, "medium", "Medium"),
    (Priority::High, "high", "High"),
    (Priority::Urgent, "urgent", "Urgent"),
];

fn choice(priority: Priority) -> (Priority, &'static str, &'static str) {
    CHOICES
        .into_iter()
        .find(|c| c.0 == priority)
        .unwrap_or(CHOICES[1])
}

/// The `<option>` value of `priority`.
pub fn value_of(priority: Priority) -> &'static str {
    choice(priority).1
}

/// The word people read: "Urgent".
pub fn label(priority: Priority) -> &'static str {
    choice(priority).2
}

/// The priority an `<option>` value names.
pub fn parse(value: &str) -> Option<Priority> {
    CHOICES.iter().find(|c| c.1 == value).map(|c| c.0)
}

/// The sidebar's badge for `priority`: its text and its class (for the
/// colour); none for Medium, the default.
pub fn badge(priority: Priority) -> Option<(&'static str, String)> {
    (priority != Priority::Medium).then(|| {
        (
            label(priority),
            format!("priority priority-{}", value_of(priority)),
        )
    })
}

/// The success line after a change.
pub fn done(priority: Priority) -> String {
    format!("Priority set to {}.", label(priority))
}

#[cfg(test)]
mod tests {
    use super::{badge, done, label, parse, value_of, CHOICES};
    use shared::routing::Priority;

    #[test]
    fn values_are_the_wire_names_and_round_trip() {
        for (priority, value, _) in CHOICES {
            assert_eq!(value_of(priority), value);
            assert_eq!(parse(value), Some(priority));
            assert_eq!(
                serde_json::to_value(priority).unwrap(),
                serde_json::Value::String(value.into())
            );
        }
        assert_eq!(parse("extreme"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("Urgent"), None);
    }

    #[test]
    fn the_menu_goes_from_low_to_urgent() {
        let order: Vec<_> = CHOICES.iter().map(|c| c.0).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        assert_eq!(CHOICES.map(|c| c.2), ["Low", "Medium", "High", "Urgent"]);
    }

    #[test]
    fn badges_and_lines() {
        assert_eq!(badge(Priority::Medium), None);
        assert_eq!(
            badge(Priority::Urgent),
            Some(("Urgent", "priority priority-urgent".to_string()))
        );
        assert_eq!(
            badge(Priority::High),
            Some(("High", "priority priority-high".to_string()))
        );
        assert_eq!(
            badge(Priority::Low),
            Some(("Low", "priority priority-low".to_string()))
        );
        assert_eq!(label(Priority::default()), "Medium");
        assert_eq!(done(Priority::High), "Priority set to High.");
    }
}
