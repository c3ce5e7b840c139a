//! The agent's live conversation lists, as the inbox socket describes them:
//! a pure model fed [`InboxFrame`]s, read as the sidebar's three sections.

use shared::frame::ConversationStatus;
use shared::inbox::{ConversationSummary, InboxFrame};
use shared::{AgentId, ConversationId};
use std::collections::{BTreeMap, BTreeSet};

/// Every conversation the agent may see, by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inbox {
    me: String,
    conversations: BTreeMap<ConversationId, ConversationSummary>,
}

impl Inbox {
    /// An empty inbox for the agent `me`, before the first snapshot.
    pub fn new(me: &AgentId) -> Self {
        Self {
            me: me.0.clone(),
            conversations: BTreeMap::new(),
        }
    }

    /// Applies a frame of the inbox socket. A snapshot replaces everything
    /// (it follows every reconnect).
    pub fn apply(&mut self, frame: InboxFrame) {
        match frame {
            InboxFrame::Snapshot { queued, mine, .. } => {
                self.conversations = queued
                    .into_iter()
                    .chain(mine)
                    .map(|c| (c.id.clone(), c))
                    .collect();
            }
            InboxFrame::Upsert { conversation } => self.upsert(conversation),
            InboxFrame::Remove { id } => self.remove(&id),
            // Offers are shown by the desk; the lists change when one is
            // accepted (an upsert follows).
            InboxFrame::Offer { .. } | InboxFrame::OfferEnded { .. } => {}
            InboxFrame::Pong | InboxFrame::Error { .. } => {}
        }
    }

    /// Adds or replaces a conversation (also used with the answer to a take).
    pub fn upsert(&mut self, conversation: ConversationSummary) {
        if conversation.status == ConversationStatus::Closed {
            self.conversations.remove(&conversation.id);
        } else {
            self.conversations
                .insert(conversation.id.clone(), conversation);
        }
    }

    /// Takes the priority from the answer to a priority change. Only the
    /// priority: the inbox socket may already have brought newer news of the
    /// rest (a take, a close), and a conversation no longer listed stays out.
    pub fn prioritized(&mut self, answer: &ConversationSummary) {
        if let Some(c) = self.conversations.get_mut(&answer.id) {
            c.priority = answer.priority;
        }
    }

    /// Drops a conversation from every list.
    pub fn remove(&mut self, id: &ConversationId) {
        self.conversations.remove(id);
    }

    /// A conversation by id.
    pub fn get(&self, id: &ConversationId) -> Option<&ConversationSummary> {
        self.conversations.get(id)
    }

    /// True when `c` is assigned to this agent.
    pub fn is_mine(&self, c: &ConversationSummary) -> bool {
        c.assignee.as_ref().is_some_and(|a| a.id == self.me)
    }

    /// "Queued Chats": waiting in a queue, longest wait first.
    pub fn queued(&self) -> Vec<ConversationSummary> {
        self.sorted(|c| c.status == ConversationStatus::Queued)
    }

    /// "Chats in Progress": active and assigned to this agent.
    pub fn in_progress(&self) -> Vec<ConversationSummary> {
        self.sorted(|c| c.status == ConversationStatus::Active && self.is_mine(c))
    }

    /// "On Hold": put on hold by this agent.
    pub fn on_hold(&self) -> Vec<ConversationSummary> {
        self.sorted(|c| c.status == ConversationStatus::OnHold && self.is_mine(c))
    }

    /// The ids of "Chats in Progress".
    pub fn in_progress_ids(&self) -> BTreeSet<ConversationId> {
        self.in_progress().into_iter().map(|c| c.id).collect()
    }

    fn sorted(&self, keep: impl Fn(&ConversationSummary) -> bool) -> Vec<ConversationSummary> {
        let mut list: Vec<_> = self
            .conversations
            .values()
            .filter(|c| keep(c))
            .cloned()
            .collect();
        // The queue's order: priority first, then age.
        list.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then_with(|| a.queued_at.cmp(&b.queued_at))
                .then_with(|| a.id.cmp(&b.id))
        });
        list
    }
}

#[cfg(test)]
mod tests {
    use super::Inbox;
    use crate::fixtures::summary;
    use shared::frame::ConversationStatus;
    use shared::inbox::{ConversationSummary, InboxFrame};
    use shared::routing::Priority;
    use shared::{AgentId, ConversationId};

    fn prioritized(mut s: ConversationSummary, priority: Priority) -> ConversationSummary {
        s.priority = priority;
        s
    }

