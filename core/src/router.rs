//! The router of one workspace: who gets which waiting conversation.
//!
//! Pure, like the conversation: the workspace object feeds it agent and
//! conversation events with the time, and performs the outputs (offers,
//! offer endings, assignments, queue changes, replies, the next alarm). It
//! keeps the queue (priority first, then age), agent status and
//! reachability, capacity, pending offers, and the four algorithms of
//! `shared::routing`.
//!
//! Capacity: an agent's load is the conversations assigned to them and not on
//! hold, plus the offers waiting for their answer (an offer reserves its slot,
//! so accepting can never exceed the limit). The limit for a conversation of
//! department `d` is the first that is set of: `d`'s limit, the agent's own
//! limit, the workspace's limit; none set means no limit. Nothing the router
//! does takes an agent's load past that limit.
//!
//! Reachability: the shell counts an agent's live inbox sockets and says so
//! with [`Input::Sockets`]. When the count falls to 0 the agent stays
//! routable for the grace period (a reload or a network blip is not an
//! absence); when it ends their offers are withdrawn. A socket that opens
//! makes them reachable at once.
//!
//! Drain contract: [`Router::handle`] returns every output of its input, in
//! order; the shell performs them all, in that order (the result is
//! `#[must_use]`, so none can be dropped unseen). Every agent action answers
//! exactly one [`Output::Reply`]. Before performing outputs, the shell
//! writes [`Router::take_changes`]: the rows the input changed. If that
//! write fails, it drops this router and rebuilds it from storage with
//! [`Router::from_rows`], so nothing is reported that is not stored.
//!
//! This file holds the router's types, its queries and [`Router::handle`];
//! `inputs.rs` the rules of each input, `decide.rs` the routing decisions
//! and the alarm, `rows.rs` its stored rows, `index.rs` what each decision
//! asks, kept as places change.

use crate::conversation::Refusal;
use serde::{Deserialize, Serialize};
use shared::frame::ErrorCode;
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::routing::{AgentStatus, Algorithm, Priority};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod decide;
mod index;
mod inputs;
mod rows;
pub use rows::{Changes, Row};
use rows::{Meta, Tracked};

/// A department's own routing settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentSettings {
    /// Overrides the workspace's algorithm.
    pub algorithm: Option<Algorithm>,
    /// Per-agent limit for this department's conversations.
    pub capacity: Option<u32>,
}

/// The workspace's routing settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The algorithm of departments that set none.
    pub algorithm: Algorithm,
    /// Per-agent limit when neither the department nor the agent sets one.
    pub capacity: Option<u32>,
    /// How long an offer waits for an answer, in milliseconds.
    pub offer_timeout_ms: i64,
    /// How long an agent whose last socket closed stays routable.
    pub grace_ms: i64,
    /// The departments, with their own settings.
    pub departments: BTreeMap<DepartmentId, DepartmentSettings>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            algorithm: Algorithm::ManualSelection,
            capacity: None,
            offer_timeout_ms: 30_000,
            grace_ms: 60_000,
            departments: BTreeMap::new(),
        }
    }
}

/// Where a conversation is, as far as routing goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Place {
    /// In its department's queue.
    Waiting,
    /// Offered to an agent until `expires_at`.
    Offered {
        /// The agent.
        agent: AgentId,
        /// When the offer lapses.
        expires_at: i64,
    },
    /// Worked by an agent.
    Active {
        /// The agent.
        agent: AgentId,
    },
    /// On hold by its agent: does not count against capacity.
    Held {
        /// The agent.
        agent: AgentId,
    },
}

/// Where a forward goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Back to a department's queue.
    Department(DepartmentId),
    /// Straight to an agent of the conversation's department.
    Agent(AgentId),
}

