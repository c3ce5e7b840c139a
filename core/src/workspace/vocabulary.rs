//! The workspace's vocabulary: what it keeps (people, departments, sites),
//! who asks (a principal and their token generation), the rows it asks the
//! shell to write, and the calls it makes to conversations with what
//! follows each answer. The machine that uses them is in `workspace.rs`.

use super::Opened;
use crate::conversation::lifecycle::Action;
use crate::hours::Interval;
use crate::permissions::Grants;
use crate::router::{self, How, Place};
use serde::{Deserialize, Serialize};
use shared::api::{OfflineMessage, QueuePosition, Role, SetupDone};
use shared::frame::{Participant, Side};
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::inbox::ConversationSummary;

/// An inbox socket, numbered by the shell (kept in its attachment).
pub type SocketId = u64;

/// A person of the workspace, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their id.
    pub id: AgentId,
    /// Sign-in email, unique in the workspace.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// `pbkdf2-sha256$...`, made by the worker.
    pub password_hash: String,
    /// The departments they work.
    pub departments: Vec<DepartmentId>,
    /// Tokens name the generation they were issued in; a new password
    /// starts a new one, and older tokens stop working. (A narrowing of
    /// rights keeps the token and narrows the open sockets instead.)
    pub generation: u32,
    /// The name colleagues `/invite` them by (lowercase); empty for people
    /// stored before usernames: then [`Person::username`] derives it.
    #[serde(default)]
    pub username: String,
    /// Their own limit of simultaneous chats.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// False once deactivated: no sign-in, no token, no chats.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl Person {
    /// As the agent app shows them.
    pub fn profile(&self) -> shared::api::AgentProfile {
        shared::api::AgentProfile {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            departments: self.departments.iter().map(|d| d.0.clone()).collect(),
            username: self.username(),
        }
    }

    /// The name colleagues `/invite` them by: the one set up, else the
    /// email's part before `@`.
    pub fn username(&self) -> String {
        if self.username.is_empty() {
            default_username(&self.email)
        } else {
            self.username.clone()
        }
    }

    /// As conversations name them.
    pub fn participant(&self) -> Participant {
        Participant {
            side: Side::Agent,
            id: self.id.0.clone(),
            name: self.name.clone(),
        }
    }
}

/// A department, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Its id.
    pub id: DepartmentId,
    /// Its name.
    pub name: String,
    /// Business hours; none: always open.
    pub hours: Vec<Interval>,
    /// Its clock, in minutes ahead of UTC.
    pub utc_offset_minutes: i32,
}

/// A site, as stored. Its public key is `<workspace>.<id>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Where its visitors queue.
    pub department: DepartmentId,
    /// Its widget settings: origins, secret, look, pre-chat form, rating.
    #[serde(default)]
    pub options: shared::site::SiteOptions,
}

/// Who asks: an agent, as their verified token names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The agent.
    pub agent: AgentId,
    /// The generation the token was issued in.
    pub generation: u32,
}

/// What an inbox socket carries through hibernation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxSocket {
    /// The shell's number for it.
    pub socket: SocketId,
    /// Whose it is, as authenticated when it opened.
    pub who: Principal,
}

/// A row for the shell to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// Insert or replace a person.
    Person(Person),
    /// Delete a person.
    RemovePerson(AgentId),
    /// Insert or replace a department.
    Department(Department),
    /// Delete a department.
    RemoveDepartment(DepartmentId),
    /// Insert or replace a site.
    Site(Site),
    /// Delete a site.
    RemoveSite(String),
    /// Replace the grants.
    Grants(Grants),
    /// Replace the tags and dispositions.
    Labels(shared::room::Labels),
    /// Replace what conversations accept as attachments.
    Files(shared::files::FilePolicy),
    /// Replace the call settings.
    Calls(shared::call::CallSettings),
    /// Insert or replace a canned response.
    Canned(shared::canned::CannedResponse),
    /// Delete a canned response.
    RemoveCanned(String),
    /// Replace a person's own settings.
    Preferences(AgentId, shared::api::Preferences),
    /// Insert or replace a conversation's line in the index.
    Conversation(ConversationSummary),
    /// The router rows that changed.
    Router(router::Changes),
    /// An agent was allowed to open a conversation's socket.
    Opened(AgentId, ConversationId),
    /// Forget the sockets opened to a conversation (it closed).
    ForgetOpened(ConversationId),
    /// Forget one agent's authorisation of a conversation.
    ForgetOpenedBy(AgentId, ConversationId),
    /// Insert an offline message.
    OfflineMessage(OfflineMessage),
    /// Append an entry to the audit log (the store numbers it).
    Audit(super::audit::AuditRecord),
    /// Replace the workspace's display name.
    Name(String),
    /// Record who created the workspace.
    Origin(super::admin::Origin),
    /// Insert or replace an invitation.
    Invitation(super::people::StoredInvitation),
    /// Insert or replace a password reset.
    Reset(super::people::StoredReset),
    /// Insert or replace an API token.
    ApiToken(super::api_tokens::StoredApiToken),
    /// Delete an API token.
    RemoveApiToken(String),
}

