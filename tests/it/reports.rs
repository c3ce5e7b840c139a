//! Reports against the real worker: chats driven through the API (answered
//! with known response times, one abandoned in the queue, one missed after
//! an agent opened it, ratings) and the report agrees with the hand count;
//! an agent is refused, another workspace's chats never show, and each
//! table's CSV says what the JSON says. Facts filed in bulk (refiled,
//! rated, moved) give, from the store's kept sums, the reports the core
//! makes from the facts themselves, over ragged periods, odd time zones
//! and filters, before and after the sums are folded again from the facts.

use anyhow::{bail, Result};
use chat_core::reports::{self as rules, Fact, Grouped, Outcome, Query};
use shared::admin::{Report, ReportRow};
use shared::api::{StartConversation, VisitorSession};
use shared::frame::{ClientFrame, ConversationStatus, ServerFrame};
use std::collections::HashMap;
use std::time::Duration;
use tests::{Api, Socket, Worker};

async fn workspace(api: &Api, name: &str) -> Result<()> {
    let mut setup = tests::demo_workspace()?;
    setup.workspace = name.into();
    api.setup(&setup).await
}

/// Sends `text` and answers when it was stored.
async fn say(socket: &mut Socket, client_id: &str, text: &str) -> Result<i64> {
    socket
        .send(&ClientFrame::Send {
            client_id: client_id.into(),
            text: text.into(),
            kind: Default::default(),
        })
        .await?;
    match socket
        .recv_until(
            |f| matches!(f, ServerFrame::Ack { client_id: c, .. } if c.as_str() == client_id),
        )
        .await?
    {
        ServerFrame::Ack { sent_at, .. } => Ok(sent_at),
        other => bail!("expected an ack, got {other:?}"),
    }
}

/// A visitor of the workspace's site starts a chat in `department` and
/// writes: the conversation, the socket and when the message was stored.
async fn visitor_writes(
    api: &Api,
    ws: &str,
    department: Option<&str>,
) -> Result<(String, VisitorSession, Socket, i64)> {
    let visitor = api.visitor_of(&format!("{ws}.website")).await?;
    let started: shared::api::ConversationStarted = api
        .post(
            "/api/v1/visitor/conversations",
            Some(&visitor.token),
            &StartConversation {
                department: department.map(Into::into),
                ..StartConversation::default()
            },
        )
        .await?;
    let id = started.conversation_id.0;
    let (mut socket, _) = api.join(&id, &visitor.token, 0).await?;
    let at = say(&mut socket, "v-1", "Hello?").await?;
    Ok((id, visitor, socket, at))
}

/// The visitor presses "End chat" and sees it closed.
async fn end(socket: &mut Socket) -> Result<()> {
    socket.send(&ClientFrame::End).await?;
    socket
        .recv_until(|f| {
            matches!(f, ServerFrame::State { conversation, .. } if conversation.status == ConversationStatus::Closed)
        })
        .await?;
    Ok(())
}

async fn close(api: &Api, token: &str, id: &str) -> Result<()> {
    let answer = api
        .act(token, id, "close", serde_json::json!({ "comment": "Done" }))
        .await?;
    if answer.status != 200 {
        bail!("close: {} {}", answer.status, answer.body);
    }
    Ok(())
}

async fn rate(api: &Api, visitor: &VisitorSession, id: &str, score: u8) -> Result<()> {
    let answer = api
        .raw(
            "POST",
            &format!("/api/v1/visitor/conversations/{id}/rating"),
            Some(&visitor.token),
            Some(serde_json::json!({ "score": score }).to_string()),
        )
        .await?;
    if answer.status != 200 {
        bail!("rating: {} {}", answer.status, answer.body);
    }
    Ok(())
}

