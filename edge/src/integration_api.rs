//! The HTTP API for a site's own systems: conversations, contacts and
//! offline messages under `/api/v1/`, authenticated by API tokens
//! (`Authorization: Bearer lct_…`). Every request is checked by the
//! token's workspace for the route's scope ([`crate::admin::api_caller`]),
//! and reaches only that workspace's data: its workspace object, its
//! contacts store, and conversations that workspace lists (anything else
//! is 404). The rules are in `chat_core::integration`,
//! `chat_core::workspace::system` and `chat_core::contacts`; the bodies in
//! `shared::integration`. The OpenAPI document describing it
//! (`docs/openapi.json`, made by `cargo run -p tests --bin openapi`) is
//! served at `GET /api/v1/openapi.json`.

use crate::admin::{api_caller, ApiCaller};
use crate::auth;
use crate::contacts_object::{AboutBody, CreateBody, SearchBody};
use crate::error::{Error, Result};
use crate::http::{self, json};
use chat_core::contacts::{check_patch, Asked, Grant, Page};
use chat_core::integration::{page, ListQuery, MessagesQuery};
use chat_core::workspace::system::SystemAction;
use serde::{Deserialize, Serialize};
use shared::admin::ApiScope;
use shared::contacts::ContactPatch;
use shared::frame::ErrorCode;
use shared::ids::{is_valid_id, ConversationId};
use shared::inbox::ConversationSummary;
use shared::integration::{ContactCreate, ConversationItem, TagsRequest};
use worker::{Env, Method, Request, Response};

/// The OpenAPI 3.1 document of this API, generated from the wire types.
pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

/// Header naming, for a conversation's `/api-read`, the caller's
/// workspace and what it reads ([`ApiRead`]); set by the worker only.
pub const API_READ_HEADER: &str = "x-livechat-api-read";

/// What the worker tells a conversation an API read is for.
#[derive(Serialize, Deserialize)]
pub struct ApiRead {
    /// The token's workspace: another's conversation is not found.
    pub workspace: String,
    /// The conversation's priority, as the workspace keeps it.
    pub priority: shared::routing::Priority,
    /// Which messages.
    pub messages: MessagesQuery,
}

/// Body of the workspace's `/api-act`.
#[derive(Serialize, Deserialize)]
pub struct SystemAsk {
    /// The token's id.
    pub token: String,
    /// What the systems do.
    pub action: SystemAction,
}

/// Body of the workspace's `/api-contacts-access`.
#[derive(Serialize, Deserialize)]
pub struct ContactsAccess {
    /// The token's id.
    pub token: String,
    /// What is asked.
    pub asked: Asked,
    /// The token may edit (`contacts_write`).
    pub may_edit: bool,
    /// A site the request names, which must be the workspace's.
    #[serde(default)]
    pub site: Option<String>,
}

/// Routes this API's paths; `None` when the path is none of them.
pub async fn route(req: Request, env: &Env, path: &[&str]) -> Option<Result<Response>> {
    let answer = match (req.method(), path) {
        (Method::Get, ["api", "v1", "openapi.json"]) => openapi(),
        (Method::Get, ["api", "v1", "conversations"]) => list(&req, env).await,
        (Method::Get, ["api", "v1", "conversations", id]) => read(&req, env, id).await,
        (Method::Post, ["api", "v1", "conversations", id, "close"]) => close(req, env, id).await,
        (Method::Put, ["api", "v1", "conversations", id, "tags"]) => tag(req, env, id).await,
        (Method::Get, ["api", "v1", "contacts"]) => search(&req, env).await,
        (Method::Post, ["api", "v1", "contacts"]) => create(req, env).await,
        (Method::Get, ["api", "v1", "contacts", id]) => contact(&req, env, id).await,
        (Method::Patch, ["api", "v1", "contacts", id]) => update(req, env, id).await,
        (Method::Get, ["api", "v1", "offline-messages"]) => offline(&req, env).await,
        _ => return None,
    };
    Some(answer)
}

fn openapi() -> Result<Response> {
    let mut response = Response::ok(OPENAPI)?;
    response
        .headers_mut()
        .set("content-type", "application/json")?;
    Ok(response)
}

