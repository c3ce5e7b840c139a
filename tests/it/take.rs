//! "Take it": two agents racing, exactly one wins; a department's queue
//! never reaches agents outside it.

use shared::api::Taken;
use shared::frame::{ClientFrame, ErrorCode, ServerFrame};
use shared::inbox::InboxFrame;
use std::time::Duration;
use tests::Worker;

#[tokio::test]
async fn two_agents_racing_exactly_one_wins() -> anyhow::Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let mut ben_inbox = api.inbox(&ben.token).await?;
    let _ = ben_inbox.next::<InboxFrame>().await?;
    for round in 0..20 {
        let visitor = api.visitor().await?;
        let id = api.start(&visitor).await?;
        let (mut v, _) = api.join(&id, &visitor.token, 0).await?;
        v.send(&ClientFrame::Send {
            client_id: "c-1".into(),
            text: format!("race {round}"),
            kind: Default::default(),
        })
        .await?;
        v.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
            .await?;
        // Wait until the queue shows it, as an agent would.
        ben_inbox
            .recv_until_inbox(
                |f| matches!(f, InboxFrame::Upsert { conversation } if conversation.id.0 == id),
            )
            .await?;
        let (a, b) = tokio::join!(api.take(&anna.token, &id), api.take(&ben.token, &id));
        let (a, b) = (a?, b?);
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {} / {}",
            a.body,
            b.body
        );
        let (winner, loser) = if a.status == 200 { (&a, &b) } else { (&b, &a) };
        assert_eq!(loser.code()?, ErrorCode::AlreadyTaken);
        let taken: Taken = winner.json()?;
        let expected = if a.status == 200 { "Anna" } else { "Ben" };
        assert_eq!(
            taken.conversation.assignee.map(|p| p.name),
            Some(expected.to_string())
        );
        // The visitor sees exactly one agent join.
        let frames = v.drain(Duration::from_millis(300)).await;
        let joins = frames
            .iter()
            .filter(|f| matches!(f, ServerFrame::Message(m) if m.text.ends_with("joined the chat")))
            .count();
        assert_eq!(joins, 1, "round {round}");
    }
    Ok(())
}

#[tokio::test]
async fn other_departments_never_see_the_queue() -> anyhow::Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    // Sam works Sales only; the demo site queues in Support.
    let sam = api.login("sam@demo.test").await?;
    let mut sam_inbox = api.inbox(&sam.token).await?;
    let _ = sam_inbox.next::<InboxFrame>().await?;
    let anna = api.login("anna@demo.test").await?;
    let mut anna_inbox = api.inbox(&anna.token).await?;
    let _ = anna_inbox.next::<InboxFrame>().await?;

    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let (mut v, _) = api.join(&id, &visitor.token, 0).await?;
    v.send(&ClientFrame::Send {
        client_id: "c-1".into(),
        text: "support please".into(),
        kind: Default::default(),
    })
    .await?;
    anna_inbox
        .recv_until_inbox(
            |f| matches!(f, InboxFrame::Upsert { conversation } if conversation.id.0 == id),
        )
        .await?;
    // Not live, not in the list, not through the API.
    assert!(sam_inbox
        .drain_inbox(Duration::from_millis(500))
        .await
        .is_empty());
    let sam_inbox2 = api.inbox(&sam.token).await?;
    let mut sam_inbox2 = sam_inbox2;
    let InboxFrame::Snapshot { queued, mine, .. } = sam_inbox2.next().await? else {
        anyhow::bail!("snapshot")
    };
    assert!(queued.is_empty() && mine.is_empty());
    let mut s = api.socket(&id, &sam.token).await?;
    assert_eq!(s.closed().await?, shared::close::FORBIDDEN);
    // The inbox answers pings, and refuses anything else with a code.
    sam_inbox2.send_text("{\"type\":\"ping\"}".into()).await?;
    assert_eq!(sam_inbox2.next::<InboxFrame>().await?, InboxFrame::Pong);
    sam_inbox2
        .send_text("{\"type\":\"take_all\"}".into())
        .await?;
    assert!(matches!(
        sam_inbox2.next::<InboxFrame>().await?,
        InboxFrame::Error {
            code: ErrorCode::BadFrame,
            ..
        }
    ));
    let take = api.take(&sam.token, &id).await?;
    assert_eq!((take.status, take.code()?), (403, ErrorCode::Forbidden));
    Ok(())
}
