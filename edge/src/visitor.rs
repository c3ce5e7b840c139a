//! The worker's visitor-facing side that a site's settings shape: the
//! origin check every visitor request passes ([`guard`]), the site's
//! widget settings (`GET /api/v1/visitor/site`), a visitor's session with
//! a signed identity, a rating, a transcript request, and the frame page
//! with the site's `frame-ancestors`. The rules are in
//! `chat_core::site` and the cores; this file reads headers and calls
//! objects.

use crate::auth::{self, Claims, Kind};
use crate::error::{Error, Result};
use crate::http::{self, json, read_json};
use chat_core::site;
use serde::{Deserialize, Serialize};
use shared::api::{VisitorSession, VisitorSessionRequest};
use shared::frame::{ErrorCode, Participant, Side};
use shared::ids::{ConversationId, VisitorId};
use shared::site::{Identity, IdentityStatus, RatingRequest, SiteOptions, VisitorDetails};
use worker::{Env, Request, Response};

/// Header a server-side tool sends instead of an `Origin`.
pub const SITE_SECRET_HEADER: &str = "x-site-secret";

/// Body of the workspace's `/site-options` and `/site-config`.
#[derive(Serialize, Deserialize)]
pub struct SiteOf {
    /// The site id (after the dot of the site key).
    pub site: String,
    /// The whole key, for `/site-config`'s answer.
    #[serde(default)]
    pub key: String,
}

/// Body of the contacts store's `/identify`.
#[derive(Serialize, Deserialize)]
pub struct Identify {
    /// The verified visitor id.
    pub visitor_id: String,
    /// The site's user id.
    pub user_id: String,
    /// Their name and email, as `setUser` gave them (valid ones only).
    pub details: VisitorDetails,
    /// Now.
    pub at: i64,
}

/// Answer of `/identify`.
#[derive(Serialize, Deserialize)]
pub struct Identified {
    /// Their latest conversation that is still open.
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
}

/// Body of the conversation's `/rate` and `/visitor-transcript`.
#[derive(Serialize, Deserialize)]
pub struct VisitorAsk {
    /// The visitor, as their token names them.
    pub who: Participant,
    /// For `/rate`.
    #[serde(default)]
    pub rating: Option<RatingRequest>,
}

/// The worker's own origin, as the request reached it.
fn own_origin(req: &Request) -> Result<String> {
    Ok(req.url()?.origin().ascii_serialization())
}

fn origin(req: &Request) -> Option<String> {
    req.headers().get("origin").ok().flatten()
}

/// Checks a visitor-facing request's `Origin` (or, without one, its
/// `X-Site-Secret`) against the site's settings: `403 origin_not_allowed`
/// otherwise. The worker's own origin (the frame page, the pop-out) needs
/// no call to the workspace.
pub async fn guard(req: &Request, env: &Env, workspace: &str, site_id: &str) -> Result<()> {
    guarded(req, env, workspace, site_id).await.map(|_| ())
}

/// [`guard`], answering the site's options when it had to read them.
async fn guarded(
    req: &Request,
    env: &Env,
    workspace: &str,
    site_id: &str,
) -> Result<Option<SiteOptions>> {
    let own = own_origin(req)?;
    let fetch_site = req.headers().get("sec-fetch-site").ok().flatten();
    let origin = origin(req);
    let origin =
        site::request_origin(origin.as_deref(), fetch_site.as_deref(), &own).map(str::to_owned);
    if site::is_own_origin(origin.as_deref(), &own) {
        return Ok(None);
    }
    let options = site_options(env, workspace, site_id).await?;
    let secret = req.headers().get(SITE_SECRET_HEADER).ok().flatten();
    site::check_origin(
        &format!("{workspace}.{site_id}"),
        &options,
        origin.as_deref(),
        &own,
        secret.as_deref(),
    )
    .map_err(Error::Refused)?;
    Ok(Some(options))
}

thread_local! {
    /// Sites' options this isolate read lately ([`site::OptionsMemo`]).
    static OPTIONS: std::cell::RefCell<site::OptionsMemo> = Default::default();
}

