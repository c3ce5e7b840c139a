//! What the components draw, computed from a [`ChatState`]: one
//! [`LineView`] per message, the typing line, the agent's name, the place
//! in the queue. Plain values, so the view only compares and draws them.

use crate::i18n::{self, push_num, Texts};
use chat_client::{ChatState, Check, Line};
use shared::frame::{ConversationStatus, MessageKind, Side};
use shared::ids::ClientMsgId;

/// One line of the message log.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub struct LineView {
    /// Stable for the life of the line, so the log never redraws (and a
    /// screen reader never re-reads) a line whose checkmark moved: `c<client
    /// id>` for one's own messages, pending or stored, `s<seq>` otherwise.
    pub id: String,
    /// What the line says; never changes.
    pub body: Body,
    /// The delivery state of one's own message; changes over its life.
    pub status: Option<OwnStatus>,
    /// The file the message carries.
    pub file: Option<shared::files::Attachment>,
}

/// What a line says.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Body {
    /// The visitor's own message.
    Own(String),
    /// A message from an agent (or anyone else who is not the visitor).
    Theirs {
        /// Who wrote it.
        author: String,
        /// The text.
        text: String,
    },
    /// A line written by the product ("Anna took the chat").
    System(String),
}

/// Where one of one's own messages is.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub struct OwnStatus {
    /// Its checkmark.
    pub check: Check,
    /// Set on a failed send: retry it with this id.
    pub retry: Option<ClientMsgId>,
    /// Why it failed, for people.
    pub error: Option<String>,
}

fn seq_id(seq: u64) -> String {
    let mut id = String::from("s");
    push_num(&mut id, seq);
    id
}

fn own_id(client_id: &ClientMsgId) -> String {
    let mut id = String::from("c");
    id.push_str(client_id.as_str());
    id
}

/// Every line to draw, stored messages first, then pending sends.
pub fn lines(state: &ChatState) -> Vec<LineView> {
    state
        .lines()
        .into_iter()
        .map(|line| match line {
            Line::Stored(m) if m.kind == MessageKind::System || m.author.side == Side::System => {
                LineView {
                    id: seq_id(m.seq),
                    body: Body::System(m.text.clone()),
                    status: None,
                    file: None,
                }
            }
            Line::Stored(m) if state.is_own(m) => LineView {
                id: m.client_id.as_ref().map_or_else(|| seq_id(m.seq), own_id),
                body: Body::Own(m.text.clone()),
                status: Some(OwnStatus {
                    check: state.check(m),
                    retry: None,
                    error: None,
                }),
                file: m.attachment.clone(),
            },
            Line::Stored(m) => LineView {
                id: seq_id(m.seq),
                body: Body::Theirs {
                    author: m.author.name.clone(),
                    text: m.text.clone(),
                },
                status: None,
                file: m.attachment.clone(),
            },
            Line::Pending(p) => {
                let check = ChatState::pending_check(p);
                LineView {
                    id: own_id(&p.client_id),
                    body: Body::Own(p.text.clone()),
                    status: Some(OwnStatus {
                        check,
                        retry: (check == Check::Failed).then(|| p.client_id.clone()),
                        error: p.error.clone(),
                    }),
                    file: None,
                }
            }
        })
        .collect()
}

/// "Anna is typing…", or nothing when nobody else is typing.
pub fn typing(t: &Texts, state: &ChatState) -> Option<String> {
    let names: Vec<&str> = state.typing().iter().map(|p| p.name.as_str()).collect();
    i18n::typing(t, &names)
}

/// The name of the agent working the conversation, once there is one.
pub fn agent_name(state: &ChatState) -> Option<&str> {
    state
        .conversation()
        .and_then(|c| c.assignee.as_ref())
        .map(|p| p.name.as_str())
}

/// The conversation's status, once welcomed.
pub fn status(state: &ChatState) -> Option<ConversationStatus> {
    state.conversation().map(|c| c.status)
}

