//! Rows written: per message and per conversation, in the conversation's
//! object and in the workspace's other objects.

use super::*;

/// A conversation socket run by a client session, for the cost run.
pub(super) struct Client {
    pub(super) socket: Socket,
    pub(super) session: Session,
    pub(super) receipts: u64,
}

impl Client {
    /// Reads and answers every frame until the socket is quiet.
    pub(super) async fn settle(&mut self) -> Result<()> {
        loop {
            let frames = self.socket.drain(Duration::from_millis(80)).await;
            if frames.is_empty() {
                return Ok(());
            }
            for f in frames {
                self.receipts += feed(&mut self.session, &mut self.socket, f).await?;
            }
        }
    }

    /// Writes a message and waits for its ack.
    pub(super) async fn say(&mut self, client_id: String, text: String) -> Result<()> {
        self.session.handle(
            now_ms(),
            SessionInput::Compose {
                client_id: client_id.as_str().into(),
                text,
                kind: Default::default(),
            },
        );
        self.receipts += pump(&mut self.session, &mut self.socket).await?;
        while self.session.state().unacked() > 0 {
            let f = self.socket.recv().await?;
            self.receipts += feed(&mut self.session, &mut self.socket, f).await?;
        }
        Ok(())
    }
}

pub(super) struct Rows {
    pub(super) reference_per_message: f64,
    pub(super) product_per_message: f64,
    pub(super) product_per_message_with_receipts: f64,
    pub(super) product_per_conversation: u64,
    /// What the same conversation wrote in the workspace's other objects:
    /// the workspace (its queue, routing and index), contacts, reports.
    pub(super) others_per_conversation: [u64; 3],
    pub(super) receipts_per_message: f64,
}

/// The workspace's objects other than its conversations, as the
/// benchmark's rows route names them.
pub(super) const OTHERS: [&str; 3] = ["workspace", "contacts", "reports"];

/// Rows each of [`OTHERS`] of the demo workspace wrote so far.
pub(super) async fn others(api: &tests::Api) -> Result<[u64; 3]> {
    let mut rows = [0; 3];
    for (kind, n) in OTHERS.iter().zip(rows.iter_mut()) {
        *n = api.object_rows(kind, "demo").await?;
    }
    Ok(rows)
}

/// The product: one conversation's whole life as the apps live it (both
/// sides run the client session, on screen): the visitor's first message,
/// an agent's take, 9 more visitor messages while the agent's app is not
/// reading (one receipt for the burst once it does), then 20 messages
/// taking turns, each read at once, and the close. The reference: 30
/// messages in a room.
pub(super) async fn rows(worker: &Worker, reference: &Reference) -> Result<Rows> {
    let mut room = plain_pairs(
        |_| {
            let url = format!("ws://127.0.0.1:{}/room/cost", reference.port);
            (format!("{url}?name=visitor"), format!("{url}?name=agent"))
        },
        1,
    )
    .await?
    .pop()
    .ok_or_else(|| anyhow!("no room"))?;
    let before = reference.rows("cost").await?;
    for _ in 0..30 {
        plain_round(&mut room, false).await?;
    }
    let reference_per_message = (reference.rows("cost").await? - before) as f64 / 30.0;

    let api = worker.api();
    let agent_token = api.login("anna@demo.test").await?.token;
    let visitor = api.visitor().await?;
    let others_before = others(&api).await?;
    let id = api.start(&visitor).await?;
    let (socket, session) = open_session(&api, &id, &visitor.token, Party::Visitor).await?;
    let mut v = Client {
        socket,
        session,
        receipts: 0,
    };
    v.say("v-0".into(), "Hello, my order has not arrived".into())
        .await?;
    take_when_queued(&api, &agent_token, &id).await?;
    let (socket, session) = open_session(&api, &id, &agent_token, Party::Agent).await?;
    let mut a = Client {
        socket,
        session,
        receipts: 0,
    };
    v.settle().await?;
    a.settle().await?;
    let quiet_start = api.rows_written(&id).await?;
    for i in 1..10 {
        v.say(format!("v-{i}"), format!("Some more detail, part {i}"))
            .await?;
    }
    let quiet_end = api.rows_written(&id).await?;
    a.settle().await?;
    v.settle().await?;
    let turns_start = api.rows_written(&id).await?;
    let receipts_start = a.receipts + v.receipts;
    for i in 0..20 {
        if i % 2 == 0 {
            a.say(format!("a-{i}"), format!("Let me check that for you ({i})"))
                .await?;
        } else {
            v.say(format!("v-1{i}"), format!("Thank you ({i})")).await?;
        }
        a.settle().await?;
        v.settle().await?;
    }
    let turns_end = api.rows_written(&id).await?;
    let receipts = a.receipts + v.receipts - receipts_start;
    let closed = api
        .act(
            &agent_token,
            &id,
            "close",
            serde_json::json!({ "comment": "Resent" }),
        )
        .await?;
    if closed.status != 200 {
        bail!("closing the cost run's conversation: {}", closed.body);
    }
    v.settle().await?;
    // The close hooks (contact, report) run after the answer.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let total = api.rows_written(&id).await?;
    let others_after = others(&api).await?;
    Ok(Rows {
        reference_per_message,
        product_per_message: (quiet_end - quiet_start) as f64 / 9.0,
        product_per_message_with_receipts: (turns_end - turns_start) as f64 / 20.0,
        product_per_conversation: total,
        others_per_conversation: [0, 1, 2].map(|i| others_after[i] - others_before[i]),
        receipts_per_message: receipts as f64 / 20.0,
    })
}
