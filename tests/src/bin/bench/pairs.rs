//! Conversations: the product's (visitor and agent, the agent app's
//! session fed when receipts are on) and the plain rooms (reference and
//! echo); their rounds, and the drivers that pace them.

use super::*;

/// A product conversation taken by an agent: the visitor's socket and the
/// agent's, with the agent app's session fed only when receipts are on.
pub(super) struct ProductPair {
    pub(super) visitor: Socket,
    pub(super) agent: Socket,
    pub(super) session: Session,
    pub(super) sent: u64,
}

/// Two sockets of a reference room or an echo room.
pub(super) struct PlainPair {
    pub(super) a: Socket,
    pub(super) b: Socket,
    pub(super) sent: u64,
}

/// Sends what the session asks for on `socket`; answers how many receipts.
pub(super) async fn pump(session: &mut Session, socket: &mut Socket) -> Result<u64> {
    let mut receipts = 0;
    while let Some(out) = session.poll_output() {
        if let ClientOutput::Transmit(frame) = out {
            if matches!(frame, ClientFrame::Receipt { .. }) {
                receipts += 1;
            }
            socket.send(&frame).await?;
        }
    }
    Ok(receipts)
}

pub(super) async fn feed(
    session: &mut Session,
    socket: &mut Socket,
    frame: ServerFrame,
) -> Result<u64> {
    session.handle(now_ms(), SessionInput::Socket(SocketEvent::Received(frame)));
    pump(session, socket).await
}

/// Opens a conversation socket run by a client session, as the apps do
/// (hello, welcome, replay), on screen; answers once it caught up.
pub(super) async fn open_session(
    api: &Api,
    id: &str,
    token: &str,
    party: Party,
) -> Result<(Socket, Session)> {
    let mut socket = api.socket(id, token).await?;
    let mut session = Session::new(party);
    pump(&mut session, &mut socket).await?;
    session.handle(now_ms(), SessionInput::Socket(SocketEvent::Opened));
    session.handle(now_ms(), SessionInput::Viewing(true));
    pump(&mut session, &mut socket).await?;
    while !session.caught_up() {
        let frame = socket.recv().await?;
        feed(&mut session, &mut socket, frame).await?;
    }
    Ok((socket, session))
}

pub(super) async fn product_pair(
    api: Api,
    agent_token: Arc<String>,
    nth: usize,
) -> Result<ProductPair> {
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let (mut v, _) = api.join(&id, &visitor.token, 0).await?;
    v.send(&ClientFrame::Send {
        client_id: "warm".into(),
        text: format!("hello from visitor {nth}"),
        kind: Default::default(),
    })
    .await?;
    v.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    take_when_queued(&api, &agent_token, &id).await?;
    let (agent, session) = open_session(&api, &id, &agent_token, Party::Agent).await?;
    Ok(ProductPair {
        visitor: v,
        agent,
        session,
        sent: 0,
    })
}

pub(super) async fn product_pairs(worker: &Worker, n: usize) -> Result<Vec<ProductPair>> {
    let api = worker.api();
    let agent = Arc::new(api.login("mark@demo.test").await?.token);
    let gate = Arc::new(Semaphore::new(50));
    let mut setups = Vec::new();
    for nth in 0..n {
        let (api, agent, gate) = (api.clone(), agent.clone(), gate.clone());
        setups.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            // Setting up a thousand conversations at once can meet a refused
            // connection on loopback; a setup is retried, a measurement never.
            retried(|| product_pair(api.clone(), agent.clone(), nth)).await
        }));
    }
    let mut pairs = Vec::with_capacity(n);
    for s in setups {
        pairs.push(s.await??);
    }
    Ok(pairs)
}

/// A setup, tried again after a growing pause when it fails (at most ten
/// times more).
async fn retried<T, F, Fut>(mut setup: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        match setup().await {
            Ok(done) => return Ok(done),
            Err(e) if tries >= 10 => return Err(e),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(300 * tries)).await;
            }
        }
    }
}

/// An agent takes a conversation as soon as the queue has it: the queue
/// learns of it just after its first message is stored.
pub(super) async fn take_when_queued(api: &Api, agent_token: &str, id: &str) -> Result<()> {
    for _ in 0..50 {
        if api.take(agent_token, id).await?.status == 200 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the agent could not take {id}")
}

pub(super) async fn plain_pairs(
    urls: impl Fn(usize) -> (String, String),
    n: usize,
) -> Result<Vec<PlainPair>> {
    let gate = Arc::new(Semaphore::new(50));
    let mut setups = Vec::new();
    for i in 0..n {
        let (a_url, b_url) = urls(i);
        let gate = gate.clone();
        setups.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let setup = || async {
                let a = Socket::connect(&a_url).await?;
                let b = Socket::connect(&b_url).await?;
                let mut pair = PlainPair { a, b, sent: 0 };
                // Warm: the room's object is up and both sockets are in it.
                plain_round(&mut pair, false).await?;
                Ok::<_, anyhow::Error>(pair)
            };
            // As for the product's: a setup is retried, a measurement never.
            retried(setup).await
        }));
    }
    let mut pairs = Vec::with_capacity(n);
    for s in setups {
        pairs.push(s.await??);
    }
    Ok(pairs)
}

