use super::*;
use serde_json::json;

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/// A conversation's row: queued at `T0 + queued`, closed at `T0 + closed`,
/// with the other fields given as JSON.
fn meta(queued: i64, closed: i64, extra: serde_json::Value) -> Meta {
    let mut m = json!({
        "view": {
            "id": "c1", "status": "closed", "department": "sales",
            "visitor": {"id": "v1", "side": "visitor", "name": "Visitor"},
            "assignee": null, "members": []
        },
        "preview": "hi",
        "queued_at": T0 + queued,
        "announced": true,
        "created_at": T0 + queued,
        "closing": {
            "at": T0 + closed,
            "by": {"id": "v1", "side": "visitor", "name": "Visitor"},
            "comment": "The visitor ended the chat", "tags": [], "disposition": null
        }
    });
    let (serde_json::Value::Object(m_), serde_json::Value::Object(extra)) = (&mut m, extra) else {
        panic!("objects");
    };
    for (k, v) in extra {
        if k == "assignee" {
            m_["view"]["assignee"] = v;
        } else {
            m_.insert(k, v);
        }
    }
    serde_json::from_value(m).expect("a valid row")
}

fn anna() -> serde_json::Value {
    json!({"id": "anna", "side": "agent", "name": "Anna"})
}

#[track_caller]
fn check_outcome(m: &Meta, expected: Outcome) {
    let fact = Fact::of(m, &[]).expect("closed");
    assert_eq!(fact.outcome, expected);
}

#[test]
fn outcomes() {
    // Taken: answered, whoever closed it.
    check_outcome(
        &meta(
            0,
            60_000,
            json!({"taken_at": T0 + 5_000, "assignee": anna()}),
        ),
        Outcome::Answered,
    );
    // Left after 30 s, nobody looked: abandoned.
    check_outcome(&meta(0, 30_000, json!({})), Outcome::Abandoned);
    // An agent opened it and did not take it: missed.
    check_outcome(
        &meta(0, 30_000, json!({"seen_queued_at": T0 + 1_000})),
        Outcome::Missed,
    );
    // Waited the whole timeout: missed; a moment less: abandoned.
    check_outcome(&meta(0, MISSED_AFTER_MS, json!({})), Outcome::Missed);
    check_outcome(&meta(0, MISSED_AFTER_MS - 1, json!({})), Outcome::Abandoned);
}

#[test]
fn no_fact_before_the_close_or_without_a_queue() {
    let mut open = meta(0, 10, json!({}));
    open.view.status = ConversationStatus::Active;
    assert_eq!(Fact::of(&open, &[]), None);
    let mut never_queued = meta(0, 10, json!({}));
    never_queued.queued_at = 0;
    assert_eq!(Fact::of(&never_queued, &[]), None);
}

#[test]
fn a_timeline_becomes_its_fact() {
    let m = meta(
        0,
        600_000,
        json!({
            "taken_at": T0 + 20_000,
            "assignee": anna(),
            "rating": {"score": 4, "comment": null, "at": T0 + 700_000},
            "calls": {"count": 2, "answered": 1, "total_ms": 95_000}
        }),
    );
    let turns = [
        (Side::Visitor, T0),
        (Side::Agent, T0 + 30_000),   // 30 s
        (Side::Visitor, T0 + 40_000), // waits from here
        (Side::Visitor, T0 + 45_000),
        (Side::Agent, T0 + 50_000), // 10 s
        (Side::Agent, T0 + 51_000), // no question pending
    ];
    let fact = Fact::of(&m, &turns).expect("closed");
    assert_eq!(
        fact,
        Fact {
            conversation: "c1".into(),
            department: "sales".into(),
            agent: Some("anna".into()),
            agent_name: "Anna".into(),
            started_at: T0,
            queued_at: T0,
            taken_at: Some(T0 + 20_000),
            first_response_ms: Some(30_000),
            response_sum_ms: 40_000,
            response_count: 2,
            closed_at: T0 + 600_000,
            outcome: Outcome::Answered,
            visitor_messages: 3,
            agent_messages: 3,
            rating: Some(4),
            rated_at: Some(T0 + 700_000),
            calls: 2,
            calls_answered: 1,
            call_ms: 95_000,
        }
    );
    assert_eq!(fact.queue_ms(), Some(20_000));
    assert_eq!(fact.duration_ms(), 600_000);
    assert_eq!(fact.version(), T0 + 700_000);
}

