//! What a chat client keeps and decides about one conversation, shared by
//! the widget and the agent app.
//!
//! [`ChatState`] is what it knows: the stored messages in order, the outbox
//! of its own unacknowledged sends, everyone's receipt watermarks, who is
//! typing, and from those the checkmarks and unread counts.
//! [`session::Session`] owns a `ChatState` together with everything that
//! depends on time and on the socket: typing pacing, ack timeouts, the
//! receipts already sent, and the [`link::Link`] with its backoff. Both are
//! pure (no clock, no randomness, no browser) and natively tested; the
//! [`machine`] module states how a shell drives them.
//!
//! With the `web` feature, `web` is that shell in the browser: a WebSocket
//! driver, client ids from `crypto`, and typed HTTP calls; [`rtc`] is a
//! call's media (microphone, camera, peer connection). With the `calls`
//! feature (on by default) `ChatState` keeps the conversation's call
//! ([`call::CallClient`]); the widget's main part turns it off.

pub mod call;
pub mod emoji;
pub mod files;
pub mod http;
pub mod link;
pub mod machine;
pub mod markup;
#[cfg(feature = "web")]
pub mod rtc;
pub mod session;
#[cfg(feature = "web")]
pub mod web;
pub mod wire;

use shared::frame::{
    ClientFrame, ConversationView, Message, Participant, ReceiptKind, SendKind, ServerFrame, Side,
    Watermark,
};
use shared::ids::{ClientMsgId, Seq};
use std::collections::BTreeMap;

/// The checkmark shown beside one of one's own messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Not yet acknowledged by the edge.
    Sending,
    /// The edge could not store it (or never answered): offer a retry.
    Failed,
    /// One check: stored at the edge.
    Stored,
    /// Two checks: on the other side's device.
    Delivered,
    /// Highlighted checks: the other side has seen it.
    Read,
}

impl Check {
    /// How the check is read out by a screen reader and shown in a tooltip.
    pub fn label(self) -> &'static str {
        match self {
            Check::Sending => "Sending",
            Check::Failed => "Not sent",
            Check::Stored => "Sent",
            Check::Delivered => "Delivered",
            Check::Read => "Read",
        }
    }
}

/// One of one's own sends not yet seen stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The id it is sent with, on every retry.
    pub client_id: ClientMsgId,
    /// The text.
    pub text: String,
    /// A message, a note or a whisper.
    pub kind: SendKind,
    /// True after `store_failed`, a refusal, or a timeout.
    pub failed: bool,
    /// Why it failed, for people.
    pub error: Option<String>,
}

