//! The Cloudflare Worker: the public HTTP API under `/api/v1` and the Durable
//! Objects behind it. The worker authenticates every request, then hands it
//! to the object that owns the data:
//!
//! - [`conversation_object::ConversationObject`], one per conversation:
//!   messages, receipts, typing, over hibernatable WebSockets;
//! - [`workspace_object::WorkspaceObject`], one per workspace: sites,
//!   departments, people, the conversation index and agents' inboxes;
//! - [`echo_object::EchoObject`]: the benchmark's floor.
//!
//! Static files (widget, agent app, demo page) are served by the platform's
//! assets before the worker runs. See `docs/protocol.md` for the API.
//!
//! This file routes every request and holds the visitor's start and
//! socket; `agent_api.rs` the agent app's routes, `bench_routes.rs` those
//! only where the benchmark's routes are on.

pub mod admin;
mod agent_api;
pub mod auth;
mod bench_routes;
pub mod calls;
pub mod contacts_api;
pub mod contacts_object;
pub mod conversation_object;
pub mod echo_object;
pub mod error;
pub mod files;
pub mod http;
pub mod integration_api;
pub mod js;
pub mod limits;
pub mod reports;
pub mod reports_object;
pub mod rows;
pub mod transcripts;
pub mod visitor;
pub mod webhook_object;
pub mod webhooks;
pub mod workspace_object;

use agent_api::*;
use bench_routes::*;

use auth::{Claims, Kind};
use chat_core::workspace::{AgentAction, Principal};
use conversation_object::InitRequest;
use error::{Error, OrRefuse, Result};
use http::{json, read_json};
use sha2::{Digest, Sha256};
use shared::api::{
    AgentProfile, ConversationStarted, LoginRequest, LoginResponse, SetupDone, StartConversation,
    WorkspaceSetup,
};
use shared::close;
use shared::frame::{ConversationView, ErrorCode, Participant, Side};
use shared::ids::{is_valid_id, AgentId, ConversationId};
use worker::{event, Context, Env, Method, Request, Response, Stub};
use workspace_object::{
    Asking, Credentials, OpenAnswer, PasswordHashes, QueueRequest, SetupBody, SiteAnswer,
    SiteRequest, SiteVisitor, StoredLogin,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let path = req.path();
    // The loader reads the site's settings from the host page: a
    // cross-origin read, allowed (refusals included, so it can print why)
    // for the origin that asked; the worker's guard decides the answer.
    let cors = (path == "/api/v1/visitor/site")
        .then(|| req.headers().get("origin").ok().flatten())
        .flatten();
    let mut response = route(req, &path, &env)
        .await
        .unwrap_or_else(|e| e.into_response(&path));
    hold_refusal(&response, &env).await;
    if let Some(origin) = cors {
        let headers = response.headers_mut();
        headers.set("access-control-allow-origin", &origin)?;
        headers.set("vary", "Origin")?;
    }
    Ok(response)
}

