//! The workspace core through the simulated shell: setup, takes and the
//! other multi-step actions with conversations that refuse and evictions
//! between steps, reachability from live sockets, changes to people that
//! apply at once, and queue positions pushed to visitors.

use crate::rng::Rng;
use crate::wsim::{demo, person, WsSim};
use chat_core::conversation::Refusal;
use chat_core::router::Place;
use chat_core::workspace::{AgentAction, Answer, Input, Principal, Row, QUEUE_PUSH_MS};
use shared::api::{ForwardRequest, Permission, Role, RoleGrants, RoutingSetup};
use shared::close;
use shared::frame::{ConversationStatus, ErrorCode};
use shared::ids::ConversationId;
use shared::inbox::InboxFrame;
use shared::routing::Algorithm;

fn refusal(code: ErrorCode) -> Refusal {
    Refusal {
        code,
        message: "refused by the conversation".into(),
    }
}

fn code(r: Result<Answer, Refusal>) -> Result<(), ErrorCode> {
    r.map(|_| ()).map_err(|r| r.code)
}

fn auto() -> RoutingSetup {
    RoutingSetup {
        algorithm: Algorithm::AutoSelection,
        capacity: Some(2),
        offer_timeout_ms: 30_000,
        grace_ms: 60_000,
        departments: vec![],
    }
}

fn offers(frames: &[InboxFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            InboxFrame::Offer { conversation, .. } => Some(conversation.id.0.clone()),
            _ => None,
        })
        .collect()
}

fn take(id: &ConversationId) -> AgentAction {
    AgentAction::Take {
        conversation: id.clone(),
    }
}

fn status(sim: &WsSim, id: &ConversationId) -> ConversationStatus {
    sim.index[id].status
}

/// Queued c1 in Support, taken by Anna (connected, available).
fn taken() -> (WsSim, ConversationId) {
    let mut sim = WsSim::new();
    sim.connect("anna");
    sim.available("anna");
    let c1 = sim.queue("c1", "support");
    sim.act("anna", take(&c1)).expect("taken");
    (sim, c1)
}

#[test]
fn an_offer_made_by_setup_is_shown_and_times_out() {
    let mut sim = WsSim::new();
    let anna = sim.connect("anna");
    sim.available("anna");
    let c1 = sim.queue("c1", "support");
    sim.take_frames(anna);
    // Manual selection: nothing offered. Setup turns on auto selection.
    let mut setup = demo();
    setup.routing = Some(auto());
    sim.setup(setup).expect("valid");
    let frames = sim.take_frames(anna);
    assert_eq!(offers(&frames), vec!["c1"], "{frames:?}");
    assert!(matches!(
        sim.core.router().place(&c1),
        Some(Place::Offered { .. })
    ));
    let expires = frames.iter().find_map(|f| match f {
        InboxFrame::Offer { expires_at, .. } => Some(*expires_at),
        _ => None,
    });
    assert_eq!(expires, Some(sim.now + 30_000));
    // The offer times out on the alarm it set (the first alarm pushes the
    // queue's positions, then the offer's own lapses).
    assert!(sim.alarm.is_some_and(|at| at <= sim.now + 30_000));
    sim.advance(29_000);
    assert!(matches!(
        sim.core.router().place(&c1),
        Some(Place::Offered { .. })
    ));
    sim.advance(1_001);
    let frames = sim.take_frames(anna);
    assert!(
        frames
            .iter()
            .any(|f| matches!(f, InboxFrame::OfferEnded { id } if *id == c1)),
        "{frames:?}"
    );
    assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
}

#[test]
fn a_take_is_told_to_the_conversation_and_listed() {
    for evict in [false, true] {
        let mut sim = WsSim::new();
        sim.evict_between_steps = evict;
        let anna = sim.connect("anna");
        let ben = sim.connect("ben");
        let c1 = sim.queue("c1", "support");
        sim.take_frames(anna);
        sim.take_frames(ben);
        let answer = sim.act("anna", take(&c1)).expect("taken");
        let Answer::Conversation(listed) = answer else {
            panic!("{answer:?}")
        };
        assert_eq!(listed.status, ConversationStatus::Active);
        assert_eq!(
            sim.convs[&c1]
                .view
                .assignee
                .as_ref()
                .map(|a| a.name.as_str()),
            Some("Anna")
        );
        assert_eq!(status(&sim, &c1), ConversationStatus::Active);
        // Ben sees it leave his queue; a second take is refused.
        assert!(sim
            .take_frames(ben)
            .iter()
            .any(|f| matches!(f, InboxFrame::Remove { id } if *id == c1)));
        assert_eq!(
            code(sim.act("ben", take(&c1))),
            Err(ErrorCode::AlreadyTaken)
        );
    }
}

