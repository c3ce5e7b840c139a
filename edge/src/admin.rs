//! The administration API: the gate every administrative route passes
//! ([`authorize`], or one call that carries the token's person, checked by
//! the workspace on every request), the settings sections, people,
//! invitations and password resets with their one-time links, the audit
//! log, API tokens and sign-up. The worker makes what needs randomness or
//! work (ids, secrets, link tokens, password hashes) and mails links; the
//! workspace decides everything else.

use crate::auth::{self, Claims, Kind};
use crate::error::{Error, OrRefuse, Result};
use crate::http::{self, json};
use crate::workspace_object::{
    AdminAsk, ApiUse, ApiUsed, Asking, LinkAsk, PasswordHashes, ResetMade, SetupBody, SignedIn,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chat_core::workspace::admin::AdminChange;
use chat_core::workspace::audit::{AuditQuery, AuditRecord};
use chat_core::workspace::people::{Redeem, MIN_PASSWORD_CHARS};
use sha2::{Digest, Sha256};
use shared::admin::{
    AcceptInvitation, ApiScope, ApiTokenCreated, ApiTokenInfo, ApiTokenRequest, Invitation,
    InvitationRequest, LinkSent, NewPassword, PersonEdit, SignupInfo, SignupRequest,
};
use shared::api::{AgentProfile, AgentSetup, DepartmentSetup, LoginResponse, Role, WorkspaceSetup};
use shared::frame::ErrorCode;
use shared::ids::{is_valid_id, AgentId};
use worker::{Env, Method, Request, Response};

/// Who is managing which workspace.
#[derive(Clone, Debug)]
pub struct Admin {
    /// The workspace's slug.
    pub workspace: String,
    /// The person, as the workspace knows them now.
    pub person: AgentProfile,
}

/// The request's agent token, if its person may manage its workspace
/// (`manage_workspace`); otherwise 401 or 403 with the reason.
pub async fn authorize(req: &Request, env: &Env) -> Result<Admin> {
    let claims = crate::claims(req, env, Kind::Agent)?;
    let ask = Asking {
        who: crate::principal(&claims),
        conversation: None,
        action: None,
    };
    let person: AgentProfile = crate::http::ask(
        &crate::workspace(env, &claims.workspace)?,
        "/admin/check",
        &ask,
    )
    .await?;
    Ok(Admin {
        workspace: claims.workspace,
        person,
    })
}

/// Appends an entry to the workspace's audit log for a change made
/// elsewhere (webhooks, reports): `what` is a stable word such as
/// `webhook.create`, `summary` a sentence for people.
pub async fn audit(
    env: &Env,
    admin: &Admin,
    what: &str,
    target: &str,
    summary: &str,
) -> Result<()> {
    let record = AuditRecord {
        at: http::now(),
        who: admin.person.id.0.clone(),
        who_name: admin.person.name.clone(),
        what: what.to_owned(),
        target: target.to_owned(),
        summary: summary.to_owned(),
    };
    let _: serde_json::Value = http::ask(
        &crate::workspace(env, &admin.workspace)?,
        "/admin/audit-append",
        &record,
    )
    .await?;
    Ok(())
}

/// The caller of an HTTP API request: an API token of a workspace.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    /// The workspace's slug.
    pub workspace: String,
    /// The token's id.
    pub token_id: String,
}

/// The request's bearer API token (`lct_<workspace>_<secret>`), checked
/// by its workspace for `scope` (401 unknown or revoked, 403 without the
/// scope); its last use is recorded.
pub async fn api_caller(req: &Request, env: &Env, scope: ApiScope) -> Result<ApiCaller> {
    let unknown = || Error::refused(ErrorCode::Unauthorized, "an API token is required");
    let token = http::bearer(req).ok_or_else(unknown)?;
    let workspace = api_token_workspace(&token).ok_or_else(unknown)?;
    let used: ApiUsed = http::ask(
        &crate::workspace(env, &workspace)?,
        "/api-token",
        &ApiUse {
            token: token.clone(),
            scope,
        },
    )
    .await?;
    Ok(ApiCaller {
        workspace,
        token_id: used.token_id,
    })
}

