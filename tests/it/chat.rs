//! A whole chat: visitor writes, the message queues, an agent previews,
//! takes and replies; acks, receipts and typing reach the right side.

use crate::{acked, message};
use shared::frame::{
    ClientFrame, ConversationStatus, ErrorCode, MessageKind, ReceiptKind, ServerFrame, Side,
};
use shared::inbox::InboxFrame;
use std::time::Duration;
use tests::Worker;

#[tokio::test]
async fn visitor_and_agent_chat_with_receipts_and_typing() -> anyhow::Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let mut anna_inbox = api.inbox(&anna.token).await?;
    let InboxFrame::Snapshot { queued, mine, .. } = anna_inbox.next().await? else {
        anyhow::bail!("expected a snapshot first");
    };
    assert!(queued.is_empty() && mine.is_empty());

    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let (mut v, welcome) = api.join(&id, &visitor.token, 0).await?;
    let ServerFrame::Welcome {
        conversation,
        you,
        last_seq,
        ..
    } = welcome
    else {
        unreachable!()
    };
    assert_eq!(conversation.status, ConversationStatus::New);
    assert_eq!(you.side, Side::Visitor);
    assert_eq!(you.id, visitor.visitor_id.0);
    assert_eq!(last_seq, 0);

    // The first message is stored, acked, and queues the conversation.
    v.send(&ClientFrame::Send {
        client_id: "c-1".into(),
        text: "Hello, <b>anyone</b>?".into(),
        kind: Default::default(),
    })
    .await?;
    // The sending socket gets the ack (with the stored time) instead of the
    // message itself.
    let ack = v.recv().await?;
    assert_eq!(acked(&ack), Some(("c-1", 1)));
    let ServerFrame::Ack { sent_at, .. } = ack else {
        unreachable!()
    };
    assert!(sent_at > 1_600_000_000_000, "a real clock: {sent_at}");
    let state = v.recv().await?;
    assert!(
        matches!(state, ServerFrame::State { ref conversation } if conversation.status == ConversationStatus::Queued)
    );

    // Anna's inbox shows it in the queue, with the preview.
    let InboxFrame::Upsert { conversation } = anna_inbox.next().await? else {
        anyhow::bail!("expected an upsert");
    };
    assert_eq!(conversation.id.0, id);
    assert_eq!(conversation.status, ConversationStatus::Queued);
    assert_eq!(conversation.preview, "Hello, <b>anyone</b>?");

    // She previews it: she sees the message but cannot write before taking.
    let (mut a, welcome) = api.join(&id, &anna.token, 0).await?;
    assert!(matches!(welcome, ServerFrame::Welcome { last_seq: 1, .. }));
    let first = a.recv().await?;
    assert_eq!(
        message(&first).map(|m| (m.seq, m.text.as_str())),
        Some((1, "Hello, <b>anyone</b>?"))
    );
    a.send(&ClientFrame::Send {
        client_id: "a-0".into(),
        text: "too early".into(),
        kind: Default::default(),
    })
    .await?;
    let refused = a.recv().await?;
    assert!(
        matches!(refused, ServerFrame::Error { code: ErrorCode::Forbidden, client_id: Some(ref c), .. } if c.0 == "a-0")
    );

    // Take it: a system line and the new state reach both sides.
    let taken = api.take(&anna.token, &id).await?;
    assert_eq!(taken.status, 200, "{}", taken.body);
    let line = a.recv_until(|f| message(f).is_some()).await?;
    let line = message(&line).expect("a message");
    assert_eq!(
        (line.kind, line.text.as_str()),
        (MessageKind::System, "Anna joined the chat")
    );
    let seen_by_visitor = v.recv_until(|f| message(f).is_some()).await?;
    assert_eq!(message(&seen_by_visitor).map(|m| m.seq), Some(2));
    let state = v.recv().await?;
    assert!(
        matches!(state, ServerFrame::State { ref conversation } if conversation.assignee.as_ref().map(|a| a.name.as_str()) == Some("Anna"))
    );
    let InboxFrame::Upsert { conversation } = anna_inbox.next().await? else {
        anyhow::bail!("expected an upsert after the take");
    };
    assert_eq!(conversation.status, ConversationStatus::Active);

    // Typing relays to the other side only.
    a.send(&ClientFrame::Typing { active: true }).await?;
    let typing = v
        .recv_until(|f| matches!(f, ServerFrame::Typing { .. }))
        .await?;
    assert!(matches!(typing, ServerFrame::Typing { ref who, active: true } if who.name == "Anna"));

    // Anna replies; the visitor's device confirms delivery, then reading.
    a.send(&ClientFrame::Send {
        client_id: "a-1".into(),
        text: "Hi! How can I help?".into(),
        kind: Default::default(),
    })
    .await?;
    let ack = a
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    assert_eq!(acked(&ack), Some(("a-1", 3)));
    let reply = v.recv_until(|f| message(f).is_some()).await?;
    let reply = message(&reply).expect("a message");
    assert_eq!(
        (reply.seq, reply.author.name.as_str(), reply.text.as_str()),
        (3, "Anna", "Hi! How can I help?")
    );

    // Each receipt writes one row: the visitor's first makes their
    // watermark, the next changes it.
    let before = api.rows_written(&id).await?;
    v.send(&ClientFrame::Receipt {
        kind: ReceiptKind::Delivered,
        seq: 3,
    })
    .await?;
    let r = a
        .recv_until(|f| matches!(f, ServerFrame::Receipt(_)))
        .await?;
    let ServerFrame::Receipt(w) = r else {
        unreachable!()
    };
    assert_eq!(
        (w.participant.side, w.delivered, w.read),
        (Side::Visitor, 3, 0)
    );
    assert_eq!(api.rows_written(&id).await? - before, 1);
    v.send(&ClientFrame::Receipt {
        kind: ReceiptKind::Read,
        seq: 3,
    })
    .await?;
    let r = a
        .recv_until(|f| matches!(f, ServerFrame::Receipt(_)))
        .await?;
    let ServerFrame::Receipt(w) = r else {
        unreachable!()
    };
    assert_eq!((w.delivered, w.read), (3, 3));
    assert_eq!(api.rows_written(&id).await? - before, 2);

    // Watermarks never go back, and cannot pass the last message.
    v.send(&ClientFrame::Receipt {
        kind: ReceiptKind::Delivered,
        seq: 1,
    })
    .await?;
    v.send(&ClientFrame::Receipt {
        kind: ReceiptKind::Read,
        seq: 999,
    })
    .await?;
    v.send(&ClientFrame::Ping { nonce: 7 }).await?;
    let frames = v.drain(Duration::from_millis(500)).await;
    assert!(frames.contains(&ServerFrame::Pong { nonce: 7 }));
    assert!(!frames.iter().any(|f| matches!(f, ServerFrame::Receipt(w) if w.participant.side == Side::Visitor && (w.delivered < 3 || w.read > 3))));

    // A fresh device of the visitor gets the watermarks in its welcome.
    let (_v2, welcome) = api.join(&id, &visitor.token, 3).await?;
    let ServerFrame::Welcome { receipts, .. } = welcome else {
        unreachable!()
    };
    assert!(receipts
        .iter()
        .any(|w| w.participant.side == Side::Visitor && w.read == 3));
    Ok(())
}

