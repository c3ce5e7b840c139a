//! Hold, resume, move to the queue, forward, close and "End chat": who may,
//! when, and what the history and the participants see.

use crate::sim::{agent, visitor, Sim};
use chat_core::conversation::lifecycle::{Action, TransferTarget};
use chat_core::{Input, Output};
use serde_json::json;
use shared::frame::{ConversationStatus, ErrorCode, MessageKind, ServerFrame};

/// Taken by Anna (socket 2); the visitor is on socket 1; inboxes empty.
fn taken() -> Sim {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.say(1, "v-1", "hello");
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    sim.connect(2, agent("a1", "Anna"));
    sim.hello(2, 0);
    sim.take(1);
    sim.take(2);
    sim.replies.clear();
    sim
}

fn anna() -> shared::frame::Participant {
    agent("a1", "Anna")
}

/// Runs an action; `Ok(status)` or the refusal's code.
fn act(sim: &mut Sim, action: Action) -> Result<ConversationStatus, ErrorCode> {
    sim.replies.clear();
    sim.input(Input::Lifecycle(action));
    match sim.replies.pop() {
        Some(Ok(view)) => Ok(view.status),
        Some(Err(r)) => Err(r.code),
        None => panic!("no reply"),
    }
}

fn last_line(sim: &Sim) -> String {
    let m = sim.messages.values().next_back().expect("a message");
    assert_eq!(m.kind, MessageKind::System);
    m.text.clone()
}

#[test]
fn hold_only_after_the_agents_own_message_and_resume() {
    let mut sim = taken();
    // The visitor wrote last.
    assert_eq!(
        act(&mut sim, Action::Hold { by: anna() }),
        Err(ErrorCode::Forbidden)
    );
    sim.say(2, "a-1", "I will check and come back");
    // Someone else cannot hold it.
    assert_eq!(
        act(
            &mut sim,
            Action::Hold {
                by: agent("a2", "Ben")
            }
        ),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        act(&mut sim, Action::Hold { by: anna() }),
        Ok(ConversationStatus::OnHold)
    );
    assert_eq!(last_line(&sim), "Anna placed the chat on hold");
    assert!(sim
        .take(1)
        .iter()
        .any(|f| matches!(f, ServerFrame::State { conversation } if conversation.status == ConversationStatus::OnHold)));
    // Held twice: refused.
    assert_eq!(
        act(&mut sim, Action::Hold { by: anna() }),
        Err(ErrorCode::Forbidden)
    );
    // Survives an eviction, including who wrote last.
    sim.evict();
    assert_eq!(
        act(
            &mut sim,
            Action::Resume {
                by: agent("a2", "Ben")
            }
        ),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        act(&mut sim, Action::Resume { by: anna() }),
        Ok(ConversationStatus::Active)
    );
    assert_eq!(last_line(&sim), "Anna resumed the chat");
    sim.evict();
    assert_eq!(
        act(&mut sim, Action::Hold { by: anna() }),
        Ok(ConversationStatus::OnHold),
        "Anna still wrote last"
    );
}

#[test]
fn a_visitor_writing_to_a_held_chat_asks_for_routing() {
    let mut sim = taken();
    sim.say(2, "a-1", "one moment");
    act(&mut sim, Action::Hold { by: anna() }).expect("held");
    assert!(sim.rerouted.is_empty());
    sim.say(1, "v-2", "are you there?");
    assert_eq!(sim.rerouted.len(), 1);
    assert_eq!(sim.rerouted[0].status, ConversationStatus::OnHold);
    // The workspace sends it back to Anna.
    assert_eq!(
        act(&mut sim, Action::Resume { by: anna() }),
        Ok(ConversationStatus::Active)
    );
    sim.say(1, "v-3", "ok");
    assert_eq!(sim.rerouted.len(), 1, "only while on hold");
}

#[test]
fn move_to_the_queue_and_take_again() {
    let mut sim = taken();
    assert_eq!(
        act(
            &mut sim,
            Action::Requeue {
                by: agent("a2", "Ben")
            }
        ),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        act(&mut sim, Action::Requeue { by: anna() }),
        Ok(ConversationStatus::Queued)
    );
    assert_eq!(last_line(&sim), "Anna moved the chat to the queue");
    assert_eq!(
        sim.meta.as_ref().and_then(|m| m.view.assignee.clone()),
        None
    );
    sim.say(2, "a-2", "still mine?");
    assert!(sim.take(2).iter().any(|f| matches!(
        f,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    )));
    sim.input(Input::Assign {
        agent: agent("a2", "Ben"),
    });
    assert!(sim.replies.last().is_some_and(Result::is_ok));
    assert_eq!(last_line(&sim), "Ben joined the chat");
}

