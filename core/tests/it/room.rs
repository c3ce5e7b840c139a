//! The workspace's part of the tools inside a conversation: `/invite` by
//! username, room information edits checked against the workspace's lists,
//! closes with listed dispositions, and the supervisors' "All chats".

use crate::wsim::{demo, person, WsSim};
use chat_core::workspace::{AgentAction, Answer};
use shared::api::{CloseRequest, Role};
use shared::frame::{ConversationStatus, ErrorCode};
use shared::ids::ConversationId;
use shared::room::{Labels, RoomEdit};
use shared::routing::Priority;

fn taken() -> (WsSim, ConversationId) {
    let mut sim = WsSim::new();
    sim.connect("anna");
    sim.available("anna");
    let c1 = sim.queue("c1", "support");
    sim.act(
        "anna",
        AgentAction::Take {
            conversation: c1.clone(),
        },
    )
    .expect("taken");
    (sim, c1)
}

fn invite(sim: &mut WsSim, by: &str, c: &ConversationId, username: &str) -> Result<Answer, String> {
    sim.act(
        by,
        AgentAction::Invite {
            conversation: c.clone(),
            username: username.into(),
        },
    )
    .map_err(|r| r.message)
}

#[test]
fn invite_by_username_adds_an_agent_who_then_sees_the_chat() {
    let (mut sim, c1) = taken();
    let ben = sim.connect("ben");
    sim.take_frames(ben);
    match invite(&mut sim, "anna", &c1, "@ben").expect("invited") {
        Answer::Conversation(s) => {
            assert_eq!(s.members.len(), 1);
            assert_eq!(s.assignee.unwrap().name, "Anna");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(sim.index[&c1].members[0].name, "Ben");
    // Ben's inbox now lists it with his own chats, and he may open it.
    let frames = sim.take_frames(ben);
    assert!(!frames.is_empty(), "Ben's lists changed");
    let opened = sim.input(chat_core::workspace::Input::Open {
        who: sim.who("ben"),
        conversation: c1.clone(),
        stored: None,
    });
    assert!(opened.is_ok(), "{opened:?}");
    // Survives an eviction (the index row carries the members).
    sim.evict();
    assert_eq!(sim.index[&c1].members.len(), 1);
}

#[test]
fn invite_of_anyone_but_an_agent_says_so() {
    let (mut sim, c1) = taken();
    assert_eq!(
        invite(&mut sim, "anna", &c1, "@nobody").unwrap_err(),
        "User is not an agent"
    );
    assert_eq!(
        invite(&mut sim, "anna", &c1, "").unwrap_err(),
        "User is not an agent"
    );
    // Someone whose role may not take chats is not an agent either.
    let mut setup = demo();
    setup
        .agents
        .push(person("viv@demo.test", "Viv", Role::Agent, &["support"]));
    setup.grants = vec![shared::api::RoleGrants {
        role: Role::Agent,
        permissions: vec![
            shared::api::Permission::ViewQueue,
            shared::api::Permission::TakeChat,
            shared::api::Permission::Reply,
        ],
    }];
    sim.setup(setup).expect("valid");
    // Ben does not work the chat: he may not invite to it.
    assert!(invite(&mut sim, "ben", &c1, "sam").is_err());
    assert!(
        invite(&mut sim, "anna", &c1, "sam").is_ok(),
        "sam takes and replies"
    );
}

#[test]
fn usernames_are_unique_and_default_to_the_email() {
    let mut setup = demo();
    setup.agents[1].username = Some("anna".into());
    let err = sim_setup(setup).unwrap_err();
    assert!(err.contains("anna"), "{err}");
    let mut setup = demo();
    setup.agents[0].username = Some("bad name!".into());
    assert!(sim_setup(setup).is_err());
}

fn sim_setup(setup: shared::api::WorkspaceSetup) -> Result<(), String> {
    chat_core::workspace::validate_setup(&setup)
}

#[test]
fn tags_and_dispositions_come_from_the_workspaces_lists() {
    let (mut sim, c1) = taken();
    let mut setup = demo();
    setup.labels = Labels {
        tags: vec!["Billing".into(), "Bug".into()],
        dispositions: vec!["Solved".into(), "Escalated".into()],
        restrict_tags: true,
    };
    sim.setup(setup).expect("valid");
    let edit = |tags: &[&str], topic: &str| AgentAction::Room {
        conversation: c1.clone(),
        edit: RoomEdit {
            topic: Some(topic.into()),
            tags: Some(tags.iter().map(|t| t.to_string()).collect()),
            priority: Some(Priority::High),
        },
    };
    let refused = sim
        .act("anna", edit(&["billing", "free text"], "Refund"))
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::BadRequest);
    assert!(refused.message.contains("free text"), "{}", refused.message);
    sim.act("anna", edit(&["billing"], "Refund"))
        .expect("listed tag");
    assert_eq!(sim.index[&c1].priority, Priority::High);
    // The conversation was told the tag as listed.
    let described = sim.calls.iter().rev().find_map(|c| match &c.request {
        chat_core::workspace::Request::Lifecycle {
            action: chat_core::conversation::lifecycle::Action::Describe { tags, topic, .. },
        } => Some((tags.clone(), topic.clone())),
        _ => None,
    });
    assert_eq!(
        described,
        Some((
            Some(vec!["Billing".to_string()]),
            Some("Refund".to_string())
        ))
    );
    // Ben does not work the chat.
    assert_eq!(
        sim.act("ben", edit(&[], "")).unwrap_err().code,
        ErrorCode::Forbidden
    );
    let close = |disposition: &str| AgentAction::Close {
        conversation: c1.clone(),
        close: CloseRequest {
            comment: "done".into(),
            tags: vec![],
            disposition: Some(disposition.into()),
        },
    };
    assert!(sim.act("anna", close("Whatever")).is_err());
    sim.act("anna", close("solved"))
        .expect("a listed disposition");
}

#[test]
fn all_chats_is_for_supervisors() {
    let (mut sim, c1) = taken();
    let c2 = sim.queue("c2", "sales");
    assert_eq!(
        sim.core.all_chats(&sim.who("anna")).unwrap_err().code,
        ErrorCode::Forbidden
    );
    let all = sim
        .core
        .all_chats(&sim.who("mark"))
        .expect("a manager monitors");
    let ids: Vec<_> = all.conversations.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&c1) && ids.contains(&c2));
    assert!(all
        .conversations
        .iter()
        .all(|s| s.status != ConversationStatus::Closed));
}