/// One line of the conversation as a client draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A stored message.
    Stored(&'a Message),
    /// One of one's own messages not stored yet.
    Pending(&'a Pending),
}

/// Everything a client knows about one conversation.
#[derive(Clone, Debug, Default)]
pub struct ChatState {
    me: Option<Participant>,
    conversation: Option<ConversationView>,
    messages: BTreeMap<Seq, Message>,
    outbox: Vec<Pending>,
    watermarks: BTreeMap<String, Watermark>,
    typing: BTreeMap<String, Participant>,
    synced: bool,
    /// Where the conversation waits, as last pushed: (position, estimated
    /// wait in ms); `None` when not waiting.
    queue: Option<(usize, i64)>,
    /// The conversation's call ([`call::CallClient`]).
    call: call::CallClient,
}

impl ChatState {
    /// An empty state, before the first `welcome`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The conversation's call, as this client knows it.
    pub fn call(&self) -> &call::CallClient {
        &self.call
    }

    /// The call, to drain its events or tell it of the peer connection.
    pub fn call_mut(&mut self) -> &mut call::CallClient {
        &mut self.call
    }

    /// The frame a press on a call control sends, if any (none without
    /// the `calls` feature).
    pub fn call_action(&mut self, action: call::CallAction) -> Option<ClientFrame> {
        #[cfg(feature = "calls")]
        return self.call.action(self.me.as_ref(), action);
        #[cfg(not(feature = "calls"))]
        {
            let _ = action;
            None
        }
    }

    /// Who the server takes this client to be, once welcomed.
    pub fn me(&self) -> Option<&Participant> {
        self.me.as_ref()
    }

    /// The conversation's state, once welcomed.
    pub fn conversation(&self) -> Option<&ConversationView> {
        self.conversation.as_ref()
    }

    /// Where the conversation waits in its queue (1 = next) and the
    /// estimated wait in milliseconds, as the server last pushed it; `None`
    /// when it is not waiting.
    pub fn queue_position(&self) -> Option<(usize, i64)> {
        self.queue
    }

    /// The highest sequence number held.
    pub fn last_seq(&self) -> Seq {
        self.messages.keys().next_back().copied().unwrap_or(0)
    }

    /// True between a `welcome` and the next disconnect.
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// The stored messages, in order.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.values()
    }

    /// Stored messages then pending sends, in the order to draw them.
    pub fn lines(&self) -> Vec<Line<'_>> {
        let mut lines: Vec<Line<'_>> = self.messages.values().map(Line::Stored).collect();
        lines.extend(self.outbox.iter().map(Line::Pending));
        lines
    }

    /// The first frame to send on a new socket.
    pub fn hello(&self) -> ClientFrame {
        ClientFrame::Hello {
            version: shared::PROTOCOL_VERSION,
            last_seq: self.last_seq(),
        }
    }

    /// The socket closed: everything pending is re-sent after the next
    /// `welcome`.
    pub fn disconnected(&mut self) {
        self.synced = false;
        self.typing.clear();
    }

    /// Queues a new message (or an agent's note or whisper) and returns the
    /// frame to send now (if connected).
    pub fn compose(&mut self, client_id: ClientMsgId, text: String, kind: SendKind) -> ClientFrame {
        self.outbox.push(Pending {
            client_id: client_id.clone(),
            text: text.clone(),
            kind,
            failed: false,
            error: None,
        });
        ClientFrame::Send {
            client_id,
            text,
            kind,
        }
    }

    /// Retries a failed send, with its original client id.
    pub fn retry(&mut self, client_id: &ClientMsgId) -> Option<ClientFrame> {
        let pending = self.outbox.iter_mut().find(|p| &p.client_id == client_id)?;
        pending.failed = false;
        pending.error = None;
        Some(ClientFrame::Send {
            client_id: pending.client_id.clone(),
            text: pending.text.clone(),
            kind: pending.kind,
        })
    }

    /// Marks every send still waiting for its ack as failed (no answer in
    /// time). A later ack still turns it into a stored message.
    pub fn fail_unacked(&mut self) {
        for p in self.outbox.iter_mut().filter(|p| !p.failed) {
            p.failed = true;
            p.error = Some("No answer from the server".into());
        }
    }

    /// True while some send waits for its ack.
    pub fn has_unacked(&self) -> bool {
        self.outbox.iter().any(|p| !p.failed)
    }

    /// How many sends wait for their ack.
    pub fn unacked(&self) -> usize {
        self.outbox.iter().filter(|p| !p.failed).count()
    }

    /// Applies a server frame and returns the frames to answer with: the
    /// re-sends after a resume. Receipts are asked for separately
    /// ([`ChatState::delivered_receipt`], [`ChatState::read_receipt`]): when
    /// to send them is the session's call.
    pub fn apply(&mut self, frame: ServerFrame) -> Vec<ClientFrame> {
        let mut replies = Vec::new();
        match frame {
            ServerFrame::Welcome {
                conversation,
                you,
                receipts,
                ..
            } => {
                self.conversation = Some(conversation);
                // One's own watermark moved as receipts went out; what the
                // edge stored is the truth (a receipt lost with a socket is
                // sent again).
                self.watermarks.remove(&you.id);
                self.me = Some(you);
                for w in receipts {
                    self.watermark(w);
                }
                self.synced = true;
                // Everything not yet acked goes out again, with its id: the
                // edge stores each client id once.
                for p in self.outbox.iter_mut() {
                    p.failed = false;
                    p.error = None;
                    replies.push(ClientFrame::Send {
                        client_id: p.client_id.clone(),
                        text: p.text.clone(),
                        kind: p.kind,
                    });
                }
            }
            ServerFrame::Message(message) => {
                if let Some(cid) = &message.client_id {
                    if self.is_mine(&message.author) {
                        self.outbox.retain(|p| &p.client_id != cid);
                    }
                }
                if message.author.side != Side::System {
                    self.typing.remove(&message.author.id);
                }
                self.messages.entry(message.seq).or_insert(message);
            }
            ServerFrame::Ack {
                client_id,
                seq,
                sent_at,
            } => {
                // The edge sends the sender an ack instead of the message: the
                // pending line becomes the stored message at `seq`.
                let at = self.outbox.iter().position(|p| p.client_id == client_id);
                if let (Some(at), Some(me)) = (at, self.me.clone()) {
                    let pending = self.outbox.remove(at);
                    // A whisper goes to the conversation's agent.
                    let to = (pending.kind == SendKind::Whisper)
                        .then(|| self.conversation.as_ref()?.assignee.clone())
                        .flatten();
                    self.messages.entry(seq).or_insert(Message {
                        seq,
                        client_id: Some(client_id),
                        author: me,
                        kind: pending.kind.stored(),
                        to,
                        text: pending.text,
                        sent_at,
                        attachment: None,
                    });
                }
            }
            ServerFrame::Receipt(w) => self.watermark(w),
            ServerFrame::Typing { who, active } => {
                if active {
                    self.typing.insert(who.id.clone(), who);
                } else {
                    self.typing.remove(&who.id);
                }
            }
            ServerFrame::State { conversation } => {
                if conversation.status != shared::frame::ConversationStatus::Queued {
                    self.queue = None;
                }
                self.conversation = Some(conversation);
            }
            ServerFrame::Queue {
                position,
                estimated_wait_ms,
            } => self.queue = (position > 0).then_some((position, estimated_wait_ms)),
            ServerFrame::Error {
                message,
                client_id: Some(cid),
                ..
            } => {
                if let Some(p) = self.outbox.iter_mut().find(|p| p.client_id == cid) {
                    p.failed = true;
                    p.error = Some(message);
                }
            }
            #[cfg(feature = "calls")]
            ServerFrame::Error { .. }
            | ServerFrame::Call { .. }
            | ServerFrame::CallOffer { .. }
            | ServerFrame::CallAnswer { .. }
            | ServerFrame::CallCandidate { .. }
            | ServerFrame::CallRejoin { .. } => self.call.apply(self.me.as_ref(), &frame),
            // Without the `calls` feature the call's frames are left to
            // whoever keeps the call (the widget's call module).
            #[cfg(not(feature = "calls"))]
            ServerFrame::Error { .. }
            | ServerFrame::Call { .. }
            | ServerFrame::CallOffer { .. }
            | ServerFrame::CallAnswer { .. }
            | ServerFrame::CallCandidate { .. }
            | ServerFrame::CallRejoin { .. } => {}
            ServerFrame::Pong { .. } => {}
        }
        replies
    }

    fn is_mine(&self, who: &Participant) -> bool {
        self.me.as_ref().is_some_and(|me| me.id == who.id)
    }

    /// This client told the edge `kind` up to `seq`: its own watermark
    /// moves at once (the edge sends a receipt to every socket but the one
    /// that said it; read implies delivered).
    pub fn own_receipt(&mut self, kind: ReceiptKind, seq: Seq) {
        let Some(me) = self.me.clone() else { return };
        let read = if kind == ReceiptKind::Read { seq } else { 0 };
        self.watermark(Watermark {
            participant: me,
            delivered: seq,
            read,
        });
    }

    fn watermark(&mut self, w: Watermark) {
        let entry = self
            .watermarks
            .entry(w.participant.id.clone())
            .or_insert_with(|| Watermark {
                participant: w.participant.clone(),
                delivered: 0,
                read: 0,
            });
        // Receipts may arrive out of order: keep the highest.
        entry.delivered = entry.delivered.max(w.delivered);
        entry.read = entry.read.max(w.read);
    }

    fn own_watermark(&self) -> (Seq, Seq) {
        self.me
            .as_ref()
            .and_then(|me| self.watermarks.get(&me.id))
            .map(|w| (w.delivered, w.read))
            .unwrap_or((0, 0))
    }

    /// The frame telling the edge this device now holds everything, if it
    /// did not say so already.
    pub fn delivered_receipt(&self) -> Option<ClientFrame> {
        let last = self.last_seq();
        (self.own_watermark().0 < self.last_from_others()).then_some(ClientFrame::Receipt {
            kind: ReceiptKind::Delivered,
            seq: last,
        })
    }

    /// The frame telling the edge the person has now seen everything, if it
    /// did not say so already. Send it while the conversation is on screen.
    pub fn read_receipt(&self) -> Option<ClientFrame> {
        let last = self.last_seq();
        (self.own_watermark().1 < self.last_from_others()).then_some(ClientFrame::Receipt {
            kind: ReceiptKind::Read,
            seq: last,
        })
    }

    /// The sequence number of the latest message written by someone else
    /// (0 before the welcome): one's own messages need no receipt.
    pub fn last_from_others(&self) -> Seq {
        if self.me.is_none() {
            return 0;
        }
        self.messages
            .values()
            .rev()
            .find(|m| m.author.side != Side::System && !self.is_mine(&m.author))
            .map_or(0, |m| m.seq)
    }

    /// Messages from other people after this client's read watermark.
    pub fn unread(&self) -> usize {
        let (_, read) = self.own_watermark();
        self.messages
            .range(read + 1..)
            .filter(|(_, m)| m.author.side != Side::System && !self.is_mine(&m.author))
            .count()
    }

    /// The checkmark of a stored message of one's own.
    pub fn check(&self, message: &Message) -> Check {
        let me = self.me.as_ref();
        let others = self.watermarks.values().filter(|w| {
            Some(w.participant.side) != me.map(|m| m.side) && w.participant.side != Side::System
        });
        let (mut delivered, mut read) = (0, 0);
        for w in others {
            delivered = delivered.max(w.delivered);
            read = read.max(w.read);
        }
        if read >= message.seq {
            Check::Read
        } else if delivered >= message.seq {
            Check::Delivered
        } else {
            Check::Stored
        }
    }

    /// The checkmark of a pending send.
    pub fn pending_check(pending: &Pending) -> Check {
        if pending.failed {
            Check::Failed
        } else {
            Check::Sending
        }
    }

    /// True when `message` was written by this client's participant.
    pub fn is_own(&self, message: &Message) -> bool {
        self.is_mine(&message.author)
    }

    /// The people typing now, other than oneself.
    pub fn typing(&self) -> Vec<&Participant> {
        self.typing.values().filter(|p| !self.is_mine(p)).collect()
    }
}
