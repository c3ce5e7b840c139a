//! `ChatState` driven by literal server frames, as the edge sends them:
//! welcome, sends and acks, checkmarks from the other side's receipts,
//! unread counts, failures and retries, resume after a disconnect, typing.
//! See `docs/protocol.md`.

use crate::frames::{
    ack, anna, bert, conversation, delivered, hello, msg, read, receipt, send, store_failed,
    system, system_line, typing, vera, watermark, welcome,
};
use chat_client::{ChatState, Check, Line};
use shared::frame::{ConversationStatus, ErrorCode, Participant, ServerFrame};
use shared::ids::Seq;

/// A state welcomed as `me`, with `frames` applied.
fn state(me: Participant, frames: Vec<ServerFrame>) -> ChatState {
    let mut s = ChatState::new();
    s.apply(welcome(me, 0, vec![]));
    for f in frames {
        s.apply(f);
    }
    s
}

/// The lines as the widget would draw them, one string each: stored lines as
/// `#seq Author: text`, with the check of one's own; pending ones as
/// `client_id: text` with their check (and error).
fn lines(s: &ChatState) -> Vec<String> {
    s.lines()
        .into_iter()
        .map(|line| match line {
            Line::Stored(m) if s.is_own(m) => {
                format!(
                    "#{} {}: {} [{:?}]",
                    m.seq,
                    m.author.name,
                    m.text,
                    s.check(m)
                )
            }
            Line::Stored(m) => format!("#{} {}: {}", m.seq, m.author.name, m.text),
            Line::Pending(p) => {
                let check = ChatState::pending_check(p);
                match &p.error {
                    Some(e) => format!("{}: {} [{check:?}: {e}]", p.client_id, p.text),
                    None => format!("{}: {} [{check:?}]", p.client_id, p.text),
                }
            }
        })
        .collect()
}

#[track_caller]
fn check_lines(s: &ChatState, expected: &[&str]) {
    assert_eq!(lines(s), expected);
}

#[test]
fn welcome_sets_me_and_conversation() {
    let mut s = ChatState::new();
    assert_eq!(s.me(), None);
    assert_eq!(s.conversation(), None);
    assert!(!s.is_synced());
    assert_eq!(s.apply(welcome(vera(), 0, vec![])), vec![]);
    assert_eq!(s.me(), Some(&vera()));
    assert_eq!(
        s.conversation(),
        Some(&conversation(ConversationStatus::Active))
    );
    assert!(s.is_synced());
    check_lines(&s, &[]);

    let closed = conversation(ConversationStatus::Closed);
    assert_eq!(
        s.apply(ServerFrame::State {
            conversation: closed.clone()
        }),
        vec![]
    );
    assert_eq!(s.conversation(), Some(&closed));
    assert_eq!(s.me(), Some(&vera()));
}

#[test]
fn a_send_from_compose_to_stored() {
    let mut s = state(vera(), vec![]);
    assert_eq!(
        s.compose("c-1".into(), "Hi".into(), Default::default()),
        send("c-1", "Hi")
    );
    check_lines(&s, &["c-1: Hi [Sending]"]);
    assert!(s.has_unacked());

    // The edge answers the sending socket with an ack instead of the message:
    // the pending line becomes the stored message, with the ack's seq and time.
    assert_eq!(s.apply(ack("c-1", 1)), vec![]);
    match s.lines().as_slice() {
        [Line::Stored(m)] => assert_eq!(
            (m.seq, m.sent_at, m.text.as_str()),
            (1, 1_700_000_000_001, "Hi")
        ),
        other => panic!("expected one stored line, got {other:?}"),
    }
    check_lines(&s, &["#1 Vera: Hi [Stored]"]);
    assert!(!s.has_unacked());
    assert_eq!(s.last_seq(), 1);

    // The same message from another device of mine (or a replay) changes
    // nothing, and one's own message needs no receipt.
    assert_eq!(s.apply(msg(1, vera(), "c-1", "Hi")), vec![]);
    check_lines(&s, &["#1 Vera: Hi [Stored]"]);
}

