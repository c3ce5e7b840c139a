//! `Session` driven like a shell drives it: a simulated clock, a socket that
//! opens, delivers literal server frames and closes, and the person's
//! actions. Every step drains the outputs, written one string each:
//! `connect`, `disconnect`, `refused Forbidden`, and the frames sent
//! (`hello 0`, `send c-1`, `delivered 3`, `read 3`, `typing on`, `end`).

use crate::frames::{
    ack, anna, msg, person, receipt, store_failed, typing, vera, watermark, welcome,
};
use chat_client::link::{CloseReason, Link};
use chat_client::machine::{Millis, Output, SocketEvent};
use chat_client::session::{Input, Party, Session};
use chat_client::{ChatState, Line};
use shared::frame::{
    ClientFrame, ConversationStatus, ConversationView, Participant, ReceiptKind, ServerFrame, Side,
    Watermark,
};
use shared::ids::Seq;

fn show(output: Output<ClientFrame>) -> String {
    match output {
        Output::Connect => "connect".into(),
        Output::Disconnect => "disconnect".into(),
        Output::Refused(reason) => format!("refused {reason:?}"),
        Output::Transmit(frame) => match frame {
            ClientFrame::Hello { last_seq, .. } => format!("hello {last_seq}"),
            ClientFrame::Send { client_id, .. } => format!("send {client_id}"),
            ClientFrame::Receipt {
                kind: ReceiptKind::Delivered,
                seq,
            } => format!("delivered {seq}"),
            ClientFrame::Receipt { seq, .. } => format!("read {seq}"),
            ClientFrame::Typing { active: true } => "typing on".into(),
            ClientFrame::Typing { active: false } => "typing off".into(),
            ClientFrame::End => "end".into(),
            ClientFrame::Ping { .. } => "ping".into(),
            other => serde_json::to_value(&other)
                .ok()
                .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
                .unwrap_or_default(),
        },
    }
}

/// A session, its clock, and what it asked for.
struct Client {
    s: Session,
    now: Millis,
}

impl Client {
    /// A new session whose first socket is being opened.
    fn new(party: Party) -> Self {
        let mut c = Client {
            s: Session::new(party),
            now: 1_000,
        };
        assert_eq!(c.drain(), ["connect"]);
        c
    }

    /// A session greeted by `welcome`, nothing held yet.
    fn greeted(party: Party, welcome: ServerFrame) -> Self {
        let mut c = Client::new(party);
        assert_eq!(c.open(), ["hello 0"]);
        assert_eq!(c.recv(welcome), Vec::<String>::new());
        assert_eq!(c.s.link(), Link::Open);
        c
    }

    /// The visitor Vera, welcomed into an active conversation.
    fn vera() -> Self {
        Client::greeted(Party::Visitor, welcome(vera(), 0, vec![]))
    }

    fn drain(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.s.poll_output())
            .map(show)
            .collect()
    }

    fn at(&mut self, now: Millis) -> &mut Self {
        self.now = now;
        self
    }

    fn feed(&mut self, input: Input) -> Vec<String> {
        self.s.handle(self.now, input);
        self.drain()
    }

    fn open(&mut self) -> Vec<String> {
        self.feed(Input::Socket(SocketEvent::Opened))
    }

    fn recv(&mut self, frame: ServerFrame) -> Vec<String> {
        self.feed(Input::Socket(SocketEvent::Received(frame)))
    }

    fn close(&mut self, code: u16) -> Vec<String> {
        self.feed(Input::Socket(SocketEvent::Closed { code, jitter: 0.0 }))
    }

    /// The timer fires at `now`.
    fn tick(&mut self, now: Millis) -> Vec<String> {
        self.now = now;
        self.feed(Input::Socket(SocketEvent::Timeout))
    }

    fn compose(&mut self, client_id: &str) -> Vec<String> {
        self.feed(Input::Compose {
            client_id: client_id.into(),
            text: format!("text of {client_id}"),
            kind: Default::default(),
        })
    }

    fn typed(&mut self, empty: bool) -> Vec<String> {
        self.feed(Input::Typed { empty })
    }

    /// The checks of the lines, as `#seq Check` or `client-id Check`.
    fn checks(&self) -> Vec<String> {
        let state: &ChatState = self.s.state();
        state
            .lines()
            .into_iter()
            .map(|line| match line {
                Line::Stored(m) if state.is_own(m) => format!("#{} {:?}", m.seq, state.check(m)),
                Line::Stored(m) => format!("#{}", m.seq),
                Line::Pending(p) => format!("{} {:?}", p.client_id, ChatState::pending_check(p)),
            })
            .collect()
    }
}