/// "You are number 2 in the queue · about 3 min" while the conversation
/// waits and the server has said where (it pushes a `queue` frame whenever
/// the place moves); nothing otherwise.
pub fn queue(t: &Texts, state: &ChatState) -> Option<String> {
    if status(state) != Some(ConversationStatus::Queued) {
        return None;
    }
    let (position, wait_ms) = state.queue_position()?;
    Some(i18n::queue(t, position, wait_ms))
}

/// A state for a new conversation that keeps the sends the old one never
/// stored, with their ids, so starting over loses nothing the visitor wrote.
pub fn carry_outbox(old: &ChatState) -> ChatState {
    let mut new = ChatState::new();
    for line in old.lines() {
        if let Line::Pending(p) = line {
            new.compose(p.client_id.clone(), p.text.clone(), p.kind);
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::{carry_outbox, lines, queue, typing, Body};
    use crate::i18n::EN;
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
                members: Vec::new(),
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
            to: None,
            text: format!("m{seq}"),
            sent_at: 0,
            attachment: None,
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
        s.compose("c-2".into(), "later".into(), Default::default());
        s.fail_unacked();
        let got = lines(&s);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].id, "cc-1");
        assert_eq!(
            got[0].status.as_ref().map(|s| s.check),
            Some(Check::Delivered)
        );
        assert!(matches!(&got[1].body, Body::System(text) if text == "m2"));
        assert!(matches!(&got[2].body, Body::Theirs { author, .. } if author == "Anna"));
        assert_eq!(got[2].status, None);
        let failed = got[3].status.clone().expect("the pending send is a line");
        assert_eq!(got[3].id, "cc-2");
        assert_eq!(failed.check, Check::Failed);
        assert_eq!(failed.retry.as_ref().map(|id| id.as_str()), Some("c-2"));
    }

    #[test]
    fn a_stored_send_keeps_its_line_id() {
        let mut s = welcomed();
        s.compose("c-1".into(), "hi".into(), Default::default());
        assert_eq!(lines(&s)[0].id, "cc-1");
        s.apply(message(
            1,
            who(Side::Visitor, "v1", "Visitor 1"),
            MessageKind::Text,
            Some("c-1"),
        ));
        let got = lines(&s);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id, "cc-1");
        assert_eq!(got[0].status.as_ref().map(|s| s.check), Some(Check::Stored));
    }

    #[test]
    fn typing_names_the_others() {
        let mut s = welcomed();
        assert_eq!(typing(&EN, &s), None);
        s.apply(ServerFrame::Typing {
            who: who(Side::Agent, "a1", "Anna"),
            active: true,
        });
        assert_eq!(typing(&EN, &s).as_deref(), Some("Anna is typing…"));
    }

    #[test]
    fn starting_over_keeps_unsent_messages() {
        let mut s = welcomed();
        s.compose("c-9".into(), "hello".into(), Default::default());
        let new = carry_outbox(&s);
        assert!(new.has_unacked());
        assert_eq!(lines(&new).len(), 1);
    }

    #[test]
    fn the_queue_line_follows_the_pushed_position() {
        let mut s = welcomed();
        let queued = |s: &mut ChatState| {
            s.apply(ServerFrame::State {
                conversation: ConversationView {
                    id: "k1".into(),
                    status: ConversationStatus::Queued,
                    department: "sales".into(),
                    visitor: who(Side::Visitor, "v1", "Visitor 1"),
                    assignee: None,
                    members: Vec::new(),
                },
            })
        };
        let at = |position, estimated_wait_ms| ServerFrame::Queue {
            position,
            estimated_wait_ms,
        };
        assert_eq!(queue(&EN, &s), None, "active: not waiting");
        queued(&mut s);
        assert_eq!(queue(&EN, &s), None, "nothing pushed yet");
        s.apply(at(2, 120_000));
        assert_eq!(
            queue(&EN, &s).as_deref(),
            Some("You are number 2 in the queue · about 2 min")
        );
        s.apply(at(1, 20_000));
        assert_eq!(
            queue(&EN, &s).as_deref(),
            Some("You are number 1 in the queue · less than a minute")
        );
        s.apply(at(0, 0));
        assert_eq!(queue(&EN, &s), None, "no longer waiting");
    }
}
