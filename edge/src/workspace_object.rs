//! The Durable Object that keeps one workspace: a performer around the pure
//! [`chat_core::workspace::Workspace`]. It feeds the core what arrives
//! (requests from the worker and from conversations, inbox sockets opening
//! and closing, the alarm, the answers of the conversations it calls) and
//! performs what the core asks, in order: rows to SQLite, frames to inbox
//! sockets, calls to conversations, the alarm, the reply. Every rule is in
//! the core; this file decides nothing.
//!
//! It is never on the path of a chat message: conversations tell it only
//! when they enter the queue, change or close.

mod routes;
mod sign_in;
pub mod store;

use crate::calls::{Announced, AssignRequest};
use crate::error::{log_failure, Error, OrRefuse, Result};
use crate::http::{self, json};
use crate::rows::Sql;
use chat_core::conversation::Refusal;
use chat_core::workspace::admin::AdminChange;
use chat_core::workspace::audit::{AuditQuery, AuditRecord};
use chat_core::workspace::people::Redeem;
use chat_core::workspace::{
    Access, AgentAction, Answer, Call, InboxSocket, Input, Output, Principal, Request as Ask,
    SocketId, Workspace,
};
use serde::{Deserialize, Serialize};
use shared::api::{AgentProfile, Availability, OfflineMessageRequest, WorkspaceSetup};
use shared::frame::{ConversationView, ErrorCode, Participant};
use shared::ids::{AgentId, ConversationId};
use shared::inbox::{ConversationSummary, InboxClientFrame, InboxFrame};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

/// Body of `/setup`: the definition, passwords hashed, and ids for people
/// the workspace does not know yet.
#[derive(Serialize, Deserialize)]
pub struct SetupBody {
    /// The definition.
    pub setup: WorkspaceSetup,
    /// One fresh id per person listed.
    pub fresh_ids: Vec<AgentId>,
}

/// Body of `/site`: which department a visitor of this site queues in.
#[derive(Serialize, Deserialize)]
pub struct SiteRequest {
    /// The site id (after the dot of the site key).
    pub site: String,
    /// A department the visitor asked for.
    #[serde(default)]
    pub department: Option<String>,
    /// A new conversation's start, checked against the site's pre-chat
    /// form.
    #[serde(default)]
    pub start: Option<shared::api::StartConversation>,
    /// The workspace's slug, for a start (its webhooks are asked by it).
    #[serde(default)]
    pub workspace: Option<String>,
}

/// Body of `/webhooks-changed`.
#[derive(Serialize, Deserialize)]
pub struct WebhooksChanged {
    /// The workspace's slug.
    pub workspace: String,
}

/// Answer to [`SiteRequest`].
#[derive(Serialize, Deserialize)]
pub struct SiteAnswer {
    /// The department to queue in.
    pub department: String,
    /// What the pre-chat form told, checked.
    #[serde(default)]
    pub details: shared::site::VisitorDetails,
    /// For a start: what the workspace knows of its webhooks, handed to
    /// the new conversation (`None` when it could not ask).
    #[serde(default)]
    pub webhooks: Option<chat_core::webhooks::Known>,
}

/// Body of `/login`.
#[derive(Serialize, Deserialize)]
pub struct Credentials {
    /// Email.
    pub email: String,
}

/// Answer to `/login`: the profile, the stored hash the worker checks the
/// password against, and the generation a token is issued in.
#[derive(Serialize, Deserialize)]
pub struct StoredLogin {
    /// Who.
    pub profile: AgentProfile,
    /// `pbkdf2-sha256$...`.
    pub password_hash: String,
    /// The token generation.
    pub generation: u32,
    /// False once deactivated: the worker refuses the sign-in.
    #[serde(default = "yes")]
    pub active: bool,
    /// Failed sign-ins in a row for this account: a success clears them.
    #[serde(default)]
    pub failures: u32,
}

fn yes() -> bool {
    true
}

/// Body of the administrative routes (`/admin/...`): who asks, in which
/// workspace (both from the verified token), and what.
#[derive(Serialize, Deserialize)]
pub struct AdminAsk {
    /// Who.
    pub who: Principal,
    /// The workspace's slug.
    pub workspace: String,
    /// The change, for `/admin/change`.
    #[serde(default)]
    pub change: Option<AdminChange>,
    /// The log's filters, for `/admin/audit`.
    #[serde(default)]
    pub query: Option<AuditQuery>,
}