#[track_caller]
fn check(got: Vec<String>, expected: &[&str]) {
    assert_eq!(got, expected);
}

fn hers(seq: Seq) -> ServerFrame {
    msg(seq, anna(), &format!("x-{seq}"), "from Anna")
}

#[test]
fn a_new_session_connects_and_says_hello() {
    let mut c = Client::new(Party::Visitor);
    assert_eq!(c.s.link(), Link::Connecting);
    check(c.open(), &["hello 0"]);
    // Nothing but hello goes out before the welcome.
    check(c.typed(false), &[]);
    check(c.compose("c-1"), &[]);
    check(c.recv(welcome(vera(), 0, vec![])), &["send c-1"]);
    assert_eq!(c.s.link(), Link::Open);
}

#[test]
fn a_receipt_is_not_sent_twice() {
    let mut c = Client::vera();
    check(c.recv(hers(1)), &["delivered 1"]);
    // It moved Vera's own watermark as it went out: frames meanwhile do
    // not repeat it, and the edge does not send it back.
    check(c.recv(hers(1)), &[]);
    check(c.recv(typing(anna(), true)), &[]);
    check(c.compose("c-1"), &["send c-1"]);
    check(c.recv(ack("c-1", 2)), &[]);
    check(c.at(3_000).recv(hers(3)), &["delivered 3"]);
    // Seen: one read receipt, which covers delivered too.
    check(c.at(5_000).feed(Input::Viewing(true)), &["read 3"]);
    check(c.feed(Input::Viewing(true)), &[]);
    check(c.at(7_000).recv(hers(4)), &["read 4"]);
    // Another tab's echo of the same watermark changes nothing.
    check(c.recv(receipt(vera(), 4, 4)), &[]);
    assert_eq!(c.s.state().unread(), 0);
    // Hidden again: delivered only.
    check(c.feed(Input::Viewing(false)), &[]);
    check(c.at(9_000).recv(hers(5)), &["delivered 5"]);
    check(c.at(11_000).feed(Input::Viewing(true)), &["read 5"]);
}

#[test]
fn a_burst_costs_one_receipt() {
    let mut c = Client::vera();
    c.feed(Input::Viewing(true));
    // The first message after a quiet spell is read at once.
    check(c.at(10_000).recv(hers(1)), &["read 1"]);
    // The burst that follows waits for the receipt's turn, then one
    // receipt says all of it.
    check(c.at(10_100).recv(hers(2)), &[]);
    check(c.at(10_200).recv(hers(3)), &[]);
    check(c.at(10_300).recv(hers(4)), &[]);
    check(c.tick(10_999), &[]);
    check(c.tick(11_000), &["read 4"]);
    assert_eq!(c.s.state().unread(), 0);
    // Nothing new: the timer has nothing more to say.
    check(c.tick(12_000), &[]);
    check(c.at(20_000).recv(hers(5)), &["read 5"]);
    // A socket lost meanwhile: the new one starts afresh.
    check(c.at(20_100).recv(hers(6)), &[]);
    check(c.close(1006), &[]);
    check(c.tick(20_600), &["connect"]);
    check(c.open(), &["hello 6"]);
    check(
        c.recv(welcome(vera(), 6, vec![watermark(vera(), 5, 5)])),
        &["read 6"],
    );
}