/// An agent takes a chat, joins it after `wait` and answers; the time the
/// answer was stored.
async fn take_and_answer(
    api: &Api,
    token: &str,
    id: &str,
    wait: Duration,
) -> Result<(Socket, i64)> {
    let taken = api.take(token, id).await?;
    if taken.status != 200 {
        bail!("take: {}", taken.body);
    }
    let (mut chat, _) = api.join(id, token, 0).await?;
    tokio::time::sleep(wait).await;
    let at = say(&mut chat, "a-1", "Hi, how can I help?").await?;
    Ok((chat, at))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

async fn report(api: &Api, token: &str, query: &str) -> Result<Report> {
    let answer = api
        .raw(
            "GET",
            &format!("/api/v1/reports?{query}"),
            Some(token),
            None,
        )
        .await?;
    if answer.status != 200 {
        bail!("report: {} {}", answer.status, answer.body);
    }
    answer.json()
}

/// The report once `chats` chats are filed (a close through the socket
/// files its fact just after the visitor sees it).
async fn settled(api: &Api, token: &str, query: &str, chats: u64, ratings: u64) -> Result<Report> {
    for _ in 0..50 {
        let r = report(api, token, query).await?;
        if r.totals.chats >= chats && r.totals.ratings >= ratings {
            return Ok(r);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    report(api, token, query).await
}

fn row<'a>(rows: &'a [ReportRow], key: &str) -> &'a ReportRow {
    rows.iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no row {key} in {rows:?}"))
}

#[tokio::test]
async fn a_report_agrees_with_the_hand_count() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    workspace(&api, "rep-a").await?;
    workspace(&api, "rep-b").await?;
    let anna = api.login_to("rep-a", "anna@demo.test").await?;
    let ben = api.login_to("rep-a", "ben@demo.test").await?;
    let sam = api.login_to("rep-a", "sam@demo.test").await?;
    let mark = api.login_to("rep-a", "mark@demo.test").await?;
    let from = now_ms() - 1_000;

    // 1. Anna answers after a pause, then once more; she closes; 5 stars.
    let (one, v1, mut s1, asked1) = visitor_writes(&api, "rep-a", None).await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (mut a1, answered1) =
        take_and_answer(&api, &anna.token, &one, Duration::from_millis(300)).await?;
    let asked1b = say(&mut s1, "v-2", "My order is late").await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answered1b = say(&mut a1, "a-2", "Let me look").await?;
    close(&api, &anna.token, &one).await?;
    rate(&api, &v1, &one, 5).await?;

    // 2. Ben answers; the visitor ends it; a thumb down (1).
    let (two, v2, mut s2, asked2) = visitor_writes(&api, "rep-a", None).await?;
    let (_a2, answered2) =
        take_and_answer(&api, &ben.token, &two, Duration::from_millis(100)).await?;
    end(&mut s2).await?;
    rate(&api, &v2, &two, 1).await?;

    // 3. Sam answers a sales chat and closes it; no rating.
    let (three, _v3, _s3, asked3) = visitor_writes(&api, "rep-a", Some("sales")).await?;
    let (_a3, answered3) =
        take_and_answer(&api, &sam.token, &three, Duration::from_millis(50)).await?;
    close(&api, &sam.token, &three).await?;

    // 4. Nobody opens it; its visitor leaves: abandoned.
    let (_four, _v4, mut s4, _) = visitor_writes(&api, "rep-a", None).await?;
    end(&mut s4).await?;

    // 5. Ben opens it from the queue and does not take it; its visitor
    // leaves: missed.
    let (five, _v5, mut s5, _) = visitor_writes(&api, "rep-a", None).await?;
    let (peek, _) = api.join(&five, &ben.token, 0).await?;
    end(&mut s5).await?;
    drop(peek);

    // Another workspace's chat, answered and rated: never in rep-a's.
    let ben_b = api.login_to("rep-b", "ben@demo.test").await?;
    let (other, vb, _sb, _) = visitor_writes(&api, "rep-b", None).await?;
    let _ = take_and_answer(&api, &ben_b.token, &other, Duration::from_millis(10)).await?;
    close(&api, &ben_b.token, &other).await?;
    rate(&api, &vb, &other, 3).await?;

    let to = now_ms() + 1_000;
    let period = format!("from={from}&to={to}&tz=0");
    let r = settled(&api, &mark.token, &period, 5, 2).await?;
    assert_eq!((r.from, r.to), (from, to));
    let t = &r.totals;
    assert_eq!(
        (t.chats, t.answered, t.missed, t.abandoned, t.ratings),
        (5, 3, 1, 1, 2),
        "{t:?}"
    );
    // Response times are the gaps between stored messages: exact.
    let firsts = [answered1 - asked1, answered2 - asked2, answered3 - asked3];
    assert_eq!(
        t.avg_first_response_ms,
        Some(firsts.iter().sum::<i64>() as f64 / 3.0)
    );
    let responses = firsts.iter().sum::<i64>() + (answered1b - asked1b);
    assert_eq!(t.avg_response_ms, Some(responses as f64 / 4.0));
    assert!(answered1 - asked1 >= 700, "{firsts:?}");
    // 5 and 1 are the best and the worst: half of the best on average.
    assert_eq!(t.avg_rating, Some(0.5));
    // Queue times and durations follow the clock: within reason.
    let queue = t.avg_queue_ms.expect("taken chats have a queue time");
    assert!((100.0..10_000.0).contains(&queue), "{queue}");
    let duration = t.avg_duration_ms.expect("every chat has a duration");
    assert!((0.0..60_000.0).contains(&duration), "{duration}");

    // Per agent, named; per department, named.
    assert_eq!(r.by_agent.len(), 3, "{:?}", r.by_agent);
    let a = row(&r.by_agent, &anna.agent.id.0);
    assert_eq!((a.label.as_str(), a.chats, a.ratings), ("Anna", 1, 1));
    assert_eq!(a.avg_rating, Some(1.0));
    assert_eq!(row(&r.by_agent, &ben.agent.id.0).chats, 1);
    let support = row(&r.by_department, "support");
    assert_eq!(
        (
            support.label.as_str(),
            support.chats,
            support.missed,
            support.abandoned
        ),
        ("Support", 4, 1, 1)
    );
    assert_eq!(row(&r.by_department, "sales").chats, 1);
    // Every hour of the day; the days of the period; all chats in them.
    assert_eq!(r.by_hour.len(), 24);
    assert_eq!(r.by_hour.iter().map(|h| h.chats).sum::<u64>(), 5);
    assert_eq!(r.by_day.iter().map(|d| d.chats).sum::<u64>(), 5);

    // Filters.
    let sales = report(&api, &mark.token, &format!("{period}&department=sales")).await?;
    assert_eq!((sales.totals.chats, sales.totals.answered), (1, 1));
    let annas = report(
        &api,
        &mark.token,
        &format!("{period}&agent={}", anna.agent.id.0),
    )
    .await?;
    assert_eq!(annas.totals.chats, 1);
    assert_eq!(
        annas.totals.avg_response_ms,
        Some(((answered1 - asked1) + (answered1b - asked1b)) as f64 / 2.0)
    );
    // A period before any chat is empty.
    let before = report(
        &api,
        &mark.token,
        &format!("from={}&to={from}", from - 3_600_000),
    )
    .await?;
    assert_eq!(before.totals.chats, 0);

    // An agent may not read reports; a bad period is refused.
    let refused = api
        .raw(
            "GET",
            &format!("/api/v1/reports?{period}"),
            Some(&anna.token),
            None,
        )
        .await?;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let bad = api
        .raw(
            "GET",
            "/api/v1/reports?from=10&to=5",
            Some(&mark.token),
            None,
        )
        .await?;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let no_token = api.raw("GET", "/api/v1/reports", None, None).await?;
    assert_eq!(no_token.status, 401, "{}", no_token.body);

    // The other workspace sees its one chat only.
    let mark_b = api.login_to("rep-b", "mark@demo.test").await?;
    let rb = settled(&api, &mark_b.token, &period, 1, 1).await?;
    assert_eq!((rb.totals.chats, rb.totals.ratings), (1, 1));
    assert_eq!(rb.totals.avg_rating, Some(0.5));

    // Each table's CSV says what the JSON says.
    for table in ["by_agent", "by_department", "by_day", "by_hour"] {
        let path = format!("/api/v1/reports?{period}&format=csv&table={table}");
        let (status, kind, bytes) = api.bytes(&path, Some(&mark.token)).await?;
        assert_eq!(status, 200);
        assert!(kind.starts_with("text/csv"), "{kind}");
        let text = String::from_utf8(bytes)?;
        let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
        let rows = match table {
            "by_agent" => &r.by_agent,
            "by_department" => &r.by_department,
            "by_day" => &r.by_day,
            _ => &r.by_hour,
        };
        assert_eq!(lines.len(), rows.len() + 2, "{text}");
        for (line, row) in lines[1..].iter().zip(rows) {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[0], row.key);
            assert_eq!(
                cells[2..6],
                [
                    row.chats.to_string(),
                    row.answered.to_string(),
                    row.missed.to_string(),
                    row.abandoned.to_string()
                ]
            );
        }
        assert!(
            lines
                .last()
                .is_some_and(|l| l.starts_with("total,All chats,5,3,1,1,")),
            "{text}"
        );
    }
    let answer = reqwest::Client::new()
        .get(worker.url(&format!(
            "/api/v1/reports?{period}&format=csv&table=by_agent"
        )))
        .bearer_auth(&mark.token)
        .send()
        .await?;
    let disposition = answer
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"chats-by-agent-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let unknown = api
        .raw(
            "GET",
            &format!("/api/v1/reports?{period}&format=csv&table=nope"),
            Some(&mark.token),
            None,
        )
        .await?;
    assert_eq!(unknown.status, 400);
    Ok(())
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A conversation's fact, its id one of 300, so some are filed again
/// (moved, re-timed, rated, or an older filing retried); `version` is
/// its rating's time, when rated.
fn random_fact(rng: &mut Rng, t0: i64, version: i64) -> Fact {
    let started_at = t0 + rng.below(6 * DAY_MS as u64) as i64;
    let agent = [None, Some("ag-1"), Some("ag-2"), Some("ag-3")][rng.below(4) as usize];
    let outcome = match (agent, rng.below(2)) {
        (Some(_), _) => Outcome::Answered,
        (None, 0) => Outcome::Missed,
        (None, _) => Outcome::Abandoned,
    };
    let taken_at = agent.map(|_| started_at + rng.below(90_000) as i64);
    let responses = if agent.is_some() {
        rng.below(6) as i64
    } else {
        0
    };
    let rating = (agent.is_some() && rng.below(2) == 0).then(|| 1 + rng.below(5) as u8);
    let calls = if agent.is_some() {
        rng.below(3) as i64
    } else {
        0
    };
    Fact {
        conversation: format!("c_sum{}", rng.below(300)),
        department: ["d-north", "d-south"][rng.below(2) as usize].into(),
        agent: agent.map(Into::into),
        agent_name: agent.map(|a| format!("Agent {a}")).unwrap_or_default(),
        started_at,
        queued_at: started_at + rng.below(5_000) as i64,
        taken_at,
        first_response_ms: (responses > 0).then(|| rng.below(60_000) as i64),
        response_sum_ms: responses * rng.below(40_000) as i64,
        response_count: responses,
        closed_at: started_at + 60_000 + rng.below(3 * HOUR_MS as u64) as i64,
        outcome,
        visitor_messages: responses + 1,
        agent_messages: responses,
        rating,
        rated_at: rating.map(|_| version),
        calls,
        calls_answered: calls / 2,
        call_ms: calls / 2 * rng.below(600_000) as i64,
    }
}