/// Someone signed in by the workspace (sign-up, an accepted invitation, a
/// new password): the worker signs their token.
#[derive(Serialize, Deserialize)]
pub struct SignedIn {
    /// Who.
    pub profile: AgentProfile,
    /// The generation the token is issued in.
    pub generation: u32,
}

/// Answer to a password reset's making: whom to mail, until when.
#[derive(Serialize, Deserialize)]
pub struct ResetMade {
    /// The person.
    pub person: shared::admin::PersonInfo,
    /// When the link stops working.
    pub expires_at: i64,
}

/// Body of `/invitation-info`: a link's token, and the workspace it names.
#[derive(Serialize, Deserialize)]
pub struct LinkAsk {
    /// The token.
    pub token: String,
    /// The workspace's slug.
    pub workspace: String,
}

/// Body of `/api-token`: a bearer API token and the scope its request
/// needs.
#[derive(Serialize, Deserialize)]
pub struct ApiUse {
    /// The token as presented.
    pub token: String,
    /// The scope.
    pub scope: shared::admin::ApiScope,
}

/// Answer to `/api-token`.
#[derive(Serialize, Deserialize)]
pub struct ApiUsed {
    /// The token's id.
    pub token_id: String,
}

/// Body of the agent requests: who asks, and about what.
#[derive(Serialize, Deserialize)]
pub struct Asking {
    /// Who, as the token names them.
    pub who: Principal,
    /// About which conversation, where one is named.
    #[serde(default)]
    pub conversation: Option<ConversationId>,
    /// What to do, for `/act`.
    #[serde(default)]
    pub action: Option<AgentAction>,
}

/// Body of `/availability` and `/offline`, from the worker.
#[derive(Serialize, Deserialize)]
pub struct SiteVisitor {
    /// The site id (after the dot of the site key).
    pub site: String,
    /// For `/offline`: the message.
    #[serde(default)]
    pub message: Option<OfflineMessageRequest>,
}

/// Body of `/queue-position`, from the worker.
#[derive(Serialize, Deserialize)]
pub struct QueueRequest {
    /// The visitor asking.
    pub visitor_id: String,
    /// About which conversation.
    pub conversation_id: ConversationId,
}

/// Answer to `/open`: who the agent connects as, and what they may do.
#[derive(Serialize, Deserialize)]
pub struct OpenAnswer {
    /// The participant.
    pub who: Participant,
    /// The socket's rights.
    pub access: Access,
    /// The conversation's priority, which the workspace keeps.
    #[serde(default)]
    pub priority: shared::routing::Priority,
}

/// What the synchronous part of a step left to await.
#[derive(Default)]
struct Pending {
    calls: Vec<Call>,
    alarm: Option<Option<i64>>,
    reply: Option<std::result::Result<Answer, Refusal>>,
}

#[durable_object]
pub struct WorkspaceObject {
    state: State,
    env: Env,
    /// Its SQLite, counting the rows written.
    sql: Sql,
    core: RefCell<Option<Workspace>>,
    /// Inbox sockets this instance has seen, by number.
    sockets: RefCell<HashMap<SocketId, WebSocket>>,
    /// The workspace's slug, once a request named it (for webhook events).
    slug: RefCell<Option<String>>,
    /// What is known of the workspace's webhooks, for new conversations.
    hooks: RefCell<Option<chat_core::webhooks::Known>>,
}

/// One frame to each of `sockets`, serialized and decoded into a
/// JavaScript string once.
fn send(sockets: &[WebSocket], frame: &InboxFrame) {
    if sockets.is_empty() {
        return;
    }
    if let Ok(text) = serde_json::to_string(frame) {
        crate::js::send_all(sockets, &text);
    }
}

impl WorkspaceObject {
    fn sql(&self) -> Sql {
        self.sql.clone()
    }

    /// Restores the core from storage and the live sockets when this
    /// instance has none.
    fn ensure_loaded(&self) -> Result<()> {
        if self.core.borrow().is_some() {
            return Ok(());
        }
        let sql = self.sql();
        store::schema(&sql)?;
        sql.exec(crate::webhooks::OUTBOX_SCHEMA, None)?;
        let mut sockets = HashMap::new();
        let mut live = Vec::new();
        for ws in self.state.get_websockets() {
            if let Ok(Some(att)) = ws.deserialize_attachment::<InboxSocket>() {
                sockets.insert(att.socket, ws);
                live.push(att);
            }
        }
        *self.sockets.borrow_mut() = sockets;
        *self.core.borrow_mut() = Some(Workspace::restore(store::load(&sql, live)?));
        Ok(())
    }

