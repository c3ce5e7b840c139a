//! The start benchmark: new chats end to end on the local worker, driven
//! the way the widget starts one. Each visitor makes its session (`POST
//! /api/v1/visitor/session`), its conversation (`POST
//! /api/v1/visitor/conversations`), opens the conversation's socket (hello,
//! welcome), sends its first message (until the ack) and waits for an
//! agent's offer on the agents' inbox sockets. Many visitors do this at once,
//! again and again, while agents are online to take the offers.
//!
//! Prints new chats per second sustained (with its ratio to the target of
//! 200/s), the time from first message to offer (p50, p99), and the time of
//! each step (p50, p99, and its share of a new chat). Each visitor keeps its
//! last [`OPEN_PER_VISITOR`] chats' sockets open and closes the older ones,
//! as visitors leave: kept all open, wrangler's local proxy (two file
//! descriptors per socket, and more per request) runs out of descriptors
//! after about 30 s.
//!
//! Then the same load on the JavaScript reference of the message benchmark
//! (`bench/reference/room.js`, a worker of its own): a new room, a
//! visitor's and an agent's socket, and a first message from one to the
//! other. It has no session, no queue, no offer: what the platform costs a
//! new object with two sockets and one stored message, which no new chat
//! can cost less than. Its rooms per second and CPU per room are printed
//! beside the product's (`floor.rs`; its run is at most 6 s).
//!
//! Run by `scripts/bench.sh` after the routing benchmark, or alone after
//! `bash scripts/build.sh`: `cargo run --release -p tests --bin start-bench`.
//! `LIVECHAT_START_SECONDS` (10), `LIVECHAT_START_VISITORS` (visitors at
//! once, 64) and `LIVECHAT_START_AGENTS` (50) change the run; `LIMITS` is
//! `off` as for every benchmark, storage on tmpfs (see
//! `tests::bench_state_parent`).

use anyhow::{Context, Result};
use shared::api::{
    ConversationStarted, DepartmentSetup, RoutingSetup, SiteSetup, StartConversation,
    WorkspaceSetup,
};
use shared::frame::{ClientFrame, ServerFrame};
use shared::routing::Algorithm;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tests::crowd::agent_setups;
use tests::process::{cpu_time, worker_process};
use tests::{Api, Socket, Worker};
use tokio::sync::oneshot;

mod floor;
use floor::*;

/// The target, in new chats per second.
const TARGET: f64 = 200.0;

/// What every visitor writes first.
const FIRST_MESSAGE: &str = "Hello, I have a question about my order";

/// The chats each visitor keeps open; older ones close.
const OPEN_PER_VISITOR: usize = 8;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Workspace "start": one site, one department with auto selection, the
/// agents without a capacity limit (every offer finds room).
fn workspace(agents: usize) -> WorkspaceSetup {
    WorkspaceSetup {
        workspace: "start".into(),
        name: None,
        departments: vec![DepartmentSetup {
            id: "live".into(),
            name: "Live".into(),
            hours: vec![],
            utc_offset_minutes: 0,
        }],
        sites: vec![SiteSetup::new("site", "Start", "live")],
        agents: agent_setups("start", agents, &["live"]),
        grants: vec![],
        routing: Some(RoutingSetup {
            algorithm: Algorithm::AutoSelection,
            capacity: None,
            offer_timeout_ms: 600_000,
            grace_ms: 600_000,
            departments: vec![],
        }),
        labels: Default::default(),
        files: Default::default(),
        calls: Default::default(),
    }
}

/// Who waits for which conversation's offer: a conversation's waiter is
/// registered before its first message, so no offer comes first.
type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Instant>>>>;

/// One new chat's steps.
#[derive(Clone, Copy, Default)]
struct Steps {
    session: Duration,
    conversation: Duration,
    socket: Duration,
    ack: Duration,
    /// First message sent → offer on an agent's inbox.
    offer: Duration,
    /// Session request → offer.
    total: Duration,
}