#[test]
fn a_refused_take_leaves_the_router_as_it_was() {
    for evict in [false, true] {
        let mut sim = WsSim::new();
        sim.evict_between_steps = evict;
        sim.connect("anna");
        let c1 = sim.queue("c1", "support");
        let before = sim.stored_router();
        sim.refuse
            .insert(c1.clone(), refusal(ErrorCode::AlreadyTaken));
        assert_eq!(
            code(sim.act("anna", take(&c1))),
            Err(ErrorCode::AlreadyTaken)
        );
        assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
        assert_eq!(sim.core.router().load(&sim.id("anna")), 0);
        assert_eq!(status(&sim, &c1), ConversationStatus::Queued);
        // Stored rows read back to the same router (counters aside).
        sim.evict();
        assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
        assert_eq!(sim.stored_router().2, before.2, "conversation rows");
        // Taken on a second try.
        sim.act("anna", take(&c1)).expect("taken");
        assert_eq!(status(&sim, &c1), ConversationStatus::Active);
    }
}

#[test]
fn a_take_of_a_conversation_that_closed_meanwhile_lets_it_go() {
    let mut sim = WsSim::new();
    sim.connect("anna");
    let c1 = sim.queue("c1", "support");
    sim.refuse
        .insert(c1.clone(), refusal(ErrorCode::ConversationClosed));
    assert_eq!(
        code(sim.act("anna", take(&c1))),
        Err(ErrorCode::ConversationClosed)
    );
    assert_eq!(sim.core.router().place(&c1), None);
}

#[test]
fn a_refused_resume_puts_it_back_on_hold() {
    for evict in [false, true] {
        let (mut sim, c1) = taken();
        sim.evict_between_steps = evict;
        sim.act(
            "anna",
            AgentAction::Hold {
                conversation: c1.clone(),
            },
        )
        .expect("held");
        assert_eq!(status(&sim, &c1), ConversationStatus::OnHold);
        let anna = sim.id("anna");
        assert_eq!(
            sim.core.router().load(&anna),
            0,
            "a held chat frees its slot"
        );
        sim.refuse.insert(c1.clone(), refusal(ErrorCode::Forbidden));
        let resume = AgentAction::Resume {
            conversation: c1.clone(),
        };
        assert_eq!(
            code(sim.act("anna", resume.clone())),
            Err(ErrorCode::Forbidden)
        );
        assert_eq!(
            sim.core.router().place(&c1),
            Some(&Place::Held {
                agent: anna.clone()
            })
        );
        assert_eq!(sim.core.router().load(&anna), 0);
        assert_eq!(status(&sim, &c1), ConversationStatus::OnHold);
        sim.act("anna", resume).expect("resumed");
        assert_eq!(status(&sim, &c1), ConversationStatus::Active);
    }
}

#[test]
fn a_refused_forward_to_an_agent_leaves_everything_as_it_was() {
    for evict in [false, true] {
        let (mut sim, c1) = taken();
        sim.evict_between_steps = evict;
        sim.connect("ben");
        sim.available("ben");
        let (anna, ben) = (sim.id("anna"), sim.id("ben"));
        let forward = AgentAction::Forward {
            conversation: c1.clone(),
            forward: ForwardRequest {
                department: None,
                agent: Some(ben.clone()),
                comment: Some("VIP".into()),
            },
        };
        sim.refuse.insert(c1.clone(), refusal(ErrorCode::Forbidden));
        assert_eq!(
            code(sim.act("anna", forward.clone())),
            Err(ErrorCode::Forbidden)
        );
        assert_eq!(
            sim.core.router().place(&c1),
            Some(&Place::Active {
                agent: anna.clone()
            })
        );
        assert_eq!(sim.core.router().load(&ben), 0);
        assert_eq!(
            sim.index[&c1].assignee.as_ref().map(|a| a.id.as_str()),
            Some(anna.as_str())
        );
        sim.act("anna", forward).expect("forwarded");
        assert_eq!(
            sim.core.router().place(&c1),
            Some(&Place::Active { agent: ben.clone() })
        );
        assert_eq!(
            sim.index[&c1].assignee.as_ref().map(|a| a.id.as_str()),
            Some(ben.as_str())
        );
    }
}

