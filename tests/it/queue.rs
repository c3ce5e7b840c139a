//! The queue against the real worker: priorities reorder it, and a
//! workspace's grants decide who sees it and who may take from it.

use anyhow::{bail, Result};
use shared::api::WorkspaceSetup;
use shared::frame::{ClientFrame, ErrorCode, ServerFrame};
use shared::inbox::{ConversationSummary, InboxFrame};
use shared::routing::Priority;
use std::time::Duration;
use tests::{Api, Socket, Worker};

/// A visitor of `site` who wrote a first message: the conversation id, the
/// visitor's token and socket.
async fn waiting(api: &Api, site: &str) -> Result<(String, String, Socket)> {
    let v = api.visitor_of(site).await?;
    let (id, socket) = api.first_message(&v, "hello").await?;
    Ok((id, v.token, socket))
}

/// The snapshot a freshly opened inbox starts with: (queued, mine).
async fn snapshot(
    api: &Api,
    token: &str,
) -> Result<(Vec<ConversationSummary>, Vec<ConversationSummary>)> {
    let mut inbox = api.inbox(token).await?;
    match inbox.next::<InboxFrame>().await? {
        InboxFrame::Snapshot { queued, mine, .. } => Ok((queued, mine)),
        other => bail!("expected a snapshot, got {other:?}"),
    }
}

#[tokio::test]
async fn priority_reorders_the_queue_and_stays_with_the_conversation() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let sam = api.login("sam@demo.test").await?;
    let mut ben_inbox = api.inbox(&api.login("ben@demo.test").await?.token).await?;
    let _ = ben_inbox.next::<InboxFrame>().await?;
    let mut visitors = Vec::new();
    for _ in 0..3 {
        visitors.push(waiting(&api, "demo.website").await?);
    }
    let (last, last_token, _) = &visitors[2];
    assert_eq!(api.queue_position(last, last_token).await?.position, 3);
    // Anna makes the last one urgent: it leads the queue.
    let answer = api
        .act(
            &anna.token,
            last,
            "priority",
            serde_json::json!({ "priority": "urgent" }),
        )
        .await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.json::<ConversationSummary>()?.priority,
        Priority::Urgent
    );
    assert_eq!(api.queue_position(last, last_token).await?.position, 1);
    let (first, first_token, _) = &visitors[0];
    assert_eq!(api.queue_position(first, first_token).await?.position, 2);
    // Every agent of the department sees the change live.
    let upsert = ben_inbox
        .recv_until_inbox(|f| {
            matches!(f, InboxFrame::Upsert { conversation } if conversation.id.0 == *last && conversation.priority == Priority::Urgent)
        })
        .await;
    assert!(upsert.is_ok(), "no upsert with the new priority");
    // Refused: an unknown priority, another department, a visitor's token.
    let bad = api
        .act(
            &anna.token,
            last,
            "priority",
            serde_json::json!({ "priority": "extreme" }),
        )
        .await?;
    assert_eq!((bad.status, bad.code()?), (400, ErrorCode::BadRequest));
    let other = api
        .act(
            &sam.token,
            last,
            "priority",
            serde_json::json!({ "priority": "low" }),
        )
        .await?;
    assert_eq!((other.status, other.code()?), (403, ErrorCode::Forbidden));
    let visitor = api
        .act(
            last_token,
            last,
            "priority",
            serde_json::json!({ "priority": "low" }),
        )
        .await?;
    assert_eq!(visitor.status, 401, "{}", visitor.body);
    assert_eq!(api.queue_position(last, last_token).await?.position, 1);
    // Taken, it keeps its priority through the conversation's own updates.
    assert_eq!(api.take(&anna.token, last).await?.status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (queued, mine) = snapshot(&api, &anna.token).await?;
    let taken = mine.iter().find(|c| c.id.0 == *last);
    assert_eq!(taken.map(|c| c.priority), Some(Priority::Urgent));
    assert_eq!(
        queued.iter().map(|c| c.id.0.clone()).collect::<Vec<_>>(),
        vec![visitors[0].0.clone(), visitors[1].0.clone()]
    );
    Ok(())
}

