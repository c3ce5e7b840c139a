//! The benchmark: the product's conversations against a chat room written
//! in plain JavaScript (`bench/reference/room.js`, the reference: one
//! SQLite insert and a send to the room's other sockets per message) and
//! a bare echo object (the floor), on the same workerd, with Durable
//! Object storage on the same tmpfs, in one run. Each figure is printed
//! with its ratio to the reference; then the rows each message and each
//! conversation write (as SQLite's cursors count them: what the platform
//! bills), and the transfer sizes of the worker, the widget and the agent
//! app.
//!
//! Loads: 100 and 1,000 conversations sending 500 messages a second in
//! all (each conversation at its own steady pace, staggered), and a closed
//! loop of 100 conversations with one message in flight each. The product
//! runs twice: the agent's socket reading only, and the agent running the
//! agent app's own client session (`chat_client::session::Session`, the
//! conversation on screen), so its receipts are the app's real traffic.
//!
//! Worker CPU is the CPU time of the workerd process that runs the worker
//! (not wrangler's proxy in front of it) during the run, over the messages
//! it carried. Run `scripts/bench.sh` (it builds first). Storage goes to
//! /dev/shm when it exists (`LIVECHAT_BENCH_STATE` overrides), which the
//! output states. `LIVECHAT_BENCH_SECONDS` sets each run's length (10),
//! `LIVECHAT_BENCH_LOADS` picks loads (`100,1000,closed`) and
//! `LIVECHAT_BENCH_SYSTEMS` systems (`reference,product,receipts,echo`),
//! for profiling one of them.

use anyhow::{anyhow, bail, Context, Result};
use chat_client::machine::{Output as ClientOutput, SocketEvent};
use chat_client::session::{Input as SessionInput, Party, Session};
use flate2::write::GzEncoder;
use flate2::Compression;
use shared::frame::{ClientFrame, ServerFrame};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tests::process::{cpu_time, worker_process};
use tests::{Api, Socket, Worker};
use tokio::sync::Semaphore;

/// Messages per second over all conversations in the steady loads.
const RATE: f64 = 500.0;

/// One load: how many conversations, and their total pace (`None`: closed
/// loop, each sends its next message once the previous one arrived).
struct Load {
    key: &'static str,
    name: &'static str,
    conversations: usize,
    rate: Option<f64>,
}

const LOADS: [Load; 3] = [
    Load {
        key: "100",
        name: "100 conversations, 500 msg/s",
        conversations: 100,
        rate: Some(RATE),
    },
    Load {
        key: "1000",
        name: "1,000 conversations, 500 msg/s",
        conversations: 1000,
        rate: Some(RATE),
    },
    Load {
        key: "closed",
        name: "closed loop, 100 conversations",
        conversations: 100,
        rate: None,
    },
];

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum System {
    Reference,
    Product,
    /// The product, with the agent app's receipts.
    Receipts,
    Echo,
}

impl System {
    fn key(self) -> &'static str {
        match self {
            System::Reference => "reference",
            System::Product => "product",
            System::Receipts => "receipts",
            System::Echo => "echo",
        }
    }
}

/// The echo floor runs in a second local worker of the same build:
/// wrangler's proxy holds about six descriptors a socket (and keeps some
/// after a socket is gone), and workerd may open 20,000 here, too few for
/// 2,000 sockets of each kind in one.
const SYSTEMS: [System; 4] = [
    System::Reference,
    System::Product,
    System::Receipts,
    System::Echo,
];

fn wanted(var: &str, key: &str) -> bool {
    std::env::var(var).map_or(true, |v| v.split(',').any(|k| k.trim() == key))
}

fn run_length() -> Duration {
    let secs = std::env::var("LIVECHAT_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(10.0);
    Duration::from_secs_f64(secs)
}

#[derive(Clone, Copy)]
struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: f64,
    count: usize,
    /// Worker CPU time per message.
    cpu: Option<Duration>,
    /// Receipts the agent sent per message.
    receipts: f64,
}

