//! Bodies of the administration API: sign-up, the workspace's settings,
//! people and invitations, the audit log, webhooks, API tokens and reports.
//!
//! Every route under `/api/v1/admin/` takes the bearer token of a person
//! whose role has `manage_workspace` in that workspace, checked by the
//! workspace on every request; a refused change answers 400 with the
//! reason and changes nothing. Every change is written to the audit log.
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `GET /api/v1/signup` | | [`SignupInfo`] |
//! | `POST /api/v1/signup` | [`SignupRequest`] | [`crate::api::LoginResponse`] |
//! | `GET /api/v1/admin/settings` | | [`Settings`] |
//! | `PUT /api/v1/admin/settings/departments` | `Vec<DepartmentSetup>` | [`Settings`] |
//! | `PUT /api/v1/admin/settings/sites` | `Vec<SiteSetup>` | [`Settings`] |
//! | `POST /api/v1/admin/sites/{id}/secret` | | [`RotatedSecret`] |
//! | `PUT /api/v1/admin/settings/routing` | [`crate::api::RoutingSetup`] | [`Settings`] |
//! | `PUT /api/v1/admin/settings/grants` | `Vec<RoleGrants>` | [`Settings`] |
//! | `PUT /api/v1/admin/settings/labels` | [`crate::room::Labels`] | [`Settings`] |
//! | `PUT /api/v1/admin/settings/calls` | [`crate::call::CallSettings`] | [`Settings`] |
//! | `PUT /api/v1/admin/workspace` | [`crate::api::WorkspaceSetup`] | [`crate::api::SetupDone`] |
//! | `GET /api/v1/admin/people` | | `Vec<PersonInfo>` |
//! | `PATCH /api/v1/admin/people/{id}` | [`PersonEdit`] | [`PersonInfo`] |
//! | `POST /api/v1/admin/people/{id}/password-reset` | | [`LinkSent`] |
//! | `GET /api/v1/admin/invitations` | | `Vec<Invitation>` |
//! | `POST /api/v1/admin/invitations` | [`InvitationRequest`] | [`LinkSent`] |
//! | `DELETE /api/v1/admin/invitations/{id}` | | `{}` |
//! | `GET /api/v1/invitations/{token}` | | [`InvitationInfo`] |
//! | `POST /api/v1/invitations/{token}/accept` | [`AcceptInvitation`] | [`crate::api::LoginResponse`] |
//! | `POST /api/v1/password-resets/{token}` | [`NewPassword`] | [`crate::api::LoginResponse`] |
//! | `GET /api/v1/admin/audit?who=&what=&from=&to=&before=` | | [`AuditPage`] |
//! | `GET /api/v1/admin/api-tokens` | | `Vec<ApiTokenInfo>` |
//! | `POST /api/v1/admin/api-tokens` | [`ApiTokenRequest`] | [`ApiTokenCreated`] |
//! | `DELETE /api/v1/admin/api-tokens/{id}` | | `{}` |
//! | `GET /api/v1/admin/webhooks` | | `Vec<Webhook>` |
//! | `POST /api/v1/admin/webhooks` | [`WebhookRequest`] | [`Webhook`] |
//! | `PUT /api/v1/admin/webhooks/{id}` | [`WebhookRequest`] | [`Webhook`] |
//! | `DELETE /api/v1/admin/webhooks/{id}` | | `{}` |
//! | `GET /api/v1/admin/webhooks/{id}/deliveries` | | `Vec<Delivery>` |
//! | `POST /api/v1/admin/webhooks/{id}/deliveries/{delivery}/redeliver` | | [`Delivery`] |
//! | `GET /api/v1/reports?from=&to=&department=&agent=&tz=` | | [`Report`] |
//!
//! Canned responses keep their routes (`/api/v1/agent/canned`): a person
//! with `manage_workspace` makes and removes public and department ones.

use crate::api::{DepartmentSetup, RoleGrants, RoutingSetup, SiteSetup};
use crate::api::{Permission, Role};
use crate::ids::AgentId;
use serde::{Deserialize, Serialize};

