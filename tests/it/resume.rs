//! Resume: clients that drop and come back get exactly what they missed,
//! once, in order, and their unacked sends are stored once.

use crate::{acked, message};
use anyhow::{ensure, Result};
use shared::api::{LoginResponse, VisitorSession};
use shared::frame::{ClientFrame, Message, ServerFrame, Side};
use shared::inbox::InboxFrame;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tests::{Api, Socket, Worker};

/// What one side has seen, checking the order as it goes.
#[derive(Default)]
struct Seen {
    /// Messages received as `message` frames.
    messages: BTreeMap<u64, Message>,
    /// The highest seq held: received messages and one's own acked sends.
    last: u64,
}

impl Seen {
    fn last(&self) -> u64 {
        self.last
    }

    /// Records a frame; every message must be the next one, never a repeat
    /// and never a gap. An ack stands for one's own message: a new one is
    /// the next seq, a repeated one is at most the last.
    fn take(&mut self, frame: &ServerFrame) -> Result<()> {
        if let Some(m) = message(frame) {
            ensure!(
                m.seq == self.last + 1,
                "got seq {} after {}",
                m.seq,
                self.last
            );
            self.messages.insert(m.seq, m.clone());
            self.last = m.seq;
        }
        if let Some((_, seq)) = acked(frame) {
            ensure!(seq <= self.last + 1, "ack for {seq} after {}", self.last);
            self.last = self.last.max(seq);
        }
        Ok(())
    }
}

/// Joins with the last seen seq and reads the welcome and the replay.
async fn rejoin(api: &Api, id: &str, token: &str, seen: &mut Seen) -> Result<Socket> {
    let (mut s, welcome) = api.join(id, token, seen.last()).await?;
    let ServerFrame::Welcome { last_seq, .. } = welcome else {
        unreachable!()
    };
    while seen.last() < last_seq {
        let f = s.recv().await?;
        seen.take(&f)?;
    }
    Ok(s)
}

/// A conversation where the visitor sent `n` messages and Anna took it
/// (her take's line is message `n + 1`): its id, the visitor's session,
/// Anna's sign-in, and the visitor's socket with what it saw.
async fn sent_and_taken(
    api: &Api,
    n: u64,
) -> Result<(String, VisitorSession, LoginResponse, Socket, Seen)> {
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let anna = api.login("anna@demo.test").await?;
    let mut vseen = Seen::default();
    let mut v = rejoin(api, &id, &visitor.token, &mut vseen).await?;
    for i in 0..n {
        v.send(&ClientFrame::Send {
            client_id: format!("v-{i}").as_str().into(),
            text: format!("before {i}"),
            kind: Default::default(),
        })
        .await?;
    }
    while vseen.last() < n {
        let f = v.recv().await?;
        vseen.take(&f)?;
    }
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    while vseen.last() < n + 1 {
        let f = v.recv().await?;
        vseen.take(&f)?;
    }
    Ok((id, visitor, anna, v, vseen))
}