/// The report the core makes from `facts` for `q` (departments and
/// agents unknown to the workspace keep their filed names, as the
/// worker's do).
fn expected(q: &Query, facts: &[Fact]) -> Report {
    let none = HashMap::new();
    rules::report(q, Grouped::of(q, facts), &none, &none)
}

fn query_string(q: &Query) -> String {
    let mut s = format!("from={}&to={}&tz={}", q.from, q.to, q.tz_minutes);
    if let Some(d) = &q.department {
        s.push_str(&format!("&department={d}"));
    }
    if let Some(a) = &q.agent {
        s.push_str(&format!("&agent={a}"));
    }
    s
}

#[tokio::test]
async fn kept_sums_agree_with_the_facts() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mark = api.login("mark@demo.test").await?;
    // A day boundary in UTC, a week and a half ago.
    let t0 = (now_ms() / DAY_MS - 10) * DAY_MS;
    let mut rng = Rng(7);
    let mut facts: HashMap<String, Fact> = HashMap::new();
    let mut filed = 0;
    let mut written = 0;
    for round in 0..4 {
        let batch: Vec<Fact> = (0..250)
            .map(|i| random_fact(&mut rng, t0, 1_000 * round + i))
            .collect();
        let answer = api
            .raw(
                "POST",
                "/api/v1/bench/reports/demo",
                None,
                Some(serde_json::to_string(&batch)?),
            )
            .await?;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let seeded: serde_json::Value = answer.json()?;
        written += seeded["rows_written"].as_i64().unwrap_or_default();
        filed += batch.len();
        for f in batch {
            // The store keeps a conversation's latest filing.
            let newer = facts
                .get(&f.conversation)
                .is_none_or(|old| old.version() <= f.version());
            if newer {
                facts.insert(f.conversation.clone(), f);
            }
        }
    }
    let facts: Vec<Fact> = facts.into_values().collect();
    assert!(facts.len() > 250 && facts.len() < filed, "{}", facts.len());
    assert!(written > 0, "the store says what it wrote");

    let mut queries = Vec::new();
    for (i, tz) in [0, 60, -300, 330, 345, -570, 765, 7]
        .into_iter()
        .enumerate()
    {
        // Ragged ends, from a few minutes to the whole week.
        let from = t0 - HOUR_MS + rng.below(2 * DAY_MS as u64) as i64;
        let to = from + [7 * 60_000, 5 * HOUR_MS, 3 * DAY_MS + 1, 8 * DAY_MS][i % 4];
        let base = Query {
            from,
            to,
            department: None,
            agent: None,
            tz_minutes: tz,
        };
        queries.push(base.clone());
        queries.push(Query {
            department: Some("d-north".into()),
            ..base.clone()
        });
        queries.push(Query {
            agent: Some("ag-2".into()),
            ..base.clone()
        });
        queries.push(Query {
            department: Some("d-south".into()),
            agent: Some("ag-3".into()),
            ..base
        });
    }
    // Whole days, and the whole week.
    queries.push(Query {
        from: t0,
        to: t0 + 3 * DAY_MS,
        department: None,
        agent: None,
        tz_minutes: 0,
    });
    queries.push(Query {
        from: t0 - DAY_MS,
        to: t0 + 8 * DAY_MS,
        department: None,
        agent: None,
        tz_minutes: 120,
    });
    let mut counted = 0;
    for q in &queries {
        let got = report(&api, &mark.token, &query_string(q)).await?;
        assert_eq!(got, expected(q, &facts), "{q:?}");
        counted += got.totals.chats;
    }
    assert!(counted > 1_000, "the periods hold chats: {counted}");

    // Folded again from the facts (as a store made before the sums were
    // kept is, once): the same reports.
    let answer = api
        .raw("POST", "/api/v1/bench/reports/demo/refold", None, None)
        .await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let folded: serde_json::Value = answer.json()?;
    assert_eq!(folded["folded"].as_u64(), Some(facts.len() as u64));
    for q in &queries {
        let got = report(&api, &mark.token, &query_string(q)).await?;
        assert_eq!(got, expected(q, &facts), "after the fold: {q:?}");
    }
    Ok(())
}
