//! The offers waiting for this agent's answer, as the inbox socket tells
//! them: a pure model fed [`InboxFrame`]s, read by the offer cards and the
//! tab title.

use shared::inbox::{InboxFrame, PendingOffer};
use shared::ConversationId;

/// Pending offers, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offers {
    pending: Vec<PendingOffer>,
}

impl Offers {
    /// Applies a frame of the inbox socket. A snapshot replaces everything
    /// (it follows every reconnect); an upsert that assigns the conversation
    /// ends its offer (accepted, here or in another tab).
    pub fn apply(&mut self, frame: &InboxFrame) {
        match frame {
            InboxFrame::Snapshot { offers, .. } => self.pending = offers.clone(),
            InboxFrame::Offer {
                conversation,
                expires_at,
            } => {
                self.end(&conversation.id);
                self.pending.push(PendingOffer {
                    conversation: conversation.clone(),
                    expires_at: *expires_at,
                });
            }
            InboxFrame::OfferEnded { id } | InboxFrame::Remove { id } => self.end(id),
            InboxFrame::Upsert { conversation } if conversation.assignee.is_some() => {
                self.end(&conversation.id)
            }
            InboxFrame::Upsert { .. } | InboxFrame::Pong | InboxFrame::Error { .. } => {}
        }
    }

    /// Forgets the offer of conversation `id` (answered, ended).
    pub fn end(&mut self, id: &ConversationId) {
        self.pending.retain(|o| o.conversation.id != *id);
    }

    /// The offers, oldest first.
    pub fn list(&self) -> &[PendingOffer] {
        &self.pending
    }

    /// True when an offer waits.
    pub fn any(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// Whole seconds left until `expires_at`, both in milliseconds; never
/// negative.
pub fn seconds_left(expires_at: i64, now: i64) -> i64 {
    ((expires_at - now).max(0) + 999) / 1000
}

#[cfg(test)]
mod tests {
    use super::{seconds_left, Offers};
    use shared::frame::{ConversationStatus, Participant, Side};
    use shared::inbox::{ConversationSummary, InboxFrame, PendingOffer};
    use shared::ConversationId;

    fn summary(id: &str, assignee: Option<&str>) -> ConversationSummary {
        ConversationSummary {
            id: ConversationId::from(id),
            status: ConversationStatus::Queued,
            department: "support".into(),
            visitor: Participant {
                side: Side::Visitor,
                id: "v".into(),
                name: "Guest".into(),
            },
            assignee: assignee.map(|a| Participant {
                side: Side::Agent,
                id: a.into(),
                name: a.into(),
            }),
            members: Vec::new(),
            preview: "hi".into(),
            queued_at: 0,
            priority: Default::default(),
        }
    }

    fn offer(id: &str) -> InboxFrame {
        InboxFrame::Offer {
            conversation: summary(id, None),
            expires_at: 30_000,
        }
    }

    fn ids(o: &Offers) -> Vec<String> {
        o.list()
            .iter()
            .map(|p| p.conversation.id.0.clone())
            .collect()
    }

    #[test]
    fn offers_follow_the_frames() {
        let mut o = Offers::default();
        o.apply(&offer("c1"));
        o.apply(&offer("c2"));
        o.apply(&offer("c1"));
        assert_eq!(ids(&o), ["c2", "c1"]);
        o.apply(&InboxFrame::OfferEnded {
            id: ConversationId::from("c2"),
        });
        assert_eq!(ids(&o), ["c1"]);
        // Accepted (an upsert with an assignee) ends it too.
        o.apply(&InboxFrame::Upsert {
            conversation: summary("c1", Some("me")),
        });
        assert!(!o.any());
        o.apply(&InboxFrame::Snapshot {
            queued: vec![],
            mine: vec![],
            offers: vec![PendingOffer {
                conversation: summary("c3", None),
                expires_at: 5,
            }],
        });
        assert_eq!(ids(&o), ["c3"]);
    }

    #[track_caller]
    fn check(expires_at: i64, now: i64, expected: i64) {
        assert_eq!(seconds_left(expires_at, now), expected);
    }

    #[test]
    fn countdown() {
        check(30_000, 0, 30);
        check(30_000, 1, 30);
        check(30_000, 29_001, 1);
        check(30_000, 30_000, 0);
        check(30_000, 40_000, 0);
    }
}
