// Plans hold lists of ranges; a list of one range is meant here.
#![allow(clippy::single_range_in_vec_init)]

use super::*;
use crate::reports::{report, Outcome};
use std::collections::HashMap;

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a slot and a day
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn fact(id: &str, start: i64, department: &str, agent: Option<&str>) -> Fact {
    let answered = agent.is_some();
    let taken = answered.then_some(start + 12_000);
    Fact {
        conversation: id.into(),
        department: department.into(),
        agent: agent.map(Into::into),
        agent_name: agent.map(|a| a.to_uppercase()).unwrap_or_default(),
        started_at: start,
        queued_at: start + 1_000,
        taken_at: taken,
        first_response_ms: taken.map(|_| 20_000),
        response_sum_ms: if answered { 45_000 } else { 0 },
        response_count: if answered { 3 } else { 0 },
        closed_at: start + 300_000,
        outcome: if answered {
            Outcome::Answered
        } else {
            Outcome::Abandoned
        },
        visitor_messages: 3,
        agent_messages: 3,
        rating: None,
        rated_at: None,
        // An answered chat had one call of a minute.
        calls: i64::from(answered),
        calls_answered: i64::from(answered),
        call_ms: if answered { 60_000 } else { 0 },
    }
}

fn query(from: i64, to: i64, tz_minutes: i32) -> Query {
    Query {
        from,
        to,
        department: None,
        agent: None,
        tz_minutes,
    }
}

#[track_caller]
fn check_plan(q: Query, expected: Option<Spans>) {
    match (q.plan(), expected) {
        (Plan::Scan, None) => {}
        (Plan::Sums(got), Some(expected)) => assert_eq!(got, expected),
        (got, expected) => panic!("{got:?} where {expected:?} was expected"),
    }
}

#[test]
fn a_period_is_cut_along_slots_and_days() {
    let s = slot_of(T0);
    assert_eq!(s % DAY_SLOTS, 0, "T0 starts a UTC day");
    // Whole days only: no facts read one by one, no edges.
    check_plan(
        query(T0, T0 + 3 * DAY_MS, 0),
        Some(Spans {
            facts: vec![],
            slots: s..s + 3 * DAY_SLOTS,
            days: s..s + 3 * DAY_SLOTS,
            edges: vec![],
        }),
    );
    // Ragged ends: one partial slot each side from the facts, the whole
    // slots up to the first and from the last day boundary as edges.
    let from = T0 - 2 * HOUR - 7 * MIN - 1; // 21:52:59.999 the day before
    let to = T0 + DAY_MS + 40 * MIN + 5; // 00:40:00.005 two days on
    check_plan(
        query(from, to, 0),
        Some(Spans {
            facts: vec![from..T0 - 2 * HOUR, T0 + DAY_MS + 30 * MIN..to],
            slots: s - 8..s + DAY_SLOTS + 2,
            days: s..s + DAY_SLOTS,
            edges: vec![s - 8..s, s + DAY_SLOTS..s + DAY_SLOTS + 2],
        }),
    );
    // Shorter than a day: no whole day, every whole slot an edge.
    check_plan(
        query(T0 + HOUR + 1, T0 + 3 * HOUR, 330),
        Some(Spans {
            facts: vec![T0 + HOUR + 1..T0 + HOUR + 15 * MIN],
            slots: s + 5..s + 12,
            days: s + 5..s + 5,
            edges: vec![s + 5..s + 12],
        }),
    );
    // Exactly one whole slot; the end on a boundary needs no facts.
    check_plan(
        query(T0 - 1, T0 + 15 * MIN, 0),
        Some(Spans {
            facts: vec![T0 - 1..T0],
            slots: s..s + 1,
            days: s..s,
            edges: vec![s..s + 1],
        }),
    );
    // Within one slot, or across a boundary with no whole slot: the facts.
    check_plan(query(T0 + 1, T0 + 14 * MIN, 0), None);
    check_plan(query(T0 + MIN, T0 + 16 * MIN, 0), None);
    // Offsets of whole quarter hours use the sums, others the facts.
    for tz in [0, 60, -300, 330, 345, -570, 765, -840, 840] {
        assert_ne!(query(T0, T0 + DAY_MS, tz).plan(), Plan::Scan, "{tz}");
    }
    for tz in [1, 7, -20, 44, 839] {
        assert_eq!(query(T0, T0 + DAY_MS, tz).plan(), Plan::Scan, "{tz}");
    }
}

