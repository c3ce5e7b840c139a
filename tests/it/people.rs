//! A change to a person applies at once, against the real worker: open
//! sockets narrow or close, old tokens stop working, removed agents' chats
//! go back to the queue, a refused setup changes nothing. And the rules
//! that moved into the workspace core: who may read a chat in progress,
//! whose receipts move checkmarks, what a visitor sees of a forward.

use anyhow::{bail, Result};
use shared::api::{Permission, Role, RoleGrants, RoutingSetup, WorkspaceSetup};
use shared::close;
use shared::frame::{ClientFrame, ErrorCode, MessageKind, ReceiptKind, ServerFrame};
use shared::inbox::InboxFrame;
use shared::routing::Algorithm;
use std::time::Duration;
use tests::{Api, Socket, Worker};

/// A workspace seeded from the demo under another name.
async fn workspace(api: &Api, name: &str) -> Result<WorkspaceSetup> {
    let mut setup = tests::demo_workspace()?;
    setup.workspace = name.into();
    api.setup(&setup).await?;
    Ok(setup)
}

/// A visitor of `site` who wrote a first message.
async fn waiting(api: &Api, site: &str) -> Result<(String, String, Socket)> {
    let v = api.visitor_of(site).await?;
    let (id, socket) = api.first_message(&v, "hello").await?;
    Ok((id, v.token, socket))
}

async fn snapshot(inbox: &mut Socket) -> Result<(Vec<String>, Vec<String>)> {
    match inbox
        .recv_until_inbox(|f| matches!(f, InboxFrame::Snapshot { .. }))
        .await?
    {
        InboxFrame::Snapshot { queued, mine, .. } => Ok((
            queued.into_iter().map(|c| c.id.0).collect(),
            mine.into_iter().map(|c| c.id.0).collect(),
        )),
        other => bail!("expected a snapshot, got {other:?}"),
    }
}

#[tokio::test]
async fn a_demoted_agent_stops_writing_and_stops_seeing_the_queue_at_once() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = workspace(&api, "demotion").await?;
    let (mine, _, mut visitor) = waiting(&api, "demotion.website").await?;
    let (other, _, _v2) = waiting(&api, "demotion.website").await?;
    let anna = api.login_to("demotion", "anna@demo.test").await?;
    assert_eq!(api.take(&anna.token, &mine).await?.status, 200);
    let mut inbox = api.inbox(&anna.token).await?;
    let (queued, _) = snapshot(&mut inbox).await?;
    assert_eq!(queued, vec![other.clone()]);
    let (mut chat, _) = api.join(&mine, &anna.token, 0).await?;
    let (mut preview, _) = api.join(&other, &anna.token, 0).await?;
    // Agents lose view_queue and reply while Anna's sockets are open.
    setup.grants = vec![RoleGrants {
        role: Role::Agent,
        permissions: vec![Permission::TakeChat],
    }];
    api.setup(&setup).await?;
    // Her inbox is sent her lists again, without the queue.
    let (queued, now_mine) = snapshot(&mut inbox).await?;
    assert!(queued.is_empty(), "still sees {queued:?}");
    assert_eq!(now_mine, vec![mine.clone()]);
    // The preview of the queued chat closes; her own chat stops writing.
    assert_eq!(preview.closed().await?, close::FORBIDDEN);
    tokio::time::sleep(Duration::from_millis(200)).await;
    chat.send(&ClientFrame::Send {
        client_id: "a-1".into(),
        text: "still here".into(),
        kind: Default::default(),
    })
    .await?;
    let refused = chat
        .recv_until(|f| matches!(f, ServerFrame::Error { .. } | ServerFrame::Ack { .. }))
        .await?;
    assert!(
        matches!(
            refused,
            ServerFrame::Error {
                code: ErrorCode::Forbidden,
                ..
            }
        ),
        "{refused:?}"
    );
    let seen = visitor.drain(Duration::from_millis(300)).await;
    assert!(
        !seen
            .iter()
            .any(|f| matches!(f, ServerFrame::Message(m) if m.text == "still here")),
        "{seen:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_removed_agent_is_refused_and_their_chats_return_to_the_queue() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = workspace(&api, "removal").await?;
    let (id, _, mut visitor) = waiting(&api, "removal.website").await?;
    let anna = api.login_to("removal", "anna@demo.test").await?;
    let ben = api.login_to("removal", "ben@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let mut anna_inbox = api.inbox(&anna.token).await?;
    let _ = snapshot(&mut anna_inbox).await?;
    let (mut anna_chat, _) = api.join(&id, &anna.token, 0).await?;
    let mut ben_inbox = api.inbox(&ben.token).await?;
    let (queued, _) = snapshot(&mut ben_inbox).await?;
    assert!(queued.is_empty());
    setup.agents.retain(|a| a.email != "anna@demo.test");
    api.setup(&setup).await?;
    // Her sockets close with 4401 and her token is refused.
    assert_eq!(anna_inbox.closed().await?, close::UNAUTHORIZED);
    assert_eq!(anna_chat.closed().await?, close::UNAUTHORIZED);
    let me = api
        .raw("GET", "/api/v1/agent/me", Some(&anna.token), None)
        .await?;
    assert_eq!((me.status, me.code()?), (401, ErrorCode::Unauthorized));
    assert_eq!(api.take(&anna.token, &id).await?.status, 401);
    let again = api.login_to("removal", "anna@demo.test").await;
    assert!(again.is_err(), "a removed agent signed in");
    // The chat is back in the queue: Ben sees it and takes it.
    ben_inbox
        .recv_until_inbox(|f| match f {
            InboxFrame::Upsert { conversation } => conversation.id.0 == id,
            InboxFrame::Snapshot { queued, .. } => queued.iter().any(|c| c.id.0 == id),
            _ => false,
        })
        .await?;
    visitor
        .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text.contains("moved the chat to the queue")))
        .await?;
    assert_eq!(api.take(&ben.token, &id).await?.status, 200);
    Ok(())
}

