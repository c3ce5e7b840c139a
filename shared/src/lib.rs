//! Wire types shared by the edge worker, the visitor widget and the agent app.
//!
//! This crate holds data shapes only: ids, frames, receipt states, error codes
//! and the bodies of the HTTP API. It knows nothing of Durable Objects,
//! Leptos or I/O, so every side of the product compiles it unchanged.
//!
//! The protocol itself (handshake, resume, acks, error codes) is described in
//! `docs/protocol.md` at the repository root.

pub mod admin;
pub mod api;
pub mod call;
pub mod canned;
pub mod contacts;
pub mod files;
pub mod frame;
pub mod ids;
pub mod inbox;
pub mod integration;
pub mod room;
pub mod routing;
pub mod site;

pub use frame::{ClientFrame, ErrorCode, FrameError, ServerFrame};
pub use ids::{AgentId, ClientMsgId, ConversationId, DepartmentId, Seq, VisitorId};

/// The protocol version spoken by this build. A client sends it in
/// [`ClientFrame::Hello`]; a server that cannot speak it answers
/// [`ErrorCode::UnsupportedVersion`] and closes the socket.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest text frame a server accepts, in bytes. Larger frames are answered
/// with [`ErrorCode::TooLarge`] and dropped.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// Longest message text, in Unicode scalar values.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// Longest close or forward comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;

/// Most tags on a closed conversation.
pub const MAX_TAGS: usize = 20;

/// Longest tag or disposition, in characters.
pub const MAX_TAG_CHARS: usize = 64;

/// Longest client message id, in bytes.
pub const MAX_CLIENT_ID_BYTES: usize = 64;

/// WebSocket close codes the server uses, all in the application range.
pub mod close {
    /// The socket's first frame was not a valid `hello`.
    pub const BAD_HANDSHAKE: u16 = 4400;
    /// No token, or a token that is not valid.
    pub const UNAUTHORIZED: u16 = 4401;
    /// A valid token that does not grant this conversation.
    pub const FORBIDDEN: u16 = 4403;
    /// The conversation does not exist.
    pub const NOT_FOUND: u16 = 4404;
    /// The client speaks a protocol version this server does not.
    pub const UNSUPPORTED_VERSION: u16 = 4426;
    /// Over a limit: too many frames, or too many sockets of one visitor.
    pub const TOO_MANY: u16 = 4429;
}
