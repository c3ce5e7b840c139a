//! The wire format, pinned against literal JSON: every frame of the
//! conversation and inbox sockets and every HTTP body must serialize to
//! exactly the documented object and read back from it unchanged, and
//! `ClientFrame::parse` must tell malformed, unknown and oversized frames
//! apart. See `docs/protocol.md`.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{from_value, json, to_value, Value};
use shared::api::{
    AgentProfile, AgentSetup, ApiError, ConversationStarted, DepartmentSetup, ErrorBody,
    LoginRequest, LoginResponse, Role, SetupDone, SiteSetup, StartConversation, Taken,
    VisitorSession, VisitorSessionRequest, WorkspaceSetup,
};
use shared::frame::{
    ClientFrame, ConversationStatus, ConversationView, ErrorCode, FrameError, Message, MessageKind,
    Participant, ReceiptKind, ServerFrame, Side, Watermark,
};
use shared::inbox::{ConversationSummary, InboxFrame};
use shared::routing::Priority;
use shared::MAX_FRAME_BYTES;
use std::fmt::Debug;

/// `value` serializes to exactly `json`, and `json` reads back as `value`.
#[track_caller]
fn check<T>(value: T, json: Value)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    assert_eq!(
        to_value(&value).expect("serializes"),
        json,
        "to_value({value:?})"
    );
    assert_eq!(
        from_value::<T>(json.clone()).expect("deserializes"),
        value,
        "from_value({json})"
    );
}

/// `json` reads as `value`, though `value` serializes differently (defaults,
/// fallbacks, ignored fields).
#[track_caller]
fn check_read<T>(json: Value, value: T)
where
    T: DeserializeOwned + PartialEq + Debug,
{
    assert_eq!(
        from_value::<T>(json.clone()).expect("deserializes"),
        value,
        "from_value({json})"
    );
}

/// `json` does not read as a `T`.
#[track_caller]
fn check_refused<T>(json: Value)
where
    T: DeserializeOwned + Debug,
{
    let result = from_value::<T>(json.clone());
    assert!(
        result.is_err(),
        "from_value({json}) = {result:?}, expected an error"
    );
}

fn visitor() -> Participant {
    Participant {
        side: Side::Visitor,
        id: "v-1".into(),
        name: "Visitor 42".into(),
    }
}

fn visitor_json() -> Value {
    json!({ "side": "visitor", "id": "v-1", "name": "Visitor 42" })
}

fn agent() -> Participant {
    Participant {
        side: Side::Agent,
        id: "a-1".into(),
        name: "Anna".into(),
    }
}

fn agent_json() -> Value {
    json!({ "side": "agent", "id": "a-1", "name": "Anna" })
}

fn view(status: ConversationStatus, assignee: Option<Participant>) -> ConversationView {
    ConversationView {
        id: "conv-1".into(),
        status,
        department: "support".into(),
        visitor: visitor(),
        assignee,
        members: Vec::new(),
    }
}

fn summary(assignee: Option<Participant>) -> ConversationSummary {
    ConversationSummary {
        id: "conv-1".into(),
        status: if assignee.is_some() {
            ConversationStatus::Active
        } else {
            ConversationStatus::Queued
        },
        department: "support".into(),
        visitor: visitor(),
        assignee,
        members: Vec::new(),
        preview: "Hello?".into(),
        queued_at: 1_700_000_000_000,
        priority: Priority::High,
    }
}

fn summary_queued_json() -> Value {
    json!({
        "id": "conv-1",
        "status": "queued",
        "department": "support",
        "visitor": visitor_json(),
        "preview": "Hello?",
        "queued_at": 1_700_000_000_000_i64,
        "priority": "high",
    })
}

fn summary_active_json() -> Value {
    json!({
        "id": "conv-1",
        "status": "active",
        "department": "support",
        "visitor": visitor_json(),
        "assignee": agent_json(),
        "preview": "Hello?",
        "queued_at": 1_700_000_000_000_i64,
        "priority": "high",
    })
}

fn anna_profile() -> AgentProfile {
    AgentProfile {
        id: "a-1".into(),
        name: "Anna".into(),
        email: "anna@demo.test".into(),
        role: Role::Manager,
        departments: vec!["support".into(), "sales".into()],
        username: "anna".into(),
    }
}

fn anna_profile_json() -> Value {
    json!({
        "id": "a-1",
        "name": "Anna",
        "email": "anna@demo.test",
        "role": "manager",
        "departments": ["support", "sales"],
        "username": "anna",
    })
}

