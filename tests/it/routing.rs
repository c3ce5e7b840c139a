//! Routing against the real worker: offers passed on by decline and by
//! timeout, hold and re-routing, forwards, close, queue position.

use crate::message;
use anyhow::{bail, Context, Result};
use shared::api::{RoutingSetup, WorkspaceSetup};
use shared::frame::{ClientFrame, ConversationStatus, ErrorCode, ServerFrame};
use shared::inbox::InboxFrame;
use shared::routing::Algorithm;
use std::time::Duration;
use tests::{Api, Socket, Worker};

/// A workspace "auto" like the demo, with round-robin offers that lapse
/// after `timeout_ms` and a limit of `capacity` chats per agent.
async fn auto_workspace(api: &Api, timeout_ms: i64, capacity: Option<u32>) -> Result<()> {
    auto_workspace_with_grace(api, timeout_ms, capacity, 60_000).await
}

/// [`auto_workspace`] where an agent whose last app disconnected stays
/// routable for `grace_ms`.
async fn auto_workspace_with_grace(
    api: &Api,
    timeout_ms: i64,
    capacity: Option<u32>,
    grace_ms: i64,
) -> Result<()> {
    let mut setup: WorkspaceSetup = tests::demo_workspace()?;
    setup.workspace = "auto".into();
    setup.routing = Some(RoutingSetup {
        algorithm: Algorithm::AutoSelection,
        capacity,
        offer_timeout_ms: timeout_ms,
        grace_ms,
        departments: vec![],
    });
    api.setup(&setup).await
}

/// An agent of "auto": signed in, inbox open, available.
struct Agent {
    token: String,
    id: String,
    inbox: Socket,
}

async fn agent(api: &Api, email: &str) -> Result<Agent> {
    let login = api.login_to("auto", email).await?;
    let mut inbox = api.inbox(&login.token).await?;
    let _ = inbox.next::<InboxFrame>().await?;
    let answer = api.status(&login.token, "available").await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    Ok(Agent {
        token: login.token,
        id: login.agent.id.0,
        inbox,
    })
}

/// A visitor of "auto" who wrote a first message.
async fn visitor(api: &Api) -> Result<(String, String, Socket)> {
    let v = api.visitor_of("auto.website").await?;
    let (id, socket) = api.first_message(&v, "hello").await?;
    Ok((id, v.token, socket))
}

async fn offer(inbox: &mut Socket) -> Result<String> {
    match inbox
        .recv_until_inbox(|f| matches!(f, InboxFrame::Offer { .. }))
        .await?
    {
        InboxFrame::Offer { conversation, .. } => Ok(conversation.id.0),
        _ => bail!("not an offer"),
    }
}

#[tokio::test]
async fn declines_and_timeouts_pass_the_offer_on() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    auto_workspace(&api, 1_500, None).await?;
    let mut anna = agent(&api, "anna@demo.test").await?;
    let mut ben = agent(&api, "ben@demo.test").await?;
    let (id, vtoken, _v) = visitor(&api).await?;
    // Round robin in id order: whoever is first gets the offer.
    let (first, second) = if anna.id < ben.id {
        (&mut anna, &mut ben)
    } else {
        (&mut ben, &mut anna)
    };
    assert_eq!(
        offer(&mut first.inbox)
            .await
            .context("no offer for the first agent")?,
        id
    );
    // The visitor sees their place meanwhile.
    let position = api.queue_position(&id, &vtoken).await?;
    assert_eq!(position.position, 0, "offered, not waiting: {position:?}");
    // Declined: the other agent gets it.
    let answer = api
        .act(&first.token, &id, "decline", serde_json::json!({}))
        .await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        offer(&mut second.inbox)
            .await
            .context("no offer for the second agent")?,
        id
    );
    // Not answered in time: it passes on; both have passed, so it waits.
    let ended = second
        .inbox
        .recv_until_inbox(|f| matches!(f, InboxFrame::OfferEnded { .. }))
        .await
        .context("the offer to the second agent did not time out")?;
    assert_eq!(
        ended,
        InboxFrame::OfferEnded {
            id: id.as_str().into()
        }
    );
    let q = api.queue_position(&id, &vtoken).await?;
    assert_eq!(q.position, 1);
    // A late accept is refused; a take still works.
    let late = api
        .act(&second.token, &id, "accept", serde_json::json!({}))
        .await?;
    assert_eq!(late.status, 403);
    assert_eq!(api.take(&first.token, &id).await?.status, 200);
    Ok(())
}