#[test]
fn the_agent_is_the_last_one_who_had_it() {
    // Moved back to the queue, then its visitor left: Anna, who moved it.
    let m = meta(
        0,
        90_000,
        json!({
            "taken_at": T0 + 1_000,
            "transfers": [{
                "at": T0 + 5_000, "by": anna(),
                "to": {"kind": "department", "department": "support", "name": "Support"},
                "comment": null
            }]
        }),
    );
    let fact = Fact::of(&m, &[]).expect("closed");
    assert_eq!(fact.agent.as_deref(), Some("anna"));
    assert_eq!(fact.outcome, Outcome::Answered);
    // Never taken: nobody's.
    assert_eq!(Fact::of(&meta(0, 10, json!({})), &[]).unwrap().agent, None);
}

#[test]
fn ratings_are_fractions_of_the_best() {
    assert_eq!(rating_fraction(1), 0.0);
    assert_eq!(rating_fraction(3), 0.5);
    assert_eq!(rating_fraction(5), 1.0);
}

fn fact(id: &str, start: i64, outcome: Outcome, agent: Option<&str>, dept: &str) -> Fact {
    let taken = (outcome == Outcome::Answered).then_some(start + 10_000);
    Fact {
        conversation: id.into(),
        department: dept.into(),
        agent: agent.map(Into::into),
        agent_name: agent.map(|a| a.to_uppercase()).unwrap_or_default(),
        started_at: start,
        queued_at: start,
        taken_at: taken,
        first_response_ms: taken.map(|_| 20_000),
        response_sum_ms: if taken.is_some() { 30_000 } else { 0 },
        response_count: if taken.is_some() { 2 } else { 0 },
        closed_at: start + 100_000,
        outcome,
        visitor_messages: 2,
        agent_messages: 2,
        rating: None,
        rated_at: None,
        calls: 0,
        calls_answered: 0,
        call_ms: 0,
    }
}

fn fixture() -> Vec<Fact> {
    let h = 3_600_000;
    let mut rated = fact("a", T0 + 9 * h, Outcome::Answered, Some("anna"), "sales");
    rated.rating = Some(5);
    // Anna called twice from it; the visitor took one call of 90 s.
    (rated.calls, rated.calls_answered, rated.call_ms) = (2, 1, 90_000);
    let mut rated_low = fact(
        "b",
        T0 + 9 * h + 60_000,
        Outcome::Answered,
        Some("bob"),
        "sales",
    );
    rated_low.rating = Some(2);
    vec![
        rated,
        rated_low,
        fact(
            "c",
            T0 + 23 * h + 30 * 60_000,
            Outcome::Abandoned,
            None,
            "support",
        ),
        fact("d", T0 + 25 * h, Outcome::Missed, None, "support"),
        fact("e", T0 + 26 * h, Outcome::Answered, Some("anna"), "support"),
        // Outside the period.
        fact("f", T0 + 100 * h, Outcome::Answered, Some("anna"), "sales"),
    ]
}

fn period(tz_minutes: i32) -> Query {
    Query {
        from: T0,
        to: T0 + 2 * DAY_MS,
        department: None,
        agent: None,
        tz_minutes,
    }
}

