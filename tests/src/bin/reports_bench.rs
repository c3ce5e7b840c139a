//! The reports benchmark: seeds 100,000 closed conversations' facts of one
//! workspace (spread over the last 90 days, two departments, 20 agents,
//! every outcome, some ratings) into the real reports store under
//! `wrangler dev` (through the bench-only bulk route, each fact filed as a
//! conversation files it, which tells the rows written per filing), then
//! measures, one request at a time from a manager's token,
//! `GET /api/v1/reports` over the whole period, filtered by department,
//! filtered by agent, the last 7 days, one table as CSV, the whole period
//! in a +5:45 offset and in one off the quarter hours (read from the
//! facts), and an empty period (the floor: worker, workspace check,
//! directory, store call), p50 and p99 end to end. Then the same
//! store under load: `LIVECHAT_REPORT_BUSY` threads (2 unless set; 0 skips
//! the phase) keep the machine's cores busy while a conversation files
//! its fact every 10 ms, and the whole period, one department and one
//! agent are measured again. Last, the one-time fold of every stored fact
//! into the kept sums (as a store made before they were kept does) is
//! timed. The load average is printed with each phase.
//!
//! After a build (`bash scripts/build.sh`, or `bash scripts/build-edge.sh`
//! and an empty `dist/`):
//! `cargo run --release -p tests --bin reports-bench`.
//! `LIVECHAT_REPORT_CHATS` sets another count, `LIVECHAT_REPORT_REQUESTS`
//! the requests of each kind (200). Storage goes to /dev/shm when it
//! exists (`LIVECHAT_BENCH_STATE` overrides), which the output states.

use anyhow::{bail, Result};
use chat_core::reports::{Fact, Outcome};
use shared::admin::Report;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
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
        calls: i64::from(answered && rng.below(10) == 0),
        calls_answered: 0,
        call_ms: 0,
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1_000.0)
}

/// Files facts through the bench route. Under load, `wrangler dev`'s
/// proxy now and then answers a POST with 503 "Your worker restarted
/// mid-request" though the worker did not restart; filing the same facts
/// again changes nothing more, so such an answer is retried.
async fn file(api: &Api, body: String) -> Result<tests::Answer> {
    let mut tries = 0;
    loop {
        let answer = api
            .raw(
                "POST",
                "/api/v1/bench/reports/demo",
                None,
                Some(body.clone()),
            )
            .await?;
        tries += 1;
        if answer.status == 503 && answer.body.contains("restarted mid-request") && tries < 4 {
            eprintln!("wrangler dev's proxy dropped a filing; sending it again");
            continue;
        }
        return Ok(answer);
    }
}

/// The machine's load average over the last minute, as the kernel says.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// Keeps `threads` cores busy and a conversation filing its fact every
/// 10 ms until dropped.
struct Load {
    stop: Arc<AtomicBool>,
    filed: Arc<AtomicU64>,
    spinners: Vec<std::thread::JoinHandle<()>>,
    filer: tokio::task::JoinHandle<Result<()>>,
}

