//! The workspace's router at work: the pure [`Router`] kept in SQLite,
//! fed agent and conversation events, its outputs carried out (offers to
//! inbox sockets, assignments told to conversations, the index kept in
//! step, the alarm set), and the lifecycle endpoints that need both the
//! router and the conversation.

use super::{participant, send, WorkspaceObject};
use crate::conversation_object::AssignRequest;
use crate::http::{self, error, json};
use chat_core::conversation::lifecycle::{Action, TransferTarget};
use chat_core::conversation::Refusal;
use chat_core::inbox;
use chat_core::permissions::Permission;
use chat_core::router::{Changes, How, Input, Output, Router, Settings, Target};
use serde::{Deserialize, Serialize};
use shared::api::{
    AgentProfile, CloseRequest, ForwardRequest, PriorityRequest, QueuePosition, RoutingSetup,
    StatusRequest, Taken,
};
use shared::frame::{ConversationStatus, ConversationView, ErrorCode};
use shared::ids::{AgentId, ConversationId};
use shared::inbox::{ConversationSummary, InboxFrame};
use worker::{Request, Response, Result, SqlStorage};

/// Body of the agent action endpoints (`/act/...`), from the worker.
#[derive(Serialize, Deserialize)]
pub struct ActRequest {
    /// Who acts.
    pub agent_id: AgentId,
    /// On what.
    pub conversation_id: ConversationId,
    /// For `status`.
    #[serde(default)]
    pub status: Option<StatusRequest>,
    /// For `forward`.
    #[serde(default)]
    pub forward: Option<ForwardRequest>,
    /// For `close`.
    #[serde(default)]
    pub close: Option<CloseRequest>,
    /// For `priority`.
    #[serde(default)]
    pub priority: Option<PriorityRequest>,
}

/// Body of `/queue-position`, from the worker.
#[derive(Serialize, Deserialize)]
pub struct QueueRequest {
    /// The visitor asking.
    pub visitor_id: String,
    /// About which conversation.
    pub conversation_id: ConversationId,
}

#[derive(Deserialize)]
struct Blob {
    value: String,
}

/// Router settings from the setup body.
pub fn settings_of(routing: Option<&RoutingSetup>) -> Settings {
    let Some(r) = routing else {
        return Settings::default();
    };
    Settings {
        algorithm: r.algorithm,
        capacity: r.capacity,
        offer_timeout_ms: r.offer_timeout_ms.clamp(1_000, 600_000),
        grace_ms: r.grace_ms.clamp(0, 3_600_000),
        departments: r
            .departments
            .iter()
            .map(|d| {
                (
                    d.department.clone(),
                    chat_core::router::DepartmentSettings {
                        algorithm: d.algorithm,
                        capacity: d.capacity,
                    },
                )
            })
            .collect(),
    }
}

#[derive(Deserialize)]
struct RouterRow {
    id: String,
    row: String,
}

fn rows_of(sql: &SqlStorage, table: &str) -> Result<Vec<(String, String)>> {
    Ok(sql
        .exec(&format!("SELECT id, row FROM {table}"), None)?
        .to_array::<RouterRow>()?
        .into_iter()
        .map(|r| (r.id, r.row))
        .collect())
}

fn kv(sql: &SqlStorage, key: &str) -> Result<Option<String>> {
    Ok(sql
        .exec("SELECT value FROM kv WHERE key = ?", vec![key.into()])?
        .to_array::<Blob>()?
        .into_iter()
        .next()
        .map(|b| b.value))
}

/// The router from its rows. A workspace stored before the router had
/// rows kept it whole under `router`: that is split into rows once.
fn load_router(sql: &SqlStorage) -> Result<Router> {
    let broken = |e: serde_json::Error| worker::Error::RustError(format!("stored router: {e}"));
    let meta = kv(sql, "router_meta")?;
    if meta.is_none() {
        if let Some(whole) = kv(sql, "router")? {
            let router: Router = serde_json::from_str(&whole).map_err(broken)?;
            write_rows(sql, router.all_rows().map_err(broken)?)?;
            sql.exec("DELETE FROM kv WHERE key = 'router'", None)?;
            return Ok(router);
        }
    }
    Router::from_rows(
        meta.as_deref(),
        rows_of(sql, "router_agents")?,
        rows_of(sql, "router_conversations")?,
    )
    .map_err(broken)
}

