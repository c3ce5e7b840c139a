//! One conversation as a client lives it: [`Session`] owns the
//! [`ChatState`], the socket's [`Link`] and backoff, typing pacing, ack
//! timeouts and the receipts already sent, and decides every frame the
//! client sends. Pure, in the str0m / quinn-proto style: time, socket
//! events, the person's actions and fresh message ids come in through
//! [`Session::handle`]; what to do comes out of [`Session::poll_output`]
//! (connect, transmit a frame, disconnect, a refusal to report), and
//! [`Session::poll_timeout`] says when to call back with
//! [`SocketEvent::Timeout`].
//!
//! Drain contract: a new session already holds [`Output::Connect`]; after
//! creating it and after every `handle`, drain `poll_output` until `None`
//! and re-arm the one timer for `poll_timeout`.
//!
//! Rules it keeps:
//! - Frames other than `hello` go out only once the socket is greeted
//!   (`welcome`); sends made before that wait in the outbox and go out,
//!   with their ids, after the welcome.
//! - Receipts wait until the replay after a welcome has caught up (so a
//!   resume costs one receipt, not one a message), go out at most once per
//!   [`RECEIPT_PACE_MS`] on a socket (the first at once, a burst's later
//!   messages in one receipt when that time has passed), read only while
//!   the person sees the conversation (read implies delivered: one receipt,
//!   never both), and for an agent only once the conversation is assigned
//!   to them: a preview never moves the visitor's checkmarks. A receipt
//!   moves the client's own watermark as it goes out (the edge does not
//!   send it back to the socket that said it).
//! - `typing: true` at most every 3 s while typing, `typing: false` after
//!   4 s without a keystroke, at a send, or when the draft empties.
//! - Sends still unacknowledged 8 s after the wait began (or after the last
//!   answer to one of them) are failed, only while the socket is open.

mod pacing;

pub use pacing::{ACK_TIMEOUT_MS, RECEIPT_PACE_MS, TYPING_IDLE_MS, TYPING_REPEAT_MS};

use crate::link::{Connection, Link};
use crate::machine::{Machine, Millis, Output, SocketEvent};
use crate::ChatState;
use pacing::{AckTimer, Typing};
use shared::frame::{ClientFrame, ConversationStatus, ServerFrame};
use shared::ids::{ClientMsgId, Seq};
use std::collections::VecDeque;

/// Which side of the conversation this client is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The visitor: receipts as soon as the replay has caught up.
    Visitor,
    /// An agent: receipts only while the conversation is assigned to them.
    Agent,
}

/// Something that happened to a session.
// An input is moved once into `handle` and never stored: boxing the large
// frame would only add an allocation per frame.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The socket opened, a frame arrived, it closed, or the deadline came.
    Socket(SocketEvent<ServerFrame>),
    /// The person sends `text`; `client_id` is fresh (the shell draws it
    /// from the browser's `crypto`).
    Compose {
        /// A new id, unique for this author.
        client_id: ClientMsgId,
        /// The text, already checked.
        text: String,
        /// A message, or an agent's note or whisper.
        kind: shared::frame::SendKind,
    },
    /// Send a failed message again, with its original id.
    Retry(ClientMsgId),
    /// The draft changed; `empty` when nothing is left in it.
    Typed {
        /// True when the draft is empty now.
        empty: bool,
    },
    /// The person left the conversation: they stopped typing.
    StopTyping,
    /// Whether the person sees the conversation now (on screen, in a
    /// visible tab): read receipts go out only while they do.
    Viewing(bool),
    /// The visitor ends the chat ("End chat").
    End,
    /// An upload's HTTP answer: the stored message carrying the file (its
    /// `message` frame may come on the socket too; it is the same line).
    Stored(shared::frame::Message),
    /// A call control was pressed, or the media layer has an offer, an
    /// answer or a candidate to send ([`crate::call`]).
    Call(crate::call::CallAction),
    /// Close the socket for good (sign out, a new conversation).
    Stop,
}

/// Receipts sent on the current socket, and their pace.
#[derive(Clone, Copy, Debug, Default)]
struct Sent {
    delivered: Seq,
    read: Seq,
    /// When the last one went out.
    at: Option<Millis>,
    /// When the next may go out, while one waits for its turn.
    due: Option<Millis>,
}