    /// Reads the core in place (no await can interleave).
    fn read<T>(&self, read: impl FnOnce(&Workspace) -> T) -> Result<T> {
        self.ensure_loaded()?;
        let core = self.core.borrow();
        let core = core
            .as_ref()
            .or_refuse(ErrorCode::Internal, "the workspace did not load")?;
        Ok(read(core))
    }

    /// Feeds one input and performs its synchronous outputs at once, in
    /// order; answers what is left to await. A failed write drops the core
    /// (storage is the truth) and fails the step.
    fn step(&self, input: Input) -> Result<Pending> {
        self.ensure_loaded()?;
        let sql = self.sql();
        let mut pending = Pending::default();
        let mut core = self.core.borrow_mut();
        let Some(workspace) = core.as_mut() else {
            return Err(Error::Edge("the workspace did not load".into()));
        };
        workspace.handle(http::now(), input);
        while let Some(output) = workspace.poll_output() {
            match output {
                Output::Write(row) => {
                    // A webhook event goes to the outbox with its row.
                    let event = self.webhook_event(&row);
                    let written = store::write(&sql, row)
                        .and_then(|()| event.map_or(Ok(()), |e| crate::webhooks::queue(&sql, &e)));
                    if let Err(e) = written {
                        *core = None;
                        return Err(e);
                    }
                }
                Output::Inbox { sockets, frame } => {
                    let sockets: Vec<WebSocket> =
                        sockets.into_iter().filter_map(|s| self.socket(s)).collect();
                    send(&sockets, &frame);
                }
                Output::CloseInbox {
                    socket,
                    code,
                    reason,
                } => {
                    if let Some(ws) = self.sockets.borrow_mut().remove(&socket) {
                        let _ = ws.close(Some(code), Some(&reason));
                    }
                }
                Output::Call(call) => pending.calls.push(call),
                Output::SetAlarm(at) => pending.alarm = Some(at),
                Output::Reply(reply) => pending.reply = Some(reply),
            }
        }
        Ok(pending)
    }

    /// Feeds an input, then performs the calls it asked for, feeding each
    /// answer back, until nothing is left. Answers the reply to `input`.
    async fn run(&self, input: Input) -> Result<Answer> {
        let mut inputs = VecDeque::from([input]);
        let mut reply = None;
        while let Some(input) = inputs.pop_front() {
            let pending = self.step(input)?;
            if let Some(at) = pending.alarm {
                match at {
                    Some(at) => self.state.storage().set_alarm(http::alarm_at(at)).await?,
                    // The outbox's retry keeps its alarm.
                    None if crate::webhooks::pending(&self.sql())? => {}
                    None => self.state.storage().delete_alarm().await?,
                }
            }
            if reply.is_none() {
                reply = pending.reply;
            }
            for call in pending.calls {
                let result = self.perform_call(&call).await;
                inputs.push_back(Input::Answered { call, result });
            }
        }
        match reply {
            Some(Ok(answer)) => Ok(answer),
            Some(Err(r)) => Err(Error::Refused(r)),
            None => Ok(Answer::Done),
        }
    }

    /// Asks a conversation what the core asked; its answer, or why not.
    async fn perform_call(&self, call: &Call) -> std::result::Result<ConversationView, Refusal> {
        let asked = async {
            let stub = self
                .env
                .durable_object("CONVERSATION")?
                .get_by_name(call.conversation.as_str())?;
            match &call.request {
                Ask::Assign { agent } => {
                    http::ask(
                        &stub,
                        "/assign",
                        &AssignRequest {
                            agent: agent.clone(),
                        },
                    )
                    .await
                }
                Ask::Lifecycle { action } => http::ask(&stub, "/lifecycle", action).await,
                Ask::Revise { .. } => http::ask(&stub, "/revise", &call.request).await,
                Ask::Queue { position } => http::ask(&stub, "/queue", position).await,
            }
        };
        asked.await.map_err(|e| match e {
            Error::Refused(r) => r,
            Error::Limited(l) => l.refusal,
            Error::Edge(e) => {
                worker::console_error!("call to {}: {e}", call.conversation);
                Refusal {
                    code: ErrorCode::Internal,
                    message: "the conversation could not be reached".into(),
                }
            }
        })
    }

    /// An inbox socket by number: known to this instance, or found among
    /// the sockets the runtime keeps.
    fn socket(&self, socket: SocketId) -> Option<WebSocket> {
        if let Some(ws) = self.sockets.borrow().get(&socket) {
            return Some(ws.clone());
        }
        let found = self.state.get_websockets().into_iter().find(|ws| {
            ws.deserialize_attachment::<InboxSocket>()
                .ok()
                .flatten()
                .is_some_and(|a| a.socket == socket)
        })?;
        self.sockets.borrow_mut().insert(socket, found.clone());
        Some(found)
    }
}