/// Writes what changed in the router.
fn write_rows(sql: &SqlStorage, changes: Changes) -> Result<()> {
    if let Some(meta) = changes.meta {
        sql.exec(
            "INSERT OR REPLACE INTO kv (key, value) VALUES ('router_meta', ?)",
            vec![meta.into()],
        )?;
    }
    for (table, rows) in [
        ("router_agents", changes.agents),
        ("router_conversations", changes.convs),
    ] {
        for (id, row) in rows {
            match row {
                Some(row) => sql.exec(
                    &format!("INSERT OR REPLACE INTO {table} (id, row) VALUES (?, ?)"),
                    vec![id.into(), row.into()],
                )?,
                None => sql.exec(
                    &format!("DELETE FROM {table} WHERE id = ?"),
                    vec![id.into()],
                )?,
            };
        }
    }
    Ok(())
}

fn refused(r: Refusal) -> Result<Response> {
    error(r.code, r.message)
}

impl WorkspaceObject {
    /// Feeds the router one input and writes the rows it changed; answers
    /// its outputs. The router stays in memory between requests; storage
    /// holds it as one row per agent and per conversation, so an event
    /// costs what it changed, not the size of the queue.
    pub(super) fn routed(&self, input: Input) -> Result<Vec<Output>> {
        let sql = self.sql()?;
        let mut cache = self.router.borrow_mut();
        if cache.is_none() {
            *cache = Some(load_router(&sql)?);
        }
        let before = cache.as_ref().expect("loaded above");
        let mut next = before.clone();
        next.handle(http::now(), input);
        let outputs: Vec<Output> = std::iter::from_fn(|| next.poll_output()).collect();
        let written = next
            .changes_since(before)
            .map_err(|e| worker::Error::RustError(e.to_string()))
            .and_then(|changes| write_rows(&sql, changes));
        match written {
            Ok(()) => *cache = Some(next),
            // Storage is the truth: read it again next time.
            Err(e) => {
                *cache = None;
                return Err(e);
            }
        }
        Ok(outputs)
    }

    /// What this workspace lets each role do (the role defaults where
    /// setup changed nothing).
    pub(super) fn grants(&self) -> Result<chat_core::permissions::Grants> {
        if let Some(grants) = self.grants.borrow().as_ref() {
            return Ok(grants.clone());
        }
        let grants: chat_core::permissions::Grants = kv(&self.sql()?, "grants")?
            .and_then(|g| serde_json::from_str(&g).ok())
            .unwrap_or_default();
        *self.grants.borrow_mut() = Some(grants.clone());
        Ok(grants)
    }

    /// Whether a role has a permission in this workspace.
    pub(super) fn allows(&self, role: shared::api::Role, permission: Permission) -> Result<bool> {
        Ok(chat_core::permissions::allows_in(
            &self.grants()?,
            role,
            permission,
        ))
    }

    /// Reads the router in place (loaded on first use). `read` is not
    /// async, so nothing can change the router while it looks.
    pub(super) fn read_router<T>(&self, read: impl FnOnce(&Router) -> T) -> Result<T> {
        let mut cache = self.router.borrow_mut();
        if cache.is_none() {
            *cache = Some(load_router(&self.sql()?)?);
        }
        Ok(read(cache.as_ref().expect("loaded above")))
    }