#[test]
fn forwards_keep_a_history_and_tell_the_receiver() {
    let mut sim = taken();
    let ben = agent("a2", "Ben");
    let to_ben = |comment: Option<&str>| Action::Forward {
        by: anna(),
        to: TransferTarget::Agent { agent: ben.clone() },
        comment: comment.map(str::to_owned),
    };
    assert_eq!(
        act(
            &mut sim,
            Action::Forward {
                by: anna(),
                to: TransferTarget::Agent { agent: anna() },
                comment: None
            }
        ),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        act(&mut sim, to_ben(Some("VIP customer, order #1234"))),
        Ok(ConversationStatus::Active)
    );
    // Agents read the comment; the visitor only that the chat moved.
    let note = sim.messages.values().next_back().expect("a note").clone();
    assert_eq!(
        (note.kind, note.text.as_str()),
        (
            MessageKind::Internal,
            "Comment from Anna: VIP customer, order #1234"
        )
    );
    let public = sim.messages[&(note.seq - 1)].clone();
    assert_eq!(
        (public.kind, public.text.as_str()),
        (MessageKind::System, "Anna forwarded the chat to Ben")
    );
    let texts = |frames: &[ServerFrame]| -> Vec<String> {
        frames
            .iter()
            .filter_map(|f| match f {
                ServerFrame::Message(m) => Some(m.text.clone()),
                _ => None,
            })
            .collect()
    };
    let to_visitor = sim.take(1);
    assert_eq!(texts(&to_visitor), vec!["Anna forwarded the chat to Ben"]);
    let to_anna = sim.take(2);
    assert!(texts(&to_anna).contains(&note.text), "{to_anna:?}");
    // Anna no longer works it and may not monitor: her socket closes.
    assert_eq!(sim.closed.get(&2), Some(&shared::close::FORBIDDEN));
    // Replayed, a visitor resuming from the start never gets the comment,
    // and their welcome does not count it.
    sim.connect(5, visitor());
    sim.hello(5, 0);
    let resumed = sim.take(5);
    assert!(!texts(&resumed).contains(&note.text), "{resumed:?}");
    assert!(resumed
        .iter()
        .any(|f| matches!(f, ServerFrame::Welcome { last_seq, .. } if *last_seq == public.seq)));
    // Ben, connecting now, reads it.
    sim.connect(6, ben.clone());
    sim.hello(6, 0);
    assert!(texts(&sim.take(6)).contains(&note.text));
    assert_eq!(
        sim.meta.as_ref().and_then(|m| m.view.assignee.clone()),
        Some(ben.clone())
    );
    // Anna no longer works it.
    assert_eq!(act(&mut sim, to_ben(None)), Err(ErrorCode::Forbidden));
    let to_sales = Action::Forward {
        by: ben.clone(),
        to: TransferTarget::Department {
            department: "sales".into(),
            name: "Sales".into(),
        },
        comment: None,
    };
    assert_eq!(act(&mut sim, to_sales), Ok(ConversationStatus::Queued));
    assert_eq!(last_line(&sim), "Ben forwarded the chat to Sales");
    let meta = sim.meta.clone().expect("meta");
    assert_eq!(meta.view.department, "sales");
    assert_eq!(meta.transfers.len(), 2);
    assert_eq!(
        meta.transfers[0].comment.as_deref(),
        Some("VIP customer, order #1234")
    );
}

#[test]
fn close_needs_a_comment_and_ends_everything() {
    let mut sim = taken();
    let close = |comment: &str| Action::Close {
        by: anna(),
        comment: comment.into(),
        tags: vec!["billing".into(), "refund".into()],
        disposition: Some("resolved".into()),
    };
    assert_eq!(act(&mut sim, close("  ")), Err(ErrorCode::InvalidMessage));
    assert_eq!(
        act(
            &mut sim,
            Action::Close {
                by: agent("a2", "Ben"),
                comment: "x".into(),
                tags: vec![],
                disposition: None
            }
        ),
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        act(&mut sim, close("Refund issued")),
        Ok(ConversationStatus::Closed)
    );
    assert_eq!(last_line(&sim), "Anna closed the chat: Refund issued");
    let closing = sim
        .meta
        .as_ref()
        .and_then(|m| m.closing.clone())
        .expect("closing");
    assert_eq!(
        (closing.tags.len(), closing.disposition.as_deref()),
        (2, Some("resolved"))
    );
    // Nothing more happens in it.
    sim.take(1);
    sim.say(1, "v-9", "one more thing");
    assert!(sim.take(1).iter().any(|f| matches!(
        f,
        ServerFrame::Error {
            code: ErrorCode::ConversationClosed,
            ..
        }
    )));
    assert_eq!(
        act(&mut sim, Action::Resume { by: anna() }),
        Err(ErrorCode::ConversationClosed)
    );
    assert_eq!(
        act(&mut sim, close("again")),
        Err(ErrorCode::ConversationClosed)
    );
}

#[test]
fn the_visitor_ends_the_chat_for_everyone() {
    let mut sim = taken();
    sim.send_json(2, json!({ "type": "end" }));
    assert!(sim.take(2).iter().any(|f| matches!(
        f,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    )));
    let before = sim.announced.len();
    sim.send_json(1, json!({ "type": "end" }));
    assert_eq!(last_line(&sim), "Visitor 1234 ended the chat");
    assert!(sim
        .take(2)
        .iter()
        .any(|f| matches!(f, ServerFrame::State { conversation } if conversation.status == ConversationStatus::Closed)));
    assert_eq!(sim.announced.len(), before + 1);
    assert_eq!(
        sim.announced.last().map(|s| s.status),
        Some(ConversationStatus::Closed)
    );
    assert!(sim.log.iter().any(|o| matches!(o, Output::SetAlarm { .. })));
    // Until the workspace confirms, the alarm announces again.
    sim.input(Input::Alarm);
    assert_eq!(sim.announced.len(), before + 2);
    sim.input(Input::Announced);
    sim.input(Input::Alarm);
    assert_eq!(sim.announced.len(), before + 2);
    sim.send_json(1, json!({ "type": "end" }));
    assert!(sim.take(1).iter().any(|f| matches!(
        f,
        ServerFrame::Error {
            code: ErrorCode::ConversationClosed,
            ..
        }
    )));
}