/// What the workspace asks of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// Assign it to an agent (a take or an accepted offer).
    Assign {
        /// The agent.
        agent: Participant,
    },
    /// A lifecycle change.
    Lifecycle {
        /// Which.
        action: Action,
    },
    /// Re-check one agent's open sockets: close them, or narrow them.
    Revise {
        /// Whose sockets.
        agent: AgentId,
        /// What they may do now; `None`: close with `code`.
        access: Option<Access>,
        /// The close code when closing.
        code: u16,
        /// A sentence for people.
        reason: String,
    },
    /// Tell the visitor where they wait.
    Queue {
        /// The position.
        position: QueuePosition,
    },
}

/// What an agent's socket to a conversation may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// Whether their role may write (when assigned).
    pub may_reply: bool,
    /// Whether they may keep reading the conversation once it is someone
    /// else's.
    pub may_monitor: bool,
}

/// What to do when a conversation answers a [`Call`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "then", rename_all = "snake_case")]
pub enum Then {
    /// The router already gave it to `agent` (taken, accepted, rerouted,
    /// resumed, forwarded to them): on success the index follows; on a
    /// refusal the router's reservation is undone to `before`.
    Assigned {
        /// The agent.
        agent: AgentId,
        /// How.
        how: How,
        /// Where it was before the router moved it.
        before: Place,
        /// Whether the answer is the reply to the request.
        reply: bool,
    },
    /// The conversation goes first (hold, move to the queue, forward to a
    /// department, close): on success the router follows.
    ThenRoute {
        /// Who acts.
        agent: AgentId,
    },
    /// The conversation acted for the workspace's systems (an API close
    /// or tags): on success the router follows a close, as after an
    /// agent's, and the conversation's line is the reply.
    System,
    /// Nothing follows (a revision or a queue position).
    Nothing,
}

/// A request to a conversation, with what follows its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// Which conversation.
    pub conversation: ConversationId,
    /// What to ask.
    pub request: Request,
    /// What follows.
    pub then: Then,
}

/// A successful reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Done, nothing to show.
    Done,
    /// The conversation as the lists now show it.
    Conversation(ConversationSummary),
    /// The people after a setup.
    Setup(SetupDone),
    /// An agent may open a conversation's socket.
    Opened(Opened),
    /// An announcement was taken; where the conversation waits, if it does.
    Announced(Option<QueuePosition>),
    /// A canned response was made.
    Canned(shared::canned::CannedResponse),
    /// The workspace's settings after a change.
    Settings(Box<shared::admin::Settings>),
    /// A person after a change.
    Person(shared::admin::PersonInfo),
    /// A site's new identity secret.
    Rotated(shared::admin::RotatedSecret),
    /// An invitation was made: the worker mails its link.
    Invited(shared::admin::Invitation),
    /// A password reset was made for this person: the worker mails its
    /// link.
    ResetFor(shared::admin::PersonInfo, i64),
    /// Someone is signed in (an accepted invitation, a new password, a
    /// sign-up): the worker signs their token.
    SignedIn(shared::api::AgentProfile, u32),
    /// An API token was made.
    ApiToken(shared::admin::ApiTokenInfo),
    /// An API token was accepted: its id.
    ApiCaller(String),
}

/// A username from an email: its part before `@`, lowercased.
pub fn default_username(email: &str) -> String {
    email
        .split('@')
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase()
}