    /// Carries out the router's outputs; answers its reply to the input.
    pub(super) async fn perform(
        &self,
        outputs: Vec<Output>,
    ) -> Result<Option<std::result::Result<(), Refusal>>> {
        let mut reply = None;
        for output in outputs {
            match output {
                Output::Offer {
                    conversation,
                    agent,
                    expires_at,
                } => {
                    if let Some(summary) = self.conversation(&conversation.as_str().into())? {
                        self.to_agent(
                            &agent,
                            &InboxFrame::Offer {
                                conversation: summary,
                                expires_at,
                            },
                        );
                    }
                }
                Output::OfferEnded {
                    conversation,
                    agent,
                    ..
                } => {
                    self.to_agent(
                        &agent,
                        &InboxFrame::OfferEnded {
                            id: conversation.as_str().into(),
                        },
                    );
                }
                Output::Assigned {
                    conversation,
                    agent,
                    how,
                } => {
                    self.assigned(&conversation, &agent, how).await?;
                }
                Output::Queued {
                    conversation,
                    department,
                } => {
                    self.reindex(&conversation, |s| {
                        s.status = ConversationStatus::Queued;
                        s.assignee = None;
                        s.department = department.clone();
                    })?;
                }
                Output::Held { conversation } => {
                    self.reindex(&conversation, |s| s.status = ConversationStatus::OnHold)?;
                }
                Output::QueueChanged { .. } => {}
                Output::SetAlarm { at } => match at {
                    Some(at) => self.state.storage().set_alarm(http::alarm_at(at)).await?,
                    None => self.state.storage().delete_alarm().await?,
                },
                Output::Reply(r) => reply = Some(r),
            }
        }
        Ok(reply)
    }

    /// Sends an inbox frame to every socket of one agent.
    fn to_agent(&self, agent: &str, frame: &InboxFrame) {
        for ws in self.state.get_websockets_with_tag(agent) {
            send(&ws, frame);
        }
    }

    /// Changes a conversation's line in the index and tells the inboxes.
    fn reindex(&self, id: &str, change: impl FnOnce(&mut ConversationSummary)) -> Result<()> {
        let Some(before) = self.conversation(&id.into())? else {
            return Ok(());
        };
        let mut after = before.clone();
        change(&mut after);
        if after == before {
            return Ok(());
        }
        self.save(&after)?;
        self.broadcast(Some(&before), &after);
        Ok(())
    }

    /// The router gave a conversation to an agent: tell the conversation,
    /// then the index. Forwards and resumes are told by their endpoints.
    async fn assigned(&self, conversation: &str, agent_id: &str, how: How) -> Result<()> {
        let Some(agent) = self.agent(&agent_id.into())? else {
            return Ok(());
        };
        let who = participant(&agent);
        let stub = self
            .env
            .durable_object("CONVERSATION")?
            .get_by_name(conversation)?;
        let answer = match how {
            How::Taken | How::Accepted => {
                http::call(&stub, "/assign", &AssignRequest { agent: who.clone() }).await?
            }
            How::Rerouted => {
                http::call(&stub, "/lifecycle", &Action::Resume { by: who.clone() }).await?
            }
            How::Resumed | How::Forwarded => return Ok(()),
        };
        let mut answer = answer;
        if answer.status_code() == 200 {
            self.reindex(conversation, |s| {
                s.status = ConversationStatus::Active;
                s.assignee = Some(who);
            })?;
            return Ok(());
        }
        let code = answer
            .json::<shared::api::ApiError>()
            .await
            .map(|e| e.error.code);
        worker::console_error!("conversation {conversation} refused an assignment: {code:?}");
        if matches!(
            code,
            Ok(ErrorCode::ConversationClosed | ErrorCode::NotFound)
        ) {
            // Closed meanwhile: the router lets go of it.
            let outputs = self.routed(Input::Close {
                conversation: conversation.to_owned(),
            })?;
            Box::pin(self.perform(outputs)).await?;
        }
        Ok(())
    }