#[test]
fn hold_queue_close_and_forward_to_a_department_follow_the_conversation() {
    let (mut sim, c1) = taken();
    // The conversation refuses a hold (the visitor wrote last): nothing moves.
    sim.refuse.insert(c1.clone(), refusal(ErrorCode::Forbidden));
    let hold = AgentAction::Hold {
        conversation: c1.clone(),
    };
    assert_eq!(code(sim.act("anna", hold)), Err(ErrorCode::Forbidden));
    assert!(matches!(
        sim.core.router().place(&c1),
        Some(Place::Active { .. })
    ));
    let to_sales = AgentAction::Forward {
        conversation: c1.clone(),
        forward: ForwardRequest {
            department: Some("sales".into()),
            agent: None,
            comment: None,
        },
    };
    sim.act("anna", to_sales).expect("forwarded");
    assert_eq!(sim.index[&c1].department, "sales");
    assert_eq!(status(&sim, &c1), ConversationStatus::Queued);
    assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
    // Sam takes it from Sales and closes it: it leaves the router and the index.
    sim.connect("sam");
    sim.act("sam", take(&c1)).expect("taken");
    let close = AgentAction::Close {
        conversation: c1.clone(),
        close: shared::api::CloseRequest {
            comment: "Solved".into(),
            tags: vec!["billing".into()],
            disposition: Some("resolved".into()),
        },
    };
    let answer = sim.act("sam", close.clone()).expect("closed");
    assert!(matches!(answer, Answer::Conversation(s) if s.status == ConversationStatus::Closed));
    assert_eq!(status(&sim, &c1), ConversationStatus::Closed);
    assert_eq!(sim.core.router().place(&c1), None);
    assert_eq!(code(sim.act("sam", close)), Err(ErrorCode::NotFound));
}

#[test]
fn close_and_forward_comments_tags_and_dispositions_are_limited() {
    let (mut sim, c1) = taken();
    #[track_caller]
    fn check(
        sim: &mut WsSim,
        c1: &ConversationId,
        comment: &str,
        tags: Vec<String>,
        disposition: Option<String>,
        expected: Result<(), ErrorCode>,
    ) {
        let close = AgentAction::Close {
            conversation: c1.clone(),
            close: shared::api::CloseRequest {
                comment: comment.into(),
                tags,
                disposition,
            },
        };
        let calls = sim.calls.len();
        let got = code(sim.act("anna", close));
        assert_eq!(got, expected);
        if expected.is_err() {
            assert_eq!(
                sim.calls.len(),
                calls,
                "a refused close reached the conversation"
            );
        }
    }
    let long = "x".repeat(shared::MAX_COMMENT_CHARS + 1);
    check(
        &mut sim,
        &c1,
        " ",
        vec![],
        None,
        Err(ErrorCode::InvalidMessage),
    );
    check(
        &mut sim,
        &c1,
        &long,
        vec![],
        None,
        Err(ErrorCode::InvalidMessage),
    );
    check(
        &mut sim,
        &c1,
        "ok",
        vec!["t".into(); shared::MAX_TAGS + 1],
        None,
        Err(ErrorCode::BadRequest),
    );
    check(
        &mut sim,
        &c1,
        "ok",
        vec!["x".repeat(65)],
        None,
        Err(ErrorCode::BadRequest),
    );
    check(
        &mut sim,
        &c1,
        "ok",
        vec![],
        Some("d".repeat(65)),
        Err(ErrorCode::BadRequest),
    );
    let forward = AgentAction::Forward {
        conversation: c1.clone(),
        forward: ForwardRequest {
            department: Some("sales".into()),
            agent: None,
            comment: Some(long),
        },
    };
    assert_eq!(
        code(sim.act("anna", forward)),
        Err(ErrorCode::InvalidMessage)
    );
    check(
        &mut sim,
        &c1,
        "Solved",
        vec!["billing".into()],
        Some("resolved".into()),
        Ok(()),
    );
}

#[test]
fn online_comes_from_live_sockets() {
    let mut sim = WsSim::new();
    let mut setup = demo();
    setup.routing = Some(auto());
    sim.setup(setup).expect("valid");
    let anna = sim.connect("anna");
    sim.available("anna");
    let anna_id = sim.id("anna");
    assert_eq!(
        sim.core.router().presence(&anna_id),
        Some((shared::routing::AgentStatus::Available, true))
    );
    // The socket vanishes without a close reaching the object (the runtime
    // lost it while evicted): the next restore counts no socket.
    sim.sockets.remove(&anna);
    sim.evict();
    let _ = sim.input(Input::Tick);
    // Still in the grace period, then gone.
    assert_eq!(
        sim.core.router().presence(&anna_id).map(|p| p.1),
        Some(true)
    );
    sim.advance(60_001);
    assert_eq!(
        sim.core.router().presence(&anna_id).map(|p| p.1),
        Some(false)
    );
    // A new chat is not offered to her.
    let c1 = sim.queue("c1", "support");
    assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
    // A socket error counts as a close: with two sockets, one error keeps
    // her reachable, the second starts the grace period.
    let s1 = sim.connect("anna");
    let s2 = sim.connect("anna");
    assert!(matches!(
        sim.core.router().place(&c1),
        Some(Place::Offered { .. })
    ));
    sim.drop_socket(s1);
    sim.advance(120_000);
    assert_eq!(
        sim.core.router().presence(&anna_id).map(|p| p.1),
        Some(true)
    );
    sim.drop_socket(s2);
    sim.advance(60_001);
    assert_eq!(
        sim.core.router().presence(&anna_id).map(|p| p.1),
        Some(false)
    );
}

