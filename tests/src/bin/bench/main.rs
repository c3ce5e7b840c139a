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
//! `LIVECHAT_BENCH_SYSTEMS` systems (`reference,acked,product,receipts,echo`),
//! for profiling one of them.
//!
//! This file holds the loads, the systems and the run; `reference.rs` the
//! reference's own worker, `pairs.rs` the conversations and their pacing,
//! `cost.rs` the rows written, `report.rs` the output.

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

mod cost;
mod pairs;
mod report;

use cost::*;
use pairs::*;
use report::*;
use tests::reference::*;

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
    /// The reference, each message acknowledged to its sender once stored.
    Acked,
    Product,
    /// The product, with the agent app's receipts.
    Receipts,
    Echo,
}

impl System {
    fn key(self) -> &'static str {
        match self {
            System::Reference => "reference",
            System::Acked => "acked",
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
const SYSTEMS: [System; 5] = [
    System::Reference,
    System::Acked,
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
    println!("reference = bench/reference/room.js (JavaScript: SQLite insert, send to the room's other sockets); + acks = the same rooms, each message also acknowledged to its sender once stored, as the product does; echo = bare Rust echo object (no storage)");
    println!("ratios are to the reference; CPU/msg = CPU time of the workerd process running the worker, over the messages");
    println!();
    println!(
        "{:<32} {:>8} | {:>9} | {:>16} | {:>16} | {:>16} | {:>16}",
        "load", "", "reference", "+ acks", "product", "with receipts", "echo"
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
    let mut rooms = if wants(System::Reference) || wants(System::Acked) {
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
                System::Reference | System::Acked => {
                    let ack = system == System::Acked;
                    drive_some(
                        &mut rooms,
                        n,
                        load.rate,
                        reference_process,
                        move |mut p: PlainPair| async move {
                            let (d, e) = plain_round(&mut p, ack).await?;
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
                            let (d, e) = plain_round(&mut p, false).await?;
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
    print_against_acked(&table);

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