#[test]
fn a_slot_stays_within_one_hour_of_any_quarter_hour_offset() {
    for tz_minutes in (-840..=840).step_by(15) {
        let tz = i64::from(tz_minutes) * MIN;
        for slot in slot_of(T0)..slot_of(T0) + DAY_SLOTS {
            let first = slot * SLOT_MS;
            let last = first + SLOT_MS - 1;
            assert_eq!(local_hour(first, tz), local_hour(last, tz), "{tz_minutes}");
        }
    }
    // Nepal (+5:45): 18:15 UTC is 00:00 of the next day there.
    let at = T0 + 18 * HOUR + 15 * MIN;
    let h = local_hour(at, 345 * MIN);
    assert_eq!((h.rem_euclid(24), h.div_euclid(24)), (0, T0 / DAY_MS + 1));
    assert_eq!(local_hour(at - 1, 345 * MIN).rem_euclid(24), 23);
}

#[test]
fn a_fact_goes_to_its_cells() {
    let f = fact("a", T0 + 26 * HOUR + 20 * MIN, "sales", Some("anna"));
    let slot = slot_of(T0) + DAY_SLOTS + 2 * 4 + 1;
    let day = slot_of(T0) + DAY_SLOTS;
    let grid = |d: &str, a: &str| Cell::Slot {
        department: d.into(),
        agent: a.into(),
        slot,
    };
    let span = |grain, start| Cell::Span {
        grain,
        start,
        department: "sales".into(),
        agent: "anna".into(),
    };
    assert_eq!(
        f.cells(),
        [
            grid(ANY, ANY),
            grid("sales", ANY),
            grid(ANY, "anna"),
            grid("sales", "anna"),
            span(1, slot),
            span(DAY_SLOTS, day),
        ]
    );
    // Nobody took it: no agent's slot cells; its span says nobody.
    let nobody = fact("b", T0, "support", None);
    let cells = nobody.cells();
    assert_eq!(cells.len(), 4);
    assert!(cells.contains(&Cell::Span {
        grain: DAY_SLOTS,
        start: slot_of(T0),
        department: "support".into(),
        agent: String::new(),
    }));
}

#[test]
fn a_first_filing_adds_to_every_cell() {
    let f = fact("a", T0, "sales", Some("anna"));
    let change = refile(&[], &f).expect("nothing stored");
    assert_eq!(change.deltas.len(), 6);
    assert!(change.emptied.is_empty());
    for (_, d) in &change.deltas {
        assert_eq!((d.chats, d.answered, d.label.as_str()), (1, 1, "ANNA"));
        assert_eq!((d.response_sum, d.response_n), (45_000, 3));
    }
}

#[test]
fn a_rating_changes_only_the_rating_sums() {
    let closed = fact("a", T0, "sales", Some("anna"));
    let mut rated = closed.clone();
    rated.rating = Some(4);
    rated.rated_at = Some(T0 + DAY_MS);
    let change = refile(std::slice::from_ref(&closed), &rated).expect("a later filing");
    assert_eq!(change.deltas.len(), 6);
    assert!(change.emptied.is_empty());
    for (cell, d) in &change.deltas {
        let expected = Sums {
            label: "ANNA".into(),
            ratings: 1,
            rating_sum: 0.75,
            ..Sums::default()
        };
        assert_eq!(d, &expected, "{cell:?}");
        assert_eq!(d.rating_points(), 3);
    }
    // A new rating replaces the old one: 4 becomes 2.
    let mut again = rated.clone();
    again.rating = Some(2);
    again.rated_at = Some(T0 + DAY_MS + 1);
    let change = refile(std::slice::from_ref(&rated), &again).expect("a later filing");
    for (_, d) in &change.deltas {
        assert_eq!((d.ratings, d.rating_points(), d.chats), (0, -2, 0));
    }
}