#[test]
fn notes_and_whispers_on_the_wire() {
    // A message to the conversation keeps its old shape.
    check(
        send("c-1", "hi"),
        json!({ "type": "send", "client_id": "c-1", "text": "hi" }),
    );
    check(
        ClientFrame::Send {
            client_id: "c-2".into(),
            text: "VIP".into(),
            kind: shared::frame::SendKind::Note,
        },
        json!({ "type": "send", "client_id": "c-2", "text": "VIP", "kind": "note" }),
    );
    check_read(
        json!({ "type": "send", "client_id": "c-3", "text": "psst", "kind": "whisper" }),
        ClientFrame::Send {
            client_id: "c-3".into(),
            text: "psst".into(),
            kind: shared::frame::SendKind::Whisper,
        },
    );
    assert!(
        ClientFrame::parse(r#"{"type":"send","client_id":"c","text":"x","kind":"system"}"#)
            .is_err()
    );
    check(MessageKind::Note, json!("note"));
    check(MessageKind::Whisper, json!("whisper"));
}

#[test]
#[rustfmt::skip]
fn client_frames() {
    check(hello(1, 0), json!({ "type": "hello", "version": 1, "last_seq": 0 }));
    check(hello(1, 41), json!({ "type": "hello", "version": 1, "last_seq": 41 }));
    check(send("c-1", "Hi <b>"), json!({ "type": "send", "client_id": "c-1", "text": "Hi <b>" }));
    check(delivered(3), json!({ "type": "receipt", "kind": "delivered", "seq": 3 }));
    check(read(5), json!({ "type": "receipt", "kind": "read", "seq": 5 }));
    check(typing(true), json!({ "type": "typing", "active": true }));
    check(typing(false), json!({ "type": "typing", "active": false }));
    check(ping(1), json!({ "type": "ping", "nonce": 1 }));
    check(ping(u64::MAX), json!({ "type": "ping", "nonce": u64::MAX }));
    // The nonce is optional on the wire and defaults to 0.
    check(ping(0), json!({ "type": "ping", "nonce": 0 }));
    check_read(json!({ "type": "ping" }), ping(0));
    // Unknown fields are ignored, not refused.
    check_read(json!({ "type": "ping", "nonce": 2, "extra": [1] }), ping(2));
}

#[test]
fn client_frames_refused() {
    check_refused::<ClientFrame>(json!({ "type": "Hello", "version": 1, "last_seq": 0 }));
    check_refused::<ClientFrame>(json!({ "type": "hello", "version": 1 }));
    check_refused::<ClientFrame>(json!({ "type": "hello", "version": 1, "last_seq": -1 }));
    check_refused::<ClientFrame>(json!({ "type": "send", "client_id": "c-1" }));
    check_refused::<ClientFrame>(json!({ "type": "send", "client_id": 1, "text": "x" }));
    check_refused::<ClientFrame>(json!({ "type": "receipt", "kind": "seen", "seq": 1 }));
    check_refused::<ClientFrame>(json!({ "type": "typing", "active": "yes" }));
    check_refused::<ClientFrame>(json!({ "type": "ping", "nonce": null }));
    check_refused::<ClientFrame>(json!({ "version": 1, "last_seq": 0 }));
}

#[test]
fn server_frames() {
    check(
        ServerFrame::Welcome {
            version: 1,
            conversation: view(ConversationStatus::New, None),
            you: visitor(),
            last_seq: 0,
            receipts: vec![],
        },
        json!({
            "type": "welcome",
            "version": 1,
            "conversation": {
                "id": "conv-1",
                "status": "new",
                "department": "support",
                "visitor": visitor_json(),
            },
            "you": visitor_json(),
            "last_seq": 0,
            "receipts": [],
        }),
    );
    check(
        ServerFrame::Welcome {
            version: 1,
            conversation: view(ConversationStatus::Active, Some(agent())),
            you: agent(),
            last_seq: 7,
            receipts: vec![
                Watermark {
                    participant: visitor(),
                    delivered: 7,
                    read: 6,
                },
                Watermark {
                    participant: agent(),
                    delivered: 5,
                    read: 5,
                },
            ],
        },
        json!({
            "type": "welcome",
            "version": 1,
            "conversation": {
                "id": "conv-1",
                "status": "active",
                "department": "support",
                "visitor": visitor_json(),
                "assignee": agent_json(),
            },
            "you": agent_json(),
            "last_seq": 7,
            "receipts": [
                { "participant": visitor_json(), "delivered": 7, "read": 6 },
                { "participant": agent_json(), "delivered": 5, "read": 5 },
            ],
        }),
    );
    check(
        ServerFrame::Message(Message {
            seq: 7,
            client_id: Some("c-1".into()),
            author: visitor(),
            kind: MessageKind::Text,
            to: None,
            text: "Hello?".into(),
            sent_at: 1_700_000_000_123,
            attachment: None,
        }),
        json!({
            "type": "message",
            "seq": 7,
            "client_id": "c-1",
            "author": visitor_json(),
            "kind": "text",
            "text": "Hello?",
            "sent_at": 1_700_000_000_123_i64,
        }),
    );
    // System lines have no client id: the field is left out, not null.
    check(
        ServerFrame::Message(Message {
            seq: 8,
            client_id: None,
            author: Participant {
                side: Side::System,
                id: "system".into(),
                name: "System".into(),
            },
            kind: MessageKind::System,
            to: None,
            text: "Anna took the chat".into(),
            sent_at: 1_700_000_000_456,
            attachment: None,
        }),
        json!({
            "type": "message",
            "seq": 8,
            "author": { "side": "system", "id": "system", "name": "System" },
            "kind": "system",
            "text": "Anna took the chat",
            "sent_at": 1_700_000_000_456_i64,
        }),
    );
    // A file message: its caption may be empty.
    check(
        ServerFrame::Message(Message {
            seq: 9,
            client_id: Some("f-1".into()),
            author: visitor(),
            kind: MessageKind::Text,
            to: None,
            text: String::new(),
            sent_at: 1_700_000_000_789,
            attachment: Some(shared::files::Attachment {
                id: "f_1".into(),
                name: "shot.png".into(),
                mime: "image/png".into(),
                size: 1234,
            }),
        }),
        json!({
            "type": "message",
            "seq": 9,
            "client_id": "f-1",
            "author": visitor_json(),
            "kind": "text",
            "text": "",
            "sent_at": 1_700_000_000_789_i64,
            "attachment": { "id": "f_1", "name": "shot.png", "mime": "image/png", "size": 1234 },
        }),
    );
    check(
        shared::files::FileLink {
            url: "/api/v1/files/tok".into(),
            expires_at: 5,
        },
        json!({ "url": "/api/v1/files/tok", "expires_at": 5 }),
    );
    check_read(
        json!({ "max_bytes": 1024 }),
        shared::files::FilePolicy {
            max_bytes: 1024,
            ..Default::default()
        },
    );
    check(
        ServerFrame::Ack {
            client_id: "c-1".into(),
            seq: 7,
            sent_at: 5,
        },
        json!({ "type": "ack", "client_id": "c-1", "seq": 7, "sent_at": 5 }),
    );
    check(
        ServerFrame::Receipt(Watermark {
            participant: agent(),
            delivered: 7,
            read: 3,
        }),
        json!({ "type": "receipt", "participant": agent_json(), "delivered": 7, "read": 3 }),
    );
    check(
        ServerFrame::Typing {
            who: agent(),
            active: true,
        },
        json!({ "type": "typing", "who": agent_json(), "active": true }),
    );
    check(
        ServerFrame::State {
            conversation: view(ConversationStatus::OnHold, Some(agent())),
        },
        json!({
            "type": "state",
            "conversation": {
                "id": "conv-1",
                "status": "on_hold",
                "department": "support",
                "visitor": visitor_json(),
                "assignee": agent_json(),
            },
        }),
    );
    check(
        ServerFrame::Error {
            code: ErrorCode::StoreFailed,
            message: "could not store".into(),
            client_id: Some("c-1".into()),
        },
        json!({
            "type": "error",
            "code": "store_failed",
            "message": "could not store",
            "client_id": "c-1",
        }),
    );
    check(
        ServerFrame::error(ErrorCode::NotReady, "say hello first"),
        json!({ "type": "error", "code": "not_ready", "message": "say hello first" }),
    );
    check(
        ServerFrame::Pong { nonce: 9 },
        json!({ "type": "pong", "nonce": 9 }),
    );
}

#[test]
fn server_frame_to_json_is_the_same_object() {
    let frame = ServerFrame::Ack {
        client_id: "c-1".into(),
        seq: 7,
        sent_at: 5,
    };
    let text = frame.to_json();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({ "type": "ack", "client_id": "c-1", "seq": 7, "sent_at": 5 })
    );
    assert_eq!(serde_json::from_str::<ServerFrame>(&text).unwrap(), frame);
}

