//! One workspace as a pure state machine: its people, departments, sites and
//! grants, the index of its open conversations, its router, the agents'
//! live inbox sockets and the conversation sockets it authorised.
//!
//! The workspace object feeds it [`Input`]s (setup, announcements from
//! conversations, agent actions, inbox sockets opening and closing, the
//! alarm, the answers of the conversations it called) and performs every
//! [`Output`] in order: rows to write, frames to inbox sockets, calls to a
//! conversation, the alarm, the reply to the request. Reads that change
//! nothing (may this agent open this conversation? what does the directory
//! show?) are plain methods; they are rules too, so they live here.
//!
//! Drain contract: after [`Workspace::handle`], drain
//! [`Workspace::poll_output`] until `None` and perform each output in order.
//! A [`Output::Write`] precedes the outputs that report what it wrote; if a
//! write fails the shell drops this value and restores it from storage.
//! A [`Output::Call`] is answered by feeding [`Input::Answered`] with the
//! call itself: the call carries everything the workspace needs to finish
//! (or undo) its step, so an eviction between the call and its answer loses
//! nothing.
//!
//! The router inside is called from one place only ([`Workspace::route`]),
//! which performs every output it answers.

mod actions;
pub mod admin;
mod agent_action;
pub mod api_tokens;
pub mod audit;
mod canned;
mod contacts_access;
pub mod people;
mod queries;
mod setup;
mod sockets;
pub mod system;
mod vocabulary;

pub use agent_action::AgentAction;
pub use queries::{Opened, TranscriptAccess};
pub use setup::validate_setup;
pub use vocabulary::{
    Access, Answer, Call, Department, InboxSocket, Person, Principal, Request, Row, Site, SocketId,
    Then,
};

use crate::conversation::Refusal;
use crate::permissions::Grants;
use crate::router::{self, How, Place, Router};
use shared::api::{OfflineMessage, QueuePosition};
use shared::frame::{ConversationStatus, ConversationView, ErrorCode};
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::inbox::{ConversationSummary, InboxFrame};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How long the queue positions pushed to waiting visitors may lag: at most
/// one push per conversation in this time, however fast the queue moves.
pub const QUEUE_PUSH_MS: i64 = 2_000;

/// Something that happened to the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The workspace's definition, with passwords already hashed. People not
    /// listed are removed. `fresh_ids` are ids for people not known yet
    /// (the core makes none).
    Setup {
        /// The definition.
        setup: shared::api::WorkspaceSetup,
        /// Ids for new people, at least one per person listed.
        fresh_ids: Vec<AgentId>,
    },
    /// A conversation says how it now stands.
    Announce(ConversationSummary),
    /// The visitor wrote in a conversation on hold.
    VisitorWrote(ConversationId),
    /// An agent acts.
    Act {
        /// Who.
        who: Principal,
        /// What.
        action: AgentAction,
    },
    /// An agent opens a conversation's socket. `stored` is the index row
    /// from storage, for a conversation no longer open.
    Open {
        /// Who.
        who: Principal,
        /// Which conversation.
        conversation: ConversationId,
        /// The stored line, when the conversation is closed.
        stored: Option<ConversationSummary>,
    },
    /// An inbox socket was accepted.
    InboxOpened(InboxSocket),
    /// An inbox socket closed or failed.
    InboxClosed(SocketId),
    /// A visitor left a message while nobody was there.
    LeaveOffline {
        /// The site (after the dot of the site key).
        site: String,
        /// The message.
        message: shared::api::OfflineMessageRequest,
        /// A fresh id for it.
        id: String,
    },
    /// A conversation answered a [`Call`].
    Answered {
        /// The call.
        call: Call,
        /// Its answer.
        result: Result<ConversationView, Refusal>,
    },
    /// The alarm rang.
    Tick,
    /// An administrator changes the workspace.
    Admin {
        /// Who, as their token names them.
        who: Principal,
        /// The workspace's slug, from the same token.
        workspace: String,
        /// What.
        change: admin::AdminChange,
    },
    /// A new workspace and its first administrator (sign-up); refused when
    /// the workspace exists.
    SignUp {
        /// The definition (passwords hashed).
        setup: shared::api::WorkspaceSetup,
        /// Ids for its people.
        fresh_ids: Vec<AgentId>,
    },
    /// Someone follows a one-time link: an invitation or a password reset.
    Redeem(people::Redeem),
    /// A change made in another object (webhooks, reports), for the log.
    Record(audit::AuditRecord),
    /// An API token is presented for a scope; its last use is recorded.
    UseApiToken {
        /// The bearer token as given.
        token: String,
        /// What the request needs.
        scope: shared::admin::ApiScope,
    },
    /// The workspace's own systems act through an API token (its id).
    System {
        /// The token's id, checked for its scope just before.
        token: String,
        /// What.
        action: system::SystemAction,
    },
}