#[tokio::test]
async fn hundreds_of_messages_through_dozens_of_disconnects() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let anna = api.login("anna@demo.test").await?;

    let mut vseen = Seen::default();
    let mut v = rejoin(&api, &id, &visitor.token, &mut vseen).await?;
    v.send(&ClientFrame::Send {
        client_id: "v-first".into(),
        text: "hello".into(),
        kind: Default::default(),
    })
    .await?;
    v.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    drop(v);
    vseen = Seen::default();
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);

    let mut aseen = Seen::default();
    let mut a = rejoin(&api, &id, &anna.token, &mut aseen).await?;

    const ROUNDS: usize = 30;
    const PER_ROUND: usize = 10;
    let mut pending: Vec<String> = Vec::new();
    let mut sent_by_visitor = BTreeSet::from(["v-first".to_string()]);
    let mut sent_by_agent = BTreeSet::new();
    for round in 0..ROUNDS {
        // While the visitor is away, the agent writes.
        let cid = format!("a-{round}");
        let send = ClientFrame::Send {
            client_id: cid.as_str().into(),
            text: format!("agent {round}"),
            kind: Default::default(),
        };
        a.send(&send).await?;
        sent_by_agent.insert(cid);
        if round % 7 == 3 {
            // Now and then the agent drops too, mid-send, catches up and
            // sends its unacked message again.
            drop(a);
            a = rejoin(&api, &id, &anna.token, &mut aseen).await?;
            a.send(&send).await?;
        }

        let mut v = rejoin(&api, &id, &visitor.token, &mut vseen).await?;
        // Re-send what was never acked, with the same ids.
        for cid in &pending {
            v.send(&ClientFrame::Send {
                client_id: cid.as_str().into(),
                text: format!("visitor {cid}"),
                kind: Default::default(),
            })
            .await?;
        }
        let fresh: Vec<String> = (0..PER_ROUND).map(|i| format!("v-{round}-{i}")).collect();
        pending.extend(fresh.iter().cloned());
        sent_by_visitor.extend(fresh.iter().cloned());
        // Send some, wait for a few acks, then drop the connection mid-flight.
        let cut = (round * 3) % PER_ROUND;
        for cid in &fresh {
            v.send(&ClientFrame::Send {
                client_id: cid.as_str().into(),
                text: format!("visitor {cid}"),
                kind: Default::default(),
            })
            .await?;
        }
        let mut acks = 0;
        while acks < cut {
            let f = v.recv().await?;
            vseen.take(&f)?;
            if let ServerFrame::Ack { client_id, .. } = &f {
                pending.retain(|p| p != &client_id.0);
                acks += 1;
            }
        }
        v.abort();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // A last visit sends whatever is still pending and waits for every ack.
    let mut v = rejoin(&api, &id, &visitor.token, &mut vseen).await?;
    for cid in &pending {
        v.send(&ClientFrame::Send {
            client_id: cid.as_str().into(),
            text: format!("visitor {cid}"),
            kind: Default::default(),
        })
        .await?;
    }
    while !pending.is_empty() {
        let f = v.recv().await?;
        vseen.take(&f)?;
        if let ServerFrame::Ack { client_id, .. } = &f {
            pending.retain(|p| p != &client_id.0);
        }
    }

    // The agent, who stayed (mostly) connected, saw everything in order.
    let total = vseen.last();
    while aseen.last() < total {
        let f = a.recv().await?;
        aseen.take(&f)?;
    }

    // Full history from scratch: every send stored exactly once, no gaps.
    let mut fresh = Seen::default();
    let _s = rejoin(&api, &id, &visitor.token, &mut fresh).await?;
    let ids = |side: Side| -> Vec<String> {
        fresh
            .messages
            .values()
            .filter(|m| m.author.side == side)
            .filter_map(|m| m.client_id.as_ref().map(|c| c.0.clone()))
            .collect()
    };
    let visitor_ids = ids(Side::Visitor);
    assert_eq!(
        visitor_ids.len(),
        sent_by_visitor.len(),
        "visitor messages stored once each"
    );
    assert_eq!(
        visitor_ids.iter().cloned().collect::<BTreeSet<_>>(),
        sent_by_visitor
    );
    assert_eq!(
        ids(Side::Agent).into_iter().collect::<BTreeSet<_>>(),
        sent_by_agent
    );
    assert_eq!(fresh.messages.len() as u64, total);
    assert_eq!(visitor_ids.len(), 1 + ROUNDS * PER_ROUND);
    Ok(())
}

#[tokio::test]
async fn a_retried_send_is_stored_once() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let (mut v, _) = api.join(&id, &visitor.token, 0).await?;
    let send = ClientFrame::Send {
        client_id: "c-retry".into(),
        text: "once".into(),
        kind: Default::default(),
    };
    v.send(&send).await?;
    v.send(&send).await?;
    let frames = v.drain(Duration::from_millis(700)).await;
    let acks: Vec<_> = frames.iter().filter_map(acked).collect();
    assert_eq!(acks, vec![("c-retry", 1); 2]);
    assert_eq!(
        frames.iter().filter(|f| message(f).is_some()).count(),
        0,
        "the sender gets acks only"
    );

    // Again from another connection, as after a reload.
    drop(v);
    let (mut v, _) = api.join(&id, &visitor.token, 1).await?;
    v.send(&send).await?;
    // (A waiting visitor also hears where they wait after the welcome.)
    let ack = v
        .recv_until(|f| !matches!(f, ServerFrame::Queue { .. }))
        .await?;
    assert_eq!(acked(&ack), Some(("c-retry", 1)));
    let (_, welcome) = api.join(&id, &visitor.token, 0).await?;
    assert!(matches!(welcome, ServerFrame::Welcome { last_seq: 1, .. }));
    Ok(())
}

