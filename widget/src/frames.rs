//! Reads the conversation socket's frames (`shared::frame::ServerFrame`)
//! from the value `JSON.parse` makes of them, field by field, as their
//! serde form in `shared` spells them (tagged by `"type"`, snake_case
//! names, optional fields absent). serde's reader for these frames (an
//! internally tagged enum buffers every frame and has a copy of each
//! variant's reader) weighed about 60 KB of the widget's Wasm; this is a
//! few. A frame that does not read is dropped, as the socket shell drops
//! frames serde refuses: nothing the server sends may break the chat.
//! The browser tests run every frame the chat uses through it.
//!
//! A call's frames (their type starts with `call`) never come here: the
//! socket hands their text to the call module ([`crate::call`]), which
//! reads them itself.

use crate::js::{boolean, get, items, number, string};
use shared::files::Attachment;
use shared::frame::{
    ConversationStatus, ConversationView, ErrorCode, Message, MessageKind, Participant,
    ServerFrame, Side, Watermark,
};
use shared::ids::{ClientMsgId, ConversationId};
use wasm_bindgen::JsValue;

/// A whole number at least 0 (JSON numbers are doubles here).
fn count(v: &JsValue, key: &str) -> Option<u64> {
    let n = number(v, key)?;
    (n >= 0.0 && n.fract() == 0.0).then_some(n as u64)
}

fn signed(v: &JsValue, key: &str) -> Option<i64> {
    let n = number(v, key)?;
    (n.fract() == 0.0).then_some(n as i64)
}

fn participant(v: &JsValue) -> Option<Participant> {
    Some(Participant {
        side: match string(v, "side")?.as_str() {
            "visitor" => Side::Visitor,
            "agent" => Side::Agent,
            "system" => Side::System,
            _ => return None,
        },
        id: string(v, "id")?,
        name: string(v, "name")?,
    })
}

/// An optional field: absent or `null` is `None`; present, it must read.
fn optional<T>(v: &JsValue, key: &str, read: fn(&JsValue) -> Option<T>) -> Option<Option<T>> {
    let field = get(v, key);
    if field.is_undefined() || field.is_null() {
        Some(None)
    } else {
        read(&field).map(Some)
    }
}

fn attachment(v: &JsValue) -> Option<Attachment> {
    Some(Attachment {
        id: string(v, "id")?,
        name: string(v, "name")?,
        mime: string(v, "mime")?,
        size: count(v, "size")?,
    })
}

fn client_id(v: &JsValue, key: &str) -> Option<Option<ClientMsgId>> {
    let field = get(v, key);
    if field.is_undefined() || field.is_null() {
        return Some(None);
    }
    field.as_string().map(|id| Some(ClientMsgId(id)))
}

/// A stored message (the `message` frame, and an upload's answer).
pub fn message(v: &JsValue) -> Option<Message> {
    Some(Message {
        seq: count(v, "seq")?,
        client_id: client_id(v, "client_id")?,
        author: participant(&get(v, "author"))?,
        kind: match string(v, "kind")?.as_str() {
            "text" => MessageKind::Text,
            "system" => MessageKind::System,
            "internal" => MessageKind::Internal,
            "note" => MessageKind::Note,
            "whisper" => MessageKind::Whisper,
            _ => return None,
        },
        to: optional(v, "to", participant)?,
        text: string(v, "text")?,
        sent_at: signed(v, "sent_at")?,
        attachment: optional(v, "attachment", attachment)?,
    })
}

fn conversation(v: &JsValue) -> Option<ConversationView> {
    let members = get(v, "members");
    Some(ConversationView {
        id: ConversationId(string(v, "id")?),
        status: match string(v, "status")?.as_str() {
            "new" => ConversationStatus::New,
            "queued" => ConversationStatus::Queued,
            "active" => ConversationStatus::Active,
            "on_hold" => ConversationStatus::OnHold,
            "closed" => ConversationStatus::Closed,
            _ => ConversationStatus::Unknown,
        },
        department: string(v, "department")?,
        visitor: participant(&get(v, "visitor"))?,
        assignee: optional(v, "assignee", participant)?,
        members: if members.is_undefined() {
            Vec::new()
        } else {
            items(v, "members")
                .iter()
                .map(participant)
                .collect::<Option<_>>()?
        },
    })
}

fn watermark(v: &JsValue) -> Option<Watermark> {
    Some(Watermark {
        participant: participant(&get(v, "participant"))?,
        delivered: count(v, "delivered")?,
        read: count(v, "read")?,
    })
}

/// A frame from the server, or `None` when it does not read.
pub fn server_frame(v: &JsValue) -> Option<ServerFrame> {
    Some(match string(v, "type")?.as_str() {
        "welcome" => ServerFrame::Welcome {
            version: u32::try_from(count(v, "version")?).ok()?,
            conversation: conversation(&get(v, "conversation"))?,
            you: participant(&get(v, "you"))?,
            last_seq: count(v, "last_seq")?,
            receipts: items(v, "receipts")
                .iter()
                .map(watermark)
                .collect::<Option<_>>()?,
        },
        "message" => ServerFrame::Message(message(v)?),
        "ack" => ServerFrame::Ack {
            client_id: ClientMsgId(string(v, "client_id")?),
            seq: count(v, "seq")?,
            sent_at: signed(v, "sent_at")?,
        },
        "receipt" => ServerFrame::Receipt(watermark(v)?),
        "typing" => ServerFrame::Typing {
            who: participant(&get(v, "who"))?,
            active: boolean(v, "active")?,
        },
        "state" => ServerFrame::State {
            conversation: conversation(&get(v, "conversation"))?,
        },
        "error" => ServerFrame::Error {
            // The chat reads an error's message and client id, never its
            // code: the codes' names are not carried into the Wasm.
            code: ErrorCode::Unknown,
            message: string(v, "message")?,
            client_id: client_id(v, "client_id")?,
        },
        "pong" => ServerFrame::Pong {
            nonce: count(v, "nonce")?,
        },
        "queue" => ServerFrame::Queue {
            position: usize::try_from(count(v, "position")?).ok()?,
            estimated_wait_ms: signed(v, "estimated_wait_ms")?,
        },
        _ => return None,
    })
}