#[tokio::test]
async fn a_new_password_ends_the_old_token_and_an_empty_one_is_refused() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = workspace(&api, "passwords").await?;
    let old = api.login_to("passwords", "anna@demo.test").await?;
    let mut inbox = api.inbox(&old.token).await?;
    let _ = snapshot(&mut inbox).await?;
    // Repeating the setup keeps everyone signed in.
    api.setup(&setup).await?;
    let me = api
        .raw("GET", "/api/v1/agent/me", Some(&old.token), None)
        .await?;
    assert_eq!(me.status, 200, "{}", me.body);
    // An empty password is refused, and changes nothing.
    let anna = setup
        .agents
        .iter()
        .position(|a| a.email == "anna@demo.test")
        .expect("Anna is in the demo");
    let mut empty = setup.clone();
    empty.agents[anna].password = String::new();
    let refused = api
        .raw(
            "POST",
            "/api/v1/admin/setup",
            Some(tests::SETUP_TOKEN),
            Some(serde_json::to_string(&empty)?),
        )
        .await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (400, ErrorCode::BadRequest)
    );
    assert!(refused.body.contains("password"), "{}", refused.body);
    // A new password: the old token stops working at once.
    setup.agents[anna].password = "a-brand-new-password".into();
    api.setup(&setup).await?;
    assert_eq!(inbox.closed().await?, close::UNAUTHORIZED);
    let me = api
        .raw("GET", "/api/v1/agent/me", Some(&old.token), None)
        .await?;
    assert_eq!(me.status, 401);
    let login = api
        .post::<shared::api::LoginResponse>(
            "/api/v1/agent/login",
            None,
            &shared::api::LoginRequest {
                workspace: "passwords".into(),
                email: "anna@demo.test".into(),
                password: "a-brand-new-password".into(),
            },
        )
        .await?;
    let me = api
        .raw("GET", "/api/v1/agent/me", Some(&login.token), None)
        .await?;
    assert_eq!(me.status, 200);
    Ok(())
}

