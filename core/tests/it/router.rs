//! The router against a model: thousands of random event sequences, checking
//! after every step that outputs describe exactly what changed, that no
//! conversation is assigned twice or lost, that capacity is never exceeded,
//! that every offer goes to the conversation and the agent the algorithms
//! define, and that the rows the router says it changed are exactly the rows
//! that differ, so a router rebuilt from them is the same router.

use crate::rng::Rng;
use chat_core::router::{
    Changes, DepartmentSettings, How, Input, OfferEnd, Output, Place, Router, Settings, Target,
};
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::routing::{AgentStatus, Algorithm, Priority};
use std::collections::{BTreeMap, BTreeSet};

fn a(id: &str) -> AgentId {
    id.into()
}

fn c(id: &str) -> ConversationId {
    id.into()
}

fn d(id: &str) -> DepartmentId {
    id.into()
}

#[derive(Clone, Debug)]
struct MAgent {
    status: AgentStatus,
    departments: BTreeSet<DepartmentId>,
    capacity: Option<u32>,
    sockets: u32,
    gone_since: Option<i64>,
    reachable: bool,
    last_routed: u64,
}

#[derive(Clone, Debug)]
struct MConv {
    department: DepartmentId,
    priority: Priority,
    order: u64,
    place: Place,
    declined: BTreeSet<AgentId>,
}

/// What the outputs say, kept independently of the router.
struct Model {
    settings: Settings,
    agents: BTreeMap<AgentId, MAgent>,
    convs: BTreeMap<ConversationId, MConv>,
    cursors: BTreeMap<DepartmentId, AgentId>,
    routed: u64,
    enqueued: u64,
    offers: u64,
    assignments: u64,
}

impl Model {
    /// `agent`'s load, not counting `except` (`""`: counting all).
    fn load(&self, agent: &AgentId, except: &str) -> u32 {
        self.convs
            .iter()
            .filter(|(k, _)| k.as_str() != except)
            .filter(|(_, c)| matches!(&c.place, Place::Active { agent: a } | Place::Offered { agent: a, .. } if a == agent))
            .count() as u32
    }

    fn limit(&self, agent: &AgentId, department: &DepartmentId) -> Option<u32> {
        self.settings
            .departments
            .get(department)
            .and_then(|d| d.capacity)
            .or(self.agents[agent].capacity)
            .or(self.settings.capacity)
    }

    fn algorithm(&self, department: &DepartmentId) -> Algorithm {
        self.settings
            .departments
            .get(department)
            .and_then(|d| d.algorithm)
            .unwrap_or(self.settings.algorithm)
    }