#[tokio::test]
async fn accept_hold_reroute_forward_and_close() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    auto_workspace(&api, 30_000, Some(1)).await?;
    let mut anna = agent(&api, "anna@demo.test").await?;
    // Ben is signed in but away for now.
    let mut ben = agent(&api, "ben@demo.test").await?;
    assert_eq!(api.status(&ben.token, "away").await?.status, 200);

    let (id, _, mut v) = visitor(&api).await?;
    assert_eq!(offer(&mut anna.inbox).await?, id);
    assert_eq!(
        api.act(&anna.token, &id, "accept", serde_json::json!({}))
            .await?
            .status,
        200
    );
    v.recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text == "Anna joined the chat"))
        .await?;
    let (mut a, _) = api.join(&id, &anna.token, 0).await?;

    // Hold needs Anna's message last.
    let refused = api
        .act(&anna.token, &id, "hold", serde_json::json!({}))
        .await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (403, ErrorCode::Forbidden)
    );
    a.send(&ClientFrame::Send {
        client_id: "a-1".into(),
        text: "Let me check".into(),
        kind: Default::default(),
    })
    .await?;
    a.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    // An action answers the conversation as the lists now show it.
    let held = api
        .act(&anna.token, &id, "hold", serde_json::json!({}))
        .await?;
    assert_eq!(held.status, 200, "{}", held.body);
    let held: shared::inbox::ConversationSummary = held.json()?;
    assert_eq!(
        (held.status, held.assignee.map(|a| a.name)),
        (ConversationStatus::OnHold, Some("Anna".to_string()))
    );
    v.recv_until(|f| matches!(f, ServerFrame::State { conversation } if conversation.status == ConversationStatus::OnHold)).await?;

    // The visitor writes: back to Anna, who has room.
    v.send(&ClientFrame::Send {
        client_id: "v-2".into(),
        text: "Any news?".into(),
        kind: Default::default(),
    })
    .await?;
    v.recv_until(|f| matches!(f, ServerFrame::State { conversation } if conversation.status == ConversationStatus::Active)).await?;

    // Hold again; Anna fills up with another chat; the visitor writes: Ben
    // (available again) gets the offer.
    a.send(&ClientFrame::Send {
        client_id: "a-2".into(),
        text: "Still checking".into(),
        kind: Default::default(),
    })
    .await?;
    a.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    assert_eq!(
        api.act(&anna.token, &id, "hold", serde_json::json!({}))
            .await?
            .status,
        200
    );
    let (other, _, _v2) = visitor(&api).await?;
    assert_eq!(offer(&mut anna.inbox).await?, other);
    assert_eq!(
        api.act(&anna.token, &other, "accept", serde_json::json!({}))
            .await?
            .status,
        200
    );
    assert_eq!(api.status(&ben.token, "available").await?.status, 200);
    v.send(&ClientFrame::Send {
        client_id: "v-3".into(),
        text: "Hello?".into(),
        kind: Default::default(),
    })
    .await?;
    assert_eq!(offer(&mut ben.inbox).await?, id);
    assert_eq!(
        api.act(&ben.token, &id, "accept", serde_json::json!({}))
            .await?
            .status,
        200
    );
    v.recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text == "Ben joined the chat"))
        .await?;

    // Ben forwards to Anna with a comment: she is full, refused with a reason.
    let full = api
        .act(
            &ben.token,
            &id,
            "forward",
            serde_json::json!({ "agent": anna.id, "comment": "VIP" }),
        )
        .await?;
    assert_eq!(full.status, 403);
    assert!(full.body.contains("at capacity"), "{}", full.body);
    // Anna closes her other chat; now the forward goes through.
    let no_comment = api
        .act(
            &anna.token,
            &other,
            "close",
            serde_json::json!({ "comment": " " }),
        )
        .await?;
    assert_eq!(
        (no_comment.status, no_comment.code()?),
        (400, ErrorCode::InvalidMessage)
    );
    let closed = api
        .act(&anna.token, &other, "close", serde_json::json!({ "comment": "Solved", "tags": ["billing"], "disposition": "solved" }))
        .await?;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let fwd = api
        .act(
            &ben.token,
            &id,
            "forward",
            serde_json::json!({ "agent": anna.id, "comment": "VIP customer" }),
        )
        .await?;
    assert_eq!(fwd.status, 200, "{}", fwd.body);
    let line = v
        .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text.contains("forwarded")))
        .await?;
    // The visitor sees the transfer; the comment is for the agents.
    assert_eq!(
        message(&line).map(|m| m.text.as_str()),
        Some("Ben forwarded the chat to Anna")
    );
    let mine = anna
        .inbox
        .recv_until_inbox(|f| matches!(f, InboxFrame::Upsert { conversation } if conversation.id.0 == id && conversation.status == ConversationStatus::Active))
        .await?;
    assert!(
        matches!(mine, InboxFrame::Upsert { conversation } if conversation.assignee.as_ref().map(|p| p.name.as_str()) == Some("Anna"))
    );
    // Ben no longer works it.
    let not_his = api
        .act(
            &ben.token,
            &id,
            "close",
            serde_json::json!({ "comment": "x" }),
        )
        .await?;
    assert_eq!(not_his.status, 403);

    // Move to the queue, then close by Anna after taking it back.
    assert_eq!(
        api.act(&anna.token, &id, "queue", serde_json::json!({}))
            .await?
            .status,
        200
    );
    v.recv_until(
        |f| matches!(f, ServerFrame::Message(m) if m.text == "Anna moved the chat to the queue"),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

#[tokio::test]
async fn forwarding_needs_the_transfer_permission() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    // A workspace where agents may not transfer; managers keep the default.
    let mut setup: WorkspaceSetup = tests::demo_workspace()?;
    setup.workspace = "strict".into();
    setup.grants = vec![shared::api::RoleGrants {
        role: shared::api::Role::Agent,
        permissions: vec![
            shared::api::Permission::ViewQueue,
            shared::api::Permission::TakeChat,
            shared::api::Permission::Reply,
        ],
    }];
    api.setup(&setup).await?;
    let anna = api.login_to("strict", "anna@demo.test").await?;
    let ben = api.login_to("strict", "ben@demo.test").await?;
    let _ben_inbox = api.inbox(&ben.token).await?;
    assert_eq!(api.status(&ben.token, "available").await?.status, 200);
    let v = api.visitor_of("strict.website").await?;
    let id = api.start(&v).await?;
    let (mut s, _) = api.join(&id, &v.token, 0).await?;
    s.send(&ClientFrame::Send {
        client_id: "v-1".into(),
        text: "hi".into(),
        kind: Default::default(),
    })
    .await?;
    s.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let refused = api
        .act(
            &anna.token,
            &id,
            "forward",
            serde_json::json!({ "agent": ben.agent.id }),
        )
        .await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (403, ErrorCode::Forbidden)
    );
    assert!(refused.body.contains("cannot forward"), "{}", refused.body);
    // Nothing moved.
    let (_, welcome) = api.join(&id, &anna.token, 0).await?;
    assert!(
        matches!(welcome, ServerFrame::Welcome { conversation, .. } if conversation.assignee.as_ref().map(|a| a.name.as_str()) == Some("Anna"))
    );
    // An unknown permission name is refused at setup.
    let mut body = serde_json::to_value(&setup)?;
    if let Some(names) = body["grants"][0]["permissions"].as_array_mut() {
        names.push("fly".into());
    }
    let bad = api
        .raw(
            "POST",
            "/api/v1/admin/setup",
            Some(tests::SETUP_TOKEN),
            Some(body.to_string()),
        )
        .await?;
    assert_eq!((bad.status, bad.code()?), (400, ErrorCode::BadRequest));
    assert!(bad.body.contains("unknown permission"), "{}", bad.body);
    Ok(())
}