/// Something the shell must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Write a row before performing any later output.
    Write(Row),
    /// Send one frame on each of these inbox sockets (built once for all).
    Inbox {
        /// The sockets, at least one.
        sockets: Vec<SocketId>,
        /// The frame.
        frame: InboxFrame,
    },
    /// Close an inbox socket.
    CloseInbox {
        /// The socket.
        socket: SocketId,
        /// A close code from [`shared::close`].
        code: u16,
        /// A sentence for people.
        reason: String,
    },
    /// Ask a conversation, then feed [`Input::Answered`].
    Call(Call),
    /// Ring [`Input::Tick`] at this time; `None`: no alarm.
    SetAlarm(Option<i64>),
    /// The answer to the input.
    Reply(Result<Answer, Refusal>),
}

/// Everything the shell loads to rebuild a workspace.
#[derive(Clone, Debug, Default)]
pub struct Stored {
    /// Every person.
    pub people: Vec<Person>,
    /// Every department.
    pub departments: Vec<Department>,
    /// Every site.
    pub sites: Vec<Site>,
    /// The grants, when set.
    pub grants: Option<Grants>,
    /// The tags and dispositions, when set.
    pub labels: Option<shared::room::Labels>,
    /// The file policy, when set.
    pub files: Option<shared::files::FilePolicy>,
    /// The call settings, when set.
    pub calls: Option<shared::call::CallSettings>,
    /// Every canned response.
    pub canned: Vec<shared::canned::CannedResponse>,
    /// People's own settings.
    pub preferences: Vec<(AgentId, shared::api::Preferences)>,
    /// The router, from its rows.
    pub router: Router,
    /// Every conversation not closed.
    pub open: Vec<ConversationSummary>,
    /// Every authorised conversation socket.
    pub opened: Vec<(AgentId, ConversationId)>,
    /// The inbox sockets still open, from their attachments.
    pub sockets: Vec<InboxSocket>,
    /// The display name.
    pub name: Option<String>,
    /// Who created the workspace, when known.
    pub origin: Option<admin::Origin>,
    /// Invitations, by id.
    pub invitations: Vec<people::StoredInvitation>,
    /// Password resets.
    pub resets: Vec<people::StoredReset>,
    /// API tokens.
    pub api_tokens: Vec<api_tokens::StoredApiToken>,
}

/// One workspace. See the module docs for the drain contract.
#[derive(Debug, Default)]
pub struct Workspace {
    people: BTreeMap<AgentId, Person>,
    departments: BTreeMap<DepartmentId, Department>,
    sites: BTreeMap<String, Site>,
    grants: Grants,
    labels: shared::room::Labels,
    files: shared::files::FilePolicy,
    calls: shared::call::CallSettings,
    canned: BTreeMap<String, shared::canned::CannedResponse>,
    preferences: BTreeMap<AgentId, shared::api::Preferences>,
    router: Router,
    index: BTreeMap<ConversationId, ConversationSummary>,
    opened: BTreeSet<(AgentId, ConversationId)>,
    sockets: BTreeMap<SocketId, Principal>,
    /// Whether the router's idea of who is connected was checked against
    /// the live sockets since the last restore.
    reconciled: bool,
    /// The router's alarm, and when queue positions are next pushed.
    router_alarm: Option<i64>,
    push_at: Option<i64>,
    alarm: Option<i64>,
    /// Inbox sockets found at restore whose token had ended: closed by the
    /// first input.
    stale: Vec<SocketId>,
    /// Departments whose queue moved since the last push.
    moved: BTreeSet<DepartmentId>,
    /// What each waiting conversation was last told.
    pushed: BTreeMap<ConversationId, QueuePosition>,
    out: VecDeque<Output>,
    name: String,
    origin: Option<admin::Origin>,
    invitations: BTreeMap<String, people::StoredInvitation>,
    resets: BTreeMap<String, people::StoredReset>,
    api_tokens: BTreeMap<String, api_tokens::StoredApiToken>,
}

fn refusal(code: ErrorCode, message: &str) -> Refusal {
    Refusal {
        code,
        message: message.to_owned(),
    }
}

