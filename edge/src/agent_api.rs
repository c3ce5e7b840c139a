//! The agent app's own routes in the worker: sign-in, the agent's reads
//! (their profile, a conversation's room, history, search, files), the
//! inbox socket, and their actions. Each checks the token here and asks
//! the workspace, which decides.

use super::*;

pub(crate) async fn login(mut req: Request, env: &Env) -> Result<Response> {
    use chat_core::limits::Keyed;
    let limits = limits::of(env);
    limits::check(env, &limits, Keyed::SignInPerIp, &limits::client_ip(&req)).await?;
    let body: LoginRequest = read_json(&mut req).await?;
    let wrong = || Error::refused(ErrorCode::BadCredentials, "wrong email or password");
    if !is_valid_id(&body.workspace) {
        return Err(wrong());
    }
    let account = format!("{}/{}", body.workspace, body.email);
    limits::check(env, &limits, Keyed::SignInPerAccount, &account).await?;
    let ask = Credentials {
        email: body.email.clone(),
    };
    let stored: Option<StoredLogin> =
        match http::ask(&workspace(env, &body.workspace)?, "/login", &ask).await {
            Ok(s) => Some(s),
            Err(Error::Refused(r)) if r.code == ErrorCode::BadCredentials => None,
            Err(e) => return Err(e),
        };
    // An unknown email costs the same time as a wrong password.
    let hash = stored
        .as_ref()
        .map_or(auth::UNKNOWN_USER_HASH, |s| s.password_hash.as_str());
    let matches = auth::check_password(&body.password, hash);
    // The account's growing delay counts failures, known emails or not
    // (a delay that only known accounts get would tell which exist).
    if !matches {
        let _: serde_json::Value =
            http::ask(&workspace(env, &body.workspace)?, "/login-failed", &ask).await?;
    } else if stored.as_ref().is_some_and(|s| s.failures > 0) {
        let _: serde_json::Value =
            http::ask(&workspace(env, &body.workspace)?, "/login-succeeded", &ask).await?;
    }
    let stored = stored.filter(|_| matches).ok_or_else(wrong)?;
    if !stored.active {
        return Err(Error::refused(
            ErrorCode::Forbidden,
            "this account is deactivated",
        ));
    }
    let agent: AgentProfile = stored.profile;
    let token = auth::sign(
        &secret(env)?,
        &Claims {
            kind: Kind::Agent,
            workspace: body.workspace,
            site: "-".into(),
            subject: agent.id.0.clone(),
            generation: stored.generation,
            expires: http::now() + auth::AGENT_SESSION_MS,
        },
    );
    json(&LoginResponse { token, agent })
}

/// An agent's request answered by the workspace's `path`.
pub(crate) async fn agent_request(
    req: &Request,
    env: &Env,
    path: &str,
    id: Option<&str>,
) -> Result<Response> {
    let claims = claims(req, env, Kind::Agent)?;
    let conversation = id.map(valid_conversation).transpose()?;
    let ask = Asking {
        who: principal(&claims),
        conversation,
        action: None,
    };
    http::call(&workspace(env, &claims.workspace)?, path, &ask).await
}

/// An agent reads inside a conversation ("Room information", "Search
/// messages"): the workspace checks they may open it, on every request;
/// the conversation answers for the participant the workspace names.
pub(crate) async fn agent_reads(
    req: &Request,
    env: &Env,
    id: &str,
    read: &str,
) -> Result<Response> {
    let claims = claims(req, env, Kind::Agent)?;
    let ask = Asking {
        who: principal(&claims),
        conversation: Some(valid_conversation(id)?),
        action: None,
    };
    let opened: OpenAnswer = http::ask(&workspace(env, &claims.workspace)?, "/open", &ask).await?;
    let query = req
        .url()?
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let headers = [
        (http::PRINCIPAL_HEADER, serde_json::to_string(&opened.who)?),
        (http::ACCESS_HEADER, serde_json::to_string(&opened.access)?),
        (
            http::PRIORITY_HEADER,
            serde_json::to_string(&opened.priority)?,
        ),
    ];
    http::forward_read(
        &conversation(env, id)?,
        &format!("/{read}{query}"),
        &headers,
    )
    .await
}

pub(crate) async fn inbox(req: &Request, env: &Env) -> Result<Response> {
    if !http::is_upgrade(req) {
        return Err(Error::refused(
            ErrorCode::BadRequest,
            "this endpoint speaks WebSocket only",
        ));
    }
    let Ok(claims) = claims(req, env, Kind::Agent) else {
        return http::refuse_socket(close::UNAUTHORIZED, "an agent token is required");
    };
    let who = serde_json::to_string(&principal(&claims))?;
    http::forward_socket(
        &workspace(env, &claims.workspace)?,
        "/inbox",
        &[(http::AGENT_HEADER, who)],
    )
    .await
}

/// An agent's action (take, accept, decline, hold, resume, queue, forward,
/// close, priority, status): named by the path, read once into an
/// [`AgentAction`], decided by the workspace.
pub(crate) async fn act(
    mut req: Request,
    env: &Env,
    name: &str,
    id: Option<&str>,
) -> Result<Response> {
    let claims = claims(&req, env, Kind::Agent)?;
    let conversation = id.map(valid_conversation).transpose()?;
    let body = http::read_text(&mut req, http::MAX_BODY_BYTES).await?;
    let mut action = AgentAction::parse(name, conversation, &body)?;
    // What an agent makes gets an id here: clients choose none.
    if let AgentAction::SaveCanned { id, .. } = &mut action {
        *id = auth::new_id("cr");
    }
    let ask = Asking {
        who: principal(&claims),
        conversation: None,
        action: Some(action),
    };
    http::call(&workspace(env, &claims.workspace)?, "/act", &ask).await
}

/// An agent's action that takes no body.
pub(crate) async fn agent_acts(req: &Request, env: &Env, action: AgentAction) -> Result<Response> {
    let claims = claims(req, env, Kind::Agent)?;
    let ask = Asking {
        who: principal(&claims),
        conversation: None,
        action: Some(action),
    };
    http::call(&workspace(env, &claims.workspace)?, "/act", &ask).await
}