/// Something that happened in the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// New routing settings.
    Settings(Settings),
    /// An agent was added or changed.
    Agent {
        /// Their id.
        id: AgentId,
        /// The departments they work.
        departments: Vec<DepartmentId>,
        /// Their own limit.
        capacity: Option<u32>,
    },
    /// An agent was removed; their conversations go back to the queue.
    RemoveAgent {
        /// Their id.
        id: AgentId,
    },
    /// An agent set their status.
    Status {
        /// Who.
        agent: AgentId,
        /// The new status.
        status: AgentStatus,
    },
    /// An agent now has `open` live inbox sockets, as the shell counts
    /// them. Falling to 0 starts the grace period; rising from 0 makes the
    /// agent reachable at once. An agent the router does not know is
    /// ignored.
    Sockets {
        /// Who.
        agent: AgentId,
        /// How many of their inbox sockets are open.
        open: u32,
    },
    /// A conversation entered its department's queue.
    Enqueue {
        /// The conversation.
        conversation: ConversationId,
        /// Its department.
        department: DepartmentId,
        /// Its priority.
        priority: Priority,
    },
    /// "Take it".
    Take {
        /// Who.
        agent: AgentId,
        /// What.
        conversation: ConversationId,
    },
    /// "Accept" on an offer.
    Accept {
        /// Who.
        agent: AgentId,
        /// What.
        conversation: ConversationId,
    },
    /// "Decline" on an offer.
    Decline {
        /// Who.
        agent: AgentId,
        /// What.
        conversation: ConversationId,
    },
    /// "Place on hold".
    Hold {
        /// Who.
        agent: AgentId,
        /// What.
        conversation: ConversationId,
    },
    /// "Resume" a held conversation.
    Resume {
        /// Who.
        agent: AgentId,
        /// What.
        conversation: ConversationId,
    },
    /// The visitor wrote; a held conversation is routed again.
    VisitorWrote {
        /// Which conversation.
        conversation: ConversationId,
    },
    /// "Move to the queue".
    MoveToQueue {
        /// Who.
        agent: AgentId,
        /// What.
        conversation: ConversationId,
    },
    /// "Forward".
    Forward {
        /// Who forwards.
        agent: AgentId,
        /// What.
        conversation: ConversationId,
        /// Where to.
        to: Target,
    },
    /// A conversation's priority changed; a waiting one moves in its queue.
    Prioritize {
        /// Which.
        conversation: ConversationId,
        /// Its new priority.
        priority: Priority,
    },
    /// Undo a reservation: the conversation refused what the router had
    /// decided (a take, a resume, a forward to an agent), so it goes back
    /// where it was before.
    Restore {
        /// Which.
        conversation: ConversationId,
        /// Where it was.
        place: Place,
    },
    /// The conversation closed.
    Close {
        /// Which.
        conversation: ConversationId,
    },
    /// The alarm rang (offers lapse, grace periods end).
    Tick,
}

/// Why an offer ended without being accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferEnd {
    /// The agent declined.
    Declined,
    /// Nobody answered in time.
    TimedOut,
    /// The agent became unavailable, or the conversation closed.
    Withdrawn,
}

/// How a conversation came to an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Taken from the queue.
    Taken,
    /// An offer accepted.
    Accepted,
    /// Forwarded by another agent.
    Forwarded,
    /// A held conversation whose visitor wrote, back with its agent.
    Rerouted,
    /// Resumed from hold by its agent.
    Resumed,
}

/// Something the workspace must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Offer the conversation to the agent ("Accept" / "Decline").
    Offer {
        /// What.
        conversation: ConversationId,
        /// To whom.
        agent: AgentId,
        /// Until when.
        expires_at: i64,
    },
    /// An offer ended without acceptance.
    OfferEnded {
        /// What.
        conversation: ConversationId,
        /// Whose.
        agent: AgentId,
        /// Why.
        reason: OfferEnd,
    },
    /// The conversation is now the agent's.
    Assigned {
        /// What.
        conversation: ConversationId,
        /// Whose.
        agent: AgentId,
        /// How.
        how: How,
    },
    /// The conversation went (back) into a queue.
    Queued {
        /// What.
        conversation: ConversationId,
        /// Which queue.
        department: DepartmentId,
    },
    /// The conversation is on hold.
    Held {
        /// What.
        conversation: ConversationId,
    },
    /// The waiting list of a department changed: queue positions moved.
    QueueChanged {
        /// Which.
        department: DepartmentId,
    },
    /// Ring [`Input::Tick`] at this time; `None`: no alarm needed.
    SetAlarm {
        /// When.
        at: Option<i64>,
    },
    /// The answer to an agent action.
    Reply(Result<(), Refusal>),
}

