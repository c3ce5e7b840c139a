//! What a change of the conversation means beyond the screen, pure: the
//! events the loader passes to the page (`agentJoined`, `chatEnded`) and an
//! agent's new message (announced, and a tone while the chat is hidden).
//! Only changes seen live count: nothing fires for what a replay or a
//! reload brings back.

use chat_client::session::Session;
use shared::frame::{ConversationStatus, MessageKind, Side};
use shared::ids::Seq;

/// What the widget last saw of its conversation.
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub struct Seen {
    /// The conversation's id, once welcomed.
    pub conversation: Option<String>,
    /// Its status.
    pub status: Option<ConversationStatus>,
    /// The assigned agent's name.
    pub agent: Option<String>,
    /// The seq of the newest message an agent wrote (0: none).
    pub last_agent: Seq,
    /// The replay after the welcome is in.
    pub caught_up: bool,
}

impl Seen {
    /// Reads a session.
    pub fn of(session: &Session) -> Seen {
        let state = session.state();
        let conversation = state.conversation();
        let last_agent = state
            .messages()
            .filter(|m| m.author.side == Side::Agent && m.kind == MessageKind::Text)
            .map(|m| m.seq)
            .max()
            .unwrap_or(0);
        Seen {
            conversation: conversation.map(|c| c.id.as_str().to_owned()),
            status: conversation.map(|c| c.status),
            agent: conversation
                .and_then(|c| c.assignee.as_ref())
                .map(|p| p.name.clone()),
            last_agent,
            caught_up: session.caught_up(),
        }
    }
}

/// Something worth telling.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Change {
    /// An agent took the conversation (or it moved to another one).
    AgentJoined(String),
    /// The conversation closed, by either side.
    ChatEnded(String),
    /// An agent wrote.
    AgentWrote,
}

/// The changes from `before` to `now`.
pub fn changes(before: &Seen, now: &Seen) -> Vec<Change> {
    let mut out = Vec::new();
    let live = before.caught_up && now.caught_up && before.conversation == now.conversation;
    let Some(conversation) = now.conversation.as_ref().filter(|_| live) else {
        return out;
    };
    if let Some(agent) = now
        .agent
        .as_ref()
        .filter(|a| before.agent.as_ref() != Some(*a))
    {
        out.push(Change::AgentJoined(agent.clone()));
    }
    if now.status == Some(ConversationStatus::Closed) && before.status != now.status {
        out.push(Change::ChatEnded(conversation.clone()));
    }
    if now.last_agent > before.last_agent {
        out.push(Change::AgentWrote);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(status: ConversationStatus, agent: Option<&str>, last_agent: Seq) -> Seen {
        Seen {
            conversation: Some("k1".into()),
            status: Some(status),
            agent: agent.map(Into::into),
            last_agent,
            caught_up: true,
        }
    }

    #[test]
    fn live_changes() {
        use ConversationStatus::*;
        let queued = seen(Queued, None, 0);
        let taken = seen(Active, Some("Anna"), 0);
        assert_eq!(
            changes(&queued, &taken),
            [Change::AgentJoined("Anna".into())]
        );
        assert_eq!(changes(&taken, &taken), []);
        let wrote = seen(Active, Some("Anna"), 4);
        assert_eq!(changes(&taken, &wrote), [Change::AgentWrote]);
        let moved = seen(Active, Some("Ben"), 4);
        assert_eq!(changes(&wrote, &moved), [Change::AgentJoined("Ben".into())]);
        let closed = seen(Closed, Some("Ben"), 4);
        assert_eq!(changes(&moved, &closed), [Change::ChatEnded("k1".into())]);
        assert_eq!(changes(&closed, &closed), []);
    }

    #[test]
    fn nothing_for_a_replay_or_another_conversation() {
        use ConversationStatus::*;
        let replaying = Seen {
            caught_up: false,
            ..seen(Active, Some("Anna"), 0)
        };
        let caught_up = seen(Closed, Some("Anna"), 9);
        assert_eq!(changes(&Seen::default(), &replaying), []);
        assert_eq!(changes(&replaying, &caught_up), []);
        let other = Seen {
            conversation: Some("k2".into()),
            ..seen(Active, Some("Ben"), 10)
        };
        assert_eq!(changes(&caught_up, &other), []);
    }
}