#[test]
fn sends_are_stored_in_seq_order_not_send_order() {
    let mut s = state(vera(), vec![]);
    s.compose("c-1".into(), "one".into(), Default::default());
    s.compose("c-2".into(), "two".into(), Default::default());
    s.apply(msg(1, anna(), "x-1", "Hello"));
    s.apply(msg(3, vera(), "c-1", "one"));
    check_lines(
        &s,
        &[
            "#1 Anna: Hello",
            "#3 Vera: one [Stored]",
            "c-2: two [Sending]",
        ],
    );
    s.apply(msg(2, vera(), "c-2", "two"));
    check_lines(
        &s,
        &[
            "#1 Anna: Hello",
            "#2 Vera: two [Stored]",
            "#3 Vera: one [Stored]",
        ],
    );
}

#[test]
fn someone_elses_message_with_my_client_id_leaves_my_pending_alone() {
    // Client ids are unique per author only.
    let mut s = state(vera(), vec![]);
    s.compose("c-1".into(), "mine".into(), Default::default());
    s.apply(msg(1, anna(), "c-1", "hers"));
    check_lines(&s, &["#1 Anna: hers", "c-1: mine [Sending]"]);
}

/// The check of Vera's (or Anna's) own message #5 after `frames`.
#[track_caller]
fn check(me: Participant, frames: Vec<ServerFrame>, expected: Check) {
    let mut s = state(me.clone(), vec![msg(5, me, "c-5", "mine")]);
    for f in frames {
        s.apply(f);
    }
    let own = s
        .messages()
        .find(|m| m.seq == 5)
        .expect("message 5 is held");
    assert!(s.is_own(own));
    assert_eq!(s.check(own), expected);
}

#[test]
#[rustfmt::skip]
fn checkmarks_follow_the_other_side() {
    check(vera(), vec![], Check::Stored);
    check(vera(), vec![receipt(anna(), 4, 0)], Check::Stored);
    check(vera(), vec![receipt(anna(), 5, 0)], Check::Delivered);
    check(vera(), vec![receipt(anna(), 9, 4)], Check::Delivered);
    check(vera(), vec![receipt(anna(), 5, 5)], Check::Read);
    check(vera(), vec![receipt(anna(), 9, 9)], Check::Read);
    // Read implies delivered.
    check(vera(), vec![receipt(anna(), 0, 5)], Check::Read);
    // Any participant of the other side will do.
    check(vera(), vec![receipt(anna(), 5, 0), receipt(bert(), 9, 5)], Check::Read);
    check(vera(), vec![receipt(bert(), 5, 0), receipt(anna(), 1, 1)], Check::Delivered);
    // One's own receipts, and the system's, never do.
    check(vera(), vec![receipt(vera(), 9, 9)], Check::Stored);
    check(vera(), vec![receipt(system(), 9, 9)], Check::Stored);
    check(vera(), vec![receipt(vera(), 9, 9), receipt(anna(), 5, 0)], Check::Delivered);
    // An agent's colleagues are on the agent's own side.
    check(anna(), vec![receipt(bert(), 9, 9)], Check::Stored);
    check(anna(), vec![receipt(anna(), 9, 9)], Check::Stored);
    check(anna(), vec![receipt(vera(), 5, 0)], Check::Delivered);
    check(anna(), vec![receipt(vera(), 5, 5), receipt(bert(), 9, 9)], Check::Read);
    // Out of order: a lower watermark never moves a check back.
    check(vera(), vec![receipt(anna(), 5, 5), receipt(anna(), 3, 0)], Check::Read);
    check(vera(), vec![receipt(anna(), 0, 5), receipt(anna(), 3, 3)], Check::Read);
    check(vera(), vec![receipt(anna(), 5, 0), receipt(anna(), 3, 0)], Check::Delivered);
    check(vera(), vec![receipt(anna(), 5, 0), receipt(anna(), 0, 0)], Check::Delivered);
    // Receipts are messages' watermarks, whatever frames come between.
    check(vera(), vec![receipt(anna(), 5, 0), msg(6, anna(), "x", "ok")], Check::Delivered);
    check(vera(), vec![receipt(anna(), 5, 0), ServerFrame::Pong { nonce: 1 }], Check::Delivered);
}

