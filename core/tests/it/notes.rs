//! Internal notes, whispers and invitations inside a conversation: who
//! writes them, who reads them, by every path (live, replay, resume after
//! an eviction, search), and what a visitor never gets.

use crate::sim::{agent, visitor, Sim};
use chat_core::conversation::lifecycle::{Action, TransferTarget};
use chat_core::conversation::Reader;
use chat_core::search::{search, Query};
use chat_core::Input;
use serde_json::json;
use shared::frame::{ErrorCode, Message, MessageKind, ServerFrame};

fn note(sim: &mut Sim, conn: u64, client_id: &str, text: &str, kind: &str) {
    sim.send_json(
        conn,
        json!({ "type": "send", "client_id": client_id, "text": text, "kind": kind }),
    );
}

fn messages(frames: &[ServerFrame]) -> Vec<&Message> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn errors(frames: &[ServerFrame]) -> Vec<(ErrorCode, String)> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Error { code, message, .. } => Some((*code, message.clone())),
            _ => None,
        })
        .collect()
}

fn acks(frames: &[ServerFrame]) -> usize {
    frames
        .iter()
        .filter(|f| matches!(f, ServerFrame::Ack { .. }))
        .count()
}

/// Visitor on 1, Anna (working it) on 2, Sue (supervisor) on 3, all past
/// hello with inboxes emptied.
fn room() -> Sim {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.say(1, "v-1", "hello");
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    sim.connect(2, agent("a1", "Anna"));
    sim.hello(2, 0);
    sim.connect_monitor(3, agent("s1", "Sue"));
    sim.hello(3, 0);
    for c in 1..=3 {
        sim.take(c);
    }
    sim
}

#[test]
fn a_note_reaches_agents_and_supervisors_never_the_visitor() {
    let mut sim = room();
    note(&mut sim, 2, "n-1", "VIP customer, be gentle", "note");
    assert_eq!(acks(&sim.take(2)), 1, "the author gets an ack");
    let sue = sim.take(3);
    let seen = messages(&sue);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].kind, MessageKind::Note);
    assert!(sim.take(1).is_empty(), "the visitor's socket gets nothing");
    // The visitor's next message comes right after in their numbering of
    // what they may read; their welcome does not count the note.
    sim.connect(4, visitor());
    sim.hello(4, 0);
    let replay = sim.take(4);
    assert!(messages(&replay)
        .iter()
        .all(|m| m.kind != MessageKind::Note));
    match &replay[0] {
        ServerFrame::Welcome { last_seq, .. } => assert_eq!(*last_seq, 2, "hello + joined"),
        other => panic!("expected welcome, got {other:?}"),
    }
    // A supervisor may note too.
    note(&mut sim, 3, "n-2", "watch the refund policy", "note");
    assert_eq!(acks(&sim.take(3)), 1);
    assert_eq!(messages(&sim.take(2)).len(), 1);
    assert!(sim.take(1).is_empty() && sim.take(4).is_empty());
}

#[test]
fn a_visitor_cannot_write_a_note_or_a_whisper() {
    let mut sim = room();
    note(&mut sim, 1, "v-2", "let me in", "note");
    note(&mut sim, 1, "v-3", "let me in", "whisper");
    let frames = sim.take(1);
    assert_eq!(errors(&frames).len(), 2, "{frames:?}");
    assert!(errors(&frames)
        .iter()
        .all(|(c, _)| *c == ErrorCode::Forbidden));
    assert!(sim.take(2).is_empty() && sim.take(3).is_empty());
    assert_eq!(
        sim.messages.len(),
        2,
        "nothing stored but hello and the join"
    );
}

#[test]
fn a_note_does_not_make_its_author_the_last_to_write() {
    let mut sim = room();
    note(&mut sim, 2, "n-1", "checking", "note");
    sim.take(2);
    // The visitor wrote last: a note does not answer them.
    sim.input(Input::Lifecycle(Action::Hold {
        by: agent("a1", "Anna"),
    }));
    assert!(sim.replies.pop().unwrap().is_err());
}

