//! Frames of the conversation socket: what a visitor or an agent sends to a
//! conversation, and what the conversation sends back. Every frame is a JSON
//! object tagged by `"type"`.

use crate::ids::{ClientMsgId, ConversationId, Seq};
use serde::{Deserialize, Serialize};

/// A frame from a client (visitor widget or agent app) to a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame on every socket. `last_seq` is the highest sequence number
    /// the client has seen (0 on a first visit); the server answers with
    /// [`ServerFrame::Welcome`] and then every message after `last_seq`.
    Hello {
        /// The protocol version the client speaks.
        version: u32,
        /// Highest sequence number already seen by this client.
        last_seq: Seq,
    },
    /// A new message. Answered with [`ServerFrame::Ack`] once stored, or
    /// [`ServerFrame::Error`] carrying the same `client_id`.
    Send {
        /// Picked by the client, unique per author; a retry reuses it.
        client_id: ClientMsgId,
        /// The message text, at most [`crate::MAX_TEXT_CHARS`] characters.
        text: String,
        /// A message to the conversation (the default), or an agent's
        /// internal note or a supervisor's whisper, which no visitor ever
        /// receives.
        #[serde(default, skip_serializing_if = "SendKind::is_text")]
        kind: SendKind,
    },
    /// The client's watermark moved: everything up to `seq` has been
    /// delivered to (or read on) this device. Watermarks never go back; a
    /// lower value than the stored one is ignored.
    Receipt {
        /// Which watermark moved.
        kind: ReceiptKind,
        /// The new watermark.
        seq: Seq,
    },
    /// The author started or stopped typing.
    Typing {
        /// True while typing.
        active: bool,
    },
    /// The visitor ends the chat ("End chat"); it closes for the agent too.
    /// Agents close through the HTTP API, with a comment.
    End,
    /// Keep-alive; answered with [`ServerFrame::Pong`].
    Ping {
        /// Echoed back in the pong.
        #[serde(default)]
        nonce: u64,
    },
    /// The assigned agent starts a call ([`crate::call`]); answered
    /// with a `call` frame (ringing) or an error.
    CallStart {
        /// Audio, or audio and video.
        kind: crate::call::CallKind,
    },
    /// The visitor accepts the ringing call.
    CallAccept {
        /// The call.
        call_id: String,
    },
    /// The visitor declines the ringing call.
    CallDecline {
        /// The call.
        call_id: String,
    },
    /// Either participant ends the call (the agent may cancel it while it
    /// rings).
    CallEnd {
        /// The call.
        call_id: String,
        /// Why, when it is not a plain "End call".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<crate::call::CallEndReason>,
    },
    /// The agent's SDP offer, relayed to the visitor's socket in the call.
    CallOffer {
        /// The call.
        call_id: String,
        /// At most [`crate::call::MAX_SDP_BYTES`].
        sdp: String,
    },
    /// The visitor's SDP answer, relayed to the agent's socket in the call.
    CallAnswer {
        /// The call.
        call_id: String,
        /// At most [`crate::call::MAX_SDP_BYTES`].
        sdp: String,
    },
    /// An ICE candidate, relayed to the call's other participant.
    CallCandidate {
        /// The call.
        call_id: String,
        /// The candidate.
        candidate: crate::call::IceCandidate,
    },
    /// A participant mutes, unmutes or turns their camera off or on: the
    /// call's state says so to every socket.
    CallMedia {
        /// The call.
        call_id: String,
        /// What they send now.
        media: crate::call::MediaState,
    },
}

/// What a [`ClientFrame::Send`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendKind {
    /// A message to the conversation, which its visitor reads.
    #[default]
    Text,
    /// An internal note: the conversation's agents and supervisors read it,
    /// its visitor never does.
    Note,
    /// A supervisor's note to the agent working the conversation: only that
    /// agent and supervisors read it.
    Whisper,
}

impl SendKind {
    /// True for a message to the conversation (left out of frames).
    pub fn is_text(&self) -> bool {
        *self == Self::Text
    }