/// The workspace an API token names: `lct_<workspace>_<hex>`.
pub fn api_token_workspace(token: &str) -> Option<String> {
    let rest = token.strip_prefix("lct_")?;
    let (workspace, secret) = rest.rsplit_once('_')?;
    (is_valid_id(workspace) && !secret.is_empty() && secret.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| workspace.to_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A one-time link's token: the workspace, then 32 random bytes.
fn link_token(workspace: &str) -> String {
    format!(
        "{workspace}.{}",
        URL_SAFE_NO_PAD.encode(auth::random_bytes::<32>())
    )
}

/// The workspace a link's token names.
fn link_workspace(token: &str) -> Result<String> {
    token
        .split_once('.')
        .map(|(w, _)| w.to_owned())
        .filter(|w| is_valid_id(w))
        .or_refuse(ErrorCode::NotFound, "this link is not valid")
}

fn origin(req: &Request) -> Result<String> {
    Ok(req.url()?.origin().ascii_serialization())
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            "a password has at most 1024 bytes",
        ));
    }
    Ok(())
}

/// A signed agent token for someone the workspace signed in.
fn signed_in(env: &Env, workspace: &str, who: SignedIn) -> Result<Response> {
    let token = auth::sign(
        &crate::secret(env)?,
        &Claims {
            kind: Kind::Agent,
            workspace: workspace.to_owned(),
            site: "-".into(),
            subject: who.profile.id.0.clone(),
            generation: who.generation,
            expires: http::now() + auth::AGENT_SESSION_MS,
        },
    );
    json(&LoginResponse {
        token,
        agent: who.profile,
    })
}

/// The request's administrator, as the token names them (the workspace
/// checks them again with the request itself).
fn asker(req: &Request, env: &Env) -> Result<(String, chat_core::workspace::Principal)> {
    let claims = crate::claims(req, env, Kind::Agent)?;
    Ok((claims.workspace.clone(), crate::principal(&claims)))
}

async fn read(req: &Request, env: &Env, path: &str, query: Option<AuditQuery>) -> Result<Response> {
    let (workspace, who) = asker(req, env)?;
    let ask = AdminAsk {
        who,
        workspace: workspace.clone(),
        change: None,
        query,
    };
    http::call(&crate::workspace(env, &workspace)?, path, &ask).await
}

async fn change<T: serde::de::DeserializeOwned>(
    req: &Request,
    env: &Env,
    change: AdminChange,
) -> Result<(String, T)> {
    let (workspace, who) = asker(req, env)?;
    let ask = AdminAsk {
        who,
        workspace: workspace.clone(),
        change: Some(change),
        query: None,
    };
    let answer = http::ask(&crate::workspace(env, &workspace)?, "/admin/change", &ask).await;
    crate::visitor::forget_sites(&workspace);
    Ok((workspace, answer?))
}

async fn body<T: serde::de::DeserializeOwned>(req: &mut Request) -> Result<T> {
    http::read_json_max(req, http::MAX_SETUP_BYTES).await
}

