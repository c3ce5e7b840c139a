//! Integration tests: the real worker under `wrangler dev`, with SQLite
//! Durable Object storage, driven over HTTP and WebSocket.

mod admin;
mod api;
mod bad_input;
mod calls;
mod canned;
mod chat;
mod contacts;
mod files;
mod history;
mod limits;
mod notes;
mod offline;
mod people;
mod queue;
mod reports;
mod resume;
mod room;
mod routing;
mod take;
mod transcripts;
mod webhooks;
mod widget_site;

use shared::frame::{Message, ServerFrame};

/// `(client id, seq)` of an ack.
pub fn acked(frame: &ServerFrame) -> Option<(&str, u64)> {
    match frame {
        ServerFrame::Ack { client_id, seq, .. } => Some((client_id.as_str(), *seq)),
        _ => None,
    }
}

/// The message inside a `message` frame.
pub fn message(frame: &ServerFrame) -> Option<&Message> {
    match frame {
        ServerFrame::Message(m) => Some(m),
        _ => None,
    }
}