    fn eligible(&self, conv: &ConversationId) -> Vec<AgentId> {
        let c = &self.convs[conv];
        self.agents
            .iter()
            .filter(|(id, a)| {
                a.status == AgentStatus::Available
                    && a.reachable
                    && a.departments.contains(&c.department)
                    && !c.declined.contains(*id)
                    && self
                        .limit(id, &c.department)
                        .is_none_or(|l| self.load(id, "") < l)
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The agent each algorithm must choose, from its definition.
    fn expected(&self, conv: &ConversationId) -> Option<AgentId> {
        let department = &self.convs[conv].department;
        let candidates = self.eligible(conv);
        match self.algorithm(department) {
            Algorithm::ManualSelection | Algorithm::Unknown => None,
            Algorithm::AutoSelection => {
                let after = self.cursors.get(department);
                candidates
                    .iter()
                    .find(|id| after.is_none_or(|c| *id > c))
                    .or(candidates.first())
                    .cloned()
            }
            Algorithm::LoadBalancing => candidates
                .iter()
                .min_by_key(|id| {
                    (
                        self.load(id, ""),
                        self.agents[*id].last_routed,
                        (*id).clone(),
                    )
                })
                .cloned(),
            Algorithm::LoadRotation => candidates
                .iter()
                .min_by_key(|id| (self.agents[*id].last_routed, (*id).clone()))
                .cloned(),
        }
    }

    fn queue_order(&self) -> Vec<ConversationId> {
        let mut waiting: Vec<(&ConversationId, &MConv)> = self
            .convs
            .iter()
            .filter(|(_, c)| c.place == Place::Waiting)
            .collect();
        waiting.sort_by_key(|(_, c)| (std::cmp::Reverse(c.priority), c.order));
        waiting.into_iter().map(|(k, _)| k.clone()).collect()
    }

    /// Applies one output, checking it is allowed by the rules.
    fn apply(&mut self, out: &Output, input: &Input, now: i64, seed: u64) {
        match out {
            Output::Offer {
                conversation,
                agent,
                expires_at,
            } => {
                assert_eq!(
                    self.convs[conversation].place,
                    Place::Waiting,
                    "seed {seed}: offer of a conversation not waiting"
                );
                assert_eq!(*expires_at, now + self.settings.offer_timeout_ms);
                // The first conversation in queue order that anyone can take.
                for earlier in self.queue_order() {
                    if earlier == *conversation {
                        break;
                    }
                    if matches!(input, Input::Close { conversation: closing } if *closing == earlier)
                    {
                        // Closed by this very input: gone before routing.
                        continue;
                    }
                    let dept = &self.convs[&earlier].department;
                    if self.algorithm(dept) != Algorithm::ManualSelection {
                        assert!(self.eligible(&earlier).is_empty(), "seed {seed}: {earlier} should have been offered before {conversation} (input {input:?}): eligible {:?}, {:?} / {:?}; agents {:?}", self.eligible(&earlier), self.convs[&earlier], self.convs[conversation], self.agents);
                    }
                }
                assert_eq!(self.expected(conversation).as_ref(), Some(agent), "seed {seed}: wrong agent for {conversation} ({:?}, input {input:?}) eligible {:?} cursors {:?} agents {:?}", self.algorithm(&self.convs[conversation].department), self.eligible(conversation), self.cursors, self.agents);
                self.routed += 1;
                self.offers += 1;
                let dept = self.convs[conversation].department.clone();
                self.cursors.insert(dept, agent.clone());
                self.agents
                    .get_mut(agent)
                    .expect("offered to a known agent")
                    .last_routed = self.routed;
                self.convs.get_mut(conversation).expect("known").place = Place::Offered {
                    agent: agent.clone(),
                    expires_at: *expires_at,
                };
            }
            Output::Assigned {
                conversation,
                agent,
                how,
            } => {
                let c = &self.convs[conversation];
                let allowed = match (&c.place, how) {
                    (Place::Waiting, How::Taken) => true,
                    (Place::Offered { agent: a, .. }, How::Accepted) => a == agent,
                    (Place::Held { agent: a }, How::Rerouted | How::Resumed) => a == agent,
                    (Place::Active { agent: a } | Place::Held { agent: a }, How::Forwarded) => {
                        a != agent
                    }
                    _ => false,
                };
                assert!(
                    allowed,
                    "seed {seed}: {how:?} of {conversation} to {agent} from {:?}",
                    c.place
                );
                let dept = c.department.clone();
                // An accepted offer already holds its slot (checked when
                // offered); everything else is admitted now.
                let admitted_now =
                    !matches!(&c.place, Place::Offered { agent: a, .. } if a == agent);
                if let Some(limit) = self.limit(agent, &dept).filter(|_| admitted_now) {
                    let load = self.load(agent, conversation.as_str());
                    assert!(load < limit, "seed {seed}: {agent} over capacity with {conversation}: {how:?} input {input:?} load {load} limit {limit} convs {:?}", self.convs);
                }
                self.assignments += 1;
                let c = self.convs.get_mut(conversation).expect("known");
                c.place = Place::Active {
                    agent: agent.clone(),
                };
                c.declined.clear();
            }
            Output::OfferEnded {
                conversation,
                agent,
                reason,
            } => {
                let c = self.convs.get_mut(conversation).expect("known");
                assert!(
                    matches!(&c.place, Place::Offered { agent: a, .. } if a == agent),
                    "seed {seed}"
                );
                if *reason != OfferEnd::Withdrawn {
                    c.declined.insert(agent.clone());
                }
                c.place = Place::Waiting;
                if matches!(input, Input::Close { conversation: closing } if closing == conversation)
                {
                    self.convs.remove(conversation);
                }
            }
            Output::Queued {
                conversation,
                department,
            } => {
                if let Some(c) = self.convs.get_mut(conversation) {
                    match input {
                        Input::MoveToQueue { agent, .. } => {
                            c.declined = BTreeSet::from([agent.clone()])
                        }
                        Input::Forward {
                            agent,
                            to: Target::Department(_),
                            ..
                        } => c.declined = BTreeSet::from([agent.clone()]),
                        _ => {}
                    }
                    c.department = department.clone();
                    c.place = Place::Waiting;
                } else if let Input::Enqueue { priority, .. } = input {
                    self.enqueued += 1;
                    self.convs.insert(
                        conversation.clone(),
                        MConv {
                            department: department.clone(),
                            priority: *priority,
                            order: self.enqueued,
                            place: Place::Waiting,
                            declined: BTreeSet::new(),
                        },
                    );
                }
            }
            Output::Held { conversation } => {
                let c = self.convs.get_mut(conversation).expect("known");
                let Place::Active { agent } = c.place.clone() else {
                    panic!("seed {seed}: hold of a conversation not active")
                };
                c.place = Place::Held { agent };
            }
            Output::QueueChanged { .. } | Output::SetAlarm { .. } | Output::Reply(_) => {}
        }
    }
}

fn settings(rng: &mut Rng) -> Settings {
    let algorithms = [
        Algorithm::ManualSelection,
        Algorithm::AutoSelection,
        Algorithm::LoadBalancing,
        Algorithm::LoadRotation,
    ];
    let cap = |rng: &mut Rng| {
        if rng.below(3) == 0 {
            None
        } else {
            Some(1 + rng.below(3) as u32)
        }
    };
    let mut departments = BTreeMap::new();
    for id in ["d0", "d1"] {
        departments.insert(
            d(id),
            DepartmentSettings {
                algorithm: if rng.below(3) == 0 {
                    None
                } else {
                    Some(*rng.pick(&algorithms).expect("non-empty"))
                },
                capacity: if rng.below(2) == 0 { None } else { cap(rng) },
            },
        );
    }
    Settings {
        algorithm: *rng.pick(&algorithms).expect("non-empty"),
        capacity: cap(rng),
        offer_timeout_ms: 10_000,
        grace_ms: 30_000,
        departments,
    }
}

/// Rows as a shell keeps them: written and deleted as the router says.
#[derive(Default)]
struct Store {
    meta: Option<String>,
    agents: BTreeMap<String, String>,
    convs: BTreeMap<String, String>,
}

impl Store {
    fn apply(&mut self, changes: Changes) {
        if let Some(meta) = changes.meta {
            self.meta = Some(meta);
        }
        for (rows, changed) in [
            (&mut self.agents, changes.agents),
            (&mut self.convs, changes.convs),
        ] {
            for (key, row) in changed {
                match row {
                    Some(row) => rows.insert(key, row),
                    None => rows.remove(&key),
                };
            }
        }
    }

    fn load(&self) -> Router {
        Router::from_rows(
            self.meta.as_deref(),
            self.agents.clone(),
            self.convs.clone(),
        )
        .expect("stored rows parse")
    }
}

/// Everything a shell can ask a router, for these agents, conversations and
/// departments, with the router's whole stored form.
fn observe(
    r: &Router,
    agents: &[AgentId],
    convs: &[ConversationId],
    departments: &[DepartmentId],
) -> String {
    let mut seen = format!(
        "{}\nalarm {:?}\nagents {:?}\n",
        serde_json::to_string(r).expect("json"),
        r.alarm(),
        r.agent_ids().collect::<Vec<_>>()
    );
    for id in agents {
        seen += &format!(
            "{id}: {:?} load {} offers {:?} limits {:?}\n",
            r.presence(id),
            r.load(id),
            r.offers_for(id),
            departments
                .iter()
                .map(|d| r.limit(id, d))
                .collect::<Vec<_>>()
        );
    }
    for id in convs {
        seen += &format!(
            "{id}: {} {:?} {:?} {:?}\n",
            r.is_known(id),
            r.place(id),
            r.department(id),
            r.priority(id)
        );
    }
    for d in departments {
        seen += &format!("{d}: {:?} {:?}\n", r.algorithm(d), r.queue(d));
    }
    seen
}

const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Medium,
    Priority::High,
    Priority::Urgent,
];

fn run(seed: u64, steps: usize) -> Model {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let settings = settings(&mut rng);
    let mut router = Router::new(settings.clone());
    let mut model = Model {
        settings,
        agents: BTreeMap::new(),
        convs: BTreeMap::new(),
        cursors: BTreeMap::new(),
        routed: 0,
        enqueued: 0,
        offers: 0,
        assignments: 0,
    };
    let agents: Vec<AgentId> = (0..5).map(|i| a(&format!("a{i}"))).collect();
    let departments = [d("d0"), d("d1")];
    let mut now = 1_000_000i64;
    let mut alarm: Option<i64> = None;
    let mut next_conv = 0;
    let mut store = Store::default();
    store.apply(router.all_rows().expect("rows"));
    // The router as it was when its changes were last taken.
    let mut taken = router.clone();
    let mut conversations_seen: Vec<ConversationId> = Vec::new();
    for step in 0..steps {
        now += rng.below(4_000) as i64;
        let conv_ids: Vec<ConversationId> = model.convs.keys().cloned().collect();
        let agent = rng.pick(&agents).expect("agents").clone();
        let conv = rng.pick(&conv_ids).cloned().unwrap_or_else(|| c(""));
        let input = match rng.below(18) {
            0 => {
                let mut deps: Vec<DepartmentId> = departments
                    .iter()
                    .filter(|_| rng.below(3) != 0)
                    .cloned()
                    .collect();
                if deps.is_empty() {
                    deps.push(departments[0].clone());
                }
                let capacity = if rng.below(2) == 0 {
                    None
                } else {
                    Some(1 + rng.below(3) as u32)
                };
                Input::Agent {
                    id: agent,
                    departments: deps,
                    capacity,
                }
            }
            1 | 2 => {
                let statuses = [
                    AgentStatus::Available,
                    AgentStatus::Available,
                    AgentStatus::Away,
                    AgentStatus::Offline,
                ];
                Input::Status {
                    agent,
                    status: *rng.pick(&statuses).expect("statuses"),
                }
            }
            3 | 4 => Input::Sockets {
                // Unknown agents now and then: they are ignored.
                agent: if rng.below(8) == 0 {
                    a("stranger")
                } else {
                    agent
                },
                open: rng.below(3) as u32,
            },
            5 | 6 => {
                next_conv += 1;
                let id = c(&format!("c{next_conv}"));
                conversations_seen.push(id.clone());
                Input::Enqueue {
                    conversation: id,
                    department: rng.pick(&departments).expect("departments").clone(),
                    priority: *rng.pick(&PRIORITIES).expect("priorities"),
                }
            }
            7 => Input::Take {
                agent,
                conversation: conv,
            },
            8 => match model.convs.get(&conv).map(|c| c.place.clone()) {
                Some(Place::Offered { agent, .. }) => Input::Accept {
                    agent,
                    conversation: conv,
                },
                _ => Input::Accept {
                    agent,
                    conversation: conv,
                },
            },
            9 => match model.convs.get(&conv).map(|c| c.place.clone()) {
                Some(Place::Offered { agent, .. }) => Input::Decline {
                    agent,
                    conversation: conv,
                },
                _ => Input::Decline {
                    agent,
                    conversation: conv,
                },
            },
            10 => match model.convs.get(&conv).map(|c| c.place.clone()) {
                Some(Place::Active { agent }) => Input::Hold {
                    agent,
                    conversation: conv,
                },
                _ => Input::Hold {
                    agent,
                    conversation: conv,
                },
            },
            11 => match model.convs.get(&conv).map(|c| c.place.clone()) {
                Some(Place::Held { agent }) if rng.below(2) == 0 => Input::Resume {
                    agent,
                    conversation: conv,
                },
                _ => Input::VisitorWrote { conversation: conv },
            },
            12 => match model.convs.get(&conv).map(|c| c.place.clone()) {
                Some(Place::Active { agent } | Place::Held { agent }) => Input::MoveToQueue {
                    agent,
                    conversation: conv,
                },
                _ => Input::MoveToQueue {
                    agent,
                    conversation: conv,
                },
            },
            13 => {
                let owner = match model.convs.get(&conv).map(|c| c.place.clone()) {
                    Some(Place::Active { agent } | Place::Held { agent }) => agent,
                    _ => agent,
                };
                let to = if rng.below(2) == 0 {
                    Target::Department(rng.pick(&departments).expect("departments").clone())
                } else {
                    Target::Agent(rng.pick(&agents).expect("agents").clone())
                };
                Input::Forward {
                    agent: owner,
                    conversation: conv,
                    to,
                }
            }
            14 => Input::Close { conversation: conv },
            15 => Input::Prioritize {
                conversation: conv,
                priority: *rng.pick(&PRIORITIES).expect("priorities"),
            },
            _ => {
                if let Some(at) = alarm {
                    now = now.max(at);
                }
                Input::Tick
            }
        };
        // Mirror what the model knows from inputs alone.
        match &input {
            Input::Agent {
                id,
                departments,
                capacity,
            } => {
                let a = model.agents.entry(id.clone()).or_insert(MAgent {
                    status: AgentStatus::Offline,
                    departments: BTreeSet::new(),
                    capacity: None,
                    sockets: 0,
                    gone_since: None,
                    reachable: false,
                    last_routed: 0,
                });
                a.departments = departments.iter().cloned().collect();
                a.capacity = *capacity;
            }
            Input::Status { agent, status } => {
                if let Some(a) = model.agents.get_mut(agent) {
                    a.status = *status;
                }
            }
            Input::Sockets { agent, open } => {
                if let Some(a) = model.agents.get_mut(agent) {
                    if *open > 0 {
                        a.gone_since = None;
                        a.reachable = true;
                    } else if a.sockets > 0 {
                        a.gone_since = Some(now);
                    }
                    a.sockets = *open;
                }
            }
            Input::Tick => {
                // The alarm that rang is spent.
                alarm = None;
                // Lapsed offers are reported as outputs; reachability is not.
                let grace = model.settings.grace_ms;
                for a in model.agents.values_mut() {
                    if a.reachable && a.gone_since.is_some_and(|t| t + grace <= now) {
                        a.reachable = false;
                    }
                }
            }
            Input::Prioritize {
                conversation,
                priority,
            } => {
                if let Some(c) = model.convs.get_mut(conversation) {
                    c.priority = *priority;
                }
            }
            // Gone before routing; an open offer on it is reported
            // withdrawn first, and the model drops it then.
            Input::Close { conversation }
                if !matches!(
                    model.convs.get(conversation).map(|c| &c.place),
                    Some(Place::Offered { .. })
                ) =>
            {
                model.convs.remove(conversation);
            }
            _ => {}
        }
        let outputs = router.handle(now, input.clone());
        let mut replies = 0;
        for out in &outputs {
            if let Output::SetAlarm { at } = out {
                alarm = *at;
            }
            if matches!(out, Output::Reply(_)) {
                replies += 1;
            }
            model.apply(out, &input, now, seed);
        }
        if let Input::Close { conversation } = &input {
            model.convs.remove(conversation);
        }
        let expects_reply = matches!(
            input,
            Input::Status { .. }
                | Input::Take { .. }
                | Input::Accept { .. }
                | Input::Decline { .. }
                | Input::Hold { .. }
                | Input::Resume { .. }
                | Input::MoveToQueue { .. }
                | Input::Forward { .. }
                | Input::Prioritize { .. }
        );
        assert_eq!(
            replies,
            usize::from(expects_reply),
            "seed {seed}: one reply per agent action"
        );
        // The outputs told everything: the router's state is the model's.
        for (id, c) in &model.convs {
            assert_eq!(
                router.place(id),
                Some(&c.place),
                "seed {seed}: {id} lost or moved silently"
            );
            assert_eq!(router.department(id), Some(&c.department));
        }
        for (id, a) in &model.agents {
            assert_eq!(
                router.presence(id),
                Some((a.status, a.reachable)),
                "seed {seed}: presence of {id}"
            );
        }
        // The rows the router recorded are exactly those that differ from
        // the router as it was at the last take. Taken after most inputs,
        // now and then after a few, as a shell that batches would.
        if !(seed + step as u64).is_multiple_of(4) || step + 1 == steps {
            let expected = router.changes_since(&taken).expect("rows");
            let changes = router.take_changes().expect("rows");
            assert_eq!(
                changes, expected,
                "seed {seed} step {step}: recorded rows differ from the diff (input {input:?})"
            );
            store.apply(changes);
            assert!(
                router.take_changes().expect("rows").is_empty(),
                "seed {seed}: a take forgets what it took"
            );
            // What was written rebuilds the same router. Now and then the
            // shell is evicted and goes on with the rebuilt one.
            if step % 16 == 0 || step + 1 == steps {
                let loaded = store.load();
                assert_eq!(
                    observe(&loaded, &agents, &conversations_seen, &departments),
                    observe(&router, &agents, &conversations_seen, &departments),
                    "seed {seed}: the stored rows differ from the router"
                );
                if step % 32 == 0 {
                    router = loaded;
                }
            }
            taken = router.clone();
        }
        // Capacity is checked at every offer and assignment (Model::apply).
        // After the alarm rang, no offer has outlived its time, and the next
        // alarm is the earliest deadline still pending.
        if matches!(input, Input::Tick) {
            for (id, c) in &model.convs {
                if let Place::Offered { expires_at, .. } = c.place {
                    assert!(
                        expires_at > now,
                        "seed {seed}: offer of {id} outlived its time"
                    );
                }
            }
        }
        let next_offer = model
            .convs
            .values()
            .filter_map(|c| match c.place {
                Place::Offered { expires_at, .. } => Some(expires_at),
                _ => None,
            })
            .min();
        if let Some(next) = next_offer {
            assert!(
                alarm.is_some_and(|at| at <= next),
                "seed {seed}: no alarm for the offer lapsing at {next}"
            );
        }
        assert_eq!(
            router.alarm(),
            alarm,
            "seed {seed} step {step}: the alarm is the last one set"
        );
    }
    model
}

#[test]
fn thousands_of_random_sequences_keep_every_rule() {
    let (mut offers, mut assignments) = (0, 0);
    for seed in 1..=2_000u64 {
        let model = run(seed, 300);
        offers += model.offers;
        assignments += model.assignments;
    }
    // The sequences exercise the router, not just refusals.
    assert!(offers > 10_000, "{offers} offers");
    assert!(assignments > 10_000, "{assignments} assignments");
}

fn router_with(algorithm: Algorithm, agents: &[(&str, Option<u32>)]) -> Router {
    let mut r = Router::new(Settings {
        algorithm,
        ..Settings::default()
    });
    for (id, capacity) in agents {
        let _ = r.handle(
            0,
            Input::Agent {
                id: a(id),
                departments: vec![d("d")],
                capacity: *capacity,
            },
        );
        let _ = r.handle(
            0,
            Input::Sockets {
                agent: a(id),
                open: 1,
            },
        );
        let _ = r.handle(
            0,
            Input::Status {
                agent: a(id),
                status: AgentStatus::Available,
            },
        );
    }
    r.take_changes().expect("rows");
    r
}

fn enqueue(id: &str) -> Input {
    Input::Enqueue {
        conversation: c(id),
        department: d("d"),
        priority: Priority::Medium,
    }
}

/// Enqueues `n` conversations and returns who got each offer, accepting all.
fn offers(r: &mut Router, n: usize, start: usize) -> Vec<String> {
    let mut got = Vec::new();
    for i in start..start + n {
        for out in r.handle(1, enqueue(&format!("c{i}"))) {
            if let Output::Offer {
                conversation,
                agent,
                ..
            } = out
            {
                got.push(agent.to_string());
                let _ = r.handle(
                    2,
                    Input::Accept {
                        agent,
                        conversation,
                    },
                );
            }
        }
    }
    got
}

#[test]
fn round_robin_takes_turns() {
    let mut r = router_with(
        Algorithm::AutoSelection,
        &[("a", None), ("b", None), ("c", None)],
    );
    assert_eq!(offers(&mut r, 7, 0), ["a", "b", "c", "a", "b", "c", "a"]);
}

#[test]
fn load_balancing_prefers_the_least_loaded_then_the_longest_idle() {
    let mut r = router_with(
        Algorithm::LoadBalancing,
        &[("a", None), ("b", None), ("c", None)],
    );
    assert_eq!(offers(&mut r, 3, 0), ["a", "b", "c"]);
    // b puts one on hold: it has the fewest open conversations now.
    let _ = r.handle(
        3,
        Input::Hold {
            agent: a("b"),
            conversation: c("c1"),
        },
    );
    assert_eq!(offers(&mut r, 2, 10), ["b", "a"]);
}

#[test]
fn load_rotation_goes_to_the_longest_idle_whatever_the_load() {
    let mut r = router_with(Algorithm::LoadRotation, &[("a", None), ("b", None)]);
    assert_eq!(offers(&mut r, 4, 0), ["a", "b", "a", "b"]);
}

#[test]
fn capacity_holds_and_priority_orders_the_queue() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", Some(1))]);
    assert_eq!(offers(&mut r, 1, 0), ["a"]);
    // a is full: the next ones wait, urgent first.
    for (id, p) in [
        ("low", Priority::Low),
        ("urgent", Priority::Urgent),
        ("high", Priority::High),
    ] {
        let _ = r.handle(
            5,
            Input::Enqueue {
                conversation: c(id),
                department: d("d"),
                priority: p,
            },
        );
    }
    let queue: Vec<(ConversationId, usize)> = r
        .queue(&d("d"))
        .into_iter()
        .map(|(c, pos, _)| (c, pos))
        .collect();
    assert_eq!(queue, [(c("urgent"), 1), (c("high"), 2), (c("low"), 3)]);
    let outs = r.handle(
        6,
        Input::Close {
            conversation: c("c0"),
        },
    );
    assert!(
        outs.iter().any(
            |o| matches!(o, Output::Offer { conversation, .. } if *conversation == c("urgent"))
        ),
        "{outs:?}"
    );
}

#[test]
fn declines_and_timeouts_pass_the_offer_on() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", None), ("b", None)]);
    let outs = r.handle(10, enqueue("c"));
    assert!(outs.contains(&Output::Offer {
        conversation: c("c"),
        agent: a("a"),
        expires_at: 30_010
    }));
    assert!(outs.contains(&Output::SetAlarm { at: Some(30_010) }));
    let outs = r.handle(
        20,
        Input::Decline {
            agent: a("a"),
            conversation: c("c"),
        },
    );
    assert!(
        outs.contains(&Output::Offer {
            conversation: c("c"),
            agent: a("b"),
            expires_at: 30_020
        }),
        "{outs:?}"
    );
    let outs = r.handle(30_020, Input::Tick);
    assert!(outs.contains(&Output::OfferEnded {
        conversation: c("c"),
        agent: a("b"),
        reason: OfferEnd::TimedOut
    }));
    // Both passed: it waits in the queue, and anyone may still take it.
    assert_eq!(r.place(&c("c")), Some(&Place::Waiting));
    let _ = r.handle(
        30_030,
        Input::Take {
            agent: a("a"),
            conversation: c("c"),
        },
    );
    assert_eq!(r.place(&c("c")), Some(&Place::Active { agent: a("a") }));
}