/// Holds a `429` as long as the limits say ([`chat_core::limits::Limits::hold_ms`]),
/// whoever refused (a binding, an object): a client that ignores
/// `Retry-After` and asks again at once waits on a timer, which costs the
/// worker nothing, instead of being refused hundreds of times a second on
/// the thread every conversation shares.
async fn hold_refusal(response: &Response, env: &Env) {
    if response.status_code() != 429 {
        return;
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    let hold = limits::of(env).hold_ms(retry_after);
    if hold > 0 {
        worker::Delay::from(std::time::Duration::from_millis(hold as u64)).await;
    }
}

async fn route(req: Request, path: &str, env: &Env) -> Result<Response> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = req.method();
    match (method, segments.as_slice()) {
        // The agent app: its sign-in page leads a new operator to sign-up.
        (Method::Get, [""]) => {
            let mut url = req.url()?;
            url.set_path("/agent/");
            Ok(Response::redirect(url)?)
        }
        (Method::Get, ["api", "v1", "health"]) => json(&serde_json::json!({ "ok": true })),
        (Method::Get, ["widget", "frame.html" | "frame"]) => visitor::frame_page(&req, env).await,
        (Method::Get, ["api", "v1", "visitor", "site"]) => visitor::config(&req, env).await,
        (Method::Post, ["api", "v1", "visitor", "session"]) => visitor::session(req, env).await,
        (Method::Post, ["api", "v1", "visitor", "conversations", id, "rating"]) => {
            visitor::rate(req, env, id).await
        }
        (Method::Post, ["api", "v1", "visitor", "conversations", id, "transcript"]) => {
            visitor::transcript(req, env, id).await
        }
        (Method::Post, ["api", "v1", "visitor", "conversations"]) => {
            start_conversation(req, env).await
        }
        (Method::Get, ["api", "v1", "conversations", id, "ws"]) => {
            conversation_socket(&req, env, id).await
        }
        (Method::Post, ["api", "v1", "agent", "login"]) => login(req, env).await,
        (Method::Get, ["api", "v1", "agent", "me"]) => {
            agent_request(&req, env, "/agent", None).await
        }
        (Method::Get, ["api", "v1", "agent", "inbox"]) => inbox(&req, env).await,
        (Method::Post, ["api", "v1", "agent", "conversations", id, action]) => {
            act(req, env, action, Some(id)).await
        }
        (Method::Post, ["api", "v1", "agent", "status"]) => act(req, env, "status", None).await,
        (Method::Get, ["api", "v1", "agent", "directory"]) => {
            agent_request(&req, env, "/directory", None).await
        }
        (Method::Get, ["api", "v1", "agent", "offline-messages"]) => {
            agent_request(&req, env, "/offline-messages", None).await
        }
        (Method::Get, ["api", "v1", "agent", "conversations", id, "history"]) => {
            agent_request(&req, env, "/history", Some(id)).await
        }
        (Method::Post, ["api", "v1", "conversations", id, "files"]) => {
            files::upload(req, env, id).await
        }
        (Method::Get, ["api", "v1", "agent", "conversations", id, "transcript.pdf"]) => {
            transcripts::pdf(&req, env, id).await
        }
        (Method::Post, ["api", "v1", "agent", "conversations", id, "transcript", "email"]) => {
            transcripts::email(req, env, id).await
        }
        (Method::Get, ["api", "v1", "dev", "mail"]) => transcripts::sink(&req, env).await,
        (Method::Get, ["api", "v1", "conversations", id, "files", file, "link"]) => {
            files::link(&req, env, id, file).await
        }
        (Method::Get, ["api", "v1", "files", token]) => files::download(env, token).await,
        (
            Method::Get,
            ["api", "v1", "agent", "conversations", id, read @ ("room" | "search" | "files")],
        ) => agent_reads(&req, env, id, read).await,
        (Method::Get, ["api", "v1", "agent", "all-chats"]) => {
            agent_request(&req, env, "/all-chats", None).await
        }
        (Method::Get, ["api", "v1", "agent", "me", "preferences"]) => {
            agent_request(&req, env, "/preferences", None).await
        }
        (Method::Put, ["api", "v1", "agent", "me", "preferences"]) => {
            act(req, env, "preferences", None).await
        }
        (Method::Get, ["api", "v1", "agent", "canned"]) => {
            agent_request(&req, env, "/canned", None).await
        }
        (Method::Post, ["api", "v1", "agent", "canned"]) => act(req, env, "canned", None).await,
        (Method::Delete, ["api", "v1", "agent", "canned", id]) => {
            let action = AgentAction::RemoveCanned { id: id.to_string() };
            agent_acts(&req, env, action).await
        }
        (Method::Get, ["api", "v1", "agent", "contacts"]) => contacts_api::search(&req, env).await,
        (Method::Get, ["api", "v1", "agent", "contacts", id]) => {
            contacts_api::detail(&req, env, id).await
        }
        (Method::Patch, ["api", "v1", "agent", "contacts", id]) => {
            contacts_api::edit(req, env, id).await
        }
        (Method::Get, ["api", "v1", "agent", "contacts", id, "history"]) => {
            contacts_api::history(&req, env, id).await
        }
        (Method::Get, ["api", "v1", "agent", "conversations", id, "contact"]) => {
            contacts_api::of_conversation(&req, env, id).await
        }
        (Method::Post, ["api", "v1", "bench", "contacts", ws]) => {
            contacts_api::seed(req, env, ws).await
        }
        (Method::Get, ["api", "v1", "reports"]) => reports::get(&req, env).await,
        (Method::Post, ["api", "v1", "bench", "reports", ws]) => reports::seed(req, env, ws).await,
        (Method::Post, ["api", "v1", "bench", "reports", ws, "refold"]) => {
            reports::refold(env, ws).await
        }
        (Method::Get, ["api", "v1", "visitor", "availability"]) => availability(&req, env).await,
        (Method::Post, ["api", "v1", "visitor", "offline"]) => leave_offline(req, env).await,
        (Method::Get, ["api", "v1", "visitor", "conversations", id, "queue"]) => {
            queue(&req, env, id).await
        }
        (Method::Post, ["api", "v1", "admin", "setup"]) => setup(req, env).await,
        (Method::Get, ["api", "v1", "bench", "echo", room]) => echo(env, room).await,
        (Method::Get, ["api", "v1", "bench", "conversations", id, "stored"]) => {
            stored(env, id).await
        }
        (Method::Get, ["api", "v1", "bench", "workspaces", name, "stored"]) => {
            stored_workspace(env, name).await
        }
        (Method::Post, ["api", "v1", "bench", "conversations", id, "earlier-layout"]) => {
            earlier_layout(env, id).await
        }
        (Method::Get, ["api", "v1", "bench", "rows", kind, name]) => {
            bench_routes::rows(env, kind, name).await
        }
        (_, ["api", "v1", "admin", "webhooks", rest @ ..]) => webhooks::route(req, env, rest).await,
        (
            _,
            ["api", "v1", "openapi.json" | "conversations" | "contacts" | "offline-messages", ..],
        ) => integration_api::route(req, env, &segments)
            .await
            .unwrap_or_else(|| Err(Error::refused(ErrorCode::NotFound, "no such route"))),
        (
            _,
            ["api", "v1", "admin", ..]
            | ["api", "v1", "signup"]
            | ["api", "v1", "invitations", ..]
            | ["api", "v1", "password-resets", ..],
        ) => admin::route(req, env, &segments)
            .await
            .unwrap_or_else(|| Err(Error::refused(ErrorCode::NotFound, "no such route"))),
        _ => Err(Error::refused(ErrorCode::NotFound, "no such route")),
    }
}