#[test]
fn a_refiling_takes_the_old_figures_away() {
    // Filed in sales for Anna, filed again (rated) in support for Bob an
    // hour later: no cell is shared, so every old cell loses the chat
    // (and, left empty, goes) and every new one gains it.
    let old = fact("a", T0, "sales", Some("anna"));
    let mut new = fact("a", T0 + HOUR, "support", Some("bob"));
    new.rated_at = Some(T0 + 2 * HOUR);
    new.rating = Some(5);
    let change = refile(std::slice::from_ref(&old), &new).expect("later");
    let delta = |cell: &Cell| {
        change
            .deltas
            .iter()
            .find(|(c, _)| c == cell)
            .map(|(_, d)| d)
    };
    assert!(old.cells().iter().all(|c| !new.cells().contains(c)));
    assert_eq!(change.deltas.len(), 12);
    assert_eq!(change.emptied, {
        let mut cells = old.cells();
        cells.sort();
        cells
    });
    for cell in old.cells() {
        let d = delta(&cell).expect("the old cell changes");
        assert_eq!((d.chats, d.answered, d.ratings), (-1, -1, 0), "{cell:?}");
        assert_eq!(d.duration_sum, -old.duration_ms());
        assert_eq!(d.response_n, -3);
    }
    for cell in new.cells() {
        let d = delta(&cell).expect("the new cell changes");
        assert_eq!(
            (d.chats, d.ratings, d.rating_points(), d.label.as_str()),
            (1, 1, 4, "BOB")
        );
    }

    // Another agent, the same slot and department: the cells of every
    // agent keep their chat untouched; Anna's four go, Bob's four come.
    let mut moved = old.clone();
    moved.agent = Some("bob".into());
    moved.agent_name = "BOB".into();
    let change = refile(std::slice::from_ref(&old), &moved).expect("same version");
    let untouched = [ANY, "sales"].map(|department| Cell::Slot {
        department: department.into(),
        agent: ANY.into(),
        slot: slot_of(T0),
    });
    assert!(change.deltas.iter().all(|(c, _)| !untouched.contains(c)));
    assert_eq!(change.deltas.len(), 8, "{:?}", change.deltas);
    assert_eq!(change.emptied.len(), 4);
    let chats: i64 = change.deltas.iter().map(|(_, d)| d.chats).sum();
    assert_eq!(chats, 0);
}

#[test]
fn a_late_retry_changes_nothing() {
    let closed = fact("a", T0, "sales", Some("anna"));
    let mut rated = closed.clone();
    rated.rating = Some(5);
    rated.rated_at = Some(T0 + HOUR);
    // The close retried after the rating was filed: kept as is.
    assert_eq!(refile(std::slice::from_ref(&rated), &closed), None);
    // The same filing twice: replaced, but no cell changes.
    assert_eq!(
        refile(std::slice::from_ref(&rated), &rated),
        Some(Refile::default())
    );
}

/// The reports store as its SQL works, in memory: facts by conversation,
/// cells with their sums, and answers that follow [`Query::plan`].
#[derive(Default)]
struct Store {
    facts: HashMap<String, Fact>,
    cells: HashMap<Cell, Sums>,
}

impl Store {
    fn file(&mut self, f: &Fact) {
        let stored: Vec<Fact> = self
            .facts
            .get(&f.conversation)
            .cloned()
            .into_iter()
            .collect();
        let Some(change) = refile(&stored, f) else {
            return;
        };
        self.facts.insert(f.conversation.clone(), f.clone());
        for (cell, delta) in change.deltas {
            let kept = self.cells.entry(cell).or_default();
            kept.merge(&delta);
            kept.label = kept.label.clone().max(delta.label);
        }
        for cell in change.emptied {
            if self.cells.get(&cell).is_some_and(|s| s.chats == 0) {
                assert!(self.cells[&cell].is_zero(), "an empty cell has no figures");
                self.cells.remove(&cell);
            }
        }
    }

    fn scan(&self, q: &Query, range: Range<i64>, rows: &mut Rows) {
        let part = Query {
            from: range.start,
            to: range.end,
            ..q.clone()
        };
        let mut hours = Vec::new();
        for f in self.facts.values().filter(|f| part.selects(f)) {
            let mut s = f.sums();
            s.key = local_hour(f.started_at, q.tz_ms()).to_string();
            hours.push(s.clone());
            s.key = pair_key(&f.department, f.agent.as_deref().unwrap_or_default());
            s.label = f.agent_name.clone();
            rows.pairs.push(s);
        }
        rows.add_local_hours(hours);
    }