/// An agent as routing sees them: one stored row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Agent {
    status: AgentStatus,
    departments: BTreeSet<DepartmentId>,
    capacity: Option<u32>,
    /// Their open inbox sockets, as last reported by the shell.
    connections: u32,
    gone_since: Option<i64>,
    reachable: bool,
    last_routed: u64,
}

/// A conversation the router knows: one stored row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Conv {
    department: DepartmentId,
    priority: Priority,
    order: u64,
    queued_at: i64,
    place: Place,
    declined: BTreeSet<AgentId>,
}

/// One workspace's router. Serialisable, so the shell can keep it; what an
/// input changed is recorded aside (never serialised) for
/// [`Router::take_changes`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Router {
    settings: Settings,
    agents: Tracked<AgentId, Agent>,
    convs: Tracked<ConversationId, Conv>,
    cursors: BTreeMap<DepartmentId, AgentId>,
    routed: u64,
    enqueued: u64,
    waits: BTreeMap<DepartmentId, i64>,
    alarm: Option<i64>,
    /// The workspace-wide values as they were before the first change
    /// since the last [`Router::take_changes`].
    #[serde(skip)]
    meta_before: Option<Meta>,
    #[serde(skip)]
    out: Vec<Output>,
    /// Queues, loads and offers kept as places change (see `index.rs`);
    /// `None` until the first decision after a load.
    #[serde(skip)]
    index: Option<index::Index>,
}

/// The wait assumed for a department before any conversation left its queue.
const DEFAULT_WAIT_MS: i64 = 60_000;

fn refuse<T>(code: ErrorCode, message: &str) -> Result<T, Refusal> {
    Err(Refusal {
        code,
        message: message.to_owned(),
    })
}

impl Router {
    /// A router with these settings and nobody in it.
    pub fn new(settings: Settings) -> Self {
        Router {
            settings,
            ..Router::default()
        }
    }

    /// The settings it routes by.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Where a conversation is; `None` when unknown or closed.
    pub fn place(&self, conversation: &ConversationId) -> Option<&Place> {
        self.convs.get(conversation).map(|c| &c.place)
    }

    /// Every conversation the router knows (queued or worked, not closed).
    pub fn conversations(&self) -> impl Iterator<Item = &ConversationId> {
        self.convs.keys()
    }

    /// Whether the router knows this conversation (queued and not closed).
    pub fn is_known(&self, conversation: &ConversationId) -> bool {
        self.convs.contains_key(conversation)
    }

    /// A conversation's department.
    pub fn department(&self, conversation: &ConversationId) -> Option<&DepartmentId> {
        self.convs.get(conversation).map(|c| &c.department)
    }

    /// A routed conversation's priority.
    pub fn priority(&self, conversation: &ConversationId) -> Option<Priority> {
        self.convs.get(conversation).map(|c| c.priority)
    }

    /// The algorithm in force for a department.
    pub fn algorithm(&self, department: &DepartmentId) -> Algorithm {
        self.settings
            .departments
            .get(department)
            .and_then(|d| d.algorithm)
            .unwrap_or(self.settings.algorithm)
    }

    /// When the router wants [`Input::Tick`], as last said by
    /// [`Output::SetAlarm`]; `None`: no alarm needed.
    pub fn alarm(&self) -> Option<i64> {
        self.alarm
    }

    /// Every agent the router knows, in id order.
    pub fn agent_ids(&self) -> impl Iterator<Item = &AgentId> {
        self.agents.keys()
    }

