//! The conversation state machine: handshake, sends, acks, dedupe,
//! receipts, typing, assignment, announcements, eviction and resume.

use crate::rng::Rng;
use crate::sim::{agent, visitor, Sim};
use chat_core::{ConnId, Input, Output, Record};
use serde_json::json;
use shared::close;
use shared::frame::{ConversationStatus, ErrorCode, MessageKind, ServerFrame, Side};

/// `(client id, seq)` of an ack.
fn acked(frame: &ServerFrame) -> Option<(&str, u64)> {
    match frame {
        ServerFrame::Ack { client_id, seq, .. } => Some((client_id.as_str(), *seq)),
        _ => None,
    }
}

fn error_code(frame: &ServerFrame) -> Option<ErrorCode> {
    match frame {
        ServerFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

/// A conversation with the visitor on socket 1, past hello.
fn with_visitor() -> Sim {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.hello(1, 0);
    sim.take(1);
    sim
}

/// Queued by a first message, taken by Anna on socket 2, inboxes empty.
fn taken() -> Sim {
    let mut sim = with_visitor();
    sim.say(1, "v-1", "hello");
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    sim.connect(2, agent("a1", "Anna"));
    sim.hello(2, 0);
    sim.take(1);
    sim.take(2);
    sim
}

#[test]
fn sockets_are_refused_with_their_close_code() {
    #[track_caller]
    fn check(init: bool, who: shared::frame::Participant, expected: Option<u16>) {
        let mut sim = if init { Sim::new() } else { Sim::default() };
        sim.connect(9, who);
        assert_eq!(sim.closed.get(&9).copied(), expected);
    }
    check(true, visitor(), None);
    check(true, agent("a1", "Anna"), None);
    check(false, visitor(), Some(close::NOT_FOUND));
    let mut other = visitor();
    other.id = "v2".into();
    check(true, other, Some(close::FORBIDDEN));
    let system = shared::frame::Participant {
        side: Side::System,
        id: "system".into(),
        name: String::new(),
    };
    check(true, system, Some(close::FORBIDDEN));
}

#[test]
fn the_handshake() {
    let mut sim = Sim::new();
    sim.connect(1, visitor());
    sim.say(1, "v-0", "too early");
    assert_eq!(
        sim.take(1).iter().map(error_code).collect::<Vec<_>>(),
        vec![Some(ErrorCode::NotReady)]
    );
    sim.hello(1, 0);
    let frames = sim.take(1);
    assert!(matches!(
        &frames[..],
        [ServerFrame::Welcome {
            version: 1,
            last_seq: 0,
            ..
        }]
    ));

    sim.connect(2, visitor());
    sim.send_json(2, json!({ "type": "hello", "version": 2, "last_seq": 0 }));
    assert_eq!(
        error_code(&sim.take(2)[0]),
        Some(ErrorCode::UnsupportedVersion)
    );
    assert_eq!(sim.closed.get(&2), Some(&close::UNSUPPORTED_VERSION));
}

#[test]
fn every_bad_frame_gets_its_code_and_changes_nothing() {
    #[track_caller]
    fn check(text: &str, expected: ErrorCode) {
        let mut sim = with_visitor();
        sim.frame(1, text);
        let frames = sim.take(1);
        assert_eq!(
            frames.iter().map(error_code).collect::<Vec<_>>(),
            vec![Some(expected)],
            "{text}"
        );
        assert!(sim.messages.is_empty(), "{text}");
        assert!(
            !sim.log.iter().any(|o| matches!(o, Output::Store(_))),
            "{text}"
        );
    }
    check("", ErrorCode::BadFrame);
    check("nope", ErrorCode::BadFrame);
    check("{}", ErrorCode::BadFrame);
    check("null", ErrorCode::BadFrame);
    check(r#"{"type":"send","text":"x"}"#, ErrorCode::BadFrame);
    check(
        r#"{"type":"send","client_id":"c","text":7}"#,
        ErrorCode::BadFrame,
    );
    check(r#"{"type":"typing"}"#, ErrorCode::BadFrame);
    check(
        r#"{"type":"receipt","kind":"delivered","seq":"3"}"#,
        ErrorCode::BadFrame,
    );
    check(r#"{"type":7}"#, ErrorCode::BadFrame);
    check(r#"{"type":"reboot"}"#, ErrorCode::UnknownFrame);
    check(
        r#"{"type":"SEND","client_id":"c","text":"x"}"#,
        ErrorCode::UnknownFrame,
    );
    check(
        &format!(
            r#"{{"type":"send","client_id":"c","text":"{}"}}"#,
            "a".repeat(17_000)
        ),
        ErrorCode::TooLarge,
    );
    check(
        r#"{"type":"send","client_id":"c","text":""}"#,
        ErrorCode::InvalidMessage,
    );
    check(
        r#"{"type":"send","client_id":"c","text":" \n\t "}"#,
        ErrorCode::InvalidMessage,
    );
    check(
        r#"{"type":"send","client_id":"","text":"x"}"#,
        ErrorCode::InvalidMessage,
    );
    check(
        &format!(
            r#"{{"type":"send","client_id":"{}","text":"x"}}"#,
            "c".repeat(65)
        ),
        ErrorCode::InvalidMessage,
    );
    check(
        &format!(
            r#"{{"type":"send","client_id":"c","text":"{}"}}"#,
            "ü".repeat(4_001)
        ),
        ErrorCode::InvalidMessage,
    );
    let mut sim = with_visitor();
    sim.input(Input::Binary { conn: 1 });
    assert_eq!(error_code(&sim.take(1)[0]), Some(ErrorCode::BadFrame));
}

#[test]
fn a_send_is_stored_before_it_is_acked_and_queues_the_conversation() {
    let mut sim = with_visitor();
    sim.log.clear();
    sim.say(1, "v-1", "<b>hi</b>");
    let store = sim
        .log
        .iter()
        .position(|o| matches!(o, Output::Store(Record::Message(_))))
        .expect("stored");
    let ack = sim
        .log
        .iter()
        .position(|o| {
            matches!(
                o,
                Output::Send {
                    frame: ServerFrame::Ack { .. },
                    ..
                }
            )
        })
        .expect("acked");
    assert!(store < ack, "stored before acknowledged");
    let frames = sim.take(1);
    // The sending socket gets the ack instead of the message itself.
    assert_eq!(
        frames[0],
        ServerFrame::Ack {
            client_id: "v-1".into(),
            seq: 1,
            sent_at: sim.now
        }
    );
    assert!(
        matches!(&frames[1], ServerFrame::State { conversation } if conversation.status == ConversationStatus::Queued)
    );
    assert_eq!(frames.len(), 2);
    let stored = &sim.messages[&1];
    assert_eq!(
        (stored.text.as_str(), stored.kind),
        ("<b>hi</b>", MessageKind::Text)
    );
    // Another socket of the same visitor gets the message.
    sim.connect(5, visitor());
    sim.hello(5, 1);
    sim.take(5);
    sim.say(1, "v-3", "from tab one");
    assert!(matches!(&sim.take(5)[..], [ServerFrame::Message(m)] if m.text == "from tab one"));
    assert_eq!(
        sim.meta
            .as_ref()
            .map(|m| (m.view.status, m.preview.as_str())),
        Some((ConversationStatus::Queued, "<b>hi</b>"))
    );
    assert_eq!(sim.announced.len(), 1);
    assert_eq!(sim.announced[0].status, ConversationStatus::Queued);
    assert!(
        sim.alarm.is_some(),
        "a retry is armed until the workspace confirms"
    );

    // A second message does not announce again.
    sim.say(1, "v-2", "anyone?");
    assert_eq!(sim.announced.len(), 1);
}

#[test]
fn announcements_are_retried_until_confirmed() {
    let mut sim = with_visitor();
    sim.say(1, "v-1", "hi");
    sim.input(Input::Alarm);
    assert_eq!(sim.announced.len(), 2, "unconfirmed: announced again");
    sim.input(Input::Announced);
    assert!(sim.meta.as_ref().is_some_and(|m| m.announced));
    sim.evict();
    sim.input(Input::Alarm);
    assert_eq!(sim.announced.len(), 2, "confirmed, even after an eviction");
    // A conversation with no message yet is never announced.
    let mut fresh = Sim::new();
    fresh.input(Input::Alarm);
    assert!(fresh.announced.is_empty());
}

#[test]
fn a_retried_send_is_acked_again_and_stored_once() {
    let mut sim = with_visitor();
    sim.say(1, "v-1", "hello");
    sim.take(1);
    let first_sent_at = sim.messages[&1].sent_at;
    for _ in 0..3 {
        sim.say(1, "v-1", "hello");
        let frames = sim.take(1);
        assert_eq!(
            frames.iter().map(acked).collect::<Vec<_>>(),
            vec![Some(("v-1", 1))]
        );
        assert_eq!(
            frames,
            vec![ServerFrame::Ack {
                client_id: "v-1".into(),
                seq: 1,
                sent_at: first_sent_at
            }]
        );
    }
    sim.evict();
    sim.connect(3, visitor());
    sim.hello(3, 1);
    sim.take(3);
    sim.say(3, "v-1", "hello");
    assert_eq!(
        sim.take(3),
        vec![ServerFrame::Ack {
            client_id: "v-1".into(),
            seq: 1,
            sent_at: first_sent_at
        }]
    );
    assert_eq!(sim.messages.len(), 1);
    // The same client id from another author is another message.
    let mut sim = taken();
    sim.say(2, "v-1", "agent reuses the id");
    assert_eq!(sim.messages.len(), 3);
}

#[test]
fn only_the_assignee_writes_and_a_take_is_won_once() {
    let mut sim = with_visitor();
    sim.say(1, "v-1", "hi");
    sim.connect(2, agent("a1", "Anna"));
    sim.hello(2, 0);
    sim.take(1);
    sim.take(2);
    sim.say(2, "a-1", "preview can't write");
    assert_eq!(
        sim.take(2).iter().map(error_code).collect::<Vec<_>>(),
        vec![Some(ErrorCode::Forbidden)]
    );
    sim.send_json(2, json!({ "type": "typing", "active": true }));
    assert!(
        sim.take(1).is_empty(),
        "a previewing agent's typing is not relayed"
    );

    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    sim.input(Input::Assign {
        agent: agent("a2", "Ben"),
    });
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    let codes: Vec<Option<ErrorCode>> = sim
        .replies
        .iter()
        .map(|r| r.as_ref().err().map(|e| e.code))
        .collect();
    assert_eq!(codes, vec![None, Some(ErrorCode::AlreadyTaken), None]);
    let lines: Vec<String> = sim
        .messages
        .values()
        .filter(|m| m.kind == MessageKind::System)
        .map(|m| m.text.clone())
        .collect();
    assert_eq!(lines, vec!["Anna joined the chat"]);
    sim.take(2);
    sim.say(2, "a-1", "now I can");
    assert_eq!(acked(&sim.take(2)[0]), Some(("a-1", 3)));
    // Ben, connecting later without monitor, is refused at once: the
    // workspace may have let him preview a moment before the take.
    sim.connect(3, agent("a2", "Ben"));
    assert_eq!(sim.closed.get(&3), Some(&close::FORBIDDEN));
    // Mark, a supervisor, reads along but cannot write.
    sim.connect_monitor(4, agent("m1", "Mark"));
    sim.hello(4, 3);
    sim.take(4);
    sim.say(4, "m-1", "mine?");
    assert_eq!(error_code(&sim.take(4)[0]), Some(ErrorCode::Forbidden));
}

#[test]
fn an_agent_whose_role_may_not_reply_reads_but_never_writes() {
    let mut sim = with_visitor();
    sim.say(1, "v-1", "hi");
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    sim.connect_reader(2, agent("a1", "Anna"));
    sim.hello(2, 0);
    let welcome = sim.take(2);
    assert!(
        welcome
            .iter()
            .any(|f| matches!(f, ServerFrame::Message(m) if m.text == "hi")),
        "she reads the conversation: {welcome:?}"
    );
    sim.take(1);
    sim.say(2, "a-1", "hello");
    let refused = sim.take(2);
    assert_eq!(error_code(&refused[0]), Some(ErrorCode::Forbidden));
    assert!(
        matches!(&refused[0], ServerFrame::Error { message, .. } if message.contains("cannot reply"))
    );
    sim.send_json(2, json!({ "type": "typing", "active": true }));
    assert!(sim.take(1).is_empty(), "nothing reached the visitor");
    assert_eq!(
        sim.messages.len(),
        2,
        "the visitor's line and the join line"
    );
    // The same agent on a socket that may reply writes.
    sim.connect(3, agent("a1", "Anna"));
    sim.hello(3, 2);
    sim.take(3);
    sim.say(3, "a-2", "hello");
    assert_eq!(acked(&sim.take(3)[0]), Some(("a-2", 3)));
}

#[test]
fn assigning_a_conversation_not_in_the_queue_is_refused() {
    let mut sim = Sim::new();
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    assert_eq!(
        sim.replies[0].as_ref().err().map(|e| e.code),
        Some(ErrorCode::ConversationClosed)
    );
    let mut none = Sim::default();
    none.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    assert_eq!(
        none.replies[0].as_ref().err().map(|e| e.code),
        Some(ErrorCode::NotFound)
    );
}

#[test]
fn receipts_are_monotonic_watermarks() {
    let mut sim = taken();
    for i in 0..4 {
        sim.say(2, &format!("a-{i}"), "x");
    }
    sim.take(1);
    sim.take(2);
    // (kind, seq) sent by the visitor → (delivered, read) broadcast, if any.
    #[track_caller]
    fn check(sim: &mut Sim, kind: &str, seq: u64, expected: Option<(u64, u64)>) {
        sim.send_json(1, json!({ "type": "receipt", "kind": kind, "seq": seq }));
        let seen: Vec<(u64, u64)> = sim
            .take(2)
            .into_iter()
            .filter_map(|f| match f {
                ServerFrame::Receipt(w) => Some((w.delivered, w.read)),
                _ => None,
            })
            .collect();
        assert_eq!(
            seen,
            expected.into_iter().collect::<Vec<_>>(),
            "{kind} {seq}"
        );
        sim.take(1);
    }
    check(&mut sim, "delivered", 3, Some((3, 0)));
    check(&mut sim, "delivered", 2, None);
    check(&mut sim, "delivered", 3, None);
    check(&mut sim, "read", 2, Some((3, 2)));
    check(&mut sim, "read", 5, Some((5, 5)));
    check(&mut sim, "read", 4, None);
    check(&mut sim, "delivered", 100, Some((6, 5)));
    check(&mut sim, "read", 1_000_000, Some((6, 6)));
    check(&mut sim, "read", 0, None);
    let stored = sim.watermarks.get("v1").map(|w| (w.delivered, w.read));
    assert_eq!(stored, Some((6, 6)));
    sim.evict();
    check(&mut sim, "delivered", 5, None);
}

#[test]
fn typing_reaches_the_others_only() {
    let mut sim = taken();
    sim.send_json(1, json!({ "type": "typing", "active": true }));
    assert!(sim.take(1).is_empty());
    assert!(
        matches!(&sim.take(2)[..], [ServerFrame::Typing { who, active: true }] if who.side == Side::Visitor)
    );
    sim.send_json(2, json!({ "type": "typing", "active": false }));
    assert!(matches!(
        &sim.take(1)[..],
        [ServerFrame::Typing { active: false, .. }]
    ));
    // A visitor who leaves stops "typing" for the others.
    sim.disconnect(1);
    assert!(matches!(
        &sim.take(2)[..],
        [ServerFrame::Typing { active: false, .. }]
    ));
    sim.send_json(2, json!({ "type": "ping", "nonce": 3 }));
    assert_eq!(sim.take(2), vec![ServerFrame::Pong { nonce: 3 }]);
}

#[test]
fn a_failed_store_acks_nothing_and_loses_nothing() {
    let mut sim = taken();
    sim.fail_next_store = true;
    sim.say(1, "v-2", "lost?");
    assert!(sim.take(1).is_empty(), "nothing acked");
    assert!(sim.take(2).is_empty(), "nothing relayed");
    // The retry after reload stores it once, with the next seq.
    sim.say(1, "v-2", "lost?");
    let frames = sim.take(1);
    assert_eq!(acked(&frames[0]), Some(("v-2", 3)));
    assert_eq!(sim.messages.len(), 3);
}

/// One client as the resume protocol describes it.
#[derive(Default)]
struct Client {
    conn: Option<u64>,
    last: u64,
    pending: Vec<String>,
    sent: u64,
}

impl Client {
    /// Reads what arrived, checking order: every message is the next one.
    fn read(&mut self, sim: &mut Sim, seed: u64) {
        let Some(conn) = self.conn else { return };
        for f in sim.take(conn) {
            match f {
                ServerFrame::Message(m) => {
                    assert_eq!(m.seq, self.last + 1, "seed {seed}: gap or repeat");
                    self.last = m.seq;
                }
                ServerFrame::Ack { client_id, seq, .. } => {
                    // An ack stands for one's own message at `seq`.
                    assert!(seq <= self.last + 1, "seed {seed}: ack beyond a gap");
                    self.last = self.last.max(seq);
                    self.pending.retain(|p| *p != client_id.0);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn random_disconnects_evictions_and_retries_never_lose_or_repeat() {
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut sim = Sim::new();
        let mut next_conn = 10;
        let people = [visitor(), agent("a1", "Anna")];
        let mut clients = [Client::default(), Client::default()];
        let mut assigned = false;
        for _ in 0..400 {
            let who = rng.below(2) as usize;
            match rng.below(10) {
                0 | 1 => {
                    // (Re)connect, resume, re-send pending.
                    if let Some(c) = clients[who].conn.take() {
                        sim.disconnect(c);
                    }
                    next_conn += 1;
                    sim.connect(next_conn, people[who].clone());
                    clients[who].conn = Some(next_conn);
                    let last = clients[who].last;
                    sim.hello(next_conn, last);
                    clients[who].read(&mut sim, seed);
                    for p in clients[who].pending.clone() {
                        sim.say(next_conn, &p, "again");
                    }
                }
                2 => {
                    if let Some(c) = clients[who].conn.take() {
                        sim.disconnect(c);
                    }
                }
                3 => sim.evict(),
                4 if !assigned && !sim.messages.is_empty() => {
                    sim.input(Input::Assign {
                        agent: people[1].clone(),
                    });
                    assigned = true;
                }
                _ => {
                    if let Some(c) = clients[who].conn {
                        if who == 0 || assigned {
                            clients[who].sent += 1;
                            let id = format!("{who}-{}", clients[who].sent);
                            clients[who].pending.push(id.clone());
                            sim.say(c, &id, "hello");
                        }
                    }
                }
            }
            for c in clients.iter_mut() {
                c.read(&mut sim, seed);
            }
            // A send to a socket that closed before its frames were read is
            // lost in flight: model it by clearing frames of closed sockets.
            sim.inbox.retain(|conn, _| sim.conns.contains_key(conn));
        }
        // Finally both connect, resume and flush.
        for (who, c) in clients.iter_mut().enumerate() {
            next_conn += 1;
            sim.connect(next_conn, people[who].clone());
            c.conn = Some(next_conn);
            sim.hello(next_conn, c.last);
            c.read(&mut sim, seed);
            for p in c.pending.clone() {
                sim.say(next_conn, &p, "again");
            }
            c.read(&mut sim, seed);
            assert!(c.pending.is_empty(), "seed {seed}: every send acked");
        }
        let last = sim.messages.keys().next_back().copied().unwrap_or(0);
        for c in clients.iter_mut() {
            c.read(&mut sim, seed);
            assert_eq!(c.last, last, "seed {seed}: everyone caught up");
        }
        let texts = sim
            .messages
            .values()
            .filter(|m| m.kind == MessageKind::Text)
            .count() as u64;
        let sent = clients[0].sent + clients[1].sent;
        assert_eq!(texts, sent, "seed {seed}: each send stored exactly once");
        let seqs: Vec<u64> = sim.messages.keys().copied().collect();
        assert_eq!(seqs, (1..=last).collect::<Vec<_>>(), "seed {seed}: no gaps");
    }
}

#[test]
fn only_the_assigned_agent_moves_the_visitors_checkmarks() {
    let mut sim = taken();
    sim.say(1, "v-2", "are you there?");
    // Mark, a supervisor, reads along; a read receipt from him is refused.
    sim.connect_monitor(3, agent("m1", "Mark"));
    sim.hello(3, 0);
    sim.take(1);
    sim.take(2);
    sim.take(3);
    let last = sim.core.last_seq();
    sim.send_json(3, json!({ "type": "receipt", "kind": "read", "seq": last }));
    let to_mark = sim.take(3);
    assert_eq!(
        to_mark.iter().filter_map(error_code).collect::<Vec<_>>(),
        vec![ErrorCode::Forbidden]
    );
    assert!(sim.take(1).is_empty(), "the visitor saw a receipt");
    assert!(!sim.watermarks.contains_key("m1"));
    // Anna, who works it, moves them.
    sim.send_json(2, json!({ "type": "receipt", "kind": "read", "seq": last }));
    assert!(sim.take(1).iter().any(
        |f| matches!(f, ServerFrame::Receipt(w) if w.participant.id == "a1" && w.read == last)
    ));
}

#[test]
fn a_take_shuts_out_colleagues_who_were_previewing() {
    let mut sim = with_visitor();
    sim.say(1, "v-1", "hello");
    // Ben previews the queued chat; Mark, a supervisor, too.
    sim.connect(3, agent("a2", "Ben"));
    sim.hello(3, 0);
    sim.connect_monitor(4, agent("m1", "Mark"));
    sim.hello(4, 0);
    sim.connect(2, agent("a1", "Anna"));
    sim.hello(2, 0);
    sim.input(Input::Assign {
        agent: agent("a1", "Anna"),
    });
    // Ben saw Anna join, then his socket closed; Mark and Anna stay.
    assert!(sim
        .take(3)
        .iter()
        .any(|f| matches!(f, ServerFrame::Message(m) if m.text == "Anna joined the chat")));
    assert_eq!(sim.closed.get(&3), Some(&close::FORBIDDEN));
    assert!(!sim.closed.contains_key(&4));
    assert!(!sim.closed.contains_key(&2));
    // Evicted, nothing comes back: the socket is gone.
    sim.evict();
    sim.say(2, "a-1", "Hi, Anna here");
    assert!(sim.take(3).is_empty());
    assert!(sim
        .take(4)
        .iter()
        .any(|f| matches!(f, ServerFrame::Message(_))));
}

#[test]
fn a_revision_closes_or_narrows_an_agents_sockets() {
    let mut sim = taken();
    sim.connect(3, agent("a1", "Anna"));
    sim.hello(3, 0);
    sim.take(3);
    // Anna's role may no longer reply: both her sockets stop writing.
    sim.input(Input::Revise {
        agent: "a1".into(),
        access: Some((false, false)),
        code: 0,
        reason: String::new(),
    });
    assert!(sim.replies.last().is_some_and(Result::is_ok));
    sim.evict();
    sim.say(3, "a-9", "still here?");
    let refused: Vec<ErrorCode> = sim.take(3).iter().filter_map(error_code).collect();
    assert_eq!(refused, vec![ErrorCode::Forbidden]);
    assert!(sim.messages.values().all(|m| m.text != "still here?"));
    // Her session ends: both close with 4401, the visitor stays.
    sim.input(Input::Revise {
        agent: "a1".into(),
        access: None,
        code: close::UNAUTHORIZED,
        reason: "your session has ended".into(),
    });
    assert_eq!(sim.closed.get(&2), Some(&close::UNAUTHORIZED));
    assert_eq!(sim.closed.get(&3), Some(&close::UNAUTHORIZED));
    assert!(!sim.closed.contains_key(&1));
}

#[test]
fn the_queue_position_is_pushed_to_the_visitor() {
    let mut sim = with_visitor();
    sim.say(1, "v-1", "hello");
    sim.take(1);
    sim.input(Input::Queue {
        position: 3,
        estimated_wait_ms: 90_000,
    });
    let queue = |frames: Vec<ServerFrame>| -> Vec<(usize, i64)> {
        frames
            .into_iter()
            .filter_map(|f| match f {
                ServerFrame::Queue {
                    position,
                    estimated_wait_ms,
                } => Some((position, estimated_wait_ms)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(queue(sim.take(1)), vec![(3, 90_000)]);
    // A second visitor tab learns it after its welcome; an agent never.
    sim.connect(2, visitor());
    sim.hello(2, 0);
    assert_eq!(queue(sim.take(2)), vec![(3, 90_000)]);
    sim.connect(3, agent("a1", "Anna"));
    sim.hello(3, 0);
    assert!(queue(sim.take(3)).is_empty());
    sim.input(Input::Queue {
        position: 0,
        estimated_wait_ms: 0,
    });
    assert_eq!(queue(sim.take(1)), vec![(0, 0)]);
}

#[test]
fn a_receipt_goes_to_every_socket_but_its_senders_encoded_once() {
    let mut sim = taken();
    // The visitor's second tab.
    sim.connect(3, visitor());
    sim.hello(3, 0);
    sim.say(2, "a-1", "Hi Vera");
    sim.take(1);
    sim.take(2);
    sim.take(3);
    let seq = sim.core.last_seq();
    sim.log.clear();
    sim.send_json(1, json!({ "type": "receipt", "kind": "read", "seq": seq }));
    let receipts: Vec<Vec<ConnId>> = sim
        .log
        .iter()
        .filter_map(|o| match o {
            Output::Broadcast {
                conns,
                frame: ServerFrame::Receipt(_),
            } => Some(conns.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(receipts, vec![vec![2, 3]]);
    assert!(sim.take(1).is_empty(), "the sender got its receipt back");
    assert!(sim.take(2).iter().any(
        |f| matches!(f, ServerFrame::Receipt(w) if w.participant.side == Side::Visitor && (w.delivered, w.read) == (seq, seq))
    ));
    assert!(sim
        .take(3)
        .iter()
        .any(|f| matches!(f, ServerFrame::Receipt(_))));
    // It was stored all the same.
    assert_eq!(sim.watermarks.get("v1").map(|w| w.read), Some(seq));
}

#[test]
fn the_others_get_a_message_before_its_author_gets_the_ack() {
    let mut sim = taken();
    sim.log.clear();
    sim.say(1, "v-2", "still there?");
    let order: Vec<&str> = sim
        .log
        .iter()
        .filter_map(|o| match o {
            Output::Store(_) => Some("store"),
            Output::Broadcast {
                frame: ServerFrame::Message(_),
                ..
            } => Some("message"),
            Output::Send {
                frame: ServerFrame::Ack { .. },
                ..
            } => Some("ack"),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["store", "message", "ack"]);
}

#[test]
fn stored_lines_rebuild_what_the_snapshot_says_of_messages() {
    use chat_core::conversation::StoredLine;
    let line = |seq: i64, author: &str, client: Option<&str>, internal: i64, to: Option<&str>| {
        StoredLine {
            seq,
            author_id: author.into(),
            client_id: client.map(Into::into),
            sent_at: 1_000 + seq,
            internal,
            recipient: to.map(Into::into),
        }
    };
    // Out of order on purpose: the pass does not rely on it.
    let snapshot = chat_core::Snapshot::default().with_lines(vec![
        line(3, "anna", Some("a-1"), 0, None),
        line(1, "system", None, 0, None),
        line(5, "sue", Some("s-1"), 2, Some("anna")),
        line(2, "vera", Some("v-1"), 0, None),
        line(4, "anna", Some("a-2"), 1, None),
        line(6, "system", None, 0, None),
    ]);
    assert_eq!(snapshot.last_seq, 6);
    assert_eq!(snapshot.last_visitor_seq, 6);
    assert_eq!(snapshot.last_agents_seq, 6);
    assert_eq!(snapshot.last_author.as_deref(), Some("anna"));
    assert_eq!(
        snapshot.whispers,
        vec![(5, "sue".into(), Some("anna".into()))]
    );
    let mut ids: Vec<_> = snapshot
        .client_ids
        .iter()
        .map(|(a, c, seq, at)| (a.as_str(), c.0.as_str(), *seq, *at))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            ("anna", "a-1", 3, 1_003),
            ("anna", "a-2", 4, 1_004),
            ("sue", "s-1", 5, 1_005),
            ("vera", "v-1", 2, 1_002)
        ]
    );
    // A whisper last: visitors and agents see less than the last line.
    let snapshot = chat_core::Snapshot::default().with_lines(vec![
        line(1, "vera", Some("v-1"), 0, None),
        line(2, "anna", Some("a-1"), 1, None),
        line(3, "sue", Some("s-1"), 2, Some("anna")),
    ]);
    assert_eq!(
        (
            snapshot.last_seq,
            snapshot.last_visitor_seq,
            snapshot.last_agents_seq
        ),
        (3, 1, 2)
    );
    assert_eq!(snapshot.last_author.as_deref(), Some("vera"));
    assert_eq!(
        chat_core::Snapshot::default().with_lines(Vec::new()),
        chat_core::Snapshot::default()
    );
}

#[test]
fn a_participant_whose_socket_was_closed_for_flooding_waits_before_connecting_again() {
    let mut sim = taken();
    sim.core.set_limits(chat_core::limits::Limits::standard());
    let mut sent = 0;
    while !sim.closed.contains_key(&1) && sent < 500 {
        sim.say(1, &format!("f{sent}"), "flood");
        sent += 1;
    }
    assert_eq!(sim.closed.get(&1), Some(&close::TOO_MANY));
    assert_eq!(sim.messages.len(), 22, "the burst was stored, no more");
    let refused = sim
        .take(1)
        .iter()
        .filter(|f| error_code(f) == Some(ErrorCode::TooManyRequests))
        .count();
    assert_eq!(refused, 50);

    // The flooder may not come back for a minute: asked before a socket
    // is accepted, and a socket accepted anyway is closed at once.
    let visitor_id = crate::sim::visitor().id;
    let wait = sim.core.may_connect(sim.now, &visitor_id).unwrap_err();
    assert_eq!(wait.refusal.code, ErrorCode::TooManyRequests);
    assert!(
        wait.refusal.message.contains("60 seconds"),
        "{}",
        wait.refusal.message
    );
    assert!(wait.retry_after_ms > 59_000 && wait.retry_after_ms <= 60_000);
    sim.connect(3, visitor());
    assert_eq!(sim.closed.get(&3), Some(&close::TOO_MANY));

    // Nobody else is held back: the agent still talks and reconnects.
    assert!(sim.core.may_connect(sim.now, "a1").is_ok());
    sim.say(2, "a-1", "still here");
    assert!(sim.take(2).iter().any(|f| acked(f) == Some(("a-1", 23))));
    sim.connect(4, agent("a1", "Anna"));
    assert!(!sim.closed.contains_key(&4));

    // A minute on, the visitor connects and finds their stored messages.
    sim.now += 60_000;
    assert!(sim.core.may_connect(sim.now, &visitor_id).is_ok());
    sim.connect(5, visitor());
    sim.hello(5, 0);
    assert!(!sim.closed.contains_key(&5));
    let replayed = sim
        .take(5)
        .iter()
        .filter(|f| matches!(f, ServerFrame::Message(_)))
        .count();
    assert_eq!(replayed, 23);
}
