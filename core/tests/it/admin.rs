//! Administration through the simulated shell: settings sections applied
//! through the setup's path, refusals that change nothing and write no
//! audit entry, deactivation, the last manager, one-time links, sign-up
//! and ownership, API tokens, and all of it surviving an eviction.

use crate::wsim::{demo, WsSim};
use chat_core::conversation::Refusal;
use chat_core::workspace::admin::{AdminChange, Origin};
use chat_core::workspace::audit::{AuditQuery, AuditRecord};
use chat_core::workspace::people::{Redeem, INVITATION_MS, RESET_MS};
use chat_core::workspace::{AgentAction, Answer, Input, Principal};
use shared::admin::{ApiScope, ApiTokenRequest, InvitationRequest, PersonEdit};
use shared::api::{DepartmentSetup, Permission, Role, RoleGrants};
use shared::close;
use shared::frame::{ConversationStatus, ErrorCode};
use shared::ids::AgentId;

/// The demo, its operator's setup left out of the log.
fn fresh() -> WsSim {
    let mut sim = WsSim::new();
    assert_eq!(sim.audit.len(), 1, "the operator's setup is logged");
    assert_eq!(sim.audit[0].who, "operator");
    sim.audit.clear();
    sim
}

fn admin(sim: &mut WsSim, who: &str, change: AdminChange) -> Result<Answer, Refusal> {
    let who = sim.who(who);
    sim.input(Input::Admin {
        who,
        workspace: "demo".into(),
        change,
    })
}

fn code(r: Result<Answer, Refusal>) -> ErrorCode {
    match r {
        Ok(a) => panic!("expected a refusal, got {a:?}"),
        Err(r) => r.code,
    }
}

fn settings(sim: &WsSim) -> shared::admin::Settings {
    sim.core
        .settings(&sim.who("mark"), "demo")
        .expect("Mark manages the workspace")
}

#[test]
fn an_agent_may_not_administer() {
    let mut sim = fresh();
    let r = admin(
        &mut sim,
        "anna",
        AdminChange::Labels {
            labels: Default::default(),
        },
    );
    assert_eq!(code(r), ErrorCode::Forbidden);
    assert!(sim.core.settings(&sim.who("anna"), "demo").is_err());
    assert!(sim.audit.is_empty());
}

#[test]
fn current_setup_round_trips_and_ends_no_session() {
    let mut sim = fresh();
    let before = sim.people.clone();
    let setup = sim.core.current_setup("demo");
    assert_eq!(setup.agents.len(), 4);
    // Applying the current definition as a section changes nobody.
    let departments = setup.departments.clone();
    admin(&mut sim, "mark", AdminChange::Departments { departments }).expect("applied");
    assert_eq!(
        sim.people, before,
        "no password rehashed, no generation bumped"
    );
    let entry = sim.audit.last().expect("logged");
    assert_eq!(entry.what, "departments.update");
    assert_eq!(entry.who, sim.id("mark").0);
    assert_eq!(entry.summary, "Departments: saved unchanged");
}

#[test]
fn a_removed_department_leaves_people_and_reaches_their_sockets() {
    let mut sim = fresh();
    let socket = sim.connect("sam");
    sim.take_frames(socket);
    let mut departments = settings(&sim).departments;
    departments.retain(|d| d.id != "sales");
    let r = admin(&mut sim, "mark", AdminChange::Departments { departments });
    assert!(r.is_ok(), "{r:?}");
    assert!(sim.people[&sim.id("sam")].departments.is_empty());
    assert!(!sim.departments.contains_key("sales"));
    assert!(
        !sim.take_frames(socket).is_empty(),
        "Sam's inbox is told at once"
    );
    assert!(sim
        .audit
        .last()
        .unwrap()
        .summary
        .contains("removed Sales (sales)"));
}

#[test]
fn a_refused_section_changes_nothing_and_logs_nothing() {
    let mut sim = fresh();
    let before = settings(&sim);
    let writes = sim.writes.len();
    // The site queues in Support: Support cannot go.
    let departments = vec![DepartmentSetup {
        id: "sales".into(),
        name: "Sales".into(),
        hours: vec![],
        utc_offset_minutes: 0,
    }];
    let r = admin(&mut sim, "mark", AdminChange::Departments { departments });
    let refusal = r.expect_err("refused");
    assert_eq!(refusal.code, ErrorCode::BadRequest);
    assert!(refusal.message.contains("support"), "{}", refusal.message);
    assert_eq!(settings(&sim), before);
    assert_eq!(sim.writes.len(), writes, "nothing written");
    assert!(sim.audit.is_empty());
}