#[test]
fn a_resume_costs_one_receipt_once_the_replay_caught_up() {
    let mut c = Client::new(Party::Visitor);
    c.open();
    assert!(!c.s.caught_up(), "not greeted yet");
    check(c.recv(welcome(vera(), 3, vec![])), &[]);
    check(c.recv(hers(1)), &[]);
    check(c.recv(hers(2)), &[]);
    assert!(!c.s.caught_up(), "replaying");
    check(c.recv(hers(3)), &["delivered 3"]);
    assert!(c.s.caught_up());
    check(c.close(1006), &[]);
    assert!(!c.s.caught_up(), "the socket is gone");

    // A live frame ends the replay even when the welcome counted a message
    // this client is not sent.
    let mut c = Client::new(Party::Visitor);
    c.open();
    check(c.recv(welcome(vera(), 3, vec![])), &[]);
    check(c.recv(hers(1)), &[]);
    check(c.recv(typing(anna(), true)), &["delivered 1"]);
}

#[test]
fn receipts_lost_with_a_socket_are_sent_again() {
    let mut c = Client::vera();
    check(c.recv(hers(1)), &["delivered 1"]);
    check(c.close(1006), &[]);
    check(c.tick(1_500), &["connect"]);
    check(c.open(), &["hello 1"]);
    // The server never stored it: its welcome says so.
    check(c.recv(welcome(vera(), 1, vec![])), &["delivered 1"]);
    check(c.close(1006), &[]);
    check(c.tick(2_500), &["connect"]);
    c.open();
    check(
        c.recv(welcome(vera(), 1, vec![watermark(vera(), 1, 0)])),
        &[],
    );
}

fn queued_view() -> ConversationView {
    ConversationView {
        id: "conv-1".into(),
        status: ConversationStatus::Queued,
        department: "support".into(),
        visitor: vera(),
        assignee: None,
        members: Vec::new(),
    }
}

fn state_frame(status: ConversationStatus, assignee: Option<Participant>) -> ServerFrame {
    ServerFrame::State {
        conversation: ConversationView {
            status,
            assignee,
            members: Vec::new(),
            ..queued_view()
        },
    }
}

fn agent_welcome(status: ConversationStatus, assignee: Option<Participant>) -> ServerFrame {
    ServerFrame::Welcome {
        version: 1,
        conversation: ConversationView {
            status,
            assignee,
            members: Vec::new(),
            ..queued_view()
        },
        you: anna(),
        last_seq: 0,
        receipts: vec![],
    }
}

fn from_vera(seq: Seq) -> ServerFrame {
    msg(seq, vera(), &format!("c-{seq}"), "from Vera")
}

#[test]
fn an_agent_acknowledges_only_a_conversation_assigned_to_them() {
    let bert = person(Side::Agent, "a-2", "Bert");
    let mut c = Client::greeted(
        Party::Agent,
        agent_welcome(ConversationStatus::Queued, None),
    );
    c.feed(Input::Viewing(true));
    // A preview moves no checkmark.
    check(c.recv(from_vera(1)), &[]);
    // Taken by someone else: still nothing.
    check(
        c.recv(state_frame(ConversationStatus::Active, Some(bert))),
        &[],
    );
    check(c.recv(from_vera(2)), &[]);
    // Taken by Anna: what she sees is read at once, without a new message.
    check(
        c.recv(state_frame(ConversationStatus::Active, Some(anna()))),
        &["read 2"],
    );
    check(c.feed(Input::Viewing(false)), &[]);
    check(c.at(5_000).recv(from_vera(3)), &["delivered 3"]);
    check(
        c.recv(state_frame(ConversationStatus::OnHold, Some(anna()))),
        &[],
    );
    check(c.at(7_000).recv(from_vera(4)), &["delivered 4"]);
    check(
        c.recv(state_frame(ConversationStatus::Closed, Some(anna()))),
        &[],
    );
    check(c.at(9_000).recv(from_vera(5)), &[]);
}