    /// "Take it": the router decides, exactly once.
    pub(super) async fn take(&self, req: Request) -> Result<Response> {
        let (agent, before) = match self.agent_and_conversation(req).await? {
            Ok(found) => found,
            Err(resp) => return Ok(resp),
        };
        if let Err(refusal) = inbox::may_take(&super::view_of(&agent, &self.grants()?), &before) {
            return refused(refusal);
        }
        let outputs = self.routed(Input::Take {
            agent: agent.id.0.clone(),
            conversation: before.id.0.clone(),
        })?;
        match self.perform(outputs).await? {
            Some(Err(r)) => refused(r),
            _ => match self.conversation(&before.id)? {
                Some(summary)
                    if summary
                        .assignee
                        .as_ref()
                        .is_some_and(|a| a.id == agent.id.0) =>
                {
                    json(&Taken {
                        conversation: summary,
                    })
                }
                _ => error(
                    ErrorCode::Internal,
                    "the conversation could not be assigned",
                ),
            },
        }
    }

    /// Agent actions: status, accept, decline, hold, resume, queue, forward,
    /// close.
    pub(super) async fn act(&self, action: &str, mut req: Request) -> Result<Response> {
        let body: ActRequest = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let Some(agent) = self.agent(&body.agent_id)? else {
            return error(ErrorCode::Unauthorized, "no such agent");
        };
        let me = agent.id.0.clone();
        let conversation = body.conversation_id.0.clone();
        let input = match action {
            "status" => {
                let Some(s) = body.status else {
                    return error(ErrorCode::BadRequest, "a status is required");
                };
                Input::Status {
                    agent: me,
                    status: s.status,
                }
            }
            "accept" => Input::Accept {
                agent: me,
                conversation,
            },
            "decline" => Input::Decline {
                agent: me,
                conversation,
            },
            "hold" | "queue" | "close" => {
                return self.conversation_first(action, &agent, body).await
            }
            "resume" => Input::Resume {
                agent: me,
                conversation,
            },
            "forward" => return self.forward(&agent, body).await,
            "priority" => return self.prioritize(&agent, body).await,
            _ => return error(ErrorCode::NotFound, "no such action"),
        };
        let outputs = self.routed(input)?;
        let reply = self.perform(outputs).await?;
        if let Some(Err(r)) = reply {
            return refused(r);
        }
        if action == "resume" {
            // The router agreed (capacity); now the conversation.
            let answer = self
                .tell(
                    &body.conversation_id,
                    &Action::Resume {
                        by: participant(&agent),
                    },
                )
                .await?;
            if answer.status_code() != 200 {
                return Ok(answer);
            }
            self.reindex(&body.conversation_id.0, |s| {
                s.status = ConversationStatus::Active
            })?;
        }
        if action == "status" {
            return json(&serde_json::json!({ "ok": true }));
        }
        self.as_listed(&body.conversation_id)
    }

    /// The answer of a lifecycle action: the conversation as the lists now
    /// show it.
    fn as_listed(&self, id: &ConversationId) -> Result<Response> {
        match self.conversation(id)? {
            Some(summary) => json(&summary),
            None => error(ErrorCode::NotFound, "no such conversation"),
        }
    }

    async fn tell(&self, id: &ConversationId, action: &Action) -> Result<Response> {
        let stub = self
            .env
            .durable_object("CONVERSATION")?
            .get_by_name(id.as_str())?;
        http::call(&stub, "/lifecycle", action).await
    }

    /// Hold, move to the queue and close: the conversation's own rules go
    /// first (hold needs the agent's message last), then the router.
    async fn conversation_first(
        &self,
        action: &str,
        agent: &AgentProfile,
        body: ActRequest,
    ) -> Result<Response> {
        let by = participant(agent);
        let lifecycle = match action {
            "hold" => Action::Hold { by },
            "queue" => Action::Requeue { by },
            _ => {
                let Some(close) = body.close else {
                    return error(ErrorCode::BadRequest, "closing needs a comment");
                };
                Action::Close {
                    by,
                    comment: close.comment,
                    tags: close.tags,
                    disposition: close.disposition,
                }
            }
        };
        let mut answer = self.tell(&body.conversation_id, &lifecycle).await?;
        if answer.status_code() != 200 {
            return Ok(answer);
        }
        let view: ConversationView = answer.json().await?;
        let (me, conversation) = (agent.id.0.clone(), body.conversation_id.0.clone());
        let input = match action {
            "hold" => Input::Hold {
                agent: me,
                conversation,
            },
            "queue" => Input::MoveToQueue {
                agent: me,
                conversation,
            },
            _ => Input::Close { conversation },
        };
        let outputs = self.routed(input)?;
        self.perform(outputs).await?;
        if view.status == ConversationStatus::Closed {
            self.reindex(&body.conversation_id.0, |s| {
                s.status = ConversationStatus::Closed
            })?;
        }
        self.as_listed(&body.conversation_id)
    }