/// A visitor's new conversation: its id.
async fn conversation(api: &Api, token: &str) -> Result<String> {
    let started: ConversationStarted = api
        .post(
            "/api/v1/visitor/conversations",
            Some(token),
            &StartConversation {
                language: Some("en".into()),
                ..StartConversation::default()
            },
        )
        .await?;
    Ok(started.conversation_id.0)
}

/// A visitor's first message, until its ack.
async fn first_message(s: &mut Socket) -> Result<()> {
    s.send(&ClientFrame::Send {
        client_id: "first".into(),
        text: FIRST_MESSAGE.into(),
        kind: Default::default(),
    })
    .await?;
    s.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    Ok(())
}

/// One visitor's new chat, step by step; answers the steps and the
/// visitor's socket (kept open, as a visitor's is).
async fn new_chat(api: &Api, waiters: &Waiters) -> Result<(Steps, Socket)> {
    let t0 = Instant::now();
    let v = api.visitor_of("start.site").await?;
    let t1 = Instant::now();
    let id = conversation(api, &v.token).await?;
    let t2 = Instant::now();
    let (tx, rx) = oneshot::channel();
    waiters.lock().expect("waiters").insert(id.clone(), tx);
    let (mut s, _) = api.join(&id, &v.token, 0).await?;
    let t3 = Instant::now();
    first_message(&mut s).await?;
    let t4 = Instant::now();
    let offered = tokio::time::timeout(Duration::from_secs(30), rx)
        .await
        .with_context(|| format!("no offer for {id} within 30 s"))?
        .context("the offer listener ended")?;
    Ok((
        Steps {
            session: t1 - t0,
            conversation: t2 - t1,
            socket: t3 - t2,
            ack: t4 - t3,
            offer: offered.saturating_duration_since(t3),
            total: offered.saturating_duration_since(t0),
        },
        s,
    ))
}

/// Signs the agents in (a few at a time: PBKDF2 runs on the worker's one
/// thread), opens their inboxes, makes them available, and forwards every
/// offer to its conversation's waiter.
async fn agents_online(api: &Api, agents: usize, waiters: &Waiters) -> Result<()> {
    let waiters = waiters.clone();
    tests::crowd::agents_online(api, "start", agents, move |id, at| {
        let waiter = waiters.lock().expect("waiters").remove(&id);
        if let Some(tx) = waiter {
            let _ = tx.send(at);
        }
    })
    .await?;
    Ok(())
}

/// `visitors` visitors start chats one after another until `until`;
/// answers every chat's steps.
async fn load(api: &Api, waiters: &Waiters, visitors: usize, until: Instant) -> Result<Vec<Steps>> {
    let mut joins = Vec::new();
    for _ in 0..visitors {
        let (api, waiters) = (api.clone(), waiters.clone());
        joins.push(tokio::spawn(async move {
            let mut done = Vec::new();
            let mut open = Open::default();
            while Instant::now() < until {
                let (steps, socket) = new_chat(&api, &waiters).await?;
                done.push(steps);
                open.keep(vec![socket]).await;
            }
            anyhow::Ok(done)
        }));
    }
    let mut all = Vec::new();
    for j in joins {
        all.extend(j.await??);
    }
    Ok(all)
}

/// Runs `step` on every item, `at_once` at a time; answers what each gave.
async fn each<T, U, F, Fut>(items: Vec<T>, at_once: usize, step: F) -> Result<Vec<U>>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<U>>,
{
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    stream::iter(items.into_iter().map(step))
        .buffer_unordered(at_once)
        .try_collect()
        .await
}