#[test]
fn a_held_conversation_comes_back_to_its_agent_or_goes_on() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", Some(1))]);
    offers(&mut r, 1, 0);
    let hold = Input::Hold {
        agent: a("a"),
        conversation: c("c0"),
    };
    let wrote = Input::VisitorWrote {
        conversation: c("c0"),
    };
    let _ = r.handle(3, hold.clone());
    let _ = r.handle(4, wrote.clone());
    assert_eq!(
        r.place(&c("c0")),
        Some(&Place::Active { agent: a("a") }),
        "same agent first"
    );
    let _ = r.handle(5, hold);
    // a fills up while c0 is held; the visitor writes: b gets the offer.
    offers(&mut r, 1, 1);
    assert_eq!(r.place(&c("c1")), Some(&Place::Active { agent: a("a") }));
    let _ = r.handle(
        5,
        Input::Agent {
            id: a("b"),
            departments: vec![d("d")],
            capacity: None,
        },
    );
    let _ = r.handle(
        5,
        Input::Sockets {
            agent: a("b"),
            open: 1,
        },
    );
    let _ = r.handle(
        5,
        Input::Status {
            agent: a("b"),
            status: AgentStatus::Available,
        },
    );
    let _ = r.handle(6, wrote);
    assert!(matches!(r.place(&c("c0")), Some(Place::Offered { agent, .. }) if *agent == a("b")));
}