#[tokio::test]
async fn the_queue_follows_the_workspace_grants() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    // Agents here only reply in chats given to them; managers keep all.
    let mut setup: WorkspaceSetup = tests::demo_workspace()?;
    setup.workspace = "assigned".into();
    setup.grants = vec![shared::api::RoleGrants {
        role: shared::api::Role::Agent,
        permissions: vec![shared::api::Permission::Reply],
    }];
    api.setup(&setup).await?;
    let (id, _, _) = waiting(&api, "assigned.website").await?;
    let anna = api.login_to("assigned", "anna@demo.test").await?;
    let mark = api.login_to("assigned", "mark@demo.test").await?;
    let (queued, _) = snapshot(&api, &anna.token).await?;
    assert!(
        queued.is_empty(),
        "an agent without view_queue saw {queued:?}"
    );
    let (queued, _) = snapshot(&api, &mark.token).await?;
    assert_eq!(
        queued.iter().map(|c| c.id.0.as_str()).collect::<Vec<_>>(),
        [id.as_str()]
    );
    let refused = api.take(&anna.token, &id).await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (403, ErrorCode::Forbidden)
    );
    assert!(refused.body.contains("cannot take"), "{}", refused.body);
    // Nor may the agent open the waiting conversation to preview it.
    let mut socket = api.socket(&id, &anna.token).await?;
    assert_eq!(socket.closed().await?, shared::close::FORBIDDEN);
    // The manager takes it.
    assert_eq!(api.take(&mark.token, &id).await?.status, 200);
    Ok(())
}

#[tokio::test]
async fn an_agent_whose_role_may_not_reply_reads_but_cannot_write() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup: WorkspaceSetup = tests::demo_workspace()?;
    setup.workspace = "readers".into();
    api.setup(&setup).await?;
    let (id, _, mut visitor) = waiting(&api, "readers.website").await?;
    let anna = api.login_to("readers", "anna@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    // Then the workspace takes replying away from agents.
    setup.grants = vec![shared::api::RoleGrants {
        role: shared::api::Role::Agent,
        permissions: vec![
            shared::api::Permission::ViewQueue,
            shared::api::Permission::TakeChat,
        ],
    }];
    api.setup(&setup).await?;
    let (mut socket, _) = api.join(&id, &anna.token, 0).await?;
    socket
        .send(&ClientFrame::Send {
            client_id: "a-1".into(),
            text: "Hello".into(),
            kind: Default::default(),
        })
        .await?;
    let refused = socket
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await?;
    assert!(
        matches!(&refused, ServerFrame::Error { code: ErrorCode::Forbidden, message, .. } if message.contains("cannot reply")),
        "{refused:?}"
    );
    let seen = visitor.drain(Duration::from_millis(300)).await;
    assert!(
        !seen
            .iter()
            .any(|f| matches!(f, ServerFrame::Message(m) if m.text == "Hello")),
        "{seen:?}"
    );
    // Nor may she take a chat she could not answer.
    let (other, _, _v) = waiting(&api, "readers.website").await?;
    let refused = api.take(&anna.token, &other).await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (403, ErrorCode::Forbidden)
    );
    assert!(refused.body.contains("cannot reply"), "{}", refused.body);
    Ok(())
}

#[tokio::test]
async fn under_auto_routing_a_role_that_may_not_reply_gets_no_offers() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup: WorkspaceSetup = tests::demo_workspace()?;
    setup.workspace = "quiet".into();
    setup.routing = Some(shared::api::RoutingSetup {
        algorithm: shared::routing::Algorithm::AutoSelection,
        capacity: None,
        offer_timeout_ms: 60_000,
        grace_ms: 60_000,
        departments: vec![],
    });
    setup.grants = vec![shared::api::RoleGrants {
        role: shared::api::Role::Agent,
        permissions: vec![
            shared::api::Permission::ViewQueue,
            shared::api::Permission::TakeChat,
        ],
    }];
    api.setup(&setup).await?;
    let mut inboxes = Vec::new();
    for email in ["anna@demo.test", "mark@demo.test"] {
        let login = api.login_to("quiet", email).await?;
        let mut inbox = api.inbox(&login.token).await?;
        let _ = inbox.next::<InboxFrame>().await?;
        assert_eq!(api.status(&login.token, "available").await?.status, 200);
        inboxes.push(inbox);
    }
    for _ in 0..3 {
        let (id, _, _v) = waiting(&api, "quiet.website").await?;
        let offered = inboxes[1]
            .recv_until_inbox(|f| matches!(f, InboxFrame::Offer { .. }))
            .await?;
        assert!(
            matches!(&offered, InboxFrame::Offer { conversation, .. } if conversation.id.0 == id)
        );
    }
    let anna_saw = inboxes[0].drain_inbox(Duration::from_millis(300)).await;
    assert!(
        !anna_saw
            .iter()
            .any(|f| matches!(f, InboxFrame::Offer { .. })),
        "{anna_saw:?}"
    );
    Ok(())
}
