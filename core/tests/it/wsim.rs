//! A simulated shell for the workspace: performs the core's outputs against
//! an in-memory store, in-memory inbox sockets and simulated conversations
//! (which can be told to refuse), exactly as the workspace object does
//! against SQLite, WebSockets and conversation objects. It can evict the
//! core between any two steps (rebuild it from the store and the sockets
//! alone).

use chat_core::conversation::Refusal;
use chat_core::permissions::Grants;
use chat_core::router::Router;
use chat_core::workspace::{
    Answer, Call, Department, InboxSocket, Input, Output, Person, Principal, Request, Row, Site,
    SocketId, Stored, Workspace,
};
use shared::api::{AgentSetup, DepartmentSetup, OfflineMessage, Role, SiteSetup, WorkspaceSetup};
use shared::frame::{ConversationStatus, ConversationView, ErrorCode, Participant, Side};
use shared::ids::{AgentId, ConversationId};
use shared::inbox::{ConversationSummary, InboxFrame};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A revision told to a conversation: whose sockets, `(may_reply,
/// may_monitor)` or `None` for a close, and the close code.
pub type Revision = (String, Option<(bool, bool)>, u16);

/// What a simulated conversation is.
#[derive(Clone, Debug)]
pub struct Conv {
    pub view: ConversationView,
    /// Sockets of agents open to it: (agent id, may reply, closed with).
    pub revisions: Vec<Revision>,
    /// Queue positions pushed to its visitor.
    pub positions: Vec<usize>,
}

#[derive(Default)]
pub struct WsSim {
    pub core: Workspace,
    pub now: i64,
    // The store.
    pub people: BTreeMap<AgentId, Person>,
    pub departments: BTreeMap<String, Department>,
    pub sites: BTreeMap<String, Site>,
    pub grants: Option<Grants>,
    pub labels: Option<shared::room::Labels>,
    pub files: Option<shared::files::FilePolicy>,
    pub call_settings: Option<shared::call::CallSettings>,
    pub canned: BTreeMap<String, shared::canned::CannedResponse>,
    pub preferences: BTreeMap<AgentId, shared::api::Preferences>,
    pub index: BTreeMap<ConversationId, ConversationSummary>,
    pub router_meta: Option<String>,
    pub router_agents: BTreeMap<String, String>,
    pub router_convs: BTreeMap<String, String>,
    pub opened: BTreeSet<(AgentId, ConversationId)>,
    pub offline: Vec<OfflineMessage>,
    pub name: Option<String>,
    pub origin: Option<chat_core::workspace::admin::Origin>,
    pub invitations: BTreeMap<String, chat_core::workspace::people::StoredInvitation>,
    pub resets: BTreeMap<String, chat_core::workspace::people::StoredReset>,
    pub api_tokens: BTreeMap<String, chat_core::workspace::api_tokens::StoredApiToken>,
    /// The audit log, oldest first (its ids are positions from 1).
    pub audit: Vec<chat_core::workspace::audit::AuditRecord>,
    /// Every write, in order.
    pub writes: Vec<Row>,
    // Sockets.
    pub sockets: BTreeMap<SocketId, InboxSocket>,
    pub frames: BTreeMap<SocketId, Vec<InboxFrame>>,
    pub closed: BTreeMap<SocketId, u16>,
    pub alarm: Option<i64>,
    // Conversations.
    pub convs: BTreeMap<ConversationId, Conv>,
    /// The next call to this conversation is refused with this.
    pub refuse: BTreeMap<ConversationId, Refusal>,
    /// Every call made, in order.
    pub calls: Vec<Call>,
    /// Evict the core before every answer is fed back.
    pub evict_between_steps: bool,
    pub replies: Vec<Result<Answer, Refusal>>,
    next_id: u64,
}

pub fn person(email: &str, name: &str, role: Role, departments: &[&str]) -> AgentSetup {
    AgentSetup {
        email: email.into(),
        name: name.into(),
        role,
        // The worker hashes; the core only compares.
        password: format!("hash-of-{email}"),
        departments: departments.iter().map(|d| d.to_string()).collect(),
        username: None,
        capacity: None,
        active: true,
    }
}