#[test]
fn an_ack_timeout_fails_sends_only_while_connected() {
    let mut c = Client::vera();
    check(c.at(10_000).compose("c-1"), &["send c-1"]);
    assert_eq!(c.s.poll_timeout(), Some(18_000));
    check(c.tick(17_999), &[]);
    check(c.checks(), &["c-1 Sending"]);
    check(c.tick(18_000), &[]);
    check(c.checks(), &["c-1 Failed"]);
    assert_eq!(c.s.poll_timeout(), None);
    // A retry waits again; a late ack still stores it.
    check(c.at(20_000).feed(Input::Retry("c-1".into())), &["send c-1"]);
    assert_eq!(c.s.poll_timeout(), Some(28_000));
    check(c.recv(ack("c-1", 1)), &[]);
    check(c.checks(), &["#1 Stored"]);
    assert_eq!(c.s.poll_timeout(), None);

    // Offline, nothing fails: the send waits for the next welcome.
    check(c.at(30_000).compose("c-2"), &["send c-2"]);
    check(c.at(33_000).close(1006), &[]);
    assert_eq!(c.s.poll_timeout(), Some(33_500));
    check(c.tick(33_500), &["connect"]);
    check(c.tick(40_000), &[]);
    check(c.checks(), &["#1 Stored", "c-2 Sending"]);
    check(c.at(41_000).open(), &["hello 1"]);
    check(c.recv(welcome(vera(), 1, vec![])), &["send c-2"]);
    check(c.tick(48_999), &[]);
    check(c.tick(49_000), &[]);
    check(c.checks(), &["#1 Stored", "c-2 Failed"]);
}

#[test]
fn an_answer_restarts_the_ack_clock() {
    let mut c = Client::vera();
    c.at(0).compose("c-1");
    c.at(1_000).compose("c-2");
    assert_eq!(c.s.poll_timeout(), Some(8_000), "the wait began at 0");
    c.at(7_000).recv(ack("c-1", 1));
    assert_eq!(c.s.poll_timeout(), Some(15_000));
    check(c.tick(8_000), &[]);
    check(c.checks(), &["#1 Stored", "c-2 Sending"]);
    // A refusal answers too, and fails only its own send.
    c.at(9_000).compose("c-3");
    c.recv(store_failed("c-3", "Could not store"));
    assert_eq!(c.s.poll_timeout(), Some(17_000));
    check(c.tick(17_000), &[]);
    check(c.checks(), &["#1 Stored", "c-2 Failed", "c-3 Failed"]);
}

#[test]
fn a_resume_resends_the_outbox_in_order() {
    let mut c = Client::vera();
    check(c.compose("c-1"), &["send c-1"]);
    check(c.close(1001), &[]);
    // Written while offline: kept, not sent.
    check(c.compose("c-2"), &[]);
    check(c.compose("c-3"), &[]);
    check(c.tick(1_500), &["connect"]);
    check(c.open(), &["hello 0"]);
    check(
        c.recv(welcome(vera(), 1, vec![])),
        &["send c-1", "send c-2", "send c-3"],
    );
    // c-1 had been stored before the loss: the replay and the re-ack agree.
    check(c.recv(msg(1, vera(), "c-1", "text of c-1")), &[]);
    check(c.recv(ack("c-1", 1)), &[]);
    check(c.recv(ack("c-2", 2)), &[]);
    check(c.recv(ack("c-3", 3)), &[]);
    check(c.checks(), &["#1 Stored", "#2 Stored", "#3 Stored"]);
    check(c.close(1006), &[]);
    check(c.tick(5_000), &["connect"]);
    check(c.open(), &["hello 3"]);
    check(c.recv(welcome(vera(), 3, vec![])), &[]);
}

#[test]
fn typing_is_repeated_then_stops_when_idle() {
    let mut c = Client::vera();
    check(c.at(0).typed(false), &["typing on"]);
    check(c.at(1_000).typed(false), &[]);
    check(c.at(2_999).typed(false), &[]);
    check(c.at(3_000).typed(false), &["typing on"]);
    assert_eq!(c.s.poll_timeout(), Some(7_000));
    check(c.tick(6_999), &[]);
    check(c.tick(7_000), &["typing off"]);
    check(c.tick(9_000), &[]);
    assert_eq!(c.s.poll_timeout(), None);
    // Typing again is said at once; a send or an empty draft ends it.
    check(c.at(9_500).typed(false), &["typing on"]);
    check(c.compose("c-1"), &["send c-1", "typing off"]);
    check(c.at(10_000).typed(false), &["typing on"]);
    check(c.typed(true), &["typing off"]);
    check(c.typed(true), &[]);
    check(c.at(11_000).typed(false), &["typing on"]);
    check(c.feed(Input::StopTyping), &["typing off"]);
    // A lost socket forgets it; typing offline says nothing.
    check(c.at(12_000).typed(false), &["typing on"]);
    check(c.close(1006), &[]);
    check(c.at(12_100).typed(false), &[]);
    check(c.tick(16_200), &["connect"]);
}