#[test]
fn a_whisper_reaches_its_agent_and_supervisors_only() {
    let mut sim = room();
    // Ben previews as another supervisor; Carl is a colleague who may
    // monitor too but is not the addressee: supervisors read whispers.
    sim.connect_monitor(5, agent("s2", "Sam"));
    sim.hello(5, 0);
    sim.take(5);
    note(&mut sim, 3, "w-1", "offer the discount", "whisper");
    assert_eq!(acks(&sim.take(3)), 1);
    let anna = sim.take(2);
    let whisper = messages(&anna);
    assert_eq!(whisper.len(), 1);
    assert_eq!(whisper[0].kind, MessageKind::Whisper);
    assert_eq!(whisper[0].to.as_ref().map(|p| p.id.as_str()), Some("a1"));
    assert_eq!(messages(&sim.take(5)).len(), 1, "other supervisors read it");
    assert!(sim.take(1).is_empty(), "never the visitor");

    // Only supervisors whisper; Anna works the chat and writes notes.
    note(&mut sim, 2, "w-2", "to myself", "whisper");
    assert_eq!(errors(&sim.take(2)).len(), 1);
}

#[test]
fn a_whisper_to_someone_else_is_not_replayed_to_a_later_agent() {
    let mut sim = room();
    note(&mut sim, 3, "w-1", "for Anna", "whisper");
    sim.take(3);
    sim.input(Input::Lifecycle(Action::Forward {
        by: agent("a1", "Anna"),
        to: TransferTarget::Agent {
            agent: agent("a2", "Ben"),
        },
        comment: None,
    }));
    sim.evict();
    sim.connect(6, agent("a2", "Ben"));
    sim.hello(6, 0);
    let ben = sim.take(6);
    assert!(
        messages(&ben)
            .iter()
            .all(|m| m.kind != MessageKind::Whisper),
        "Ben never gets Anna's whisper: {ben:?}"
    );
    // Ben's welcome ends where his replay ends, so his receipts can flow.
    let last = messages(&ben).last().unwrap().seq;
    match &ben[0] {
        ServerFrame::Welcome { last_seq, .. } => assert_eq!(*last_seq, last),
        other => panic!("expected welcome, got {other:?}"),
    }
    // Anna (now gone from the chat) would still be its addressee; the
    // supervisor, after an eviction, still reads it.
    sim.connect_monitor(7, agent("s1", "Sue"));
    sim.hello(7, 0);
    let sue = sim.take(7);
    assert!(messages(&sue)
        .iter()
        .any(|m| m.kind == MessageKind::Whisper));
}

#[test]
fn nothing_for_agents_is_replayed_to_a_visitor_after_an_eviction() {
    let mut sim = room();
    note(&mut sim, 2, "n-1", "secret note", "note");
    note(&mut sim, 3, "w-1", "secret whisper", "whisper");
    sim.evict();
    sim.connect(8, visitor());
    sim.hello(8, 0);
    let frames = sim.take(8);
    let seen = messages(&frames);
    assert!(
        seen.iter().all(|m| !m.text.starts_with("secret")),
        "{seen:?}"
    );
    assert!(!seen.is_empty());
}

#[test]
fn search_follows_the_same_rule() {
    let mut sim = room();
    sim.say(2, "a-1", "your order error404 is fixed");
    note(&mut sim, 2, "n-1", "error500 on our side", "note");
    note(&mut sim, 3, "w-1", "error503 again?", "whisper");
    let all: Vec<Message> = sim.messages.values().cloned().collect();
    let query = Query::parse(r"error\d{3}", true).unwrap();
    let texts = |reader: &Reader| -> Vec<String> {
        search(all.clone(), &query, reader)
            .hits
            .into_iter()
            .map(|m| m.text)
            .collect()
    };
    assert_eq!(
        texts(&Reader::Visitor),
        vec!["your order error404 is fixed"]
    );
    let ben = Reader::Agent {
        id: "a2".into(),
        monitor: false,
    };
    assert_eq!(texts(&ben).len(), 2, "notes, not someone else's whisper");
    let anna = Reader::Agent {
        id: "a1".into(),
        monitor: false,
    };
    assert_eq!(texts(&anna).len(), 3, "the addressee reads the whisper");
    // The store's way (texts matched, hits read whole) finds the same.
    let readable: Vec<&Message> = all.iter().filter(|m| anna.may_read(m)).collect();
    let (seqs, searched, truncated) = chat_core::search::matching(
        readable.iter().map(|m| (m.seq, m.kind, m.text.as_str())),
        &query,
    );
    let whole = search(all.clone(), &query, &anna);
    assert_eq!(seqs, whole.hits.iter().map(|m| m.seq).collect::<Vec<_>>());
    assert_eq!((searched, truncated), (whole.searched, whole.truncated));
    // Plain text is case-insensitive; a bad pattern says why.
    let plain = Query::parse("ERROR404", false).unwrap();
    assert_eq!(search(all.clone(), &plain, &anna).hits.len(), 1);
    let bad = Query::parse("error(", true).unwrap_err();
    assert!(bad.starts_with("invalid pattern"), "{bad}");
    assert!(Query::parse("   ", false).is_err());
    assert!(Query::parse(&"a".repeat(201), false).is_err());
}