#[tokio::test]
async fn auto_routing_races_keep_one_owner_and_the_capacity() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    auto_workspace(&api, 60_000, Some(1)).await?;
    let mut anna = agent(&api, "anna@demo.test").await?;
    let mut ben = agent(&api, "ben@demo.test").await?;
    // Both away: conversations wait, and both race to take each one.
    for a in [&anna, &ben] {
        assert_eq!(api.status(&a.token, "away").await?.status, 200);
    }
    for round in 0..10 {
        let (id, _, _v) = visitor(&api).await?;
        let anna_won = api
            .race_to_take(&anna.token, &ben.token, &id)
            .await
            .with_context(|| format!("round {round}"))?;
        let winner = if anna_won { &anna } else { &ben };
        let closed = api
            .act(
                &winner.token,
                &id,
                "close",
                serde_json::json!({ "comment": "Answered" }),
            )
            .await?;
        assert_eq!(closed.status, 200, "{}", closed.body);
    }
    // Six visitors at once with both available, one chat each: each gets
    // exactly one offer, and the other four wait in order.
    for a in [&anna, &ben] {
        assert_eq!(api.status(&a.token, "available").await?.status, 200);
    }
    let mut arrivals = Vec::new();
    for _ in 0..6 {
        let api = api.clone();
        arrivals.push(tokio::spawn(async move { visitor(&api).await }));
    }
    let mut visitors = Vec::new();
    for a in arrivals {
        visitors.push(a.await??);
    }
    let anna_first = offer(&mut anna.inbox).await?;
    let ben_first = offer(&mut ben.inbox).await?;
    assert_ne!(anna_first, ben_first);
    let (a, b) = tokio::join!(
        api.act(&anna.token, &anna_first, "accept", serde_json::json!({})),
        api.act(&ben.token, &ben_first, "accept", serde_json::json!({}))
    );
    assert_eq!((a?.status, b?.status), (200, 200));
    for agent in [&mut anna, &mut ben] {
        let more = agent.inbox.drain_inbox(Duration::from_millis(300)).await;
        assert!(
            !more.iter().any(|f| matches!(f, InboxFrame::Offer { .. })),
            "an offer past capacity: {more:?}"
        );
    }
    let mut positions = Vec::new();
    for (id, token, _) in &visitors {
        if *id != anna_first && *id != ben_first {
            positions.push(api.queue_position(id, token).await?.position);
        }
    }
    positions.sort();
    assert_eq!(positions, [1, 2, 3, 4]);
    // Anna closes hers: the head of the queue is offered to her.
    let head = visitors
        .iter()
        .map(|(id, token, _)| (id, token))
        .filter(|(id, _)| **id != anna_first && **id != ben_first);
    let mut head_id = None;
    for (id, token) in head {
        if api.queue_position(id, token).await?.position == 1 {
            head_id = Some(id.clone());
        }
    }
    let closed = api
        .act(
            &anna.token,
            &anna_first,
            "close",
            serde_json::json!({ "comment": "Answered" }),
        )
        .await?;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(Some(offer(&mut anna.inbox).await?), head_id);
    Ok(())
}

