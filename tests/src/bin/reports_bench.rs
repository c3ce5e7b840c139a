//! The reports benchmark: seeds 100,000 closed conversations' facts of one
//! workspace (spread over the last 90 days, two departments, 20 agents,
//! every outcome, some ratings) into the real reports store under
//! `wrangler dev` (through the bench-only bulk route), then measures, one
//! request at a time from a manager's token, `GET /api/v1/reports` over
//! the whole period, filtered by department, filtered by agent, one
//! table as CSV, and an empty period (the floor: worker, workspace check,
//! directory, store call), p50 and p99 end to end.
//!
//! After a build (`bash scripts/build.sh`):
//! `cargo run --release -p tests --bin reports-bench`.
//! `LIVECHAT_REPORT_CHATS` sets another count. Storage goes to /dev/shm
//! when it exists (`LIVECHAT_BENCH_STATE` overrides), which the output
//! states.

use anyhow::{bail, Result};
use chat_core::reports::{Fact, Outcome};
use shared::admin::Report;
use std::time::{Duration, Instant};
use tests::{bench_state_parent, Api, Worker};

/// Facts sent in one bulk request.
const BATCH: usize = 5_000;
/// Requests measured of each kind (`LIVECHAT_REPORT_REQUESTS` sets
/// another number).
fn requests() -> usize {
    std::env::var("LIVECHAT_REPORT_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(200)
}
const DAY_MS: i64 = 86_400_000;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn fact(i: usize, now: i64, rng: &mut Rng) -> Fact {
    let started_at = now - 90 * DAY_MS + rng.below(90 * DAY_MS as u64) as i64;
    let department = if rng.below(2) == 0 {
        "support"
    } else {
        "sales"
    };
    let roll = rng.below(100);
    let outcome = match roll {
        0..=84 => Outcome::Answered,
        85..=92 => Outcome::Missed,
        _ => Outcome::Abandoned,
    };
    let answered = outcome == Outcome::Answered;
    let agent = answered.then(|| rng.below(20));
    let taken_at = answered.then(|| started_at + 5_000 + rng.below(120_000) as i64);
    let responses = if answered { 1 + rng.below(8) as i64 } else { 0 };
    let rating = (answered && rng.below(3) == 0).then(|| 1 + rng.below(5) as u8);
    let closed_at = started_at + 60_000 + rng.below(1_800_000) as i64;
    Fact {
        conversation: format!("c_bench{i}"),
        department: department.into(),
        agent: agent.map(|a| format!("bench-agent-{a}")),
        agent_name: agent.map(|a| format!("Agent {a}")).unwrap_or_default(),
        started_at,
        queued_at: started_at,
        taken_at,
        first_response_ms: answered.then(|| 10_000 + rng.below(60_000) as i64),
        response_sum_ms: responses * (5_000 + rng.below(30_000) as i64),
        response_count: responses,
        closed_at,
        outcome,
        visitor_messages: responses + 1,
        agent_messages: responses,
        rating,
        rated_at: rating.map(|_| closed_at + 10_000),
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1_000.0)
}

/// Times `path` `REQUESTS` times, one at a time; prints p50 and p99 and
/// answers the last body.
async fn measure(api: &Api, token: &str, what: &str, path: &str) -> Result<String> {
    let count = requests();
    let mut samples = Vec::with_capacity(count);
    let mut body = String::new();
    for _ in 0..count {
        let start = Instant::now();
        let answer = api.raw("GET", path, Some(token), None).await?;
        samples.push(start.elapsed());
        if answer.status != 200 {
            bail!("GET {path}: {} {}", answer.status, answer.body);
        }
        body = answer.body;
    }
    samples.sort();
    println!(
        "{what}: p50 {}, p99 {} ({count} requests one at a time)",
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
    );
    Ok(body)
}

#[tokio::main]
async fn main() -> Result<()> {
    let count: usize = std::env::var("LIVECHAT_REPORT_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let parent = bench_state_parent();
    println!(
        "reports benchmark: {count} conversations over 90 days, storage under {}",
        parent.display()
    );
    let worker = Worker::start_in(&parent).await?;
    let api = worker.api();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;

    let mut rng = Rng(42);
    let seeding = Instant::now();
    for from in (0..count).step_by(BATCH) {
        let batch: Vec<Fact> = (from..(from + BATCH).min(count))
            .map(|i| fact(i, now, &mut rng))
            .collect();
        let answer = api
            .raw(
                "POST",
                "/api/v1/bench/reports/demo",
                None,
                Some(serde_json::to_string(&batch)?),
            )
            .await?;
        if answer.status != 200 {
            bail!("seeding at {from}: {} {}", answer.status, answer.body);
        }
    }
    println!(
        "seeded {count} conversations in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let mark = api.login("mark@demo.test").await?;
    let whole = format!(
        "/api/v1/reports?from={}&to={}&tz=60",
        now - 91 * DAY_MS,
        now + 1
    );
    let body = measure(
        &api,
        &mark.token,
        "whole period (90 days, all chats)",
        &whole,
    )
    .await?;
    let report: Report = serde_json::from_str(&body)?;
    if report.totals.chats != count as u64 {
        bail!("the report counts {} chats of {count}", report.totals.chats);
    }
    println!(
        "  totals: {} chats, {} answered, {} missed, {} abandoned, {} ratings; {} days, {} agents",
        report.totals.chats,
        report.totals.answered,
        report.totals.missed,
        report.totals.abandoned,
        report.totals.ratings,
        report.by_day.len(),
        report.by_agent.len()
    );
    let body = measure(
        &api,
        &mark.token,
        "whole period, department sales",
        &format!("{whole}&department=sales"),
    )
    .await?;
    let sales: Report = serde_json::from_str(&body)?;
    println!("  {} chats", sales.totals.chats);
    let body = measure(
        &api,
        &mark.token,
        "whole period, one agent",
        &format!("{whole}&agent=bench-agent-7"),
    )
    .await?;
    let one: Report = serde_json::from_str(&body)?;
    println!("  {} chats", one.totals.chats);
    let last7 = format!(
        "/api/v1/reports?from={}&to={}&tz=60",
        now - 7 * DAY_MS,
        now + 1
    );
    measure(&api, &mark.token, "last 7 days, all chats", &last7).await?;
    measure(
        &api,
        &mark.token,
        "whole period, per-day table as CSV",
        &format!("{whole}&format=csv&table=by_day"),
    )
    .await?;
    let empty = format!(
        "/api/v1/reports?from={}&to={}&tz=60",
        now - 400 * DAY_MS,
        now - 100 * DAY_MS
    );
    measure(&api, &mark.token, "an empty period (the floor)", &empty).await?;
    Ok(())
}