/// Routes `/api/v1/admin/...` (after `admin`), the public one-time link
/// routes and sign-up; `None` when the path is none of them.
pub async fn route(mut req: Request, env: &Env, path: &[&str]) -> Option<Result<Response>> {
    let method = req.method();
    let answer = match (method, path) {
        (Method::Get, ["api", "v1", "signup"]) => signup_info(env),
        (Method::Post, ["api", "v1", "signup"]) => sign_up(&mut req, env).await,
        (Method::Get, ["api", "v1", "invitations", token]) => invitation_info(env, token).await,
        (Method::Post, ["api", "v1", "invitations", token, "accept"]) => {
            accept(&mut req, env, token).await
        }
        (Method::Post, ["api", "v1", "password-resets", token]) => {
            new_password(&mut req, env, token).await
        }
        (Method::Get, ["api", "v1", "admin", "settings"]) => {
            read(&req, env, "/admin/settings", None).await
        }
        (Method::Put, ["api", "v1", "admin", "settings", section]) => {
            put_section(&mut req, env, section).await
        }
        (Method::Post, ["api", "v1", "admin", "sites", site, "secret"]) => {
            let secret = URL_SAFE_NO_PAD.encode(auth::random_bytes::<32>());
            let rotate = AdminChange::RotateSecret {
                site: site.to_string(),
                secret,
            };
            match change::<shared::admin::RotatedSecret>(&req, env, rotate).await {
                Ok((_, r)) => json(&r),
                Err(e) => Err(e),
            }
        }
        (Method::Put, ["api", "v1", "admin", "workspace"]) => import(&mut req, env).await,
        (Method::Get, ["api", "v1", "admin", "people"]) => {
            read(&req, env, "/admin/people", None).await
        }
        (Method::Patch, ["api", "v1", "admin", "people", id]) => {
            match body::<PersonEdit>(&mut req).await {
                Ok(edit) => {
                    let edit = AdminChange::EditPerson {
                        id: AgentId(id.to_string()),
                        edit,
                    };
                    change::<shared::admin::PersonInfo>(&req, env, edit)
                        .await
                        .and_then(|(_, p)| json(&p))
                }
                Err(e) => Err(e),
            }
        }
        (Method::Post, ["api", "v1", "admin", "people", id, "password-reset"]) => {
            password_reset(&req, env, id).await
        }
        (Method::Get, ["api", "v1", "admin", "invitations"]) => {
            read(&req, env, "/admin/invitations", None).await
        }
        (Method::Post, ["api", "v1", "admin", "invitations"]) => invite(&mut req, env).await,
        (Method::Delete, ["api", "v1", "admin", "invitations", id]) => {
            let revoke = AdminChange::RevokeInvitation { id: id.to_string() };
            change::<serde_json::Value>(&req, env, revoke)
                .await
                .and_then(|_| json(&serde_json::json!({})))
        }
        (Method::Get, ["api", "v1", "admin", "audit"]) => {
            let url = match req.url() {
                Ok(u) => u,
                Err(e) => return Some(Err(e.into())),
            };
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            match AuditQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                Ok(q) => read(&req, env, "/admin/audit", Some(q)).await,
                Err(why) => Err(Error::refused(ErrorCode::BadRequest, why)),
            }
        }
        (Method::Get, ["api", "v1", "admin", "api-tokens"]) => {
            read(&req, env, "/admin/api-tokens", None).await
        }
        (Method::Post, ["api", "v1", "admin", "api-tokens"]) => {
            create_api_token(&mut req, env).await
        }
        (Method::Delete, ["api", "v1", "admin", "api-tokens", id]) => {
            let revoke = AdminChange::RevokeApiToken { id: id.to_string() };
            change::<serde_json::Value>(&req, env, revoke)
                .await
                .and_then(|_| json(&serde_json::json!({})))
        }
        _ => return None,
    };
    Some(answer)
}

async fn put_section(req: &mut Request, env: &Env, section: &str) -> Result<Response> {
    let change = match section {
        "departments" => AdminChange::Departments {
            departments: body(req).await?,
        },
        "sites" => AdminChange::Sites {
            sites: body(req).await?,
        },
        "routing" => AdminChange::Routing {
            routing: body(req).await?,
        },
        "grants" => AdminChange::Grants {
            grants: body(req).await?,
        },
        "labels" => AdminChange::Labels {
            labels: body(req).await?,
        },
        "calls" => AdminChange::Calls {
            calls: body(req).await?,
        },
        _ => {
            return Err(Error::refused(
                ErrorCode::NotFound,
                "no such settings section",
            ))
        }
    };
    let (_, settings): (String, shared::admin::Settings) = self::change(req, env, change).await?;
    json(&settings)
}

/// Hashes the passwords of a definition, keeping a stored hash whose
/// password is repeated (so repeating it ends no session).
async fn hash_passwords(env: &Env, setup: &mut WorkspaceSetup) -> Result<()> {
    let stub = crate::workspace(env, &setup.workspace)?;
    let hashes: PasswordHashes = http::ask(&stub, "/hashes", &serde_json::json!({})).await?;
    for a in &mut setup.agents {
        let kept = hashes
            .get(&a.email.trim().to_ascii_lowercase())
            .filter(|h| auth::check_password(&a.password, h));
        a.password = match kept {
            Some(h) => h.clone(),
            None => auth::hash_password(&a.password),
        };
    }
    Ok(())
}