    /// The kind of the stored message.
    pub fn stored(self) -> MessageKind {
        match self {
            Self::Text => MessageKind::Text,
            Self::Note => MessageKind::Note,
            Self::Whisper => MessageKind::Whisper,
        }
    }
}

/// The kind of a receipt watermark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// Messages reached the device.
    Delivered,
    /// Messages were shown to the person.
    Read,
}

/// Who someone is in a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The visitor (contact).
    Visitor,
    /// An agent, manager or admin.
    Agent,
    /// The product itself (system lines).
    System,
}

/// A person (or the system) taking part in a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Participant {
    /// Which side they are on.
    pub side: Side,
    /// Their id: a visitor id, an agent id, or `"system"`.
    pub id: String,
    /// The name shown to the other side.
    pub name: String,
}

/// What a stored message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Written by a visitor or an agent.
    Text,
    /// A line written by the product about the conversation ("Anna took the
    /// chat").
    System,
    /// A line for the workspace's agents only (a forward's comment): never
    /// sent to a visitor, live or replayed.
    Internal,
    /// An agent's internal note: for the conversation's agents and
    /// supervisors only, never sent to a visitor by any path.
    Note,
    /// A supervisor's whisper to the agent named in `to`: only that agent
    /// and supervisors get it.
    Whisper,
}

impl MessageKind {
    /// Who may read a message of this kind.
    pub fn audience(self) -> Audience {
        match self {
            Self::Text | Self::System => Audience::Everyone,
            Self::Internal | Self::Note => Audience::Agents,
            Self::Whisper => Audience::Whisper,
        }
    }
}

/// Who may read a stored message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Audience {
    /// The visitor and every agent who may open the conversation.
    Everyone,
    /// Agents only, never the visitor.
    Agents,
    /// The agent it is addressed to and supervisors only.
    Whisper,
}

impl Audience {
    /// Its number in storage (0, 1, 2: each one narrower).
    pub fn code(self) -> i64 {
        match self {
            Self::Everyone => 0,
            Self::Agents => 1,
            Self::Whisper => 2,
        }
    }
}

/// A stored message, as both sides see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    /// Position in the conversation; strictly increasing, no gaps.
    pub seq: Seq,
    /// The id the author's client picked; absent on system lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientMsgId>,
    /// Who wrote it.
    pub author: Participant,
    /// Text, system line, note or whisper.
    pub kind: MessageKind,
    /// For a whisper: the agent it is addressed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Participant>,
    /// The text, exactly as written: clients render it as text, never HTML.
    /// With an attachment it is the file's caption, and may be empty.
    pub text: String,
    /// When the edge stored it, in milliseconds since the Unix epoch.
    pub sent_at: i64,
    /// The file the message carries, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<crate::files::Attachment>,
}

/// Where a conversation is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Created, no message yet: nobody else sees it.
    New,
    /// Waiting in a department's queue.
    Queued,
    /// Assigned to an agent.
    Active,
    /// Put on hold by its agent.
    OnHold,
    /// Ended.
    Closed,
    /// A status this build does not know (sent by a newer server).
    #[serde(other)]
    Unknown,
}

/// The state of a conversation as its participants see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationView {
    /// Its id.
    pub id: ConversationId,
    /// Where it is in its life.
    pub status: ConversationStatus,
    /// The department whose queue it belongs to.
    pub department: String,
    /// The visitor.
    pub visitor: Participant,
    /// The agent working it, once taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Participant>,
    /// Agents invited to the conversation (`/invite`): they write in it
    /// beside its agent, who stays its owner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Participant>,
}

/// A participant's receipt watermarks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// Whose device.
    pub participant: Participant,
    /// Every message up to this one reached their device.
    pub delivered: Seq,
    /// Every message up to this one was shown to them.
    pub read: Seq,
}

