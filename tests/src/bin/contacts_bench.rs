//! The contacts benchmark: seeds 100,000 contacts of one workspace, each
//! with 1 to 4 closed conversations and their text, into the real contacts
//! store under `wrangler dev` (through the bench-only bulk route), then
//! measures, one request at a time from an agent's token, the directory
//! search as one types (name, email and phone prefixes) and the chat
//! history's search by content, p50 and p99 end to end (HTTP, worker,
//! workspace check, contacts store).
//!
//! Run `scripts/bench.sh` (it builds first), or after a build
//! `cargo run --release -p tests --bin contacts-bench`.
//! `LIVECHAT_CONTACTS` sets another count. Storage goes to /dev/shm when it
//! exists (`LIVECHAT_BENCH_STATE` overrides), which the output states.

use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tests::{bench_state_parent, Api, Worker};

/// Contacts sent in one bulk request.
const BATCH: usize = 1_000;
/// Searches measured of each kind.
const SEARCHES: usize = 300;

const FIRST: [&str; 24] = [
    "anna", "ben", "carla", "david", "elena", "frank", "gina", "hugo", "iris", "jon", "kara",
    "liam", "maria", "nico", "olga", "paul", "quinn", "rosa", "sam", "tina", "ugo", "vera", "will",
    "yara",
];
const LAST: [&str; 24] = [
    "smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "moore", "taylor", "thomas",
    "white", "harris", "martin", "clark", "lewis", "young", "king", "wright", "scott", "green",
    "baker", "adams", "nelson", "hill",
];

/// A small deterministic generator (xorshift64*), so every run seeds the
/// same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed towards small values, like word frequencies.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }
}

/// A vocabulary of made-up words, 2,000 of them.
fn vocabulary() -> Vec<String> {
    let syllables = [
        "ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "ve", "zu", "bri", "dan", "fel", "gor",
        "hin", "jas",
    ];
    let mut rng = Rng(7);
    (0..2_000)
        .map(|_| {
            (0..2 + rng.below(2))
                .map(|_| syllables[rng.below(syllables.len())])
                .collect()
        })
        .collect()
}

fn name(i: usize) -> (String, String, String) {
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len()) % LAST.len()];
    let n = i / (FIRST.len() * LAST.len());
    (
        format!("{} {}{n}", capital(first), capital(last)),
        format!("{first}.{last}{n}@example.com"),
        format!("+1 555 {:07}", i),
    )
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One contact and its conversations, as the bulk route takes them.
fn contact(i: usize, words: &[String], rng: &mut Rng) -> Value {
    let (name, email, phone) = name(i);
    let created = 1_700_000_000_000i64 + i as i64 * 1_000;
    let conversations: Vec<Value> = (0..1 + rng.below(4))
        .map(|j| {
            let lines: Vec<String> = (0..3 + rng.below(4))
                .map(|_| {
                    (0..5 + rng.below(8))
                        .map(|_| words[rng.skewed(words.len())].as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let at = created + j as i64 * 86_400_000;
            json!([{
                "id": format!("c_bench{i}_{j}"),
                "department": "support",
                "status": "closed",
                "created_at": at,
                "closed_at": at + 600_000,
                "preview": lines[0],
            }, lines])
        })
        .collect();
    json!({
        "contact": {
            "id": format!("v_bench{i}"),
            "name": name,
            "email": email,
            "phone": phone,
            "created_at": created,
            "custom_fields": {},
        },
        "conversations": conversations,
    })
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1_000.0)
}

/// Times `path` once; answers the time and the answer.
async fn timed(api: &Api, token: &str, path: &str) -> Result<(Duration, Value)> {
    let start = Instant::now();
    let answer = api.raw("GET", path, Some(token), None).await?;
    let took = start.elapsed();
    if answer.status != 200 {
        bail!("GET {path}: {} {}", answer.status, answer.body);
    }
    Ok((took, answer.json()?))
}

fn report(what: &str, mut samples: Vec<Duration>, hits: usize) {
    samples.sort();
    println!(
        "{what}: p50 {}, p99 {} ({} requests one at a time, {hits} found something)",
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        samples.len()
    );
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::main]
async fn main() -> Result<()> {
    let count: usize = std::env::var("LIVECHAT_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let parent = bench_state_parent();
    println!(
        "contacts benchmark: {count} contacts, storage under {}",
        parent.display()
    );
    let worker = Worker::start_in(&parent).await?;
    let api = worker.api();
    let words = vocabulary();

    let mut rng = Rng(42);
    let seeding = Instant::now();
    let mut conversations = 0;
    for from in (0..count).step_by(BATCH) {
        let batch: Vec<Value> = (from..(from + BATCH).min(count))
            .map(|i| contact(i, &words, &mut rng))
            .collect();
        conversations += batch
            .iter()
            .map(|c| c["conversations"].as_array().map_or(0, Vec::len))
            .sum::<usize>();
        let answer = api
            .raw(
                "POST",
                "/api/v1/bench/contacts/demo",
                None,
                Some(serde_json::to_string(&batch)?),
            )
            .await?;
        if answer.status != 200 {
            bail!("seeding at {from}: {} {}", answer.status, answer.body);
        }
    }
    println!(
        "seeded {count} contacts and {conversations} conversations in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let anna = api.login("anna@demo.test").await?;
    let mut rng = Rng(99);
    // The directory, as one types: every prefix of a name, an email or a
    // phone of a random contact.
    let mut samples = Vec::new();
    let mut hits = 0;
    while samples.len() < SEARCHES {
        let i = rng.below(count);
        let (name, email, phone) = name(i);
        let typed = match rng.below(3) {
            0 => name,
            1 => email,
            _ => phone[3..].to_owned(),
        };
        for end in 1..=typed.len().min(12) {
            if !typed.is_char_boundary(end) {
                continue;
            }
            let q = &typed[..end];
            let (took, page) = timed(
                &api,
                &anna.token,
                &format!("/api/v1/agent/contacts?q={}", encode(q)),
            )
            .await?;
            samples.push(took);
            hits += usize::from(page["contacts"].as_array().is_some_and(|c| !c.is_empty()));
        }
    }
    report(
        "directory search as one types (name, email, phone prefixes)",
        samples,
        hits,
    );

    // The chat history, by content: a word's prefix of 3 to 5 letters.
    let mut samples = Vec::new();
    let mut hits = 0;
    for _ in 0..SEARCHES {
        let i = rng.below(count);
        let word = &words[rng.skewed(words.len())];
        let q: String = word.chars().take(3 + rng.below(3)).collect();
        let path = format!("/api/v1/agent/contacts/v_bench{i}/history?q={}", encode(&q));
        let (took, found) = timed(&api, &anna.token, &path).await?;
        samples.push(took);
        hits += usize::from(
            found["conversations"]
                .as_array()
                .is_some_and(|c| !c.is_empty()),
        );
    }
    report(
        "chat history search by content (one contact's chats)",
        samples,
        hits,
    );

    // The floor: the same round trip to an endpoint that reads one row.
    let mut samples = Vec::new();
    for _ in 0..SEARCHES {
        let i = rng.below(count);
        let (took, _) = timed(
            &api,
            &anna.token,
            &format!("/api/v1/agent/contacts/v_bench{i}"),
        )
        .await?;
        samples.push(took);
    }
    report(
        "floor: one contact's record (same path, no search)",
        samples,
        SEARCHES,
    );
    Ok(())
}
