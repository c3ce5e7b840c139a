//! The administration calls (`shared::admin`'s routes), and the
//! sign-up, invitation and password-reset pages' calls. Each is a thin
//! typed call; every failure is an [`HttpError`] whose sentence
//! [`super::message`] gives.

use super::HttpError;
use chat_client::web::http::{delete, get, patch, post, put};
use shared::admin::{
    AcceptInvitation, ApiTokenCreated, ApiTokenInfo, ApiTokenRequest, AuditPage, Delivery,
    Invitation, InvitationInfo, InvitationRequest, LinkSent, NewPassword, PersonEdit, PersonInfo,
    RotatedSecret, Settings, SignupInfo, SignupRequest, Webhook, WebhookRequest,
};
use shared::api::{DepartmentSetup, LoginResponse, RoleGrants, RoutingSetup, SiteSetup};
use shared::call::CallSettings;
use shared::room::Labels;

type Empty = serde_json::Value;
const NO_BODY: Option<&()> = None;

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// `GET /api/v1/signup`.
pub async fn signup_info() -> Result<SignupInfo, HttpError> {
    get("/api/v1/signup", None).await
}

/// `POST /api/v1/signup`.
pub async fn signup(request: &SignupRequest) -> Result<LoginResponse, HttpError> {
    post("/api/v1/signup", None, Some(request)).await
}

/// `GET /api/v1/invitations/{token}`.
pub async fn invitation(token: &str) -> Result<InvitationInfo, HttpError> {
    get(&format!("/api/v1/invitations/{}", encode(token)), None).await
}

/// `POST /api/v1/invitations/{token}/accept`.
pub async fn accept(token: &str, body: &AcceptInvitation) -> Result<LoginResponse, HttpError> {
    let path = format!("/api/v1/invitations/{}/accept", encode(token));
    post(&path, None, Some(body)).await
}

/// `POST /api/v1/password-resets/{token}`.
pub async fn new_password(token: &str, body: &NewPassword) -> Result<LoginResponse, HttpError> {
    let path = format!("/api/v1/password-resets/{}", encode(token));
    post(&path, None, Some(body)).await
}

/// `GET /api/v1/admin/settings`.
pub async fn settings(t: &str) -> Result<Settings, HttpError> {
    get("/api/v1/admin/settings", Some(t)).await
}

/// `PUT /api/v1/admin/settings/departments`.
pub async fn put_departments(t: &str, list: &[DepartmentSetup]) -> Result<Settings, HttpError> {
    put("/api/v1/admin/settings/departments", Some(t), &list).await
}

/// `PUT /api/v1/admin/settings/sites`.
pub async fn put_sites(t: &str, list: &[SiteSetup]) -> Result<Settings, HttpError> {
    put("/api/v1/admin/settings/sites", Some(t), &list).await
}

/// `POST /api/v1/admin/sites/{id}/secret`.
pub async fn rotate_secret(t: &str, site: &str) -> Result<RotatedSecret, HttpError> {
    let path = format!("/api/v1/admin/sites/{}/secret", encode(site));
    post(&path, Some(t), NO_BODY).await
}

/// `PUT /api/v1/admin/settings/routing`.
pub async fn put_routing(t: &str, routing: &RoutingSetup) -> Result<Settings, HttpError> {
    put("/api/v1/admin/settings/routing", Some(t), routing).await
}

/// `PUT /api/v1/admin/settings/calls`.
pub async fn put_calls(t: &str, c: &CallSettings) -> Result<Settings, HttpError> {
    put("/api/v1/admin/settings/calls", Some(t), c).await
}

/// `PUT /api/v1/admin/settings/grants`.
pub async fn put_grants(t: &str, grants: &[RoleGrants]) -> Result<Settings, HttpError> {
    put("/api/v1/admin/settings/grants", Some(t), &grants).await
}

/// `PUT /api/v1/admin/settings/labels`.
pub async fn put_labels(t: &str, labels: &Labels) -> Result<Settings, HttpError> {
    put("/api/v1/admin/settings/labels", Some(t), labels).await
}

/// `GET /api/v1/admin/people`.
pub async fn people(t: &str) -> Result<Vec<PersonInfo>, HttpError> {
    get("/api/v1/admin/people", Some(t)).await
}