#[test]
fn an_invited_agent_writes_beside_the_owner_until_the_chat_changes_hands() {
    let mut sim = room();
    // Ben, a colleague, is shut out of Anna's chat in progress.
    sim.connect(8, agent("a2", "Ben"));
    assert_eq!(sim.closed.get(&8), Some(&shared::close::FORBIDDEN));
    sim.input(Input::Lifecycle(Action::Invite {
        by: agent("a1", "Anna"),
        agent: agent("a2", "Ben"),
    }));
    let view = sim.replies.pop().unwrap().unwrap();
    assert_eq!(view.members.len(), 1);
    assert_eq!(view.assignee.unwrap().id, "a1", "the owner stays");
    let told = messages(&sim.take(1)).last().unwrap().text.clone();
    assert_eq!(told, "Anna invited Ben to the chat");
    sim.connect(9, agent("a2", "Ben"));
    sim.hello(9, 0);
    sim.take(9);
    sim.say(9, "b-2", "Ben here, I can help");
    assert_eq!(acks(&sim.take(9)), 1);
    assert_eq!(
        messages(&sim.take(1)).last().unwrap().text,
        "Ben here, I can help"
    );
    // Inviting him twice, or by someone not in the chat, is refused.
    sim.input(Input::Lifecycle(Action::Invite {
        by: agent("a1", "Anna"),
        agent: agent("a2", "Ben"),
    }));
    assert!(sim.replies.pop().unwrap().is_err());
    sim.input(Input::Lifecycle(Action::Invite {
        by: agent("x9", "Xavier"),
        agent: agent("a3", "Cleo"),
    }));
    assert_eq!(
        sim.replies.pop().unwrap().unwrap_err().code,
        ErrorCode::Forbidden
    );
    // A forward to someone else: Ben leaves with it and his socket closes.
    sim.input(Input::Lifecycle(Action::Forward {
        by: agent("a1", "Anna"),
        to: TransferTarget::Agent {
            agent: agent("a3", "Cleo"),
        },
        comment: None,
    }));
    let view = sim.replies.pop().unwrap().unwrap();
    assert!(view.members.is_empty());
    assert_eq!(sim.closed.get(&9), Some(&shared::close::FORBIDDEN));
}

#[test]
fn room_information_is_kept_and_told() {
    let mut sim = room();
    sim.input(Input::Lifecycle(Action::Describe {
        by: agent("a1", "Anna"),
        topic: Some("Refund".into()),
        tags: Some(vec!["billing".into()]),
    }));
    assert!(sim.replies.pop().unwrap().is_ok());
    let meta = sim.meta.clone().unwrap();
    assert_eq!(meta.topic, "Refund");
    assert_eq!(meta.tags, vec!["billing"]);
    assert!(meta.taken_at.is_some());
    // Survives an eviction (it is in the stored row).
    sim.evict();
    sim.input(Input::Lifecycle(Action::Describe {
        by: agent("a1", "Anna"),
        topic: None,
        tags: Some(vec![]),
    }));
    sim.replies.pop();
    let meta = sim.meta.clone().unwrap();
    assert_eq!(meta.topic, "Refund", "left out: kept");
    assert!(meta.tags.is_empty());
    let info =
        chat_core::conversation::room::room_info(&meta, shared::routing::Priority::High, &[]);
    assert_eq!(info.topic, "Refund");
    assert_eq!(info.priority, shared::routing::Priority::High);
    assert!(info.queue_time_ms.is_some());
}