#[test]
fn checkmarks_from_welcome_receipts() {
    let mut s = ChatState::new();
    s.apply(welcome(
        vera(),
        2,
        vec![watermark(anna(), 2, 1), watermark(vera(), 2, 2)],
    ));
    s.apply(msg(1, vera(), "c-1", "one"));
    s.apply(msg(2, vera(), "c-2", "two"));
    s.apply(msg(3, vera(), "c-3", "three"));
    check_lines(
        &s,
        &[
            "#1 Vera: one [Read]",
            "#2 Vera: two [Delivered]",
            "#3 Vera: three [Stored]",
        ],
    );
    // A later welcome with older watermarks (a lagging replica) moves nothing back.
    s.disconnected();
    s.apply(welcome(vera(), 3, vec![watermark(anna(), 1, 0)]));
    check_lines(
        &s,
        &[
            "#1 Vera: one [Read]",
            "#2 Vera: two [Delivered]",
            "#3 Vera: three [Stored]",
        ],
    );
    s.apply(receipt(anna(), 3, 3));
    check_lines(
        &s,
        &[
            "#1 Vera: one [Read]",
            "#2 Vera: two [Read]",
            "#3 Vera: three [Read]",
        ],
    );
}

#[test]
fn checkmarks_move_stored_delivered_read() {
    let mut s = state(vera(), vec![]);
    s.compose("c-1".into(), "Hi".into(), Default::default());
    s.apply(ack("c-1", 1));
    s.apply(msg(1, vera(), "c-1", "Hi"));
    check_lines(&s, &["#1 Vera: Hi [Stored]"]);
    s.apply(receipt(vera(), 1, 1));
    check_lines(&s, &["#1 Vera: Hi [Stored]"]);
    s.apply(receipt(anna(), 1, 0));
    check_lines(&s, &["#1 Vera: Hi [Delivered]"]);
    s.apply(receipt(anna(), 1, 1));
    check_lines(&s, &["#1 Vera: Hi [Read]"]);
    // A lower receipt arriving late moves nothing back.
    s.apply(receipt(anna(), 0, 0));
    check_lines(&s, &["#1 Vera: Hi [Read]"]);
}

#[test]
fn duplicate_messages_are_kept_once() {
    let mut s = state(vera(), vec![]);
    s.apply(msg(1, anna(), "x-1", "Hello"));
    s.apply(msg(1, anna(), "x-1", "Hello"));
    // The first copy of a seq wins.
    s.apply(msg(1, anna(), "x-1", "Hello again"));
    s.apply(msg(2, vera(), "c-1", "Hi"));
    s.apply(msg(2, vera(), "c-1", "Hi"));
    check_lines(&s, &["#1 Anna: Hello", "#2 Vera: Hi [Stored]"]);
    assert_eq!(s.messages().count(), 2);
    assert_eq!(s.unread(), 1);
}

/// The delivered receipt due after `frames`, as Vera.
#[track_caller]
fn delivered_due(frames: Vec<ServerFrame>, expected: Option<Seq>) {
    let s = state(vera(), frames);
    assert_eq!(s.delivered_receipt(), expected.map(delivered));
}

#[test]
#[rustfmt::skip]
fn delivered_receipts_are_due_for_other_peoples_messages() {
    delivered_due(vec![], None);
    delivered_due(vec![msg(1, anna(), "x-1", "one")], Some(1));
    delivered_due(vec![msg(1, anna(), "x-1", "one"), msg(2, anna(), "x-2", "two")], Some(2));
    // Until the edge echoes the own watermark, it is due.
    delivered_due(vec![msg(1, anna(), "x-1", "one"), msg(1, anna(), "x-1", "one")], Some(1));
    delivered_due(vec![msg(1, anna(), "x-1", "one"), receipt(vera(), 1, 0)], None);
    // A duplicate after the echo asks nothing.
    delivered_due(vec![msg(1, anna(), "x-1", "one"), receipt(vera(), 1, 0), msg(1, anna(), "x-1", "one")], None);
    // Other people's receipts do not count as one's own.
    delivered_due(vec![msg(1, anna(), "x-1", "one"), receipt(anna(), 1, 1)], Some(1));
    // Out of order own receipts never move the own watermark back.
    delivered_due(vec![msg(1, anna(), "x-1", "one"), receipt(vera(), 1, 0), receipt(vera(), 0, 0)], None);
    // One's own messages and system lines need no receipt; a receipt covers
    // everything held.
    delivered_due(vec![msg(1, vera(), "c-1", "mine")], None);
    delivered_due(vec![system_line(1, "Anna took the chat")], None);
    delivered_due(vec![msg(1, anna(), "x-1", "one"), msg(2, vera(), "c-1", "mine")], Some(2));
}