#[tokio::test]
async fn messages_survive_as_plain_text() -> anyhow::Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let (mut v, _) = api.join(&id, &visitor.token, 0).await?;
    let nasty = "<script>alert(1)</script><img src=x onerror=alert(2)> & \"quotes\" 'x' \u{202e} 🙂\nline two";
    v.send(&ClientFrame::Send {
        client_id: "c-x".into(),
        text: nasty.into(),
        kind: Default::default(),
    })
    .await?;
    v.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    let (mut again, _) = api.join(&id, &visitor.token, 0).await?;
    let stored = again.recv_until(|f| message(f).is_some()).await?;
    assert_eq!(message(&stored).map(|m| m.text.as_str()), Some(nasty));
    Ok(())
}

#[tokio::test]
async fn the_visitor_ends_the_chat_and_it_closes_for_the_agent() -> anyhow::Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let mut inbox = api.inbox(&anna.token).await?;
    let _ = inbox.next::<InboxFrame>().await?;
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let (mut v, _) = api.join(&id, &visitor.token, 0).await?;
    v.send(&ClientFrame::Send {
        client_id: "c-1".into(),
        text: "hi".into(),
        kind: Default::default(),
    })
    .await?;
    v.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let (mut a, _) = api.join(&id, &anna.token, 0).await?;
    // Agents close with a comment through the API, not with "end".
    a.send_text(r#"{"type":"end"}"#.into()).await?;
    let refused = a
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await?;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));

    v.send_text(r#"{"type":"end"}"#.into()).await?;
    let closed = a
        .recv_until(|f| matches!(f, ServerFrame::State { conversation } if conversation.status == ConversationStatus::Closed))
        .await?;
    assert!(matches!(closed, ServerFrame::State { .. }));
    // It leaves the agent's list.
    let removed = inbox
        .recv_until_inbox(|f| matches!(f, InboxFrame::Remove { .. }))
        .await?;
    assert_eq!(
        removed,
        InboxFrame::Remove {
            id: id.as_str().into()
        }
    );
    // Nothing more can be written in it, by either side.
    v.send(&ClientFrame::Send {
        client_id: "c-2".into(),
        text: "one more".into(),
        kind: Default::default(),
    })
    .await?;
    let refused = v
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await?;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::ConversationClosed,
            ..
        }
    ));
    let mut inbox2 = api.inbox(&anna.token).await?;
    let InboxFrame::Snapshot { queued, mine, .. } = inbox2.next().await? else {
        anyhow::bail!("snapshot")
    };
    assert!(queued.is_empty() && mine.is_empty());
    Ok(())
}