#[test]
fn server_frames_from_a_newer_server() {
    // Unknown status and error code strings fall back instead of failing the frame.
    check_read(
        json!({
            "type": "state",
            "conversation": {
                "id": "conv-1",
                "status": "archived",
                "department": "support",
                "visitor": visitor_json(),
            },
        }),
        ServerFrame::State {
            conversation: view(ConversationStatus::Unknown, None),
        },
    );
    check_read(
        json!({ "type": "error", "code": "new_code", "message": "?" }),
        ServerFrame::error(ErrorCode::Unknown, "?"),
    );
    // Unknown fields are ignored.
    check_read(
        json!({ "type": "ack", "client_id": "c-1", "seq": 7, "sent_at": 5, "edited": true }),
        ServerFrame::Ack {
            client_id: "c-1".into(),
            seq: 7,
            sent_at: 5,
        },
    );
    // An explicit null reads as an absent optional field.
    check_read(
        json!({ "type": "error", "code": "internal", "message": "x", "client_id": null }),
        ServerFrame::error(ErrorCode::Internal, "x"),
    );
    // But an unknown frame type is still an error.
    check_refused::<ServerFrame>(json!({ "type": "reaction", "seq": 1 }));
    check_refused::<ServerFrame>(json!({ "type": "ack", "client_id": "c-1" }));
}