#[test]
fn a_refused_setup_changes_nothing() {
    let mut sim = WsSim::new();
    sim.connect("anna");
    let c1 = sim.queue("c1", "support");
    let writes = sim.writes.len();
    #[track_caller]
    fn refused(sim: &mut WsSim, change: impl FnOnce(&mut shared::api::WorkspaceSetup), why: &str) {
        let mut setup = demo();
        change(&mut setup);
        let answer = sim.setup(setup);
        match answer {
            Err(r) => {
                assert_eq!(r.code, ErrorCode::BadRequest);
                assert!(r.message.contains(why), "{:?} lacks {why:?}", r.message);
            }
            Ok(a) => panic!("accepted: {a:?}"),
        }
    }
    refused(
        &mut sim,
        |s| s.departments.push(s.departments[0].clone()),
        "twice",
    );
    refused(
        &mut sim,
        |s| {
            s.agents
                .push(person("ANNA@demo.test", "Anna 2", Role::Agent, &[]))
        },
        "twice",
    );
    refused(
        &mut sim,
        |s| s.agents[0].departments.push("nowhere".into()),
        "no department",
    );
    refused(
        &mut sim,
        |s| s.sites[0].department = "nowhere".into(),
        "no department",
    );
    refused(&mut sim, |s| s.agents[1].email = " ".into(), "email");
    refused(
        &mut sim,
        |s| s.agents[1].password = String::new(),
        "password",
    );
    refused(&mut sim, |s| s.agents[1].name = String::new(), "name");
    refused(
        &mut sim,
        |s| {
            s.departments[0].hours = vec![shared::api::OpeningHours {
                day: 7,
                open: "09:00".into(),
                close: "17:00".into(),
            }]
        },
        "days are 0 to 6",
    );
    refused(
        &mut sim,
        |s| {
            s.departments[0].hours = vec![shared::api::OpeningHours {
                day: 1,
                open: "9am".into(),
                close: "17:00".into(),
            }]
        },
        "HH:MM",
    );
    refused(
        &mut sim,
        |s| {
            s.grants = vec![RoleGrants {
                role: Role::Agent,
                permissions: vec![Permission::Unknown],
            }]
        },
        "unknown permission",
    );
    // Support still has c1 open: it cannot be removed.
    refused(
        &mut sim,
        |s| {
            s.departments.remove(0);
            s.sites.clear();
            for a in &mut s.agents {
                a.departments.retain(|d| d != "support");
            }
        },
        "open conversations",
    );
    assert_eq!(sim.writes.len(), writes, "a refused setup wrote something");
    assert_eq!(status(&sim, &c1), ConversationStatus::Queued);
    // Repeating the same setup changes no one.
    let generations: Vec<u32> = sim.people.values().map(|p| p.generation).collect();
    sim.setup(demo()).expect("valid");
    assert!(sim.writes[writes..]
        .iter()
        .all(|r| !matches!(r, Row::Person(_) | Row::RemovePerson(_))));
    assert_eq!(
        sim.people
            .values()
            .map(|p| p.generation)
            .collect::<Vec<_>>(),
        generations
    );
}

