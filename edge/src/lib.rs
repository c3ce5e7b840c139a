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

pub mod auth;
pub mod conversation_object;
pub mod echo_object;
pub mod http;
pub mod workspace_object;

use auth::{Claims, Kind};
use conversation_object::InitRequest;
use http::{error, json, read_json};
use sha2::{Digest, Sha256};
use shared::api::{
    AgentProfile, ConversationStarted, LoginRequest, LoginResponse, StartConversation,
    VisitorSession, VisitorSessionRequest, WorkspaceSetup,
};
use shared::close;
use shared::frame::{ConversationView, ErrorCode, Participant, Side};
use shared::ids::{is_valid_id, ConversationId, VisitorId};
use worker::{event, Context, Env, Method, Request, Response, Result, Stub};
use workspace_object::offline::SiteVisitor;
use workspace_object::routing::{ActRequest, QueueRequest};
use workspace_object::{AgentRequest, Credentials, Opened, SiteAnswer, SiteRequest, StoredLogin};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = req.method();
    let answer = match (method, segments.as_slice()) {
        (Method::Get, [""]) => {
            let mut url = req.url()?;
            url.set_path("/demo/");
            Response::redirect(url)
        }
        (Method::Get, ["api", "v1", "health"]) => json(&serde_json::json!({ "ok": true })),
        (Method::Post, ["api", "v1", "visitor", "session"]) => visitor_session(req, &env).await,
        (Method::Post, ["api", "v1", "visitor", "conversations"]) => {
            start_conversation(req, &env).await
        }
        (Method::Get, ["api", "v1", "conversations", id, "ws"]) => {
            conversation_socket(&req, &env, id).await
        }
        (Method::Post, ["api", "v1", "agent", "login"]) => login(req, &env).await,
        (Method::Get, ["api", "v1", "agent", "me"]) => me(&req, &env).await,
        (Method::Get, ["api", "v1", "agent", "inbox"]) => inbox(&req, &env).await,
        (Method::Post, ["api", "v1", "agent", "conversations", id, "take"]) => {
            about_conversation(&req, &env, id, "/take").await
        }
        (Method::Post, ["api", "v1", "agent", "conversations", id, action]) => {
            act(req, &env, action, id).await
        }
        (Method::Post, ["api", "v1", "agent", "status"]) => act(req, &env, "status", "-").await,
        (Method::Get, ["api", "v1", "agent", "directory"]) => directory(&req, &env).await,
        (Method::Get, ["api", "v1", "agent", "offline-messages"]) => {
            offline_messages(&req, &env).await
        }
        (Method::Get, ["api", "v1", "agent", "conversations", id, "history"]) => {
            about_conversation(&req, &env, id, "/history").await
        }
        (Method::Get, ["api", "v1", "visitor", "availability"]) => availability(&req, &env).await,
        (Method::Post, ["api", "v1", "visitor", "offline"]) => leave_offline(req, &env).await,
        (Method::Get, ["api", "v1", "visitor", "conversations", id, "queue"]) => {
            queue(&req, &env, id).await
        }
        (Method::Post, ["api", "v1", "admin", "setup"]) => setup(req, &env).await,
        (Method::Get, ["api", "v1", "bench", "echo", room]) => echo(&env, room).await,
        _ => error(ErrorCode::NotFound, "no such route"),
    };
    // An error inside a handler is the edge's fault, never the client's:
    // answer it as such rather than letting the runtime fail the request.
    answer.or_else(|e| {
        worker::console_error!("{path}: {e}");
        error(
            ErrorCode::Internal,
            "something went wrong at the edge; retrying is safe",
        )
    })
}

fn secret(env: &Env) -> Result<Vec<u8>> {
    let s = env
        .secret("AUTH_SECRET")
        .map(|s| s.to_string())
        .or_else(|_| env.var("AUTH_SECRET").map(|v| v.to_string()))?;
    if s.len() < 16 {
        return Err(worker::Error::RustError(
            "AUTH_SECRET must be at least 16 characters".into(),
        ));
    }
    Ok(s.into_bytes())
}

fn claims(req: &Request, env: &Env, kind: Kind) -> Result<Option<Claims>> {
    let Some(token) = http::bearer(req) else {
        return Ok(None);
    };
    Ok(auth::verify(&secret(env)?, &token, http::now()).filter(|c| c.kind == kind))
}

fn workspace(env: &Env, name: &str) -> Result<Stub> {
    env.durable_object("WORKSPACE")?.get_by_name(name)
}