#[test]
fn conversation_status() {
    check(ConversationStatus::New, json!("new"));
    check(ConversationStatus::Queued, json!("queued"));
    check(ConversationStatus::Active, json!("active"));
    check(ConversationStatus::OnHold, json!("on_hold"));
    check(ConversationStatus::Closed, json!("closed"));
    check(ConversationStatus::Unknown, json!("unknown"));
    check_read(json!("archived"), ConversationStatus::Unknown);
    check_read(json!("OnHold"), ConversationStatus::Unknown);
    check_refused::<ConversationStatus>(json!(3));
}

#[test]
fn small_enums() {
    check(ReceiptKind::Delivered, json!("delivered"));
    check(ReceiptKind::Read, json!("read"));
    check_refused::<ReceiptKind>(json!("seen"));
    check(Side::Visitor, json!("visitor"));
    check(Side::Agent, json!("agent"));
    check(Side::System, json!("system"));
    check_refused::<Side>(json!("bot"));
    check(MessageKind::Text, json!("text"));
    check(MessageKind::System, json!("system"));
    check(Role::Agent, json!("agent"));
    check(Role::Manager, json!("manager"));
    check(Role::Admin, json!("admin"));
    // A newer server's role, priority, status or algorithm reads as the
    // fallback, so an old app keeps working.
    check_read(json!("owner"), Role::Unknown);
    check_refused::<Role>(json!(3));
    check(shared::api::Permission::Monitor, json!("monitor"));
    check(
        shared::api::Permission::ManageWorkspace,
        json!("manage_workspace"),
    );
    check_read(json!("fly"), shared::api::Permission::Unknown);
    check(shared::routing::Priority::Urgent, json!("urgent"));
    check_read(json!("critical"), shared::routing::Priority::Unknown);
    assert!(shared::routing::Priority::Unknown < shared::routing::Priority::Low);
    assert!(shared::routing::Priority::High < shared::routing::Priority::Urgent);
    check_read(json!("busy"), shared::routing::AgentStatus::Unknown);
    check_read(json!("skills_based"), shared::routing::Algorithm::Unknown);
}

#[test]
fn error_codes() {
    #[track_caller]
    fn code(code: ErrorCode, text: &str, status: u16) {
        check(code, json!(text));
        assert_eq!(code.http_status(), status, "{code:?}");
    }
    code(ErrorCode::BadFrame, "bad_frame", 400);
    code(ErrorCode::UnknownFrame, "unknown_frame", 400);
    code(ErrorCode::TooLarge, "too_large", 413);
    code(ErrorCode::InvalidMessage, "invalid_message", 400);
    code(ErrorCode::UnsupportedVersion, "unsupported_version", 400);
    code(ErrorCode::NotReady, "not_ready", 400);
    code(ErrorCode::Unauthorized, "unauthorized", 401);
    code(ErrorCode::BadCredentials, "bad_credentials", 401);
    code(ErrorCode::Forbidden, "forbidden", 403);
    code(ErrorCode::NotFound, "not_found", 404);
    code(ErrorCode::ConversationClosed, "conversation_closed", 409);
    code(ErrorCode::AlreadyTaken, "already_taken", 409);
    code(ErrorCode::StoreFailed, "store_failed", 500);
    code(ErrorCode::BadRequest, "bad_request", 400);
    code(ErrorCode::Internal, "internal", 500);
    code(ErrorCode::Unknown, "unknown", 500);
    check_read(json!("new_code"), ErrorCode::Unknown);
    check_read(json!("BadFrame"), ErrorCode::Unknown);
}

#[test]
fn inbox_frames() {
    check(
        InboxFrame::Snapshot {
            queued: vec![],
            mine: vec![],
            offers: vec![],
        },
        json!({ "type": "snapshot", "queued": [], "mine": [], "offers": [] }),
    );
    // A server without offers still reads.
    check_read(
        json!({ "type": "snapshot", "queued": [], "mine": [] }),
        InboxFrame::Snapshot {
            queued: vec![],
            mine: vec![],
            offers: vec![],
        },
    );
    check(
        InboxFrame::Snapshot {
            queued: vec![summary(None)],
            mine: vec![summary(Some(agent()))],
            offers: vec![shared::inbox::PendingOffer {
                conversation: summary(None),
                expires_at: 9,
            }],
        },
        json!({
            "type": "snapshot",
            "queued": [summary_queued_json()],
            "mine": [summary_active_json()],
            "offers": [{ "conversation": summary_queued_json(), "expires_at": 9 }],
        }),
    );
    check(
        InboxFrame::Upsert {
            conversation: summary(None),
        },
        json!({ "type": "upsert", "conversation": summary_queued_json() }),
    );
    check(
        InboxFrame::Upsert {
            conversation: summary(Some(agent())),
        },
        json!({ "type": "upsert", "conversation": summary_active_json() }),
    );
    check(
        InboxFrame::Remove {
            id: "conv-1".into(),
        },
        json!({ "type": "remove", "id": "conv-1" }),
    );
    check(InboxFrame::Pong, json!({ "type": "pong" }));
    check(
        InboxFrame::Error {
            code: ErrorCode::BadFrame,
            message: "only pings".into(),
        },
        json!({ "type": "error", "code": "bad_frame", "message": "only pings" }),
    );
    check(
        shared::inbox::InboxClientFrame::Ping,
        json!({ "type": "ping" }),
    );
    check_read(json!({ "type": "pong", "nonce": 3 }), InboxFrame::Pong);
    check_read(
        json!({
            "type": "upsert",
            "conversation": {
                "id": "conv-1",
                "status": "archived",
                "department": "support",
                "visitor": visitor_json(),
                "preview": "",
                "queued_at": 0,
            },
        }),
        InboxFrame::Upsert {
            conversation: ConversationSummary {
                status: ConversationStatus::Unknown,
                preview: String::new(),
                queued_at: 0,
                // Absent: the default.
                priority: Priority::Medium,
                ..summary(None)
            },
        },
    );
    check_refused::<InboxFrame>(json!({ "type": "snapshot", "queued": [] }));
    check_refused::<InboxFrame>(json!({ "type": "message" }));
}

