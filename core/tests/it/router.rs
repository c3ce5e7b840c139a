//! The router against a model: thousands of random event sequences, checking
//! after every step that outputs describe exactly what changed, that no
//! conversation is assigned twice or lost, that capacity is never exceeded,
//! and that every offer goes to the conversation and the agent the
//! algorithms define.

use chat_core::router::{
    Changes, DepartmentSettings, How, Input, OfferEnd, Output, Place, Router, Settings, Target,
};
use shared::routing::{AgentStatus, Algorithm, Priority};
use std::collections::{BTreeMap, BTreeSet};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len() as u64) as usize])
    }
}

#[derive(Clone, Debug)]
struct MAgent {
    status: AgentStatus,
    departments: BTreeSet<String>,
    capacity: Option<u32>,
    connections: u32,
    gone_since: Option<i64>,
    reachable: bool,
    last_routed: u64,
}

#[derive(Clone, Debug)]
struct MConv {
    department: String,
    priority: Priority,
    order: u64,
    place: Place,
    declined: BTreeSet<String>,
}

/// What the outputs say, kept independently of the router.
struct Model {
    settings: Settings,
    agents: BTreeMap<String, MAgent>,
    convs: BTreeMap<String, MConv>,
    cursors: BTreeMap<String, String>,
    routed: u64,
    enqueued: u64,
    offers: u64,
    assignments: u64,
}

impl Model {
    fn load(&self, agent: &str, except: &str) -> u32 {
        self.convs
            .iter()
            .filter(|(k, _)| *k != except)
            .filter(|(_, c)| matches!(&c.place, Place::Active { agent: a } | Place::Offered { agent: a, .. } if a == agent))
            .count() as u32
    }

    fn limit(&self, agent: &str, department: &str) -> Option<u32> {
        self.settings
            .departments
            .get(department)
            .and_then(|d| d.capacity)
            .or(self.agents[agent].capacity)
            .or(self.settings.capacity)
    }

    fn algorithm(&self, department: &str) -> Algorithm {
        self.settings
            .departments
            .get(department)
            .and_then(|d| d.algorithm)
            .unwrap_or(self.settings.algorithm)
    }