fn conversation(env: &Env, id: &str) -> Result<Stub> {
    env.durable_object("CONVERSATION")?.get_by_name(id)
}

/// A stable, friendly name for an anonymous visitor, derived from their id
/// so it needs no storage.
fn visitor_name(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    let n = u16::from_le_bytes([digest[0], digest[1]]) % 9000 + 1000;
    format!("Visitor {n}")
}

async fn visitor_session(mut req: Request, env: &Env) -> Result<Response> {
    let body: VisitorSessionRequest = match read_json(&mut req).await {
        Ok(b) => b,
        Err(resp) => return Ok(resp),
    };
    let Some((ws, site)) = site_key(&body.site_key) else {
        return error(ErrorCode::NotFound, "no such site");
    };
    let answer = http::call(
        &workspace(env, ws)?,
        "/site",
        &SiteRequest {
            site: site.into(),
            department: None,
        },
    )
    .await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let visitor_id = auth::new_id("v");
    let token = auth::sign(
        &secret(env)?,
        &Claims {
            kind: Kind::Visitor,
            workspace: ws.into(),
            site: site.into(),
            subject: visitor_id.clone(),
            expires: 0,
        },
    );
    json(&VisitorSession {
        name: visitor_name(&visitor_id),
        visitor_id: VisitorId(visitor_id),
        token,
    })
}

async fn start_conversation(mut req: Request, env: &Env) -> Result<Response> {
    let Some(claims) = claims(&req, env, Kind::Visitor)? else {
        return error(ErrorCode::Unauthorized, "a visitor token is required");
    };
    let body: StartConversation = match read_json(&mut req).await {
        Ok(b) => b,
        Err(resp) => return Ok(resp),
    };
    let site = SiteRequest {
        site: claims.site.clone(),
        department: body.department,
    };
    let mut answer = http::call(&workspace(env, &claims.workspace)?, "/site", &site).await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let SiteAnswer { department } = answer.json().await?;
    let id = auth::new_id("c");
    let init = InitRequest {
        workspace: claims.workspace.clone(),
        id: ConversationId(id.clone()),
        department,
        visitor: Participant {
            side: Side::Visitor,
            name: visitor_name(&claims.subject),
            id: claims.subject,
        },
    };
    let mut answer = http::call(&conversation(env, &id)?, "/init", &init).await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let view: ConversationView = answer.json().await?;
    json(&ConversationStarted {
        conversation_id: view.id,
    })
}