#[test]
fn http_bodies() {
    check(
        VisitorSessionRequest {
            site_key: "demo.website".into(),
            user: None,
        },
        json!({ "site_key": "demo.website" }),
    );
    check(
        VisitorSessionRequest {
            site_key: "demo.website".into(),
            user: Some(shared::site::VisitorUser {
                id: "42".into(),
                name: Some("Ada".into()),
                email: None,
                hash: Some("ab12".into()),
            }),
        },
        json!({ "site_key": "demo.website", "user": { "id": "42", "name": "Ada", "hash": "ab12" } }),
    );
    check(
        VisitorSession {
            visitor_id: "v-1".into(),
            name: "Visitor 42".into(),
            token: "tok.sig".into(),
            identity: shared::site::Identity::anonymous(),
            conversation_id: None,
        },
        json!({ "visitor_id": "v-1", "name": "Visitor 42", "token": "tok.sig",
                "identity": { "status": "anonymous" } }),
    );
    check(
        VisitorSession {
            visitor_id: "u1".into(),
            name: "Visitor 42".into(),
            token: "tok.sig".into(),
            identity: shared::site::Identity {
                status: shared::site::IdentityStatus::Unverified,
                reason: Some("setUser: no".into()),
            },
            conversation_id: Some("c-1".into()),
        },
        json!({ "visitor_id": "u1", "name": "Visitor 42", "token": "tok.sig",
                "identity": { "status": "unverified", "reason": "setUser: no" },
                "conversation_id": "c-1" }),
    );
    check(StartConversation::default(), json!({}));
    check(
        StartConversation {
            department: Some("sales".into()),
            name: Some("Ada".into()),
            email: Some("ada@example.com".into()),
            fields: [("order".to_string(), "A-1".to_string())].into(),
            language: Some("es".into()),
        },
        json!({ "department": "sales", "name": "Ada", "email": "ada@example.com",
                "fields": { "order": "A-1" }, "language": "es" }),
    );
    check(
        shared::site::RatingRequest {
            score: 5,
            comment: Some("Thanks".into()),
        },
        json!({ "score": 5, "comment": "Thanks" }),
    );
    check(
        shared::site::SiteConfig {
            site_key: "demo.website".into(),
            name: "Website".into(),
            theme: Default::default(),
            texts: [(
                "es".to_string(),
                shared::site::SiteTexts {
                    title: Some("Hola".into()),
                    greeting: None,
                },
            )]
            .into(),
            prechat: Some(shared::site::PrechatConfig {
                name: shared::site::FieldRule::Required,
                email: shared::site::FieldRule::Off,
                departments: vec![shared::api::DepartmentInfo {
                    id: "sales".into(),
                    name: "Sales".into(),
                }],
                fields: vec![shared::site::CustomField {
                    id: "order".into(),
                    label: "Order".into(),
                    required: false,
                }],
                skippable: true,
            }),
            rating: shared::site::RatingScale::Thumbs,
            sound: true,
            online: false,
            department: "support".into(),
        },
        json!({
            "site_key": "demo.website", "name": "Website",
            "theme": { "color": "#2563eb", "position": "right" },
            "texts": { "es": { "title": "Hola" } },
            "prechat": { "name": "required", "email": "off",
                         "departments": [{ "id": "sales", "name": "Sales" }],
                         "fields": [{ "id": "order", "label": "Order", "required": false }],
                         "skippable": true },
            "rating": "thumbs", "sound": true, "online": false, "department": "support"
        }),
    );
    check(
        ConversationStarted {
            conversation_id: "conv-1".into(),
        },
        json!({ "conversation_id": "conv-1" }),
    );
    check(
        LoginRequest {
            workspace: "demo".into(),
            email: "anna@demo.test".into(),
            password: "hunter2".into(),
        },
        json!({ "workspace": "demo", "email": "anna@demo.test", "password": "hunter2" }),
    );
    check(anna_profile(), anna_profile_json());
    check(
        LoginResponse {
            token: "tok.sig".into(),
            agent: anna_profile(),
        },
        json!({ "token": "tok.sig", "agent": anna_profile_json() }),
    );
    check(
        Taken {
            conversation: summary(Some(agent())),
        },
        json!({ "conversation": summary_active_json() }),
    );
    check(
        ApiError::new(ErrorCode::AlreadyTaken, "Someone else took it"),
        json!({ "error": { "code": "already_taken", "message": "Someone else took it" } }),
    );
    check(
        ApiError {
            error: ErrorBody {
                code: ErrorCode::BadCredentials,
                message: "Wrong".into(),
            },
        },
        json!({ "error": { "code": "bad_credentials", "message": "Wrong" } }),
    );
    check_read(
        json!({ "error": { "code": "rate_limited", "message": "Slow down" } }),
        ApiError::new(ErrorCode::Unknown, "Slow down"),
    );
    check(
        WorkspaceSetup {
            workspace: "demo".into(),
            name: None,
            departments: vec![DepartmentSetup {
                id: "support".into(),
                name: "Support".into(),
                hours: vec![],
                utc_offset_minutes: 0,
            }],
            sites: vec![SiteSetup::new("website", "Website", "support")],
            agents: vec![AgentSetup {
                email: "anna@demo.test".into(),
                name: "Anna".into(),
                role: Role::Admin,
                password: "hunter2".into(),
                departments: vec!["support".into()],
                username: None,
                capacity: None,
                active: true,
            }],
            grants: vec![],
            routing: None,
            labels: Default::default(),
            files: Default::default(),
            calls: Default::default(),
        },
        json!({
            "workspace": "demo",
            "departments": [{ "id": "support", "name": "Support" }],
            "sites": [{ "id": "website", "name": "Website", "department": "support" }],
            "agents": [{
                "email": "anna@demo.test",
                "name": "Anna",
                "role": "admin",
                "password": "hunter2",
                "departments": ["support"],
            }],
        }),
    );
    check(
        SetupDone {
            agents: vec![anna_profile()],
        },
        json!({ "agents": [anna_profile_json()] }),
    );
    check(SetupDone { agents: vec![] }, json!({ "agents": [] }));
    // Routing settings: defaults fill what is left out.
    check_read(
        json!({ "algorithm": "load_balancing", "departments": [{ "department": "sales", "algorithm": "auto_selection" }] }),
        shared::api::RoutingSetup {
            algorithm: shared::routing::Algorithm::LoadBalancing,
            capacity: None,
            offer_timeout_ms: 30_000,
            grace_ms: 60_000,
            departments: vec![shared::api::DepartmentRouting {
                department: "sales".into(),
                algorithm: Some(shared::routing::Algorithm::AutoSelection),
                capacity: None,
            }],
        },
    );
    check_refused::<VisitorSessionRequest>(json!({}));
    check_refused::<LoginRequest>(json!({ "workspace": "demo", "email": "a@b.c" }));
    check_read(
        json!({
            "id": "a-1", "name": "A", "email": "a@b.c", "role": "owner", "departments": [],
        }),
        AgentProfile {
            id: "a-1".into(),
            name: "A".into(),
            email: "a@b.c".into(),
            role: Role::Unknown,
            departments: vec![],
            username: String::new(),
        },
    );
    check_refused::<AgentProfile>(json!({
        "id": "a-1", "name": "A", "email": "a@b.c", "departments": [],
    }));
}