/// A site's options: from this isolate's memory while fresh, else from
/// its workspace (a 404 for a site it does not have, which is not kept).
async fn site_options(env: &Env, workspace: &str, site_id: &str) -> Result<SiteOptions> {
    let now = http::now();
    let known = OPTIONS.with(|o| o.borrow().get(workspace, site_id, now).cloned());
    if let Some(options) = known {
        return Ok(options);
    }
    let ask = SiteOf {
        site: site_id.into(),
        key: String::new(),
    };
    let options: SiteOptions =
        http::ask(&crate::workspace(env, workspace)?, "/site-options", &ask).await?;
    OPTIONS.with(|o| o.borrow_mut().put(workspace, site_id, now, options.clone()));
    Ok(options)
}

/// Forgets what this isolate read of `workspace`'s sites: called as the
/// worker passes a change of the workspace's settings on, so the next
/// visitor request sees it.
pub fn forget_sites(workspace: &str) {
    OPTIONS.with(|o| o.borrow_mut().forget(workspace));
}

/// The `site_key` query parameter, split and checked.
fn site_param(req: &Request) -> Result<(String, String, String)> {
    let key = req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "site_key" || k == "site")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let (ws, site) = crate::site_key(&key)?;
    Ok((ws.to_owned(), site.to_owned(), key))
}

/// `GET /api/v1/visitor/site?site_key=K`: the widget's settings.
pub async fn config(req: &Request, env: &Env) -> Result<Response> {
    let (ws, site, key) = site_param(req)?;
    guard(req, env, &ws, &site).await?;
    let mut answer = http::call(
        &crate::workspace(env, &ws)?,
        "/site-config",
        &SiteOf { site, key },
    )
    .await?;
    if answer.status_code() != 200 {
        return Err(http::refusal_of(&mut answer).await);
    }
    let text = answer.text().await?;
    let mut response = Response::ok(text)?;
    let headers = response.headers_mut();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", "max-age=60")?;
    Ok(response)
}

/// `POST /api/v1/visitor/session`: a visitor token; with a user whose
/// hash the site's secret proves, the same visitor on every device, their
/// contact updated and their open conversation named.
pub async fn session(mut req: Request, env: &Env) -> Result<Response> {
    let body: VisitorSessionRequest = read_json(&mut req).await?;
    let (ws, site_id) = crate::site_key(&body.site_key)?;
    let (ws, site_id) = (ws.to_owned(), site_id.to_owned());
    use chat_core::limits::Keyed;
    let limits = crate::limits::of(env);
    let ip = crate::limits::client_ip(&req);
    crate::limits::check(env, &limits, Keyed::SessionsPerIp, &ip).await?;
    // Answers 404 for a site the workspace does not have; the options are
    // read once, by the origin check or here.
    let options = match guarded(&req, env, &ws, &site_id).await? {
        Some(options) => options,
        None => site_options(env, &ws, &site_id).await?,
    };
    let site = format!("{ws}.{site_id}");
    crate::limits::check(env, &limits, Keyed::SessionsPerSite, &site).await?;
    let mut identity = Identity::anonymous();
    let mut verified = None;
    if let Some(user) = &body.user {
        match site::verify_identity(options.secret.as_deref(), user) {
            Ok(()) => {
                identity.status = IdentityStatus::Verified;
                verified = Some(user);
            }
            Err(reason) => {
                identity.status = IdentityStatus::Unverified;
                identity.reason = Some(reason.to_owned());
            }
        }
    }
    let (visitor_id, conversation_id) = match verified {
        Some(user) => {
            let visitor_id = site::verified_visitor_id(&ws, &site_id, &user.id);
            let ask = Identify {
                visitor_id: visitor_id.clone(),
                user_id: user.id.clone(),
                details: site::user_details(user),
                at: http::now(),
            };
            let found: Identified =
                http::ask(&crate::contacts_api::store(env, &ws)?, "/identify", &ask).await?;
            (visitor_id, found.conversation_id)
        }
        None => (auth::new_id("v"), None),
    };
    let token = auth::sign(
        &crate::secret(env)?,
        &Claims {
            kind: Kind::Visitor,
            workspace: ws,
            site: site_id,
            subject: visitor_id.clone(),
            generation: 0,
            expires: 0,
        },
    );
    json(&VisitorSession {
        name: crate::visitor_name(&visitor_id),
        visitor_id: VisitorId(visitor_id),
        token,
        identity,
        conversation_id,
    })
}

