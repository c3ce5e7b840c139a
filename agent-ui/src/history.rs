//! A contact's chat history: every conversation of one visitor the agent may
//! open, as `GET /api/v1/agent/conversations/{id}/history` lists them. A
//! visitor who writes after their chat was closed starts a new conversation,
//! so one contact may have many. This module turns the answer into the lines
//! the "Chat history" dialog shows (newest first, the conversation on screen
//! marked) and holds [`OpenConversation`], the capability to open one of
//! them in the pane.

use leptos::prelude::*;
use shared::contacts::ContactConversation;
use shared::frame::ConversationStatus;
use shared::inbox::ConversationSummary;
use shared::ConversationId;

/// Opens a conversation in the desk's pane, as a sidebar line does. The desk
/// provides it.
#[derive(Clone, Copy)]
pub struct OpenConversation(pub RwSignal<Option<ConversationId>>);

impl OpenConversation {
    /// Shows conversation `id` in the pane, in place of what is there.
    pub fn open(&self, id: ConversationId) {
        if self.0.with_untracked(|o| o.as_ref() != Some(&id)) {
            self.0.set(Some(id));
        }
    }
}

/// A conversation's status in the agent's words.
pub fn status_word(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::New => "New",
        ConversationStatus::Queued => "Waiting",
        ConversationStatus::Active => "In progress",
        ConversationStatus::OnHold => "On hold",
        ConversationStatus::Closed => "Closed",
        ConversationStatus::Unknown => "",
    }
}

/// One line of the chat history, as drawn. Everything is text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The conversation.
    pub id: ConversationId,
    /// When it started (entered the queue), in milliseconds since the
    /// epoch; `None` when the server does not know.
    pub started_at: Option<i64>,
    /// [`status_word`] of its status.
    pub status: &'static str,
    /// The agent who worked it, if any.
    pub agent: Option<String>,
    /// The visitor's first message.
    pub preview: String,
    /// It is the conversation on screen ("This chat").
    pub current: bool,
}

/// The history's lines: newest first whatever order the server answered in
/// (the same start: the current one first, then by id for a stable order),
/// the conversation `current` marked.
pub fn entries(list: &[ConversationSummary], current: &ConversationId) -> Vec<Entry> {
    let mut list: Vec<&ConversationSummary> = list.iter().collect();
    list.sort_by(|a, b| {
        b.queued_at
            .cmp(&a.queued_at)
            .then_with(|| (b.id == *current).cmp(&(a.id == *current)))
            .then_with(|| b.id.cmp(&a.id))
    });
    list.dedup_by(|a, b| a.id == b.id);
    list.into_iter()
        .map(|c| Entry {
            id: c.id.clone(),
            started_at: (c.queued_at > 0).then_some(c.queued_at),
            status: status_word(c.status),
            agent: c
                .assignee
                .as_ref()
                .map(|a| a.name.clone())
                .filter(|n| !n.trim().is_empty()),
            preview: c.preview.clone(),
            current: c.id == *current,
        })
        .collect()
}

/// The history's lines from a search of the contact's conversations
/// (`GET /api/v1/agent/contacts/{id}/history?q=`), as [`entries`] draws
/// them.
pub fn searched(list: &[ContactConversation], current: &ConversationId) -> Vec<Entry> {
    let as_summaries: Vec<ConversationSummary> = list
        .iter()
        .map(|c| ConversationSummary {
            id: c.id.clone(),
            status: c.status,
            department: c.department.clone(),
            visitor: shared::frame::Participant {
                side: shared::frame::Side::Visitor,
                id: String::new(),
                name: String::new(),
            },
            assignee: c.agent.clone(),
            members: Vec::new(),
            preview: c.preview.clone(),
            queued_at: c.created_at,
            priority: Default::default(),
        })
        .collect();
    entries(&as_summaries, current)
}

/// The contact's id (their visitor id), for searching their history.
pub fn contact_id(list: &[ConversationSummary], current: &ConversationId) -> Option<String> {
    list.iter()
        .find(|c| c.id == *current)
        .or_else(|| list.first())
        .map(|c| c.visitor.id.clone())
}

/// The contact's name: the visitor of the conversation on screen, or of any
/// listed one.
pub fn contact_name(list: &[ConversationSummary], current: &ConversationId) -> Option<String> {
    list.iter()
        .find(|c| c.id == *current)
        .or_else(|| list.first())
        .map(|c| c.visitor.name.clone())
        .filter(|n| !n.trim().is_empty())
}