fn bad(why: impl Into<String>) -> Error {
    Error::refused(ErrorCode::BadRequest, why)
}

/// The query's pairs, but the token (which [`http::bearer`] also reads
/// from there).
fn pairs(req: &Request) -> Result<Vec<(String, String)>> {
    Ok(req
        .url()?
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "token")
        .collect())
}

fn conversation_id(id: &str) -> Result<ConversationId> {
    if is_valid_id(id) {
        Ok(ConversationId(id.to_owned()))
    } else {
        Err(Error::refused(ErrorCode::NotFound, "no such conversation"))
    }
}

fn contact_id(id: &str) -> Result<String> {
    if is_valid_id(id) {
        Ok(id.to_owned())
    } else {
        Err(Error::refused(ErrorCode::NotFound, "no such contact"))
    }
}

/// A JSON body of at most 16 KiB, or 400 with the reason.
async fn body<T: serde::de::DeserializeOwned>(req: &mut Request) -> Result<T> {
    let text = http::read_text(req, http::MAX_BODY_BYTES).await?;
    serde_json::from_str(&text).map_err(|e| bad(format!("invalid body: {e}")))
}

/// `GET /api/v1/conversations`: the open ones from the workspace, the
/// closed ones from its contacts store, merged into one page.
async fn list(req: &Request, env: &Env) -> Result<Response> {
    let caller = api_caller(req, env, ApiScope::ConversationsRead).await?;
    let pairs = pairs(req)?;
    let query =
        ListQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(bad)?;
    let open: Vec<ConversationItem> = http::ask(
        &crate::workspace(env, &caller.workspace)?,
        "/api-open",
        &query,
    )
    .await?;
    let closed: Vec<ConversationItem> = http::ask(
        &crate::contacts_api::store(env, &caller.workspace)?,
        "/closed-list",
        &query,
    )
    .await?;
    json(&page(&query, open, closed))
}

/// The conversation's line as its workspace keeps it (open or closed);
/// 404 when the workspace has none.
async fn listed(env: &Env, caller: &ApiCaller, id: &ConversationId) -> Result<ConversationSummary> {
    let summary: Option<ConversationSummary> = http::ask(
        &crate::workspace(env, &caller.workspace)?,
        "/api-summary",
        id,
    )
    .await?;
    summary.ok_or_else(|| Error::refused(ErrorCode::NotFound, "no such conversation"))
}

/// `GET /api/v1/conversations/{id}`.
async fn read(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let caller = api_caller(req, env, ApiScope::ConversationsRead).await?;
    let pairs = pairs(req)?;
    let messages =
        MessagesQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(bad)?;
    let id = conversation_id(id)?;
    let summary = listed(env, &caller, &id).await?;
    let ask = ApiRead {
        workspace: caller.workspace,
        priority: summary.priority,
        messages,
    };
    http::forward_read(
        &crate::conversation(env, id.as_str())?,
        "/api-read",
        &[(API_READ_HEADER, serde_json::to_string(&ask)?)],
    )
    .await
}

async fn act(env: &Env, caller: ApiCaller, action: SystemAction) -> Result<Response> {
    let ask = SystemAsk {
        token: caller.token_id,
        action,
    };
    http::call(&crate::workspace(env, &caller.workspace)?, "/api-act", &ask).await
}

/// `POST /api/v1/conversations/{id}/close`.
async fn close(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    let id = conversation_id(id)?;
    let caller = api_caller(&req, env, ApiScope::ConversationsWrite).await?;
    let close: shared::api::CloseRequest = body(&mut req).await?;
    let action = SystemAction::Close {
        conversation: id,
        close,
    };
    act(env, caller, action).await
}

/// `PUT /api/v1/conversations/{id}/tags`.
async fn tag(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    let id = conversation_id(id)?;
    let caller = api_caller(&req, env, ApiScope::ConversationsWrite).await?;
    let TagsRequest { tags } = body(&mut req).await?;
    let action = SystemAction::Tag {
        conversation: id,
        tags,
    };
    act(env, caller, action).await
}