/// One message from the visitor's side to the agent's: the time until the
/// agent's socket has it; then the sender's ack. With `receipts`, the
/// agent's session reads every frame and sends what the app would.
pub(super) async fn product_round(
    pair: &mut ProductPair,
    receipts: bool,
) -> Result<(Duration, u64)> {
    pair.sent += 1;
    let cid = format!("m-{}", pair.sent);
    let start = Instant::now();
    pair.visitor
        .send(&ClientFrame::Send {
            client_id: cid.as_str().into(),
            text: format!("message {}", pair.sent),
            kind: Default::default(),
        })
        .await?;
    let mut sent = 0;
    let elapsed = loop {
        let frame = pair.agent.recv().await?;
        let hit = matches!(&frame, ServerFrame::Message(m) if m.client_id.as_ref().is_some_and(|c| c.0 == cid));
        let elapsed = start.elapsed();
        if receipts {
            sent += feed(&mut pair.session, &mut pair.agent, frame).await?;
        }
        if hit {
            break elapsed;
        }
    };
    pair.visitor
        .recv_until(|f| matches!(f, ServerFrame::Ack { client_id, .. } if client_id.0 == cid))
        .await?;
    Ok((elapsed, sent))
}

/// One message through a plain room: the time until the other socket has
/// it. With `ack`, the message asks the reference room for an ack, and the
/// round ends once the sender has it too, as the product's round does.
pub(super) async fn plain_round(pair: &mut PlainPair, ack: bool) -> Result<(Duration, u64)> {
    pair.sent += 1;
    let cid = format!("m-{}", pair.sent);
    let mut frame = serde_json::json!({ "type": "send", "client_id": cid, "text": format!("message {}", pair.sent) });
    if ack {
        frame["ack"] = true.into();
    }
    let start = Instant::now();
    pair.a.send_text(frame.to_string()).await?;
    let elapsed = loop {
        let v: serde_json::Value = pair.b.next().await?;
        if v["client_id"] == cid.as_str() {
            break start.elapsed();
        }
    };
    if ack {
        loop {
            let v: serde_json::Value = pair.a.next().await?;
            if v["type"] == "ack" && v["client_id"] == cid.as_str() {
                break;
            }
        }
    }
    Ok((elapsed, 0))
}

/// Runs every pair at once for the run's length, each at its pace
/// (staggered over the period) or closed loop; measures the worker
/// process's CPU meanwhile. Answers the pairs, to be used again.
pub(super) async fn drive<P, F, Fut>(
    pairs: Vec<P>,
    rate: Option<f64>,
    process: Option<u32>,
    round: F,
) -> Result<(Vec<P>, Figures)>
where
    P: Send + 'static,
    F: Fn(P) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(P, Duration, u64)>> + Send + 'static,
{
    let n = pairs.len();
    let period = rate.map(|r| Duration::from_secs_f64(n as f64 / r));
    let cpu_before = process.and_then(cpu_time);
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + run_length();
    let tasks: Vec<_> = pairs
        .into_iter()
        .enumerate()
        .map(|(i, mut pair)| {
            let round = round.clone();
            tokio::spawn(async move {
                let mut tick = period.map(|p| {
                    let offset = p.mul_f64(i as f64 / n as f64);
                    tokio::time::interval_at(tokio::time::Instant::now() + offset, p)
                });
                let mut samples = Vec::new();
                let mut extra = 0;
                loop {
                    if let Some(t) = tick.as_mut() {
                        t.tick().await;
                    }
                    if tokio::time::Instant::now() >= deadline {
                        break;
                    }
                    let (back, took, more) = round(pair).await?;
                    pair = back;
                    samples.push(took);
                    extra += more;
                }
                Ok::<_, anyhow::Error>((pair, samples, extra))
            })
        })
        .collect();
    let mut pairs = Vec::with_capacity(n);
    let mut samples = Vec::new();
    let mut extra = 0;
    for t in tasks {
        let (pair, s, e) = t.await??;
        pairs.push(pair);
        samples.extend(s);
        extra += e;
    }
    let wall = start.elapsed();
    let cpu = match (cpu_before, process.and_then(cpu_time)) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    Ok((pairs, figures(samples, wall, cpu, extra)?))
}

/// Runs the first `n` of `pairs` and puts them back.
pub(super) async fn drive_some<P, F, Fut>(
    pairs: &mut Vec<P>,
    n: usize,
    rate: Option<f64>,
    process: Option<u32>,
    round: F,
) -> Result<Figures>
where
    P: Send + 'static,
    F: Fn(P) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(P, Duration, u64)>> + Send + 'static,
{
    let rest = pairs.split_off(n.min(pairs.len()));
    let some = std::mem::take(pairs);
    let (mut back, figures) = drive(some, rate, process, round).await?;
    back.extend(rest);
    *pairs = back;
    Ok(figures)
}
