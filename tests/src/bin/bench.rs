//! The benchmark: visitor→agent latency and sustained throughput for 1, 100
//! and 1,000 concurrent conversations on the local worker, against a bare
//! echo Durable Object on the same runtime as the floor; then the transfer
//! sizes of the worker, the widget and the agent app.
//!
//! Run `scripts/bench.sh` (it builds first). Storage goes to /dev/shm when
//! it exists (`LIVECHAT_BENCH_STATE` overrides), which the output states.

use anyhow::{bail, Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use shared::frame::{ClientFrame, ServerFrame};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tests::{Api, Socket, Worker};
use tokio::sync::Semaphore;

/// The paced run: each of 100 conversations sends a message this often.
const PACE: Duration = Duration::from_millis(100);

/// (conversations, messages per conversation)
const LEVELS: [(usize, usize); 3] = [(1, 400), (100, 20), (1000, 4)];

struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: f64,
    count: usize,
}

fn figures(mut samples: Vec<Duration>, wall: Duration) -> Figures {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Figures {
        p50: pick(0.50),
        p99: pick(0.99),
        per_second: samples.len() as f64 / wall.as_secs_f64(),
        count: samples.len(),
    }
}

/// A conversation ready to measure: the visitor's socket and an agent's.
struct Pair {
    visitor: Socket,
    agent: Socket,
}

async fn conversation_pair(api: Api, agent_token: Arc<String>) -> Result<Pair> {
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    let (mut v, _) = api.join(&id, &visitor.token, 0).await?;
    v.send(&ClientFrame::Send {
        client_id: "warm".into(),
        text: "hello".into(),
        kind: Default::default(),
    })
    .await?;
    v.recv_until(|f| matches!(f, ServerFrame::State { .. }))
        .await?;
    // The agent previews it from the queue: it receives every message.
    let mut last_err = None;
    for _ in 0..50 {
        match api.join(&id, &agent_token, 1).await {
            Ok((a, _)) => {
                return Ok(Pair {
                    visitor: v,
                    agent: a,
                })
            }
            Err(e) => {
                // The queue learns of the conversation just after its first
                // message is stored; wait for it.
                last_err = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    Err(last_err.unwrap_or_else(|| anyhow::anyhow!("agent could not join")))
}

async fn measure_pair(
    mut pair: Pair,
    messages: usize,
    pace: Option<(Duration, Duration)>,
) -> Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(messages);
    let mut tick = pace.map(ticker);
    for i in 0..messages {
        if let Some(t) = tick.as_mut() {
            t.tick().await;
        }
        let cid = format!("m-{i}");
        let start = Instant::now();
        pair.visitor
            .send(&ClientFrame::Send {
                client_id: cid.as_str().into(),
                text: format!("message {i}"),
                kind: Default::default(),
            })
            .await?;
        pair.agent
            .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.client_id.as_ref().is_some_and(|c| c.0 == cid)))
            .await?;
        samples.push(start.elapsed());
        pair.visitor
            .recv_until(|f| matches!(f, ServerFrame::Ack { client_id, .. } if client_id.0 == cid))
            .await?;
    }
    Ok(samples)
}

/// Runs one measuring task per item at once (paced ones staggered) and
/// gathers their samples into figures over the whole run.
async fn timed<T, F, Fut>(items: Vec<T>, task: F, pace: Option<Duration>) -> Result<Figures>
where
    F: Fn(T, Option<(Duration, Duration)>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Duration>>> + Send + 'static,
{
    let n = items.len();
    let start = Instant::now();
    let tasks: Vec<_> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| tokio::spawn(task(item, staggered(pace, i, n))))
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await??);
    }
    Ok(figures(samples, start.elapsed()))
}

/// Runs one level: closed loop (each conversation sends its next message as
/// soon as the previous one arrived) when `pace` is `None`, else one message
/// per conversation every `pace`.
async fn run_level(
    worker: &Worker,
    conversations: usize,
    messages: usize,
    pace: Option<Duration>,
) -> Result<(Figures, Figures)> {
    let api = worker.api();
    let manager = Arc::new(api.login("mark@demo.test").await?.token);
    let gate = Arc::new(Semaphore::new(50));
    let mut setups = Vec::new();
    for _ in 0..conversations {
        let (api, token, gate) = (api.clone(), manager.clone(), gate.clone());
        setups.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            // Setting up a thousand conversations at once can meet a refused
            // connection on loopback; a setup is retried, a measurement never.
            let mut tries = 0;
            loop {
                match conversation_pair(api.clone(), token.clone()).await {
                    Ok(pair) => break Ok(pair),
                    Err(e) if tries >= 3 => break Err(e),
                    Err(_) => tries += 1,
                }
            }
        }));
    }
    let mut pairs = Vec::new();
    for s in setups {
        pairs.push(s.await??);
    }
    let chat = timed(pairs, |p, pace| measure_pair(p, messages, pace), pace).await?;

    // Echo rooms are connected first, so that only messages are timed.
    let mut rooms = Vec::new();
    for i in 0..conversations {
        rooms.push(
            echo_room(
                worker.port,
                format!("r{conversations}-{i}-{}", pace.is_some()),
            )
            .await?,
        );
    }
    let echo = timed(rooms, |r, pace| echo_pair(r, messages, pace), pace).await?;
    Ok((chat, echo))
}

