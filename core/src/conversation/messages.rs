//! Messages and receipts: what a send stores and relays, the lines the
//! product writes, and the delivered and read watermarks.

use super::{
    check_text, Admitted, Attached, ConnId, ConnState, Conversation, Output, Record, Upload,
};
use shared::files::Attachment;
use shared::frame::{
    Audience, ConversationStatus, ErrorCode, Message, MessageKind, Participant, ReceiptKind,
    SendKind, ServerFrame, Side, Watermark,
};
use shared::ids::{ClientMsgId, Seq};
use std::collections::VecDeque;

impl Conversation {
    pub(super) fn attach(&mut self, now: i64, upload: Upload, attachment: Attachment) {
        let state = match self.uploader(&upload) {
            Ok(state) => state,
            Err(r) => {
                self.out.push_back(Output::Attached(Err(r)));
                return;
            }
        };
        self.message(
            now,
            None,
            state,
            upload.client_id,
            upload.text,
            upload.kind,
            Some(attachment),
        );
    }

    /// A message sent on socket `conn`, or uploaded over HTTP (`None`,
    /// answered with [`Output::Attached`]).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn message(
        &mut self,
        now: i64,
        conn: Option<ConnId>,
        state: ConnState,
        client_id: ClientMsgId,
        text: String,
        kind: SendKind,
        attachment: Option<Attachment>,
    ) {
        let who = state.who.clone();
        let admitted = self
            .admit(&state, &client_id, kind)
            .and_then(|a| check_text(&text, attachment.is_some()).map(|()| a));
        let to = match admitted {
            Ok(Admitted::New { to }) => to,
            Ok(Admitted::Again { seq, sent_at }) => {
                // A retry of something already stored: acknowledge it again.
                match conn {
                    Some(conn) => self.send(
                        conn,
                        ServerFrame::Ack {
                            client_id,
                            seq,
                            sent_at,
                        },
                    ),
                    None => self
                        .out
                        .push_back(Output::Attached(Ok(Attached::Again { seq }))),
                }
                return;
            }
            Err(r) => {
                match conn {
                    Some(conn) => self.send(
                        conn,
                        ServerFrame::Error {
                            code: r.code,
                            message: r.message,
                            client_id: Some(client_id),
                        },
                    ),
                    None => self.out.push_back(Output::Attached(Err(r))),
                }
                return;
            }
        };
        let seq = self.last_seq + 1;
        let message = Message {
            seq,
            client_id: Some(client_id.clone()),
            author: who.clone(),
            kind: kind.stored(),
            to,
            text,
            sent_at: now,
            attachment,
        };
        self.last_seq = seq;
        self.client_ids
            .insert((who.id.clone(), client_id.clone()), (seq, now));
        self.saw(&message);
        let ack = |out: &mut VecDeque<Output>, message: &Message| match conn {
            Some(conn) => out.push_back(Output::Send {
                conn,
                frame: ServerFrame::Ack {
                    client_id: client_id.clone(),
                    seq,
                    sent_at: now,
                },
            }),
            None => out.push_back(Output::Attached(Ok(Attached::New(Box::new(
                message.clone(),
            ))))),
        };
        // The others get the message before its author gets the ack: both
        // follow the store, and the others are who waits for it.
        if kind != SendKind::Text {
            self.out
                .push_back(Output::Store(Record::Message(message.clone())));
            let mut acked = VecDeque::with_capacity(1);
            ack(&mut acked, &message);
            self.broadcast_message(conn, message);
            self.out.extend(acked);
            return;
        }
        self.last_author = Some(who.id.clone());
        self.out
            .push_back(Output::Store(Record::Message(message.clone())));
        let first_visitor_message = who.side == Side::Visitor
            && self
                .meta
                .as_ref()
                .is_some_and(|m| m.view.status == ConversationStatus::New);
        // (the store above precedes every frame that reports it)
        if first_visitor_message {
            if let Some(meta) = self.meta.as_mut() {
                meta.view.status = ConversationStatus::Queued;
                let preview = match (&message.attachment, message.text.trim().is_empty()) {
                    (Some(a), true) => &a.name,
                    _ => &message.text,
                };
                meta.preview = preview.chars().take(140).collect();
                meta.queued_at = now;
                let meta = meta.clone();
                self.out.push_back(Output::Store(Record::Meta(meta)));
            }
        }
        let mut acked = VecDeque::with_capacity(1);
        ack(&mut acked, &message);
        // Everyone else gets the message; the sending socket has the ack.
        self.broadcast_message(conn, message);
        self.out.extend(acked);
        if first_visitor_message {
            self.broadcast_state();
            self.announce(now);
        }
        let held = self
            .meta
            .as_ref()
            .is_some_and(|m| m.view.status == ConversationStatus::OnHold);
        if who.side == Side::Visitor && held {
            if let Some(summary) = self.summary() {
                self.out.push_back(Output::Reroute(summary));
            }
        }
    }
    pub(super) fn receipt(&mut self, conn: ConnId, who: Participant, kind: ReceiptKind, seq: Seq) {
        // The visitor's checkmarks move for the agent working the chat
        // only, not for a colleague previewing or a supervisor reading.
        let assigned = self
            .meta
            .as_ref()
            .and_then(|m| m.view.assignee.as_ref())
            .is_some_and(|a| a.id == who.id);
        if who.side == Side::Agent && !assigned {
            self.send(
                conn,
                ServerFrame::error(
                    ErrorCode::Forbidden,
                    "only the agent working this chat sends receipts",
                ),
            );
            return;
        }
        // A visitor's watermark stops at the last line they may see.
        let last = match who.side {
            Side::Visitor => self.last_visitor_seq,
            _ => self.last_seq,
        };
        let seq = seq.min(last);
        let current = self.watermarks.get(&who.id).cloned().unwrap_or(Watermark {
            participant: who.clone(),
            delivered: 0,
            read: 0,
        });
        let mut next = current.clone();
        match kind {
            ReceiptKind::Delivered => next.delivered = next.delivered.max(seq),
            ReceiptKind::Read => {
                next.read = next.read.max(seq);
                next.delivered = next.delivered.max(next.read);
            }
        }
        if next == current {
            return;
        }
        self.watermarks.insert(who.id.clone(), next.clone());
        self.out
            .push_back(Output::Store(Record::Watermark(next.clone())));
        // The sending socket knows what it said (its client applies its own
        // receipt): every other socket gets the watermark, encoded once.
        let conns: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(id, c)| c.ready && **id != conn)
            .map(|(id, _)| *id)
            .collect();
        if !conns.is_empty() {
            self.out.push_back(Output::Broadcast {
                conns,
                frame: ServerFrame::Receipt(next),
            });
        }
    }

    pub(super) fn system_line(&mut self, now: i64, text: String) {
        self.product_line(now, MessageKind::System, text);
    }

    /// A line for agents only: stored and sent to agents' sockets, never
    /// to the visitor's.
    pub(crate) fn internal_line(&mut self, now: i64, text: String) {
        self.product_line(now, MessageKind::Internal, text);
    }

    fn product_line(&mut self, now: i64, kind: MessageKind, text: String) {
        let seq = self.last_seq + 1;
        self.last_seq = seq;
        let message = Message {
            seq,
            client_id: None,
            author: Participant {
                side: Side::System,
                id: "system".into(),
                name: String::new(),
            },
            kind,
            to: None,
            text,
            sent_at: now,
            attachment: None,
        };
        self.saw(&message);
        self.out
            .push_back(Output::Store(Record::Message(message.clone())));
        self.broadcast_message(None, message);
    }

    /// Moves the watermarks of what each audience may read.
    fn saw(&mut self, message: &Message) {
        match message.kind.audience() {
            Audience::Everyone => {
                self.last_visitor_seq = message.seq;
                self.last_agents_seq = message.seq;
            }
            Audience::Agents => self.last_agents_seq = message.seq,
            Audience::Whisper => self.whispers.push((
                message.seq,
                message.author.id.clone(),
                message.to.as_ref().map(|p| p.id.clone()),
            )),
        }
    }

    /// Sends a stored message to every ready socket that may read it, but
    /// `except` (the sender's, which has its ack).
    fn broadcast_message(&mut self, except: Option<ConnId>, message: Message) {
        let conns: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(id, c)| c.ready && Some(**id) != except && c.may_read(&message))
            .map(|(id, _)| *id)
            .collect();
        if !conns.is_empty() {
            self.out.push_back(Output::Broadcast {
                conns,
                frame: ServerFrame::Message(message),
            });
        }
    }
}