thread_local! {
    /// The signing secret, read from the environment once per isolate (a
    /// deployment's bindings never change under a running isolate).
    static SECRET: std::cell::OnceCell<Vec<u8>> = const { std::cell::OnceCell::new() };
}

fn secret(env: &Env) -> Result<Vec<u8>> {
    if let Some(known) = SECRET.with(|s| s.get().cloned()) {
        return Ok(known);
    }
    let s = env
        .secret("AUTH_SECRET")
        .map(|s| s.to_string())
        .or_else(|_| env.var("AUTH_SECRET").map(|v| v.to_string()))?;
    if s.len() < 16 {
        return Err(Error::Edge(
            "AUTH_SECRET must be at least 16 characters".into(),
        ));
    }
    let bytes = s.into_bytes();
    SECRET.with(|known| {
        let _ = known.set(bytes.clone());
    });
    Ok(bytes)
}

/// The verified claims of the request's token, of the given kind.
fn claims(req: &Request, env: &Env, kind: Kind) -> Result<Claims> {
    let refused = || {
        let who = match kind {
            Kind::Visitor => "a visitor token is required",
            Kind::Agent => "an agent token is required",
        };
        Error::refused(ErrorCode::Unauthorized, who)
    };
    let token = http::bearer(req).ok_or_else(refused)?;
    auth::verify(&secret(env)?, &token, http::now())
        .filter(|c| c.kind == kind)
        .ok_or_else(refused)
}

/// The agent a token names, as the workspace checks it.
fn principal(claims: &Claims) -> Principal {
    Principal {
        agent: AgentId(claims.subject.clone()),
        generation: claims.generation,
    }
}

pub(crate) fn workspace(env: &Env, name: &str) -> Result<Stub> {
    Ok(env.durable_object("WORKSPACE")?.get_by_name(name)?)
}

pub(crate) fn conversation(env: &Env, id: &str) -> Result<Stub> {
    Ok(env.durable_object("CONVERSATION")?.get_by_name(id)?)
}

/// A stable, friendly name for an anonymous visitor, derived from their id
/// so it needs no storage.
fn visitor_name(id: &str) -> String {
    chat_core::contacts::anonymous_name(id)
}

