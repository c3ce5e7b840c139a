//! Reading the frames a socket receives.
//!
//! [`Decode`] is how a [`crate::machine::Machine`]'s shell turns a socket's
//! text into the machine's frame type. The agent app's inbox frames use
//! serde's derived decoding. The conversation's [`ServerFrame`]s, which the
//! visitor widget also reads, are read here by hand from a parsed
//! [`serde_json::Value`]: serde's derived decoding of them (an internally
//! tagged enum, buffered and then decoded again per variant) made up about
//! 26 KB of the widget's gzipped Wasm, more than a third of its budget, and
//! this reader costs about a tenth of that. Its tests check it against the
//! derived encoding of every frame, so both sides stay one protocol.

use serde_json::{Map, Value};
use shared::files::Attachment;
use shared::frame::{
    ConversationStatus, ConversationView, ErrorCode, Message, MessageKind, Participant,
    ServerFrame, Side, Watermark,
};
use shared::ids::{ClientMsgId, ConversationId};
use shared::inbox::InboxFrame;

/// A frame type a socket's text message decodes to.
pub trait Decode: Sized {
    /// The frame in `text`, or `None` for anything that is not one (a
    /// client drops it: nothing the server sends may break it).
    fn decode(text: &str) -> Option<Self>;
}

impl Decode for InboxFrame {
    fn decode(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

impl Decode for ServerFrame {
    fn decode(text: &str) -> Option<Self> {
        let value: Value = serde_json::from_str(text).ok()?;
        server_frame(value.as_object()?)
    }
}

/// A JSON object, as the readers below take it.
pub type Obj = Map<String, Value>;

/// A string field.
pub fn string(o: &Obj, key: &str) -> Option<String> {
    o.get(key)?.as_str().map(str::to_owned)
}

/// A whole non-negative number field.
pub fn unsigned(o: &Obj, key: &str) -> Option<u64> {
    o.get(key)?.as_u64()
}

/// A whole number field.
pub fn signed(o: &Obj, key: &str) -> Option<i64> {
    o.get(key)?.as_i64()
}

/// An object field.
pub fn object<'a>(o: &'a Obj, key: &str) -> Option<&'a Obj> {
    o.get(key)?.as_object()
}

/// An optional field: absent or `null` is `Some(None)`; present but not
/// what `read` takes is `None` (the frame is malformed).
pub fn optional<T>(o: &Obj, key: &str, read: impl Fn(&Value) -> Option<T>) -> Option<Option<T>> {
    match o.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(value) => read(value).map(Some),
    }
}

/// A list field that may be left out when empty.
pub fn list<T>(o: &Obj, key: &str, read: impl Fn(&Obj) -> Option<T>) -> Option<Vec<T>> {
    match o.get(key) {
        None => Some(Vec::new()),
        Some(value) => value
            .as_array()?
            .iter()
            .map(|item| read(item.as_object()?))
            .collect(),
    }
}

fn client_id(value: &Value) -> Option<ClientMsgId> {
    value.as_str().map(|id| ClientMsgId(id.to_owned()))
}

fn participant(o: &Obj) -> Option<Participant> {
    let side = match o.get("side")?.as_str()? {
        "visitor" => Side::Visitor,
        "agent" => Side::Agent,
        "system" => Side::System,
        _ => return None,
    };
    Some(Participant {
        side,
        id: string(o, "id")?,
        name: string(o, "name")?,
    })
}

fn attachment(o: &Obj) -> Option<Attachment> {
    Some(Attachment {
        id: string(o, "id")?,
        name: string(o, "name")?,
        mime: string(o, "mime")?,
        size: unsigned(o, "size")?,
    })
}

fn message(o: &Obj) -> Option<Message> {
    let kind = match o.get("kind")?.as_str()? {
        "text" => MessageKind::Text,
        "system" => MessageKind::System,
        "internal" => MessageKind::Internal,
        "note" => MessageKind::Note,
        "whisper" => MessageKind::Whisper,
        _ => return None,
    };
    Some(Message {
        seq: unsigned(o, "seq")?,
        client_id: optional(o, "client_id", client_id)?,
        author: participant(object(o, "author")?)?,
        kind,
        to: optional(o, "to", |v| participant(v.as_object()?))?,
        text: string(o, "text")?,
        sent_at: signed(o, "sent_at")?,
        attachment: optional(o, "attachment", |v| attachment(v.as_object()?))?,
    })
}