#[test]
fn a_removed_agent_is_signed_out_and_their_chats_go_back_to_the_queue() {
    let (mut sim, c1) = taken();
    let anna_id = sim.id("anna");
    let old = sim.who("anna");
    let anna_socket = *sim.sockets.keys().next().expect("Anna's inbox");
    let ben = sim.connect("ben");
    sim.take_frames(ben);
    let _ = sim.input(Input::Open {
        who: old.clone(),
        conversation: c1.clone(),
        stored: None,
    });
    let mut setup = demo();
    setup.agents.retain(|a| a.name != "Anna");
    sim.setup(setup).expect("valid");
    // Her inbox closes with 4401; her token no longer works.
    assert_eq!(sim.closed.get(&anna_socket), Some(&close::UNAUTHORIZED));
    assert!(!sim.people.contains_key(&anna_id));
    let refused = sim.input(Input::Act {
        who: old.clone(),
        action: take(&c1),
    });
    assert_eq!(code(refused), Err(ErrorCode::Unauthorized));
    // Her chat is back in the queue, for everyone, and told so.
    assert_eq!(status(&sim, &c1), ConversationStatus::Queued);
    assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
    assert_eq!(sim.convs[&c1].view.status, ConversationStatus::Queued);
    assert!(sim.take_frames(ben).iter().any(
        |f| matches!(f, InboxFrame::Snapshot { queued, .. } if queued.iter().any(|s| s.id == c1))
    ));
    // Her conversation socket closed too.
    assert!(sim.convs[&c1]
        .revisions
        .iter()
        .any(|(a, access, code)| *a == anna_id.0
            && access.is_none()
            && *code == close::UNAUTHORIZED));
}

#[test]
fn a_new_password_ends_the_old_sessions() {
    let mut sim = WsSim::new();
    let anna = sim.connect("anna");
    let old = sim.who("anna");
    let mut setup = demo();
    setup.agents[0].password = "hash-of-a-new-password".into();
    sim.setup(setup).expect("valid");
    assert_eq!(sim.closed.get(&anna), Some(&close::UNAUTHORIZED));
    let me = sim.input(Input::Act {
        who: old,
        action: AgentAction::Status {
            status: shared::routing::AgentStatus::Available,
        },
    });
    assert_eq!(code(me), Err(ErrorCode::Unauthorized));
    // A token of the new generation works.
    let new = sim.who("anna");
    assert_eq!(new.generation, 1);
    sim.available("anna");
}

#[test]
fn a_demoted_agent_loses_the_queue_and_stops_writing_at_once() {
    let mut sim = WsSim::new();
    let anna = sim.connect("anna");
    let c1 = sim.queue("c1", "support");
    let c2 = sim.queue("c2", "support");
    sim.act("anna", take(&c1)).expect("taken");
    for c in [&c1, &c2] {
        sim.input(Input::Open {
            who: sim.who("anna"),
            conversation: c.clone(),
            stored: None,
        })
        .expect("opened");
    }
    sim.take_frames(anna);
    // Agents may now only read their own chats: no queue, no reply.
    let mut setup = demo();
    setup.grants = vec![RoleGrants {
        role: Role::Agent,
        permissions: vec![Permission::TakeChat],
    }];
    sim.setup(setup).expect("valid");
    let frames = sim.take_frames(anna);
    let Some(InboxFrame::Snapshot { queued, mine, .. }) = frames.last() else {
        panic!("{frames:?}")
    };
    assert!(queued.is_empty(), "still sees the queue");
    assert_eq!(
        mine.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        vec![c1.clone()]
    );
    let anna_id = sim.id("anna").0;
    // Her socket to her own chat narrows; the one to the queued chat closes.
    assert_eq!(
        sim.convs[&c1].revisions,
        vec![(anna_id.clone(), Some((false, false)), 0)]
    );
    assert_eq!(
        sim.convs[&c2].revisions,
        vec![(anna_id, None, close::FORBIDDEN)]
    );
    // And the rules follow: no take, no offers.
    assert_eq!(code(sim.act("anna", take(&c2))), Err(ErrorCode::Forbidden));
}

#[test]
fn a_colleague_without_monitor_cannot_open_a_chat_in_progress() {
    let (mut sim, c1) = taken();
    let open = |sim: &mut WsSim, name: &str| {
        let who = sim.who(name);
        code(sim.input(Input::Open {
            who,
            conversation: c1.clone(),
            stored: None,
        }))
    };
    assert_eq!(open(&mut sim, "ben"), Err(ErrorCode::Forbidden));
    assert_eq!(open(&mut sim, "anna"), Ok(()));
    assert_eq!(open(&mut sim, "mark"), Ok(()));
    assert_eq!(open(&mut sim, "sam"), Err(ErrorCode::Forbidden));
    // A stale token is refused before anything else.
    let stale = Principal {
        generation: 9,
        ..sim.who("mark")
    };
    let got = sim.input(Input::Open {
        who: stale,
        conversation: c1.clone(),
        stored: None,
    });
    assert_eq!(code(got), Err(ErrorCode::Unauthorized));
}