#[tokio::test]
async fn a_refused_setup_changes_nothing() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let setup = workspace(&api, "atomic").await?;
    let before = api.login_to("atomic", "anna@demo.test").await?;
    #[track_caller]
    fn broken(setup: &WorkspaceSetup, change: impl FnOnce(&mut WorkspaceSetup)) -> WorkspaceSetup {
        let mut s = setup.clone();
        change(&mut s);
        s
    }
    let cases = [
        (
            broken(&setup, |s| {
                // A valid change first, then a duplicate: nothing applies.
                s.agents[0].name = "Renamed".into();
                let twin = s.departments[0].clone();
                s.departments.push(twin);
            }),
            "twice",
        ),
        (
            broken(&setup, |s| {
                s.agents[0].name = "Renamed".into();
                s.agents[1].departments.push("nowhere".into());
            }),
            "no department",
        ),
        (
            broken(&setup, |s| s.agents[2].email = String::new()),
            "email",
        ),
        (
            broken(&setup, |s| {
                s.departments[0].hours = vec![shared::api::OpeningHours {
                    day: 1,
                    open: "18:00".into(),
                    close: "09:00".into(),
                }]
            }),
            "open comes before close",
        ),
    ];
    for (body, why) in cases {
        let answer = api
            .raw(
                "POST",
                "/api/v1/admin/setup",
                Some(tests::SETUP_TOKEN),
                Some(serde_json::to_string(&body)?),
            )
            .await?;
        assert_eq!(
            (answer.status, answer.code()?),
            (400, ErrorCode::BadRequest),
            "{why}"
        );
        assert!(answer.body.contains(why), "{why}: {}", answer.body);
    }
    let me: shared::api::AgentProfile = api
        .raw("GET", "/api/v1/agent/me", Some(&before.token), None)
        .await?
        .json()?;
    assert_eq!(me.name, before.agent.name, "a refused setup renamed her");
    Ok(())
}

#[tokio::test]
async fn an_offer_made_by_setup_reaches_the_agent_and_times_out() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = workspace(&api, "switch").await?;
    let anna = api.login_to("switch", "anna@demo.test").await?;
    let mut inbox = api.inbox(&anna.token).await?;
    let _ = snapshot(&mut inbox).await?;
    assert_eq!(api.status(&anna.token, "available").await?.status, 200);
    // Waiting under manual selection: nobody is offered it.
    let (id, _, _visitor) = waiting(&api, "switch.website").await?;
    // Setup turns on auto selection: the waiting chat is offered now.
    setup.routing = Some(RoutingSetup {
        algorithm: Algorithm::AutoSelection,
        capacity: None,
        offer_timeout_ms: 2_000,
        grace_ms: 60_000,
        departments: vec![],
    });
    api.setup(&setup).await?;
    let offer = inbox
        .recv_until_inbox(|f| matches!(f, InboxFrame::Offer { .. }))
        .await?;
    assert!(matches!(&offer, InboxFrame::Offer { conversation, .. } if conversation.id.0 == id));
    // Nobody answers: it lapses on the workspace's alarm.
    let ended = inbox
        .recv_until_inbox(|f| matches!(f, InboxFrame::OfferEnded { .. }))
        .await?;
    assert!(matches!(&ended, InboxFrame::OfferEnded { id: e } if e.0 == id));
    Ok(())
}

#[tokio::test]
async fn a_colleague_without_monitor_cannot_read_a_chat_in_progress() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let (id, _, _visitor) = waiting(&api, tests::SITE_KEY).await?;
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let mark = api.login("mark@demo.test").await?;
    // Ben previews it while it waits; Mark, a manager, reads along.
    let (mut preview, _) = api.join(&id, &ben.token, 0).await?;
    let (mut supervisor, _) = api.join(&id, &mark.token, 0).await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    // Ben's preview closes once Anna works it; Mark's stays.
    assert_eq!(preview.closed().await?, close::FORBIDDEN);
    supervisor
        .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text == "Anna joined the chat"))
        .await?;
    // A new socket is refused, and so is the chat history.
    let mut again = api.socket(&id, &ben.token).await?;
    assert_eq!(again.closed().await?, close::FORBIDDEN);
    let history = api
        .raw(
            "GET",
            &format!("/api/v1/agent/conversations/{id}/history"),
            Some(&ben.token),
            None,
        )
        .await?;
    assert_eq!(history.status, 403, "{}", history.body);
    Ok(())
}