/// Support and Sales; Anna and Ben in Support, Sam in Sales, Mark (manager)
/// in both. Manual selection.
pub fn demo() -> WorkspaceSetup {
    WorkspaceSetup {
        workspace: "demo".into(),
        name: None,
        departments: vec![
            DepartmentSetup {
                id: "support".into(),
                name: "Support".into(),
                hours: vec![],
                utc_offset_minutes: 0,
            },
            DepartmentSetup {
                id: "sales".into(),
                name: "Sales".into(),
                hours: vec![],
                utc_offset_minutes: 0,
            },
        ],
        sites: vec![SiteSetup::new("website", "Website", "support")],
        agents: vec![
            person("anna@demo.test", "Anna", Role::Agent, &["support"]),
            person("ben@demo.test", "Ben", Role::Agent, &["support"]),
            person("sam@demo.test", "Sam", Role::Agent, &["sales"]),
            person(
                "mark@demo.test",
                "Mark",
                Role::Manager,
                &["support", "sales"],
            ),
        ],
        grants: vec![],
        routing: None,
        labels: Default::default(),
        files: Default::default(),
        calls: Default::default(),
    }
}

impl WsSim {
    /// A workspace set up with [`demo`].
    pub fn new() -> WsSim {
        let mut sim = WsSim {
            now: 1_000_000,
            ..WsSim::default()
        };
        sim.setup(demo()).expect("the demo setup is valid");
        sim
    }

