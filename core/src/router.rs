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

use crate::conversation::Refusal;
use serde::{Deserialize, Serialize};
use shared::frame::ErrorCode;
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::routing::{AgentStatus, Algorithm, Priority};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod index;
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

    fn apply(&mut self, now: i64, input: Input) {
        match input {
            Input::Settings(s) => {
                self.touch_meta();
                self.settings = s;
            }
            Input::Agent {
                id,
                departments,
                capacity,
            } => {
                let agent = self.agents.get_or_insert_with(id.clone(), || Agent {
                    status: AgentStatus::Offline,
                    departments: BTreeSet::new(),
                    capacity: None,
                    connections: 0,
                    gone_since: None,
                    reachable: false,
                    last_routed: 0,
                });
                agent.departments = departments.into_iter().collect();
                agent.capacity = capacity;
                // Offers for departments they left are withdrawn.
                let left: Vec<ConversationId> = self
                    .convs
                    .iter()
                    .filter(
                        |(_, c)| matches!(&c.place, Place::Offered { agent, .. } if *agent == id),
                    )
                    .filter(|(_, c)| !self.agents[&id].departments.contains(&c.department))
                    .map(|(k, _)| k.clone())
                    .collect();
                for c in left {
                    self.end_offer(&c, OfferEnd::Withdrawn);
                }
            }
            Input::RemoveAgent { id } => {
                self.withdraw_offers(&id);
                let theirs: Vec<ConversationId> = self
                    .convs
                    .iter()
                    .filter(|(_, c)| matches!(&c.place, Place::Active { agent } | Place::Held { agent } if *agent == id))
                    .map(|(k, _)| k.clone())
                    .collect();
                for c in theirs {
                    self.requeue(&c);
                }
                self.agents.remove(&id);
            }
            Input::Status { agent, status } => {
                let reply = match self.agents.get_mut(&agent) {
                    Some(a) => {
                        a.status = status;
                        Ok(())
                    }
                    None => refuse(ErrorCode::NotFound, "no such agent"),
                };
                if status != AgentStatus::Available {
                    self.withdraw_offers(&agent);
                }
                self.out.push(Output::Reply(reply));
            }
            Input::Sockets { agent, open } => {
                if let Some(a) = self.agents.get_mut(&agent) {
                    if open > 0 {
                        a.gone_since = None;
                        a.reachable = true;
                    } else if a.connections > 0 {
                        // The last socket closed: routable for the grace
                        // period still (see `tick`).
                        a.gone_since = Some(now);
                    }
                    a.connections = open;
                }
            }
            Input::Enqueue {
                conversation,
                department,
                priority,
            } => {
                if !self.convs.contains_key(&conversation) {
                    self.touch_meta();
                    self.enqueued += 1;
                    self.convs.insert(
                        conversation.clone(),
                        Conv {
                            department: department.clone(),
                            priority,
                            order: self.enqueued,
                            queued_at: now,
                            place: Place::Waiting,
                            declined: BTreeSet::new(),
                        },
                    );
                    self.out.push(Output::Queued {
                        conversation,
                        department: department.clone(),
                    });
                    self.out.push(Output::QueueChanged { department });
                }
            }
            Input::Take {
                agent,
                conversation,
            } => {
                let reply = self.take(now, &agent, &conversation);
                self.out.push(Output::Reply(reply));
            }
            Input::Accept {
                agent,
                conversation,
            } => {
                let reply = match self.place(&conversation) {
                    Some(Place::Offered { agent: a, .. }) if *a == agent => {
                        self.assign(now, &conversation, &agent, How::Accepted);
                        Ok(())
                    }
                    _ => refuse(ErrorCode::Forbidden, "this offer is no longer open"),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Decline {
                agent,
                conversation,
            } => {
                let reply = match self.place(&conversation) {
                    Some(Place::Offered { agent: a, .. }) if *a == agent => {
                        self.end_offer(&conversation, OfferEnd::Declined);
                        Ok(())
                    }
                    _ => refuse(ErrorCode::Forbidden, "this offer is no longer open"),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Hold {
                agent,
                conversation,
            } => {
                let reply = match self.place(&conversation) {
                    Some(Place::Active { agent: a }) if *a == agent => {
                        if let Some(c) = self.convs.get_mut(&conversation) {
                            c.place = Place::Held { agent };
                        }
                        self.out.push(Output::Held {
                            conversation: conversation.clone(),
                        });
                        Ok(())
                    }
                    _ => refuse(
                        ErrorCode::Forbidden,
                        "only the agent working a conversation can put it on hold",
                    ),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Resume {
                agent,
                conversation,
            } => {
                let reply = match self.convs.get(&conversation) {
                    Some(c)
                        if c.place
                            == (Place::Held {
                                agent: agent.clone(),
                            }) =>
                    {
                        if self.has_room(&agent, &c.department) {
                            self.assign(now, &conversation, &agent, How::Resumed);
                            Ok(())
                        } else {
                            refuse(
                                ErrorCode::Forbidden,
                                "you are at capacity; close or hold another chat first",
                            )
                        }
                    }
                    _ => refuse(
                        ErrorCode::Forbidden,
                        "only the agent holding a conversation can resume it",
                    ),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::VisitorWrote { conversation } => {
                if let Some(c) = self.convs.get(&conversation) {
                    if let Place::Held { agent } = &c.place {
                        let agent = agent.clone();
                        if self.eligible_ignoring_declines(&agent, &c.department) {
                            self.assign(now, &conversation, &agent, How::Rerouted);
                        } else {
                            self.requeue(&conversation);
                        }
                    }
                }
            }
            Input::MoveToQueue {
                agent,
                conversation,
            } => {
                let reply = match self.place(&conversation) {
                    Some(Place::Active { agent: a } | Place::Held { agent: a }) if *a == agent => {
                        if let Some(c) = self.convs.get_mut(&conversation) {
                            // The agent gave it back: offer it to someone else.
                            c.declined = BTreeSet::from([agent]);
                        }
                        self.requeue(&conversation);
                        Ok(())
                    }
                    _ => refuse(
                        ErrorCode::Forbidden,
                        "only the agent working a conversation can move it",
                    ),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Forward {
                agent,
                conversation,
                to,
            } => {
                let reply = self.forward(now, &agent, &conversation, to);
                self.out.push(Output::Reply(reply));
            }
            Input::Prioritize {
                conversation,
                priority,
            } => {
                let reply = match self.convs.get(&conversation) {
                    Some(c) => {
                        if c.priority != priority {
                            if c.place == Place::Waiting {
                                self.out.push(Output::QueueChanged {
                                    department: c.department.clone(),
                                });
                            }
                            if let Some(c) = self.convs.get_mut(&conversation) {
                                c.priority = priority;
                            }
                        }
                        Ok(())
                    }
                    None => refuse(ErrorCode::NotFound, "this conversation is closed"),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Restore {
                conversation,
                place,
            } => {
                if let Some(c) = self.convs.get_mut(&conversation) {
                    if c.place != place {
                        let queue_moved = c.place == Place::Waiting || place == Place::Waiting;
                        c.place = place;
                        if queue_moved {
                            let department = c.department.clone();
                            self.out.push(Output::QueueChanged { department });
                        }
                    }
                }
            }
            Input::Close { conversation } => {
                if matches!(self.place(&conversation), Some(Place::Offered { .. })) {
                    self.end_offer(&conversation, OfferEnd::Withdrawn);
                }
                if let Some(c) = self.convs.remove(&conversation) {
                    if c.place == Place::Waiting {
                        self.out.push(Output::QueueChanged {
                            department: c.department,
                        });
                    }
                }
            }
            Input::Tick => {
                // The alarm that rang is spent: whatever is still pending
                // (an offer whose time is not quite up) needs a new one.
                self.touch_meta();
                self.alarm = None;
                self.tick(now);
            }
        }
    }

    /// Records the workspace-wide values before their first change since
    /// the last [`Router::take_changes`].
    fn touch_meta(&mut self) {
        if self.meta_before.is_none() {
            self.meta_before = Some(self.meta());
        }
    }

    fn take(
        &mut self,
        now: i64,
        agent: &AgentId,
        conversation: &ConversationId,
    ) -> Result<(), Refusal> {
        let Some(c) = self.convs.get(conversation) else {
            return refuse(ErrorCode::NotFound, "no such conversation in the queue");
        };
        let Some(a) = self.agents.get(agent) else {
            return refuse(ErrorCode::Forbidden, "not an agent of this workspace");
        };
        if !a.departments.contains(&c.department) {
            return refuse(
                ErrorCode::Forbidden,
                "this chat is for a department you are not in",
            );
        }
        match &c.place {
            Place::Waiting => {}
            Place::Offered { agent: a, .. } if a == agent => {
                self.assign(now, conversation, agent, How::Accepted);
                return Ok(());
            }
            _ => return refuse(ErrorCode::AlreadyTaken, "another agent took this chat"),
        }
        if !self.has_room(agent, &c.department) {
            return refuse(
                ErrorCode::Forbidden,
                "you are at capacity; close or hold another chat first",
            );
        }
        self.assign(now, conversation, agent, How::Taken);
        Ok(())
    }

    fn forward(
        &mut self,
        now: i64,
        agent: &AgentId,
        conversation: &ConversationId,
        to: Target,
    ) -> Result<(), Refusal> {
        let Some(c) = self.convs.get(conversation) else {
            return refuse(
                ErrorCode::Forbidden,
                "only the agent working a conversation can forward it",
            );
        };
        match &c.place {
            Place::Active { agent: a } | Place::Held { agent: a } if a == agent => {}
            _ => {
                return refuse(
                    ErrorCode::Forbidden,
                    "only the agent working a conversation can forward it",
                )
            }
        }
        match to {
            Target::Department(d) => {
                let known = self.settings.departments.contains_key(&d)
                    || self.agents.values().any(|a| a.departments.contains(&d));
                if !known {
                    return refuse(ErrorCode::NotFound, "no such department");
                }
                if let Some(c) = self.convs.get_mut(conversation) {
                    c.department = d;
                    c.declined = BTreeSet::from([agent.clone()]);
                }
                self.requeue(conversation);
                Ok(())
            }
            Target::Agent(b) => {
                let department = &c.department;
                let Some(target) = self.agents.get(&b) else {
                    return refuse(ErrorCode::NotFound, "no such agent");
                };
                if b == *agent {
                    return refuse(ErrorCode::Forbidden, "the conversation is already yours");
                }
                if !target.departments.contains(department) {
                    return refuse(
                        ErrorCode::Forbidden,
                        "that agent is not in this conversation's department",
                    );
                }
                if target.status != AgentStatus::Available || !target.reachable {
                    return refuse(ErrorCode::Forbidden, "that agent is not available");
                }
                if !self.has_room(&b, department) {
                    return refuse(ErrorCode::Forbidden, "that agent is at capacity");
                }
                self.assign(now, conversation, &b, How::Forwarded);
                Ok(())
            }
        }
    }

    fn assign(&mut self, now: i64, conversation: &ConversationId, agent: &AgentId, how: How) {
        let Some(c) = self.convs.get(conversation) else {
            return;
        };
        let was_waiting = c.place == Place::Waiting;
        let department = c.department.clone();
        if matches!(how, How::Taken | How::Accepted) {
            // Learn how long the queue keeps people waiting.
            let waited = (now - c.queued_at).max(0);
            self.touch_meta();
            let avg = self.waits.entry(department.clone()).or_insert(waited);
            *avg = (*avg * 4 + waited) / 5;
        }
        if let Some(c) = self.convs.get_mut(conversation) {
            c.place = Place::Active {
                agent: agent.clone(),
            };
            c.declined.clear();
        }
        self.out.push(Output::Assigned {
            conversation: conversation.clone(),
            agent: agent.clone(),
            how,
        });
        if was_waiting {
            self.out.push(Output::QueueChanged { department });
        }
    }

    /// Back to the queue. It keeps its place by first arrival (`order`).
    fn requeue(&mut self, conversation: &ConversationId) {
        let Some(c) = self.convs.get_mut(conversation) else {
            return;
        };
        c.place = Place::Waiting;
        let department = c.department.clone();
        self.out.push(Output::Queued {
            conversation: conversation.clone(),
            department: department.clone(),
        });
        self.out.push(Output::QueueChanged { department });
    }

    fn end_offer(&mut self, conversation: &ConversationId, reason: OfferEnd) {
        let Some(Place::Offered { agent, .. }) = self.place(conversation).cloned() else {
            return;
        };
        let Some(c) = self.convs.get_mut(conversation) else {
            return;
        };
        if reason != OfferEnd::Withdrawn {
            c.declined.insert(agent.clone());
        }
        c.place = Place::Waiting;
        let department = c.department.clone();
        self.out.push(Output::OfferEnded {
            conversation: conversation.clone(),
            agent,
            reason,
        });
        self.out.push(Output::QueueChanged { department });
    }

    fn withdraw_offers(&mut self, agent: &AgentId) {
        let offered: Vec<ConversationId> = self
            .convs
            .iter()
            .filter(|(_, c)| matches!(&c.place, Place::Offered { agent: a, .. } if a == agent))
            .map(|(k, _)| k.clone())
            .collect();
        for c in offered {
            self.end_offer(&c, OfferEnd::Withdrawn);
        }
    }

    fn tick(&mut self, now: i64) {
        self.sync();
        let lapsed: Vec<ConversationId> = self
            .index
            .iter()
            .flat_map(|index| index.offers.iter())
            .take_while(|(at, _)| *at <= now)
            .map(|(_, id)| id.clone())
            .collect();
        for c in lapsed {
            self.end_offer(&c, OfferEnd::TimedOut);
        }
        let grace = self.settings.grace_ms;
        let gone: Vec<AgentId> = self
            .agents
            .iter()
            .filter(|(_, a)| a.reachable && a.gone_since.is_some_and(|t| t + grace <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for id in gone {
            if let Some(a) = self.agents.get_mut(&id) {
                a.reachable = false;
            }
            self.withdraw_offers(&id);
        }
    }

    fn eligible_ignoring_declines(&self, agent: &AgentId, department: &DepartmentId) -> bool {
        self.agents.get(agent).is_some_and(|a| {
            a.status == AgentStatus::Available && a.reachable && a.departments.contains(department)
        }) && self.has_room(agent, department)
    }

    /// The agents who may get an offer of a department's conversation now,
    /// before its own declines are taken out.
    fn eligible_in(
        &self,
        department: &DepartmentId,
        loads: &HashMap<AgentId, u32>,
    ) -> Vec<AgentId> {
        self.agents
            .iter()
            .filter(|(id, a)| {
                a.status == AgentStatus::Available
                    && a.reachable
                    && a.departments.contains(department)
                    && self
                        .limit(id, department)
                        .is_none_or(|l| loads.get(*id).copied().unwrap_or(0) < l)
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Offers every waiting conversation of an automatic department that
    /// some agent can take, in queue order.
    fn route(&mut self, now: i64) {
        // One pass in queue order. An offer only adds load, so a
        // conversation nobody could take stays untakeable for the rest of
        // the pass: going on from where an offer was made is the same as
        // starting over from the head of the queue.
        // Only automatic departments' conversations are routed; a long
        // manual queue costs nothing here.
        self.sync();
        let Some(index) = self.index.as_ref() else {
            return;
        };
        let mut waiting: Vec<&index::QueueKey> = index
            .waiting
            .iter()
            .filter(|(department, _)| {
                !matches!(
                    self.algorithm(department),
                    Algorithm::ManualSelection | Algorithm::Unknown
                )
            })
            .flat_map(|(_, queue)| queue.iter())
            .collect();
        if waiting.is_empty() {
            return;
        }
        // Departments' queues merged: priority, then first arrival.
        waiting.sort();
        let waiting: Vec<ConversationId> =
            waiting.into_iter().map(|(_, _, id)| id.clone()).collect();
        let mut loads = index.loads.clone();
        // Who could take a department's conversation depends on the
        // department alone, but for each conversation's declines: found once
        // per department until an offer changes the loads.
        let mut open: HashMap<DepartmentId, Vec<AgentId>> = HashMap::new();
        for conversation in waiting {
            let Some(conv) = self.convs.get(&conversation) else {
                continue;
            };
            let department = conv.department.clone();
            if !open.contains_key(&department) {
                let agents = self.eligible_in(&department, &loads);
                open.insert(department.clone(), agents);
            }
            let candidates: Vec<&AgentId> = open[&department]
                .iter()
                .filter(|agent| !conv.declined.contains(*agent))
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let algorithm = self.algorithm(&department);
            let Some(agent) = self
                .pick(algorithm, &department, &candidates, &loads)
                .cloned()
            else {
                continue;
            };
            self.touch_meta();
            self.routed += 1;
            if let Some(a) = self.agents.get_mut(&agent) {
                a.last_routed = self.routed;
            }
            self.cursors.insert(department.clone(), agent.clone());
            *loads.entry(agent.clone()).or_insert(0) += 1;
            open.clear();
            let expires_at = now + self.settings.offer_timeout_ms;
            if let Some(c) = self.convs.get_mut(&conversation) {
                c.place = Place::Offered {
                    agent: agent.clone(),
                    expires_at,
                };
            }
            self.out.push(Output::Offer {
                conversation,
                agent,
                expires_at,
            });
            self.out.push(Output::QueueChanged { department });
        }
    }

    fn pick<'a>(
        &self,
        algorithm: Algorithm,
        department: &DepartmentId,
        candidates: &[&'a AgentId],
        loads: &HashMap<AgentId, u32>,
    ) -> Option<&'a AgentId> {
        match algorithm {
            Algorithm::ManualSelection | Algorithm::Unknown => None,
            Algorithm::AutoSelection => {
                // Round robin in id order, after the last one routed to.
                let after = self.cursors.get(department);
                candidates
                    .iter()
                    .find(|id| after.is_none_or(|c| **id > c))
                    .or_else(|| candidates.first())
                    .copied()
            }
            Algorithm::LoadBalancing => candidates
                .iter()
                .min_by_key(|id| {
                    let load = loads.get(**id).copied().unwrap_or(0);
                    (load, self.agents[**id].last_routed, **id)
                })
                .copied(),
            Algorithm::LoadRotation => candidates
                .iter()
                .min_by_key(|id| (self.agents[**id].last_routed, **id))
                .copied(),
        }
    }

    /// Sets the alarm to the next lapse: an offer or a grace period.
    fn arm(&mut self) {
        self.sync();
        let offers = self
            .index
            .as_ref()
            .and_then(|index| index.offers.first())
            .map(|(at, _)| *at);
        let grace = self.settings.grace_ms;
        let gone = self
            .agents
            .values()
            .filter(|a| a.reachable)
            .filter_map(|a| a.gone_since.map(|t| t + grace));
        let next = offers.into_iter().chain(gone).min();
        if next != self.alarm {
            self.touch_meta();
            self.alarm = next;
            self.out.push(Output::SetAlarm { at: next });
        }
    }
}
