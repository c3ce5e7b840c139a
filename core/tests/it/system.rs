//! The workspace's systems as an actor (the HTTP API's API tokens),
//! through the simulated shell: a close that needs no assignee and frees
//! the agent's slot, refused for a revoked token, a bad comment or a
//! closed chat; tags checked against the workspace's list.

use crate::wsim::WsSim;
use chat_core::conversation::lifecycle::Action;
use chat_core::conversation::Refusal;
use chat_core::workspace::admin::AdminChange;
use chat_core::workspace::system::SystemAction;
use chat_core::workspace::{AgentAction, Answer, Input, Request};
use shared::admin::{ApiScope, ApiTokenRequest};
use shared::api::CloseRequest;
use shared::frame::{ConversationStatus, ErrorCode, Side};
use shared::ids::ConversationId;

fn code(r: Result<Answer, Refusal>) -> ErrorCode {
    match r {
        Ok(a) => panic!("expected a refusal, got {a:?}"),
        Err(r) => r.code,
    }
}

fn admin(sim: &mut WsSim, change: AdminChange) {
    let who = sim.who("mark");
    sim.input(Input::Admin {
        who,
        workspace: "demo".into(),
        change,
    })
    .expect("Mark manages the workspace");
}

fn close(
    sim: &mut WsSim,
    token: &str,
    id: &ConversationId,
    comment: &str,
) -> Result<Answer, Refusal> {
    sim.input(Input::System {
        token: token.into(),
        action: SystemAction::Close {
            conversation: id.clone(),
            close: CloseRequest {
                comment: comment.into(),
                tags: vec!["vip".into()],
                disposition: None,
            },
        },
    })
}

fn tag(sim: &mut WsSim, id: &ConversationId, tags: &[&str]) -> Result<Answer, Refusal> {
    sim.input(Input::System {
        token: "tok1".into(),
        action: SystemAction::Tag {
            conversation: id.clone(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        },
    })
}

#[test]
fn the_systems_close_any_open_chat_and_free_its_agent() {
    let mut sim = WsSim::new();
    admin(
        &mut sim,
        AdminChange::CreateApiToken {
            id: "tok1".into(),
            token: "lct_demo_00ff".into(),
            request: ApiTokenRequest {
                name: "CRM".into(),
                scopes: vec![ApiScope::ConversationsWrite],
            },
        },
    );
    let worked = sim.queue("c1", "support");
    let waiting = sim.queue("c2", "support");
    sim.connect("anna");
    sim.available("anna");
    sim.act(
        "anna",
        AgentAction::Take {
            conversation: worked.clone(),
        },
    )
    .expect("taken");
    let anna = sim.id("anna");
    assert_eq!(sim.core.router().load(&anna), 1);

    assert_eq!(
        code(close(&mut sim, "tok9", &worked, "Done")),
        ErrorCode::Unauthorized
    );
    assert_eq!(
        code(close(&mut sim, "tok1", &worked, " ")),
        ErrorCode::InvalidMessage
    );
    let unknown = ConversationId("c9".into());
    assert_eq!(
        code(close(&mut sim, "tok1", &unknown, "Done")),
        ErrorCode::NotFound
    );

    match close(&mut sim, "tok1", &worked, "Refunded") {
        Ok(Answer::Conversation(s)) => {
            assert_eq!(s.status, ConversationStatus::Closed);
            assert_eq!(s.assignee.map(|a| a.id), Some(anna.0.clone()));
        }
        other => panic!("{other:?}"),
    }
    // The conversation was asked first, on behalf of the systems.
    let asked = sim.calls.iter().rev().find_map(|c| match &c.request {
        Request::Lifecycle {
            action: Action::Close { by, tags, .. },
        } if c.conversation == worked => Some((by.clone(), tags.clone())),
        _ => None,
    });
    let (by, tags) = asked.expect("the conversation was asked to close");
    assert_eq!((by.side, by.id.as_str()), (Side::System, "api:tok1"));
    assert_eq!(tags, ["vip"]);
    // The router freed Anna's slot and the index let the chat go.
    assert_eq!(sim.core.router().load(&anna), 0);
    assert!(sim.core.summary(&worked).is_none());
    assert_eq!(
        code(close(&mut sim, "tok1", &worked, "Again")),
        ErrorCode::NotFound
    );

    // A chat nobody took closes too.
    assert!(close(&mut sim, "tok1", &waiting, "Spam").is_ok());
    assert!(sim.core.router().place(&waiting).is_none());

    // A revoked token acts no more.
    let third = sim.queue("c3", "support");
    admin(&mut sim, AdminChange::RevokeApiToken { id: "tok1".into() });
    assert_eq!(
        code(close(&mut sim, "tok1", &third, "Done")),
        ErrorCode::Unauthorized
    );
}

#[test]
fn the_systems_tags_are_checked_against_the_list() {
    let mut sim = WsSim::new();
    admin(
        &mut sim,
        AdminChange::CreateApiToken {
            id: "tok1".into(),
            token: "lct_demo_00ff".into(),
            request: ApiTokenRequest {
                name: "CRM".into(),
                scopes: vec![ApiScope::ConversationsWrite],
            },
        },
    );
    let id = sim.queue("c1", "support");
    assert!(tag(&mut sim, &id, &["anything"]).is_ok());
    admin(
        &mut sim,
        AdminChange::Labels {
            labels: shared::room::Labels {
                tags: vec!["Billing".into()],
                dispositions: vec![],
                restrict_tags: true,
            },
        },
    );
    let refused = tag(&mut sim, &id, &["Nonsense"]).expect_err("not in the list");
    assert_eq!(refused.code, ErrorCode::BadRequest);
    assert!(refused.message.contains("Nonsense"), "{}", refused.message);
    let asked = sim.calls.len();
    assert!(tag(&mut sim, &id, &["billing"]).is_ok());
    let spelled = sim.calls[asked..].iter().find_map(|c| match &c.request {
        Request::Lifecycle {
            action: Action::Describe { tags, .. },
        } => tags.clone(),
        _ => None,
    });
    assert_eq!(spelled, Some(vec!["Billing".to_string()]));
}