#[test]
fn apply_answers_only_with_resends() {
    let mut s = ChatState::new();
    assert_eq!(s.apply(welcome(vera(), 0, vec![])), vec![]);
    assert_eq!(s.apply(msg(1, anna(), "x-1", "one")), vec![]);
    assert_eq!(s.last_from_others(), 1);
    assert_eq!(s.apply(system_line(2, "Anna took the chat")), vec![]);
    assert_eq!(s.last_from_others(), 1);
    assert_eq!(s.last_seq(), 2);
}

#[test]
fn own_watermarks_from_welcome() {
    let mut s = ChatState::new();
    s.apply(welcome(vera(), 2, vec![watermark(vera(), 2, 1)]));
    s.apply(msg(1, anna(), "x-1", "one"));
    s.apply(msg(2, anna(), "x-2", "two"));
    assert_eq!(s.delivered_receipt(), None);
    assert_eq!(s.read_receipt(), Some(read(2)));
    s.apply(msg(3, anna(), "x-3", "three"));
    assert_eq!(s.delivered_receipt(), Some(delivered(3)));
}

#[test]
fn read_receipts() {
    let mut s = ChatState::new();
    assert_eq!(s.read_receipt(), None);
    s.apply(welcome(vera(), 0, vec![]));
    assert_eq!(s.read_receipt(), None);
    s.apply(msg(1, anna(), "x-1", "one"));
    s.apply(msg(2, anna(), "x-2", "two"));
    assert_eq!(s.read_receipt(), Some(read(2)));
    // Delivered is not read.
    s.apply(receipt(vera(), 2, 0));
    assert_eq!(s.read_receipt(), Some(read(2)));
    s.apply(receipt(vera(), 2, 1));
    assert_eq!(s.read_receipt(), Some(read(2)));
    s.apply(receipt(vera(), 2, 2));
    assert_eq!(s.read_receipt(), None);
    // Out of order: read 2 then read 1 keeps 2.
    s.apply(receipt(vera(), 1, 1));
    assert_eq!(s.read_receipt(), None);
    // Another person's read watermark is not one's own.
    s.apply(msg(3, anna(), "x-3", "three"));
    s.apply(receipt(anna(), 3, 3));
    assert_eq!(s.read_receipt(), Some(read(3)));
    // One's own message needs no read receipt.
    s.apply(receipt(vera(), 3, 3));
    s.apply(msg(4, vera(), "c-1", "mine"));
    assert_eq!(s.read_receipt(), None);
    // The next message from the other side is read up to the last seq.
    s.apply(msg(5, anna(), "x-5", "five"));
    assert_eq!(s.read_receipt(), Some(read(5)));
}

/// The unread count as `me` after `frames`.
#[track_caller]
fn unread(me: Participant, frames: Vec<ServerFrame>, expected: usize) {
    assert_eq!(state(me, frames).unread(), expected);
}

