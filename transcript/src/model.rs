//! What a transcript is made from: plain values the caller fills in.
//!
//! Every time is milliseconds since the Unix epoch (UTC), as the rest of the
//! product keeps them; [`Header::utc_offset_minutes`] only says how to show
//! them. The crate reads no clock.
//!
//! There is deliberately no kind of message for internal notes: a transcript
//! holds what the conversation's participants said and the system lines, and
//! the caller must never pass an internal note (not as a message, not inside a
//! comment). A forward's comment is internal too: it belongs in
//! [`Transfer::comment`], which the PDF for agents shows; a caller making a
//! copy for the visitor leaves those comments out.

use serde::{Deserialize, Serialize};

/// A closed conversation: its room information and its messages in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The room information printed at the top of the first page.
    pub header: Header,
    /// The messages, in the order they are printed (normally by `seq`).
    #[serde(default)]
    pub messages: Vec<Message>,
}

/// The room information of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The document's title, e.g. "Conversation with Anna".
    pub title: String,
    /// The conversation's id, printed as given.
    pub conversation_id: String,
    /// The workspace's name.
    #[serde(default)]
    pub workspace: String,
    /// The department the conversation was in when it closed, if any.
    #[serde(default)]
    pub department: Option<String>,
    /// The visitor's name, if known.
    #[serde(default)]
    pub visitor_name: Option<String>,
    /// The visitor's email, if known.
    #[serde(default)]
    pub visitor_email: Option<String>,
    /// The agents who worked the conversation, in the order given.
    #[serde(default)]
    pub agents: Vec<String>,
    /// When the conversation was created (ms since the epoch).
    pub created_at: i64,
    /// When an agent first took it, if one did.
    #[serde(default)]
    pub taken_at: Option<i64>,
    /// When it closed.
    #[serde(default)]
    pub closed_at: Option<i64>,
    /// The offset from UTC, in minutes, in which every time is shown
    /// (e.g. 120 for UTC+02:00). Values beyond ±18 hours are shown as UTC.
    #[serde(default)]
    pub utc_offset_minutes: i32,
    /// The conversation's topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// Its tags, in the order given.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The disposition it closed with, if any.
    #[serde(default)]
    pub disposition: Option<String>,
    /// The closing comment.
    #[serde(default)]
    pub closing_comment: Option<String>,
    /// Its forwards, oldest first.
    #[serde(default)]
    pub transfers: Vec<Transfer>,
}

/// One forward of the conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// When it was forwarded (ms since the epoch).
    pub at: i64,
    /// Who forwarded it (an agent's name).
    pub from: String,
    /// Where it went: an agent's or a department's name.
    pub to: String,
    /// The forwarding agent's comment (internal: only for agents' copies).
    #[serde(default)]
    pub comment: Option<String>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The visitor.
    #[default]
    Visitor,
    /// An agent (or a supervisor who wrote in the conversation).
    Agent,
    /// The product itself: "Anna took the conversation", "Moved to the queue".
    System,
}

/// One message of the conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its sequence number in the conversation (not printed; it keeps the
    /// caller's order checkable).
    pub seq: u64,
    /// The author's display name; ignored for system lines.
    #[serde(default)]
    pub author: String,
    /// Who wrote it.
    pub side: Side,
    /// When it was stored (ms since the epoch).
    pub sent_at: i64,
    /// Its text as written, markup characters included. Line breaks are kept.
    #[serde(default)]
    pub text: String,
    /// Its attachments, in order.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// A file attached to a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's name as uploaded.
    pub name: String,
    /// Its media type as stored, e.g. `image/png`.
    #[serde(default)]
    pub mime_type: String,
    /// Its size in bytes.
    #[serde(default)]
    pub size: u64,
    /// The file's bytes, for the images to embed. Only read when
    /// [`Options::with_attachments`](crate::Options::with_attachments) is set,
    /// and only for JPEG and PNG; leave it `None` for any other file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
}