async fn conversation_socket(req: &Request, env: &Env, id: &str) -> Result<Response> {
    if !http::is_upgrade(req) {
        return error(ErrorCode::BadRequest, "this endpoint speaks WebSocket only");
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
    let (who, may_reply) = match claims.kind {
        Kind::Visitor => (
            Participant {
                side: Side::Visitor,
                name: visitor_name(&claims.subject),
                id: claims.subject,
            },
            true,
        ),
        Kind::Agent => {
            let ask = AgentRequest {
                agent_id: claims.subject.as_str().into(),
                conversation_id: Some(id.into()),
            };
            let mut answer = http::call(&workspace(env, &claims.workspace)?, "/open", &ask).await?;
            match answer.status_code() {
                200 => {
                    let opened = answer.json::<Opened>().await?;
                    (opened.who, opened.may_reply)
                }
                401 => return http::refuse_socket(close::UNAUTHORIZED, "no such agent"),
                404 => return http::refuse_socket(close::NOT_FOUND, "no such conversation"),
                _ => {
                    return http::refuse_socket(
                        close::FORBIDDEN,
                        "not allowed to open this conversation",
                    )
                }
            }
        }
    };
    http::forward_socket(&conversation(env, id)?, "/ws", &who, may_reply).await
}

async fn login(mut req: Request, env: &Env) -> Result<Response> {
    let body: LoginRequest = match read_json(&mut req).await {
        Ok(b) => b,
        Err(resp) => return Ok(resp),
    };
    if !is_valid_id(&body.workspace) {
        return error(ErrorCode::BadCredentials, "wrong email or password");
    }
    let creds = Credentials {
        email: body.email,
        password: body.password,
    };
    let mut answer = http::call(&workspace(env, &body.workspace)?, "/login", &creds).await?;
    let stored: Option<StoredLogin> = match answer.status_code() {
        200 => Some(answer.json().await?),
        401 => None,
        _ => return Ok(answer),
    };
    // An unknown email costs the same time as a wrong password.
    let hash = stored
        .as_ref()
        .map_or(auth::UNKNOWN_USER_HASH, |s| s.password_hash.as_str());
    let matches = auth::check_password(&creds.password, hash);
    let Some(stored) = stored.filter(|_| matches) else {
        return error(ErrorCode::BadCredentials, "wrong email or password");
    };
    let agent: AgentProfile = stored.profile;
    let token = auth::sign(
        &secret(env)?,
        &Claims {
            kind: Kind::Agent,
            workspace: body.workspace,
            site: "-".into(),
            subject: agent.id.0.clone(),
            expires: http::now() + auth::AGENT_SESSION_MS,
        },
    );
    json(&LoginResponse { token, agent })
}

async fn me(req: &Request, env: &Env) -> Result<Response> {
    let Some(claims) = claims(req, env, Kind::Agent)? else {
        return error(ErrorCode::Unauthorized, "an agent token is required");
    };
    let ask = AgentRequest {
        agent_id: claims.subject.as_str().into(),
        conversation_id: None,
    };
    http::call(&workspace(env, &claims.workspace)?, "/agent", &ask).await
}

async fn inbox(req: &Request, env: &Env) -> Result<Response> {
    if !http::is_upgrade(req) {
        return error(ErrorCode::BadRequest, "this endpoint speaks WebSocket only");
    }
    let Some(claims) = claims(req, env, Kind::Agent)? else {
        return http::refuse_socket(close::UNAUTHORIZED, "an agent token is required");
    };
    let who = Participant {
        side: Side::Agent,
        id: claims.subject,
        name: String::new(),
    };
    http::forward_socket(&workspace(env, &claims.workspace)?, "/inbox", &who, true).await
}

/// An agent's request about one conversation, answered by the workspace's
/// `path` (`/take`, `/history`).
async fn about_conversation(req: &Request, env: &Env, id: &str, path: &str) -> Result<Response> {
    let Some(claims) = claims(req, env, Kind::Agent)? else {
        return error(ErrorCode::Unauthorized, "an agent token is required");
    };
    if !is_valid_id(id) {
        return error(ErrorCode::NotFound, "no such conversation");
    }
    let ask = AgentRequest {
        agent_id: claims.subject.as_str().into(),
        conversation_id: Some(id.into()),
    };
    http::call(&workspace(env, &claims.workspace)?, path, &ask).await
}

/// Agent actions on a conversation (accept, decline, hold, resume, queue,
/// forward, close, priority) and the agent's status.
async fn act(mut req: Request, env: &Env, action: &str, id: &str) -> Result<Response> {
    const ACTIONS: &[&str] = &[
        "accept", "decline", "hold", "resume", "queue", "forward", "close", "status", "priority",
    ];
    if !ACTIONS.contains(&action) {
        return error(ErrorCode::NotFound, "no such route");
    }
    let Some(claims) = claims(&req, env, Kind::Agent)? else {
        return error(ErrorCode::Unauthorized, "an agent token is required");
    };
    if action != "status" && !is_valid_id(id) {
        return error(ErrorCode::NotFound, "no such conversation");
    }
    let mut ask = ActRequest {
        agent_id: claims.subject.as_str().into(),
        conversation_id: id.into(),
        status: None,
        forward: None,
        close: None,
        priority: None,
    };
    match action {
        "status" => match read_json(&mut req).await {
            Ok(b) => ask.status = Some(b),
            Err(resp) => return Ok(resp),
        },
        "forward" => match read_json(&mut req).await {
            Ok(b) => ask.forward = Some(b),
            Err(resp) => return Ok(resp),
        },
        "close" => match read_json(&mut req).await {
            Ok(b) => ask.close = Some(b),
            Err(resp) => return Ok(resp),
        },
        "priority" => match read_json(&mut req).await {
            Ok(b) => ask.priority = Some(b),
            Err(resp) => return Ok(resp),
        },
        _ => {}
    }
    http::call(
        &workspace(env, &claims.workspace)?,
        &format!("/act/{action}"),
        &ask,
    )
    .await
}

/// Departments and agents with their availability.
async fn directory(req: &Request, env: &Env) -> Result<Response> {
    let Some(claims) = claims(req, env, Kind::Agent)? else {
        return error(ErrorCode::Unauthorized, "an agent token is required");
    };
    let ask = AgentRequest {
        agent_id: claims.subject.as_str().into(),
        conversation_id: None,
    };
    http::call(&workspace(env, &claims.workspace)?, "/directory", &ask).await
}

/// Splits a site key `<workspace>.<site>`, checking both parts.
fn site_key(key: &str) -> Option<(&str, &str)> {
    key.split_once('.')
        .filter(|(w, s)| is_valid_id(w) && is_valid_id(s))
}

/// Whether a chat from a site would reach someone now.
async fn availability(req: &Request, env: &Env) -> Result<Response> {
    let url = req.url()?;
    let key = url
        .query_pairs()
        .find(|(k, _)| k == "site_key")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let Some((ws, site)) = site_key(&key) else {
        return error(ErrorCode::NotFound, "no such site");
    };
    let ask = SiteVisitor {
        site: site.into(),
        message: None,
    };
    http::call(&workspace(env, ws)?, "/availability", &ask).await
}

/// A message left while nobody is there.
async fn leave_offline(mut req: Request, env: &Env) -> Result<Response> {
    let body: shared::api::OfflineMessageRequest = match read_json(&mut req).await {
        Ok(b) => b,
        Err(resp) => return Ok(resp),
    };
    let Some((ws, site)) = site_key(&body.site_key).map(|(w, s)| (w.to_owned(), s.to_owned()))
    else {
        return error(ErrorCode::NotFound, "no such site");
    };
    let ask = SiteVisitor {
        site,
        message: Some(body),
    };
    http::call(&workspace(env, &ws)?, "/offline", &ask).await
}

/// The offline messages an agent may read.
async fn offline_messages(req: &Request, env: &Env) -> Result<Response> {
    let Some(claims) = claims(req, env, Kind::Agent)? else {
        return error(ErrorCode::Unauthorized, "an agent token is required");
    };
    let ask = AgentRequest {
        agent_id: claims.subject.as_str().into(),
        conversation_id: None,
    };
    http::call(
        &workspace(env, &claims.workspace)?,
        "/offline-messages",
        &ask,
    )
    .await
}

/// A visitor's place in the queue.
async fn queue(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let Some(claims) = claims(req, env, Kind::Visitor)? else {
        return error(ErrorCode::Unauthorized, "a visitor token is required");
    };
    if !is_valid_id(id) {
        return error(ErrorCode::NotFound, "no such conversation");
    }
    let ask = QueueRequest {
        visitor_id: claims.subject,
        conversation_id: id.into(),
    };
    http::call(&workspace(env, &claims.workspace)?, "/queue-position", &ask).await
}

async fn setup(mut req: Request, env: &Env) -> Result<Response> {
    let expected = env
        .secret("SETUP_TOKEN")
        .map(|s| s.to_string())
        .or_else(|_| env.var("SETUP_TOKEN").map(|v| v.to_string()))
        .unwrap_or_default();
    let given = http::bearer(&req).unwrap_or_default();
    let digest = |s: &str| Sha256::digest(s.as_bytes());
    // Compare digests so the time taken says nothing about the token.
    if expected.len() < 16 || digest(&expected) != digest(&given) {
        return error(ErrorCode::Unauthorized, "the setup token is required");
    }
    let body: WorkspaceSetup = match http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await {
        Ok(b) => b,
        Err(resp) => return Ok(resp),
    };
    if !is_valid_id(&body.workspace) {
        return error(
            ErrorCode::BadRequest,
            "workspace slugs are letters, digits, - and _",
        );
    }
    // Passwords are hashed here, where the work spreads over isolates,
    // and the workspace object stores only hashes.
    let mut body = body;
    for a in &mut body.agents {
        a.password = auth::hash_password(&a.password);
    }
    let ws = body.workspace.clone();
    http::call(&workspace(env, &ws)?, "/setup", &body).await
}

async fn echo(env: &Env, room: &str) -> Result<Response> {
    let enabled = env
        .var("ENABLE_BENCH_ECHO")
        .map(|v| v.to_string() == "true")
        .unwrap_or(false);
    if !enabled || !is_valid_id(room) {
        return error(ErrorCode::NotFound, "no such route");
    }
    let stub = env.durable_object("ECHO")?.get_by_name(room)?;
    let headers = worker::Headers::new();
    headers.set("upgrade", "websocket")?;
    let mut init = worker::RequestInit::new();
    init.with_headers(headers);
    stub.fetch_with_request(Request::new_with_init("https://object/ws", &init)?)
        .await
}