#[test]
fn queue_positions_are_pushed_when_they_move() {
    let mut sim = WsSim::new();
    sim.connect("anna");
    let c1 = sim.queue("c1", "support");
    let c2 = sim.queue("c2", "support");
    let c3 = sim.queue("c3", "support");
    // Each learnt its position when it was queued (the announce's answer).
    assert_eq!(
        sim.core.queue_position("v-c3", &c3).map(|q| q.position),
        Ok(3)
    );
    sim.act("anna", take(&c1)).expect("taken");
    // Nothing is pushed at once: pushes are grouped.
    assert!(sim.convs[&c2].positions.is_empty());
    sim.advance(QUEUE_PUSH_MS + 1);
    assert_eq!(sim.convs[&c2].positions, vec![1]);
    assert_eq!(sim.convs[&c3].positions, vec![2]);
    assert!(sim.convs[&c1].positions.is_empty());
    // Nothing moved: nothing pushed again.
    sim.advance(10 * QUEUE_PUSH_MS);
    assert_eq!(sim.convs[&c3].positions, vec![2]);
    // Someone else's conversation is not a visitor's to ask about.
    assert_eq!(
        sim.core.queue_position("v-c2", &c3).map_err(|r| r.code),
        Err(ErrorCode::Forbidden)
    );
}

/// The index, the router and each conversation agree on where every open
/// conversation is and who has it.
#[track_caller]
fn check_agreement(sim: &WsSim, seed: u64, step: usize) {
    for (id, summary) in &sim.index {
        if summary.status == ConversationStatus::Closed {
            assert_eq!(
                sim.core.router().place(id),
                None,
                "seed {seed} step {step}: {id} closed but routed"
            );
            continue;
        }
        let conv = &sim.convs[id].view;
        assert_eq!(
            (conv.status, conv.assignee.as_ref().map(|a| &a.id)),
            (summary.status, summary.assignee.as_ref().map(|a| &a.id)),
            "seed {seed} step {step}: {id}: conversation and index disagree"
        );
        let place = sim.core.router().place(id);
        let agrees = match (summary.status, place) {
            (ConversationStatus::Queued, Some(Place::Waiting | Place::Offered { .. })) => true,
            (ConversationStatus::Active, Some(Place::Active { agent })) => {
                summary.assignee.as_ref().is_some_and(|a| a.id == agent.0)
            }
            (ConversationStatus::OnHold, Some(Place::Held { agent })) => {
                summary.assignee.as_ref().is_some_and(|a| a.id == agent.0)
            }
            _ => false,
        };
        assert!(
            agrees,
            "seed {seed} step {step}: {id} is {:?} in the index, {place:?} in the router",
            summary.status
        );
    }
    // What is stored reads back to the same router.
    let stored = chat_core::router::Router::from_rows(
        sim.router_meta.as_deref(),
        sim.router_agents.clone(),
        sim.router_convs.clone(),
    )
    .expect("stored rows read back");
    for id in sim.index.keys() {
        assert_eq!(
            stored.place(id),
            sim.core.router().place(id),
            "seed {seed} step {step}: {id} stored elsewhere"
        );
    }
}

