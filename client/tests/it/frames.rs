//! Literal server frames and client frames, as the edge sends and expects
//! them, and the people who write them: shared by the tests of `ChatState`
//! and of `Session`.

use shared::frame::{
    ClientFrame, ConversationStatus, ConversationView, ErrorCode, Message, MessageKind,
    Participant, ReceiptKind, ServerFrame, Side, Watermark,
};
use shared::ids::Seq;

pub fn person(side: Side, id: &str, name: &str) -> Participant {
    Participant {
        side,
        id: id.into(),
        name: name.into(),
    }
}

/// The visitor; "me" in most tests.
pub fn vera() -> Participant {
    person(Side::Visitor, "v-1", "Vera")
}

/// The agent working the conversation.
pub fn anna() -> Participant {
    person(Side::Agent, "a-1", "Anna")
}

/// Another agent, on the same side as Anna.
pub fn bert() -> Participant {
    person(Side::Agent, "a-2", "Bert")
}

pub fn system() -> Participant {
    person(Side::System, "system", "System")
}

pub fn conversation(status: ConversationStatus) -> ConversationView {
    ConversationView {
        id: "conv-1".into(),
        status,
        department: "support".into(),
        visitor: vera(),
        assignee: (status == ConversationStatus::Active).then(anna),
        members: Vec::new(),
    }
}

pub fn welcome(you: Participant, last_seq: Seq, receipts: Vec<Watermark>) -> ServerFrame {
    ServerFrame::Welcome {
        version: 1,
        conversation: conversation(ConversationStatus::Active),
        you,
        last_seq,
        receipts,
    }
}

pub fn message(seq: Seq, author: Participant, client_id: Option<&str>, text: &str) -> Message {
    let kind = if author.side == Side::System {
        MessageKind::System
    } else {
        MessageKind::Text
    };
    Message {
        seq,
        client_id: client_id.map(Into::into),
        author,
        kind,
        to: None,
        text: text.into(),
        sent_at: 1_700_000_000_000 + seq as i64,
        attachment: None,
    }
}

/// A message frame; `client_id` only for people's messages.
pub fn msg(seq: Seq, author: Participant, client_id: &str, text: &str) -> ServerFrame {
    ServerFrame::Message(message(seq, author, Some(client_id), text))
}

pub fn system_line(seq: Seq, text: &str) -> ServerFrame {
    ServerFrame::Message(message(seq, system(), None, text))
}

pub fn ack(client_id: &str, seq: Seq) -> ServerFrame {
    ServerFrame::Ack {
        client_id: client_id.into(),
        seq,
        sent_at: 1_700_000_000_000 + seq as i64,
    }
}

pub fn watermark(who: Participant, delivered: Seq, read: Seq) -> Watermark {
    Watermark {
        participant: who,
        delivered,
        read,
    }
}

pub fn receipt(who: Participant, delivered: Seq, read: Seq) -> ServerFrame {
    ServerFrame::Receipt(watermark(who, delivered, read))
}

pub fn typing(who: Participant, active: bool) -> ServerFrame {
    ServerFrame::Typing { who, active }
}

pub fn store_failed(client_id: &str, text: &str) -> ServerFrame {
    ServerFrame::Error {
        code: ErrorCode::StoreFailed,
        message: text.into(),
        client_id: Some(client_id.into()),
    }
}

pub fn send(client_id: &str, text: &str) -> ClientFrame {
    ClientFrame::Send {
        client_id: client_id.into(),
        text: text.into(),
        kind: Default::default(),
    }
}

pub fn delivered(seq: Seq) -> ClientFrame {
    ClientFrame::Receipt {
        kind: ReceiptKind::Delivered,
        seq,
    }
}

pub fn read(seq: Seq) -> ClientFrame {
    ClientFrame::Receipt {
        kind: ReceiptKind::Read,
        seq,
    }
}

pub fn hello(last_seq: Seq) -> ClientFrame {
    ClientFrame::Hello {
        version: shared::PROTOCOL_VERSION,
        last_seq,
    }
}