/// Splits a site key `<workspace>.<site>`, checking both parts.
fn site_key(key: &str) -> Result<(&str, &str)> {
    key.split_once('.')
        .filter(|(w, s)| is_valid_id(w) && is_valid_id(s))
        .or_refuse(ErrorCode::NotFound, "no such site")
}

fn valid_conversation(id: &str) -> Result<ConversationId> {
    if is_valid_id(id) {
        Ok(ConversationId(id.to_owned()))
    } else {
        Err(Error::refused(ErrorCode::NotFound, "no such conversation"))
    }
}

async fn start_conversation(mut req: Request, env: &Env) -> Result<Response> {
    let claims = claims(&req, env, Kind::Visitor)?;
    let limits = limits::of(env);
    use chat_core::limits::Keyed;
    limits::check(
        env,
        &limits,
        Keyed::ConversationsPerIp,
        &limits::client_ip(&req),
    )
    .await?;
    visitor::guard(&req, env, &claims.workspace, &claims.site).await?;
    let site_key = format!("{}.{}", claims.workspace, claims.site);
    limits::check(env, &limits, Keyed::ConversationsPerSite, &site_key).await?;
    let body: StartConversation = read_json(&mut req).await?;
    let site = SiteRequest {
        site: claims.site.clone(),
        department: body.department.clone(),
        start: Some(body),
        workspace: Some(claims.workspace.clone()),
    };
    let SiteAnswer {
        department,
        details,
        webhooks,
    } = http::ask(&workspace(env, &claims.workspace)?, "/site", &site).await?;
    let id = auth::new_id("c");
    let init = InitRequest {
        workspace: claims.workspace.clone(),
        id: ConversationId(id.clone()),
        department,
        visitor: Participant {
            side: Side::Visitor,
            // The name the pre-chat form gave, or the anonymous one.
            name: details
                .name
                .clone()
                .unwrap_or_else(|| visitor_name(&claims.subject)),
            id: claims.subject,
        },
        details,
        site: claims.site.clone(),
        webhooks,
    };
    let view: ConversationView = http::ask(&conversation(env, &id)?, "/init", &init).await?;
    let started = chat_core::contacts::Started {
        visitor: init.visitor,
        conversation: init.id,
        department: init.department,
        at: http::now(),
        details: init.details,
    };
    contacts_api::file_start(env, &claims.workspace, &started).await;
    json(&ConversationStarted {
        conversation_id: view.id,
    })
}

async fn conversation_socket(req: &Request, env: &Env, id: &str) -> Result<Response> {
    if !http::is_upgrade(req) {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            "this endpoint speaks WebSocket only",
        ));
    }
    if !is_valid_id(id) {
        return http::refuse_socket(close::NOT_FOUND, "no such conversation");
    }
    let Some(token) = http::bearer(req) else {
        return http::refuse_socket(close::UNAUTHORIZED, "a token is required");
    };
    let Some(claims) = auth::verify(&secret(env)?, &token, http::now()) else {
        return http::refuse_socket(close::UNAUTHORIZED, "invalid or expired token");
    };
    let mut headers = Vec::new();
    if claims.kind == Kind::Visitor {
        // Reconnections too fast from one address: an HTTP answer, the
        // client retries with its backoff.
        let ip = limits::client_ip(req);
        let keyed = chat_core::limits::Keyed::SocketsPerIp;
        limits::check(env, &limits::of(env), keyed, &ip).await?;
        // A refused origin is an HTTP answer: no socket opens.
        visitor::guard(req, env, &claims.workspace, &claims.site).await?;
    }
    let who = match claims.kind {
        Kind::Visitor => Participant {
            side: Side::Visitor,
            name: visitor_name(&claims.subject),
            id: claims.subject,
        },
        Kind::Agent => {
            let ask = Asking {
                who: principal(&claims),
                conversation: Some(ConversationId(id.to_owned())),
                action: None,
            };
            let opened: Result<OpenAnswer> =
                http::ask(&workspace(env, &claims.workspace)?, "/open", &ask).await;
            match opened {
                Ok(opened) => {
                    headers.push((http::ACCESS_HEADER, serde_json::to_string(&opened.access)?));
                    opened.who
                }
                Err(Error::Refused(r)) => {
                    let code = match r.code {
                        ErrorCode::Unauthorized => close::UNAUTHORIZED,
                        ErrorCode::NotFound => close::NOT_FOUND,
                        _ => close::FORBIDDEN,
                    };
                    return http::refuse_socket(code, &r.message);
                }
                Err(e) => return Err(e),
            }
        }
    };
    headers.push((http::PRINCIPAL_HEADER, serde_json::to_string(&who)?));
    http::forward_socket(&conversation(env, id)?, "/ws", &headers).await
}