/// `PUT /api/v1/admin/workspace`: a whole definition for one's own
/// workspace (the import path the demo uses).
async fn import(req: &mut Request, env: &Env) -> Result<Response> {
    let (workspace, _) = asker(req, env)?;
    let mut setup: WorkspaceSetup = body(req).await?;
    if setup.workspace != workspace {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            format!(
                "this definition is for the workspace \"{}\"; you manage \"{workspace}\"",
                setup.workspace
            ),
        ));
    }
    chat_core::workspace::validate_setup(&setup)
        .map_err(|why| Error::refused(ErrorCode::BadRequest, why))?;
    // The gate first: no password is hashed for someone who may not.
    authorize(req, env).await?;
    hash_passwords(env, &mut setup).await?;
    let fresh_ids = setup
        .agents
        .iter()
        .map(|_| AgentId(auth::new_id("a")))
        .collect();
    let (_, done): (String, shared::api::SetupDone) =
        change(req, env, AdminChange::Workspace { setup, fresh_ids }).await?;
    json(&done)
}

async fn invite(req: &mut Request, env: &Env) -> Result<Response> {
    let request: InvitationRequest = body(req).await?;
    let (workspace, _) = asker(req, env)?;
    let token = link_token(&workspace);
    let id = auth::new_id("inv");
    let (_, invitation): (String, Invitation) = change(
        req,
        env,
        AdminChange::Invite {
            id,
            token: token.clone(),
            request,
        },
    )
    .await?;
    let link = format!("{}/agent/?invite={token}", origin(req)?);
    let text = format!(
        "{} invited you to answer chats in the workspace \"{workspace}\".\n\nOpen this link to choose your password and join:\n{link}\n\nThe link works once, for 7 days.\n",
        invitation.invited_by
    );
    crate::transcripts::send(
        env,
        &workspace,
        &invitation.email,
        crate::transcripts::EmailText {
            subject: format!("You are invited to the workspace {workspace}"),
            text,
        },
    )
    .await?;
    json(&LinkSent {
        id: invitation.id,
        email: invitation.email,
        link,
        expires_at: invitation.expires_at,
    })
}

async fn password_reset(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let (workspace, _) = asker(req, env)?;
    let token = link_token(&workspace);
    let (_, made): (String, ResetMade) = change(
        req,
        env,
        AdminChange::PasswordReset {
            person: AgentId(id.to_owned()),
            token: token.clone(),
        },
    )
    .await?;
    let link = format!("{}/agent/?reset={token}", origin(req)?);
    let text = format!(
        "An administrator of the workspace \"{workspace}\" sent you a link to set a new password:\n{link}\n\nThe link works once, for 24 hours, and signs you out everywhere else.\n"
    );
    crate::transcripts::send(
        env,
        &workspace,
        &made.person.email,
        crate::transcripts::EmailText {
            subject: format!("Set a new password for the workspace {workspace}"),
            text,
        },
    )
    .await?;
    json(&LinkSent {
        id: made.person.id.0,
        email: made.person.email,
        link,
        expires_at: made.expires_at,
    })
}

async fn invitation_info(env: &Env, token: &str) -> Result<Response> {
    let workspace = link_workspace(token)?;
    let ask = LinkAsk {
        token: token.to_owned(),
        workspace: workspace.clone(),
    };
    http::call(
        &crate::workspace(env, &workspace)?,
        "/invitation-info",
        &ask,
    )
    .await
}

async fn accept(req: &mut Request, env: &Env, token: &str) -> Result<Response> {
    let workspace = link_workspace(token)?;
    let body: AcceptInvitation = http::read_json(req).await?;
    check_password(&body.password)?;
    if body.name.chars().count() > 200 {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            "a name has at most 200 characters",
        ));
    }
    let redeem = Redeem::Invitation {
        token: token.to_owned(),
        name: body.name,
        password_hash: auth::hash_password(&body.password),
        fresh_id: AgentId(auth::new_id("a")),
    };
    let who: SignedIn = http::ask(&crate::workspace(env, &workspace)?, "/redeem", &redeem).await?;
    signed_in(env, &workspace, who)
}

