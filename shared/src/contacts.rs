//! Bodies of the contacts API under `/api/v1/agent/contacts`: a workspace's
//! contacts (one per visitor id), their editable record and the list of
//! their conversations. The rules (what a valid field is, what a search
//! means, who may read or edit) are in `chat_core::contacts`.

use crate::frame::{ConversationStatus, Participant};
use crate::ids::{AgentId, ConversationId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A contact's most recent conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LastChat {
    /// When it started, in milliseconds since the Unix epoch.
    pub at: i64,
    /// Which conversation.
    pub conversation: ConversationId,
}

/// A contact's record: who a visitor is, as agents know them. Its id is the
/// visitor id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Contact {
    /// The visitor id.
    pub id: String,
    /// The name agents see.
    pub name: String,
    /// Their email, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their phone, once known, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Their user name on the site, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// When the contact was created (their first conversation started), in
    /// milliseconds since the Unix epoch.
    pub created_at: i64,
    /// Their most recent conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_chat: Option<LastChat>,
    /// The agent of the workspace who manages this contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<AgentId>,
    /// The workspace's own fields, key to value.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
}

/// One conversation of a contact, as their record lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactConversation {
    /// The conversation.
    pub id: ConversationId,
    /// Its department.
    pub department: String,
    /// The agent who worked it last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Participant>,
    /// Where it is in its life (as last known: open ones are read from the
    /// workspace when it lists them).
    pub status: ConversationStatus,
    /// When it started, in milliseconds since the Unix epoch.
    pub created_at: i64,
    /// When it closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
    /// The visitor's first message (its topic).
    #[serde(default)]
    pub preview: String,
}

/// `GET /api/v1/agent/contacts/{id}` and
/// `GET /api/v1/agent/conversations/{id}/contact`: the record and the
/// conversations the agent may open, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactDetail {
    /// The record.
    pub contact: Contact,
    /// Their conversations the agent may open, newest first.
    pub conversations: Vec<ContactConversation>,
    /// Whether the asking agent may edit the record (the server checks
    /// again on every edit).
    pub may_edit: bool,
}

/// `GET /api/v1/agent/contacts?q=&limit=&offset=`: one page of the
/// directory, newest contacts first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactPage {
    /// The contacts found.
    pub contacts: Vec<Contact>,
    /// True when more follow (ask again with `offset` + `limit`).
    pub more: bool,
}

/// `PATCH /api/v1/agent/contacts/{id}`: the fields to change; absent ones
/// stay. An empty string clears an optional field (never the name).
/// `custom_fields`, when given, replaces every custom field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    /// A new name (1 to 100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new email, or `""` to clear it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A new phone, or `""` to clear it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A new user name, or `""` to clear it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// A new contact manager (an agent id of the workspace), or `""` for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// Every custom field, replacing the ones stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<BTreeMap<String, String>>,
}

/// `GET /api/v1/agent/contacts/{id}/history?q=`: the contact's conversations
/// the agent may open whose visitor-visible text matches `q` (all of them
/// when `q` is empty), newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactHistory {
    /// The conversations found.
    pub conversations: Vec<ContactConversation>,
}