fn view(o: &Obj) -> Option<ConversationView> {
    let status = match o.get("status")?.as_str()? {
        "new" => ConversationStatus::New,
        "queued" => ConversationStatus::Queued,
        "active" => ConversationStatus::Active,
        "on_hold" => ConversationStatus::OnHold,
        "closed" => ConversationStatus::Closed,
        _ => ConversationStatus::Unknown,
    };
    Some(ConversationView {
        id: ConversationId(string(o, "id")?),
        status,
        department: string(o, "department")?,
        visitor: participant(object(o, "visitor")?)?,
        assignee: optional(o, "assignee", |v| participant(v.as_object()?))?,
        members: list(o, "members", participant)?,
    })
}

fn watermark(o: &Obj) -> Option<Watermark> {
    Some(Watermark {
        participant: participant(object(o, "participant")?)?,
        delivered: unsigned(o, "delivered")?,
        read: unsigned(o, "read")?,
    })
}

/// Every error code by its wire name; any other name is
/// [`ErrorCode::Unknown`], as serde's `other` reads it.
const CODES: [(&str, ErrorCode); 23] = [
    ("bad_frame", ErrorCode::BadFrame),
    ("unknown_frame", ErrorCode::UnknownFrame),
    ("too_large", ErrorCode::TooLarge),
    ("invalid_message", ErrorCode::InvalidMessage),
    ("unsupported_version", ErrorCode::UnsupportedVersion),
    ("not_ready", ErrorCode::NotReady),
    ("unauthorized", ErrorCode::Unauthorized),
    ("forbidden", ErrorCode::Forbidden),
    ("not_found", ErrorCode::NotFound),
    ("conversation_closed", ErrorCode::ConversationClosed),
    ("already_taken", ErrorCode::AlreadyTaken),
    ("store_failed", ErrorCode::StoreFailed),
    ("bad_credentials", ErrorCode::BadCredentials),
    ("bad_request", ErrorCode::BadRequest),
    ("internal", ErrorCode::Internal),
    ("origin_not_allowed", ErrorCode::OriginNotAllowed),
    ("conversation_open", ErrorCode::ConversationOpen),
    ("too_many_requests", ErrorCode::TooManyRequests),
    ("conflict", ErrorCode::Conflict),
    ("queue_full", ErrorCode::QueueFull),
    ("calls_off", ErrorCode::CallsOff),
    ("call_busy", ErrorCode::CallBusy),
    ("no_call", ErrorCode::NoCall),
];

/// The error code of a wire name.
pub fn code(name: &str) -> ErrorCode {
    CODES
        .iter()
        .find(|(wire, _)| *wire == name)
        .map_or(ErrorCode::Unknown, |(_, code)| *code)
}

