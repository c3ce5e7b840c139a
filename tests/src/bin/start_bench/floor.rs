//! The start benchmark's floor: the JavaScript reference doing the least a
//! new chat can (a new room, two sockets, one message), and a request that
//! does nothing, on the product and on the reference; with the sustained
//! loop both use.

use super::*;
use tests::reference::Reference;

/// The reference's run at most (after a second's warm-up): after about
/// 3,000 new rooms in one process, the local runtime fails the next
/// room's SQLite (`SQLITE_NOMEM`), and the reference makes about 270 a
/// second.
const REFERENCE_SECONDS: u64 = 6;

/// A request that does nothing (`url`), `at_once` at a time for two
/// seconds: the worker's CPU per request, what any request costs on this
/// runtime before the handler's own work.
pub(super) async fn bare_request(
    url: &str,
    process: Option<u32>,
    at_once: usize,
) -> Result<Option<f64>> {
    let client = reqwest::Client::new();
    let one = |_| {
        let client = client.clone();
        async move {
            client.get(url).send().await?.bytes().await?;
            Ok(Vec::new())
        }
    };
    let warm = Duration::from_millis(500);
    let (made, _, cpu) = sustained(at_once, warm, Duration::from_secs(2), process, one).await?;
    Ok(cpu.map(|c| c.as_secs_f64() * 1000.0 / made.max(1) as f64))
}

/// `at_once` loops of `one` (given a number no other call gets; it
/// answers the sockets to keep open), for `warm`, then for `run_for`:
/// answers how many were made in the second run, its length, and the CPU
/// `process` used meanwhile.
async fn sustained<F, Fut>(
    at_once: usize,
    warm: Duration,
    run_for: Duration,
    process: Option<u32>,
    one: F,
) -> Result<(usize, Duration, Option<Duration>)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Socket>>>,
{
    let next = std::sync::atomic::AtomicUsize::new(0);
    let run = |until: Instant| {
        let (next, one) = (&next, &one);
        async move {
            let loops = (0..at_once).map(|_| async move {
                let (mut made, mut open) = (0usize, Open::default());
                while Instant::now() < until {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    open.keep(one(n).await?).await;
                    made += 1;
                }
                anyhow::Ok(made)
            });
            let made = futures_util::future::try_join_all(loops).await?;
            anyhow::Ok(made.into_iter().sum::<usize>())
        }
    };
    run(Instant::now() + warm).await?;
    let before = process.and_then(cpu_time);
    let start = Instant::now();
    let made = run(start + run_for).await?;
    let elapsed = start.elapsed();
    let cpu = process
        .and_then(cpu_time)
        .zip(before)
        .map(|(after, before)| after.saturating_sub(before));
    Ok((made, elapsed, cpu))
}

/// A visitor's open chats: the last [`OPEN_PER_VISITOR`], each its
/// sockets.
#[derive(Default)]
pub(super) struct Open(std::collections::VecDeque<Vec<Socket>>);

impl Open {
    pub(super) async fn keep(&mut self, chat: Vec<Socket>) {
        self.0.push_back(chat);
        while self.0.len() > OPEN_PER_VISITOR {
            for socket in self.0.pop_front().unwrap_or_default() {
                let _ = tokio::time::timeout(Duration::from_secs(10), socket.close()).await;
            }
        }
    }
}

/// The reference's "new chat": a new room, the visitor's and the agent's
/// sockets, the visitor's first message until the agent has it.
async fn new_room(reference: &Reference, n: usize) -> Result<Vec<Socket>> {
    let url = format!("ws://127.0.0.1:{}/room/start{n}", reference.port);
    let connect = |name: &'static str| {
        let url = format!("{url}?name={name}");
        async move {
            tokio::time::timeout(Duration::from_secs(10), Socket::connect(&url))
                .await
                .with_context(|| format!("{url} did not open within 10 s"))?
        }
    };
    let mut visitor = connect("visitor").await?;
    let mut agent = connect("agent").await?;
    visitor
        .send_text(serde_json::json!({ "client_id": "first", "text": FIRST_MESSAGE }).to_string())
        .await?;
    let _: serde_json::Value = agent.next().await?;
    Ok(vec![visitor, agent])
}

/// The same visitors on the reference for `seconds`: new rooms, the CPU of
/// its worker's process.
async fn reference_load(
    reference: &Reference,
    visitors: usize,
    seconds: u64,
) -> Result<(usize, Duration, Option<Duration>)> {
    let process = reference
        .group()
        .and_then(|g| worker_process(g, reference.port));
    let one = |n| new_room(reference, n);
    let warm = Duration::from_secs(1);
    sustained(visitors, warm, Duration::from_secs(seconds), process, one).await
}

/// The reference's new rooms, beside the product's new chats.
pub(super) async fn reference_floor(
    visitors: usize,
    seconds: u64,
    product_per_second: f64,
    product_cpu_ms: Option<f64>,
) -> Result<()> {
    let reference = Reference::start(&tests::bench_state_parent()).await?;
    let seconds = seconds.min(REFERENCE_SECONDS);
    let (rooms, elapsed, cpu) = reference_load(&reference, visitors, seconds).await?;
    let per_second = rooms as f64 / elapsed.as_secs_f64();
    println!(
        "start: the JavaScript reference (bench/reference/room.js), {visitors} visitors at once for {seconds} s: a new room, a visitor's and an agent's socket and a first message between them: {rooms} rooms, {per_second:.0}/s (the product's new chats: {:.2}x that)",
        product_per_second / per_second.max(f64::EPSILON),
    );
    let process = reference
        .group()
        .and_then(|g| worker_process(g, reference.port));
    let url = format!("http://127.0.0.1:{}/", reference.port);
    if let Some(ms) = bare_request(&url, process, visitors).await? {
        println!("start: one bare request on the reference (GET /, its 404), {visitors} at once: {ms:.2} ms of its worker's CPU");
    }
    if let Some(cpu) = cpu {
        let per_room = cpu.as_secs_f64() * 1000.0 / rooms.max(1) as f64;
        let ratio = product_cpu_ms
            .map(|p| format!(" (the product's new chat: {:.2}x that)", p / per_room))
            .unwrap_or_default();
        println!(
            "start: the reference's worker CPU {per_room:.2} ms per new room{ratio}; at this CPU a core makes {:.0} new rooms/s",
            rooms as f64 / cpu.as_secs_f64().max(f64::EPSILON),
        );
    }
    Ok(())
}
