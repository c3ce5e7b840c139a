//! The worker's side of contacts: the agent's requests under
//! `/api/v1/agent/contacts` and the conversation start hook. Each agent
//! request goes to the workspace first (`/contacts-access`: is the token's
//! agent current, may they read or edit contacts, may they open the
//! conversation named), then to the workspace's
//! [`crate::contacts_object::ContactsObject`] with the [`Grant`] it
//! answered. Nothing here decides: the rules are in `chat_core::contacts`.

use crate::auth::Kind;
use crate::contacts_object::{AboutBody, SearchBody, Seeded, MAX_SEED_BYTES};
use crate::error::{Error, Result};
use crate::http;
use chat_core::contacts::{check_patch, Asked, Grant, Page, Started};
use chat_core::workspace::Principal;
use serde::{Deserialize, Serialize};
use shared::contacts::ContactPatch;
use shared::frame::ErrorCode;
use shared::ids::is_valid_id;
use worker::{Env, Request, Response, Stub};

/// Body of the workspace's `/contacts-access`.
#[derive(Serialize, Deserialize)]
pub struct ContactsAsk {
    /// Who, as the token names them.
    pub who: Principal,
    /// What they ask for.
    pub asked: Asked,
}

fn contacts(env: &Env, workspace: &str) -> Result<Stub> {
    Ok(env.durable_object("CONTACTS")?.get_by_name(workspace)?)
}

/// The workspace's contacts store.
pub fn store(env: &Env, workspace: &str) -> Result<Stub> {
    contacts(env, workspace)
}

/// The request's query parameter `name`.
fn param(req: &Request, name: &str) -> Result<Option<String>> {
    Ok(http::param(&req.url()?, name))
}

fn contact_id(id: &str) -> Result<String> {
    if is_valid_id(id) {
        Ok(id.to_owned())
    } else {
        Err(Error::refused(ErrorCode::NotFound, "no such contact"))
    }
}

/// Asks the workspace what the request's agent may do; answers the grant
/// and the workspace's name.
async fn grant(req: &Request, env: &Env, asked: Asked) -> Result<(Grant, String)> {
    let claims = crate::claims(req, env, Kind::Agent)?;
    let ask = ContactsAsk {
        who: crate::principal(&claims),
        asked,
    };
    let grant = http::ask(
        &crate::workspace(env, &claims.workspace)?,
        "/contacts-access",
        &ask,
    )
    .await?;
    Ok((grant, claims.workspace))
}

/// `GET /api/v1/agent/contacts?q=&limit=&offset=`.
pub async fn search(req: &Request, env: &Env) -> Result<Response> {
    let page = Page::parse(
        param(req, "limit")?.as_deref(),
        param(req, "offset")?.as_deref(),
    )
    .map_err(|why| Error::refused(ErrorCode::BadRequest, why))?;
    let q = param(req, "q")?.unwrap_or_default();
    let (grant, workspace) = grant(req, env, Asked::default()).await?;
    let body = SearchBody { grant, q, page };
    http::call(&contacts(env, &workspace)?, "/search", &body).await
}

/// `GET /api/v1/agent/contacts/{id}`.
pub async fn detail(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let asked = Asked {
        contact: Some(contact_id(id)?),
        ..Asked::default()
    };
    about(req, env, asked, "/get", String::new(), None).await
}

/// `GET /api/v1/agent/conversations/{id}/contact`.
pub async fn of_conversation(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let asked = Asked {
        conversation: Some(crate::valid_conversation(id)?),
        ..Asked::default()
    };
    about(req, env, asked, "/get", String::new(), None).await
}

/// `GET /api/v1/agent/contacts/{id}/history?q=`.
pub async fn history(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let asked = Asked {
        contact: Some(contact_id(id)?),
        ..Asked::default()
    };
    let q = param(req, "q")?.unwrap_or_default();
    about(req, env, asked, "/history", q, None).await
}

/// `PATCH /api/v1/agent/contacts/{id}`: checked here (400 with the
/// reason), by the workspace (403 without `edit_contact`, 400 for a
/// manager who is nobody there) and again by the store.
pub async fn edit(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    let id = contact_id(id)?;
    let text = http::read_text(&mut req, http::MAX_BODY_BYTES).await?;
    let patch: ContactPatch = serde_json::from_str(&text)
        .map_err(|e| Error::refused(ErrorCode::BadRequest, format!("invalid body: {e}")))?;
    check_patch(&patch).map_err(|why| Error::refused(ErrorCode::BadRequest, why))?;
    let asked = Asked {
        edit: true,
        contact: Some(id),
        conversation: None,
        manager: patch.manager.clone(),
    };
    about(&req, env, asked, "/patch", String::new(), Some(patch)).await
}

async fn about(
    req: &Request,
    env: &Env,
    asked: Asked,
    path: &str,
    q: String,
    patch: Option<ContactPatch>,
) -> Result<Response> {
    let (grant, workspace) = grant(req, env, asked).await?;
    let body = AboutBody { grant, q, patch };
    http::call(&contacts(env, &workspace)?, path, &body).await
}

/// The start hook: the visitor's contact is created, or its last chat
/// moves on. A failure is logged and the start goes on: the conversation's
/// close files the contact anyway.
pub async fn file_start(env: &Env, workspace: &str, started: &Started) {
    let filed = async {
        let _: serde_json::Value =
            http::ask(&contacts(env, workspace)?, "/started", started).await?;
        Ok::<_, Error>(())
    };
    if let Err(e) = filed.await {
        worker::console_error!("contact of {}: {e}", started.conversation);
    }
}

/// `POST /api/v1/bench/contacts/{workspace}`: the benchmark's bulk load,
/// only where benchmarks are enabled (as the echo route).
pub async fn seed(mut req: Request, env: &Env, workspace: &str) -> Result<Response> {
    crate::bench_routes::bench_route(env, workspace)?;
    let batch: Vec<Seeded> = http::read_json_max(&mut req, MAX_SEED_BYTES).await?;
    http::call(&contacts(env, workspace)?, "/seed", &batch).await
}
