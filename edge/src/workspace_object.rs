//! The Durable Object that keeps one workspace: its sites, departments and
//! people, the index of its conversations (what the agent lists show), and
//! the agents' inbox sockets. It decides who takes a queued conversation:
//! it claims the conversation in its index before it tells the conversation,
//! so of two agents racing, exactly one wins.
//!
//! It is never on the path of a chat message: conversations tell it only
//! when they enter the queue.

pub mod offline;
pub mod routing;

use crate::auth;
use crate::http::{self, error, json, principal};
use chat_core::inbox::{self, AgentView, Visibility};
use chat_core::permissions::Grants;
use chat_core::router::Router;
use serde::{Deserialize, Serialize};
use shared::api::{AgentProfile, Role, SetupDone, WorkspaceSetup};
use shared::frame::{ConversationStatus, ErrorCode, Participant, Side};
use shared::ids::{AgentId, ConversationId};
use shared::inbox::{ConversationSummary, InboxClientFrame, InboxFrame};
use std::cell::{Cell, RefCell};
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS departments (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  role TEXT NOT NULL, password TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (agent_id TEXT NOT NULL, department TEXT NOT NULL,
  PRIMARY KEY (agent_id, department));
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, body TEXT NOT NULL, queued_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_status ON conversations (status, queued_at);
CREATE INDEX IF NOT EXISTS conversations_visitor
  ON conversations (json_extract(body, '$.visitor.id'), queued_at);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS router_agents (id TEXT PRIMARY KEY, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS router_conversations (id TEXT PRIMARY KEY, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS department_hours (department TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS offline_messages (
  id TEXT PRIMARY KEY, department TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL
);
";

/// Body of `POST /site`: which department a visitor of this site queues in.
#[derive(Serialize, Deserialize)]
pub struct SiteRequest {
    /// The site id (the part of the site key after the dot).
    pub site: String,
    /// A department the visitor asked for.
    #[serde(default)]
    pub department: Option<String>,
}

/// Answer to [`SiteRequest`].
#[derive(Serialize, Deserialize)]
pub struct SiteAnswer {
    /// The department to queue in.
    pub department: String,
}

/// Body of `POST /login`.
#[derive(Serialize, Deserialize)]
pub struct Credentials {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Answer to `POST /login`: the profile and the stored hash, which the
/// worker checks the password against.
#[derive(Serialize, Deserialize)]
pub struct StoredLogin {
    /// Who.
    pub profile: AgentProfile,
    /// `pbkdf2-sha256$...`.
    pub password_hash: String,
}

/// Body of `POST /agent`, `/open` and `/take`.
#[derive(Serialize, Deserialize)]
pub struct AgentRequest {
    /// Who asks.
    pub agent_id: AgentId,
    /// About which conversation, for `/open` and `/take`.
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
}

/// Answer of `/open`: who an agent connects to a conversation as.
#[derive(Serialize, Deserialize)]
pub struct Opened {
    /// The participant.
    pub who: Participant,
    /// Whether their role may write in chats.
    pub may_reply: bool,
}

#[derive(Deserialize)]
struct AgentRow {
    id: String,
    email: String,
    name: String,
    role: String,
    password: String,
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

#[derive(Deserialize)]
pub(crate) struct Department {
    pub(crate) department: String,
}

/// What an inbox socket carries through hibernation.
#[derive(Serialize, Deserialize)]
struct InboxAttachment {
    agent_id: String,
    role: Role,
    departments: Vec<String>,
}

impl InboxAttachment {
    fn view<'a>(&'a self, grants: &'a Grants) -> AgentView<'a> {
        AgentView {
            id: &self.agent_id,
            role: self.role,
            departments: &self.departments,
            grants,
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Agent => "agent",
        Role::Manager => "manager",
        Role::Admin => "admin",
        Role::Unknown => "unknown",
    }
}

fn parse_role(s: &str) -> Role {
    match s {
        "admin" => Role::Admin,
        "manager" => Role::Manager,
        _ => Role::Agent,
    }
}

fn status_name(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::New => "new",
        ConversationStatus::Queued => "queued",
        ConversationStatus::Active => "active",
        ConversationStatus::OnHold => "on_hold",
        ConversationStatus::Closed => "closed",
        ConversationStatus::Unknown => "unknown",
    }
}

#[durable_object]
pub struct WorkspaceObject {
    state: State,
    env: Env,
    /// Whether this instance created its tables already.
    schema_ready: Cell<bool>,
    /// The router as last stored, loaded on first use (see `routing.rs`).
    router: RefCell<Option<Router>>,
    /// The workspace's grants as last stored, loaded on first use.
    grants: RefCell<Option<Grants>>,
}

impl WorkspaceObject {
    fn sql(&self) -> Result<SqlStorage> {
        let sql = self.state.storage().sql();
        if !self.schema_ready.get() {
            sql.exec(SCHEMA, None)?;
            self.schema_ready.set(true);
        }
        Ok(sql)
    }

    fn agent_row(&self, column: &str, value: &str) -> Result<Option<AgentRow>> {
        let query =
            format!("SELECT id, email, name, role, password FROM agents WHERE {column} = ?");
        Ok(self
            .sql()?
            .exec(&query, vec![value.into()])?
            .to_array::<AgentRow>()?
            .into_iter()
            .next())
    }

    fn profile(&self, row: AgentRow) -> Result<AgentProfile> {
        let departments = self
            .sql()?
            .exec(
                "SELECT department FROM members WHERE agent_id = ? ORDER BY department",
                vec![row.id.clone().into()],
            )?
            .to_array::<Department>()?
            .into_iter()
            .map(|d| d.department)
            .collect();
        Ok(AgentProfile {
            id: AgentId(row.id),
            name: row.name,
            email: row.email,
            role: parse_role(&row.role),
            departments,
        })
    }

    fn agent(&self, id: &AgentId) -> Result<Option<AgentProfile>> {
        match self.agent_row("id", id.as_str())? {
            Some(row) => Ok(Some(self.profile(row)?)),
            None => Ok(None),
        }
    }

    fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationSummary>> {
        Ok(self
            .sql()?
            .exec(
                "SELECT body FROM conversations WHERE id = ?",
                vec![id.as_str().into()],
            )?
            .to_array::<Body>()?
            .into_iter()
            .next()
            .and_then(|b| serde_json::from_str(&b.body).ok()))
    }

    fn save(&self, summary: &ConversationSummary) -> Result<()> {
        self.sql()?.exec(
            "INSERT OR REPLACE INTO conversations (id, status, body, queued_at) VALUES (?, ?, ?, ?)",
            vec![
                summary.id.as_str().into(),
                status_name(summary.status).into(),
                serde_json::to_string(summary)?.into(),
                worker::SqlStorageValue::try_from_i64(summary.queued_at)?,
            ],
        )?;
        Ok(())
    }

    /// Tells every inbox socket how a conversation now shows for its agent:
    /// an upsert where it shows, a removal where it showed before, and
    /// nothing at all to agents who never saw it.
    fn broadcast(&self, before: Option<&ConversationSummary>, summary: &ConversationSummary) {
        let grants = self.grants().unwrap_or_default();
        for ws in self.state.get_websockets() {
            let Ok(Some(att)) = ws.deserialize_attachment::<InboxAttachment>() else {
                continue;
            };
            let agent = att.view(&grants);
            let was_shown =
                before.is_some_and(|b| inbox::visibility(&agent, b) != Visibility::Hidden);
            let frame = match inbox::visibility(&agent, summary) {
                Visibility::Hidden if was_shown => InboxFrame::Remove {
                    id: summary.id.clone(),
                },
                Visibility::Hidden => continue,
                Visibility::Queued | Visibility::Mine => InboxFrame::Upsert {
                    conversation: summary.clone(),
                },
            };
            send(&ws, &frame);
        }
    }

    async fn setup(&self, mut req: Request) -> Result<Response> {
        let body: WorkspaceSetup = match http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await
        {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let sql = self.sql()?;
        for d in &body.departments {
            sql.exec(
                "INSERT OR REPLACE INTO departments (id, name) VALUES (?, ?)",
                vec![d.id.clone().into(), d.name.clone().into()],
            )?;
            if let Err(why) = self.store_hours(d)? {
                return error(ErrorCode::BadRequest, why);
            }
        }
        for s in &body.sites {
            sql.exec(
                "INSERT OR REPLACE INTO sites (id, name, department) VALUES (?, ?, ?)",
                vec![
                    s.id.clone().into(),
                    s.name.clone().into(),
                    s.department.clone().into(),
                ],
            )?;
        }
        let mut agents = Vec::new();
        for a in &body.agents {
            let id = match self.agent_row("email", &a.email)? {
                Some(row) => row.id,
                None => auth::new_id("a"),
            };
            // The worker hashed it (PBKDF2) before this object saw it.
            let password = a.password.clone();
            sql.exec(
                "INSERT OR REPLACE INTO agents (id, email, name, role, password) VALUES (?, ?, ?, ?, ?)",
                vec![
                    id.clone().into(),
                    a.email.clone().into(),
                    a.name.clone().into(),
                    role_name(a.role).into(),
                    password.into(),
                ],
            )?;
            sql.exec(
                "DELETE FROM members WHERE agent_id = ?",
                vec![id.clone().into()],
            )?;
            for d in &a.departments {
                sql.exec(
                    "INSERT INTO members (agent_id, department) VALUES (?, ?)",
                    vec![id.clone().into(), d.clone().into()],
                )?;
            }
            if let Some(profile) = self.agent(&AgentId(id))? {
                agents.push(profile);
            }
        }
        let mut grants = chat_core::permissions::Grants::new();
        for g in &body.grants {
            if g.permissions.contains(&chat_core::permissions::Permission::Unknown) {
                return error(ErrorCode::BadRequest, "unknown permission");
            }
            let permissions = g.permissions.clone();
            grants.insert(g.role, permissions);
        }
        sql.exec(
            "INSERT OR REPLACE INTO kv (key, value) VALUES ('grants', ?)",
            vec![serde_json::to_string(&grants)?.into()],
        )?;
        *self.grants.borrow_mut() = Some(grants);
        self.sync_agents(routing::settings_of(body.routing.as_ref()), &agents)?;
        json(&SetupDone { agents })
    }

    async fn site(&self, mut req: Request) -> Result<Response> {
        let body: SiteRequest = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let default = self
            .sql()?
            .exec(
                "SELECT department FROM sites WHERE id = ?",
                vec![body.site.into()],
            )?
            .to_array::<Department>()?
            .into_iter()
            .next();
        let Some(default) = default else {
            return error(ErrorCode::NotFound, "no such site");
        };
        let department = match body.department {
            Some(asked) => {
                let known = self
                    .sql()?
                    .exec(
                        "SELECT id AS department FROM departments WHERE id = ?",
                        vec![asked.clone().into()],
                    )?
                    .to_array::<Department>()?;
                if known.is_empty() {
                    return error(ErrorCode::NotFound, "no such department");
                }
                asked
            }
            None => default.department,
        };
        json(&SiteAnswer { department })
    }

    async fn login(&self, mut req: Request) -> Result<Response> {
        let body: Credentials = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        // The slow password check runs in the worker, not in this object
        // that every agent of the workspace shares.
        match self.agent_row("email", body.email.trim())? {
            Some(row) => {
                let password_hash = row.password.clone();
                json(&StoredLogin {
                    profile: self.profile(row)?,
                    password_hash,
                })
            }
            None => error(ErrorCode::BadCredentials, "wrong email or password"),
        }
    }

    async fn whoami(&self, mut req: Request) -> Result<Response> {
        let body: AgentRequest = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        match self.agent(&body.agent_id)? {
            Some(profile) => json(&profile),
            None => error(ErrorCode::Unauthorized, "no such agent"),
        }
    }

    /// Reads an agent request naming a conversation: the agent and the
    /// conversation's summary, or the error answer.
    async fn agent_and_conversation(
        &self,
        mut req: Request,
    ) -> Result<std::result::Result<(AgentProfile, ConversationSummary), Response>> {
        let body: AgentRequest = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(Err(resp)),
        };
        let Some(agent) = self.agent(&body.agent_id)? else {
            return error(ErrorCode::Unauthorized, "no such agent").map(Err);
        };
        let summary = match &body.conversation_id {
            Some(id) => self.conversation(id)?,
            None => None,
        };
        match summary {
            Some(summary) => Ok(Ok((agent, summary))),
            None => error(ErrorCode::NotFound, "no such conversation").map(Err),
        }
    }

    /// "Chat history": every conversation of this one's visitor (the
    /// contact) that the agent may open, newest first, this one included.
    async fn history(&self, req: Request) -> Result<Response> {
        let (agent, summary) = match self.agent_and_conversation(req).await? {
            Ok(found) => found,
            Err(resp) => return Ok(resp),
        };
        let grants = self.grants()?;
        let view = view_of(&agent, &grants);
        if !inbox::may_open(&view, &summary) {
            return error(
                ErrorCode::Forbidden,
                "this conversation is for a department you are not in",
            );
        }
        let rows = self
            .sql()?
            .exec(
                "SELECT body FROM conversations WHERE json_extract(body, '$.visitor.id') = ? ORDER BY queued_at DESC LIMIT 200",
                vec![summary.visitor.id.as_str().into()],
            )?
            .to_array::<Body>()?;
        let history: Vec<ConversationSummary> = rows
            .into_iter()
            .filter_map(|row| serde_json::from_str::<ConversationSummary>(&row.body).ok())
            .filter(|c| inbox::may_open(&view, c))
            .collect();
        json(&history)
    }

    /// May this agent open this conversation's socket? Answers the
    /// participant to connect as, and whether their role may reply.
    async fn open(&self, req: Request) -> Result<Response> {
        let (agent, summary) = match self.agent_and_conversation(req).await? {
            Ok(found) => found,
            Err(resp) => return Ok(resp),
        };
        let grants = self.grants()?;
        if !inbox::may_open(&view_of(&agent, &grants), &summary) {
            return error(
                ErrorCode::Forbidden,
                "this conversation is for a department you are not in",
            );
        }
        json(&Opened {
            who: participant(&agent),
            may_reply: chat_core::permissions::allows_in(
                &grants,
                agent.role,
                chat_core::permissions::Permission::Reply,
            ),
        })
    }

    async fn announce(&self, mut req: Request) -> Result<Response> {
        let mut summary: ConversationSummary = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let current = self.conversation(&summary.id)?;
        // The priority is the workspace's, not the conversation's.
        if let Some(c) = &current {
            summary.priority = c.priority;
        }
        if inbox::supersedes(&summary, current.as_ref()) {
            self.save(&summary)?;
            self.broadcast(current.as_ref(), &summary);
            let known = current
                .as_ref()
                .is_some_and(|c| c.status != ConversationStatus::New);
            let input = match summary.status {
                ConversationStatus::Queued if !known => Some(chat_core::router::Input::Enqueue {
                    conversation: summary.id.0.clone(),
                    department: summary.department.clone(),
                    priority: summary.priority,
                }),
                ConversationStatus::Closed => Some(chat_core::router::Input::Close {
                    conversation: summary.id.0.clone(),
                }),
                _ => None,
            };
            if let Some(input) = input {
                let outputs = self.routed(input)?;
                self.perform(outputs).await?;
            }
        }
        json(&serde_json::json!({ "ok": true }))
    }

    async fn inbox(&self, req: Request) -> Result<Response> {
        let Some(who) = principal(&req) else {
            return error(ErrorCode::Unauthorized, "no participant");
        };
        let pair = WebSocketPair::new()?;
        // Tagged with the agent's id, so offers find all their apps.
        self.state
            .accept_websocket_with_tags(&pair.server, &[who.id.as_str()]);
        let Some(agent) = self.agent(&AgentId(who.id))? else {
            let _ = pair
                .server
                .close(Some(shared::close::UNAUTHORIZED), Some("no such agent"));
            return Response::from_websocket(pair.client);
        };
        let att = InboxAttachment {
            agent_id: agent.id.0.clone(),
            role: agent.role,
            departments: agent.departments.clone(),
        };
        let rows = self
            .sql()?
            .exec(
                "SELECT body FROM conversations WHERE status IN ('queued', 'active', 'on_hold') ORDER BY queued_at",
                None,
            )?
            .to_array::<Body>()?;
        let (mut queued, mut mine) = (Vec::new(), Vec::new());
        let grants = self.grants()?;
        for row in rows {
            let Ok(summary) = serde_json::from_str::<ConversationSummary>(&row.body) else {
                continue;
            };
            match inbox::visibility(&att.view(&grants), &summary) {
                Visibility::Queued => queued.push(summary),
                Visibility::Mine => mine.push(summary),
                Visibility::Hidden => {}
            }
        }
        pair.server.serialize_attachment(&att)?;
        let offers = self.pending_offers(&att.agent_id)?;
        send(
            &pair.server,
            &InboxFrame::Snapshot {
                queued,
                mine,
                offers,
            },
        );
        let outputs = self.routed(chat_core::router::Input::Connected {
            agent: att.agent_id.clone(),
        })?;
        self.perform(outputs).await?;
        Response::from_websocket(pair.client)
    }
}

fn view_of<'a>(agent: &'a AgentProfile, grants: &'a Grants) -> AgentView<'a> {
    AgentView {
        id: agent.id.as_str(),
        role: agent.role,
        departments: &agent.departments,
        grants,
    }
}

fn participant(agent: &AgentProfile) -> Participant {
    Participant {
        side: Side::Agent,
        id: agent.id.0.clone(),
        name: agent.name.clone(),
    }
}

fn send(ws: &WebSocket, frame: &InboxFrame) {
    if let Ok(text) = serde_json::to_string(frame) {
        let _ = ws.send_with_str(text);
    }
}

impl DurableObject for WorkspaceObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            schema_ready: Cell::new(false),
            router: RefCell::new(None),
            grants: RefCell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/setup" => self.setup(req).await,
            "/site" => self.site(req).await,
            "/login" => self.login(req).await,
            "/agent" => self.whoami(req).await,
            "/open" => self.open(req).await,
            "/take" => self.take(req).await,
            "/reroute" => self.reroute(req).await,
            "/directory" => self.directory(req).await,
            "/availability" => self.availability(req).await,
            "/offline" => self.leave_offline(req).await,
            "/offline-messages" => self.offline_messages(req).await,
            "/history" => self.history(req).await,
            "/queue-position" => self.queue_position(req).await,
            path if path.starts_with("/act/") => {
                let action = path.trim_start_matches("/act/").to_owned();
                self.act(&action, req).await
            }
            "/announce" => self.announce(req).await,
            "/inbox" => self.inbox(req).await,
            _ => error(ErrorCode::NotFound, "no such route"),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        // The inbox is server-to-agent; a ping is the only thing to answer.
        let refusal = match message {
            WebSocketIncomingMessage::String(text) if text.len() > shared::MAX_FRAME_BYTES => {
                (ErrorCode::TooLarge, "frame too large".to_owned())
            }
            WebSocketIncomingMessage::String(text) => {
                match serde_json::from_str::<InboxClientFrame>(&text) {
                    Ok(InboxClientFrame::Ping) => {
                        send(&ws, &InboxFrame::Pong);
                        return Ok(());
                    }
                    Err(e) => (
                        ErrorCode::BadFrame,
                        format!("the inbox accepts only pings: {e}"),
                    ),
                }
            }
            WebSocketIncomingMessage::Binary(_) => (
                ErrorCode::BadFrame,
                "binary frames are not part of the protocol".to_owned(),
            ),
        };
        send(
            &ws,
            &InboxFrame::Error {
                code: refusal.0,
                message: refusal.1,
            },
        );
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> Result<()> {
        if let Ok(Some(att)) = ws.deserialize_attachment::<InboxAttachment>() {
            let outputs = self.routed(chat_core::router::Input::Disconnected {
                agent: att.agent_id,
            })?;
            self.perform(outputs).await?;
        }
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn alarm(&self) -> Result<Response> {
        let outputs = self.routed(chat_core::router::Input::Tick)?;
        self.perform(outputs).await?;
        Response::ok("ok")
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}