/// A frame from a conversation to a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to [`ClientFrame::Hello`]; the missed messages follow it, in
    /// order, as [`ServerFrame::Message`] frames.
    Welcome {
        /// The protocol version the server speaks.
        version: u32,
        /// The conversation's state.
        conversation: ConversationView,
        /// Who the server takes this client to be.
        you: Participant,
        /// The highest stored sequence number.
        last_seq: Seq,
        /// Every participant's watermarks.
        receipts: Vec<Watermark>,
    },
    /// A stored message, new or replayed.
    Message(Message),
    /// The message with `client_id` is stored as `seq` (one check). Sent to
    /// the sending socket only, instead of the message itself: the client
    /// holds the text and now knows where it stands. A retried send is acked
    /// again with the same `seq` and `sent_at`.
    Ack {
        /// The id the client picked.
        client_id: ClientMsgId,
        /// Where it was stored.
        seq: Seq,
        /// When it was stored, in milliseconds since the Unix epoch.
        sent_at: i64,
    },
    /// A participant's watermark moved.
    Receipt(Watermark),
    /// Someone started or stopped typing.
    Typing {
        /// Who.
        who: Participant,
        /// True while typing.
        active: bool,
    },
    /// The conversation's state changed (taken, closed, ...).
    State {
        /// The new state.
        conversation: ConversationView,
    },
    /// Something the client sent was refused. The socket stays open unless a
    /// close frame follows.
    Error {
        /// Stable, documented code.
        code: ErrorCode,
        /// A sentence for people.
        message: String,
        /// The message this error is about, when it is about a send.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<ClientMsgId>,
    },
    /// Answer to [`ClientFrame::Ping`].
    Pong {
        /// The ping's nonce.
        nonce: u64,
    },
    /// Where the visitor's conversation waits in its queue, pushed to the
    /// visitor whenever it moves (and once after `welcome` while queued).
    /// `position` 0: no longer waiting.
    Queue {
        /// 1 = next; 0 when not waiting.
        position: usize,
        /// Estimated wait, in milliseconds.
        estimated_wait_ms: i64,
    },
    /// A call's state changed (or, after `welcome`, the conversation's
    /// current call). Every socket gets it; the call's participants also
    /// get its ICE servers.
    Call {
        /// The call.
        call: crate::call::CallState,
        /// For `RTCPeerConnection`: only to the call's two participants.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ice_servers: Option<Vec<crate::call::IceServer>>,
    },
    /// The agent's SDP offer (to the visitor in the call).
    CallOffer {
        /// The call.
        call_id: String,
        /// The SDP.
        sdp: String,
    },
    /// The visitor's SDP answer (to the agent in the call).
    CallAnswer {
        /// The call.
        call_id: String,
        /// The SDP.
        sdp: String,
    },
    /// The other participant's ICE candidate.
    CallCandidate {
        /// The call.
        call_id: String,
        /// The candidate.
        candidate: crate::call::IceCandidate,
    },
    /// To the agent in a connected call: the visitor's side came back on a
    /// new socket; offer again (an ICE restart) to rejoin.
    CallRejoin {
        /// The call.
        call_id: String,
    },
}