#[test]
fn a_small_fixture_adds_up() {
    let q = period(0);
    let r = report(
        &q,
        Grouped::of(&q, &fixture()),
        &HashMap::new(),
        &HashMap::new(),
    );
    let t = &r.totals;
    assert_eq!((t.chats, t.answered, t.missed, t.abandoned), (5, 3, 1, 1));
    assert_eq!(t.avg_queue_ms, Some(10_000.0));
    assert_eq!(t.avg_first_response_ms, Some(20_000.0));
    assert_eq!(t.avg_response_ms, Some(15_000.0));
    assert_eq!(t.avg_duration_ms, Some(100_000.0));
    assert_eq!(t.ratings, 2);
    assert_eq!(t.avg_rating, Some(0.625)); // (1 + 0.25) / 2
    assert_eq!((t.calls, t.calls_answered, t.call_ms), (2, 1, 90_000));
    assert_eq!(r.by_agent[0].calls, 2, "Anna's calls are hers");
    assert_eq!(r.by_agent[1].calls, 0);
    // Every hour and day present; chats where they started.
    assert_eq!(r.by_hour.len(), 24);
    assert_eq!(r.by_hour[9].chats, 2);
    assert_eq!(r.by_hour[9].label, "09:00");
    assert_eq!(r.by_hour[23].chats, 1);
    assert_eq!(r.by_hour[1].chats, 1);
    let days: Vec<(&str, u64)> = r.by_day.iter().map(|d| (d.key.as_str(), d.chats)).collect();
    assert_eq!(days, [("2026-01-01", 3), ("2026-01-02", 2)]);
    // Agents busiest first, with the name filed; departments likewise.
    let agents: Vec<(&str, &str, u64)> = r
        .by_agent
        .iter()
        .map(|a| (a.key.as_str(), a.label.as_str(), a.chats))
        .collect();
    assert_eq!(agents, [("anna", "ANNA", 2), ("bob", "BOB", 1)]);
    let depts: Vec<(&str, u64)> = r
        .by_department
        .iter()
        .map(|d| (d.key.as_str(), d.chats))
        .collect();
    assert_eq!(depts, [("support", 3), ("sales", 2)]);
}

#[test]
fn hours_and_days_follow_the_time_zone() {
    // Two hours west of UTC: 23:30, 01:00 and 02:00 UTC are 21:30 and 23:00
    // of the first day and midnight of the second, and the period touches
    // the last day of 2025.
    let q = period(-120);
    let r = report(
        &q,
        Grouped::of(&q, &fixture()),
        &HashMap::new(),
        &HashMap::new(),
    );
    assert_eq!(r.by_hour[21].chats, 1);
    assert_eq!(r.by_hour[23].chats, 1);
    assert_eq!(r.by_hour[7].chats, 2);
    assert_eq!(r.by_hour[0].chats, 1);
    let days: Vec<(&str, u64)> = r.by_day.iter().map(|d| (d.key.as_str(), d.chats)).collect();
    assert_eq!(
        days,
        [("2025-12-31", 0), ("2026-01-01", 4), ("2026-01-02", 1)]
    );
}

#[test]
fn filters_and_names() {
    let mut q = period(0);
    q.agent = Some("anna".into());
    let names = HashMap::from([("sales".to_owned(), "Sales team".to_owned())]);
    let r = report(&q, Grouped::of(&q, &fixture()), &HashMap::new(), &names);
    assert_eq!(r.totals.chats, 2);
    assert_eq!(r.by_department[0].label, "Sales team");
    assert_eq!(r.by_department[1].label, "support");
    let mut q = period(0);
    q.department = Some("support".into());
    let r = report(
        &q,
        Grouped::of(&q, &fixture()),
        &HashMap::new(),
        &HashMap::new(),
    );
    assert_eq!(r.totals.chats, 3);
    assert_eq!(r.by_agent.len(), 1);
}

#[test]
fn an_empty_period_has_no_averages() {
    let q = period(0);
    let r = report(&q, Grouped::default(), &HashMap::new(), &HashMap::new());
    assert_eq!(r.totals.chats, 0);
    assert_eq!(r.totals.avg_queue_ms, None);
    assert_eq!(r.totals.avg_rating, None);
    assert_eq!(r.by_day.len(), 2);
}

#[track_caller]
fn check_query(params: &[(&str, &str)], expected: Result<(i64, i64, i32), &str>) {
    let got = Query::parse(
        |name| {
            params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        },
        T0,
    );
    match (got, expected) {
        (Ok(q), Ok((from, to, tz))) => assert_eq!((q.from, q.to, q.tz_minutes), (from, to, tz)),
        (Err(e), Err(part)) => assert!(e.contains(part), "{e}"),
        (got, expected) => panic!("{got:?} where {expected:?} was expected"),
    }
}