/// `GET /api/v1/signup`: whether this deployment takes sign-ups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupInfo {
    /// False when the deployment has no sign-up code set.
    pub open: bool,
    /// Whether a sign-up must carry the deployment's code.
    pub code_required: bool,
}

/// `POST /api/v1/signup`: a new workspace and its first administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupRequest {
    /// The deployment's sign-up code (`SIGNUP_CODE`).
    #[serde(default)]
    pub code: String,
    /// The new workspace's slug (letters, digits, `-`, `_`); refused when
    /// taken.
    pub workspace: String,
    /// The workspace's display name.
    pub workspace_name: String,
    /// The administrator's name.
    pub name: String,
    /// The administrator's sign-in email.
    pub email: String,
    /// The administrator's password (at least 8 characters).
    pub password: String,
}

/// `GET /api/v1/admin/settings`: the workspace as its administrators edit
/// it. Sites carry their identity secret: only administrators read this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The workspace's slug.
    pub workspace: String,
    /// Its display name.
    pub name: String,
    /// Its departments, with business hours and time zone.
    pub departments: Vec<DepartmentSetup>,
    /// Its sites.
    pub sites: Vec<SiteSetup>,
    /// Routing; manual selection when absent.
    #[serde(default)]
    pub routing: Option<RoutingSetup>,
    /// Every role's permissions as they apply now (defaults included).
    pub grants: Vec<RoleGrants>,
    /// Tags and dispositions.
    #[serde(default)]
    pub labels: crate::room::Labels,
    /// Calls: on or off per site and department, ring timeout, STUN and
    /// TURN (the TURN secret included: only administrators read this).
    #[serde(default)]
    pub calls: crate::call::CallSettings,
}

/// Answer to `POST /api/v1/admin/sites/{id}/secret`: the site's new
/// identity secret. The old one stops verifying users at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedSecret {
    /// The site.
    pub site: String,
    /// The new secret, to put in the site's server.
    pub secret: String,
}

/// A person of the workspace, as administrators list them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonInfo {
    /// Their id.
    pub id: AgentId,
    /// Sign-in email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Departments they work.
    pub departments: Vec<String>,
    /// Their own limit of simultaneous chats, overriding the workspace's.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// False once deactivated: cannot sign in, gets no chats.
    pub active: bool,
    /// The name colleagues `/invite` them by.
    #[serde(default)]
    pub username: String,
}

/// `PATCH /api/v1/admin/people/{id}`: only the fields given change. A
/// deactivation signs the person out at once and sends their chats back
/// to the queue; the last active administrator cannot be deactivated or
/// lose the role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEdit {
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// New departments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departments: Option<Vec<String>>,
    /// New own capacity; `Some(None)` (JSON `null`) removes it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub capacity: Option<Option<u32>>,
    /// Deactivate (`false`) or reactivate (`true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A one-time link sent by email (invitation, password reset).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSent {
    /// The invitation's id (for a password reset, the person's).
    pub id: String,
    /// Where the email went.
    pub email: String,
    /// The link itself, for an administrator to pass on another way.
    pub link: String,
    /// When it stops working (ms since the epoch).
    pub expires_at: i64,
}

/// `POST /api/v1/admin/invitations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRequest {
    /// Whom to invite; not already a person of the workspace.
    pub email: String,
    /// Their name, which they may change on accepting.
    #[serde(default)]
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their departments.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Their own capacity.
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// An invitation not yet accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Its id.
    pub id: String,
    /// Who was invited.
    pub email: String,
    /// The name given.
    pub name: String,
    /// The role they will have.
    pub role: Role,
    /// Their departments.
    pub departments: Vec<String>,
    /// Who invited them.
    pub invited_by: String,
    /// When (ms since the epoch).
    pub created_at: i64,
    /// When the link stops working.
    pub expires_at: i64,
}

/// `GET /api/v1/invitations/{token}`: what the accept page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    /// The workspace's slug.
    pub workspace: String,
    /// Its display name.
    pub workspace_name: String,
    /// Who was invited.
    pub email: String,
    /// The name given.
    pub name: String,
}