#[test]
fn forwards_are_refused_with_a_reason() {
    let mut r = router_with(Algorithm::ManualSelection, &[("a", None), ("b", Some(1))]);
    let _ = r.handle(
        1,
        Input::Agent {
            id: a("c"),
            departments: vec![d("d")],
            capacity: None,
        },
    );
    for id in ["x", "y"] {
        let _ = r.handle(1, enqueue(id));
    }
    for (agent, conversation) in [("a", "x"), ("b", "y")] {
        let _ = r.handle(
            2,
            Input::Take {
                agent: a(agent),
                conversation: c(conversation),
            },
        );
    }
    #[track_caller]
    fn check(r: &mut Router, to: Target, expected: Result<(), &str>) {
        let outs = r.handle(
            3,
            Input::Forward {
                agent: a("a"),
                conversation: c("x"),
                to,
            },
        );
        let reply = outs.into_iter().find_map(|o| match o {
            Output::Reply(r) => Some(r.map_err(|e| e.message)),
            _ => None,
        });
        assert_eq!(reply, Some(expected.map_err(str::to_owned)));
    }
    check(
        &mut r,
        Target::Agent(a("c")),
        Err("that agent is not available"),
    );
    check(
        &mut r,
        Target::Agent(a("b")),
        Err("that agent is at capacity"),
    );
    check(&mut r, Target::Agent(a("zz")), Err("no such agent"));
    check(
        &mut r,
        Target::Department(d("nowhere")),
        Err("no such department"),
    );
    let _ = r.handle(
        4,
        Input::Status {
            agent: a("c"),
            status: AgentStatus::Available,
        },
    );
    let _ = r.handle(
        4,
        Input::Sockets {
            agent: a("c"),
            open: 1,
        },
    );
    check(&mut r, Target::Agent(a("c")), Ok(()));
    assert_eq!(r.place(&c("x")), Some(&Place::Active { agent: a("c") }));
}