#[test]
fn narrowed_grants_apply_at_once_and_keep_a_manager() {
    let mut sim = fresh();
    let c = sim.queue("c1", "support");
    let socket = sim.connect("anna");
    sim.take_frames(socket);
    let grants = vec![RoleGrants {
        role: Role::Agent,
        permissions: vec![Permission::TakeChat],
    }];
    admin(&mut sim, "mark", AdminChange::Grants { grants }).expect("applied");
    let s = settings(&sim);
    let agent = s.grants.iter().find(|g| g.role == Role::Agent).unwrap();
    assert_eq!(agent.permissions, vec![Permission::TakeChat]);
    let manager = s.grants.iter().find(|g| g.role == Role::Manager).unwrap();
    assert_eq!(manager.permissions.len(), 9, "defaults listed");
    assert!(sim.take_frames(socket).iter().any(|f| matches!(
        f,
        shared::inbox::InboxFrame::Snapshot { queued, .. } if queued.is_empty()
    )));
    let _ = c;
    // Taking manage_workspace from every role would leave nobody.
    let grants = vec![RoleGrants {
        role: Role::Manager,
        permissions: vec![Permission::ViewQueue],
    }];
    let r = admin(&mut sim, "mark", AdminChange::Grants { grants });
    assert!(r.unwrap_err().message.contains("manage_workspace"));
}

#[test]
fn deactivation_signs_out_requeues_and_refuses_until_reactivated() {
    let mut sim = fresh();
    let c = sim.queue("c1", "support");
    let socket = sim.connect("anna");
    sim.act(
        "anna",
        AgentAction::Take {
            conversation: c.clone(),
        },
    )
    .expect("taken");
    let old = sim.who("anna");
    let anna = sim.id("anna");
    let edit = PersonEdit {
        active: Some(false),
        ..Default::default()
    };
    let r = admin(
        &mut sim,
        "mark",
        AdminChange::EditPerson {
            id: anna.clone(),
            edit,
        },
    );
    match r {
        Ok(Answer::Person(p)) => assert!(!p.active),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.closed.get(&socket), Some(&close::UNAUTHORIZED));
    assert!(sim.core.authenticate(&old).is_err());
    assert_eq!(
        sim.index[&c].status,
        ConversationStatus::Queued,
        "back to the queue"
    );
    assert!(!sim.core.person_by_email("anna@demo.test").unwrap().active);
    assert!(sim.audit.last().unwrap().summary.contains("deactivated"));
    // Her new token (the current generation) is refused too.
    let now = Principal {
        agent: anna.clone(),
        generation: sim.people[&anna].generation,
    };
    assert!(sim.core.authenticate(&now).is_err());
    let edit = PersonEdit {
        active: Some(true),
        ..Default::default()
    };
    admin(&mut sim, "mark", AdminChange::EditPerson { id: anna, edit }).expect("reactivated");
    assert!(sim.core.authenticate(&now).is_ok());
}

#[test]
fn the_last_manager_cannot_be_deactivated_or_demoted() {
    let mut sim = fresh();
    let mark = sim.id("mark");
    for edit in [
        PersonEdit {
            active: Some(false),
            ..Default::default()
        },
        PersonEdit {
            role: Some(Role::Agent),
            ..Default::default()
        },
    ] {
        let r = admin(
            &mut sim,
            "mark",
            AdminChange::EditPerson {
                id: mark.clone(),
                edit,
            },
        );
        let why = r.unwrap_err().message;
        assert!(why.contains("last active person"), "{why}");
    }
    assert!(sim.audit.is_empty());
    // With a second manager, Mark may step down.
    let anna = sim.id("anna");
    let promote = PersonEdit {
        role: Some(Role::Admin),
        ..Default::default()
    };
    admin(
        &mut sim,
        "mark",
        AdminChange::EditPerson {
            id: anna,
            edit: promote,
        },
    )
    .unwrap();
    let demote = PersonEdit {
        role: Some(Role::Agent),
        capacity: Some(Some(3)),
        ..Default::default()
    };
    admin(
        &mut sim,
        "mark",
        AdminChange::EditPerson {
            id: mark.clone(),
            edit: demote,
        },
    )
    .unwrap();
    assert_eq!(sim.people[&mark].capacity, Some(3));
    assert_eq!(sim.audit.len(), 2);
}

fn invite(sim: &mut WsSim, email: &str, token: &str) -> Result<Answer, Refusal> {
    admin(
        sim,
        "mark",
        AdminChange::Invite {
            id: format!("inv-{email}"),
            token: token.into(),
            request: InvitationRequest {
                email: email.into(),
                name: "Nora".into(),
                role: Role::Agent,
                departments: vec!["support".into()],
                capacity: Some(2),
            },
        },
    )
}