/// Stable error codes, shared by socket frames and HTTP error bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not JSON, or a known frame with missing or mistyped fields.
    BadFrame,
    /// The frame's `type` is not one this server knows.
    UnknownFrame,
    /// The frame or the request body is larger than allowed.
    TooLarge,
    /// The message text is empty or too long, or the client id is not valid.
    InvalidMessage,
    /// The client's protocol version is not supported.
    UnsupportedVersion,
    /// A frame other than `hello` arrived before `hello`.
    NotReady,
    /// No token, or a token that is not valid.
    Unauthorized,
    /// The token is valid but does not allow this.
    Forbidden,
    /// No such conversation, site or resource.
    NotFound,
    /// The conversation is closed; nothing more can be sent to it.
    ConversationClosed,
    /// Another agent took the conversation first.
    AlreadyTaken,
    /// The edge could not store the message; retrying is safe.
    StoreFailed,
    /// Wrong email or password.
    BadCredentials,
    /// The request body is not what the endpoint expects.
    BadRequest,
    /// Something went wrong at the edge; retrying is safe.
    Internal,
    /// The request's `Origin` is not one the site allows (or, without an
    /// `Origin`, the site's secret is missing or wrong).
    OriginNotAllowed,
    /// The conversation is still open (a rating waits for its close).
    ConversationOpen,
    /// Too many requests of this kind.
    TooManyRequests,
    /// The workspace's queue is full: no new conversation starts until
    /// it shortens.
    QueueFull,
    /// The name is already in use (a workspace slug at sign-up).
    Conflict,
    /// Calls are turned off for this workspace, site or department.
    CallsOff,
    /// The conversation already has a call ringing or running.
    CallBusy,
    /// No such call is ringing or running (ended, or another call's id).
    NoCall,
    /// A code this build does not know (sent by a newer server).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status this code is answered with on the HTTP API.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadFrame
            | Self::UnknownFrame
            | Self::InvalidMessage
            | Self::BadRequest
            | Self::NotReady
            | Self::UnsupportedVersion => 400,
            Self::Unauthorized | Self::BadCredentials => 401,
            Self::Forbidden | Self::OriginNotAllowed => 403,
            Self::NotFound => 404,
            Self::ConversationClosed
            | Self::AlreadyTaken
            | Self::ConversationOpen
            | Self::Conflict
            | Self::CallBusy
            | Self::NoCall => 409,
            Self::CallsOff => 403,
            Self::TooManyRequests | Self::QueueFull => 429,
            Self::TooLarge => 413,
            Self::StoreFailed | Self::Internal | Self::Unknown => 500,
        }
    }
}

/// Why a client frame could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Longer than [`crate::MAX_FRAME_BYTES`].
    TooLarge(usize),
    /// Not JSON, or a known type with bad fields.
    Bad(String),
    /// A `type` this build does not know.
    UnknownType(String),
}

impl FrameError {
    /// The error code a server answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooLarge(_) => ErrorCode::TooLarge,
            Self::Bad(_) => ErrorCode::BadFrame,
            Self::UnknownType(_) => ErrorCode::UnknownFrame,
        }
    }

    /// A sentence for people.
    pub fn message(&self) -> String {
        match self {
            Self::TooLarge(n) => format!(
                "frame of {n} bytes is larger than the {} allowed",
                crate::MAX_FRAME_BYTES
            ),
            Self::Bad(e) => format!("malformed frame: {e}"),
            Self::UnknownType(t) => format!("unknown frame type {t:?}"),
        }
    }
}

const CLIENT_TYPES: &[&str] = &[
    "hello",
    "send",
    "receipt",
    "typing",
    "end",
    "ping",
    "call_start",
    "call_accept",
    "call_decline",
    "call_end",
    "call_offer",
    "call_answer",
    "call_candidate",
    "call_media",
];

impl ClientFrame {
    /// Reads a client frame from the text of a WebSocket message, telling a
    /// malformed frame from an unknown one.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        if text.len() > crate::MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge(text.len()));
        }
        if !text.trim_start().starts_with('{') {
            // serde would also read a tagged enum from an array.
            return Err(FrameError::Bad("a frame is a JSON object".into()));
        }
        match serde_json::from_str::<Self>(text) {
            Ok(frame) => Ok(frame),
            Err(err) => {
                let ty = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned));
                match ty {
                    Some(t) if !CLIENT_TYPES.contains(&t.as_str()) => {
                        Err(FrameError::UnknownType(t.chars().take(64).collect()))
                    }
                    _ => Err(FrameError::Bad(err.to_string())),
                }
            }
        }
    }
}

impl ServerFrame {
    /// An error frame about no particular message.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error {
            code,
            message: message.into(),
            client_id: None,
        }
    }

    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server frames contain no maps with non-string keys")
    }
}
