//! Bodies of the API about what happens inside one conversation: its room
//! information, invitations, message search and the supervisors' list of
//! every chat.

use crate::frame::{Message, Participant};
use crate::inbox::ConversationSummary;
use crate::routing::Priority;
use serde::{Deserialize, Serialize};

/// Longest topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 200;

/// Longest search query or pattern, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Most search hits answered at once.
pub const MAX_HITS: usize = 200;

/// The tags and dispositions a workspace keeps, in its setup and its
/// directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    /// Tags agents pick from.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Outcomes a closed chat may have. When the list is not empty, a
    /// disposition must be one of them.
    #[serde(default)]
    pub dispositions: Vec<String>,
    /// When set, a tag must be one of `tags` (free text is refused).
    #[serde(default)]
    pub restrict_tags: bool,
}

impl Labels {
    /// No lists kept and tags free.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `GET /api/v1/agent/conversations/{id}/room`: "Room information".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoomInfo {
    /// The conversation as its participants see it.
    pub conversation: crate::frame::ConversationView,
    /// When the visitor opened it (ms since the epoch).
    pub created_at: i64,
    /// When it entered the queue (0: never).
    pub queued_at: i64,
    /// When an agent first took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<i64>,
    /// How long it waited in the queue before that, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_time_ms: Option<i64>,
    /// From the visitor's first message to the first agent reply, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_ms: Option<i64>,
    /// The mean time agents took to answer the visitor, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_response_ms: Option<i64>,
    /// Its priority in the queue (from the workspace).
    #[serde(default)]
    pub priority: Priority,
    /// What it is about.
    #[serde(default)]
    pub topic: String,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// How it ended, once closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
    /// The closing comment, once closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_comment: Option<String>,
    /// When it closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
    /// Every forward, oldest first.
    #[serde(default)]
    pub transfers: Vec<TransferInfo>,
    /// What the visitor's pre-chat form told (name, email, answers).
    #[serde(default, skip_serializing_if = "crate::site::VisitorDetails::is_empty")]
    pub visitor: crate::site::VisitorDetails,
    /// The visitor's rating of the closed chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::site::Rating>,
    /// Its calls: how many, how many answered, their time in sum.
    #[serde(default)]
    pub calls: CallSummary,
}

/// A conversation's calls in sum ("Room information", reports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CallSummary {
    /// Calls started.
    pub count: u32,
    /// Calls the visitor accepted.
    #[serde(default)]
    pub answered: u32,
    /// Their connected time in sum, in milliseconds.
    #[serde(default)]
    pub total_ms: i64,
}

impl CallSummary {
    /// No call yet.
    pub fn is_zero(&self) -> bool {
        self.count == 0
    }
}

/// One forward in [`RoomInfo::transfers`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransferInfo {
    /// When.
    pub at: i64,
    /// Who forwarded.
    pub by: Participant,
    /// To whom or where, as a name.
    pub to: String,
    /// The comment for the receiver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `POST /api/v1/agent/conversations/{id}/room`: change the topic, the tags
/// or the priority ("Room information", edited). Fields left out keep their
/// value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomEdit {
    /// The new topic ("" clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The new tags, all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The new priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
}

/// `POST /api/v1/agent/conversations/{id}/invite` ("/invite @username").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRequest {
    /// The username, with or without its `@`.
    pub username: String,
}

/// `GET /api/v1/agent/conversations/{id}/search?q=&regex=`: the messages
/// that match, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The matching messages (at most [`MAX_HITS`]).
    pub hits: Vec<Message>,
    /// How many messages were searched.
    pub searched: usize,
    /// True when more matched than were answered.
    pub truncated: bool,
}

/// `GET /api/v1/agent/all-chats`: every open conversation of the
/// workspace, for supervisors ("All chats").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllChats {
    /// Queued, in progress and on hold, newest first.
    pub conversations: Vec<ConversationSummary>,
}
