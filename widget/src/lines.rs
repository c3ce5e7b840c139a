//! What the components draw, computed from a [`ChatState`]: one
//! [`LineView`] per message, the typing line, the agent's name. Plain values,
//! so the view only compares and draws them.

use chat_client::{ChatState, Check, Line};
use shared::frame::{ConversationStatus, MessageKind, Side};
use shared::ids::ClientMsgId;

/// One line of the message log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineView {
    /// The visitor's own message, stored or still pending.
    Own {
        /// `s<seq>` once stored, `p<client id>` while pending.
        id: String,
        /// The text, drawn as text.
        text: String,
        /// Its checkmark.
        check: Check,
        /// Set on a failed send: retry it with this id.
        retry: Option<ClientMsgId>,
        /// Why it failed, for people.
        error: Option<String>,
    },
    /// A message from an agent (or anyone else who is not the visitor).
    Theirs {
        /// `s<seq>`.
        id: String,
        /// Who wrote it.
        author: String,
        /// The text, drawn as text.
        text: String,
    },
    /// A line written by the product ("Anna took the chat").
    System {
        /// `s<seq>`.
        id: String,
        /// The text.
        text: String,
    },
}

impl LineView {
    /// The key of the line in the log: changes whenever the line must be
    /// drawn anew (stored, acked, delivered, read, failed).
    pub fn key(&self) -> String {
        match self {
            LineView::Own { id, check, .. } => format!("{id}:{}", check.label()),
            LineView::Theirs { id, .. } | LineView::System { id, .. } => id.clone(),
        }
    }
}

/// Every line to draw, stored messages first, then pending sends.
pub fn lines(state: &ChatState) -> Vec<LineView> {
    state
        .lines()
        .into_iter()
        .map(|line| match line {
            Line::Stored(m) if m.kind == MessageKind::System || m.author.side == Side::System => {
                LineView::System {
                    id: format!("s{}", m.seq),
                    text: m.text.clone(),
                }
            }
            Line::Stored(m) if state.is_own(m) => LineView::Own {
                id: format!("s{}", m.seq),
                text: m.text.clone(),
                check: state.check(m),
                retry: None,
                error: None,
            },
            Line::Stored(m) => LineView::Theirs {
                id: format!("s{}", m.seq),
                author: m.author.name.clone(),
                text: m.text.clone(),
            },
            Line::Pending(p) => {
                let check = ChatState::pending_check(p);
                LineView::Own {
                    id: format!("p{}", p.client_id),
                    text: p.text.clone(),
                    check,
                    retry: (check == Check::Failed).then(|| p.client_id.clone()),
                    error: p.error.clone(),
                }
            }
        })
        .collect()
}

/// "Anna is typing…", or nothing when nobody else is typing.
pub fn typing(state: &ChatState) -> Option<String> {
    match state.typing().as_slice() {
        [] => None,
        [one] => Some(format!("{} is typing…", one.name)),
        [a, b] => Some(format!("{} and {} are typing…", a.name, b.name)),
        _ => Some("Several people are typing…".to_owned()),
    }
}

/// The name of the agent working the conversation, once there is one.
pub fn agent_name(state: &ChatState) -> Option<String> {
    state
        .conversation()
        .and_then(|c| c.assignee.as_ref())
        .map(|p| p.name.clone())
}

/// The conversation's status, once welcomed.
pub fn status(state: &ChatState) -> Option<ConversationStatus> {
    state.conversation().map(|c| c.status)
}

/// A state for a new conversation that keeps the sends the old one never
/// stored, with their ids, so starting over loses nothing the visitor wrote.
pub fn carry_outbox(old: &ChatState) -> ChatState {
    let mut new = ChatState::new();
    for line in old.lines() {
        if let Line::Pending(p) = line {
            new.compose(p.client_id.clone(), p.text.clone());
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::{carry_outbox, lines, typing, LineView};
    use chat_client::{ChatState, Check};
    use shared::frame::{
        ConversationStatus, ConversationView, Message, MessageKind, Participant, ServerFrame, Side,
        Watermark,
    };

    fn who(side: Side, id: &str, name: &str) -> Participant {
        Participant {
            side,
            id: id.into(),
            name: name.into(),
        }
    }

    fn welcomed() -> ChatState {
        let me = who(Side::Visitor, "v1", "Visitor 1");
        let mut s = ChatState::new();
        s.apply(ServerFrame::Welcome {
            version: 1,
            conversation: ConversationView {
                id: "k1".into(),
                status: ConversationStatus::Active,
                department: "sales".into(),
                visitor: me.clone(),
                assignee: Some(who(Side::Agent, "a1", "Anna")),
            },
            you: me,
            last_seq: 0,
            receipts: vec![],
        });
        s
    }

    fn message(seq: u64, author: Participant, kind: MessageKind, cid: Option<&str>) -> ServerFrame {
        ServerFrame::Message(Message {
            seq,
            client_id: cid.map(Into::into),
            author,
            kind,
            text: format!("m{seq}"),
            sent_at: 0,
        })
    }

    #[test]
    fn lines_tell_own_theirs_and_system_apart() {
        let mut s = welcomed();
        s.apply(message(
            1,
            who(Side::Visitor, "v1", "Visitor 1"),
            MessageKind::Text,
            Some("c-1"),
        ));
        s.apply(message(
            2,
            who(Side::System, "system", "System"),
            MessageKind::System,
            None,
        ));
        s.apply(message(
            3,
            who(Side::Agent, "a1", "Anna"),
            MessageKind::Text,
            Some("x"),
        ));
        s.apply(ServerFrame::Receipt(Watermark {
            participant: who(Side::Agent, "a1", "Anna"),
            delivered: 1,
            read: 0,
        }));
        s.compose("c-2".into(), "later".into());
        s.fail_unacked();
        let got = lines(&s);
        assert_eq!(got.len(), 4);
        assert!(matches!(
            &got[0],
            LineView::Own {
                check: Check::Delivered,
                retry: None,
                ..
            }
        ));
        assert!(matches!(&got[1], LineView::System { text, .. } if text == "m2"));
        assert!(matches!(&got[2], LineView::Theirs { author, .. } if author == "Anna"));
        assert!(
            matches!(&got[3], LineView::Own { check: Check::Failed, retry: Some(id), .. } if id.as_str() == "c-2")
        );
        assert_eq!(got[0].key(), "s1:Delivered");
        assert_eq!(got[3].key(), "pc-2:Not sent");
    }

    #[test]
    fn typing_names_the_others() {
        let mut s = welcomed();
        assert_eq!(typing(&s), None);
        s.apply(ServerFrame::Typing {
            who: who(Side::Agent, "a1", "Anna"),
            active: true,
        });
        assert_eq!(typing(&s).as_deref(), Some("Anna is typing…"));
    }

    #[test]
    fn starting_over_keeps_unsent_messages() {
        let mut s = welcomed();
        s.compose("c-9".into(), "hello".into());
        let new = carry_outbox(&s);
        assert!(new.has_unacked());
        assert_eq!(lines(&new).len(), 1);
    }
}