/// `POST /api/v1/invitations/{token}/accept`: the link works once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInvitation {
    /// The person's name.
    pub name: String,
    /// Their password (at least 8 characters).
    pub password: String,
}

/// `POST /api/v1/password-resets/{token}`: the link works once and ends
/// every earlier session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPassword {
    /// The new password (at least 8 characters).
    pub password: String,
}

/// One change to the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its number, increasing.
    pub id: i64,
    /// When (ms since the epoch).
    pub at: i64,
    /// Who: a person's id, `operator` (the deployment's setup token) or
    /// `api:<token id>`.
    pub who: String,
    /// Their name when a person.
    #[serde(default)]
    pub who_name: String,
    /// What, as a stable word: `departments.update`, `sites.update`,
    /// `site.secret.rotate`, `routing.update`, `grants.update`,
    /// `labels.update`, `person.update`, `person.invite`,
    /// `person.join`, `person.password_reset`, `invitation.revoke`,
    /// `canned.create`, `canned.remove`, `api_token.create`,
    /// `api_token.revoke`, `webhook.create`, `webhook.update`,
    /// `webhook.remove`, `webhook.redeliver`, `workspace.setup`,
    /// `workspace.create`.
    pub what: String,
    /// What it applied to (an id, an email), if anything.
    #[serde(default)]
    pub target: String,
    /// A sentence for people: what changed.
    pub summary: String,
}

/// `GET /api/v1/admin/audit`: newest first, at most 100; `next_before`
/// asks for the page after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for older entries; none at the end.
    #[serde(default)]
    pub next_before: Option<i64>,
}

/// `POST /api/v1/admin/api-tokens`: a token for the site's own systems,
/// with the permissions it carries (at most those of the person making
/// it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenRequest {
    /// What it is for.
    pub name: String,
    /// What it may do: [`ApiScope`]s.
    pub scopes: Vec<ApiScope>,
}

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiScope {
    /// List and read conversations with their messages.
    ConversationsRead,
    /// Close and tag conversations.
    ConversationsWrite,
    /// Read contacts.
    ContactsRead,
    /// Create and update contacts.
    ContactsWrite,
    /// Read offline messages.
    OfflineRead,
    /// Read reports.
    ReportsRead,
    /// A scope this build does not know; refused.
    #[serde(other)]
    Unknown,
}

/// An API token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenInfo {
    /// Its id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<ApiScope>,
    /// Its first characters, to recognise it.
    pub prefix: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: i64,
    /// When last used, if ever.
    #[serde(default)]
    pub last_used_at: Option<i64>,
}

/// Answer to [`ApiTokenRequest`]: the secret is shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenCreated {
    /// The token as listed.
    pub info: ApiTokenInfo,
    /// The bearer token, `lct_…`.
    pub token: String,
}

/// Events a webhook may subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookEvent {
    /// A conversation entered a queue.
    ChatQueued,
    /// An agent took or accepted a conversation.
    ChatTaken,
    /// A visitor wrote.
    VisitorMessage,
    /// An agent wrote (not a note or a whisper).
    AgentMessage,
    /// A conversation was forwarded.
    ChatTransferred,
    /// A conversation was placed on hold.
    ChatOnHold,
    /// A conversation was closed (with comment, tags, disposition and
    /// rating when given).
    ChatClosed,
    /// A visitor left an offline message.
    OfflineMessage,
    /// The agent started a call (it rings).
    CallStarted,
    /// A call ended, was declined or rang out (with its duration).
    CallEnded,
    /// An event this build does not know; refused.
    #[serde(other)]
    Unknown,
}

/// `POST` and `PUT /api/v1/admin/webhooks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRequest {
    /// What it is for.
    pub name: String,
    /// Where deliveries are posted (`https://`, or `http://` to a local
    /// address in development).
    pub url: String,
    /// The events it receives.
    pub events: Vec<WebhookEvent>,
    /// Whether deliveries are made.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A webhook. Each delivery is a `POST` of the event as JSON with the
