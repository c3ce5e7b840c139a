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

mod sign_in;
pub mod store;

use crate::calls::{Announced, AssignRequest};
use crate::error::{log_failure, Error, OrRefuse, Result};
use crate::http::{self, json};
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
    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
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

    async fn setup(&self, mut req: Request) -> Result<Response> {
        let body: SetupBody = http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await?;
        match self
            .run(Input::Setup {
                setup: body.setup,
                fresh_ids: body.fresh_ids,
            })
            .await?
        {
            Answer::Setup(done) => json(&done),
            _ => Err(Error::Edge("setup answered something else".into())),
        }
    }

    async fn site(&self, mut req: Request) -> Result<Response> {
        let body: SiteRequest = http::read_json(&mut req).await?;
        let (department, details) = match &body.start {
            Some(start) => {
                // A new conversation: refused while the queue is full.
                let limits = crate::limits::of(&self.env);
                self.read(|w| chat_core::limits::workspace_queue_room(w, &limits))??;
                self.read(|w| w.start_details(&body.site, start))??
            }
            None => (
                self.read(|w| w.site_department(&body.site, body.department.as_deref()))??,
                Default::default(),
            ),
        };
        let webhooks = match (&body.start, &body.workspace) {
            (Some(_), Some(slug)) => self.webhooks_known(slug).await,
            _ => None,
        };
        json(&SiteAnswer {
            department: department.0,
            details,
            webhooks,
        })
    }

    /// An administrator changed the webhooks: what is wanted now is asked
    /// of the webhook object and told to every open conversation, so that
    /// none queues what nobody wants nor misses what someone now does.
    async fn webhooks_changed(&self, mut req: Request) -> Result<Response> {
        let body: WebhooksChanged = http::read_json(&mut req).await?;
        self.hooks.borrow_mut().take();
        let Some(known) = self.webhooks_known(&body.workspace).await else {
            return json(&serde_json::json!({ "told": 0 }));
        };
        let ids: Vec<shared::ids::ConversationId> =
            self.read(|w| w.router().conversations().cloned().collect())?;
        let told = futures_util::future::join_all(ids.iter().map(|id| async {
            let stub = crate::conversation(&self.env, &id.0)?;
            http::ask::<serde_json::Value>(&stub, "/webhooks-wanted", &known).await
        }))
        .await;
        for failed in told.iter().filter_map(|t| t.as_ref().err()) {
            // That conversation learns within the time it trusts what it knows.
            worker::console_error!("telling a conversation of the webhooks failed: {failed}");
        }
        json(&serde_json::json!({ "told": told.iter().filter(|t| t.is_ok()).count() }))
    }

    /// What new conversations are told of the workspace's webhooks: asked
    /// of the webhook object when what is known is not fresh (or was
    /// forgotten because an administrator changed them). `None` when the
    /// asking failed: the conversation then queues its first changes.
    async fn webhooks_known(&self, slug: &str) -> Option<chat_core::webhooks::Known> {
        let now = http::now();
        let known = self.hooks.borrow().clone().filter(|k| k.fresh(now));
        if known.is_some() {
            return known;
        }
        match crate::webhooks::wanted(&self.env, slug).await {
            Ok(wanted) => {
                let known = chat_core::webhooks::Known { wanted, at: now };
                *self.hooks.borrow_mut() = Some(known.clone());
                Some(known)
            }
            Err(e) => {
                worker::console_error!("asking for the webhooks wanted failed: {e}");
                None
            }
        }
    }

    /// A site's settings, its origins and secret included (for the
    /// worker's checks only).
    /// Whether a conversation may ring a call (its site and department),
    /// with its STUN and TURN settings: asked by the conversation object.
    async fn call_policy(&self, mut req: Request) -> Result<Response> {
        let ask: shared::call::CallPolicyRequest = http::read_json(&mut req).await?;
        json(&self.read(|w| w.call_policy(&ask))?)
    }

    async fn site_options(&self, mut req: Request) -> Result<Response> {
        let body: crate::visitor::SiteOf = http::read_json(&mut req).await?;
        json(&self.read(|w| w.site_options(&body.site).cloned())??)
    }

    /// What the widget draws (`GET /api/v1/visitor/site`).
    async fn site_config(&self, mut req: Request) -> Result<Response> {
        let body: crate::visitor::SiteOf = http::read_json(&mut req).await?;
        json(&self.read(|w| w.site_config(&body.site, &body.key, http::now()))??)
    }

    /// A department's name and clock, for a visitor's transcript.
    async fn department_clock(&self, mut req: Request) -> Result<Response> {
        let department: String = http::read_json(&mut req).await?;
        json(&self.read(|w| w.department_clock(&department))?)
    }

    async fn login(&self, mut req: Request) -> Result<Response> {
        let body: Credentials = http::read_json(&mut req).await?;
        // While the account's growing delay runs, no password is checked.
        let failures = sign_in::check(&self.sql(), &crate::limits::of(&self.env), &body.email)?;
        let found = self.read(|w| {
            w.person_by_email(&body.email).map(|p| StoredLogin {
                profile: p.profile(),
                password_hash: p.password_hash.clone(),
                generation: p.generation,
                active: p.active,
                failures,
            })
        })?;
        json(&found.or_refuse(ErrorCode::BadCredentials, "wrong email or password")?)
    }

    async fn asking(req: &mut Request) -> Result<Asking> {
        http::read_json(req).await
    }

    async fn whoami(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let profile = self.read(|w| w.authenticate(&body.who).map(|p| p.profile()))??;
        json(&profile)
    }

    /// Whether the token's person may manage the workspace: their profile,
    /// or the refusal.
    async fn admin_check(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let profile = self.read(|w| w.administrator(&body.who).map(|p| p.profile()))??;
        json(&profile)
    }

    /// An administrator's read or change (the core checks the person on
    /// every request).
    async fn admin(&self, mut req: Request, what: &str) -> Result<Response> {
        let body: AdminAsk = http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await?;
        match what {
            "settings" => json(&self.read(|w| w.settings(&body.who, &body.workspace))??),
            "people" => json(&self.read(|w| w.people_list(&body.who))??),
            "invitations" => json(&self.read(|w| w.invitations(&body.who))??),
            "api-tokens" => json(&self.read(|w| w.api_tokens(&body.who))??),
            "audit" => {
                self.read(|w| w.administrator(&body.who).map(|_| ()))??;
                json(&store::audit(&self.sql(), &body.query.unwrap_or_default())?)
            }
            _ => {
                let change = body
                    .change
                    .or_refuse(ErrorCode::BadRequest, "no change named")?;
                let answer = self
                    .run(Input::Admin {
                        who: body.who,
                        workspace: body.workspace,
                        change,
                    })
                    .await?;
                answer_json(answer)
            }
        }
    }

    /// A change made in another object, for the audit log.
    async fn audit_append(&self, mut req: Request) -> Result<Response> {
        let record: AuditRecord = http::read_json(&mut req).await?;
        self.run(Input::Record(record)).await?;
        json(&serde_json::json!({}))
    }

    /// A new workspace by sign-up.
    async fn sign_up(&self, mut req: Request) -> Result<Response> {
        let body: SetupBody = http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await?;
        let answer = self
            .run(Input::SignUp {
                setup: body.setup,
                fresh_ids: body.fresh_ids,
            })
            .await?;
        answer_json(answer)
    }

    async fn invitation_info(&self, mut req: Request) -> Result<Response> {
        let body: LinkAsk = http::read_json(&mut req).await?;
        json(&self.read(|w| w.invitation_info(&body.token, &body.workspace, http::now()))??)
    }

    async fn redeem(&self, mut req: Request) -> Result<Response> {
        let body: Redeem = http::read_json(&mut req).await?;
        answer_json(self.run(Input::Redeem(body)).await?)
    }

    async fn api_token(&self, mut req: Request) -> Result<Response> {
        let body: ApiUse = http::read_json(&mut req).await?;
        answer_json(
            self.run(Input::UseApiToken {
                token: body.token,
                scope: body.scope,
            })
            .await?,
        )
    }

    /// The workspace's systems act (an API close or tags).
    async fn api_act(&self, mut req: Request) -> Result<Response> {
        let body: crate::integration_api::SystemAsk = http::read_json(&mut req).await?;
        match self
            .run(Input::System {
                token: body.token,
                action: body.action,
            })
            .await?
        {
            Answer::Conversation(summary) => json(&summary),
            _ => Err(Error::Edge(
                "a system action answered something else".into(),
            )),
        }
    }

    /// The open conversations an API listing admits.
    async fn api_open(&self, mut req: Request) -> Result<Response> {
        let query: chat_core::integration::ListQuery = http::read_json(&mut req).await?;
        json(&self.read(|w| w.listed_open(&query))?)
    }

    /// A conversation's line, open or closed, if it is this workspace's.
    async fn api_summary(&self, mut req: Request) -> Result<Response> {
        let id: ConversationId = http::read_json(&mut req).await?;
        let listed = self.read(|w| w.summary(&id).cloned())?;
        let summary = match listed {
            Some(s) => Some(s),
            None => store::summary(&self.sql(), &id)?,
        };
        json(&summary)
    }

    /// What an API token may do with contacts.
    async fn api_contacts_access(&self, mut req: Request) -> Result<Response> {
        let body: crate::integration_api::ContactsAccess = http::read_json(&mut req).await?;
        if let Some(site) = &body.site {
            if !self.read(|w| w.has_site(site))? {
                return Err(Error::refused(
                    ErrorCode::BadRequest,
                    "site is not a site of this workspace",
                ));
            }
        }
        json(&self.read(|w| w.system_contacts_access(&body.token, &body.asked, body.may_edit))??)
    }

    async fn act(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let action = body
            .action
            .or_refuse(ErrorCode::BadRequest, "no action named")?;
        let take = matches!(action, AgentAction::Take { .. });
        match self
            .run(Input::Act {
                who: body.who,
                action,
            })
            .await?
        {
            Answer::Conversation(conversation) if take => {
                json(&shared::api::Taken { conversation })
            }
            Answer::Conversation(summary) => json(&summary),
            Answer::Canned(canned) => json(&canned),
            _ => json(&serde_json::json!({ "ok": true })),
        }
    }

    async fn preferences(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        json(&self.read(|w| w.preferences(&body.who))??)
    }

    async fn canned(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        json(&self.read(|w| w.canned_for(&body.who))??)
    }

    async fn open(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let conversation = body
            .conversation
            .or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let open = self.read(|w| w.summary(&conversation).is_some())?;
        let stored = if open {
            None
        } else {
            store::summary(&self.sql(), &conversation)?
        };
        match self
            .run(Input::Open {
                who: body.who,
                conversation,
                stored,
            })
            .await?
        {
            Answer::Opened(o) => json(&OpenAnswer {
                who: o.who,
                access: o.access,
                priority: o.priority,
            }),
            _ => Err(Error::Edge("open answered something else".into())),
        }
    }

    /// Whether an agent may have a transcript (a PDF when `pdf`).
    async fn transcript_access(&self, mut req: Request, pdf: bool) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let conversation = body
            .conversation
            .or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let listed = self.read(|w| w.summary(&conversation).cloned())?;
        let summary = match listed {
            Some(s) => s,
            None => store::summary(&self.sql(), &conversation)?
                .or_refuse(ErrorCode::NotFound, "no such conversation")?,
        };
        json(&self.read(|w| w.transcript_access(&body.who, &summary, pdf))??)
    }

    /// The local mail sink: keeps an email the worker would have sent.
    async fn mail_sink(&self, mut req: Request) -> Result<Response> {
        let mail: crate::transcripts::SentMail = http::read_json(&mut req).await?;
        store::keep_mail(&self.sql(), &mail)?;
        json(&serde_json::json!({ "ok": true }))
    }

    async fn mail_sink_read(&self) -> Result<Response> {
        json(&store::kept_mail(&self.sql())?)
    }

    async fn history(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let id = body
            .conversation
            .or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let sql = self.sql();
        let about = match self.read(|w| w.summary(&id).cloned())? {
            Some(s) => s,
            None => {
                store::summary(&sql, &id)?.or_refuse(ErrorCode::NotFound, "no such conversation")?
            }
        };
        let all = store::contact(&sql, &about.visitor.id)?;
        let visible: Vec<ConversationSummary> =
            self.read(|w| w.history(&body.who, &about, all))??;
        json(&visible)
    }

    /// What an agent may do with contacts ([`Workspace::contacts_access`]).
    async fn contacts_access(&self, mut req: Request) -> Result<Response> {
        let body: crate::contacts_api::ContactsAsk = http::read_json(&mut req).await?;
        let stored = match &body.asked.conversation {
            Some(id) if self.read(|w| w.summary(id).is_none())? => store::summary(&self.sql(), id)?,
            _ => None,
        };
        json(&self.read(|w| w.contacts_access(&body.who, &body.asked, stored))??)
    }

    async fn directory(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        json(&self.read(|w| w.directory(&body.who))??)
    }

    async fn all_chats(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        json(&self.read(|w| w.all_chats(&body.who))??)
    }

    async fn offline_messages(&self, mut req: Request) -> Result<Response> {
        let body = Self::asking(&mut req).await?;
        let departments = self.read(|w| w.offline_departments(&body.who))??;
        json(&store::offline_messages(
            &self.sql(),
            departments.as_deref(),
        )?)
    }

    async fn availability(&self, mut req: Request) -> Result<Response> {
        let body: SiteVisitor = http::read_json(&mut req).await?;
        let answer: Availability = self.read(|w| w.availability(&body.site, http::now()))??;
        json(&answer)
    }

    async fn leave_offline(&self, mut req: Request) -> Result<Response> {
        let body: SiteVisitor = http::read_json(&mut req).await?;
        let message = body
            .message
            .or_refuse(ErrorCode::BadRequest, "a message is required")?;
        if let Some((slug, _)) = message.site_key.split_once('.') {
            *self.slug.borrow_mut() = Some(slug.to_owned());
        }
        self.run(Input::LeaveOffline {
            site: body.site,
            message,
            id: crate::auth::new_id("o"),
        })
        .await?;
        self.hand_off_events().await;
        json(&serde_json::json!({ "ok": true }))
    }

    async fn queue_position(&self, mut req: Request) -> Result<Response> {
        let body: QueueRequest = http::read_json(&mut req).await?;
        json(&self.read(|w| w.queue_position(&body.visitor_id, &body.conversation_id))??)
    }

    async fn announce(&self, mut req: Request) -> Result<Response> {
        let summary: ConversationSummary = http::read_json(&mut req).await?;
        let queue = match self.run(Input::Announce(summary)).await? {
            Answer::Announced(queue) => queue,
            _ => None,
        };
        json(&Announced { ok: true, queue })
    }

    async fn reroute(&self, mut req: Request) -> Result<Response> {
        let summary: ConversationSummary = http::read_json(&mut req).await?;
        self.run(Input::VisitorWrote(summary.id)).await?;
        json(&serde_json::json!({ "ok": true }))
    }

    /// An agent's inbox socket: accepted, numbered, then the core decides
    /// (a stale token closes it at once).
    async fn inbox(&self, req: Request) -> Result<Response> {
        let who: Principal = http::header(&req, http::AGENT_HEADER)
            .or_refuse(ErrorCode::Unauthorized, "no agent")?;
        let pair = WebSocketPair::new()?;
        // Tagged with the agent's id, so their sockets are found together.
        self.state
            .accept_websocket_with_tags(&pair.server, &[who.agent.as_str()]);
        let socket = InboxSocket {
            socket: crate::auth::new_conn_id(),
            who,
        };
        pair.server.serialize_attachment(&socket)?;
        self.ensure_loaded()?;
        self.sockets
            .borrow_mut()
            .insert(socket.socket, pair.server.clone());
        self.run(Input::InboxOpened(socket)).await?;
        Ok(Response::from_websocket(pair.client)?)
    }

    async fn inbox_gone(&self, ws: &WebSocket) -> Result<()> {
        if let Ok(Some(att)) = ws.deserialize_attachment::<InboxSocket>() {
            self.sockets.borrow_mut().remove(&att.socket);
            self.run(Input::InboxClosed(att.socket)).await?;
        }
        Ok(())
    }

    /// Whether this workspace was ever set up (its tables exist): a name
    /// nobody created must not get storage by being asked for.
    fn exists(&self) -> Result<bool> {
        if self.core.borrow().is_some() {
            return Ok(true);
        }
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        let tables = self
            .sql()
            .exec(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'agents'",
                None,
            )?
            .one::<Count>()?;
        Ok(tables.n > 0)
    }

    async fn route(&self, req: Request) -> Result<Response> {
        // A workspace is made by a setup or a sign-up only. Asked anything
        // else, a name nobody set up answers as an empty workspace would,
        // and writes nothing: no sign-in (the same words as a wrong
        // password, so sign-in tells no one which workspaces exist), no
        // site, no route.
        if req.path() == "/stored" {
            return http::stored_tables(&self.sql());
        }
        if !self.exists()? {
            match req.path().as_str() {
                "/setup" | "/signup" => {}
                "/hashes" => return json(&PasswordHashes::new()),
                "/login" => {
                    return Err(Error::refused(
                        ErrorCode::BadCredentials,
                        "wrong email or password",
                    ))
                }
                "/login-failed" | "/login-succeeded" => return json(&serde_json::json!({})),
                _ => return Err(Error::refused(ErrorCode::NotFound, "no such workspace")),
            }
        }
        // Every route reads storage: the tables and the core come first.
        self.ensure_loaded()?;
        match req.path().as_str() {
            "/setup" => self.setup(req).await,
            "/hashes" => json(&store::password_hashes(&self.sql())?),
            "/site" => self.site(req).await,
            "/webhooks-changed" => self.webhooks_changed(req).await,
            "/site-options" => self.site_options(req).await,
            "/site-config" => self.site_config(req).await,
            "/department-clock" => self.department_clock(req).await,
            "/login" => self.login(req).await,
            "/login-failed" => self.sign_in_failed(req).await,
            "/login-succeeded" => self.sign_in_succeeded(req).await,
            "/agent" => self.whoami(req).await,
            "/admin/check" => self.admin_check(req).await,
            "/admin/audit-append" => self.audit_append(req).await,
            "/admin/settings" => self.admin(req, "settings").await,
            "/admin/people" => self.admin(req, "people").await,
            "/admin/invitations" => self.admin(req, "invitations").await,
            "/admin/api-tokens" => self.admin(req, "api-tokens").await,
            "/admin/audit" => self.admin(req, "audit").await,
            "/admin/change" => self.admin(req, "change").await,
            "/signup" => self.sign_up(req).await,
            "/invitation-info" => self.invitation_info(req).await,
            "/redeem" => self.redeem(req).await,
            "/api-token" => self.api_token(req).await,
            "/api-act" => self.api_act(req).await,
            "/api-open" => self.api_open(req).await,
            "/api-summary" => self.api_summary(req).await,
            "/api-directory" => json(&self.read(|w| w.listing())?),
            "/api-contacts-access" => self.api_contacts_access(req).await,
            "/api-offline-messages" => json(&store::offline_messages(&self.sql(), None)?),
            "/open" => self.open(req).await,
            "/act" => self.act(req).await,
            "/directory" => self.directory(req).await,
            "/all-chats" => self.all_chats(req).await,
            "/transcript-access/pdf" => self.transcript_access(req, true).await,
            "/transcript-access/email" => self.transcript_access(req, false).await,
            "/mail-sink" => self.mail_sink(req).await,
            "/mail-sink/read" => self.mail_sink_read().await,
            "/canned" => self.canned(req).await,
            "/preferences" => self.preferences(req).await,
            "/file-policy" => json(&self.read(|w| w.file_policy().clone())?),
            "/call-policy" => self.call_policy(req).await,
            "/availability" => self.availability(req).await,
            "/offline" => self.leave_offline(req).await,
            "/offline-messages" => self.offline_messages(req).await,
            "/history" => self.history(req).await,
            "/contacts-access" => self.contacts_access(req).await,
            "/queue-position" => self.queue_position(req).await,
            "/announce" => self.announce(req).await,
            "/reroute" => self.reroute(req).await,
            "/inbox" => self.inbox(req).await,
            _ => Err(Error::refused(ErrorCode::NotFound, "no such route")),
        }
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