#[test]
#[rustfmt::skip]
fn unread_counts_other_peoples_messages_after_the_read_watermark() {
    unread(vera(), vec![], 0);
    unread(vera(), vec![msg(1, anna(), "x", "hi")], 1);
    unread(vera(), vec![msg(1, anna(), "x", "hi"), msg(2, bert(), "y", "hi")], 2);
    unread(vera(), vec![msg(1, vera(), "c", "hi")], 0);
    unread(vera(), vec![system_line(1, "Anna took the chat")], 0);
    unread(vera(), vec![system_line(1, "took"), msg(2, anna(), "x", "hi")], 1);
    unread(vera(), vec![msg(1, anna(), "x", "a"), msg(2, vera(), "c", "b")], 1);
    // Only the own read watermark counts; delivered does not.
    unread(vera(), vec![msg(1, anna(), "x", "a"), receipt(vera(), 1, 0)], 1);
    unread(vera(), vec![msg(1, anna(), "x", "a"), receipt(vera(), 1, 1)], 0);
    unread(vera(), vec![msg(1, anna(), "x", "a"), receipt(anna(), 1, 1)], 1);
    let three =
        || vec![msg(1, anna(), "x", "a"), msg(2, anna(), "y", "b"), msg(3, anna(), "z", "c")];
    unread(vera(), [three(), vec![receipt(vera(), 3, 1)]].concat(), 2);
    unread(vera(), [three(), vec![receipt(vera(), 3, 2)]].concat(), 1);
    unread(vera(), [three(), vec![receipt(vera(), 3, 3)]].concat(), 0);
    unread(vera(), [three(), vec![receipt(vera(), 3, 9)]].concat(), 0);
    // Out of order: read 3 then read 1 still reads 3.
    unread(vera(), [three(), vec![receipt(vera(), 3, 3), receipt(vera(), 3, 1)]].concat(), 0);
    // For an agent, the visitor and colleagues are other people.
    unread(anna(), [three(), vec![msg(4, vera(), "c", "d")]].concat(), 1);
    unread(anna(), vec![msg(1, vera(), "c", "a"), msg(2, bert(), "y", "b")], 2);
}

#[test]
fn store_failed_marks_the_pending_send() {
    let mut s = state(vera(), vec![]);
    s.compose("c-1".into(), "one".into(), Default::default());
    s.compose("c-2".into(), "two".into(), Default::default());
    assert_eq!(s.apply(store_failed("c-1", "Could not store")), vec![]);
    check_lines(
        &s,
        &["c-1: one [Failed: Could not store]", "c-2: two [Sending]"],
    );
    assert!(s.has_unacked());
    // Errors about nothing, or about an unknown send, change nothing.
    s.apply(ServerFrame::error(ErrorCode::Internal, "Oops"));
    s.apply(store_failed("c-9", "Could not store"));
    check_lines(
        &s,
        &["c-1: one [Failed: Could not store]", "c-2: two [Sending]"],
    );
    // Any refusal about a send marks it, with the server's sentence.
    s.apply(ServerFrame::Error {
        code: ErrorCode::InvalidMessage,
        message: "Too long".into(),
        client_id: Some("c-2".into()),
    });
    check_lines(
        &s,
        &[
            "c-1: one [Failed: Could not store]",
            "c-2: two [Failed: Too long]",
        ],
    );
    assert!(!s.has_unacked());
}

#[test]
fn retry_resends_with_the_same_id() {
    let mut s = state(vera(), vec![]);
    s.compose("c-1".into(), "one".into(), Default::default());
    s.apply(store_failed("c-1", "Could not store"));
    assert_eq!(s.retry(&"c-1".into()), Some(send("c-1", "one")));
    check_lines(&s, &["c-1: one [Sending]"]);
    assert!(s.has_unacked());
    assert_eq!(s.retry(&"c-9".into()), None);
    s.apply(ack("c-1", 1));
    s.apply(msg(1, vera(), "c-1", "one"));
    check_lines(&s, &["#1 Vera: one [Stored]"]);
    // Once stored there is nothing left to retry.
    assert_eq!(s.retry(&"c-1".into()), None);
}