    fn eligible(&self, conv: &str) -> Vec<String> {
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
    fn expected(&self, conv: &str) -> Option<String> {
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

    fn queue_order(&self) -> Vec<String> {
        let mut waiting: Vec<(&String, &MConv)> = self
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
                        assert!(self.eligible(&earlier).is_empty(), "seed {seed}: {earlier} should have been offered before {conversation} (input {input:?}, load a1 {}): eligible {:?}, {:?} / {:?}; agents {:?}", self.load("a1", ""), self.eligible(&earlier), self.convs[&earlier], self.convs[conversation], self.agents);
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
                    assert!(self.load(agent, conversation) < limit, "seed {seed}: {agent} over capacity with {conversation}: {how:?} input {input:?} load {} limit {limit} convs {:?}", self.load(agent, conversation), self.convs);
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
    for d in ["d0", "d1"] {
        departments.insert(
            d.to_string(),
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
    let agents: Vec<String> = (0..5).map(|i| format!("a{i}")).collect();
    let departments = ["d0".to_string(), "d1".to_string()];
    let mut now = 1_000_000i64;
    let mut alarm: Option<i64> = None;
    let mut next_conv = 0;
    let mut store = Store::default();
    store.apply(router.all_rows().expect("rows"));
    for step in 0..steps {
        now += rng.below(4_000) as i64;
        let conv_ids: Vec<String> = model.convs.keys().cloned().collect();
        let agent = rng.pick(&agents).expect("agents").clone();
        let conv = rng.pick(&conv_ids).cloned().unwrap_or_default();
        let input = match rng.below(18) {
            0 => {
                let mut deps: Vec<String> = departments
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
            3 => Input::Connected { agent },
            4 => Input::Disconnected { agent },
            5 | 6 => {
                next_conv += 1;
                Input::Enqueue {
                    conversation: format!("c{next_conv}"),
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
                    connections: 0,
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
            Input::Connected { agent } => {
                if let Some(a) = model.agents.get_mut(agent) {
                    a.connections += 1;
                    a.gone_since = None;
                    a.reachable = true;
                }
            }
            Input::Disconnected { agent } => {
                if let Some(a) = model.agents.get_mut(agent) {
                    a.connections = a.connections.saturating_sub(1);
                    if a.connections == 0 {
                        a.gone_since = Some(now);
                    }
                }
            }
            Input::Tick => {
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
            Input::Close { conversation } => {
                // Gone before routing; an open offer on it is reported
                // withdrawn first, and the model drops it then.
                if !matches!(
                    model.convs.get(conversation).map(|c| &c.place),
                    Some(Place::Offered { .. })
                ) {
                    model.convs.remove(conversation);
                }
            }
            _ => {}
        }
        let before = router.clone();
        router.handle(now, input.clone());
        store.apply(router.changes_since(&before).expect("rows"));
        let mut replies = 0;
        while let Some(out) = router.poll_output() {
            if let Output::SetAlarm { at } = out {
                alarm = at;
            }
            if matches!(out, Output::Reply(_)) {
                replies += 1;
            }
            model.apply(&out, &input, now, seed);
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
            assert_eq!(router.department(id), Some(c.department.as_str()));
        }
        // What was written rebuilds the same router (checked now and then:
        // the rows are written at every step, so a missed change stays).
        if step % 16 == 0 || step + 1 == steps {
            assert_eq!(
                serde_json::to_value(store.load()).expect("json"),
                serde_json::to_value(&router).expect("json"),
                "seed {seed}: the stored rows differ from the router"
            );
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
        r.handle(
            0,
            Input::Agent {
                id: id.to_string(),
                departments: vec!["d".into()],
                capacity: *capacity,
            },
        );
        r.handle(
            0,
            Input::Connected {
                agent: id.to_string(),
            },
        );
        r.handle(
            0,
            Input::Status {
                agent: id.to_string(),
                status: AgentStatus::Available,
            },
        );
    }
    while r.poll_output().is_some() {}
    r
}

/// Enqueues `n` conversations and returns who got each offer, accepting all.
fn offers(r: &mut Router, n: usize, start: usize) -> Vec<String> {
    let mut got = Vec::new();
    for i in start..start + n {
        r.handle(
            1,
            Input::Enqueue {
                conversation: format!("c{i}"),
                department: "d".into(),
                priority: Priority::Medium,
            },
        );
        while let Some(out) = r.poll_output() {
            if let Output::Offer {
                conversation,
                agent,
                ..
            } = out
            {
                got.push(agent.clone());
                r.handle(
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
    r.handle(
        3,
        Input::Hold {
            agent: "b".into(),
            conversation: "c1".into(),
        },
    );
    while r.poll_output().is_some() {}
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
        r.handle(
            5,
            Input::Enqueue {
                conversation: id.into(),
                department: "d".into(),
                priority: p,
            },
        );
    }
    while r.poll_output().is_some() {}
    let queue: Vec<(String, usize)> = r
        .queue("d")
        .into_iter()
        .map(|(c, pos, _)| (c, pos))
        .collect();
    assert_eq!(
        queue,
        [
            ("urgent".to_string(), 1),
            ("high".to_string(), 2),
            ("low".to_string(), 3)
        ]
    );
    r.handle(
        6,
        Input::Close {
            conversation: "c0".into(),
        },
    );
    let outs: Vec<Output> = std::iter::from_fn(|| r.poll_output()).collect();
    assert!(
        outs.iter()
            .any(|o| matches!(o, Output::Offer { conversation, .. } if conversation == "urgent")),
        "{outs:?}"
    );
}

#[test]
fn declines_and_timeouts_pass_the_offer_on() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", None), ("b", None)]);
    r.handle(
        10,
        Input::Enqueue {
            conversation: "c".into(),
            department: "d".into(),
            priority: Priority::Medium,
        },
    );
    let outs: Vec<Output> = std::iter::from_fn(|| r.poll_output()).collect();
    assert!(outs.contains(&Output::Offer {
        conversation: "c".into(),
        agent: "a".into(),
        expires_at: 30_010
    }));
    assert!(outs.contains(&Output::SetAlarm { at: Some(30_010) }));
    r.handle(
        20,
        Input::Decline {
            agent: "a".into(),
            conversation: "c".into(),
        },
    );
    let outs: Vec<Output> = std::iter::from_fn(|| r.poll_output()).collect();
    assert!(
        outs.contains(&Output::Offer {
            conversation: "c".into(),
            agent: "b".into(),
            expires_at: 30_020
        }),
        "{outs:?}"
    );
    r.handle(30_020, Input::Tick);
    let outs: Vec<Output> = std::iter::from_fn(|| r.poll_output()).collect();
    assert!(outs.contains(&Output::OfferEnded {
        conversation: "c".into(),
        agent: "b".into(),
        reason: OfferEnd::TimedOut
    }));
    // Both passed: it waits in the queue, and anyone may still take it.
    assert_eq!(r.place("c"), Some(&Place::Waiting));
    r.handle(
        30_030,
        Input::Take {
            agent: "a".into(),
            conversation: "c".into(),
        },
    );
    assert_eq!(r.place("c"), Some(&Place::Active { agent: "a".into() }));
}

#[test]
fn a_held_conversation_comes_back_to_its_agent_or_goes_on() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", Some(1))]);
    offers(&mut r, 1, 0);
    r.handle(
        3,
        Input::Hold {
            agent: "a".into(),
            conversation: "c0".into(),
        },
    );
    r.handle(
        4,
        Input::VisitorWrote {
            conversation: "c0".into(),
        },
    );
    assert_eq!(
        r.place("c0"),
        Some(&Place::Active { agent: "a".into() }),
        "same agent first"
    );
    r.handle(
        5,
        Input::Hold {
            agent: "a".into(),
            conversation: "c0".into(),
        },
    );
    // a fills up while c0 is held; the visitor writes: b gets the offer.
    offers(&mut r, 1, 1);
    assert_eq!(r.place("c1"), Some(&Place::Active { agent: "a".into() }));
    r.handle(
        5,
        Input::Agent {
            id: "b".into(),
            departments: vec!["d".into()],
            capacity: None,
        },
    );
    r.handle(5, Input::Connected { agent: "b".into() });
    r.handle(
        5,
        Input::Status {
            agent: "b".into(),
            status: AgentStatus::Available,
        },
    );
    r.handle(
        6,
        Input::VisitorWrote {
            conversation: "c0".into(),
        },
    );
    assert!(matches!(r.place("c0"), Some(Place::Offered { agent, .. }) if agent == "b"));
}

#[test]
fn forwards_are_refused_with_a_reason() {
    let mut r = router_with(Algorithm::ManualSelection, &[("a", None), ("b", Some(1))]);
    r.handle(
        1,
        Input::Agent {
            id: "c".into(),
            departments: vec!["d".into()],
            capacity: None,
        },
    );
    for id in ["x", "y"] {
        r.handle(
            1,
            Input::Enqueue {
                conversation: id.into(),
                department: "d".into(),
                priority: Priority::Medium,
            },
        );
    }
    r.handle(
        2,
        Input::Take {
            agent: "a".into(),
            conversation: "x".into(),
        },
    );
    r.handle(
        2,
        Input::Take {
            agent: "b".into(),
            conversation: "y".into(),
        },
    );
    while r.poll_output().is_some() {}
    #[track_caller]
    fn check(r: &mut Router, to: Target, expected: Result<(), &str>) {
        r.handle(
            3,
            Input::Forward {
                agent: "a".into(),
                conversation: "x".into(),
                to,
            },
        );
        let reply = std::iter::from_fn(|| r.poll_output()).find_map(|o| match o {
            Output::Reply(r) => Some(r.map_err(|e| e.message)),
            _ => None,
        });
        assert_eq!(reply, Some(expected.map_err(str::to_owned)));
    }
    check(
        &mut r,
        Target::Agent("c".into()),
        Err("that agent is not available"),
    );
    check(
        &mut r,
        Target::Agent("b".into()),
        Err("that agent is at capacity"),
    );
    check(&mut r, Target::Agent("zz".into()), Err("no such agent"));
    check(
        &mut r,
        Target::Department("nowhere".into()),
        Err("no such department"),
    );
    r.handle(
        4,
        Input::Status {
            agent: "c".into(),
            status: AgentStatus::Available,
        },
    );
    r.handle(4, Input::Connected { agent: "c".into() });
    check(&mut r, Target::Agent("c".into()), Ok(()));
    assert_eq!(r.place("x"), Some(&Place::Active { agent: "c".into() }));
}

#[test]
fn an_agent_who_drops_is_routed_to_until_the_grace_period_ends() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", None)]);
    offers(&mut r, 1, 0);
    r.handle(100, Input::Disconnected { agent: "a".into() });
    let outs: Vec<Output> = std::iter::from_fn(|| r.poll_output()).collect();
    assert!(outs.contains(&Output::SetAlarm { at: Some(60_100) }));
    r.handle(60_100, Input::Tick);
    r.handle(
        60_200,
        Input::Enqueue {
            conversation: "late".into(),
            department: "d".into(),
            priority: Priority::Medium,
        },
    );
    assert_eq!(
        r.place("late"),
        Some(&Place::Waiting),
        "not routed to an unreachable agent"
    );
    assert_eq!(
        r.place("c0"),
        Some(&Place::Active { agent: "a".into() }),
        "keeps their conversations"
    );
    r.handle(60_300, Input::Connected { agent: "a".into() });
    assert!(matches!(r.place("late"), Some(Place::Offered { agent, .. }) if agent == "a"));
}

#[test]
fn an_alarm_that_rings_early_is_set_again() {
    let mut r = router_with(Algorithm::AutoSelection, &[("a", None)]);
    r.handle(
        10,
        Input::Enqueue {
            conversation: "c".into(),
            department: "d".into(),
            priority: Priority::Medium,
        },
    );
    while r.poll_output().is_some() {}
    // The platform rings a millisecond early: nothing lapses, and the alarm
    // is armed again for the same deadline.
    r.handle(30_009, Input::Tick);
    let outs: Vec<Output> = std::iter::from_fn(|| r.poll_output()).collect();
    assert_eq!(outs, vec![Output::SetAlarm { at: Some(30_010) }]);
    r.handle(30_010, Input::Tick);
    let outs: Vec<Output> = std::iter::from_fn(|| r.poll_output()).collect();
    assert!(outs.contains(&Output::OfferEnded {
        conversation: "c".into(),
        agent: "a".into(),
        reason: OfferEnd::TimedOut
    }));
    // Nothing pending: the spent alarm is not set again.
    assert!(!outs
        .iter()
        .any(|o| matches!(o, Output::SetAlarm { at: Some(_) })));
}