/// The worker's CPU for each step of a new chat, one step at a time:
/// `count` sessions, then their conversations, then their sockets, then
/// their first messages until every offer is on an inbox. What each step
/// costs the worker, which the end-to-end run (every step at once) cannot
/// tell apart.
async fn steps_cpu(
    api: &Api,
    waiters: &Waiters,
    process: Option<u32>,
    count: usize,
    at_once: usize,
) -> Result<()> {
    let cpu = || process.and_then(cpu_time);
    let mut spent = Vec::new();
    let mut mark = cpu();
    let mut lap = |name: &'static str| {
        let now = cpu();
        if let (Some(a), Some(b)) = (mark, now) {
            spent.push((name, b.saturating_sub(a)));
        }
        mark = now;
    };
    let sessions = each((0..count).collect(), at_once, |_| {
        api.visitor_of("start.site")
    })
    .await?;
    lap("session (POST session)");
    let started = each(sessions, at_once, |v| async move {
        let id = conversation(api, &v.token).await?;
        Ok((v, id))
    })
    .await?;
    lap("conversation (POST)");
    let sockets = each(started, at_once, |(v, id)| async move {
        let (s, _) = api.join(&id, &v.token, 0).await?;
        Ok((id, s))
    })
    .await?;
    lap("socket (open, hello→welcome)");
    let offered = each(sockets, at_once, |(id, mut s)| async move {
        let (tx, rx) = oneshot::channel();
        waiters.lock().expect("waiters").insert(id.clone(), tx);
        first_message(&mut s).await?;
        tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .with_context(|| format!("no offer for {id} within 30 s"))??;
        Ok(s)
    })
    .await?;
    lap("first message → offer");
    drop(offered);
    if spent.is_empty() {
        return Ok(());
    }
    let sum: Duration = spent.iter().map(|(_, d)| *d).sum();
    println!(
        "start: the worker's CPU per new chat, step by step ({count} chats, each step for all before the next, {at_once} at once):"
    );
    for (name, d) in &spent {
        println!(
            "  {name:<28} {:>6.2} ms  {:>5.1}%",
            d.as_secs_f64() * 1000.0 / count as f64,
            100.0 * d.as_secs_f64() / sum.as_secs_f64().max(f64::EPSILON)
        );
    }
    println!(
        "  {:<28} {:>6.2} ms",
        "all four",
        sum.as_secs_f64() * 1000.0 / count as f64
    );
    Ok(())
}

fn row(name: &str, mut times: Vec<Duration>, total: Duration) {
    times.sort();
    let sum: Duration = times.iter().sum();
    println!(
        "  {name:<28} p50 {:>10}  p99 {:>10}  {:>5.1}% of a new chat",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        100.0 * sum.as_secs_f64() / total.as_secs_f64().max(f64::EPSILON)
    );
}