#[tokio::test]
async fn a_read_receipt_from_a_non_assignee_moves_no_checkmark() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let (id, _, mut visitor) = waiting(&api, tests::SITE_KEY).await?;
    let anna = api.login("anna@demo.test").await?;
    let mark = api.login("mark@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    visitor
        .send(&ClientFrame::Send {
            client_id: "v-2".into(),
            text: "anyone?".into(),
            kind: Default::default(),
        })
        .await?;
    let ack = visitor
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    let ServerFrame::Ack { seq, .. } = ack else {
        bail!("no ack")
    };
    let (mut supervisor, _) = api.join(&id, &mark.token, 0).await?;
    supervisor
        .send(&ClientFrame::Receipt {
            kind: ReceiptKind::Read,
            seq,
        })
        .await?;
    let refused = supervisor
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await?;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    let seen = visitor.drain(Duration::from_millis(400)).await;
    assert!(
        !seen.iter().any(|f| matches!(f, ServerFrame::Receipt(_))),
        "the visitor's checkmarks moved: {seen:?}"
    );
    // Anna's receipt moves them.
    let (mut chat, _) = api.join(&id, &anna.token, 0).await?;
    chat.send(&ClientFrame::Receipt {
        kind: ReceiptKind::Read,
        seq,
    })
    .await?;
    visitor
        .recv_until(|f| matches!(f, ServerFrame::Receipt(w) if w.participant.id == anna.agent.id.0 && w.read == seq))
        .await?;
    Ok(())
}

#[tokio::test]
async fn the_visitor_never_receives_a_forward_comment() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor_session = api.visitor().await?;
    let (id, mut visitor) = api.first_message(&visitor_session, "hello").await?;
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let mut ben_inbox = api.inbox(&ben.token).await?;
    let _ = snapshot(&mut ben_inbox).await?;
    assert_eq!(api.status(&ben.token, "available").await?.status, 200);
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let comment = "VIP customer, please check order 4711";
    let forwarded = api
        .act(
            &anna.token,
            &id,
            "forward",
            serde_json::json!({ "agent": ben.agent.id, "comment": comment }),
        )
        .await?;
    assert_eq!(forwarded.status, 200, "{}", forwarded.body);
    // Live: the visitor learns of the transfer, not the comment.
    let line = visitor
        .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text.contains("forwarded")))
        .await?;
    assert!(matches!(&line, ServerFrame::Message(m) if m.text == "Anna forwarded the chat to Ben"));
    let later = visitor.drain(Duration::from_millis(400)).await;
    let leaked = |frames: &[ServerFrame]| {
        frames
            .iter()
            .any(|f| matches!(f, ServerFrame::Message(m) if m.text.contains(comment) || m.kind == MessageKind::Internal))
    };
    assert!(!leaked(&later), "{later:?}");
    // Resumed from the start: replayed without it.
    let (mut again, welcome) = api.join(&id, &visitor_session.token, 0).await?;
    let replay = again.drain(Duration::from_millis(400)).await;
    assert!(!leaked(&replay), "{replay:?}");
    let ServerFrame::Welcome { last_seq, .. } = welcome else {
        bail!("no welcome")
    };
    let replayed_last = replay
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m) => Some(m.seq),
            _ => None,
        })
        .max();
    assert_eq!(
        replayed_last,
        Some(last_seq),
        "the welcome counts a line the visitor never gets"
    );
    // Ben reads it.
    let (mut ben_chat, _) = api.join(&id, &ben.token, 0).await?;
    ben_chat
        .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text == format!("Comment from Anna: {comment}")))
        .await?;
    Ok(())
}

#[tokio::test]
async fn the_queue_position_is_pushed_to_the_visitor() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let (first, _, _v1) = waiting(&api, tests::SITE_KEY).await?;
    let (_second, _, mut second_socket) = waiting(&api, tests::SITE_KEY).await?;
    // Told once queued: second in line.
    second_socket
        .recv_until(|f| matches!(f, ServerFrame::Queue { position: 2, .. }))
        .await?;
    // The first is taken: the second hears it is next, without asking.
    assert_eq!(api.take(&anna.token, &first).await?.status, 200);
    second_socket
        .recv_until(|f| matches!(f, ServerFrame::Queue { position: 1, .. }))
        .await?;
    Ok(())
}