/// An administrative answer as JSON.
fn answer_json(answer: Answer) -> Result<Response> {
    match answer {
        Answer::Settings(s) => json(&s),
        Answer::Person(p) => json(&p),
        Answer::Rotated(r) => json(&r),
        Answer::Invited(i) => json(&i),
        Answer::ResetFor(person, expires_at) => json(&ResetMade { person, expires_at }),
        Answer::SignedIn(profile, generation) => json(&SignedIn {
            profile,
            generation,
        }),
        Answer::ApiToken(t) => json(&t),
        Answer::ApiCaller(token_id) => json(&ApiUsed { token_id }),
        Answer::Setup(done) => json(&done),
        _ => json(&serde_json::json!({})),
    }
}

/// Hashes are kept per email; the worker reads them before a setup.
pub type PasswordHashes = BTreeMap<String, String>;

impl DurableObject for WorkspaceObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            sql: Sql::new(state.storage().sql()),
            state,
            env,
            core: RefCell::new(None),
            sockets: RefCell::new(HashMap::new()),
            slug: RefCell::new(None),
            hooks: RefCell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let path = req.path();
        Ok(self
            .route(req)
            .await
            .unwrap_or_else(|e| e.into_response(&format!("workspace {path}"))))
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        // The inbox is server-to-agent; a ping is the only thing to answer.
        let refusal = match message {
            WebSocketIncomingMessage::String(text) if text.len() > shared::MAX_FRAME_BYTES => {
                (ErrorCode::TooLarge, "frame too large".to_owned())
            }
            WebSocketIncomingMessage::String(text) => {
                match serde_json::from_str::<InboxClientFrame>(&text) {
                    Ok(InboxClientFrame::Ping) => {
                        send(std::slice::from_ref(&ws), &InboxFrame::Pong);
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
            std::slice::from_ref(&ws),
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
    ) -> worker::Result<()> {
        log_failure("inbox close", self.inbox_gone(&ws).await);
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    /// A socket error is a disconnect too: the agent must not stay
    /// routable on a socket that is gone.
    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        log_failure("inbox error", self.inbox_gone(&ws).await);
        Ok(())
    }

    async fn alarm(&self) -> worker::Result<Response> {
        log_failure("workspace alarm", self.run(Input::Tick).await);
        self.hand_off_events().await;
        Response::ok("ok")
    }
}

/// Webhook events of the workspace (offline messages): written to the
/// outbox with their row, handed off to the webhook object after the
/// request, retried by the alarm until it confirmed.
impl WorkspaceObject {
    fn webhook_event(&self, row: &chat_core::workspace::Row) -> Option<chat_core::webhooks::Event> {
        let chat_core::workspace::Row::OfflineMessage(m) = row else {
            return None;
        };
        let workspace = self.slug.borrow().clone()?;
        let (event, data) = chat_core::webhooks::offline_event(m);
        Some(chat_core::webhooks::Event {
            id: format!("{workspace}.{}", m.id),
            event,
            workspace,
            occurred_at: m.created_at,
            data,
        })
    }

    async fn hand_off_events(&self) {
        let handed = async {
            let sql = self.sql();
            sql.exec(crate::webhooks::OUTBOX_SCHEMA, None)?;
            if !crate::webhooks::pending(&sql)? {
                return Ok(());
            }
            // Every event in the outbox names its workspace.
            #[derive(Deserialize)]
            struct Named {
                workspace: String,
            }
            let named = sql
                .exec("SELECT json_extract(body, '$.workspace') AS workspace FROM webhook_outbox LIMIT 1", None)?
                .to_array::<Named>()?;
            if let Some(n) = named.into_iter().next() {
                crate::webhooks::flush(&sql, &self.env, &n.workspace).await?;
            }
            Ok::<_, Error>(())
        };
        if let Err(e) = handed.await {
            worker::console_error!("webhook hand-off failed: {e}");
            let retry = http::now() + crate::webhooks::HAND_OFF_RETRY_MS;
            let storage = self.state.storage();
            if !matches!(storage.get_alarm().await, Ok(Some(at)) if at <= retry) {
                log_failure(
                    "webhook hand-off alarm",
                    storage
                        .set_alarm(http::alarm_at(retry))
                        .await
                        .map_err(Error::from),
                );
            }
        }
    }
}