/// The pace of conversation `i` of `n`: the same period, first ticks spread
/// evenly over it, as independent visitors would be.
fn staggered(pace: Option<Duration>, i: usize, n: usize) -> Option<(Duration, Duration)> {
    pace.map(|p| (p, p * i as u32 / n.max(1) as u32))
}

fn ticker((period, offset): (Duration, Duration)) -> tokio::time::Interval {
    tokio::time::interval_at(tokio::time::Instant::now() + offset, period)
}

/// Two sockets in one echo room, connected and warmed.
async fn echo_room(port: u16, room: String) -> Result<(Socket, Socket)> {
    let url = format!("ws://127.0.0.1:{port}/api/v1/bench/echo/{room}");
    let mut a = Socket::connect(&url).await?;
    let mut b = Socket::connect(&url).await?;
    a.send_text("{\"n\":-1}".into()).await?;
    let _: serde_json::Value = b.next().await?;
    Ok((a, b))
}

/// One side sends, the other receives, like a visitor and an agent.
async fn echo_pair(
    (mut a, mut b): (Socket, Socket),
    messages: usize,
    pace: Option<(Duration, Duration)>,
) -> Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(messages);
    let mut tick = pace.map(ticker);
    for i in 0..messages {
        if let Some(t) = tick.as_mut() {
            t.tick().await;
        }
        let start = Instant::now();
        a.send_text(format!("{{\"n\":{i}}}")).await?;
        loop {
            let v: serde_json::Value = b.next().await?;
            if v["n"] == i {
                break;
            }
        }
        samples.push(start.elapsed());
    }
    Ok(samples)
}

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

#[tokio::main]
async fn main() -> Result<()> {
    let root = tests::root();
    let state_parent = tests::bench_state_parent();
    let worker = Worker::start_in(&state_parent).await?;
    println!(
        "livechat benchmark: wrangler dev (workerd) on 127.0.0.1, Durable Object storage under {}",
        state_parent.display()
    );
    println!("latency = a visitor's send until an agent's socket receives the message; echo = bare echo Durable Object, same runtime, same run");
    println!();
    println!(
        "{:>18} | {:>9} | {:>10} | {:>10} | {:>10} | {:>10} | {:>10} | {:>10} | {:>8}",
        "conversations",
        "messages",
        "chat p50",
        "chat p99",
        "chat msg/s",
        "echo p50",
        "echo p99",
        "echo msg/s",
        "p99/echo"
    );
    let mut ratio_at_100 = None;
    let mut ratio_paced = None;
    let runs = LEVELS
        .iter()
        .map(|&(c, m)| (c, m, None))
        .chain([(100, 25, Some(PACE))]);
    for (conversations, messages, pace) in runs {
        let (chat, echo) = run_level(&worker, conversations, messages, pace).await?;
        let ratio = chat.p99.as_secs_f64() / echo.p99.as_secs_f64();
        match pace {
            None if conversations == 100 => ratio_at_100 = Some(ratio),
            Some(_) => ratio_paced = Some(ratio),
            None => {}
        }
        let label = match pace {
            None => format!("{conversations}"),
            Some(p) => format!("{conversations} paced {}ms", p.as_millis()),
        };
        println!(
            "{:>18} | {:>9} | {:>10} | {:>10} | {:>10.0} | {:>10} | {:>10} | {:>10.0} | {:>7.2}x",
            label,
            chat.count,
            ms(chat.p50),
            ms(chat.p99),
            chat.per_second,
            ms(echo.p50),
            ms(echo.p99),
            echo.per_second,
            ratio
        );
    }
    println!();
    let (w_raw, w_gz) = sizes(&root, &["edge/build/index_bg.wasm"])?;
    let (l_raw, l_gz) = sizes(&root, &["dist/widget.js"])?;
    let (c_raw, c_gz) = sizes(
        &root,
        &[
            "dist/widget.js",
            "dist/widget/frame.html",
            "dist/widget/pkg/widget.js",
            "dist/widget/pkg/widget_bg.wasm",
        ],
    )?;
    let (a_raw, a_gz) = sizes(
        &root,
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
    let (d_raw, d_gz) = sizes(&root, &[&format!("dist/agent/pkg/{part}")])?;
    let kb = |n: usize| format!("{:.1} KB", n as f64 / 1000.0);
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
    let budget = |ok: bool| if ok { "within budget" } else { "OVER BUDGET" };
    if let Some(r) = ratio_at_100 {
        println!("p99 at 100 conversations, closed loop (saturated): {r:.2}x the echo floor (budget 2x): {}", budget(r <= 2.0));
    }
    if let Some(r) = ratio_paced {
        println!(
            "p99 at 100 conversations, one message each every {} ms: {r:.2}x the echo floor (budget 2x): {}",
            PACE.as_millis(),
            budget(r <= 2.0)
        );
    }
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
    let room = echo_room(worker.port, "final".into()).await?;
    if echo_pair(room, 1, None).await.is_err() {
        bail!("the worker stopped answering during the benchmark");
    }
    Ok(())
}