fn server_frame(o: &Obj) -> Option<ServerFrame> {
    Some(match o.get("type")?.as_str()? {
        "welcome" => ServerFrame::Welcome {
            version: u32::try_from(unsigned(o, "version")?).ok()?,
            conversation: view(object(o, "conversation")?)?,
            you: participant(object(o, "you")?)?,
            last_seq: unsigned(o, "last_seq")?,
            receipts: list(o, "receipts", watermark)?,
        },
        "message" => ServerFrame::Message(message(o)?),
        "ack" => ServerFrame::Ack {
            client_id: client_id(o.get("client_id")?)?,
            seq: unsigned(o, "seq")?,
            sent_at: signed(o, "sent_at")?,
        },
        "receipt" => ServerFrame::Receipt(watermark(o)?),
        "typing" => ServerFrame::Typing {
            who: participant(object(o, "who")?)?,
            active: o.get("active")?.as_bool()?,
        },
        "state" => ServerFrame::State {
            conversation: view(object(o, "conversation")?)?,
        },
        "error" => ServerFrame::Error {
            code: code(o.get("code")?.as_str()?),
            message: string(o, "message")?,
            client_id: optional(o, "client_id", client_id)?,
        },
        "pong" => ServerFrame::Pong {
            nonce: unsigned(o, "nonce")?,
        },
        "queue" => ServerFrame::Queue {
            position: usize::try_from(unsigned(o, "position")?).ok()?,
            estimated_wait_ms: signed(o, "estimated_wait_ms")?,
        },
        // Calls: read with serde (their types are the server's own).
        "call" | "call_offer" | "call_answer" | "call_candidate" | "call_rejoin" => {
            serde_json::from_value(Value::Object(o.clone())).ok()?
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(side: Side, n: u32) -> Participant {
        Participant {
            side,
            id: format!("{side:?}-{n}").to_lowercase(),
            name: format!("Name \"{n}\" ✓"),
        }
    }

    fn conversation(status: ConversationStatus, full: bool) -> ConversationView {
        ConversationView {
            id: ConversationId("c-1".into()),
            status,
            department: "sales".into(),
            visitor: person(Side::Visitor, 1),
            assignee: full.then(|| person(Side::Agent, 2)),
            members: if full {
                vec![person(Side::Agent, 3), person(Side::Agent, 4)]
            } else {
                vec![]
            },
        }
    }

    fn message(kind: MessageKind, full: bool) -> Message {
        Message {
            seq: 7,
            client_id: full.then(|| ClientMsgId("c-0123".into())),
            author: person(Side::Agent, 2),
            kind,
            to: full.then(|| person(Side::Agent, 3)),
            text: "line one\nline \"two\" <b>\u{1F600}".into(),
            sent_at: 1_790_000_000_123,
            attachment: full.then(|| Attachment {
                id: "f-1".into(),
                name: "a b.png".into(),
                mime: "image/png".into(),
                size: 25 * 1024 * 1024,
            }),
        }
    }

    /// One frame of every variant, with every optional part both present
    /// and absent, and every enum value.
    fn every_frame() -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        for status in [
            ConversationStatus::New,
            ConversationStatus::Queued,
            ConversationStatus::Active,
            ConversationStatus::OnHold,
            ConversationStatus::Closed,
        ] {
            for full in [false, true] {
                frames.push(ServerFrame::State {
                    conversation: conversation(status, full),
                });
            }
        }
        for kind in [
            MessageKind::Text,
            MessageKind::System,
            MessageKind::Internal,
            MessageKind::Note,
            MessageKind::Whisper,
        ] {
            for full in [false, true] {
                frames.push(ServerFrame::Message(message(kind, full)));
            }
        }
        let watermark = Watermark {
            participant: person(Side::System, 9),
            delivered: 4,
            read: 3,
        };
        frames.push(ServerFrame::Welcome {
            version: 1,
            conversation: conversation(ConversationStatus::Active, true),
            you: person(Side::Visitor, 1),
            last_seq: u64::MAX,
            receipts: vec![watermark.clone(), watermark.clone()],
        });
        frames.push(ServerFrame::Welcome {
            version: 1,
            conversation: conversation(ConversationStatus::Queued, false),
            you: person(Side::Visitor, 1),
            last_seq: 0,
            receipts: vec![],
        });
        frames.push(ServerFrame::Ack {
            client_id: ClientMsgId("c-9".into()),
            seq: 12,
            sent_at: -5,
        });
        frames.push(ServerFrame::Receipt(watermark));
        for active in [false, true] {
            frames.push(ServerFrame::Typing {
                who: person(Side::Agent, 2),
                active,
            });
        }
        for (_, code) in CODES {
            frames.push(ServerFrame::Error {
                code,
                message: "why".into(),
                client_id: None,
            });
        }
        frames.push(ServerFrame::Error {
            code: ErrorCode::TooLarge,
            message: String::new(),
            client_id: Some(ClientMsgId("c-2".into())),
        });
        frames.push(ServerFrame::Pong { nonce: u64::MAX });
        frames.push(ServerFrame::Queue {
            position: 3,
            estimated_wait_ms: 90_000,
        });
        frames
    }

    #[test]
    fn reads_every_frame_the_server_writes() {
        for frame in every_frame() {
            let text = frame.to_json();
            assert_eq!(ServerFrame::decode(&text), Some(frame), "{text}");
        }
    }

    #[test]
    fn knows_every_error_code() {
        // Every code serde writes (Unknown aside) is in the table, under
        // the same name.
        for (name, code) in CODES {
            assert_eq!(serde_json::to_value(code).unwrap(), name);
        }
        // A code added to the protocol breaks this match until it is listed.
        let listed = |code: ErrorCode| match code {
            ErrorCode::BadFrame
            | ErrorCode::UnknownFrame
            | ErrorCode::TooLarge
            | ErrorCode::InvalidMessage
            | ErrorCode::UnsupportedVersion
            | ErrorCode::NotReady
            | ErrorCode::Unauthorized
            | ErrorCode::Forbidden
            | ErrorCode::NotFound
            | ErrorCode::ConversationClosed
            | ErrorCode::AlreadyTaken
            | ErrorCode::StoreFailed
            | ErrorCode::BadCredentials
            | ErrorCode::BadRequest
            | ErrorCode::Internal
            | ErrorCode::OriginNotAllowed
            | ErrorCode::ConversationOpen
            | ErrorCode::TooManyRequests
            | ErrorCode::Conflict
            | ErrorCode::QueueFull
            | ErrorCode::CallsOff
            | ErrorCode::CallBusy
            | ErrorCode::NoCall => CODES.iter().any(|(_, c)| *c == code),
            ErrorCode::Unknown => !CODES.iter().any(|(_, c)| *c == code),
        };
        assert!(CODES.iter().all(|(_, c)| listed(*c)));
        assert_eq!(CODES.len(), 23);
        assert_eq!(code("something_new"), ErrorCode::Unknown);
    }

    #[test]
    fn reads_what_serde_reads_from_the_same_text() {
        // Unknown fields, explicit nulls, new status values: the same frame
        // as the derived decoding gives.
        let texts = [
            r#"{"type":"pong","nonce":5,"extra":[1,2]}"#,
            r#"{"type":"error","code":"brand_new","message":"m","client_id":null}"#,
            r#"{"type":"state","conversation":{"id":"c","status":"archived","department":"d","visitor":{"side":"visitor","id":"v","name":"V"},"assignee":null}}"#,
            r#"{"type":"message","seq":1,"author":{"side":"system","id":"s","name":"S"},"kind":"system","text":"t","sent_at":0,"to":null,"attachment":null}"#,
        ];
        for text in texts {
            let derived: ServerFrame = serde_json::from_str(text).unwrap();
            assert_eq!(ServerFrame::decode(text), Some(derived), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_frame() {
        let texts = [
            "",
            "not json",
            "[]",
            "null",
            r#"{"nonce":5}"#,
            r#"{"type":"pong"}"#,
            r#"{"type":"pong","nonce":-1}"#,
            r#"{"type":"pong","nonce":"5"}"#,
            r#"{"type":"teleport"}"#,
            r#"{"type":7}"#,
            r#"{"type":"typing","who":{"side":"robot","id":"r","name":"R"},"active":true}"#,
            r#"{"type":"typing","who":{"side":"agent","id":"r"},"active":true}"#,
            r#"{"type":"message","seq":1,"author":{"side":"agent","id":"a","name":"A"},"kind":"shout","text":"t","sent_at":0}"#,
            r#"{"type":"message","seq":1,"author":{"side":"agent","id":"a","name":"A"},"kind":"text","text":"t","sent_at":0,"attachment":"x"}"#,
            r#"{"type":"welcome","version":4294967296,"conversation":{},"you":{},"last_seq":0}"#,
            r#"{"type":"state","conversation":{"id":"c","status":"new","department":"d","visitor":{"side":"visitor","id":"v","name":"V"},"members":{}}}"#,
        ];
        for text in texts {
            assert_eq!(ServerFrame::decode(text), None, "{text}");
            // The derived decoding refuses them too (or reads the same).
            if let Ok(derived) = serde_json::from_str::<ServerFrame>(text) {
                panic!("serde read {text} as {derived:?}");
            }
        }
    }

    #[test]
    fn reads_inbox_frames_with_serde() {
        let frame = InboxFrame::Remove {
            id: ConversationId("c-3".into()),
        };
        let text = serde_json::to_string(&frame).unwrap();
        assert_eq!(InboxFrame::decode(&text), Some(frame));
        assert_eq!(InboxFrame::decode(r#"{"type":"remove"}"#), None);
    }
}