fn accept(sim: &mut WsSim, token: &str) -> Result<Answer, Refusal> {
    sim.input(Input::Redeem(Redeem::Invitation {
        token: token.into(),
        name: "Nora N".into(),
        password_hash: "hash-nora".into(),
        fresh_id: AgentId("a-nora".into()),
    }))
}

#[test]
fn an_invitation_works_once_and_expires() {
    let mut sim = fresh();
    assert_eq!(
        code(invite(&mut sim, "anna@demo.test", "t0")),
        ErrorCode::BadRequest
    );
    assert_eq!(
        code(invite(&mut sim, "not an email", "t0")),
        ErrorCode::BadRequest
    );
    invite(&mut sim, "nora@demo.test", "demo.t1").expect("invited");
    assert_eq!(
        code(invite(&mut sim, "nora@demo.test", "demo.t2")),
        ErrorCode::BadRequest,
        "already invited"
    );
    let stored = sim.invitations.values().next().unwrap();
    assert_ne!(stored.token_hash, "demo.t1", "only the digest is kept");
    let info = sim
        .core
        .invitation_info("demo.t1", "demo", sim.now)
        .unwrap();
    assert_eq!(info.email, "nora@demo.test");
    assert!(sim
        .core
        .invitation_info("demo.nope", "demo", sim.now)
        .is_err());
    sim.evict();
    match accept(&mut sim, "demo.t1") {
        Ok(Answer::SignedIn(p, _)) => {
            assert_eq!(p.id.0, "a-nora");
            assert_eq!(p.name, "Nora N");
            assert_eq!(p.departments, vec!["support".to_owned()]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.people[&AgentId("a-nora".into())].capacity, Some(2));
    let again = accept(&mut sim, "demo.t1").unwrap_err();
    assert!(again.message.contains("already used"), "{}", again.message);
    let whats: Vec<&str> = sim.audit.iter().map(|a| a.what.as_str()).collect();
    assert_eq!(whats, vec!["person.invite", "person.join"]);

    // Expired.
    invite(&mut sim, "olga@demo.test", "demo.t3").unwrap();
    sim.now += INVITATION_MS + 1;
    let expired = accept(&mut sim, "demo.t3").unwrap_err();
    assert!(expired.message.contains("expired"), "{}", expired.message);
    // Withdrawn.
    sim.now -= INVITATION_MS + 1;
    invite(&mut sim, "pia@demo.test", "demo.t4").unwrap();
    admin(
        &mut sim,
        "mark",
        AdminChange::RevokeInvitation {
            id: "inv-pia@demo.test".into(),
        },
    )
    .unwrap();
    assert!(accept(&mut sim, "demo.t4")
        .unwrap_err()
        .message
        .contains("withdrawn"));
}

#[test]
fn a_password_reset_ends_older_sessions_once() {
    let mut sim = fresh();
    let anna = sim.id("anna");
    let old = sim.who("anna");
    let socket = sim.connect("anna");
    admin(
        &mut sim,
        "mark",
        AdminChange::PasswordReset {
            person: anna.clone(),
            token: "demo.r1".into(),
        },
    )
    .expect("made");
    assert!(
        sim.core.authenticate(&old).is_ok(),
        "nothing ends before it is used"
    );
    let reset = |sim: &mut WsSim, token: &str| {
        sim.input(Input::Redeem(Redeem::Reset {
            token: token.into(),
            password_hash: "new-hash".into(),
        }))
    };
    match reset(&mut sim, "demo.r1") {
        Ok(Answer::SignedIn(p, generation)) => {
            assert_eq!(p.id, anna);
            assert_eq!(generation, old.generation + 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(sim.core.authenticate(&old).is_err());
    assert_eq!(sim.closed.get(&socket), Some(&close::UNAUTHORIZED));
    assert_eq!(sim.people[&anna].password_hash, "new-hash");
    assert!(reset(&mut sim, "demo.r1")
        .unwrap_err()
        .message
        .contains("already used"));
    admin(
        &mut sim,
        "mark",
        AdminChange::PasswordReset {
            person: anna,
            token: "demo.r2".into(),
        },
    )
    .unwrap();
    sim.now += RESET_MS;
    assert!(reset(&mut sim, "demo.r2")
        .unwrap_err()
        .message
        .contains("expired"));
}

#[test]
fn sign_up_owns_the_workspace_against_the_setup_token() {
    let mut sim = WsSim::default();
    sim.now = 5;
    let mut setup = demo();
    setup.name = Some("Demo Ltd".into());
    setup.agents.truncate(1);
    setup.agents[0].role = Role::Admin;
    let r = sim.input(Input::SignUp {
        setup: setup.clone(),
        fresh_ids: vec![AgentId("a-first".into())],
    });
    assert!(matches!(r, Ok(Answer::SignedIn(..))), "{r:?}");
    assert_eq!(sim.origin, Some(Origin::SignUp));
    assert_eq!(sim.core.display_name(), "Demo Ltd");
    assert_eq!(sim.audit[0].what, "workspace.create");
    // The name is taken now.
    let again = sim.input(Input::SignUp {
        setup: setup.clone(),
        fresh_ids: vec![AgentId("a-second".into())],
    });
    assert_eq!(code(again), ErrorCode::Conflict);
    // The operator may not redefine it.
    let before = sim.people.clone();
    assert_eq!(code(sim.setup(demo())), ErrorCode::Forbidden);
    assert_eq!(sim.people, before);
    sim.evict();
    assert_eq!(
        code(sim.setup(demo())),
        ErrorCode::Forbidden,
        "after a reload too"
    );

    // An operator's workspace stays the operator's.
    let mut op = WsSim::new();
    assert_eq!(op.origin, Some(Origin::Operator));
    assert!(op.setup(demo()).is_ok());
    let taken = op.input(Input::SignUp {
        setup,
        fresh_ids: vec![AgentId("a-x".into())],
    });
    assert_eq!(code(taken), ErrorCode::Conflict);
}

#[test]
fn api_tokens_carry_their_scopes_and_stop_when_revoked() {
    let mut sim = fresh();
    let make = |sim: &mut WsSim, who: &str, scopes: Vec<ApiScope>| {
        admin(
            sim,
            who,
            AdminChange::CreateApiToken {
                id: "tok1".into(),
                token: "lct_demo_00ff".into(),
                request: ApiTokenRequest {
                    name: "CRM".into(),
                    scopes,
                },
            },
        )
    };
    assert_eq!(
        code(make(&mut sim, "anna", vec![ApiScope::ContactsRead])),
        ErrorCode::Forbidden
    );
    assert_eq!(code(make(&mut sim, "mark", vec![])), ErrorCode::BadRequest);
    assert_eq!(
        code(make(&mut sim, "mark", vec![ApiScope::Unknown])),
        ErrorCode::BadRequest
    );
    match make(&mut sim, "mark", vec![ApiScope::ConversationsRead]) {
        Ok(Answer::ApiToken(info)) => assert_eq!(info.scopes, vec![ApiScope::ConversationsRead]),
        other => panic!("{other:?}"),
    }
    let use_it = |sim: &mut WsSim, token: &str, scope| {
        sim.input(Input::UseApiToken {
            token: token.into(),
            scope,
        })
    };
    assert!(matches!(
        use_it(&mut sim, "lct_demo_00ff", ApiScope::ConversationsRead),
        Ok(Answer::ApiCaller(id)) if id == "tok1"
    ));
    assert!(sim.api_tokens["tok1"].info.last_used_at.is_some());
    assert_eq!(
        code(use_it(&mut sim, "lct_demo_00ff", ApiScope::ContactsWrite)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(use_it(
            &mut sim,
            "lct_demo_0000",
            ApiScope::ConversationsRead
        )),
        ErrorCode::Unauthorized
    );
    admin(
        &mut sim,
        "mark",
        AdminChange::RevokeApiToken { id: "tok1".into() },
    )
    .unwrap();
    sim.evict();
    assert_eq!(
        code(use_it(
            &mut sim,
            "lct_demo_00ff",
            ApiScope::ConversationsRead
        )),
        ErrorCode::Unauthorized
    );
    let whats: Vec<&str> = sim.audit.iter().map(|a| a.what.as_str()).collect();
    assert_eq!(whats, vec!["api_token.create", "api_token.revoke"]);
}

#[test]
fn records_from_other_objects_are_stamped_and_filtered() {
    let mut sim = fresh();
    let record = AuditRecord {
        at: 0,
        who: "a9".into(),
        who_name: "Mark".into(),
        what: "webhook.create".into(),
        target: "wh1".into(),
        summary: "Webhook made".into(),
    };
    sim.input(Input::Record(record)).unwrap();
    let entry = sim.audit.last().unwrap().clone();
    assert_eq!(entry.at, sim.now, "the workspace's clock, not the caller's");
    let q = |s: &str| AuditQuery::parse(s.split('&').filter_map(|p| p.split_once('='))).unwrap();
    assert!(q("what=webhook").admits(1, &entry));
    assert!(!q("what=web&who=someone").admits(1, &entry));
    assert!(!q("before=1").admits(1, &entry));
    assert!(q(&format!("from={}&to={}", entry.at, entry.at + 1)).admits(1, &entry));
    assert!(!q(&format!("to={}", entry.at)).admits(1, &entry));
    assert!(AuditQuery::parse([("from", "yesterday")]).is_err());
}