#[test]
fn fail_unacked_marks_what_waits() {
    let mut s = state(vera(), vec![]);
    s.fail_unacked();
    check_lines(&s, &[]);
    s.compose("c-1".into(), "one".into(), Default::default());
    s.compose("c-2".into(), "two".into(), Default::default());
    s.apply(store_failed("c-1", "Could not store"));
    s.fail_unacked();
    // An earlier reason is kept.
    check_lines(
        &s,
        &[
            "c-1: one [Failed: Could not store]",
            "c-2: two [Failed: No answer from the server]",
        ],
    );
    assert!(!s.has_unacked());
    // A late ack still counts: the send is stored after all.
    s.apply(ack("c-2", 1));
    check_lines(
        &s,
        &[
            "#1 Vera: two [Stored]",
            "c-1: one [Failed: Could not store]",
        ],
    );
}

#[test]
fn an_acked_send_no_longer_waits_for_its_ack() {
    // "failed ... when no ack came within a few seconds" (protocol.md); the
    // widget runs `fail_unacked` while `has_unacked()`. An acked send whose
    // message frame is still on its way is stored and must not turn "Not sent".
    let mut s = state(vera(), vec![]);
    s.compose("c-1".into(), "one".into(), Default::default());
    s.compose("c-2".into(), "two".into(), Default::default());
    s.apply(ack("c-1", 1));
    s.fail_unacked();
    let failed: Vec<_> = lines(&s)
        .into_iter()
        .filter(|l| l.contains("Failed"))
        .collect();
    assert_eq!(failed, ["c-2: two [Failed: No answer from the server]"]);
    s.apply(ack("c-2", 2));
    assert!(!s.has_unacked(), "both sends were acked");
}

#[test]
fn resume_resends_pending_with_their_ids() {
    let mut s = state(
        vera(),
        vec![msg(1, anna(), "x-1", "Hello"), msg(2, vera(), "c-0", "Hi")],
    );
    s.apply(receipt(vera(), 2, 2));
    s.compose("c-1".into(), "one".into(), Default::default());
    s.compose("c-2".into(), "two".into(), Default::default());
    s.compose("c-3".into(), "three".into(), Default::default());
    // c-1's ack is lost with the socket; c-2 failed; c-3 never got an
    // answer.
    s.apply(store_failed("c-2", "Could not store"));
    s.disconnected();
    assert!(!s.is_synced());
    // Compose while offline: it waits in the outbox like the others.
    assert_eq!(
        s.compose("c-4".into(), "four".into(), Default::default()),
        send("c-4", "four")
    );
    assert_eq!(s.hello(), hello(2));

    let replies = s.apply(welcome(vera(), 4, vec![watermark(vera(), 2, 2)]));
    assert!(s.is_synced());
    assert_eq!(
        replies,
        [
            send("c-1", "one"),
            send("c-2", "two"),
            send("c-3", "three"),
            send("c-4", "four")
        ]
    );
    check_lines(
        &s,
        &[
            "#1 Anna: Hello",
            "#2 Vera: Hi [Stored]",
            "c-1: one [Sending]",
            "c-2: two [Sending]",
            "c-3: three [Sending]",
            "c-4: four [Sending]",
        ],
    );
    // The edge replays what was missed (c-1 had been stored), then acks
    // the re-sends: c-1 again with its stored seq, the others new.
    assert_eq!(s.apply(msg(3, vera(), "c-1", "one")), vec![]);
    assert_eq!(s.apply(msg(4, anna(), "x-2", "Welcome back")), vec![]);
    assert_eq!(s.delivered_receipt(), Some(delivered(4)));
    s.apply(ack("c-1", 3));
    s.apply(ack("c-2", 5));
    s.apply(ack("c-3", 6));
    s.apply(ack("c-4", 7));
    // Each send once, no pending line left.
    check_lines(
        &s,
        &[
            "#1 Anna: Hello",
            "#2 Vera: Hi [Stored]",
            "#3 Vera: one [Stored]",
            "#4 Anna: Welcome back",
            "#5 Vera: two [Stored]",
            "#6 Vera: three [Stored]",
            "#7 Vera: four [Stored]",
        ],
    );
    assert!(!s.has_unacked());
    assert_eq!(s.hello(), hello(7));

    // A second resume with nothing pending re-sends nothing.
    s.disconnected();
    assert_eq!(
        s.apply(welcome(vera(), 7, vec![watermark(vera(), 7, 7)])),
        vec![]
    );
}