/// `PATCH /api/v1/admin/people/{id}`.
pub async fn edit_person(t: &str, id: &str, edit: &PersonEdit) -> Result<PersonInfo, HttpError> {
    patch(
        &format!("/api/v1/admin/people/{}", encode(id)),
        Some(t),
        edit,
    )
    .await
}

/// `POST /api/v1/admin/people/{id}/password-reset`.
pub async fn reset_password(t: &str, id: &str) -> Result<LinkSent, HttpError> {
    let path = format!("/api/v1/admin/people/{}/password-reset", encode(id));
    post(&path, Some(t), NO_BODY).await
}

/// `GET /api/v1/admin/invitations`.
pub async fn invitations(t: &str) -> Result<Vec<Invitation>, HttpError> {
    get("/api/v1/admin/invitations", Some(t)).await
}

/// `POST /api/v1/admin/invitations`.
pub async fn invite(t: &str, request: &InvitationRequest) -> Result<LinkSent, HttpError> {
    post("/api/v1/admin/invitations", Some(t), Some(request)).await
}

/// `DELETE /api/v1/admin/invitations/{id}`.
pub async fn revoke_invitation(t: &str, id: &str) -> Result<(), HttpError> {
    let path = format!("/api/v1/admin/invitations/{}", encode(id));
    delete::<Empty>(&path, Some(t)).await.map(drop)
}

/// `GET /api/v1/admin/audit?…` with `query` from [`crate::admin::audit`].
pub async fn audit(t: &str, query: &str) -> Result<AuditPage, HttpError> {
    get(&format!("/api/v1/admin/audit?{query}"), Some(t)).await
}

/// `GET /api/v1/admin/api-tokens`.
pub async fn api_tokens(t: &str) -> Result<Vec<ApiTokenInfo>, HttpError> {
    get("/api/v1/admin/api-tokens", Some(t)).await
}

/// `POST /api/v1/admin/api-tokens`.
pub async fn create_token(
    t: &str,
    request: &ApiTokenRequest,
) -> Result<ApiTokenCreated, HttpError> {
    post("/api/v1/admin/api-tokens", Some(t), Some(request)).await
}

/// `DELETE /api/v1/admin/api-tokens/{id}`.
pub async fn revoke_token(t: &str, id: &str) -> Result<(), HttpError> {
    let path = format!("/api/v1/admin/api-tokens/{}", encode(id));
    delete::<Empty>(&path, Some(t)).await.map(drop)
}

/// `GET /api/v1/admin/webhooks`.
pub async fn webhooks(t: &str) -> Result<Vec<Webhook>, HttpError> {
    get("/api/v1/admin/webhooks", Some(t)).await
}

/// `POST /api/v1/admin/webhooks`, or `PUT …/{id}` for an existing one.
pub async fn save_webhook(
    t: &str,
    id: Option<&str>,
    request: &WebhookRequest,
) -> Result<Webhook, HttpError> {
    match id {
        None => post("/api/v1/admin/webhooks", Some(t), Some(request)).await,
        Some(id) => {
            put(
                &format!("/api/v1/admin/webhooks/{}", encode(id)),
                Some(t),
                request,
            )
            .await
        }
    }
}

/// `DELETE /api/v1/admin/webhooks/{id}`.
pub async fn remove_webhook(t: &str, id: &str) -> Result<(), HttpError> {
    let path = format!("/api/v1/admin/webhooks/{}", encode(id));
    delete::<Empty>(&path, Some(t)).await.map(drop)
}

/// `GET /api/v1/admin/webhooks/{id}/deliveries`.
pub async fn deliveries(t: &str, id: &str) -> Result<Vec<Delivery>, HttpError> {
    let path = format!("/api/v1/admin/webhooks/{}/deliveries", encode(id));
    get(&path, Some(t)).await
}

/// `POST /api/v1/admin/webhooks/{id}/deliveries/{delivery}/redeliver`.
pub async fn redeliver(t: &str, id: &str, delivery: &str) -> Result<Delivery, HttpError> {
    let path = format!(
        "/api/v1/admin/webhooks/{}/deliveries/{}/redeliver",
        encode(id),
        encode(delivery)
    );
    post(&path, Some(t), NO_BODY).await
}
