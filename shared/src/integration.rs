//! Bodies of the HTTP API for a site's own systems: routes under
//! `/api/v1/` that take an API token (`Authorization: Bearer lct_…`, made
//! under "API tokens" with its scopes) instead of a person's token. The
//! OpenAPI document served at `GET /api/v1/openapi.json` describes every
//! route, generated from these types (feature `schema`).
//!
//! | Route | Scope | Body | Answer |
//! |---|---|---|---|
//! | `GET /api/v1/conversations?status=&department=&from=&to=&limit=&cursor=` | `conversations_read` | | [`ConversationList`] |
//! | `GET /api/v1/conversations/{id}?after=&limit=` | `conversations_read` | | [`ConversationDetail`] |
//! | `POST /api/v1/conversations/{id}/close` | `conversations_write` | [`crate::api::CloseRequest`] | [`crate::inbox::ConversationSummary`] |
//! | `PUT /api/v1/conversations/{id}/tags` | `conversations_write` | [`TagsRequest`] | [`crate::inbox::ConversationSummary`] |
//! | `GET /api/v1/contacts?q=&limit=&offset=` | `contacts_read` | | [`crate::contacts::ContactPage`] |
//! | `GET /api/v1/contacts/{id}` | `contacts_read` | | [`crate::contacts::ContactDetail`] |
//! | `POST /api/v1/contacts` | `contacts_write` | [`ContactCreate`] | [`crate::contacts::ContactDetail`] (201) |
//! | `PATCH /api/v1/contacts/{id}` | `contacts_write` | [`crate::contacts::ContactPatch`] | [`crate::contacts::ContactDetail`] |
//! | `GET /api/v1/offline-messages` | `offline_read` | | `Vec<`[`crate::api::OfflineMessage`]`>` |
//! | `GET /api/v1/reports?from=&to=&department=&agent=&tz=[&format=csv&table=]` | `reports_read` | | [`crate::admin::Report`], or one table as `text/csv` |
//!
//! Errors answer [`crate::api::ApiError`]: 400 with the reason, 401 for a
//! missing, unknown or revoked token, 403 for a token without the scope,
//! 404 for anything not of the token's workspace.

use crate::frame::{ConversationStatus, Message, Participant};
use crate::ids::ConversationId;
use crate::room::RoomInfo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One conversation in [`ConversationList`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationItem {
    /// The conversation.
    pub id: ConversationId,
    /// Where it is in its life: `queued`, `active`, `on_hold` or `closed`.
    pub status: ConversationStatus,
    /// Its department.
    pub department: String,
    /// Its contact (the visitor id).
    pub contact: String,
    /// The agent working it (or who worked it last, once closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Participant>,
    /// When it started (entered the queue), in ms since the Unix epoch.
    pub created_at: i64,
    /// When it closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
    /// The visitor's first message.
    #[serde(default)]
    pub preview: String,
}

/// `GET /api/v1/conversations`: newest first (by `created_at`, then id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationList {
    /// This page.
    pub conversations: Vec<ConversationItem>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/conversations/{id}`: the conversation's room information
/// and its messages as the workspace's agents read them (visitor and
/// agent messages, system lines, forward comments and internal notes;
/// never a whisper), oldest first from `after`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConversationDetail {
    /// "Room information": status, agent, times, topic, tags, closing.
    pub room: RoomInfo,
    /// Messages with `seq` above `after`, at most `limit`.
    pub messages: Vec<Message>,
    /// Pass as `after` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u64>,
}

/// `PUT /api/v1/conversations/{id}/tags`: the conversation's tags, all of
/// them (checked against the workspace's list when it restricts tags).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TagsRequest {
    /// The new tags (at most 20, each at most 64 characters).
    pub tags: Vec<String>,
}

/// `POST /api/v1/contacts`: a new contact. With `site` and `user_id` its
/// id is the one that site's signed user gets (so their chats find this
/// record); otherwise a new id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactCreate {
    /// The name agents see (1 to 100 characters).
    pub name: String,
    /// Their email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Their user name on the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The agent who manages the contact (an agent id of the workspace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// The workspace's own fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, String>,
    /// The site whose signed users `user_id` names (with `user_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The site's own id of the user, as its pages sign it (with `site`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Every route of this API: method, path (OpenAPI's template) and the
/// scope it needs (`None`: no token). The worker routes exactly these
/// (`edge/src/integration_api.rs`), the OpenAPI document describes
/// exactly these, and the integration tests call each one.
pub const ROUTES: &[(&str, &str, Option<crate::admin::ApiScope>)] = {
    use crate::admin::ApiScope::*;
    &[
        ("get", "/api/v1/openapi.json", None),
        ("get", "/api/v1/conversations", Some(ConversationsRead)),
        ("get", "/api/v1/conversations/{id}", Some(ConversationsRead)),
        (
            "post",
            "/api/v1/conversations/{id}/close",
            Some(ConversationsWrite),
        ),
        (
            "put",
            "/api/v1/conversations/{id}/tags",
            Some(ConversationsWrite),
        ),
        ("get", "/api/v1/contacts", Some(ContactsRead)),
        ("post", "/api/v1/contacts", Some(ContactsWrite)),
        ("get", "/api/v1/contacts/{id}", Some(ContactsRead)),
        ("patch", "/api/v1/contacts/{id}", Some(ContactsWrite)),
        ("get", "/api/v1/offline-messages", Some(OfflineRead)),
        ("get", "/api/v1/reports", Some(ReportsRead)),
    ]
};