#[test]
fn an_agent_who_drops_is_routed_to_until_the_grace_period_ends() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", None)]);
    offers(&mut r, 1, 0);
    let outs = r.handle(
        100,
        Input::Sockets {
            agent: a("a"),
            open: 0,
        },
    );
    assert!(outs.contains(&Output::SetAlarm { at: Some(60_100) }));
    // Still reachable within the grace period.
    let _ = r.handle(40_000, enqueue("soon"));
    assert!(matches!(r.place(&c("soon")), Some(Place::Offered { agent, .. }) if *agent == a("a")));
    let outs = r.handle(60_100, Input::Tick);
    assert!(
        outs.contains(&Output::OfferEnded {
            conversation: c("soon"),
            agent: a("a"),
            reason: OfferEnd::Withdrawn
        }),
        "the offers of an agent who is gone are withdrawn: {outs:?}"
    );
    let _ = r.handle(60_200, enqueue("late"));
    assert_eq!(
        r.place(&c("late")),
        Some(&Place::Waiting),
        "not routed to an unreachable agent"
    );
    assert_eq!(
        r.place(&c("c0")),
        Some(&Place::Active { agent: a("a") }),
        "keeps their conversations"
    );
    let _ = r.handle(
        60_300,
        Input::Sockets {
            agent: a("a"),
            open: 1,
        },
    );
    assert!(matches!(r.place(&c("late")), Some(Place::Offered { agent, .. }) if *agent == a("a")));
}