    /// A conversation's priority, which orders its queue: whoever may open
    /// it (its agent, its department's queue, a supervisor) may set it.
    async fn prioritize(&self, agent: &AgentProfile, body: ActRequest) -> Result<Response> {
        let Some(PriorityRequest { priority }) = body.priority else {
            return error(
                ErrorCode::BadRequest,
                "give a priority: low, medium, high or urgent",
            );
        };
        let id = body.conversation_id;
        let Some(summary) = self.conversation(&id)? else {
            return error(ErrorCode::NotFound, "no such conversation");
        };
        if !inbox::may_open(&super::view_of(agent, &self.grants()?), &summary) {
            return error(
                ErrorCode::Forbidden,
                "this conversation is for a department you are not in",
            );
        }
        let outputs = self.routed(Input::Prioritize {
            conversation: id.0.clone(),
            priority,
        })?;
        if let Some(Err(r)) = self.perform(outputs).await? {
            return refused(r);
        }
        self.reindex(&id.0, |s| s.priority = priority)?;
        self.as_listed(&id)
    }

    /// "Forward": needs the transfer permission; to an agent, the router
    /// checks they are available and have room before anything changes.
    async fn forward(&self, agent: &AgentProfile, body: ActRequest) -> Result<Response> {
        if !self.allows(agent.role, Permission::Transfer)? {
            return error(ErrorCode::Forbidden, "your role cannot forward chats");
        }
        let Some(forward) = body.forward else {
            return error(ErrorCode::BadRequest, "forward to a department or an agent");
        };
        let comment = forward.comment.filter(|c| !c.trim().is_empty());
        let by = participant(agent);
        let id = body.conversation_id.clone();
        match (forward.department, forward.agent) {
            (Some(department), None) => {
                let Some(name) = self.department_name(&department)? else {
                    return error(ErrorCode::NotFound, "no such department");
                };
                let to = TransferTarget::Department {
                    department: department.clone(),
                    name,
                };
                let answer = self.tell(&id, &Action::Forward { by, to, comment }).await?;
                if answer.status_code() != 200 {
                    return Ok(answer);
                }
                let outputs = self.routed(Input::Forward {
                    agent: agent.id.0.clone(),
                    conversation: id.0.clone(),
                    to: Target::Department(department),
                })?;
                self.perform(outputs).await?;
                self.as_listed(&id)
            }
            (None, Some(target)) => {
                let Some(receiver) = self.agent(&target)? else {
                    return error(ErrorCode::NotFound, "no such agent");
                };
                let outputs = self.routed(Input::Forward {
                    agent: agent.id.0.clone(),
                    conversation: id.0.clone(),
                    to: Target::Agent(receiver.id.0.clone()),
                })?;
                if let Some(Err(r)) = self.perform(outputs).await? {
                    return refused(r);
                }
                let to = TransferTarget::Agent {
                    agent: participant(&receiver),
                };
                let answer = self.tell(&id, &Action::Forward { by, to, comment }).await?;
                if answer.status_code() != 200 {
                    return Ok(answer);
                }
                let who = participant(&receiver);
                self.reindex(&id.0, |s| {
                    s.status = ConversationStatus::Active;
                    s.assignee = Some(who);
                })?;
                self.as_listed(&id)
            }
            _ => error(
                ErrorCode::BadRequest,
                "forward to exactly one department or agent",
            ),
        }
    }