fn canned(shortcut: &str, scope: shared::canned::Scope) -> shared::canned::CannedRequest {
    shared::canned::CannedRequest {
        shortcut: shortcut.into(),
        text: format!("text of {shortcut}"),
        scope,
    }
}

fn save(
    sim: &mut WsSim,
    by: &str,
    id: &str,
    request: shared::canned::CannedRequest,
) -> Result<Answer, chat_core::conversation::Refusal> {
    sim.act(
        by,
        AgentAction::SaveCanned {
            id: id.into(),
            canned: request,
        },
    )
}

#[test]
fn canned_responses_are_public_per_department_or_private() {
    use shared::canned::Scope;
    let mut sim = WsSim::new();
    let support = Scope::Department {
        department: "support".into(),
    };
    // Agents make private ones; department and public ones are managers'.
    save(&mut sim, "anna", "c1", canned("!Hello", Scope::Private)).expect("private");
    assert_eq!(
        save(&mut sim, "anna", "c2", canned("refund", Scope::Public))
            .unwrap_err()
            .code,
        ErrorCode::Forbidden
    );
    save(&mut sim, "mark", "c2", canned("refund", support.clone())).expect("department");
    save(&mut sim, "mark", "c3", canned("bye", Scope::Public)).expect("public");
    // A shortcut is checked and unique where it lives.
    assert!(save(&mut sim, "anna", "c4", canned("two words", Scope::Private)).is_err());
    assert!(save(&mut sim, "anna", "c5", canned("hello", Scope::Private)).is_err());
    let mut empty = canned("empty", Scope::Private);
    empty.text = "  ".into();
    assert!(save(&mut sim, "anna", "c6", empty).is_err());
    sim.evict();
    let seen = |sim: &WsSim, who: &str| -> Vec<String> {
        sim.core
            .canned_for(&sim.who(who))
            .unwrap()
            .into_iter()
            .map(|c| c.shortcut)
            .collect()
    };
    assert_eq!(seen(&sim, "anna"), vec!["bye", "hello", "refund"]);
    assert_eq!(
        seen(&sim, "ben"),
        vec!["bye", "refund"],
        "not Anna's private one"
    );
    assert_eq!(
        seen(&sim, "sam"),
        vec!["bye"],
        "Sales sees no Support response"
    );
    // Only its author or a manager removes one.
    assert!(sim
        .act("ben", AgentAction::RemoveCanned { id: "c1".into() })
        .is_err());
    sim.act("anna", AgentAction::RemoveCanned { id: "c1".into() })
        .expect("her own");
    sim.act("mark", AgentAction::RemoveCanned { id: "c2".into() })
        .expect("a manager's");
    assert_eq!(seen(&sim, "anna"), vec!["bye"]);
}

#[test]
fn my_account_preferences_are_kept_per_agent() {
    let mut sim = WsSim::new();
    let on = shared::api::Preferences {
        pdf_on_close: true,
        email_on_close: true,
    };
    sim.act(
        "anna",
        AgentAction::Preferences {
            preferences: on.clone(),
        },
    )
    .expect("saved");
    sim.evict();
    assert_eq!(sim.core.preferences(&sim.who("anna")).unwrap(), on);
    assert_eq!(
        sim.core.preferences(&sim.who("ben")).unwrap(),
        shared::api::Preferences::default(),
        "Ben's are his own"
    );
}