    fn answer(&self, q: &Query) -> Grouped {
        let mut rows = Rows::default();
        match q.plan() {
            Plan::Scan => self.scan(q, q.from..q.to, &mut rows),
            Plan::Sums(spans) => {
                for range in &spans.facts {
                    self.scan(q, range.clone(), &mut rows);
                }
                let (department, agent) = q.slot_keys();
                for (cell, sums) in &self.cells {
                    match cell {
                        Cell::Slot {
                            department: d,
                            agent: a,
                            slot,
                        } if d == department && a == agent && spans.slots.contains(slot) => {
                            // The store groups its slots by day and by hour
                            // of the day, as here.
                            let at = slot * SLOT_MS;
                            let mut s = sums.clone();
                            s.key = crate::reports::day_number(at, q.tz_ms()).to_string();
                            rows.days.push(s.clone());
                            s.key = crate::reports::hour_of_day(at, q.tz_ms()).to_string();
                            rows.hours.push(s);
                        }
                        Cell::Span {
                            grain,
                            start,
                            department: d,
                            agent: a,
                        } if q.department.as_ref().is_none_or(|x| x == d)
                            && q.agent.as_ref().is_none_or(|x| x == a) =>
                        {
                            let wanted = if *grain == DAY_SLOTS {
                                spans.days.contains(start)
                            } else {
                                spans.edges.iter().any(|e| e.contains(start))
                            };
                            if wanted {
                                let mut s = sums.clone();
                                s.key = pair_key(d, a);
                                rows.pairs.push(s);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        Grouped::from_rows(&rows)
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[test]
fn kept_sums_answer_as_the_facts_do() {
    let mut rng = Rng(0x5eed);
    let mut store = Store::default();
    let mut facts: HashMap<String, Fact> = HashMap::new();
    let departments = ["sales", "support", "billing"];
    let agents = [None, Some("anna"), Some("bob"), Some("cy")];
    let span = 5 * DAY_MS;
    for i in 0..600_u16 {
        let id = format!("c{}", rng.below(400));
        let start = T0 + rng.below(span as u64) as i64;
        let mut f = fact(
            &id,
            start,
            departments[rng.below(3) as usize],
            agents[rng.below(4) as usize],
        );
        f.outcome = match (f.agent.is_some(), rng.below(2)) {
            (true, _) => Outcome::Answered,
            (false, 0) => Outcome::Missed,
            _ => Outcome::Abandoned,
        };
        f.first_response_ms = f.first_response_ms.map(|_| rng.below(90_000) as i64);
        f.closed_at = start + rng.below(4 * HOUR as u64) as i64;
        if rng.below(3) == 0 {
            f.rating = Some(1 + rng.below(5) as u8);
            f.rated_at = Some(i64::from(i));
        }
        store.file(&f);
        // The reference keeps the latest filing, as the store does.
        let keep = facts
            .get(&id)
            .is_none_or(|old| old.version() <= f.version());
        if keep {
            facts.insert(id, f);
        }
    }
    let all: Vec<Fact> = facts.values().cloned().collect();
    assert_eq!(store.facts.len(), all.len());
    let none = HashMap::new();
    let mut queries = 0;
    for _ in 0..300 {
        let from = T0 - HOUR + rng.below((span + 2 * HOUR) as u64) as i64;
        let to = from + 1 + rng.below(span as u64) as i64;
        let tz = [0, 60, -300, 330, 345, -570, 765, -840, 7][rng.below(9) as usize];
        let mut q = query(from, to, tz);
        match rng.below(4) {
            0 => q.department = Some(departments[rng.below(3) as usize].into()),
            1 => q.agent = Some(["anna", "bob", "cy"][rng.below(3) as usize].into()),
            2 => {
                q.department = Some("sales".into());
                q.agent = Some("anna".into());
            }
            _ => {}
        }
        let expected = Grouped::of(&q, &all);
        let got = store.answer(&q);
        assert_eq!(
            report(&q, got, &none, &none),
            report(&q, expected, &none, &none),
            "{q:?}"
        );
        queries += 1;
    }
    assert_eq!(queries, 300);
}