/// What `ClientFrame::parse` should make of a text.
#[derive(Debug, PartialEq)]
enum Parsed {
    Frame(ClientFrame),
    Bad,
    Unknown(String),
    TooLarge(usize),
}

impl From<ClientFrame> for Parsed {
    fn from(frame: ClientFrame) -> Self {
        Parsed::Frame(frame)
    }
}

#[track_caller]
fn parse(text: &str, expected: impl Into<Parsed>) {
    let actual = match ClientFrame::parse(text) {
        Ok(frame) => Parsed::Frame(frame),
        Err(FrameError::Bad(reason)) => {
            assert!(!reason.is_empty(), "Bad without a reason for {text:?}");
            Parsed::Bad
        }
        Err(FrameError::UnknownType(t)) => Parsed::Unknown(t),
        Err(FrameError::TooLarge(n)) => Parsed::TooLarge(n),
    };
    let shown: String = text.chars().take(80).collect();
    assert_eq!(actual, expected.into(), "parse({shown:?})");
}

fn unknown(t: &str) -> Parsed {
    Parsed::Unknown(t.into())
}

fn hello(version: u32, last_seq: u64) -> ClientFrame {
    ClientFrame::Hello { version, last_seq }
}

fn send(client_id: &str, text: &str) -> ClientFrame {
    ClientFrame::Send {
        client_id: client_id.into(),
        text: text.into(),
        kind: Default::default(),
    }
}