impl Workspace {
    /// Rebuilds a workspace from what the shell stored and the sockets it
    /// still holds. The first input checks the router against the sockets.
    pub fn restore(stored: Stored) -> Self {
        let mut workspace = Workspace {
            people: stored
                .people
                .into_iter()
                .map(|p| (p.id.clone(), p))
                .collect(),
            departments: stored
                .departments
                .into_iter()
                .map(|d| (d.id.clone(), d))
                .collect(),
            sites: stored
                .sites
                .into_iter()
                .map(|s| (s.id.clone(), s))
                .collect(),
            grants: stored.grants.unwrap_or_default(),
            labels: stored.labels.unwrap_or_default(),
            files: stored.files.unwrap_or_default(),
            calls: stored.calls.unwrap_or_default(),
            canned: stored
                .canned
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect(),
            preferences: stored.preferences.into_iter().collect(),
            router_alarm: stored.router.alarm(),
            router: stored.router,
            index: stored
                .open
                .into_iter()
                .filter(|s| s.status != ConversationStatus::Closed)
                .map(|s| (s.id.clone(), s))
                .collect(),
            opened: stored.opened.into_iter().collect(),
            name: stored.name.unwrap_or_default(),
            origin: stored.origin,
            invitations: stored
                .invitations
                .into_iter()
                .map(|i| (i.invitation.id.clone(), i))
                .collect(),
            resets: stored
                .resets
                .into_iter()
                .map(|r| (r.token_hash.clone(), r))
                .collect(),
            api_tokens: stored
                .api_tokens
                .into_iter()
                .map(|t| (t.info.id.clone(), t))
                .collect(),
            ..Workspace::default()
        };
        // A socket whose token ended (closed, but still held by the
        // runtime for a moment) is nobody's connection.
        for s in stored.sockets {
            if workspace.authenticate(&s.who).is_ok() {
                workspace.sockets.insert(s.socket, s.who);
            } else {
                workspace.stale.push(s.socket);
            }
        }
        workspace
    }

    /// What the workspace's conversations accept as attachments.
    pub fn file_policy(&self) -> &shared::files::FilePolicy {
        &self.files
    }

    /// Whether a conversation of `site` and `department` may have calls,
    /// and how its peers connect ([`crate::conversation::call`]).
    pub fn call_policy(&self, ask: &shared::call::CallPolicyRequest) -> shared::call::CallPolicy {
        crate::conversation::call::policy(&self.calls, ask)
    }

    /// The router, for reads (places, presence, loads).
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The next thing to do, or `None` when drained.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Feeds one input at time `now` (milliseconds since the epoch).
    pub fn handle(&mut self, now: i64, input: Input) {
        if !self.reconciled {
            self.reconciled = true;
            for socket in std::mem::take(&mut self.stale) {
                self.out.push_back(Output::CloseInbox {
                    socket,
                    code: shared::close::UNAUTHORIZED,
                    reason: "your session has ended; sign in again".into(),
                });
            }
            self.reconcile(now);
        }
        match input {
            Input::Setup { setup, fresh_ids } => self.setup(now, setup, fresh_ids),
            Input::Announce(summary) => self.announce(now, summary),
            Input::VisitorWrote(conversation) => {
                let before = self.router.place(&conversation).cloned();
                let routed = self.route(now, router::Input::VisitorWrote { conversation });
                self.follow(routed.assigned, before, false);
            }
            Input::Act { who, action } => self.act(now, who, action),
            Input::Open {
                who,
                conversation,
                stored,
            } => self.open(who, conversation, stored),
            Input::InboxOpened(socket) => self.inbox_opened(now, socket),
            Input::InboxClosed(socket) => self.inbox_closed(now, socket),
            Input::LeaveOffline { site, message, id } => self.leave_offline(now, site, message, id),
            Input::Answered { call, result } => self.answered(now, call, result),
            Input::Tick => {
                // The alarm that rang is spent, even if it rang a little
                // early: whatever is still due needs a new one.
                self.alarm = None;
                if self.push_at.is_some_and(|at| at <= now) {
                    self.push_at = None;
                    self.push_positions(now);
                }
                self.settle(now, router::Input::Tick);
            }
            Input::Admin {
                who,
                workspace,
                change,
            } => self.administer(now, who, workspace, change),
            Input::SignUp { setup, fresh_ids } => self.sign_up(now, setup, fresh_ids),
            Input::Redeem(redeem) => self.redeem(now, redeem),
            Input::Record(mut record) => {
                record.at = now;
                self.write(Row::Audit(record));
                self.reply(Ok(Answer::Done));
            }
            Input::UseApiToken { token, scope } => self.use_api_token(now, &token, scope),
            Input::System { token, action } => self.system_act(&token, action),
        }
        self.arm();
    }

