//! The routing benchmark: with 1,000 conversations waiting and 100 agents,
//! the time from a visitor's first message to an agent's offer (p50, p99)
//! new chats per second end to end, and routing decisions per second on the
//! local worker; then the router core's decisions per second natively.
//!
//! Run `scripts/bench.sh` (it builds first and runs this after the chat
//! benchmark); `--native` prints the router core's figure alone, without a
//! worker.

use anyhow::{Context, Result};
use chat_core::router::{DepartmentSettings, Input, Output, Router, Settings};
use shared::api::{DepartmentSetup, RoutingSetup, SiteSetup, StartConversation, WorkspaceSetup};
use shared::frame::{ClientFrame, ServerFrame};
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::routing::{AgentStatus, Algorithm, Priority};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tests::crowd::{agent_setups, agents_online};
use tests::{Api, Worker};
use tokio::sync::{mpsc, Mutex, Semaphore};

const AGENTS: usize = 100;
const WAITING: usize = 1_000;
const MEASURED: usize = 200;
const BURST: usize = 500;

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A workspace "bench": department `wait` (manual selection, where 1,000
/// conversations wait) and `live` (auto selection, 100 agents).
fn workspace() -> WorkspaceSetup {
    let department = |id: &str| DepartmentSetup {
        id: id.into(),
        name: id.into(),
        hours: vec![],
        utc_offset_minutes: 0,
    };
    WorkspaceSetup {
        workspace: "bench".into(),
        name: None,
        departments: vec![department("wait"), department("live")],
        sites: vec![SiteSetup::new("site", "Bench", "wait")],
        agents: agent_setups("bench", AGENTS, &["live"]),
        grants: vec![],
        routing: Some(RoutingSetup {
            algorithm: Algorithm::AutoSelection,
            capacity: None,
            offer_timeout_ms: 600_000,
            grace_ms: 600_000,
            departments: vec![shared::api::DepartmentRouting {
                department: "wait".into(),
                algorithm: Some(Algorithm::ManualSelection),
                capacity: None,
            }],
        }),
        labels: Default::default(),
        files: Default::default(),
        calls: Default::default(),
    }
}

/// A visitor's conversation in `department`, and its first message sent:
/// answers the conversation id and when the message was sent.
async fn first_message(api: &Api, department: Option<&str>) -> Result<(String, Instant)> {
    let v = api.visitor_of("bench.site").await?;
    let started: shared::api::ConversationStarted = api
        .post(
            "/api/v1/visitor/conversations",
            Some(&v.token),
            &StartConversation {
                department: department.map(str::to_owned),
                ..StartConversation::default()
            },
        )
        .await?;
    let id = started.conversation_id.0;
    let (mut s, _) = api.join(&id, &v.token, 0).await?;
    let at = Instant::now();
    s.send(&ClientFrame::Send {
        client_id: "first".into(),
        text: "hello".into(),
        kind: Default::default(),
    })
    .await?;
    s.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    Ok((id, at))
}

async fn on_worker(worker: &Worker) -> Result<()> {
    let api = worker.api();
    api.setup(&workspace()).await?;
    // 100 agents: inbox open, available. Every offer lands on one channel.
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, Instant)>();
    let tokens = agents_online(&api, "bench", AGENTS, move |id, at| {
        let _ = tx.send((id, at));
    })
    .await?;
    // 1,000 conversations waiting in the manual queue.
    let gate = Arc::new(Semaphore::new(50));
    let mut joins = Vec::new();
    for _ in 0..WAITING {
        let (api, gate) = (api.clone(), gate.clone());
        joins.push(tokio::spawn(async move {
            let _p = gate.acquire().await?;
            first_message(&api, None).await
        }));
    }
    for j in joins {
        j.await??;
    }
    // Offers arrive on one channel; match them to the measured sends.
    let offers: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let collector = {
        let offers = offers.clone();
        tokio::spawn(async move {
            while let Some((id, at)) = rx.recv().await {
                offers.lock().await.insert(id, at);
            }
        })
    };
    let wait_for = |id: String| {
        let offers = offers.clone();
        async move {
            for _ in 0..6_000 {
                if let Some(at) = offers.lock().await.get(&id) {
                    return Ok(*at);
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            anyhow::bail!("no offer for {id}")
        }
    };
    // Latency: one first message at a time.
    let mut latencies = Vec::new();
    for _ in 0..MEASURED {
        let (id, sent) = first_message(&api, Some("live")).await?;
        let offered = wait_for(id).await?;
        latencies.push(offered.saturating_duration_since(sent));
    }
    latencies.sort();
    // Throughput: many at once.
    let start = Instant::now();
    let mut joins = Vec::new();
    for _ in 0..MEASURED {
        let api = api.clone();
        joins.push(tokio::spawn(async move {
            first_message(&api, Some("live")).await
        }));
    }
    let mut ids = Vec::new();
    for j in joins {
        ids.push(j.await??.0);
    }
    for id in ids {
        wait_for(id).await?;
    }
    let per_second = MEASURED as f64 / start.elapsed().as_secs_f64();
    // Routing decisions alone: everyone away, BURST conversations queue in
    // `live`; the agents come back and the router offers every one.
    let set_all = |status: &'static str| {
        let joins: Vec<_> = tokens
            .iter()
            .map(|token| {
                let (api, token) = (api.clone(), token.clone());
                tokio::spawn(async move {
                    let answer = api.status(&token, status).await?;
                    anyhow::ensure!(answer.status == 200, "status: {}", answer.body);
                    anyhow::Ok(())
                })
            })
            .collect();
        async move {
            for j in joins {
                j.await??;
            }
            anyhow::Ok(())
        }
    };
    set_all("away").await?;
    let gate = Arc::new(Semaphore::new(50));
    let mut joins = Vec::new();
    for _ in 0..BURST {
        let (api, gate) = (api.clone(), gate.clone());
        joins.push(tokio::spawn(async move {
            let _p = gate.acquire().await?;
            first_message(&api, Some("live")).await
        }));
    }
    let mut burst = Vec::new();
    for j in joins {
        burst.push(j.await??.0);
    }
    let start = Instant::now();
    set_all("available").await?;
    for id in burst {
        wait_for(id).await?;
    }
    let burst_elapsed = start.elapsed();
    collector.abort();
    println!(
        "worker: {BURST} queued conversations offered in {} when the {AGENTS} agents come back: {:.0} routing decisions/s",
        ms(burst_elapsed),
        BURST as f64 / burst_elapsed.as_secs_f64()
    );
    println!(
        "worker: first message → offer with {WAITING} waiting and {AGENTS} agents: p50 {}, p99 {} ({MEASURED} one at a time); {per_second:.0} new chats offered/s end to end ({MEASURED} first messages at once, each a visitor session, a conversation, a socket and a routing decision)",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
    );
    Ok(())
}

/// Feeds the router one input the way the workspace object does: the
/// outputs, then the rows the input changed, to be written.
fn step(r: &mut Router, now: i64, input: Input, rows: &mut usize) -> Vec<Output> {
    let outputs = r.handle(now, input);
    let changes = r.take_changes().expect("router rows are JSON");
    *rows += changes.agents.len() + changes.convs.len() + usize::from(changes.meta.is_some());
    outputs
}

/// The router core alone: 1,000 waiting, 100 agents, decisions per second,
/// each input followed by the rows it changed, as the shell writes them.
fn native() {
    let mut departments = std::collections::BTreeMap::new();
    departments.insert(
        DepartmentId::from("wait"),
        DepartmentSettings {
            algorithm: Some(Algorithm::ManualSelection),
            capacity: None,
        },
    );
    let mut r = Router::new(Settings {
        algorithm: Algorithm::LoadBalancing,
        capacity: Some(5),
        departments,
        ..Settings::default()
    });
    let mut rows = 0;
    for i in 0..AGENTS {
        let id = AgentId::from(format!("a{i:03}"));
        let inputs = [
            Input::Agent {
                id: id.clone(),
                departments: vec!["live".into()],
                capacity: None,
            },
            Input::Sockets {
                agent: id.clone(),
                open: 1,
            },
            Input::Status {
                agent: id,
                status: AgentStatus::Available,
            },
        ];
        for input in inputs {
            let _ = step(&mut r, 0, input, &mut rows);
        }
    }
    for i in 0..WAITING {
        let input = Input::Enqueue {
            conversation: format!("w{i}").into(),
            department: "wait".into(),
            priority: Priority::Medium,
        };
        let _ = step(&mut r, 1, input, &mut rows);
    }
    // Each round: a conversation arrives and is offered, the offer is
    // accepted, and an older one closes, so the load stays steady.
    let rounds = 20_000;
    let start = Instant::now();
    let (mut decisions, mut events) = (0, 0);
    rows = 0;
    for i in 0..rounds {
        let now = 10 + i as i64;
        let id = ConversationId::from(format!("c{i}"));
        let enqueue = Input::Enqueue {
            conversation: id.clone(),
            department: "live".into(),
            priority: Priority::Medium,
        };
        let offered = step(&mut r, now, enqueue, &mut rows)
            .into_iter()
            .find_map(|out| match out {
                Output::Offer { agent, .. } => Some(agent),
                _ => None,
            });
        events += 1;
        if let Some(agent) = offered {
            decisions += 1;
            let accept = Input::Accept {
                agent,
                conversation: id,
            };
            let _ = step(&mut r, now, accept, &mut rows);
            events += 1;
        }
        if i >= 300 {
            let close = Input::Close {
                conversation: format!("c{}", i - 300).into(),
            };
            let _ = step(&mut r, now, close, &mut rows);
            events += 1;
        }
    }
    let per_second = decisions as f64 / start.elapsed().as_secs_f64();
    println!("router core (native, release): {per_second:.0} routing decisions/s with {WAITING} waiting and {AGENTS} agents ({decisions} offers, each with an enqueue, an accept and a close; {:.1} rows written per event)", rows as f64 / events as f64);
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("route-bench [--native]: the router core's decisions per second natively, then (unless --native) the routing figures of a local worker");
        return Ok(());
    }
    native();
    if args.iter().any(|a| a == "--native") {
        return Ok(());
    }
    let state_parent = tests::bench_state_parent();
    let worker = Worker::start_in(&state_parent).await?;
    println!(
        "worker: wrangler's local runtime (workerd) on 127.0.0.1, Durable Object storage under {}",
        state_parent.display()
    );
    on_worker(&worker).await.context("routing on the worker")
}