/// One conversation of one client. See the module docs.
#[derive(Clone, Debug)]
pub struct Session {
    party: Party,
    state: ChatState,
    connection: Connection,
    typing: Typing,
    acks: AckTimer,
    sent: Sent,
    /// The `last_seq` of the latest welcome, until the replay reaches it or
    /// a live frame shows it is over.
    replay_until: Seq,
    viewing: bool,
    /// The time of the input being handled.
    now: Millis,
    out: VecDeque<Output<ClientFrame>>,
}

impl Session {
    /// A session with nothing known yet; it asks for a socket at once.
    pub fn new(party: Party) -> Self {
        Self::with_state(party, ChatState::new())
    }

    /// A session that starts from `state` (a new conversation that carries
    /// the unsent messages of an old one); it asks for a socket at once.
    pub fn with_state(party: Party, state: ChatState) -> Self {
        Session {
            party,
            state,
            connection: Connection::new(),
            typing: Typing::default(),
            acks: AckTimer::default(),
            sent: Sent::default(),
            replay_until: 0,
            viewing: false,
            now: 0,
            out: VecDeque::from([Output::Connect]),
        }
    }

    /// What is known of the conversation.
    pub fn state(&self) -> &ChatState {
        &self.state
    }

    /// What is known of the conversation, to drain its call's events
    /// (`state_mut().call_mut().poll_event()`) and tell it of the peer
    /// connection. Sends go through [`Session::handle`], never through
    /// this.
    pub fn state_mut(&mut self) -> &mut ChatState {
        &mut self.state
    }

    /// Where the socket is.
    pub fn link(&self) -> Link {
        self.connection.link()
    }

    /// True once the socket is greeted and the replay after its welcome is
    /// in: from then on every message that arrives is new (the agent app
    /// alerts only for those).
    pub fn caught_up(&self) -> bool {
        self.connection.is_open() && self.state.last_seq() >= self.replay_until
    }

    /// Feeds one input at `now`. Drain [`Session::poll_output`] after it.
    pub fn handle(&mut self, now: Millis, input: Input) {
        self.now = now;
        let before = self.waiting();
        match input {
            Input::Socket(event) => self.on_event(now, event),
            Input::Compose {
                client_id,
                text,
                kind,
            } => {
                let frame = self.state.compose(client_id, text, kind);
                self.transmit(frame);
                self.stop_typing();
            }
            Input::Retry(client_id) => {
                if let Some(frame) = self.state.retry(&client_id) {
                    self.transmit(frame);
                }
            }
            Input::Typed { empty: true } | Input::StopTyping => self.stop_typing(),
            Input::Typed { empty: false } => {
                if self.typing.input(now) && self.connection.is_open() {
                    self.typing.said(now);
                    self.transmit(ClientFrame::Typing { active: true });
                }
            }
            Input::Viewing(viewing) => {
                self.viewing = viewing;
                self.receipts();
            }
            Input::End => self.transmit(ClientFrame::End),
            Input::Call(action) => {
                if let Some(frame) = self.state.call_action(action) {
                    self.transmit(frame);
                }
            }
            Input::Stored(message) => {
                let _ = self.state.apply(ServerFrame::Message(message));
            }
            Input::Stop => {
                if self.connection.stop() {
                    self.out.push_back(Output::Disconnect);
                }
                self.lost();
            }
        }
        let waiting = self.waiting();
        self.acks.observe(now, before, waiting);
    }

    /// The next thing to do; `None` once drained.
    pub fn poll_output(&mut self) -> Option<Output<ClientFrame>> {
        self.out.pop_front()
    }