#[test]
fn resume_when_the_replay_comes_first() {
    // The replayed message of a pending send arrives before it is re-sent by
    // the caller: it is stored once and not pending any more.
    let mut s = state(vera(), vec![]);
    s.compose("c-1".into(), "one".into(), Default::default());
    s.disconnected();
    assert_eq!(
        s.apply(welcome(vera(), 1, vec![])),
        vec![send("c-1", "one")]
    );
    s.apply(msg(1, vera(), "c-1", "one"));
    s.apply(msg(1, vera(), "c-1", "one"));
    s.apply(ack("c-1", 1));
    check_lines(&s, &["#1 Vera: one [Stored]"]);
    s.disconnected();
    assert_eq!(s.apply(welcome(vera(), 1, vec![])), vec![]);
}

#[test]
fn hello_carries_the_last_seq_held() {
    let mut s = ChatState::new();
    assert_eq!(s.hello(), hello(0));
    s.apply(welcome(vera(), 9, vec![]));
    // The welcome's last_seq is what the server has, not what this client holds.
    assert_eq!(s.hello(), hello(0));
    s.apply(msg(1, anna(), "x-1", "one"));
    assert_eq!(s.hello(), hello(1));
    s.apply(system_line(3, "Anna took the chat"));
    assert_eq!(s.hello(), hello(3));
    s.apply(msg(2, anna(), "x-2", "two"));
    assert_eq!(s.hello(), hello(3));
    // Pending sends are not held messages; an acked one is.
    s.compose("c-1".into(), "mine".into(), Default::default());
    assert_eq!(s.hello(), hello(3));
    s.apply(ack("c-1", 4));
    assert_eq!(s.hello(), hello(4));
    // An ack for something this client never sent holds nothing.
    s.apply(ack("c-9", 5));
    s.disconnected();
    assert_eq!(s.hello(), hello(4));
    assert_eq!(s.last_seq(), 4);
}

/// The names shown as typing after `frames`, as Vera.
#[track_caller]
fn typing_names(frames: Vec<ServerFrame>, expected: &[&str]) {
    let s = state(vera(), frames);
    let names: Vec<&str> = s.typing().into_iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, expected);
}

#[test]
#[rustfmt::skip]
fn typing_shows_others_only() {
    typing_names(vec![], &[]);
    typing_names(vec![typing(anna(), true)], &["Anna"]);
    typing_names(vec![typing(anna(), true), typing(anna(), true)], &["Anna"]);
    typing_names(vec![typing(anna(), true), typing(bert(), true)], &["Anna", "Bert"]);
    typing_names(vec![typing(anna(), true), typing(anna(), false)], &[]);
    typing_names(vec![typing(anna(), false)], &[]);
    typing_names(vec![typing(vera(), true)], &[]);
    typing_names(vec![typing(vera(), true), typing(anna(), true)], &["Anna"]);
    // Their message ends their typing, and only theirs.
    typing_names(vec![typing(anna(), true), msg(1, anna(), "x", "hi")], &[]);
    typing_names(vec![typing(anna(), true), msg(1, bert(), "y", "hi")], &["Anna"]);
    typing_names(vec![typing(anna(), true), msg(1, vera(), "c", "hi")], &["Anna"]);
    typing_names(vec![typing(anna(), true), system_line(1, "x")], &["Anna"]);
    typing_names(vec![typing(anna(), true), receipt(anna(), 1, 1)], &["Anna"]);
}

#[test]
fn typing_is_cleared_by_a_disconnect() {
    let mut s = state(vera(), vec![typing(anna(), true)]);
    assert_eq!(s.typing(), [&anna()]);
    s.disconnected();
    assert_eq!(s.typing(), Vec::<&Participant>::new());
}

#[test]
fn check_labels() {
    #[track_caller]
    fn label(check: Check, expected: &str) {
        assert_eq!(check.label(), expected);
    }
    label(Check::Sending, "Sending");
    label(Check::Failed, "Not sent");
    label(Check::Stored, "Sent");
    label(Check::Delivered, "Delivered");
    label(Check::Read, "Read");
}
