//! Abuse cannot slow others down, measured: 100 conversations chat at 500
//! messages a second in all (each visitor one message every 200 ms, timed
//! from the visitor's send until the agent's socket receives it), first
//! alone, then while one more visitor floods its own conversation's socket
//! as fast as the connection takes frames. It prints the others' latency
//! in both runs and their ratio (the target: p99 within 1.5x), and what
//! became of the flooder's frames: accepted (acked), refused (an `error`
//! frame naming its client id), or unanswered because the worker closed
//! the socket (4429); the flooder reconnects at once each time, as an
//! attacker would, and its refused reconnections (HTTP 429) are counted.
//!
//! The worker runs with the standard limits except one: a visitor socket
//! may send a message every 100 ms after its burst of 20 (the standard is
//! one a second), since each chatting visitor here sends five a second,
//! faster than a person types. Each visitor comes from its own address
//! (`CF-Connecting-IP`), as real visitors do.
//!
//! Run: `cargo run --release -p tests --bin flood-bench` (after
//! `bash scripts/build.sh`); `scripts/bench.sh` runs it too.
//! `FLOOD_BENCH_SECONDS` sets each run's length (default 20).

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use shared::frame::{ClientFrame, ServerFrame};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tests::{Api, Socket, Worker};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const CONVERSATIONS: usize = 100;
const PACE: Duration = Duration::from_millis(200);
const LIMITS: &str = r#"{"messages": {"burst": 20, "every_ms": 100}}"#;

struct Pair {
    visitor: Socket,
    agent: Socket,
}

async fn pair(api: Api, agent_token: Arc<String>) -> Result<Pair> {
    let v = api.visitor().await?;
    let (id, visitor) = api.first_message(&v, "hello").await?;
    for _ in 0..100 {
        if let Ok((agent, _)) = api.join(&id, &agent_token, 1).await {
            return Ok(Pair { visitor, agent });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the agent could not open {id}")
}

/// One conversation paced for `run`: its latencies.
async fn chat(
    mut p: Pair,
    offset: Duration,
    run: Duration,
    tag: &'static str,
) -> Result<(Pair, Vec<Duration>)> {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + offset, PACE);
    let end = Instant::now() + run;
    let mut samples = Vec::new();
    let mut i = 0;
    while Instant::now() < end {
        tick.tick().await;
        i += 1;
        let cid = format!("{tag}-{i}");
        let start = Instant::now();
        p.visitor
            .send(&ClientFrame::Send {
                client_id: cid.as_str().into(),
                text: format!("message {i}"),
                kind: Default::default(),
            })
            .await?;
        p.agent
            .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.client_id.as_ref().is_some_and(|c| c.0 == cid)))
            .await?;
        samples.push(start.elapsed());
        p.visitor
            .recv_until(|f| matches!(f, ServerFrame::Ack { client_id, .. } if client_id.0 == cid))
            .await?;
    }
    Ok((p, samples))
}

/// Every conversation paced at once, staggered over the period.
async fn run(
    pairs: Vec<Pair>,
    length: Duration,
    tag: &'static str,
) -> Result<(Vec<Pair>, Vec<Duration>)> {
    let n = pairs.len();
    let tasks: Vec<_> = pairs
        .into_iter()
        .enumerate()
        .map(|(i, p)| tokio::spawn(chat(p, PACE * i as u32 / n as u32, length, tag)))
        .collect();
    let mut back = Vec::new();
    let mut samples = Vec::new();
    for t in tasks {
        let (p, s) = t.await??;
        back.push(p);
        samples.extend(s);
    }
    samples.sort();
    Ok((back, samples))
}