fn delivered(seq: u64) -> ClientFrame {
    ClientFrame::Receipt {
        kind: ReceiptKind::Delivered,
        seq,
    }
}

fn read(seq: u64) -> ClientFrame {
    ClientFrame::Receipt {
        kind: ReceiptKind::Read,
        seq,
    }
}

fn typing(active: bool) -> ClientFrame {
    ClientFrame::Typing { active }
}

fn ping(nonce: u64) -> ClientFrame {
    ClientFrame::Ping { nonce }
}

#[test]
#[rustfmt::skip]
fn parse_classifies() {
    use Parsed::Bad;
    parse(r#"{"type":"hello","version":1,"last_seq":0}"#, hello(1, 0));
    parse(r#"{"type":"hello","version":2,"last_seq":9}"#, hello(2, 9));
    parse(r#"{"last_seq":9,"version":1,"type":"hello"}"#, hello(1, 9));
    parse(r#"{"type":"send","client_id":"c-1","text":"hi"}"#, send("c-1", "hi"));
    // Empty texts and ids are well-formed frames; validating them is the server's job.
    parse(r#"{"type":"send","client_id":"","text":""}"#, send("", ""));
    parse(r#"{"type":"send","client_id":"c-1","text":"a\"b\u00e9"}"#, send("c-1", "a\"bé"));
    parse(r#"{"type":"receipt","kind":"read","seq":4}"#, read(4));
    parse(r#"{"type":"typing","active":false}"#, typing(false));
    parse(r#"{"type":"ping","nonce":5}"#, ping(5));
    parse(r#"{"type":"ping"}"#, ping(0));
    parse(" \n{\"type\":\"ping\"}\t ", ping(0));
    // Unknown fields of a known frame are ignored (no deny_unknown_fields).
    parse(r#"{"type":"ping","nonce":1,"extra":{"a":[1,2]}}"#, ping(1));
    parse(r#"{"type":"send","client_id":"c-1","text":"hi","seq":9}"#, send("c-1", "hi"));
    parse(r#"{"type":"hello","version":1,"last_seq":0,"token":"t"}"#, hello(1, 0));

    parse("", Bad);
    parse(" ", Bad);
    parse("not json", Bad);
    parse("null", Bad);
    parse("42", Bad);
    parse(r#""hello""#, Bad);
    parse("{}", Bad);
    parse("[]", Bad);
    parse("{", Bad);
    parse(r#"{"type":"ping"} {"type":"ping"}"#, Bad);
    parse(r#"{"type":"ping"}x"#, Bad);
    parse(r#"{"type":"hello"}"#, Bad);
    parse(r#"{"type":"hello","version":1}"#, Bad);
    parse(r#"{"type":"hello","version":"1","last_seq":0}"#, Bad);
    parse(r#"{"type":"hello","version":1,"last_seq":-1}"#, Bad);
    parse(r#"{"type":"hello","version":4294967296,"last_seq":0}"#, Bad);
    parse(r#"{"type":"hello","version":1.5,"last_seq":0}"#, Bad);
    parse(r#"{"type":"send","client_id":"c-1"}"#, Bad);
    parse(r#"{"type":"send","text":"hi"}"#, Bad);
    parse(r#"{"type":"send","client_id":null,"text":"hi"}"#, Bad);
    parse(r#"{"type":"receipt","kind":"seen","seq":1}"#, Bad);
    parse(r#"{"type":"receipt","kind":"read"}"#, Bad);
    parse(r#"{"type":"typing"}"#, Bad);
    parse(r#"{"type":"typing","active":1}"#, Bad);
    parse(r#"{"type":"ping","nonce":-1}"#, Bad);
    parse(r#"{"type":"ping","nonce":null}"#, Bad);
    // A `type` that is not a string is malformed, not unknown.
    parse(r#"{"type":5}"#, Bad);
    parse(r#"{"type":null}"#, Bad);
    parse(r#"{"type":true}"#, Bad);
    parse(r#"{"type":["hello"]}"#, Bad);
    parse(r#"{"type":{"name":"hello"}}"#, Bad);
    parse(r#"{"version":1,"last_seq":0}"#, Bad);

    parse(r#"{"type":"nope"}"#, unknown("nope"));
    parse(r#"{"type":""}"#, unknown(""));
    parse(r#"{"type":"Hello","version":1,"last_seq":0}"#, unknown("Hello"));
    parse(r#"{"type":"PING"}"#, unknown("PING"));
    parse(r#"{"type":"welcome"}"#, unknown("welcome"));
    parse(r#"{"type":"ack","client_id":"c-1","seq":1}"#, unknown("ack"));
    parse(r#"{"type":"pong","nonce":1}"#, unknown("pong"));
    parse(r#"{"type":"héllo"}"#, unknown("héllo"));
    // Unknown type names are cut to 64 characters before they are echoed back.
    parse(&format!(r#"{{"type":"{}"}}"#, "x".repeat(200)), unknown(&"x".repeat(64)));
    parse(&format!(r#"{{"type":"{}"}}"#, "é".repeat(100)), unknown(&"é".repeat(64)));
}

#[test]
fn parse_arrays() {
    // serde would read an internally tagged enum from an array, the tag
    // first; the protocol speaks of objects only, so arrays are refused.
    parse(r#"["ping"]"#, Parsed::Bad);
    parse(r#"["ping",3]"#, Parsed::Bad);
    parse(r#"  ["hello",1,2]"#, Parsed::Bad);
    parse(r#"["hello",1]"#, Parsed::Bad);
    parse(r#"["nope"]"#, Parsed::Bad);
}

/// A text of exactly `len` bytes: `body` padded with trailing spaces.
fn padded(body: &str, len: usize) -> String {
    assert!(body.len() <= len);
    format!("{body}{}", " ".repeat(len - body.len()))
}

#[test]
#[rustfmt::skip]
fn parse_limits() {
    use Parsed::{Bad, TooLarge};
    const MAX: usize = MAX_FRAME_BYTES;
    assert_eq!(MAX, 16 * 1024);
    let ping7 = r#"{"type":"ping","nonce":7}"#;
    parse(&padded(ping7, MAX), ping(7));
    parse(&padded(ping7, MAX + 1), TooLarge(MAX + 1));
    parse(&padded(ping7, 10 * MAX), TooLarge(10 * MAX));
    // The limit is checked first: the size wins over any other fault.
    parse(&"x".repeat(MAX + 1), TooLarge(MAX + 1));
    parse(&padded(r#"{"type":"nope"}"#, MAX + 1), TooLarge(MAX + 1));
    // Exactly at the limit but not a frame: malformed or unknown, not too large.
    parse(&"x".repeat(MAX), Bad);
    parse(&padded(r#"{"type":"hello"}"#, MAX), Bad);
    parse(&padded(r#"{"type":"nope"}"#, MAX), unknown("nope"));

    // The limit is in bytes, not characters: 'é' is two bytes.
    let wrap = |text: &str| format!(r#"{{"type":"send","client_id":"c-10","text":"{text}"}}"#);
    let at_limit = "é".repeat((MAX - wrap("").len()) / 2);
    assert_eq!(wrap(&at_limit).len(), MAX);
    parse(&wrap(&at_limit), send("c-10", &at_limit));
    parse(&wrap(&format!("{at_limit}é")), TooLarge(MAX + 2));
}

#[test]
fn frame_errors_map_to_codes() {
    #[track_caller]
    fn error(text: &str, code: ErrorCode, message: &str) {
        let err = ClientFrame::parse(text).expect_err("refused");
        assert_eq!(err.code(), code, "{text:?}");
        assert!(
            err.message().contains(message),
            "{:?} lacks {message:?}",
            err.message()
        );
    }
    let large = " ".repeat(MAX_FRAME_BYTES + 1);
    error(
        &large,
        ErrorCode::TooLarge,
        "frame of 16385 bytes is larger than the 16384 allowed",
    );
    error("not json", ErrorCode::BadFrame, "malformed frame: ");
    error(r#"{"type":"hello"}"#, ErrorCode::BadFrame, "missing field");
    error(
        r#"{"type":"nope"}"#,
        ErrorCode::UnknownFrame,
        r#"unknown frame type "nope""#,
    );
}

#[test]
fn a_site_setup_carries_its_widget_settings_beside_its_id() {
    use shared::site::{
        CustomField, FieldRule, Position, PrechatForm, RatingScale, SiteOptions, SiteTheme,
    };
    check(
        SiteSetup {
            id: "website".into(),
            name: "Website".into(),
            department: "support".into(),
            allowed_origins: vec!["https://*.example.com".into()],
            secret: Some("0123456789abcdef".into()),
            theme: SiteTheme {
                color: "#111111".into(),
                position: Position::Left,
                agent_avatar: None,
            },
            texts: Default::default(),
            prechat: Some(PrechatForm {
                name: FieldRule::Required,
                email: FieldRule::Optional,
                departments: vec!["support".into()],
                fields: vec![CustomField {
                    id: "order".into(),
                    label: "Order number".into(),
                    required: true,
                }],
                skippable: false,
            }),
            rating: RatingScale::Off,
            sound: false,
        },
        json!({
            "id": "website", "name": "Website", "department": "support",
            "allowed_origins": ["https://*.example.com"],
            "secret": "0123456789abcdef",
            "theme": { "color": "#111111", "position": "left" },
            "prechat": { "name": "required", "email": "optional", "departments": ["support"],
                         "fields": [{ "id": "order", "label": "Order number", "required": true }],
                         "skippable": false },
            "rating": "off",
            "sound": false
        }),
    );
    // Every new field is optional.
    let site: SiteSetup =
        from_value(json!({ "id": "w", "name": "W", "department": "d" })).expect("deserializes");
    assert_eq!(site.options(), SiteOptions::default());
    assert!(site.sound);
}