/// The visitor of a request's token, after the origin check.
async fn visitor(req: &Request, env: &Env) -> Result<Claims> {
    let claims = crate::claims(req, env, Kind::Visitor)?;
    guard(req, env, &claims.workspace, &claims.site).await?;
    Ok(claims)
}

fn participant(claims: &Claims) -> Participant {
    Participant {
        side: Side::Visitor,
        name: crate::visitor_name(&claims.subject),
        id: claims.subject.clone(),
    }
}

/// `POST /api/v1/visitor/conversations/{id}/rating`.
pub async fn rate(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    let claims = visitor(&req, env).await?;
    let rating: RatingRequest = read_json(&mut req).await?;
    let ask = VisitorAsk {
        who: participant(&claims),
        rating: Some(rating),
    };
    let stub = crate::conversation(env, crate::valid_conversation(id)?.as_str())?;
    let _: serde_json::Value = http::ask(&stub, "/rate", &ask).await?;
    json(&serde_json::json!({ "ok": true }))
}

/// `POST /api/v1/visitor/conversations/{id}/transcript` with `{ "email" }`:
/// what the visitor could read, through the mail path agents use.
pub async fn transcript(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    let claims = visitor(&req, env).await?;
    let body: shared::site::TranscriptRequest = read_json(&mut req).await?;
    let to = body.email.trim().to_owned();
    if !shared::api::is_plausible_email(&to) {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            "email: a valid email address is required",
        ));
    }
    let ask = VisitorAsk {
        who: participant(&claims),
        rating: None,
    };
    let stub = crate::conversation(env, crate::valid_conversation(id)?.as_str())?;
    let mail: crate::transcripts::EmailText = http::ask(&stub, "/visitor-transcript", &ask).await?;
    crate::transcripts::send(env, &claims.workspace, &to, mail).await?;
    json(&serde_json::json!({ "ok": true }))
}

/// `GET /widget/frame.html?site=K`: the chat page, framed only by the
/// worker's own pages and the site's allowed origins. Without `site` it
/// may be framed by the worker's pages only; an unknown site is a 404.
pub async fn frame_page(req: &Request, env: &Env) -> Result<Response> {
    let key = http::param(&req.url()?, "site");
    let mut ancestors = String::from("'self'");
    if let Some(key) = key {
        let not_found = || Response::error("No such site.", 404).map_err(Error::from);
        let Ok((ws, site_id)) = crate::site_key(&key) else {
            return not_found();
        };
        match site_options(env, ws, site_id).await {
            Ok(options) => {
                for o in &options.allowed_origins {
                    ancestors.push(' ');
                    ancestors.push_str(o);
                }
            }
            Err(Error::Refused(r)) if r.code == ErrorCode::NotFound => return not_found(),
            Err(e) => return Err(e),
        }
    }
    let mut url = req.url()?;
    url.set_query(None);
    url.set_path("/widget/frame");
    let mut asset = env.assets("ASSETS")?.fetch(url.to_string(), None).await?;
    if asset.status_code() != 200 {
        return Err(Error::Edge(format!(
            "the frame page answered {}",
            asset.status_code()
        )));
    }
    let html = asset.text().await?;
    let mut response = Response::from_html(html)?;
    let headers = response.headers_mut();
    headers.set(
        "content-security-policy",
        &format!("frame-ancestors {ancestors}"),
    )?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("cache-control", "no-cache")?;
    Ok(response)
}