#[test]
fn backoff_grows_and_resets_once_welcomed() {
    let mut c = Client::vera();
    let mut waits = Vec::new();
    for _ in 0..6 {
        c.close(1006);
        let Link::Reconnecting { at } = c.s.link() else {
            panic!("reconnecting");
        };
        waits.push(at - c.now);
        assert_eq!(c.s.poll_timeout(), Some(at));
        check(c.tick(at - 1), &[]);
        check(c.tick(at), &["connect"]);
        check(c.open(), &["hello 0"]);
    }
    assert_eq!(waits, [500, 1_000, 2_000, 4_000, 8_000, 10_000]);
    c.recv(welcome(vera(), 0, vec![]));
    c.close(1006);
    assert_eq!(c.s.link(), Link::Reconnecting { at: c.now + 500 });
}

#[track_caller]
fn check_close(code: u16, expected: &[&str], link: Link) {
    let mut c = Client::vera();
    check(c.close(code), expected);
    assert_eq!(c.s.link(), link, "{code}");
}

#[test]
fn close_codes_decide_between_reconnect_and_refusal() {
    use CloseReason::*;
    let later = Link::Reconnecting { at: 1_500 };
    check_close(1000, &[], later);
    check_close(1006, &[], later);
    check_close(1011, &[], later);
    check_close(
        4400,
        &["refused Refused(4400)"],
        Link::Closed(Refused(4400)),
    );
    check_close(4401, &["refused Unauthorized"], Link::Closed(Unauthorized));
    check_close(4403, &["refused Forbidden"], Link::Closed(Forbidden));
    check_close(4404, &["refused NotFound"], Link::Closed(NotFound));
    check_close(
        4426,
        &["refused UnsupportedVersion"],
        Link::Closed(UnsupportedVersion),
    );
}

#[test]
fn nothing_happens_after_a_refusal_or_a_stop() {
    let mut c = Client::vera();
    c.compose("c-1");
    check(c.close(4403), &["refused Forbidden"]);
    assert_eq!(c.s.poll_timeout(), None);
    check(c.tick(100_000), &[]);
    check(c.open(), &[]);
    check(c.recv(hers(1)), &[]);
    check(c.close(1006), &[]);
    check(c.checks(), &["c-1 Sending"]);

    let mut c = Client::vera();
    check(c.feed(Input::Stop), &["disconnect"]);
    assert_eq!(c.s.link(), Link::Closed(CloseReason::Stopped));
    check(c.close(1000), &[]);
    check(c.feed(Input::End), &[]);

    // Stopped while waiting to reconnect: no socket to close, no timer.
    let mut c = Client::vera();
    c.close(1006);
    check(c.feed(Input::Stop), &[]);
    assert_eq!(c.s.poll_timeout(), None);
}

#[test]
fn end_and_queue_position() {
    let mut c = Client::new(Party::Visitor);
    c.open();
    c.recv(ServerFrame::Welcome {
        version: 1,
        conversation: queued_view(),
        you: vera(),
        last_seq: 0,
        receipts: Vec::<Watermark>::new(),
    });
    check(
        c.recv(ServerFrame::Queue {
            position: 2,
            estimated_wait_ms: 90_000,
        }),
        &[],
    );
    assert_eq!(c.s.state().queue_position(), Some((2, 90_000)));
    check(c.feed(Input::End), &["end"]);
    assert_eq!(c.checks(), Vec::<String>::new());
}