    /// When to be called back with [`SocketEvent::Timeout`], if ever.
    pub fn poll_timeout(&self) -> Option<Millis> {
        [
            self.connection.poll_timeout(),
            self.typing.poll_timeout(),
            self.acks.poll_timeout(),
            self.sent.due.filter(|_| self.connection.is_open()),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn on_event(&mut self, now: Millis, event: SocketEvent<ServerFrame>) {
        let live = matches!(self.link(), Link::Connecting | Link::Open);
        match event {
            // A late event of a socket closed for good changes nothing.
            SocketEvent::Opened | SocketEvent::Received(_) if !live => {}
            SocketEvent::Opened => {
                self.sent = Sent::default();
                self.out.push_back(Output::Transmit(self.state.hello()));
            }
            SocketEvent::Received(frame) => self.on_frame(frame),
            SocketEvent::Closed { code, jitter } => {
                if !live {
                    return;
                }
                self.lost();
                if let Some(reason) = self.connection.closed(now, code, jitter) {
                    self.out.push_back(Output::Refused(reason));
                }
            }
            SocketEvent::Timeout => {
                if self.connection.timeout(now) {
                    self.out.push_back(Output::Connect);
                }
                if self.typing.idle(now) {
                    self.transmit(ClientFrame::Typing { active: false });
                }
                if self.acks.expired(now) && self.connection.is_open() {
                    self.state.fail_unacked();
                }
                if self.sent.due.is_some_and(|due| now >= due) {
                    self.sent.due = None;
                    self.receipts();
                }
            }
        }
    }

    fn on_frame(&mut self, frame: ServerFrame) {
        let welcome = match &frame {
            ServerFrame::Welcome { last_seq, .. } => {
                self.replay_until = *last_seq;
                true
            }
            ServerFrame::Message(_) => false,
            // Anything else is live: the replay is over, even if the welcome
            // counted a message this client is not sent.
            _ => {
                self.replay_until = 0;
                false
            }
        };
        let resends = self.state.apply(frame);
        if welcome {
            self.connection.greeted();
        }
        for frame in resends {
            self.transmit(frame);
        }
        self.receipts();
    }

    /// The socket is gone (closed or stopped).
    fn lost(&mut self) {
        self.state.disconnected();
        self.typing.forget();
    }

    fn stop_typing(&mut self) {
        if self.typing.stop() {
            self.transmit(ClientFrame::Typing { active: false });
        }
    }

    /// Sends a frame if the socket is greeted; otherwise it is dropped
    /// (sends stay in the outbox and go out after the next welcome).
    fn transmit(&mut self, frame: ClientFrame) {
        if self.connection.is_open() {
            self.out.push_back(Output::Transmit(frame));
        }
    }

    /// Sends that wait for an ack on an open socket.
    fn waiting(&self) -> usize {
        if self.connection.is_open() {
            self.state.unacked()
        } else {
            0
        }
    }

    /// Sends the receipt that is due, if its turn has come (else asks to
    /// be called back when it has).
    fn receipts(&mut self) {
        let replaying = self.state.last_seq() < self.replay_until;
        if !self.connection.is_open() || replaying || !self.may_acknowledge() {
            return;
        }
        let others = self.state.last_from_others();
        // Read implies delivered, at the server too: one receipt says both.
        let frame = if self.viewing && self.sent.read < others {
            self.state.read_receipt()
        } else if self.sent.delivered < others {
            self.state.delivered_receipt()
        } else {
            None
        };
        let Some(ClientFrame::Receipt { kind, seq }) = frame else {
            return;
        };
        if let Some(at) = self.sent.at {
            let turn = at + RECEIPT_PACE_MS;
            if self.now < turn {
                self.sent.due = Some(turn);
                return;
            }
        }
        self.sent.due = None;
        self.sent.at = Some(self.now);
        self.sent.delivered = self.sent.delivered.max(seq);
        if kind == shared::frame::ReceiptKind::Read {
            self.sent.read = seq;
        }
        self.state.own_receipt(kind, seq);
        self.transmit(ClientFrame::Receipt { kind, seq });
    }

    /// An agent acknowledges only a conversation assigned to them.
    fn may_acknowledge(&self) -> bool {
        match self.party {
            Party::Visitor => true,
            Party::Agent => {
                let (Some(me), Some(c)) = (self.state.me(), self.state.conversation()) else {
                    return false;
                };
                matches!(
                    c.status,
                    ConversationStatus::Active | ConversationStatus::OnHold
                ) && c.assignee.as_ref().is_some_and(|a| a.id == me.id)
            }
        }
    }
}

impl Machine for Session {
    type Frame = ServerFrame;
    type Sent = ClientFrame;

    fn on_socket(&mut self, now: Millis, event: SocketEvent<ServerFrame>) {
        self.handle(now, Input::Socket(event));
    }

    fn poll_output(&mut self) -> Option<Output<ClientFrame>> {
        Session::poll_output(self)
    }

    fn poll_timeout(&self) -> Option<Millis> {
        Session::poll_timeout(self)
    }
}