/// Whether a chat from a site would reach someone now.
async fn availability(req: &Request, env: &Env) -> Result<Response> {
    let url = req.url()?;
    let key = http::param(&url, "site_key").unwrap_or_default();
    let (ws, site) = site_key(&key)?;
    visitor::guard(req, env, ws, site).await?;
    let ask = SiteVisitor {
        site: site.into(),
        message: None,
    };
    http::call(&workspace(env, ws)?, "/availability", &ask).await
}

/// A message left while nobody is there: checked here, and again by the
/// workspace, with the same rules as the widget's form.
async fn leave_offline(mut req: Request, env: &Env) -> Result<Response> {
    let ip = limits::client_ip(&req);
    let keyed = chat_core::limits::Keyed::OfflinePerIp;
    limits::check(env, &limits::of(env), keyed, &ip).await?;
    let body: shared::api::OfflineMessageRequest = read_json(&mut req).await?;
    let (ws, site) = site_key(&body.site_key)?;
    let (ws, site) = (ws.to_owned(), site.to_owned());
    visitor::guard(&req, env, &ws, &site).await?;
    body.validate()
        .map_err(|why| Error::refused(ErrorCode::BadRequest, why))?;
    let ask = SiteVisitor {
        site,
        message: Some(body),
    };
    http::call(&workspace(env, &ws)?, "/offline", &ask).await
}

/// A visitor's place in the queue (also pushed on the conversation socket).
async fn queue(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let claims = claims(req, env, Kind::Visitor)?;
    visitor::guard(req, env, &claims.workspace, &claims.site).await?;
    let ask = QueueRequest {
        visitor_id: claims.subject,
        conversation_id: valid_conversation(id)?,
    };
    http::call(&workspace(env, &claims.workspace)?, "/queue-position", &ask).await
}

/// Refuses a request that does not carry the deployment's setup token.
fn require_setup_token(req: &Request, env: &Env) -> Result<()> {
    let expected = env
        .secret("SETUP_TOKEN")
        .map(|s| s.to_string())
        .or_else(|_| env.var("SETUP_TOKEN").map(|v| v.to_string()))
        .unwrap_or_default();
    let given = http::bearer(req).unwrap_or_default();
    let digest = |s: &str| Sha256::digest(s.as_bytes());
    // Compare digests so the time taken says nothing about the token.
    if expected.len() < 16 || digest(&expected) != digest(&given) {
        return Err(Error::refused(
            ErrorCode::Unauthorized,
            "the setup token is required",
        ));
    }
    Ok(())
}

/// Creates or redefines a workspace. Checked here before any password is
/// hashed; a password that a person already has keeps its hash, so that
/// repeating a setup ends nobody's session.
async fn setup(mut req: Request, env: &Env) -> Result<Response> {
    require_setup_token(&req, env)?;
    let mut body: WorkspaceSetup = http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await?;
    chat_core::workspace::validate_setup(&body)
        .map_err(|why| Error::refused(ErrorCode::BadRequest, why))?;
    let stub = workspace(env, &body.workspace)?;
    let hashes: PasswordHashes = http::ask(&stub, "/hashes", &serde_json::json!({})).await?;
    // Passwords are hashed here, where the work spreads over isolates,
    // and the workspace object stores only hashes.
    for a in &mut body.agents {
        let kept = hashes
            .get(&a.email.trim().to_ascii_lowercase())
            .filter(|h| auth::check_password(&a.password, h));
        a.password = match kept {
            Some(h) => h.clone(),
            None => auth::hash_password(&a.password),
        };
    }
    let fresh_ids = body
        .agents
        .iter()
        .map(|_| AgentId(auth::new_id("a")))
        .collect();
    let name = body.workspace.clone();
    let done: Result<SetupDone> = http::ask(
        &stub,
        "/setup",
        &SetupBody {
            setup: body,
            fresh_ids,
        },
    )
    .await;
    visitor::forget_sites(&name);
    json(&done?)
}