fn figures(
    mut samples: Vec<Duration>,
    wall: Duration,
    cpu: Option<Duration>,
    receipts: u64,
) -> Result<Figures> {
    if samples.is_empty() {
        bail!("a run measured nothing");
    }
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let n = samples.len();
    Ok(Figures {
        p50: pick(0.50),
        p99: pick(0.99),
        per_second: n as f64 / wall.as_secs_f64(),
        count: n,
        cpu: cpu.map(|c| c / n as u32),
        receipts: receipts as f64 / n as f64,
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The reference worker: its own local worker, storage beside the product's.

struct Reference {
    port: u16,
    child: tokio::process::Child,
    _state: tempfile::TempDir,
}

impl Reference {
    /// Starts it; a port taken meanwhile by another process (wrangler then
    /// exits at once) means another try on other ports.
    async fn start(parent: &Path) -> Result<Reference> {
        let mut tries = 0;
        loop {
            match Self::start_once(parent).await {
                Err(e) if tries < 3 => {
                    tries += 1;
                    eprintln!("the reference worker did not start ({e:#}); again");
                }
                started => return started,
            }
        }
    }

    async fn start_once(parent: &Path) -> Result<Reference> {
        let root = tests::root();
        let state = tempfile::Builder::new()
            .prefix("livechat-reference-")
            .tempdir_in(parent)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log_path = state.path().join("wrangler.log");
        let log = std::fs::File::create(&log_path)?;
        let reference_dir = root.join("bench/reference");
        let child = tests::local_worker(
            &reference_dir.join("wrangler.toml"),
            port,
            &state.path().join("state"),
            serde_json::json!({}),
        )?
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting the local worker for bench/reference")?;
        let mut reference = Reference {
            port,
            child,
            _state: state,
        };
        let client = reqwest::Client::new();
        for _ in 0..240 {
            if let Ok(Some(status)) = reference.child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                bail!("the reference worker exited ({status}):\n{log}");
            }
            let url = format!("http://127.0.0.1:{port}/room/ready/rows");
            if let Ok(r) = client.get(url).send().await {
                if r.status().is_success() {
                    return Ok(reference);
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        bail!("the reference worker (bench/reference) did not start in 60 s")
    }

    fn group(&self) -> Option<u32> {
        self.child.id()
    }

    async fn rows(&self, room: &str) -> Result<u64> {
        rows_at(&format!("http://127.0.0.1:{}/room/{room}/rows", self.port)).await
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
        }
    }
}

async fn rows_at(url: &str) -> Result<u64> {
    let v: serde_json::Value = reqwest::get(url).await?.error_for_status()?.json().await?;
    v["rows_written"]
        .as_u64()
        .ok_or_else(|| anyhow!("no rows_written in {v}"))
}

// ---------------------------------------------------------------------------
// Conversations: the product's, and the plain rooms (reference and echo).

/// A product conversation taken by an agent: the visitor's socket and the
/// agent's, with the agent app's session fed only when receipts are on.
struct ProductPair {
    visitor: Socket,
    agent: Socket,
    session: Session,
    sent: u64,
}

/// Two sockets of a reference room or an echo room.
struct PlainPair {
    a: Socket,
    b: Socket,
    sent: u64,
}

/// Sends what the session asks for on `socket`; answers how many receipts.
async fn pump(session: &mut Session, socket: &mut Socket) -> Result<u64> {
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

async fn feed(session: &mut Session, socket: &mut Socket, frame: ServerFrame) -> Result<u64> {
    session.handle(now_ms(), SessionInput::Socket(SocketEvent::Received(frame)));
    pump(session, socket).await
}

/// Opens a conversation socket run by a client session, as the apps do
/// (hello, welcome, replay), on screen; answers once it caught up.
async fn open_session(api: &Api, id: &str, token: &str, party: Party) -> Result<(Socket, Session)> {
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

async fn product_pair(api: Api, agent_token: Arc<String>, nth: usize) -> Result<ProductPair> {
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
    // The queue learns of the conversation just after its first message
    // is stored: the take waits for it.
    let mut taken = false;
    for _ in 0..50 {
        if api.take(&agent_token, &id).await?.status == 200 {
            taken = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !taken {
        bail!("the agent could not take {id}");
    }
    let (agent, session) = open_session(&api, &id, &agent_token, Party::Agent).await?;
    Ok(ProductPair {
        visitor: v,
        agent,
        session,
        sent: 0,
    })
}

async fn product_pairs(worker: &Worker, n: usize) -> Result<Vec<ProductPair>> {
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
            let mut tries = 0;
            loop {
                match product_pair(api.clone(), agent.clone(), nth).await {
                    Ok(pair) => break Ok::<_, anyhow::Error>(pair),
                    Err(e) if tries >= 10 => break Err(e),
                    Err(_) => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(300 * tries)).await;
                    }
                }
            }
        }));
    }
    let mut pairs = Vec::with_capacity(n);
    for s in setups {
        pairs.push(s.await??);
    }
    Ok(pairs)
}

async fn plain_pairs(urls: impl Fn(usize) -> (String, String), n: usize) -> Result<Vec<PlainPair>> {
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
                plain_round(&mut pair).await?;
                Ok::<_, anyhow::Error>(pair)
            };
            // As for the product's: a setup is retried, a measurement never.
            let mut tries = 0;
            loop {
                match setup().await {
                    Ok(pair) => break Ok(pair),
                    Err(e) if tries >= 10 => break Err(e),
                    Err(_) => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(300 * tries)).await;
                    }
                }
            }
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
async fn product_round(pair: &mut ProductPair, receipts: bool) -> Result<(Duration, u64)> {
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

/// One message through a plain room: the time until the other socket has it.
async fn plain_round(pair: &mut PlainPair) -> Result<(Duration, u64)> {
    pair.sent += 1;
    let cid = format!("m-{}", pair.sent);
    let frame = serde_json::json!({ "type": "send", "client_id": cid, "text": format!("message {}", pair.sent) });
    let start = Instant::now();
    pair.a.send_text(frame.to_string()).await?;
    loop {
        let v: serde_json::Value = pair.b.next().await?;
        if v["client_id"] == cid.as_str() {
            return Ok((start.elapsed(), 0));
        }
    }
}

/// Runs every pair at once for the run's length, each at its pace
/// (staggered over the period) or closed loop; measures the worker
/// process's CPU meanwhile. Answers the pairs, to be used again.
async fn drive<P, F, Fut>(
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
async fn drive_some<P, F, Fut>(
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

// ---------------------------------------------------------------------------
// Rows written: per message and per conversation.

/// A conversation socket run by a client session, for the cost run.
struct Client {
    socket: Socket,
    session: Session,
    receipts: u64,
}

impl Client {
    /// Reads and answers every frame until the socket is quiet.
    async fn settle(&mut self) -> Result<()> {
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
    async fn say(&mut self, client_id: String, text: String) -> Result<()> {
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

struct Rows {
    reference_per_message: f64,
    product_per_message: f64,
    product_per_message_with_receipts: f64,
    product_per_conversation: u64,
    /// What the same conversation wrote in the workspace's other objects:
    /// the workspace (its queue, routing and index), contacts, reports.
    others_per_conversation: [u64; 3],
    receipts_per_message: f64,
}

/// The workspace's objects other than its conversations, as the
/// benchmark's rows route names them.
const OTHERS: [&str; 3] = ["workspace", "contacts", "reports"];

/// Rows each of [`OTHERS`] of the demo workspace wrote so far.
async fn others(api: &tests::Api) -> Result<[u64; 3]> {
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
async fn rows(worker: &Worker, reference: &Reference) -> Result<Rows> {
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
        plain_round(&mut room).await?;
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
    let mut taken = false;
    for _ in 0..50 {
        if api.take(&agent_token, &id).await?.status == 200 {
            taken = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !taken {
        bail!("the agent could not take the cost run's conversation");
    }
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

// ---------------------------------------------------------------------------
// Output.

fn gz(bytes: &[u8]) -> Result<usize> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?.len())
}

/// Raw and gzipped bytes of the given files, summed.
fn sizes(root: &Path, files: &[&str]) -> Result<(usize, usize)> {
    let (mut raw, mut packed) = (0, 0);
    for f in files {
        let path: PathBuf = root.join(f);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        raw += bytes.len();
        packed += gz(&bytes)?;
    }
    Ok((raw, packed))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(x: f64, reference: f64) -> String {
    if reference > 0.0 {
        format!("{:.2}x", x / reference)
    } else {
        "-".into()
    }
}

/// What one load measured, by system.
#[derive(Default)]
struct Row {
    reference: Option<Figures>,
    product: Option<Figures>,
    receipts: Option<Figures>,
    echo: Option<Figures>,
}

impl Row {
    fn set(&mut self, system: System, f: Figures) {
        match system {
            System::Reference => self.reference = Some(f),
            System::Product => self.product = Some(f),
            System::Receipts => self.receipts = Some(f),
            System::Echo => self.echo = Some(f),
        }
    }
}

fn print_row(load: &Load, row: &Row) {
    let cell =
        |f: Option<Figures>, get: &dyn Fn(&Figures) -> String| f.as_ref().map_or("-".into(), get);
    let vs = |f: Option<Figures>, get: &dyn Fn(&Figures) -> f64| match (f, row.reference) {
        (Some(f), Some(r)) => ratio(get(&f), get(&r)),
        _ => "-".into(),
    };
    let lines: Vec<(&str, &dyn Fn(&Figures) -> String, &dyn Fn(&Figures) -> f64)> = {
        let mut l: Vec<(&str, &dyn Fn(&Figures) -> String, &dyn Fn(&Figures) -> f64)> = Vec::new();
        if load.rate.is_none() {
            l.push(("msg/s", &|f| format!("{:.0}", f.per_second), &|f| {
                f.per_second
            }));
        }
        l.push(("p50", &|f| ms(f.p50), &|f| f.p50.as_secs_f64()));
        l.push(("p99", &|f| ms(f.p99), &|f| f.p99.as_secs_f64()));
        l.push(("CPU/msg", &|f| f.cpu.map_or("-".into(), ms), &|f| {
            f.cpu.map_or(0.0, |c| c.as_secs_f64())
        }));
        l
    };
    for (i, (what, show, value)) in lines.into_iter().enumerate() {
        println!(
            "{:<32} {:>8} | {:>9} | {:>9} {:>6} | {:>9} {:>6} | {:>9} {:>6}",
            if i == 0 { load.name } else { "" },
            what,
            cell(row.reference, show),
            cell(row.product, show),
            vs(row.product, value),
            cell(row.receipts, show),
            vs(row.receipts, value),
            cell(row.echo, show),
            vs(row.echo, value),
        );
    }
    let counts = [row.reference, row.product, row.receipts, row.echo]
        .map(|f| f.map_or("-".into(), |f| f.count.to_string()));
    println!(
        "{:<32} {:>8} | {:>9} | {:>16} | {:>16} | {:>16}",
        "", "messages", counts[0], counts[1], counts[2], counts[3]
    );
    if let Some(r) = row.receipts {
        println!(
            "{:<32} {:>8}   receipts the agent app sent per visitor message: {:.2}",
            "", "", r.receipts
        );
    }
}

/// The spec's targets, as ratios to the reference in the same run.
fn print_targets(rows: &[(&Load, Row)]) {
    println!();
    println!("targets (ratio to the JavaScript reference, same run):");
    let check = |label: String, value: Option<f64>, limit: f64, at_most: bool| {
        let Some(v) = value else { return };
        let met = if at_most { v <= limit } else { v >= limit };
        println!(
            "  {label:<60} {v:>5.2}x (target {} {limit}x): {}",
            if at_most { "<=" } else { ">=" },
            if met { "met" } else { "NOT MET" }
        );
    };
    for (load, row) in rows {
        let Some(r) = row.reference else { continue };
        for (name, f) in [("product", row.product), ("with receipts", row.receipts)] {
            let Some(f) = f else { continue };
            let at = format!("{}, {name}", load.name);
            if load.rate.is_none() {
                check(
                    format!("{at}: throughput"),
                    Some(f.per_second / r.per_second),
                    1.2,
                    false,
                );
            } else {
                check(
                    format!("{at}: p50"),
                    Some(f.p50.as_secs_f64() / r.p50.as_secs_f64()),
                    1.0,
                    true,
                );
                check(
                    format!("{at}: p99"),
                    Some(f.p99.as_secs_f64() / r.p99.as_secs_f64()),
                    0.8,
                    true,
                );
            }
            if let (Some(c), Some(rc)) = (f.cpu, r.cpu) {
                check(
                    format!("{at}: CPU per message"),
                    Some(c.as_secs_f64() / rc.as_secs_f64()),
                    0.8,
                    true,
                );
            }
        }
    }
}

fn print_sizes(root: &Path) -> Result<()> {
    let (w_raw, w_gz) = sizes(root, &["edge/build/index_bg.wasm"])?;
    let (l_raw, l_gz) = sizes(root, &["dist/widget.js"])?;
    let (c_raw, c_gz) = sizes(
        root,
        &[
            "dist/widget.js",
            "dist/widget/frame.html",
            "dist/widget/pkg/widget.js",
            "dist/widget/pkg/widget_bg.wasm",
        ],
    )?;
    let (a_raw, a_gz) = sizes(
        root,
        &[
            "dist/agent/index.html",
            "dist/agent/pkg/agent_ui.js",
            "dist/agent/pkg/__wasm_split.js",
            "dist/agent/pkg/agent_ui_bg.wasm",
        ],
    )?;
    // Administration and Reports: fetched when a manager first opens one
    // (its name carries a digest, see scripts/build-web.sh).
    let part = std::fs::read_dir(root.join("dist/agent/pkg"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|name| name.starts_with("split_management.") && name.ends_with(".wasm"))
        .context("dist/agent/pkg holds no split_management.*.wasm")?;
    let (d_raw, d_gz) = sizes(root, &[&format!("dist/agent/pkg/{part}")])?;
    let kb = |n: usize| format!("{:.1} KB", n as f64 / 1000.0);
    let budget = |ok: bool| if ok { "within budget" } else { "OVER BUDGET" };
    println!();
    println!("{:<40} {:>10} {:>10}", "transfer size", "raw", "gzip");
    println!("{:<40} {:>10} {:>10}", "worker Wasm", kb(w_raw), kb(w_gz));
    println!(
        "{:<40} {:>10} {:>10}",
        "widget first load (launcher only)",
        kb(l_raw),
        kb(l_gz)
    );
    println!(
        "{:<40} {:>10} {:>10}",
        "widget until the chat is usable",
        kb(c_raw),
        kb(c_gz)
    );
    println!("{:<40} {:>10} {:>10}", "agent app", kb(a_raw), kb(a_gz));
    println!(
        "{:<40} {:>10} {:>10}",
        "agent app on demand (admin, reports)",
        kb(d_raw),
        kb(d_gz)
    );
    println!();
    println!(
        "widget first load: {} gzipped (budget 5 KB): {}",
        kb(l_gz),
        budget(l_gz < 5_000)
    );
    println!(
        "worker: {} gzipped (budget 1 MB): {}",
        kb(w_gz),
        budget(w_gz < 1_000_000)
    );
    Ok(())
}

/// A thousand conversations of each system hold several thousand sockets,
/// each several descriptors in wrangler's proxy and in workerd: the
/// limit on open files is raised (as far as this user may) before the
/// workers start, which inherit it.
fn more_open_files() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        let wanted = 1 << 18;
        let raised = libc::rlimit {
            rlim_cur: wanted.max(limit.rlim_cur),
            rlim_max: wanted.max(limit.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    more_open_files();
    let root = tests::root();
    let state_parent = tests::bench_state_parent();
    let worker = Worker::start_in(&state_parent).await?;
    let reference = Reference::start(&state_parent).await?;
    let floor = Worker::start_in(&state_parent).await?;
    let product_process = worker.group().and_then(|g| worker_process(g, worker.port));
    let floor_process = floor.group().and_then(|g| worker_process(g, floor.port));
    let reference_process = reference
        .group()
        .and_then(|g| worker_process(g, reference.port));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "livechat benchmark: wrangler's local runtime (workerd) on 127.0.0.1, Durable Object storage under {} for both workers; load average before: {}",
        state_parent.display(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "workerd running the worker: product pid {}, reference pid {}, echo pid {} (for a CPU profile: LIVECHAT_INSPECTOR=1, then ss -ltnp | grep pid=<pid> and profile-worker.mjs --inspector)",
        product_process.map_or("?".into(), |p| p.to_string()),
        reference_process.map_or("?".into(), |p| p.to_string()),
        floor_process.map_or("?".into(), |p| p.to_string()),
    );
    println!(
        "latency = a visitor's send until the agent's socket receives the message; {} s per run",
        run_length().as_secs_f64()
    );
    println!("reference = bench/reference/room.js (JavaScript: SQLite insert, send to the room's other sockets); echo = bare Rust echo object (no storage)");
    println!("ratios are to the reference; CPU/msg = CPU time of the workerd process running the worker, over the messages");
    println!();
    println!(
        "{:<32} {:>8} | {:>9} | {:>16} | {:>16} | {:>16}",
        "load", "", "reference", "product", "with receipts", "echo"
    );

    let most = LOADS
        .iter()
        .filter(|l| wanted("LIVECHAT_BENCH_LOADS", l.key))
        .map(|l| l.conversations)
        .max()
        .unwrap_or(0);
    let wants = |s: System| wanted("LIVECHAT_BENCH_SYSTEMS", s.key());
    let mut products: Vec<ProductPair> = Vec::new();
    let ref_port = reference.port;
    let mut rooms = if wants(System::Reference) {
        plain_pairs(
            |i| {
                let url = format!("ws://127.0.0.1:{ref_port}/room/r{i}");
                (format!("{url}?name=visitor"), format!("{url}?name=agent"))
            },
            most,
        )
        .await?
    } else {
        Vec::new()
    };
    let echo_port = floor.port;

    let mut table = Vec::new();
    for load in LOADS
        .iter()
        .filter(|l| wanted("LIVECHAT_BENCH_LOADS", l.key))
    {
        let mut row = Row::default();
        for system in SYSTEMS.into_iter().filter(|s| wants(*s)) {
            let n = load.conversations;
            let figures = match system {
                System::Reference => {
                    drive_some(
                        &mut rooms,
                        n,
                        load.rate,
                        reference_process,
                        |mut p: PlainPair| async move {
                            let (d, e) = plain_round(&mut p).await?;
                            Ok((p, d, e))
                        },
                    )
                    .await?
                }
                System::Echo => {
                    let mut echoes = plain_pairs(
                        |i| {
                            let url = format!("ws://127.0.0.1:{echo_port}/api/v1/bench/echo/e{i}");
                            (url.clone(), url)
                        },
                        n,
                    )
                    .await?;
                    drive_some(
                        &mut echoes,
                        n,
                        load.rate,
                        floor_process,
                        |mut p: PlainPair| async move {
                            let (d, e) = plain_round(&mut p).await?;
                            Ok((p, d, e))
                        },
                    )
                    .await?
                }
                System::Product | System::Receipts => {
                    if products.len() < n {
                        products.extend(product_pairs(&worker, n - products.len()).await?);
                        // New conversations hand their first changes off
                        // (queue, take): let that pass before measuring.
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    let receipts = system == System::Receipts;
                    drive_some(
                        &mut products,
                        n,
                        load.rate,
                        product_process,
                        move |mut p: ProductPair| async move {
                            let (d, e) = product_round(&mut p, receipts).await?;
                            Ok((p, d, e))
                        },
                    )
                    .await?
                }
            };
            row.set(system, figures);
            // Let the last frames and receipts of a run settle.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        print_row(load, &row);
        table.push((load, row));
    }
    print_targets(&table);

    if wants(System::Product) && wants(System::Reference) {
        let r = rows(&worker, &reference).await?;
        println!();
        println!("rows written (SQLite cursors' rows_written, index entries included; what the platform bills):");
        println!(
            "  reference, per message:                                  {:.2}",
            r.reference_per_message
        );
        println!(
            "  product, per message (no receipt):                       {:.2}",
            r.product_per_message
        );
        println!(
            "  product, per message with the apps' receipts:            {:.2} ({:.2} receipts per message)",
            r.product_per_message_with_receipts, r.receipts_per_message
        );
        println!(
            "  product, one conversation of 30 messages, start to close: {} (the conversation's object)",
            r.product_per_conversation
        );
        let [workspace, contacts, reports] = r.others_per_conversation;
        println!(
            "  the same conversation in the workspace's other objects:   {} (workspace {workspace}, contacts {contacts}, reports {reports}); {} in all",
            workspace + contacts + reports,
            r.product_per_conversation + workspace + contacts + reports
        );
    }
    print_sizes(&root)?;
    drop(rooms);
    drop(products);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average after: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}