    fn department_name(&self, id: &str) -> Result<Option<String>> {
        #[derive(Deserialize)]
        struct Name {
            name: String,
        }
        Ok(self
            .sql()?
            .exec("SELECT name FROM departments WHERE id = ?", vec![id.into()])?
            .to_array::<Name>()?
            .into_iter()
            .next()
            .map(|n| n.name))
    }

    /// The visitor wrote in a held conversation.
    pub(super) async fn reroute(&self, mut req: Request) -> Result<Response> {
        let summary: ConversationSummary = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let outputs = self.routed(Input::VisitorWrote {
            conversation: summary.id.0.clone(),
        })?;
        self.perform(outputs).await?;
        json(&serde_json::json!({ "ok": true }))
    }

    /// Where a visitor's conversation waits.
    pub(super) async fn queue_position(&self, mut req: Request) -> Result<Response> {
        let body: QueueRequest = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let Some(summary) = self.conversation(&body.conversation_id)? else {
            return json(&QueuePosition {
                position: 0,
                estimated_wait_ms: 0,
            });
        };
        if summary.visitor.id != body.visitor_id {
            return error(ErrorCode::Forbidden, "not your conversation");
        }
        let found = self.read_router(|router| {
            router
                .queue(&summary.department)
                .into_iter()
                .find(|(id, _, _)| *id == summary.id.0)
        })?;
        let (position, estimated_wait_ms) = found.map(|(_, p, w)| (p, w)).unwrap_or((0, 0));
        json(&QueuePosition {
            position,
            estimated_wait_ms,
        })
    }

    /// The offers waiting for an agent, for their inbox snapshot.
    pub(super) fn pending_offers(&self, agent: &str) -> Result<Vec<shared::inbox::PendingOffer>> {
        let mut offers = Vec::new();
        for (id, expires_at) in self.read_router(|router| router.offers_for(agent))? {
            if let Some(conversation) = self.conversation(&id.as_str().into())? {
                offers.push(shared::inbox::PendingOffer {
                    conversation,
                    expires_at,
                });
            }
        }
        Ok(offers)
    }

    /// Departments and agents with their availability.
    pub(super) async fn directory(&self, mut req: Request) -> Result<Response> {
        let body: super::AgentRequest = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        if self.agent(&body.agent_id)?.is_none() {
            return error(ErrorCode::Unauthorized, "no such agent");
        }
        #[derive(Deserialize)]
        struct Row {
            id: String,
            name: String,
        }
        let sql = self.sql()?;
        let departments = sql
            .exec("SELECT id, name FROM departments ORDER BY name", None)?
            .to_array::<Row>()?
            .into_iter()
            .map(|r| shared::api::DepartmentInfo {
                id: r.id,
                name: r.name,
            })
            .collect();
        let mut agents = Vec::new();
        for row in sql
            .exec("SELECT id, name FROM agents ORDER BY name", None)?
            .to_array::<Row>()?
        {
            let Some(profile) = self.agent(&row.id.as_str().into())? else {
                continue;
            };
            let ((status, reachable), load) = self.read_router(|router| {
                (
                    router.presence(&row.id).unwrap_or_default(),
                    router.load(&row.id),
                )
            })?;
            agents.push(shared::api::AgentPresence {
                online: status == shared::routing::AgentStatus::Available && reachable,
                load,
                id: profile.id,
                name: profile.name,
                departments: profile.departments,
                status,
            });
        }
        json(&shared::api::Directory {
            departments,
            agents,
        })
    }

    /// Tells the router about everyone, after setup. A role that may not
    /// take or reply is routed nothing: to the router it works no
    /// department, so it gets no offers and no forwards.
    pub(super) fn sync_agents(&self, settings: Settings, agents: &[AgentProfile]) -> Result<()> {
        let grants = self.grants()?;
        self.routed(Input::Settings(settings))?;
        for a in agents {
            let departments = if inbox::works_chats(&grants, a.role) {
                a.departments.clone()
            } else {
                vec![]
            };
            self.routed(Input::Agent {
                id: a.id.0.clone(),
                departments,
                capacity: None,
            })?;
        }
        Ok(())
    }
}