    fn ids(list: Vec<ConversationSummary>) -> Vec<String> {
        list.into_iter().map(|c| c.id.0).collect()
    }

    #[test]
    fn lists_follow_the_frames() {
        use ConversationStatus::*;
        let mut inbox = Inbox::new(&AgentId::from("me"));
        inbox.apply(InboxFrame::Snapshot {
            queued: vec![
                summary("q2", Queued, None, 20),
                summary("q1", Queued, None, 10),
            ],
            mine: vec![
                summary("m1", Active, Some("me"), 5),
                summary("h1", OnHold, Some("me"), 1),
            ],
            offers: vec![],
        });
        assert_eq!(ids(inbox.queued()), ["q1", "q2"]);
        assert_eq!(ids(inbox.in_progress()), ["m1"]);
        assert_eq!(ids(inbox.on_hold()), ["h1"]);

        // Taken by me: leaves the queue, joins my chats.
        inbox.apply(InboxFrame::Upsert {
            conversation: summary("q1", Active, Some("me"), 10),
        });
        assert_eq!(ids(inbox.queued()), ["q2"]);
        assert_eq!(ids(inbox.in_progress()), ["m1", "q1"]);

        // Taken by someone else, or closed: gone.
        inbox.apply(InboxFrame::Remove {
            id: ConversationId::from("q2"),
        });
        inbox.apply(InboxFrame::Upsert {
            conversation: summary("m1", Closed, Some("me"), 5),
        });
        assert!(inbox.queued().is_empty());
        assert_eq!(ids(inbox.in_progress()), ["q1"]);

        // Someone else's active chat is in no list of mine.
        inbox.apply(InboxFrame::Upsert {
            conversation: summary("o1", Active, Some("other"), 1),
        });
        assert_eq!(ids(inbox.in_progress()), ["q1"]);

        // Held by me: leaves Chats in Progress for On Hold; resumed, back.
        inbox.apply(InboxFrame::Upsert {
            conversation: summary("q1", OnHold, Some("me"), 10),
        });
        assert!(inbox.in_progress().is_empty());
        assert_eq!(ids(inbox.on_hold()), ["h1", "q1"]);
        inbox.apply(InboxFrame::Upsert {
            conversation: summary("q1", Active, Some("me"), 10),
        });
        assert_eq!(ids(inbox.in_progress()), ["q1"]);
        // Someone else's held chat is not in my On Hold list.
        inbox.apply(InboxFrame::Upsert {
            conversation: summary("o2", OnHold, Some("other"), 1),
        });
        assert_eq!(ids(inbox.on_hold()), ["h1"]);

        // A snapshot after a reconnect replaces everything.
        inbox.apply(InboxFrame::Snapshot {
            queued: vec![],
            mine: vec![],
            offers: vec![],
        });
        assert!(inbox.in_progress().is_empty() && inbox.on_hold().is_empty());
    }

    #[test]
    fn priority_orders_the_lists_and_follows_the_answer() {
        use ConversationStatus::*;
        let mut inbox = Inbox::new(&AgentId::from("me"));
        inbox.apply(InboxFrame::Snapshot {
            queued: vec![
                summary("old", Queued, None, 10),
                summary("new", Queued, None, 20),
                prioritized(summary("low", Queued, None, 5), Priority::Low),
            ],
            mine: vec![],
            offers: vec![],
        });
        assert_eq!(ids(inbox.queued()), ["old", "new", "low"]);

        // Pushed by the inbox socket: urgent goes first.
        inbox.apply(InboxFrame::Upsert {
            conversation: prioritized(summary("new", Queued, None, 20), Priority::Urgent),
        });
        assert_eq!(ids(inbox.queued()), ["new", "old", "low"]);

        // The answer to a change sets the priority, and only that.
        inbox.apply(InboxFrame::Upsert {
            conversation: summary("old", Active, Some("me"), 10),
        });
        inbox.prioritized(&prioritized(
            summary("old", Queued, None, 10),
            Priority::High,
        ));
        let old = inbox.get(&ConversationId::from("old")).unwrap();
        assert_eq!((old.status, old.priority), (Active, Priority::High));
        // A conversation gone from the lists does not come back.
        inbox.apply(InboxFrame::Remove {
            id: ConversationId::from("low"),
        });
        inbox.prioritized(&prioritized(
            summary("low", Queued, None, 5),
            Priority::High,
        ));
        assert_eq!(ids(inbox.queued()), ["new"]);
    }
}