    /// An agent's chosen status and whether they are connected (within the
    /// grace period); `None` for an unknown agent.
    pub fn presence(&self, agent: &AgentId) -> Option<(AgentStatus, bool)> {
        self.agents.get(agent).map(|a| (a.status, a.reachable))
    }

    /// The offers waiting for `agent`'s answer: conversation and expiry.
    pub fn offers_for(&self, agent: &AgentId) -> Vec<(ConversationId, i64)> {
        self.convs
            .iter()
            .filter_map(|(id, c)| match &c.place {
                Place::Offered {
                    agent: a,
                    expires_at,
                } if a == agent => Some((id.clone(), *expires_at)),
                _ => None,
            })
            .collect()
    }

    /// An agent's load: assigned and not on hold, plus pending offers.
    pub fn load(&self, agent: &AgentId) -> u32 {
        if let Some(index) = self.index() {
            return index.loads.get(agent).copied().unwrap_or(0);
        }
        self.convs
            .values()
            .filter(|c| match &c.place {
                Place::Offered { agent: a, .. } | Place::Active { agent: a } => a == agent,
                _ => false,
            })
            .count() as u32
    }

    /// The limit that applies to `agent` for a conversation of `department`.
    pub fn limit(&self, agent: &AgentId, department: &DepartmentId) -> Option<u32> {
        self.settings
            .departments
            .get(department)
            .and_then(|d| d.capacity)
            .or_else(|| self.agents.get(agent).and_then(|a| a.capacity))
            .or(self.settings.capacity)
    }

    fn has_room(&self, agent: &AgentId, department: &DepartmentId) -> bool {
        self.limit(agent, department)
            .is_none_or(|l| self.load(agent) < l)
    }

    /// The waiting conversations of a department in queue order, each with
    /// its position (1 = next) and an estimated wait in milliseconds.
    pub fn queue(&self, department: &DepartmentId) -> Vec<(ConversationId, usize, i64)> {
        let average = self
            .waits
            .get(department)
            .copied()
            .unwrap_or(DEFAULT_WAIT_MS);
        let serving = self
            .agents
            .values()
            .filter(|a| {
                a.status == AgentStatus::Available
                    && a.reachable
                    && a.departments.contains(department)
            })
            .count()
            .max(1) as i64;
        let place = |(i, id): (usize, &ConversationId)| {
            (id.clone(), i + 1, average * (i as i64 + 1) / serving)
        };
        if let Some(index) = self.index() {
            return index
                .waiting
                .get(department)
                .into_iter()
                .flatten()
                .map(|(_, _, id)| id)
                .enumerate()
                .map(place)
                .collect();
        }
        self.waiting()
            .into_iter()
            .filter(|(_, c)| c.department == *department)
            .map(|(id, _)| id)
            .enumerate()
            .map(place)
            .collect()
    }

    /// How many conversations wait for an agent, in every department:
    /// queued, or offered to someone who has not answered.
    pub fn waiting_count(&self) -> usize {
        if let Some(index) = self.index() {
            return index.waiting_len() + index.offers.len();
        }
        self.convs
            .values()
            .filter(|c| matches!(c.place, Place::Waiting | Place::Offered { .. }))
            .count()
    }

    /// Waiting conversations in queue order: priority, then age.
    fn waiting(&self) -> Vec<(&ConversationId, &Conv)> {
        let mut waiting: Vec<(&ConversationId, &Conv)> = self
            .convs
            .iter()
            .filter(|(_, c)| c.place == Place::Waiting)
            .collect();
        waiting.sort_by_key(|(_, c)| (std::cmp::Reverse(c.priority), c.order));
        waiting
    }

    /// Feeds one input at time `now`; answers everything the shell must do
    /// for it, in order.
    #[must_use = "every router output must be performed"]
    pub fn handle(&mut self, now: i64, input: Input) -> Vec<Output> {
        self.apply(now, input);
        self.route(now);
        self.arm();
        std::mem::take(&mut self.out)
    }
}