/// What the workspace lets this token do with contacts.
async fn grant(
    env: &Env,
    caller: &ApiCaller,
    asked: Asked,
    may_edit: bool,
    site: Option<String>,
) -> Result<Grant> {
    let ask = ContactsAccess {
        token: caller.token_id.clone(),
        asked,
        may_edit,
        site,
    };
    http::ask(
        &crate::workspace(env, &caller.workspace)?,
        "/api-contacts-access",
        &ask,
    )
    .await
}

/// `GET /api/v1/contacts?q=&limit=&offset=`.
async fn search(req: &Request, env: &Env) -> Result<Response> {
    let caller = api_caller(req, env, ApiScope::ContactsRead).await?;
    let pairs = pairs(req)?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "q" | "limit" | "offset"))
    {
        return Err(bad(format!("unknown query parameter {k}")));
    }
    let page = Page::parse(get("limit"), get("offset")).map_err(bad)?;
    let q = get("q").unwrap_or_default().to_owned();
    let grant = grant(env, &caller, Asked::default(), false, None).await?;
    let body = SearchBody { grant, q, page };
    http::call(
        &crate::contacts_api::store(env, &caller.workspace)?,
        "/search",
        &body,
    )
    .await
}

/// `GET /api/v1/contacts/{id}`.
async fn contact(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let id = contact_id(id)?;
    let caller = api_caller(req, env, ApiScope::ContactsRead).await?;
    let asked = Asked {
        contact: Some(id),
        ..Asked::default()
    };
    let grant = grant(env, &caller, asked, false, None).await?;
    let body = AboutBody {
        grant,
        q: String::new(),
        patch: None,
    };
    http::call(
        &crate::contacts_api::store(env, &caller.workspace)?,
        "/get",
        &body,
    )
    .await
}

/// `POST /api/v1/contacts`: 201 with the new record, 409 when its id
/// (a site's signed user) has one already.
async fn create(mut req: Request, env: &Env) -> Result<Response> {
    let caller = api_caller(&req, env, ApiScope::ContactsWrite).await?;
    let request: ContactCreate = body(&mut req).await?;
    let id = chat_core::contacts::created_id(&caller.workspace, &request, &auth::new_id("v"))
        .map_err(bad)?;
    let record = chat_core::contacts::create(&id, &request, http::now())
        .map_err(|r| Error::refused(r.code, r.message))?;
    let asked = Asked {
        edit: true,
        contact: Some(id),
        conversation: None,
        manager: request.manager.clone(),
    };
    let grant = grant(env, &caller, asked, true, request.site.clone()).await?;
    let body = CreateBody {
        grant,
        contact: record,
    };
    http::call(
        &crate::contacts_api::store(env, &caller.workspace)?,
        "/create",
        &body,
    )
    .await
}

/// `PATCH /api/v1/contacts/{id}`.
async fn update(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    let id = contact_id(id)?;
    let caller = api_caller(&req, env, ApiScope::ContactsWrite).await?;
    let patch: ContactPatch = body(&mut req).await?;
    check_patch(&patch).map_err(bad)?;
    let asked = Asked {
        edit: true,
        contact: Some(id),
        conversation: None,
        manager: patch.manager.clone(),
    };
    let grant = grant(env, &caller, asked, true, None).await?;
    let body = AboutBody {
        grant,
        q: String::new(),
        patch: Some(patch),
    };
    http::call(
        &crate::contacts_api::store(env, &caller.workspace)?,
        "/patch",
        &body,
    )
    .await
}

/// `GET /api/v1/offline-messages`: every department's, newest first (at
/// most 500).
async fn offline(req: &Request, env: &Env) -> Result<Response> {
    let caller = api_caller(req, env, ApiScope::OfflineRead).await?;
    if let Some((k, _)) = pairs(req)?.first() {
        return Err(bad(format!("unknown query parameter {k}")));
    }
    http::call(
        &crate::workspace(env, &caller.workspace)?,
        "/api-offline-messages",
        &serde_json::json!({}),
    )
    .await
}