    fn reply(&mut self, reply: Result<Answer, Refusal>) {
        self.out.push_back(Output::Reply(reply));
    }

    fn write(&mut self, row: Row) {
        self.out.push_back(Output::Write(row));
    }

    fn call(&mut self, conversation: ConversationId, request: Request, then: Then) {
        self.out.push_back(Output::Call(Call {
            conversation,
            request,
            then,
        }));
    }

    /// The one caller of the router: feeds it, writes the rows it changed
    /// and performs its outputs. Answers the router's reply to an agent
    /// action and the assignments it made, for the action to follow up.
    #[must_use]
    fn route(&mut self, now: i64, input: router::Input) -> Routed {
        let outputs = self.router.handle(now, input);
        match self.router.take_changes() {
            Ok(changes) if changes.is_empty() => {}
            Ok(changes) => self.write(Row::Router(changes)),
            // A row that cannot be written as JSON cannot happen with these
            // types; were it to, the next restore reads the last good rows.
            Err(_) => {}
        }
        // The router's alarm as it now stands (a ring it spent and did not
        // need again announces nothing, so it is read, not tracked).
        self.router_alarm = self.router.alarm();
        let mut routed = Routed::default();
        for output in outputs {
            match output {
                router::Output::Offer {
                    conversation,
                    agent,
                    expires_at,
                } => {
                    if let Some(summary) = self.index.get(&conversation).cloned() {
                        self.tell_agent(
                            &agent,
                            InboxFrame::Offer {
                                conversation: summary,
                                expires_at,
                            },
                        );
                    }
                }
                router::Output::OfferEnded {
                    conversation,
                    agent,
                    ..
                } => self.tell_agent(&agent, InboxFrame::OfferEnded { id: conversation }),
                router::Output::Assigned {
                    conversation,
                    agent,
                    how,
                } => routed.assigned.push((conversation, agent, how)),
                router::Output::Queued {
                    conversation,
                    department,
                } => self.reindex(&conversation, |s| {
                    s.status = ConversationStatus::Queued;
                    s.assignee = None;
                    s.department = department.0.clone();
                }),
                router::Output::Held { conversation } => {
                    self.reindex(&conversation, |s| s.status = ConversationStatus::OnHold)
                }
                router::Output::QueueChanged { department } => {
                    self.moved.insert(department);
                    if self.push_at.is_none() {
                        self.push_at = Some(now + QUEUE_PUSH_MS);
                    }
                }
                // Read back below: the router's own alarm is the truth.
                router::Output::SetAlarm { .. } => {}
                router::Output::Reply(r) => routed.reply = Some(r),
            }
        }
        routed
    }

    /// Routes an event that answers no agent: whatever the router assigns
    /// is told to its conversation.
    fn settle(&mut self, now: i64, input: router::Input) {
        let routed = self.route(now, input);
        self.follow(routed.assigned, None, false);
    }