#[test]
fn random_actions_refusals_and_evictions_keep_the_index_the_router_and_conversations_in_step() {
    const NAMES: [&str; 4] = ["anna", "ben", "sam", "mark"];
    for seed in 1..=120u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut sim = WsSim::new();
        let mut setup = demo();
        if seed % 2 == 0 {
            setup.routing = Some(RoutingSetup {
                capacity: Some(2),
                ..auto()
            });
        }
        sim.setup(setup).expect("valid");
        let mut sockets: Vec<(u64, &str)> = Vec::new();
        let mut queued = 0;
        for step in 0..150 {
            sim.evict_between_steps = rng.below(4) == 0;
            let name = *rng.pick(&NAMES).expect("names");
            let open: Vec<ConversationId> = sim
                .index
                .values()
                .filter(|s| s.status != ConversationStatus::Closed)
                .map(|s| s.id.clone())
                .collect();
            let conversation = rng.pick(&open).cloned();
            if let Some(c) = &conversation {
                if rng.below(6) == 0 {
                    let codes = [
                        ErrorCode::Forbidden,
                        ErrorCode::AlreadyTaken,
                        ErrorCode::ConversationClosed,
                        ErrorCode::Internal,
                    ];
                    let code = *rng.pick(&codes).expect("codes");
                    sim.refuse.insert(c.clone(), refusal(code));
                }
            }
            match (rng.below(16), conversation) {
                (0, _) => {
                    queued += 1;
                    let department = if rng.below(3) == 0 {
                        "sales"
                    } else {
                        "support"
                    };
                    sim.queue(&format!("c{queued}"), department);
                }
                (1, _) => sockets.push((sim.connect(name), name)),
                (2, _) if !sockets.is_empty() => {
                    let i = rng.below(sockets.len() as u64) as usize;
                    let (socket, _) = sockets.remove(i);
                    if rng.below(2) == 0 {
                        sim.drop_socket(socket);
                    } else {
                        // Lost without a close: only a restore notices.
                        sim.sockets.remove(&socket);
                        sim.evict();
                    }
                }
                (3, _) => {
                    let status = if rng.below(3) == 0 {
                        shared::routing::AgentStatus::Away
                    } else {
                        shared::routing::AgentStatus::Available
                    };
                    let _ = sim.act(name, AgentAction::Status { status });
                }
                (4, _) => sim.advance(rng.below(40_000) as i64),
                (5, _) => sim.evict(),
                (6, _) => {
                    let id = sim.id(name);
                    if let Some((c, _)) = sim.core.router().offers_for(&id).first().cloned() {
                        let action = if rng.below(2) == 0 {
                            AgentAction::Accept { conversation: c }
                        } else {
                            AgentAction::Decline { conversation: c }
                        };
                        let _ = sim.act(name, action);
                    }
                }
                (_, Some(c)) => {
                    // Act as the assignee when there is one, else anyone.
                    let actor = sim.index[&c]
                        .assignee
                        .as_ref()
                        .and_then(|a| sim.people.get(a.id.as_str()))
                        .map(|p| p.name.to_lowercase())
                        .filter(|_| rng.below(4) != 0)
                        .unwrap_or_else(|| name.to_owned());
                    let other = sim.id(rng.pick(&NAMES).expect("names"));
                    let action = match rng.below(8) {
                        0 | 1 => take(&c),
                        2 => AgentAction::Hold {
                            conversation: c.clone(),
                        },
                        3 => AgentAction::Resume {
                            conversation: c.clone(),
                        },
                        4 => AgentAction::Queue {
                            conversation: c.clone(),
                        },
                        5 => AgentAction::Forward {
                            conversation: c.clone(),
                            forward: ForwardRequest {
                                department: None,
                                agent: Some(other),
                                comment: Some("over to you".into()),
                            },
                        },
                        6 => AgentAction::Forward {
                            conversation: c.clone(),
                            forward: ForwardRequest {
                                department: Some(
                                    if rng.below(2) == 0 {
                                        "sales"
                                    } else {
                                        "support"
                                    }
                                    .into(),
                                ),
                                agent: None,
                                comment: None,
                            },
                        },
                        _ => AgentAction::Close {
                            conversation: c.clone(),
                            close: shared::api::CloseRequest {
                                comment: "done".into(),
                                tags: vec![],
                                disposition: None,
                            },
                        },
                    };
                    let _ = sim.act(&actor, action);
                }
                _ => {}
            }
            sim.refuse.clear();
            // A conversation that refused with "closed" did close, and says
            // so (its announcement is retried until the workspace has it).
            let let_go: Vec<ConversationId> = sim
                .index
                .values()
                .filter(|s| s.status != ConversationStatus::Closed)
                .filter(|s| sim.core.router().place(&s.id).is_none())
                .map(|s| s.id.clone())
                .collect();
            for c in let_go {
                if let Some(conv) = sim.convs.get_mut(&c) {
                    conv.view.status = ConversationStatus::Closed;
                }
                let mut summary = sim.index[&c].clone();
                summary.status = ConversationStatus::Closed;
                let _ = sim.input(Input::Announce(summary));
            }
            check_agreement(&sim, seed, step);
        }
    }
}

#[test]
fn forwarding_to_another_department_shuts_the_forwarder_out() {
    let (mut sim, c1) = taken();
    let anna = sim.who("anna");
    sim.input(Input::Open {
        who: anna.clone(),
        conversation: c1.clone(),
        stored: None,
    })
    .expect("her own chat");
    let to = |department: &str| AgentAction::Forward {
        conversation: c1.clone(),
        forward: ForwardRequest {
            department: Some(department.into()),
            agent: None,
            comment: None,
        },
    };
    sim.act("anna", to("sales")).expect("forwarded");
    assert_eq!(
        sim.convs[&c1].revisions,
        vec![(anna.agent.0.clone(), None, close::FORBIDDEN)]
    );
    assert!(!sim.opened.contains(&(anna.agent.clone(), c1.clone())));
    // Mark, who works Sales too and may monitor, keeps reading.
    let mark = sim.who("mark");
    sim.input(Input::Open {
        who: mark,
        conversation: c1.clone(),
        stored: None,
    })
    .expect("a supervisor reads any chat");
}