async fn new_password(req: &mut Request, env: &Env, token: &str) -> Result<Response> {
    let workspace = link_workspace(token)?;
    let body: NewPassword = http::read_json(req).await?;
    check_password(&body.password)?;
    let redeem = Redeem::Reset {
        token: token.to_owned(),
        password_hash: auth::hash_password(&body.password),
    };
    let who: SignedIn = http::ask(&crate::workspace(env, &workspace)?, "/redeem", &redeem).await?;
    signed_in(env, &workspace, who)
}

async fn create_api_token(req: &mut Request, env: &Env) -> Result<Response> {
    let request: ApiTokenRequest = body(req).await?;
    let (workspace, _) = asker(req, env)?;
    let token = format!("lct_{workspace}_{}", hex(&auth::random_bytes::<24>()));
    let id = auth::new_id("tok");
    let (_, info): (String, ApiTokenInfo) = change(
        req,
        env,
        AdminChange::CreateApiToken {
            id,
            token: token.clone(),
            request,
        },
    )
    .await?;
    json(&ApiTokenCreated { info, token })
}

/// The deployment's sign-up code, when set.
fn signup_code(env: &Env) -> Option<String> {
    env.secret("SIGNUP_CODE")
        .map(|s| s.to_string())
        .or_else(|_| env.var("SIGNUP_CODE").map(|v| v.to_string()))
        .ok()
        .filter(|c| !c.trim().is_empty())
}

fn signup_info(env: &Env) -> Result<Response> {
    let open = signup_code(env).is_some();
    json(&SignupInfo {
        open,
        code_required: open,
    })
}

/// `POST /api/v1/signup`: a new workspace with one department and its
/// first administrator, signed in.
async fn sign_up(req: &mut Request, env: &Env) -> Result<Response> {
    let Some(expected) = signup_code(env) else {
        return Err(Error::refused(
            ErrorCode::Forbidden,
            "sign-up is closed on this deployment (no SIGNUP_CODE is set)",
        ));
    };
    let body: SignupRequest = http::read_json(req).await?;
    // Digests compared, so the time taken says nothing about the code.
    let digest = |s: &str| Sha256::digest(s.trim().as_bytes());
    if digest(&expected) != digest(&body.code) {
        return Err(Error::refused(
            ErrorCode::Forbidden,
            "the sign-up code is wrong; ask whoever runs this deployment for it",
        ));
    }
    check_password(&body.password)?;
    let workspace = body.workspace.trim().to_owned();
    let name = body.workspace_name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            "the workspace's name has 1 to 100 characters",
        ));
    }
    let mut setup = WorkspaceSetup {
        workspace: workspace.clone(),
        name: Some(name),
        departments: vec![DepartmentSetup {
            id: "general".into(),
            name: "General".into(),
            hours: Vec::new(),
            utc_offset_minutes: 0,
        }],
        sites: Vec::new(),
        agents: vec![AgentSetup {
            email: body.email.trim().to_owned(),
            name: body.name.trim().to_owned(),
            role: Role::Admin,
            password: body.password,
            departments: vec!["general".into()],
            username: None,
            capacity: None,
            active: true,
        }],
        grants: Vec::new(),
        routing: None,
        labels: Default::default(),
        files: Default::default(),
        calls: Default::default(),
    };
    chat_core::workspace::validate_setup(&setup)
        .map_err(|why| Error::refused(ErrorCode::BadRequest, why))?;
    for a in &mut setup.agents {
        a.password = auth::hash_password(&a.password);
    }
    let stub = crate::workspace(env, &workspace)?;
    let who: SignedIn = http::ask(
        &stub,
        "/signup",
        &SetupBody {
            setup,
            fresh_ids: vec![AgentId(auth::new_id("a"))],
        },
    )
    .await?;
    signed_in(env, &workspace, who)
}