#[tokio::test]
async fn an_agent_who_drops_is_not_routed_after_the_grace_period_and_keeps_their_chats(
) -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    auto_workspace_with_grace(&api, 60_000, None, 1_000).await?;
    let mut anna = agent(&api, "anna@demo.test").await?;
    let (mine, _, _v1) = visitor(&api).await?;
    assert_eq!(offer(&mut anna.inbox).await?, mine);
    let answer = api
        .act(&anna.token, &mine, "accept", serde_json::json!({}))
        .await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Anna's only app drops; Ben comes in; the grace period ends.
    anna.inbox.close().await?;
    let mut ben = agent(&api, "ben@demo.test").await?;
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    // Round robin would alternate; with Anna gone, both go to Ben.
    let mut offered = Vec::new();
    let mut visitors = Vec::new();
    for _ in 0..2 {
        let (id, token, socket) = visitor(&api).await?;
        offered.push(offer(&mut ben.inbox).await?);
        assert_eq!(offered.last(), Some(&id));
        visitors.push((token, socket));
    }
    // Anna comes back: her chat is still hers, and she is routed to again.
    let mut inbox = api.inbox(&anna.token).await?;
    match inbox.next::<InboxFrame>().await? {
        InboxFrame::Snapshot { mine: hers, .. } => {
            assert_eq!(
                hers.iter().map(|c| c.id.0.as_str()).collect::<Vec<_>>(),
                [mine.as_str()]
            );
        }
        other => bail!("expected a snapshot, got {other:?}"),
    }
    let (next, _, _v) = visitor(&api).await?;
    assert_eq!(offer(&mut inbox).await?, next);
    Ok(())
}