fn pick(samples: &[Duration], q: f64) -> Duration {
    samples[((samples.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[derive(Default)]
struct Flood {
    sent: AtomicU64,
    acked: AtomicU64,
    refused: AtomicU64,
    closed: AtomicU64,
    connects_refused: AtomicU64,
}

/// Floods `id`'s socket until `stop`: frames written back to back, a
/// reader counting answers; after a close, connects again at once.
async fn flood(
    url: String,
    origin: String,
    ip: String,
    flood: Arc<Flood>,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let mut req = url.as_str().into_client_request()?;
        req.headers_mut().insert("origin", origin.parse()?);
        req.headers_mut().insert("cf-connecting-ip", ip.parse()?);
        let ws = match tokio_tungstenite::connect_async(req).await {
            Ok((ws, _)) => ws,
            Err(tokio_tungstenite::tungstenite::Error::Http(_)) => {
                flood.connects_refused.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let (mut tx, mut rx) = ws.split();
        let hello = ClientFrame::Hello {
            version: shared::PROTOCOL_VERSION,
            last_seq: u64::MAX / 2,
        };
        tx.send(WsMessage::text(serde_json::to_string(&hello)?))
            .await?;
        let counts = flood.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(msg)) = rx.next().await {
                match msg {
                    WsMessage::Text(t) => {
                        if t.contains("\"type\":\"ack\"") {
                            counts.acked.fetch_add(1, Ordering::Relaxed);
                        } else if t.contains("too_many_requests") {
                            counts.refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    WsMessage::Close(_) => {
                        counts.closed.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    _ => {}
                }
            }
        });
        while !stop.load(Ordering::Relaxed) && !reader.is_finished() {
            n += 1;
            let frame = ClientFrame::Send {
                client_id: format!("flood-{n}").as_str().into(),
                text: "flood".into(),
                kind: Default::default(),
            };
            if tx
                .send(WsMessage::text(serde_json::to_string(&frame)?))
                .await
                .is_err()
            {
                break;
            }
            flood.sent.fetch_add(1, Ordering::Relaxed);
        }
        let _ = tx.close().await;
        let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let seconds: u64 = std::env::var("FLOOD_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let length = Duration::from_secs(seconds);
    let parent = tests::bench_state_parent();
    let worker = Worker::start_with(&parent, LIMITS).await?;
    println!(
        "livechat flood benchmark: wrangler's local runtime (workerd) on 127.0.0.1, storage under {}; LIMITS={LIMITS}",
        parent.display()
    );
    println!(
        "{CONVERSATIONS} conversations, one message each every {} ms ({} msg/s in all), {seconds} s per run",
        PACE.as_millis(),
        CONVERSATIONS as u128 * 1000 / PACE.as_millis()
    );
    let mark = Arc::new(
        worker
            .api_from("192.0.2.1")
            .login("mark@demo.test")
            .await?
            .token,
    );
    let mut setups = Vec::new();
    for i in 0..CONVERSATIONS {
        let api = worker.api_from(&format!("10.9.{}.{}", i / 200, i % 200 + 1));
        let mark = mark.clone();
        // A setup is retried (a loaded machine can fail one), a
        // measurement never.
        setups.push(tokio::spawn(async move {
            let mut tries = 0;
            loop {
                match pair(api.clone(), mark.clone()).await {
                    Ok(p) => break Ok::<_, anyhow::Error>(p),
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
    // A warm-up, then the run alone.
    let (pairs, _) = run(pairs, Duration::from_secs(3), "warm").await?;
    let (pairs, alone) = run(pairs, length, "alone").await?;

    let attacker = worker.api_from("203.0.113.66");
    let v = attacker.visitor().await?;
    let id = attacker.start(&v).await?;
    let url = worker.ws_url(&format!("/api/v1/conversations/{id}/ws?token={}", v.token));
    let counts = Arc::new(Flood::default());
    let stop = Arc::new(AtomicBool::new(false));
    let flooder = tokio::spawn(flood(
        url,
        worker.origin(),
        "203.0.113.66".into(),
        counts.clone(),
        stop.clone(),
    ));
    // The flood is under way before the measured run starts.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let (_pairs, flooded) = run(pairs, length, "flooded").await?;
    let flood_time = started.elapsed() + Duration::from_secs(1);
    stop.store(true, Ordering::Relaxed);
    tokio::time::timeout(Duration::from_secs(10), flooder)
        .await
        .context("the flooder did not stop")???;

    println!();
    println!(
        "{:>22} | {:>8} | {:>10} | {:>10} | {:>10}",
        "others", "messages", "p50", "p99", "max"
    );
    for (label, s) in [("alone", &alone), ("during the flood", &flooded)] {
        println!(
            "{label:>22} | {:>8} | {:>10} | {:>10} | {:>10}",
            s.len(),
            ms(pick(s, 0.5)),
            ms(pick(s, 0.99)),
            ms(*s.last().unwrap_or(&Duration::ZERO))
        );
    }
    let ratio = pick(&flooded, 0.99).as_secs_f64() / pick(&alone, 0.99).as_secs_f64();
    let p50_ratio = pick(&flooded, 0.5).as_secs_f64() / pick(&alone, 0.5).as_secs_f64();
    println!();
    let sent = counts.sent.load(Ordering::Relaxed);
    let acked = counts.acked.load(Ordering::Relaxed);
    let refused = counts.refused.load(Ordering::Relaxed);
    println!(
        "flooder over {:.1} s: {sent} frames written ({:.0}/s); {acked} accepted (acked), {refused} refused (error frame with its client id), {} unanswered (written after the worker closed the socket); {} sockets closed with 4429, {} reconnections refused with 429",
        flood_time.as_secs_f64(),
        sent as f64 / flood_time.as_secs_f64(),
        sent.saturating_sub(acked + refused),
        counts.closed.load(Ordering::Relaxed),
        counts.connects_refused.load(Ordering::Relaxed),
    );
    println!(
        "others' p99 during the flood: {ratio:.2}x alone (p50 {p50_ratio:.2}x); target 1.5x: {}",
        if ratio <= 1.5 { "met" } else { "NOT MET" }
    );
    Ok(())
}