#[test]
fn a_forward_to_a_department_nobody_works_yet_is_routed() {
    let mut setup = demo();
    setup.departments.push(shared::api::DepartmentSetup {
        id: "billing".into(),
        name: "Billing".into(),
        hours: vec![],
        utc_offset_minutes: 0,
    });
    let mut sim = WsSim::new();
    sim.setup(setup.clone()).expect("valid");
    sim.connect("anna");
    let c1 = sim.queue("c1", "support");
    sim.act("anna", take(&c1)).expect("taken");
    sim.act(
        "anna",
        AgentAction::Forward {
            conversation: c1.clone(),
            forward: ForwardRequest {
                department: Some("billing".into()),
                agent: None,
                comment: None,
            },
        },
    )
    .expect("forwarded");
    assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
    assert_eq!(sim.index[&c1].department, "billing");
    assert_eq!(sim.core.router().load(&sim.id("anna")), 0);
    // Someone who joins Billing takes it.
    for a in &mut setup.agents {
        if a.name == "Ben" {
            a.departments.push("billing".into());
        }
    }
    sim.setup(setup).expect("valid");
    sim.connect("ben");
    sim.act("ben", take(&c1)).expect("taken from Billing");
}

#[test]
fn a_take_answered_after_the_taker_was_removed_goes_back_to_the_queue() {
    let mut sim = WsSim::new();
    sim.connect("anna");
    let c1 = sim.queue("c1", "support");
    // Anna's take reaches the conversation; before its answer is fed back,
    // a setup removes her.
    let who = sim.who("anna");
    sim.core.handle(
        sim.now,
        Input::Act {
            who,
            action: take(&c1),
        },
    );
    let mut calls = Vec::new();
    while let Some(out) = sim.core.poll_output() {
        if let chat_core::workspace::Output::Call(call) = out {
            calls.push(call);
        }
    }
    let [call] = calls.as_slice() else {
        panic!("one call: {calls:?}")
    };
    let mut view = sim.convs[&c1].view.clone();
    view.status = ConversationStatus::Active;
    view.assignee = Some(shared::frame::Participant {
        side: shared::frame::Side::Agent,
        id: sim.id("anna").0,
        name: "Anna".into(),
    });
    sim.convs.get_mut(&c1).expect("c1").view = view.clone();
    let mut setup = demo();
    setup.agents.retain(|a| a.name != "Anna");
    sim.setup(setup).expect("valid");
    let answer = sim.input(Input::Answered {
        call: call.clone(),
        result: Ok(view),
    });
    assert!(answer.is_err(), "{answer:?}");
    // The conversation was moved back; index, router and it agree.
    assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
    assert_eq!(status(&sim, &c1), ConversationStatus::Queued);
    assert_eq!(sim.convs[&c1].view.status, ConversationStatus::Queued);
}

#[test]
fn an_alarm_that_rings_early_is_set_again() {
    let mut sim = WsSim::new();
    let mut setup = demo();
    setup.routing = Some(auto());
    sim.setup(setup).expect("valid");
    sim.connect("anna");
    sim.available("anna");
    let c1 = sim.queue("c1", "support");
    assert!(matches!(
        sim.core.router().place(&c1),
        Some(Place::Offered { .. })
    ));
    // The queue's push rings, then the alarm rings a second early.
    sim.advance(QUEUE_PUSH_MS + 1);
    let expiry = sim.alarm.expect("the offer's alarm");
    sim.now = expiry - 1_000;
    sim.alarm = None;
    let _ = sim.input(Input::Tick);
    assert_eq!(sim.alarm, Some(expiry), "the early ring left no alarm");
    sim.advance(2_000);
    assert_eq!(sim.core.router().place(&c1), Some(&Place::Waiting));
    // Nothing is due any more: no alarm rings again and again.
    assert!(
        sim.alarm.is_none_or(|at| at > sim.now),
        "{:?} at {}",
        sim.alarm,
        sim.now
    );
}

#[test]
fn a_socket_whose_token_ended_is_closed_after_a_reload() {
    let mut sim = WsSim::new();
    let anna = sim.connect("anna");
    // Her password changes while the object is away; the runtime still
    // holds her socket when it comes back.
    let mut person = sim.people[&sim.id("anna")].clone();
    person.generation += 1;
    sim.people.insert(person.id.clone(), person);
    sim.evict();
    let _ = sim.input(Input::Tick);
    assert_eq!(sim.closed.get(&anna), Some(&close::UNAUTHORIZED));
    assert_eq!(
        sim.core.router().presence(&sim.id("anna")).map(|p| p.1),
        Some(true),
        "in the grace period"
    );
}