/// What an input to `r` at `now` answers and writes.
fn step(r: &mut Router, now: i64, input: Input) -> (Vec<Output>, Changes) {
    let outs = r.handle(now, input);
    (outs, r.take_changes().expect("rows"))
}

#[test]
fn sockets_say_who_is_reachable() {
    let mut r = router_with(Algorithm::ManualSelection, &[("a", None)]);
    let sockets = |open| Input::Sockets {
        agent: a("a"),
        open,
    };
    let connections = |changes: &Changes| -> Vec<(String, u64, bool, Option<i64>)> {
        changes
            .agents
            .iter()
            .map(|(id, row)| {
                let row: serde_json::Value =
                    serde_json::from_str(row.as_deref().expect("written")).expect("json");
                (
                    id.clone(),
                    row["connections"].as_u64().expect("count"),
                    row["reachable"].as_bool().expect("flag"),
                    row["gone_since"].as_i64(),
                )
            })
            .collect()
    };
    // A second socket: only the count changes.
    let (outs, changes) = step(&mut r, 10, sockets(2));
    assert_eq!(outs, []);
    assert_eq!(connections(&changes), [("a".into(), 2, true, None)]);
    assert!(changes.meta.is_none());
    // The same count again changes nothing at all.
    let (outs, changes) = step(&mut r, 20, sockets(2));
    assert_eq!((outs, changes), (vec![], Changes::default()));
    // One closes: still reachable, no grace period.
    let (outs, changes) = step(&mut r, 30, sockets(1));
    assert_eq!(outs, []);
    assert_eq!(connections(&changes), [("a".into(), 1, true, None)]);
    // The last one closes: the grace period starts, and its end is the alarm.
    let (outs, changes) = step(&mut r, 40, sockets(0));
    assert_eq!(outs, [Output::SetAlarm { at: Some(60_040) }]);
    assert_eq!(connections(&changes), [("a".into(), 0, true, Some(40))]);
    assert!(changes.meta.is_some(), "the alarm is workspace-wide");
    assert_eq!(r.presence(&a("a")), Some((AgentStatus::Available, true)));
    // None again: the grace period does not start over.
    let (outs, changes) = step(&mut r, 50, sockets(0));
    assert_eq!((outs, changes), (vec![], Changes::default()));
    // One opens: reachable at once, no alarm needed.
    let (outs, changes) = step(&mut r, 60, sockets(1));
    assert_eq!(outs, [Output::SetAlarm { at: None }]);
    assert_eq!(connections(&changes), [("a".into(), 1, true, None)]);
    // Gone past the grace period, then back.
    let _ = step(&mut r, 70, sockets(0));
    let (outs, _) = step(&mut r, 60_070, Input::Tick);
    assert_eq!(outs, []);
    assert_eq!(r.presence(&a("a")), Some((AgentStatus::Available, false)));
    let (_, changes) = step(&mut r, 60_080, sockets(3));
    assert_eq!(connections(&changes), [("a".into(), 3, true, None)]);
    assert_eq!(r.presence(&a("a")), Some((AgentStatus::Available, true)));
    // An agent the router does not know is ignored.
    let (outs, changes) = step(
        &mut r,
        60_090,
        Input::Sockets {
            agent: a("stranger"),
            open: 2,
        },
    );
    assert_eq!((outs, changes), (vec![], Changes::default()));
    assert_eq!(r.presence(&a("stranger")), None);
    assert_eq!(r.agent_ids().collect::<Vec<_>>(), [&a("a")]);
}