    /// The id of a person, by first name (lower case).
    pub fn id(&self, name: &str) -> AgentId {
        self.people
            .values()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.id.clone())
            .unwrap_or_else(|| panic!("no person {name}"))
    }

    pub fn who(&self, name: &str) -> Principal {
        let id = self.id(name);
        Principal {
            generation: self.people[&id].generation,
            agent: id,
        }
    }

    pub fn setup(&mut self, setup: WorkspaceSetup) -> Result<Answer, Refusal> {
        let fresh_ids = (0..setup.agents.len())
            .map(|_| {
                self.next_id += 1;
                AgentId(format!("a{}", self.next_id))
            })
            .collect();
        self.input(Input::Setup { setup, fresh_ids })
    }

    /// Feeds an input, performs everything, answers the reply to it.
    pub fn input(&mut self, input: Input) -> Result<Answer, Refusal> {
        self.replies.clear();
        let mut inputs = VecDeque::from([input]);
        while let Some(input) = inputs.pop_front() {
            self.now += 1;
            self.core.handle(self.now, input);
            let mut calls = Vec::new();
            while let Some(out) = self.core.poll_output() {
                match out {
                    Output::Write(row) => self.write(row),
                    Output::Inbox { sockets, frame } => {
                        assert!(!sockets.is_empty(), "a frame to no socket: {frame:?}");
                        for socket in sockets {
                            assert!(
                                self.sockets.contains_key(&socket),
                                "a frame to a socket that is not open: {frame:?}"
                            );
                            self.frames.entry(socket).or_default().push(frame.clone());
                        }
                    }
                    Output::CloseInbox { socket, code, .. } => {
                        self.sockets.remove(&socket);
                        self.closed.insert(socket, code);
                    }
                    Output::Call(call) => calls.push(call),
                    Output::SetAlarm(at) => self.alarm = at,
                    Output::Reply(r) => self.replies.push(r),
                }
            }
            for call in calls {
                if self.evict_between_steps {
                    self.evict();
                }
                let result = self.answer(&call);
                self.calls.push(call.clone());
                inputs.push_back(Input::Answered { call, result });
            }
        }
        assert!(
            self.replies.len() <= 1,
            "more than one reply: {:?}",
            self.replies
        );
        self.replies.pop().unwrap_or(Ok(Answer::Done))
    }

    fn write(&mut self, row: Row) {
        self.writes.push(row.clone());
        match row {
            Row::Person(p) => {
                self.people.insert(p.id.clone(), p);
            }
            Row::RemovePerson(id) => {
                self.people.remove(&id);
                self.opened.retain(|(a, _)| *a != id);
            }
            Row::Department(d) => {
                self.departments.insert(d.id.0.clone(), d);
            }
            Row::RemoveDepartment(id) => {
                self.departments.remove(id.as_str());
            }
            Row::Site(s) => {
                self.sites.insert(s.id.clone(), s);
            }
            Row::RemoveSite(id) => {
                self.sites.remove(&id);
            }
            Row::Grants(g) => self.grants = Some(g),
            Row::Labels(l) => self.labels = Some(l),
            Row::Files(f) => self.files = Some(f),
            Row::Calls(c) => self.call_settings = Some(c),
            Row::Canned(c) => {
                self.canned.insert(c.id.clone(), c);
            }
            Row::RemoveCanned(id) => {
                self.canned.remove(&id);
            }
            Row::Preferences(agent, p) => {
                self.preferences.insert(agent, p);
            }
            Row::Conversation(s) => {
                self.index.insert(s.id.clone(), s);
            }
            Row::Router(changes) => {
                if let Some(meta) = changes.meta {
                    self.router_meta = Some(meta);
                }
                for (table, rows) in [
                    (&mut self.router_agents, changes.agents),
                    (&mut self.router_convs, changes.convs),
                ] {
                    for (id, row) in rows {
                        match row {
                            Some(row) => table.insert(id, row),
                            None => table.remove(&id),
                        };
                    }
                }
            }
            Row::Opened(a, c) => {
                self.opened.insert((a, c));
            }
            Row::ForgetOpened(c) => self.opened.retain(|(_, x)| *x != c),
            Row::ForgetOpenedBy(a, c) => {
                self.opened.remove(&(a, c));
            }
            Row::OfflineMessage(m) => self.offline.push(m),
            Row::Audit(a) => self.audit.push(a),
            Row::Name(n) => self.name = Some(n),
            Row::Origin(o) => self.origin = Some(o),
            Row::Invitation(i) => {
                self.invitations.insert(i.invitation.id.clone(), i);
            }
            Row::Reset(r) => {
                self.resets.insert(r.token_hash.clone(), r);
            }
            Row::ApiToken(t) => {
                self.api_tokens.insert(t.info.id.clone(), t);
            }
            Row::RemoveApiToken(id) => {
                self.api_tokens.remove(&id);
            }
        }
    }

    /// The object is evicted: memory is gone, storage and sockets stay.
    pub fn evict(&mut self) {
        let router = Router::from_rows(
            self.router_meta.as_deref(),
            self.router_agents.clone(),
            self.router_convs.clone(),
        )
        .expect("stored router rows read back");
        self.core = Workspace::restore(Stored {
            people: self.people.values().cloned().collect(),
            departments: self.departments.values().cloned().collect(),
            sites: self.sites.values().cloned().collect(),
            grants: self.grants.clone(),
            labels: self.labels.clone(),
            files: self.files.clone(),
            calls: self.call_settings.clone(),
            canned: self.canned.values().cloned().collect(),
            preferences: self.preferences.clone().into_iter().collect(),
            router,
            open: self
                .index
                .values()
                .filter(|s| s.status != ConversationStatus::Closed)
                .cloned()
                .collect(),
            opened: self.opened.iter().cloned().collect(),
            sockets: self.sockets.values().cloned().collect(),
            name: self.name.clone(),
            origin: self.origin,
            invitations: self.invitations.values().cloned().collect(),
            resets: self.resets.values().cloned().collect(),
            api_tokens: self.api_tokens.values().cloned().collect(),
        });
    }

    /// A simulated conversation answers a call.
    fn answer(&mut self, call: &Call) -> Result<ConversationView, Refusal> {
        if let Some(r) = self.refuse.remove(&call.conversation) {
            return Err(r);
        }
        let Some(conv) = self.convs.get_mut(&call.conversation) else {
            return Err(Refusal {
                code: ErrorCode::NotFound,
                message: "no such conversation".into(),
            });
        };
        let view = &mut conv.view;
        use chat_core::conversation::lifecycle::{Action, TransferTarget};
        // The conversation's own rules, as chat_core::Conversation has them
        // (but for hold's "your message last", which the shell cannot see).
        let refuse = |code: ErrorCode| {
            Err(Refusal {
                code,
                message: "the conversation refused".into(),
            })
        };
        let assigned = |by: &Participant, view: &ConversationView| {
            view.assignee.as_ref().is_some_and(|a| a.id == by.id)
        };
        if view.status == ConversationStatus::Closed
            && !matches!(call.request, Request::Revise { .. } | Request::Queue { .. })
        {
            return refuse(ErrorCode::ConversationClosed);
        }
        match &call.request {
            Request::Assign { agent } => match view.status {
                ConversationStatus::Queued | ConversationStatus::OnHold => {
                    view.status = ConversationStatus::Active;
                    view.assignee = Some(agent.clone());
                }
                ConversationStatus::Active if assigned(agent, view) => {}
                ConversationStatus::Active => return refuse(ErrorCode::AlreadyTaken),
                _ => return refuse(ErrorCode::ConversationClosed),
            },
            Request::Lifecycle { action } => match action {
                Action::Hold { by } => {
                    if view.status != ConversationStatus::Active || !assigned(by, view) {
                        return refuse(ErrorCode::Forbidden);
                    }
                    view.status = ConversationStatus::OnHold;
                }
                Action::Resume { by } => {
                    if view.status != ConversationStatus::OnHold || !assigned(by, view) {
                        return refuse(ErrorCode::Forbidden);
                    }
                    view.status = ConversationStatus::Active;
                }
                Action::Requeue { by } | Action::Forward { by, .. } => {
                    let working = matches!(
                        view.status,
                        ConversationStatus::Active | ConversationStatus::OnHold
                    );
                    if !working || !assigned(by, view) {
                        return refuse(ErrorCode::Forbidden);
                    }
                    view.members.clear();
                    match action {
                        Action::Forward { to, .. } => match to {
                            TransferTarget::Agent { agent } if agent.id == by.id => {
                                return refuse(ErrorCode::Forbidden)
                            }
                            TransferTarget::Agent { agent } => {
                                view.status = ConversationStatus::Active;
                                view.assignee = Some(agent.clone());
                            }
                            TransferTarget::Department { department, .. } => {
                                view.status = ConversationStatus::Queued;
                                view.assignee = None;
                                view.department = department.clone();
                            }
                        },
                        _ => {
                            view.status = ConversationStatus::Queued;
                            view.assignee = None;
                        }
                    }
                }
                Action::Close { by, .. } => {
                    // The workspace's systems (an API token) close any
                    // open chat; an agent only their own.
                    if !assigned(by, view) && by.side == Side::Agent {
                        return refuse(ErrorCode::Forbidden);
                    }
                    view.status = ConversationStatus::Closed;
                }
                Action::Invite { by, agent } => {
                    let working = matches!(
                        view.status,
                        ConversationStatus::Active | ConversationStatus::OnHold
                    );
                    if !working || !chat_core::conversation::works_on(view, &by.id) {
                        return refuse(ErrorCode::Forbidden);
                    }
                    view.members.push(agent.clone());
                }
                Action::Describe { .. } => {}
            },
            Request::Revise {
                agent,
                access,
                code,
                ..
            } => conv.revisions.push((
                agent.0.clone(),
                access.map(|a| (a.may_reply, a.may_monitor)),
                *code,
            )),
            Request::Queue { position } => conv.positions.push(position.position),
        }
        Ok(conv.view.clone())
    }

    /// A visitor's first message queued a conversation: it announces itself.
    pub fn queue(&mut self, id: &str, department: &str) -> ConversationId {
        let id = ConversationId(id.into());
        let view = ConversationView {
            id: id.clone(),
            status: ConversationStatus::Queued,
            department: department.into(),
            visitor: Participant {
                side: Side::Visitor,
                id: format!("v-{id}"),
                name: "Visitor".into(),
            },
            assignee: None,
            members: Vec::new(),
        };
        self.convs.insert(
            id.clone(),
            Conv {
                view: view.clone(),
                revisions: vec![],
                positions: vec![],
            },
        );
        let summary = ConversationSummary {
            id: id.clone(),
            status: view.status,
            department: view.department,
            visitor: view.visitor,
            assignee: None,
            members: Vec::new(),
            preview: "hello".into(),
            queued_at: self.now,
            priority: Default::default(),
        };
        self.input(Input::Announce(summary)).expect("announced");
        id
    }

    /// Opens an inbox socket for a person; answers its number.
    pub fn connect(&mut self, name: &str) -> SocketId {
        self.next_id += 1;
        let socket = self.next_id;
        let who = self.who(name);
        let att = InboxSocket { socket, who };
        self.sockets.insert(socket, att.clone());
        let _ = self.input(Input::InboxOpened(att));
        socket
    }

    /// The socket closed (or failed).
    pub fn drop_socket(&mut self, socket: SocketId) {
        self.sockets.remove(&socket);
        let _ = self.input(Input::InboxClosed(socket));
    }

    pub fn act(
        &mut self,
        name: &str,
        action: chat_core::workspace::AgentAction,
    ) -> Result<Answer, Refusal> {
        let who = self.who(name);
        self.input(Input::Act { who, action })
    }

    pub fn available(&mut self, name: &str) {
        self.act(
            name,
            chat_core::workspace::AgentAction::Status {
                status: shared::routing::AgentStatus::Available,
            },
        )
        .expect("status set");
    }

    /// Frames sent to a socket since the last call.
    pub fn take_frames(&mut self, socket: SocketId) -> Vec<InboxFrame> {
        self.frames.remove(&socket).unwrap_or_default()
    }

    /// Lets time pass and rings the alarm when it is due.
    pub fn advance(&mut self, ms: i64) {
        let until = self.now + ms;
        while let Some(at) = self.alarm.filter(|at| *at <= until) {
            self.now = self.now.max(at - 1);
            self.alarm = None;
            let _ = self.input(Input::Tick);
        }
        self.now = until;
    }

    /// The router as stored, for comparisons.
    pub fn stored_router(
        &self,
    ) -> (
        Option<String>,
        BTreeMap<String, String>,
        BTreeMap<String, String>,
    ) {
        (
            self.router_meta.clone(),
            self.router_agents.clone(),
            self.router_convs.clone(),
        )
    }
}