async fn on_worker(worker: &Worker) -> Result<()> {
    let seconds = env_or("LIVECHAT_START_SECONDS", 10);
    let visitors = env_or("LIVECHAT_START_VISITORS", 64);
    let agents = env_or("LIVECHAT_START_AGENTS", 50);
    let api = worker.api();
    api.setup(&workspace(agents)).await?;
    let waiters: Waiters = Arc::default();
    agents_online(&api, agents, &waiters).await?;
    // One at a time: a new chat's steps on an idle worker.
    let mut alone = Vec::new();
    for _ in 0..50 {
        alone.push(new_chat(&api, &waiters).await?.0);
    }
    let mut offers: Vec<Duration> = alone.iter().map(|s| s.offer).collect();
    offers.sort();
    println!(
        "start: one at a time ({} chats, {agents} agents online): first message → offer p50 {}, p99 {}",
        alone.len(),
        ms(percentile(&offers, 0.5)),
        ms(percentile(&offers, 0.99)),
    );
    // Warm-up, then the measured run.
    let _ = load(
        &api,
        &waiters,
        visitors,
        Instant::now() + Duration::from_secs(2),
    )
    .await?;
    let process = worker.group().and_then(|g| worker_process(g, worker.port));
    let cpu_before = process.and_then(cpu_time);
    let start = Instant::now();
    let chats = load(
        &api,
        &waiters,
        visitors,
        start + Duration::from_secs(seconds as u64),
    )
    .await?;
    let elapsed = start.elapsed();
    let cpu = process
        .and_then(cpu_time)
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    let per_second = chats.len() as f64 / elapsed.as_secs_f64();
    println!(
        "start: {visitors} visitors at once for {seconds} s, {agents} agents online: {} new chats in {:.1} s, {per_second:.0} new chats/s sustained ({:.2}x the target of {TARGET:.0}/s)",
        chats.len(),
        elapsed.as_secs_f64(),
        per_second / TARGET,
    );
    if let Some(cpu) = cpu {
        println!(
            "start: worker CPU (the workerd process that runs the worker) {:.2} ms per new chat, {:.0}% of one core; at this CPU a core makes {:.0} new chats/s",
            cpu.as_secs_f64() * 1000.0 / chats.len().max(1) as f64,
            100.0 * cpu.as_secs_f64() / elapsed.as_secs_f64(),
            chats.len() as f64 / cpu.as_secs_f64().max(f64::EPSILON),
        );
    }
    let mut offers: Vec<Duration> = chats.iter().map(|s| s.offer).collect();
    offers.sort();
    println!(
        "start: under that load, first message → offer p50 {}, p99 {}",
        ms(percentile(&offers, 0.5)),
        ms(percentile(&offers, 0.99)),
    );
    let total: Duration = chats.iter().map(|s| s.total).sum();
    println!("start: where a new chat spends its time (under load):");
    let of = |f: fn(&Steps) -> Duration| chats.iter().map(f).collect::<Vec<_>>();
    row("session (POST session)", of(|s| s.session), total);
    row("conversation (POST)", of(|s| s.conversation), total);
    row("socket (open, hello→welcome)", of(|s| s.socket), total);
    row("first message → ack", of(|s| s.ack), total);
    row("ack → offer", of(|s| s.offer - s.ack.min(s.offer)), total);
    row("whole chat (session → offer)", of(|s| s.total), total);
    // What the worker spends with no new chat: the open chats' offers,
    // timers and sockets, counted in every figure after this.
    let before = process.and_then(cpu_time);
    tokio::time::sleep(Duration::from_secs(2)).await;
    if let Some(idle) = process
        .and_then(cpu_time)
        .zip(before)
        .map(|(a, b)| a.saturating_sub(b))
    {
        println!(
            "start: with no new chat for 2 s, the worker used {:.0}% of a core (the open chats' offers, timers and sockets)",
            100.0 * idle.as_secs_f64() / 2.0
        );
    }
    steps_cpu(
        &api,
        &waiters,
        process,
        env_or("LIVECHAT_START_STEPS", 1000),
        visitors,
    )
    .await?;
    let bare = bare_request(&worker.url("/api/v1/health"), process, visitors).await?;
    if let Some(ms) = bare {
        println!("start: one bare request (GET /api/v1/health), {visitors} at once: {ms:.2} ms of the worker's CPU; a new chat makes three and a socket");
    }
    let product_cpu = cpu.map(|c| c.as_secs_f64() * 1000.0 / chats.len().max(1) as f64);
    reference_floor(visitors, seconds as u64, per_second, product_cpu).await
}

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!("start-bench: new chats per second end to end on a local worker, the time from first message to offer, and each step's share (LIVECHAT_START_SECONDS, LIVECHAT_START_VISITORS, LIVECHAT_START_AGENTS)");
        return Ok(());
    }
    let state_parent = tests::bench_state_parent();
    let worker = Worker::start_in(&state_parent).await?;
    println!(
        "start: wrangler's local runtime (workerd) on 127.0.0.1, Durable Object storage under {}",
        state_parent.display()
    );
    if let Some(group) = worker.group() {
        println!("start: wrangler's process group {group} (a profiler finds its workerd there)");
    }
    on_worker(&worker).await.context("new chats on the worker")
}