/// headers `X-LiveChat-Event`, `X-LiveChat-Delivery` (the idempotency
/// key: the same for every attempt of one delivery), `X-LiveChat-Timestamp`
/// (seconds) and `X-LiveChat-Signature: v1=<hex HMAC-SHA256 of
/// "<timestamp>.<body>" with the secret>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Its id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// Where deliveries go.
    pub url: String,
    /// Its events.
    pub events: Vec<WebhookEvent>,
    /// Whether deliveries are made.
    pub active: bool,
    /// The signing secret.
    pub secret: String,
    /// When it was made.
    pub created_at: i64,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Retried until it expired.
    Failed,
    /// A status this build does not know.
    #[serde(other)]
    Unknown,
}

/// One delivery of one event to one webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Its id, sent as `X-LiveChat-Delivery`.
    pub id: String,
    /// The webhook.
    pub webhook: String,
    /// The event.
    pub event: WebhookEvent,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last answer's HTTP status, if any.
    #[serde(default)]
    pub last_status: Option<u16>,
    /// The last failure, for people.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When the event happened.
    pub created_at: i64,
    /// When the next attempt is due, while pending.
    #[serde(default)]
    pub next_attempt_at: Option<i64>,
    /// When it was delivered.
    #[serde(default)]
    pub delivered_at: Option<i64>,
    /// The body posted.
    pub body: String,
}

/// `GET /api/v1/reports`: a period's figures. Times in milliseconds;
/// averages over the chats that have the figure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    /// Start of the period (inclusive, ms since the epoch).
    pub from: i64,
    /// End of the period (exclusive).
    pub to: i64,
    /// The whole period.
    pub totals: ReportRow,
    /// Chats started per hour of the day (0 to 23, in the asked time
    /// zone).
    pub by_hour: Vec<ReportRow>,
    /// Chats per day of the period (key `YYYY-MM-DD`).
    pub by_day: Vec<ReportRow>,
    /// Per agent who took a chat (key: agent id, label: name).
    pub by_agent: Vec<ReportRow>,
    /// Per department (key: department id, label: name).
    pub by_department: Vec<ReportRow>,
}

/// One line of a [`Report`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReportRow {
    /// What it counts (an hour, a day, an id); empty for the totals.
    pub key: String,
    /// For people.
    pub label: String,
    /// Chats started.
    pub chats: u64,
    /// Chats an agent took.
    pub answered: u64,
    /// Chats that timed out of the queue or were offered and never taken
    /// before their visitor left.
    pub missed: u64,
    /// Chats whose visitor left while waiting.
    pub abandoned: u64,
    /// Average time in the queue.
    pub avg_queue_ms: Option<f64>,
    /// Average time to the first agent reply.
    pub avg_first_response_ms: Option<f64>,
    /// Average time between a visitor's message and the agent's answer.
    pub avg_response_ms: Option<f64>,
    /// Average chat duration, start to close.
    pub avg_duration_ms: Option<f64>,
    /// Ratings received.
    pub ratings: u64,
    /// Their average, as a fraction of the scale's best (0 to 1).
    pub avg_rating: Option<f64>,
    /// Audio and video calls started from these chats.
    #[serde(default)]
    pub calls: u64,
    /// Of those, the ones the visitor accepted.
    #[serde(default)]
    pub calls_answered: u64,
    /// Their connected time, added (ms).
    #[serde(default)]
    pub call_ms: i64,
}

/// Every role's permissions, as [`Settings::grants`] lists them.
pub fn all_permissions() -> [Permission; 9] {
    [
        Permission::ViewQueue,
        Permission::TakeChat,
        Permission::Reply,
        Permission::Transfer,
        Permission::Monitor,
        Permission::ManageWorkspace,
        Permission::EditContact,
        Permission::CreateCannedResponse,
        Permission::RequestPdfTranscript,
    ]
}

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<u32>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
        Option::<u32>::deserialize(d).map(Some)
    }
}