#[test]
fn queries() {
    check_query(&[], Ok((T0 - 7 * DAY_MS, T0, 0)));
    check_query(
        &[("from", "10"), ("to", "20"), ("tz", "-300")],
        Ok((10, 20, -300)),
    );
    check_query(&[("from", "x")], Err("from: a whole number"));
    check_query(&[("from", "20"), ("to", "20")], Err("must end after"));
    check_query(
        &[("from", "0"), ("to", "31708800001")],
        Err("at most 366 days"),
    );
    check_query(&[("tz", "841")], Err("at most 14 hours"));
    check_query(&[("department", "a b")], Err("an id is expected"));
    let q = Query::parse(|n| (n == "agent").then(|| "anna".to_owned()), T0).unwrap();
    assert_eq!(q.agent.as_deref(), Some("anna"));
}

#[test]
fn csv_quotes_and_defuses() {
    let q = period(0);
    let mut facts = fixture();
    facts[0].agent_name = "Smith, \"Ann\"".into();
    facts[4].agent_name = "Smith, \"Ann\"".into();
    facts[1].agent_name = "=HYPERLINK(\"x\")".into();
    let r = report(
        &q,
        Grouped::of(&q, &facts),
        &HashMap::new(),
        &HashMap::new(),
    );
    let text = csv(&r, Table::ByAgent);
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "agent,name,chats,answered,missed,abandoned,avg_queue_ms,avg_first_response_ms,avg_response_ms,avg_duration_ms,ratings,avg_rating,calls,calls_answered,call_ms"
    );
    assert_eq!(
        lines[1],
        "anna,\"Smith, \"\"Ann\"\"\",2,2,0,0,10000,20000,15000,100000,1,1.000,2,1,90000"
    );
    assert_eq!(
        lines[2],
        "bob,\"'=HYPERLINK(\"\"x\"\")\",1,1,0,0,10000,20000,15000,100000,1,0.250,0,0,0"
    );
    assert_eq!(
        lines[3],
        "total,All chats,5,3,1,1,10000,20000,15000,100000,2,0.625,2,1,90000"
    );
    assert_eq!(lines[4], "");
    // Empty figures are empty cells.
    let hours = csv(&r, Table::ByHour);
    assert!(
        hours.contains("\r\n00,00:00,0,0,0,0,,,,,0,,0,0,0\r\n"),
        "{hours}"
    );
    assert_eq!(
        Table::ByDay.file_name(&r, 0),
        "chats-by-day-2026-01-01-to-2026-01-02.csv"
    );
    assert_eq!(Table::parse("by_department"), Some(Table::ByDepartment));
    assert_eq!(Table::parse("nope"), None);
}

#[test]
fn day_hour_and_pair_sums_give_the_same_report() {
    // What a store answers (sums by hour since the epoch in the offset,
    // by department and agent, in parts whose keys repeat: here one row
    // per fact) makes the report that grouping each way apart makes.
    let q = period(-90);
    let facts = fixture();
    let mut rows = rollup::Rows::default();
    let mut hours = Vec::new();
    for f in facts.iter().filter(|f| q.selects(f)) {
        let mut s = f.sums();
        s.key = rollup::local_hour(f.started_at, q.tz_ms()).to_string();
        hours.push(s.clone());
        s.key = rollup::pair_key(&f.department, f.agent.as_deref().unwrap_or_default());
        s.label = f.agent_name.clone();
        rows.pairs.push(s);
    }
    rows.add_local_hours(hours);
    let apart = Grouped::of(&q, &facts);
    assert_eq!(apart.by_agent.len(), 2);
    assert_eq!(Grouped::from_rows(&rows), apart);
    rows.days.reverse();
    rows.hours.reverse();
    rows.pairs.reverse();
    assert_eq!(Grouped::from_rows(&rows), apart);
}
