//! Integration tests: the real worker under `wrangler dev`, with SQLite
//! Durable Object storage, driven over HTTP and WebSocket.

mod bad_input;
mod chat;
mod resume;
mod take;

use shared::frame::{Message, ServerFrame};

/// The message inside a `message` frame.
pub fn message(frame: &ServerFrame) -> Option<&Message> {
    match frame {
        ServerFrame::Message(m) => Some(m),
        _ => None,
    }
}