#[test]
fn an_event_writes_the_rows_it_changed() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", None), ("b", None)]);
    for i in 0..50 {
        let _ = r.handle(1, enqueue(&format!("w{i}")));
    }
    r.take_changes().expect("rows");
    // A decline: the declined conversation's row, whoever gets the next
    // offer (b's row, its turn, the cursor), nothing of the other 49.
    let before = r.clone();
    let (_, changes) = step(
        &mut r,
        2,
        Input::Decline {
            agent: a("a"),
            conversation: c("w0"),
        },
    );
    assert_eq!(changes, r.changes_since(&before).expect("rows"));
    let keys = |rows: &[(String, Option<String>)]| -> Vec<String> {
        rows.iter().map(|(k, _)| k.clone()).collect()
    };
    assert_eq!(keys(&changes.convs), ["w0"]);
    assert_eq!(keys(&changes.agents), ["b"]);
    assert!(changes.meta.is_some());
    // A refused action writes nothing.
    let (outs, changes) = step(
        &mut r,
        3,
        Input::Hold {
            agent: a("b"),
            conversation: c("w9"),
        },
    );
    assert!(matches!(outs[..], [Output::Reply(Err(_))]));
    assert!(changes.is_empty(), "{changes:?}");
    // A close deletes its row.
    let (_, changes) = step(
        &mut r,
        4,
        Input::Close {
            conversation: c("w9"),
        },
    );
    assert_eq!(changes.convs, [("w9".to_string(), None)]);
    // Changes not taken add up: a row changed and changed back, or made
    // and deleted, is not written.
    let before = r.clone();
    for (now, priority) in [(5, Priority::High), (6, Priority::Medium)] {
        let _ = r.handle(
            now,
            Input::Prioritize {
                conversation: c("w5"),
                priority,
            },
        );
    }
    let _ = r.handle(7, enqueue("x"));
    let _ = r.handle(
        8,
        Input::Close {
            conversation: c("x"),
        },
    );
    let changes = r.take_changes().expect("rows");
    assert_eq!(changes, r.changes_since(&before).expect("rows"));
    assert_eq!(changes.convs, [], "{changes:?}");
    assert!(changes.meta.is_some(), "x was counted and routed");
}

