//! The message search benchmark: one conversation of 10,000 messages on the
//! local worker (stored through the real socket, as a visitor and an agent
//! write them), then "Search messages" as an agent types: plain text and a
//! regular expression, p50 and p99 over repeated searches, end to end
//! (HTTP, the workspace's check, the conversation's read and match).
//!
//! Run `scripts/bench.sh`, or `cargo run --release -p tests --bin
//! search-bench` after `scripts/build.sh`. `LIVECHAT_MESSAGES=N` changes
//! the size.

use anyhow::{bail, Result};
use shared::frame::{ClientFrame, SendKind, ServerFrame};
use shared::room::SearchResults;
use std::time::{Duration, Instant};
use tests::{bench_state_parent, Worker};

const ROUNDS: usize = 200;
const IN_FLIGHT: usize = 64;

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let count: usize = std::env::var("LIVECHAT_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let worker = Worker::start_in(&bench_state_parent()).await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (id, mut socket) = api.first_message(&visitor, "hello").await?;
    let anna = api.login("anna@demo.test").await?;
    if api.take(&anna.token, &id).await?.status != 200 {
        bail!("could not take the conversation");
    }
    // Messages go out a window at a time; every one is acked before the
    // figures are taken.
    let started = Instant::now();
    let mut acked = 1;
    let mut sent = 1;
    while acked < count {
        while sent < count && sent - acked < IN_FLIGHT {
            sent += 1;
            let text = if sent % 97 == 0 {
                format!("message {sent}: the printer says error{}", 100 + sent % 900)
            } else {
                format!("message {sent}: something about an order and its delivery")
            };
            socket
                .send(&ClientFrame::Send {
                    client_id: format!("v-{sent}").into(),
                    text,
                    kind: SendKind::Text,
                })
                .await?;
        }
        if let ServerFrame::Ack { .. } = socket.recv().await? {
            acked += 1;
        }
    }
    println!(
        "search benchmark: {count} messages stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for (label, query) in [
        ("plain text \"printer\"", "q=printer"),
        ("regex error\\d{3}", "q=error%5Cd%7B3%7D&regex=true"),
        ("no match \"zebra\"", "q=zebra"),
    ] {
        let path = format!("/api/v1/agent/conversations/{id}/search?{query}");
        let mut times = Vec::with_capacity(ROUNDS);
        let mut hits = 0;
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let answer = api.raw("GET", &path, Some(&anna.token), None).await?;
            times.push(t.elapsed());
            let found: SearchResults = answer.json()?;
            hits = found.hits.len();
        }
        times.sort();
        println!(
            "search {label:<24} over {count} messages: p50 {}, p99 {} ({hits} hits)",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        );
    }
    Ok(())
}