#[tokio::test]
async fn resume_after_the_worker_restarts() -> Result<()> {
    let mut worker = Worker::start().await?;
    let api = worker.api();
    let (id, visitor, anna, mut v, mut vseen) = sent_and_taken(&api, 5).await?;
    // A send that the visitor never saw acked, in flight as the worker stops.
    v.send(&ClientFrame::Send {
        client_id: "v-inflight".into(),
        text: "in flight".into(),
        kind: Default::default(),
    })
    .await?;

    worker.restart().await?;
    let api = worker.api();

    // Anna signs in again (tokens survive: they are signed, not stored) and
    // finds the conversation in her list.
    let mut inbox = api.inbox(&anna.token).await?;
    let InboxFrame::Snapshot { mine, .. } = inbox.next().await? else {
        anyhow::bail!("snapshot")
    };
    assert_eq!(
        mine.iter().map(|c| c.id.0.as_str()).collect::<Vec<_>>(),
        vec![id.as_str()]
    );

    let mut aseen = Seen::default();
    let mut a = rejoin(&api, &id, &anna.token, &mut aseen).await?;
    for i in 0..3 {
        a.send(&ClientFrame::Send {
            client_id: format!("a-{i}").as_str().into(),
            text: format!("after {i}"),
            kind: Default::default(),
        })
        .await?;
    }
    let mut acked = 0;
    while acked < 3 {
        let f = a.recv().await?;
        if matches!(f, ServerFrame::Ack { .. }) {
            acked += 1;
        }
    }

    // The visitor resumes from seq 6 and gets exactly what it missed.
    let before = vseen.last();
    let mut v = rejoin(&api, &id, &visitor.token, &mut vseen).await?;
    let missed: Vec<String> = vseen
        .messages
        .range(before + 1..)
        .map(|(_, m)| m.text.clone())
        .collect();
    let inflight_stored = missed.first().is_some_and(|t| t == "in flight");
    let expected_after: Vec<&str> = vec!["after 0", "after 1", "after 2"];
    assert_eq!(
        missed
            .iter()
            .filter(|t| t.starts_with("after"))
            .map(String::as_str)
            .collect::<Vec<_>>(),
        expected_after
    );
    // Its in-flight send goes out again and is stored exactly once.
    v.send(&ClientFrame::Send {
        client_id: "v-inflight".into(),
        text: "in flight".into(),
        kind: Default::default(),
    })
    .await?;
    let ack = v
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    let ServerFrame::Ack { seq, .. } = ack else {
        unreachable!()
    };
    if inflight_stored {
        assert_eq!(seq, before + 1);
    } else {
        assert_eq!(seq, before + 4);
    }
    let mut all = Seen::default();
    let _s = rejoin(&api, &id, &visitor.token, &mut all).await?;
    assert_eq!(
        all.messages
            .values()
            .filter(|m| m.text == "in flight")
            .count(),
        1
    );
    Ok(())
}

/// A conversation stored before its row and its watermarks moved into
/// `kv` is migrated by the first event that loads it: its messages, its
/// watermarks and its agent as they were, its sequence going on without a
/// gap, and the earlier tables gone.
#[tokio::test]
async fn a_conversation_in_the_earlier_tables_is_migrated_and_loses_nothing() -> Result<()> {
    use shared::frame::ReceiptKind;
    let worker = Worker::start().await?;
    let api = worker.api();
    let (id, visitor, anna, mut v, _) = sent_and_taken(&api, 3).await?;
    let mut aseen = Seen::default();
    let mut a = rejoin(&api, &id, &anna.token, &mut aseen).await?;
    v.send(&ClientFrame::Receipt {
        kind: ReceiptKind::Read,
        seq: 4,
    })
    .await?;
    a.recv_until(|f| matches!(f, ServerFrame::Receipt(_)))
        .await?;
    drop((v, a));

    let tables = |answer: &tests::Answer| -> Result<Vec<String>> {
        ensure!(answer.status == 200, "{answer:?}");
        let v: serde_json::Value = serde_json::from_str(&answer.body)?;
        Ok(serde_json::from_value(v["tables"].clone())?)
    };
    let earlier = api
        .raw(
            "POST",
            &format!("/api/v1/bench/conversations/{id}/earlier-layout"),
            None,
            Some("{}".into()),
        )
        .await?;
    let earlier = tables(&earlier)?;
    for table in ["meta", "watermarks", "webhook_outbox"] {
        ensure!(earlier.iter().any(|t| t == table), "{earlier:?}");
    }

    // The visitor comes back from the start and finds everything.
    let (mut v, welcome) = api.join(&id, &visitor.token, 0).await?;
    let ServerFrame::Welcome {
        last_seq,
        receipts,
        conversation,
        ..
    } = welcome
    else {
        unreachable!()
    };
    assert_eq!(last_seq, 4);
    assert_eq!(
        conversation.assignee.map(|p| p.id),
        Some(anna.agent.id.0.clone())
    );
    assert!(
        receipts
            .iter()
            .any(|w| w.participant.side == Side::Visitor && w.read == 4),
        "{receipts:?}"
    );
    let mut replay = Seen::default();
    while replay.last() < 4 {
        let f = v.recv().await?;
        replay.take(&f)?;
    }
    let texts: Vec<&str> = replay.messages.values().map(|m| m.text.as_str()).collect();
    assert_eq!(&texts[..3], ["before 0", "before 1", "before 2"]);
    // A resent message is still known; a new one is the next seq.
    v.send(&ClientFrame::Send {
        client_id: "v-2".into(),
        text: "before 2".into(),
        kind: Default::default(),
    })
    .await?;
    let ack = v
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    assert_eq!(acked(&ack).map(|(_, seq)| seq), Some(3));
    v.send(&ClientFrame::Send {
        client_id: "v-after".into(),
        text: "after".into(),
        kind: Default::default(),
    })
    .await?;
    let ack = v
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    assert_eq!(acked(&ack).map(|(_, seq)| seq), Some(5));

    let now = api
        .raw(
            "GET",
            &format!("/api/v1/bench/conversations/{id}/stored"),
            None,
            None,
        )
        .await?;
    let now = tables(&now)?;
    ensure!(
        now.iter().any(|t| t == "kv")
            && now.iter().any(|t| t == "messages")
            && !now.iter().any(|t| t == "meta" || t == "watermarks"),
        "{now:?}"
    );
    Ok(())
}