#[test]
fn rows_written_before_ids_were_typed_still_load() {
    // Rows as the router wrote them when its ids were plain strings.
    let meta = r#"{"settings":{"algorithm":"auto_selection","capacity":null,"offer_timeout_ms":30000,"grace_ms":60000,"departments":{"sales":{"algorithm":"load_balancing","capacity":2}}},"cursors":{"sales":"ann"},"routed":2,"enqueued":2,"waits":{"sales":2},"alarm":null}"#;
    let ann = r#"{"status":"available","departments":["sales"],"capacity":3,"connections":1,"gone_since":null,"reachable":true,"last_routed":2}"#;
    let c1 = r#"{"department":"sales","priority":"high","order":1,"queued_at":5,"place":{"Active":{"agent":"ann"}},"declined":[]}"#;
    let c2 = r#"{"department":"sales","priority":"low","order":2,"queued_at":6,"place":"Waiting","declined":["ann"]}"#;
    let r = Router::from_rows(
        Some(meta),
        [("ann".to_string(), ann.to_string())],
        [
            ("c1".to_string(), c1.to_string()),
            ("c2".to_string(), c2.to_string()),
        ],
    )
    .expect("old rows parse");
    assert_eq!(r.place(&c("c1")), Some(&Place::Active { agent: a("ann") }));
    assert_eq!(r.place(&c("c2")), Some(&Place::Waiting));
    assert_eq!(r.department(&c("c1")), Some(&d("sales")));
    assert_eq!(r.priority(&c("c2")), Some(Priority::Low));
    assert_eq!(r.presence(&a("ann")), Some((AgentStatus::Available, true)));
    assert_eq!(r.algorithm(&d("sales")), Algorithm::LoadBalancing);
    assert_eq!(r.limit(&a("ann"), &d("sales")), Some(2));
    assert_eq!(r.load(&a("ann")), 1);
    assert_eq!(r.queue(&d("sales")), [(c("c2"), 1, 2)]);
    // Written again, they are the same text.
    let rows = r.all_rows().expect("rows");
    assert_eq!(rows.meta.as_deref(), Some(meta));
    assert_eq!(rows.agents, [("ann".to_string(), Some(ann.to_string()))]);
    assert_eq!(
        rows.convs,
        [
            ("c1".to_string(), Some(c1.to_string())),
            ("c2".to_string(), Some(c2.to_string()))
        ]
    );
    // A router stored whole, before it had rows, reads the same.
    let whole = format!(
        r#"{{"settings":{{"algorithm":"auto_selection","capacity":null,"offer_timeout_ms":30000,"grace_ms":60000,"departments":{{"sales":{{"algorithm":"load_balancing","capacity":2}}}}}},"agents":{{"ann":{ann}}},"convs":{{"c1":{c1},"c2":{c2}}},"cursors":{{"sales":"ann"}},"routed":2,"enqueued":2,"waits":{{"sales":2}},"alarm":null}}"#
    );
    let old: Router = serde_json::from_str(&whole).expect("old router parses");
    assert_eq!(serde_json::to_string(&old).expect("json"), whole);
    assert_eq!(
        serde_json::to_value(&old).expect("json"),
        serde_json::to_value(&r).expect("json")
    );
}

#[test]
fn an_alarm_that_rings_early_is_set_again() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", None)]);
    let _ = r.handle(10, enqueue("c"));
    // The platform rings a millisecond early: nothing lapses, and the alarm
    // is armed again for the same deadline.
    let outs = r.handle(30_009, Input::Tick);
    assert_eq!(outs, vec![Output::SetAlarm { at: Some(30_010) }]);
    assert_eq!(r.alarm(), Some(30_010));
    let outs = r.handle(30_010, Input::Tick);
    assert!(outs.contains(&Output::OfferEnded {
        conversation: c("c"),
        agent: a("a"),
        reason: OfferEnd::TimedOut
    }));
    // Nothing pending: the spent alarm is not set again.
    assert!(!outs
        .iter()
        .any(|o| matches!(o, Output::SetAlarm { at: Some(_) })));
    assert_eq!(r.alarm(), None);
}