impl Load {
    fn start(api: &Api, threads: usize, now: i64) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let filed = Arc::new(AtomicU64::new(0));
        let spinners = (0..threads)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = 1u64;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..100_000 {
                            x = std::hint::black_box(
                                x.wrapping_mul(6364136223846793005).wrapping_add(1),
                            );
                        }
                    }
                })
            })
            .collect();
        let filer = {
            let (api, stop, filed) = (api.clone(), stop.clone(), filed.clone());
            tokio::spawn(async move {
                let mut rng = Rng(7);
                let mut tick = tokio::time::interval(Duration::from_millis(10));
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let mut f = fact(i, now, &mut rng);
                    f.conversation = format!("c_load{i}");
                    i += 1;
                    let answer = file(&api, serde_json::to_string(&[f])?).await?;
                    if answer.status != 200 {
                        bail!("filing under load: {} {}", answer.status, answer.body);
                    }
                    filed.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        };
        Load {
            stop,
            filed,
            spinners,
            filer,
        }
    }

    /// Stops; answers how many facts were filed meanwhile.
    async fn stop(self) -> Result<u64> {
        self.stop.store(true, Ordering::Relaxed);
        for s in self.spinners {
            let _ = s.join();
        }
        self.filer.await??;
        Ok(self.filed.load(Ordering::Relaxed))
    }
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
    let mut written = 0;
    for from in (0..count).step_by(BATCH) {
        let batch: Vec<Fact> = (from..(from + BATCH).min(count))
            .map(|i| fact(i, now, &mut rng))
            .collect();
        let answer = file(&api, serde_json::to_string(&batch)?).await?;
        if answer.status != 200 {
            bail!("seeding at {from}: {} {}", answer.status, answer.body);
        }
        let seeded: serde_json::Value = answer.json()?;
        written += seeded["rows_written"].as_u64().unwrap_or_default();
    }
    println!(
        "seeded {count} conversations in {:.1} s; {written} storage rows written, {:.2} per filed fact",
        seeding.elapsed().as_secs_f64(),
        written as f64 / count as f64
    );

    let mark = api.login("mark@demo.test").await?;
    let period = |tz: i32| {
        format!(
            "/api/v1/reports?from={}&to={}&tz={tz}",
            now - 91 * DAY_MS,
            now + 1
        )
    };
    let whole = period(60);
    println!("idle (load average {})", load());
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
    let body = measure(&api, &mark.token, "whole period at +5:45", &period(345)).await?;
    let nepal: Report = serde_json::from_str(&body)?;
    if nepal.totals != report.totals {
        bail!("the totals differ with the offset");
    }
    measure(
        &api,
        &mark.token,
        "whole period at +0:07 (off the quarter hours: from the facts)",
        &period(7),
    )
    .await?;
    let empty = format!(
        "/api/v1/reports?from={}&to={}&tz=60",
        now - 400 * DAY_MS,
        now - 100 * DAY_MS
    );
    measure(&api, &mark.token, "an empty period (the floor)", &empty).await?;

    let busy: usize = std::env::var("LIVECHAT_REPORT_BUSY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    if busy > 0 {
        let load_now = Load::start(&api, busy, now);
        tokio::time::sleep(Duration::from_secs(2)).await;
        println!(
            "under load: {busy} busy threads and a filing every 10 ms (load average {})",
            load()
        );
        let started = Instant::now();
        measure(
            &api,
            &mark.token,
            "whole period (90 days, all chats)",
            &whole,
        )
        .await?;
        measure(
            &api,
            &mark.token,
            "whole period, department sales",
            &format!("{whole}&department=sales"),
        )
        .await?;
        measure(
            &api,
            &mark.token,
            "whole period, one agent",
            &format!("{whole}&agent=bench-agent-7"),
        )
        .await?;
        let seconds = started.elapsed().as_secs_f64();
        let filed = load_now.stop().await?;
        println!(
            "  {filed} facts filed meanwhile ({:.0} a second; load average {})",
            filed as f64 / seconds,
            load()
        );
    }

    let folding = Instant::now();
    let answer = api
        .raw("POST", "/api/v1/bench/reports/demo/refold", None, None)
        .await?;
    if answer.status != 200 {
        bail!("refold: {} {}", answer.status, answer.body);
    }
    let folded: serde_json::Value = answer.json()?;
    println!(
        "folding {} stored facts into the kept sums once: {:.1} s",
        folded["folded"],
        folding.elapsed().as_secs_f64()
    );
    let body = measure(&api, &mark.token, "whole period after the fold", &whole).await?;
    let after: Report = serde_json::from_str(&body)?;
    if after.totals.chats < count as u64 {
        bail!("the fold lost chats: {}", after.totals.chats);
    }
    Ok(())
}
