//! Webhook delivery: latency (an event happening → the receiver getting
//! it) and throughput (deliveries per second), with a fast receiver and a
//! slow one (200 ms per answer).
//!
//! The events are offline messages left through the public API (one
//! request each, no conversation), subscribed by one webhook pointing at
//! a receiver on 127.0.0.1. Latency is measured one event at a time;
//! throughput by leaving a burst of events from 16 concurrent senders and
//! timing until the receiver has them all.
//!
//! `cargo run --release -p tests --bin webhook-bench -- [events]`
//! (after `bash scripts/build.sh`; storage on /dev/shm when present).

use anyhow::{bail, Result};
use std::time::{Duration, Instant};
use tests::webhook_receiver::{Behaviour, Receiver};
use tests::{Api, Worker};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn leave(api: &Api, text: &str) -> Result<()> {
    let answer = api
        .raw(
            "POST",
            "/api/v1/visitor/offline",
            None,
            Some(
                serde_json::json!({
                    "site_key": "demo.website", "name": "Bench",
                    "email": "bench@example.com", "message": text,
                })
                .to_string(),
            ),
        )
        .await?;
    if answer.status != 200 {
        bail!("offline: {} {}", answer.status, answer.body);
    }
    Ok(())
}

fn message_of(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v["data"]["offline_message"]["message"]
        .as_str()
        .map(str::to_owned)
}

async fn scenario(api: &Api, token: &str, label: &str, delay: Duration, events: usize) -> Result<()> {
    let receiver = Receiver::start(Behaviour {
        fail_first: 0,
        delay,
    })
    .await?;
    let hook: shared::admin::Webhook = api
        .post(
            "/api/v1/admin/webhooks",
            Some(token),
            &serde_json::json!({ "name": label, "url": receiver.url, "events": ["offline_message"] }),
        )
        .await?;

    // Latency, one event at a time.
    let samples = (events / 3).clamp(20, 200);
    let mut latencies = Vec::with_capacity(samples);
    for i in 0..samples {
        let text = format!("{label} latency {i}");
        let started = Instant::now();
        leave(api, &text).await?;
        let log = receiver
            .wait_for(Duration::from_secs(30), |log| {
                log.iter().any(|r| message_of(&r.body).as_deref() == Some(text.as_str()))
            })
            .await;
        let Some(got) = log
            .iter()
            .find(|r| message_of(&r.body).as_deref() == Some(text.as_str()))
        else {
            bail!("{text} never arrived");
        };
        latencies.push(got.at.duration_since(started).as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);

    // Throughput: a burst from 16 senders.
    let before = receiver.log().len();
    let started = Instant::now();
    let mut senders = Vec::new();
    for s in 0..16 {
        let api = api.clone();
        let label = label.to_owned();
        senders.push(tokio::spawn(async move {
            let mut i = s;
            while i < events {
                leave(&api, &format!("{label} burst {i}")).await?;
                i += 16;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for s in senders {
        s.await??;
    }
    let emitted = started.elapsed();
    let log = receiver
        .wait_for(Duration::from_secs(600), |log| log.len() >= before + events)
        .await;
    let received = log.len() - before;
    let last = log.iter().skip(before).map(|r| r.at).max().unwrap_or(started);
    let span = last.duration_since(started).as_secs_f64();
    println!(
        "{label}: latency over {samples} events p50 {:.1} ms, p99 {:.1} ms; burst of {events}: emitted in {:.2} s, {received} delivered in {span:.2} s = {:.1} deliveries/s",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        emitted.as_secs_f64(),
        received as f64 / span.max(1e-9),
    );
    let removed = api
        .raw(
            "DELETE",
            &format!("/api/v1/admin/webhooks/{}", hook.id),
            Some(token),
            None,
        )
        .await?;
    if removed.status != 200 {
        bail!("removing the webhook: {}", removed.body);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let events: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(600);
    let parent = tests::bench_state_parent();
    println!(
        "storage under {} (a tmpfs when /dev/shm); {} attempts in flight per alarm",
        parent.display(),
        16
    );
    let worker = Worker::start_in(&parent).await?;
    let api = worker.api();
    let mark = api.login("mark@demo.test").await?;
    scenario(&api, &mark.token, "fast receiver", Duration::ZERO, events).await?;
    scenario(&api, &mark.token, "slow receiver (200 ms)", Duration::from_millis(200), events).await?;
    Ok(())
}
