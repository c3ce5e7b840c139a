//! Frames of the agent's inbox socket: the live lists of a workspace's
//! conversations ("Queued Chats", "Chats in Progress") as one agent may see
//! them. The server sends; a client may only ping ([`InboxClientFrame`]).

use crate::frame::{ConversationStatus, Participant};
use crate::ids::ConversationId;
use serde::{Deserialize, Serialize};

/// One line of a conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationSummary {
    /// The conversation.
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
    /// Agents invited to it, who work it beside its agent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Participant>,
    /// The visitor's first message, for the queue preview.
    pub preview: String,
    /// When it entered the queue, in milliseconds since the Unix epoch.
    pub queued_at: i64,
    /// Its place in the queue's order. The workspace keeps it (agents set
    /// it); a conversation announces the default.
    #[serde(default)]
    pub priority: crate::routing::Priority,
}

/// An offer waiting for an agent's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOffer {
    /// The conversation.
    pub conversation: ConversationSummary,
    /// When the offer lapses, in milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// A frame from the workspace to an agent's inbox socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboxFrame {
    /// Sent once on connect: every conversation the agent may see.
    Snapshot {
        /// Waiting in a queue of one of the agent's departments.
        queued: Vec<ConversationSummary>,
        /// Assigned to this agent and not closed.
        mine: Vec<ConversationSummary>,
        /// Offers waiting for this agent's answer.
        #[serde(default)]
        offers: Vec<PendingOffer>,
    },
    /// A conversation was added to, or changed in, one of the lists.
    Upsert {
        /// Its new summary; its status and assignee say which list.
        conversation: ConversationSummary,
    },
    /// A conversation left every list this agent sees (taken by someone else,
    /// closed).
    Remove {
        /// Which.
        id: ConversationId,
    },
    /// Auto routing offers this agent a conversation: "Accept" or "Decline"
    /// before `expires_at`, or it passes to the next agent.
    Offer {
        /// The conversation.
        conversation: ConversationSummary,
        /// When the offer lapses, in milliseconds since the Unix epoch.
        expires_at: i64,
    },
    /// An offer to this agent ended without acceptance (declined, timed out,
    /// withdrawn).
    OfferEnded {
        /// The conversation.
        id: ConversationId,
    },
    /// Answer to a ping.
    Pong,
    /// A frame from the client was refused; the socket stays open.
    Error {
        /// Stable code (`bad_frame`, `unknown_frame`, `too_large`).
        code: crate::ErrorCode,
        /// A sentence for people.
        message: String,
    },
}

/// A frame from an agent's inbox socket to the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboxClientFrame {
    /// Keep-alive; answered with [`InboxFrame::Pong`].
    Ping,
}
