//! A site's widget settings and the visitor-facing bodies that use them:
//! what a site owner sets in the workspace setup ([`SiteOptions`], part of
//! `SiteSetup`), what the widget reads (`GET /api/v1/visitor/site`:
//! [`SiteConfig`]), who the visitor says they are ([`VisitorUser`], checked
//! into an [`Identity`]), what a pre-chat form asked ([`VisitorDetails`]),
//! and a closed chat's [`Rating`].

use crate::api::DepartmentInfo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Shortest site secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 16;

/// Longest rating comment, in characters.
pub const MAX_RATING_COMMENT_CHARS: usize = 1_000;

/// Most transcript emails a visitor may ask for per conversation.
pub const MAX_VISITOR_TRANSCRIPTS: u8 = 3;

/// Longest pre-chat field value, in characters.
pub const MAX_FIELD_VALUE_CHARS: usize = 256;

/// The widget settings of a site, beside its id, name and department in
/// `SiteSetup`. Every field is optional in a setup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteOptions {
    /// Origins whose pages may embed the widget and call the visitor API:
    /// `https://shop.example`, `http://127.0.0.1:8790`, or
    /// `https://*.example.com` for its subdomains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_origins: Vec<String>,
    /// The site's secret (at least 16 bytes): the key of identity hashes,
    /// and the credential of server-side requests without an `Origin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Colours and placement.
    #[serde(default, skip_serializing_if = "SiteTheme::is_default")]
    pub theme: SiteTheme,
    /// Texts per language (`en`, `es`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, SiteTexts>,
    /// The form before a chat, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prechat: Option<PrechatForm>,
    /// How visitors rate a closed chat.
    #[serde(default, skip_serializing_if = "RatingScale::is_default")]
    pub rating: RatingScale,
    /// Whether the widget may play a short sound for agent messages while
    /// closed.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub sound: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl SiteTheme {
    /// The widget's own look.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl RatingScale {
    /// Stars.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl Default for SiteOptions {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            secret: None,
            theme: SiteTheme::default(),
            texts: BTreeMap::new(),
            prechat: None,
            rating: RatingScale::default(),
            sound: true,
        }
    }
}

/// The widget's look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteTheme {
    /// `#rrggbb`.
    #[serde(default = "default_color")]
    pub color: String,
    /// Which corner the launcher sits in.
    #[serde(default)]
    pub position: Position,
    /// An `https` URL of the agents' picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_avatar: Option<String>,
}

fn default_color() -> String {
    "#2563eb".into()
}

impl Default for SiteTheme {
    fn default() -> Self {
        Self {
            color: default_color(),
            position: Position::Right,
            agent_avatar: None,
        }
    }
}

/// The launcher's corner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Bottom right.
    #[default]
    Right,
    /// Bottom left.
    Left,
}

/// A language's texts; absent ones are the widget's own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteTexts {
    /// The chat's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The first line a visitor reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
}

/// Whether a pre-chat form asks for a value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldRule {
    /// Not asked.
    Off,
    /// Asked, may stay empty.
    #[default]
    Optional,
    /// Asked, needed.
    Required,
}

/// A site's own question on the pre-chat form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomField {
    /// Its key (1 to 32 letters, digits, `_` or `-`), also the contact's
    /// custom field it fills.
    pub id: String,
    /// The question.
    pub label: String,
    /// Whether it must be answered.
    #[serde(default)]
    pub required: bool,
}

/// The form before a chat, as set up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrechatForm {
    /// The visitor's name.
    #[serde(default)]
    pub name: FieldRule,
    /// The visitor's email.
    #[serde(default)]
    pub email: FieldRule,
    /// Department ids the visitor may pick from (empty: no choice).
    #[serde(default)]
    pub departments: Vec<String>,
    /// The site's own questions.
    #[serde(default)]
    pub fields: Vec<CustomField>,
    /// Whether the visitor may start without filling it.
    #[serde(default)]
    pub skippable: bool,
}

/// How a closed chat is rated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingScale {
    /// 1 to 5 stars.
    #[default]
    Stars,
    /// Thumbs: 1 is down, 5 is up.
    Thumbs,
    /// No rating.
    Off,
}

/// `GET /api/v1/visitor/site?site_key=K`: what the loader and the frame
/// need to draw the widget. Never holds the secret or the origins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteConfig {
    /// The key asked for.
    pub site_key: String,
    /// The site's name.
    pub name: String,
    /// Colours and placement.
    pub theme: SiteTheme,
    /// Texts per language.
    #[serde(default)]
    pub texts: BTreeMap<String, SiteTexts>,
    /// The form before a chat, if any.
    #[serde(default)]
    pub prechat: Option<PrechatConfig>,
    /// How visitors rate a closed chat.
    pub rating: RatingScale,
    /// Whether the widget may play a sound.
    pub sound: bool,
    /// Whether a chat would reach someone now.
    pub online: bool,
    /// The site's department id.
    pub department: String,
}

/// [`PrechatForm`] as the widget draws it: departments with their names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrechatConfig {
    /// The visitor's name.
    pub name: FieldRule,
    /// The visitor's email.
    pub email: FieldRule,
    /// Departments to pick from (empty: no choice).
    pub departments: Vec<DepartmentInfo>,
    /// The site's own questions.
    pub fields: Vec<CustomField>,
    /// Whether the visitor may start without filling it.
    pub skippable: bool,
}

/// Who the host page says the visitor is (`LiveChat("setUser", …)`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorUser {
    /// The site's own user id.
    pub id: String,
    /// Their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Lowercase hex HMAC-SHA256 of `id` under the site's secret, made by
    /// the site's server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// What the server made of a [`VisitorUser`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Anonymous, verified or unverified.
    pub status: IdentityStatus,
    /// For an unverified user: why, as a sentence for the console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Identity {
    /// No user given.
    pub fn anonymous() -> Self {
        Self {
            status: IdentityStatus::Anonymous,
            reason: None,
        }
    }
}

/// See [`Identity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    /// No user given.
    Anonymous,
    /// The hash matched: the visitor is that user on every device.
    Verified,
    /// A user was given but not proven: a fresh anonymous visitor.
    Unverified,
}

/// What a pre-chat form (or a verified user) told about the visitor, kept
/// with the conversation and shown to agents in room information.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VisitorDetails {
    /// Their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Answers to the site's own questions, by field id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// The language the widget speaks (`en`, `es`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl VisitorDetails {
    /// Nothing told.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `POST /api/v1/visitor/conversations/{id}/rating`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingRequest {
    /// 1 to 5 (thumbs: 1 down, 5 up).
    pub score: u8,
    /// At most 1,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A closed chat's rating, as stored and shown to agents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rating {
    /// 1 to 5.
    pub score: u8,
    /// The visitor's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When, in ms since the epoch.
    pub at: i64,
}

/// `POST /api/v1/visitor/conversations/{id}/transcript`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptRequest {
    /// Where to send it.
    pub email: String,
}