/// The meta line of an entry: "Today, 14:05 · Closed · Anna", given the
/// entry's time already in words.
pub fn meta(when: Option<String>, entry: &Entry) -> String {
    [when, Some(entry.status.to_string()), entry.agent.clone()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// True when the contact has no chat but the one on screen.
pub fn only_this_one(entries: &[Entry]) -> bool {
    entries.iter().all(|e| e.current)
}

#[cfg(test)]
mod tests {
    use super::{contact_name, entries, meta, only_this_one, status_word, Entry};
    use crate::fixtures::summary;
    use shared::frame::ConversationStatus;
    use shared::ConversationId;
    use ConversationStatus::*;

    #[test]
    fn statuses_in_words() {
        assert_eq!(status_word(Queued), "Waiting");
        assert_eq!(status_word(Active), "In progress");
        assert_eq!(status_word(OnHold), "On hold");
        assert_eq!(status_word(Closed), "Closed");
        assert_eq!(status_word(New), "New");
        assert_eq!(status_word(Unknown), "");
    }

    #[test]
    fn newest_first_with_this_chat_marked() {
        let list = [
            summary("old", Closed, Some("Anna"), 10),
            summary("now", Active, Some("Anna"), 30),
            summary("mid", Closed, None, 20),
            summary("now", Active, Some("Anna"), 30),
        ];
        let shown = entries(&list, &ConversationId::from("now"));
        let ids: Vec<(&str, bool)> = shown.iter().map(|e| (e.id.as_str(), e.current)).collect();
        assert_eq!(ids, [("now", true), ("mid", false), ("old", false)]);
        assert_eq!(
            shown[2],
            Entry {
                id: ConversationId::from("old"),
                started_at: Some(10),
                status: "Closed",
                agent: Some("Anna".into()),
                preview: "first message of old".into(),
                current: false,
            }
        );
        assert_eq!(shown[1].agent, None);
        assert!(!only_this_one(&shown));

        // Started at the same moment: this chat first, then a stable order.
        let tied = [
            summary("a", Closed, None, 5),
            summary("c", Closed, None, 5),
            summary("b", Queued, None, 5),
        ];
        let ids: Vec<String> = entries(&tied, &ConversationId::from("b"))
            .into_iter()
            .map(|e| e.id.0)
            .collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }

    #[test]
    fn search_results_draw_like_the_history() {
        let found = [shared::contacts::ContactConversation {
            id: ConversationId::from("c2"),
            department: "support".into(),
            agent: None,
            status: Closed,
            created_at: 9,
            closed_at: Some(10),
            preview: "hello".into(),
        }];
        let shown = super::searched(&found, &ConversationId::from("c2"));
        assert_eq!(shown.len(), 1);
        assert!(shown[0].current);
        assert_eq!((shown[0].started_at, shown[0].status), (Some(9), "Closed"));
        let list = [summary("a", Closed, None, 1)];
        assert_eq!(
            super::contact_id(&list, &ConversationId::from("a")).as_deref(),
            Some("v1")
        );
    }

    #[test]
    fn the_first_chat_alone() {
        let list = [summary("c1", Queued, None, 0)];
        let shown = entries(&list, &ConversationId::from("c1"));
        assert_eq!(shown.len(), 1);
        assert!(shown[0].current);
        // Unknown start: no date rather than 1970.
        assert_eq!(shown[0].started_at, None);
        assert!(only_this_one(&shown));
        assert!(only_this_one(&[]));
    }

    #[test]
    fn the_contact_and_the_meta_line() {
        let list = [summary("a", Closed, Some("Ben"), 1)];
        assert_eq!(
            contact_name(&list, &ConversationId::from("x")).as_deref(),
            Some("Ada")
        );
        assert_eq!(contact_name(&[], &ConversationId::from("x")), None);
        let shown = entries(&list, &ConversationId::from("a"));
        assert_eq!(
            meta(Some("Today, 14:05".into()), &shown[0]),
            "Today, 14:05 · Closed · Ben"
        );
        let waiting = entries(&[summary("b", Queued, None, 0)], &ConversationId::from("a"));
        assert_eq!(meta(None, &waiting[0]), "Waiting");
    }
}
