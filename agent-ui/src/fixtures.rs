//! What the unit tests build their lists from.

use shared::frame::{ConversationStatus, Participant, Side};
use shared::inbox::ConversationSummary;
use shared::ConversationId;

/// A conversation of the visitor "Ada" in Support, queued at `at`, worked
/// by `assignee` (their id is their name in lower case) if any.
pub fn summary(
    id: &str,
    status: ConversationStatus,
    assignee: Option<&str>,
    at: i64,
) -> ConversationSummary {
    ConversationSummary {
        id: ConversationId::from(id),
        status,
        department: "support".into(),
        visitor: Participant {
            side: Side::Visitor,
            id: "v1".into(),
            name: "Ada".into(),
        },
        assignee: assignee.map(|a| Participant {
            side: Side::Agent,
            id: a.to_lowercase(),
            name: a.into(),
        }),
        members: Vec::new(),
        preview: format!("first message of {id}"),
        queued_at: at,
        priority: Default::default(),
    }
}