    /// Sets the one alarm to the earlier of the router's and the next push.
    fn arm(&mut self) {
        let next = match (self.router_alarm, self.push_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if next != self.alarm {
            self.alarm = next;
            self.out.push_back(Output::SetAlarm(next));
        }
    }

    /// Tells the router how many inbox sockets each agent really has.
    fn reconcile(&mut self, now: i64) {
        let agents: Vec<AgentId> = self.router.agent_ids().cloned().collect();
        for agent in agents {
            let open = self.open_sockets(&agent);
            self.settle(now, router::Input::Sockets { agent, open });
        }
    }

    /// The conversation's line, open or (when given) stored.
    pub fn summary(&self, id: &ConversationId) -> Option<&ConversationSummary> {
        self.index.get(id)
    }

    /// Changes a conversation's line and tells the inboxes.
    fn reindex(&mut self, id: &ConversationId, change: impl FnOnce(&mut ConversationSummary)) {
        let Some(before) = self.index.get(id).cloned() else {
            return;
        };
        let mut after = before.clone();
        change(&mut after);
        self.set_summary(Some(before), after);
    }

    /// Stores a conversation's new line and tells each inbox how it now
    /// shows there. A closed conversation leaves the index (and its socket
    /// authorisations with it).
    fn set_summary(&mut self, before: Option<ConversationSummary>, after: ConversationSummary) {
        if before.as_ref() == Some(&after) {
            return;
        }
        self.write(Row::Conversation(after.clone()));
        self.broadcast(before.as_ref(), &after);
        if after.status == ConversationStatus::Closed {
            self.index.remove(&after.id);
            self.pushed.remove(&after.id);
            let had = self.opened.iter().any(|(_, c)| *c == after.id);
            if had {
                self.opened.retain(|(_, c)| *c != after.id);
                self.write(Row::ForgetOpened(after.id.clone()));
            }
        } else {
            self.index.insert(after.id.clone(), after);
        }
    }

    /// A conversation announced itself (queued, changed, closed).
    fn announce(&mut self, now: i64, mut summary: ConversationSummary) {
        let current = self.index.get(&summary.id).cloned();
        // The priority is the workspace's, not the conversation's.
        if let Some(c) = &current {
            summary.priority = c.priority;
        }
        if !crate::inbox::supersedes(&summary, current.as_ref()) {
            let position = self.position(&summary.id);
            self.reply(Ok(Answer::Announced(position)));
            return;
        }
        let known = current
            .as_ref()
            .is_some_and(|c| c.status != ConversationStatus::New);
        let id = summary.id.clone();
        let status = summary.status;
        let department = DepartmentId(summary.department.clone());
        let priority = summary.priority;
        self.set_summary(current, summary);
        match status {
            ConversationStatus::Queued if !known => {
                self.settle(
                    now,
                    router::Input::Enqueue {
                        conversation: id.clone(),
                        department,
                        priority,
                    },
                );
            }
            ConversationStatus::Closed => {
                self.settle(
                    now,
                    router::Input::Close {
                        conversation: id.clone(),
                    },
                );
            }
            _ => {}
        }
        let position = self.position(&id);
        if let Some(p) = &position {
            self.pushed.insert(id, p.clone());
        }
        self.reply(Ok(Answer::Announced(position)));
    }

    /// Where a conversation waits, when it does.
    fn position(&self, id: &ConversationId) -> Option<QueuePosition> {
        let department = self.router.department(id)?;
        self.router
            .queue(department)
            .into_iter()
            .find(|(c, _, _)| c == id)
            .map(|(_, position, estimated_wait_ms)| QueuePosition {
                position,
                estimated_wait_ms,
            })
    }

    /// Tells the visitors of the queues that moved where they now wait:
    /// only those whose position changed, at most once per
    /// [`QUEUE_PUSH_MS`].
    fn push_positions(&mut self, _now: i64) {
        let moved = std::mem::take(&mut self.moved);
        for department in moved {
            for (id, position, estimated_wait_ms) in self.router.queue(&department) {
                let now_at = QueuePosition {
                    position,
                    estimated_wait_ms,
                };
                if self.pushed.get(&id) == Some(&now_at) {
                    continue;
                }
                self.pushed.insert(id.clone(), now_at.clone());
                self.call(id, Request::Queue { position: now_at }, Then::Nothing);
            }
        }
        // Those that left a queue: tell them once that they no longer wait.
        let left: Vec<ConversationId> = self
            .pushed
            .keys()
            .filter(|id| {
                !matches!(
                    self.router.place(id),
                    Some(Place::Waiting | Place::Offered { .. })
                )
            })
            .cloned()
            .collect();
        for id in left {
            self.pushed.remove(&id);
        }
    }

    fn leave_offline(
        &mut self,
        now: i64,
        site: String,
        message: shared::api::OfflineMessageRequest,
        id: String,
    ) {
        if let Err(why) = message.validate() {
            return self.reply(Err(refusal(ErrorCode::BadRequest, why)));
        }
        let Some(site) = self.sites.get(&site) else {
            return self.reply(Err(refusal(ErrorCode::NotFound, "no such site")));
        };
        let stored = OfflineMessage {
            id,
            department: site.department.0.clone(),
            name: message.name.trim().to_owned(),
            email: message.email.trim().to_owned(),
            message: message.message,
            created_at: now,
        };
        self.write(Row::OfflineMessage(stored));
        self.reply(Ok(Answer::Done));
    }
}

/// What a routing step answered to the action that caused it.
#[derive(Default)]
struct Routed {
    /// The router's reply to an agent action.
    reply: Option<Result<(), Refusal>>,
    /// Conversations the router gave to an agent: the caller tells the
    /// conversation ([`Workspace::assign`]).
    assigned: Vec<(ConversationId, AgentId, How)>,
}
