//! Reports: what one closed conversation contributes to them (its
//! [`Fact`]), how facts add up ([`Sums`]), what a report asks for
//! ([`Query`]: the period, the filters, the time zone), how the sums of a
//! period become a [`Report`] with every hour and day present, and the
//! report's tables as CSV.
//!
//! A conversation files its fact once it closes and again when its
//! visitor rates it; the reports store keeps one row per conversation and,
//! in the same transaction, the sums of [`rollup`]'s cells, so a report
//! adds up a number of rows bounded by its period's length, not by its
//! chats. No chat message ever reaches the store.

use crate::conversation::room::response_times_summed;
use crate::conversation::Meta;
use serde::{Deserialize, Serialize};
use shared::admin::{Report, ReportRow};
use shared::frame::{ConversationStatus, Side};
use std::collections::HashMap;

pub mod rollup;

/// A chat that waited this long in the queue and was never taken counts as
/// missed even if no agent opened it: it timed out of the queue.
pub const MISSED_AFTER_MS: i64 = 2 * 60 * 1000;
/// The longest period one report covers.
pub const MAX_PERIOD_MS: i64 = 366 * DAY_MS;
/// The period asked for when none is given.
pub const DEFAULT_PERIOD_MS: i64 = 7 * DAY_MS;
/// The widest UTC offset on Earth's clocks, in minutes.
pub const MAX_TZ_MINUTES: i32 = 14 * 60;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// How a conversation ended, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An agent took it.
    Answered,
    /// Never taken, though an agent opened it while it waited, or it
    /// waited [`MISSED_AFTER_MS`] or longer.
    Missed,
    /// Never taken: its visitor left while it waited, before anyone
    /// opened it and before it timed out.
    Abandoned,
}

impl Outcome {
    /// Its stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Missed => "missed",
            Outcome::Abandoned => "abandoned",
        }
    }
}

/// One closed conversation, as reports count it. Times in ms since the
/// epoch; durations in ms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// The conversation.
    pub conversation: String,
    /// Its department when it closed.
    pub department: String,
    /// The agent who had it last (who took it, or who it was forwarded
    /// to); none when never taken.
    #[serde(default)]
    pub agent: Option<String>,
    /// That agent's name.
    #[serde(default)]
    pub agent_name: String,
    /// When its visitor opened it.
    pub started_at: i64,
    /// When it entered the queue.
    pub queued_at: i64,
    /// When an agent first took it.
    #[serde(default)]
    pub taken_at: Option<i64>,
    /// From its visitor's first message to the first agent answer.
    #[serde(default)]
    pub first_response_ms: Option<i64>,
    /// Every response time added up (see
    /// [`crate::conversation::room::response_times`]).
    pub response_sum_ms: i64,
    /// How many responses.
    pub response_count: i64,
    /// When it closed.
    pub closed_at: i64,
    /// How it ended.
    pub outcome: Outcome,
    /// Messages its visitor wrote.
    pub visitor_messages: i64,
    /// Messages agents wrote to the visitor.
    pub agent_messages: i64,
    /// Its visitor's rating, 1 to 5.
    #[serde(default)]
    pub rating: Option<u8>,
    /// When the rating came: each new rating files the fact again.
    #[serde(default)]
    pub rated_at: Option<i64>,
    /// Calls its agent started from it.
    #[serde(default)]
    pub calls: i64,
    /// Of those, the ones the visitor accepted.
    #[serde(default)]
    pub calls_answered: i64,
    /// Their connected time, added (ms).
    #[serde(default)]
    pub call_ms: i64,
}

impl Fact {
    /// Whether the row makes a fact at all (closed, after reaching a
    /// queue): what a shell asks before it reads the turns.
    pub fn due(meta: &Meta) -> bool {
        meta.view.status == ConversationStatus::Closed && meta.queued_at > 0
    }

    /// The conversation's fact, from its row and `turns` (the author side
    /// and time of each message the visitor could read, in order, system
    /// lines left out). None until it has closed, and for one whose
    /// visitor never wrote (it never reached a queue).
    pub fn of(meta: &Meta, turns: &[(Side, i64)]) -> Option<Fact> {
        if !Fact::due(meta) {
            return None;
        }
        let closing = meta.closing.as_ref()?;
        let started_at = if meta.created_at > 0 {
            meta.created_at
        } else {
            meta.queued_at
        };
        let agent = meta.view.assignee.clone().or_else(|| {
            // Moved back to the queue and then left: the last agent who
            // had it forwarded or moved it.
            meta.taken_at?;
            meta.transfers.last().map(|t| t.by.clone())
        });
        let summed = response_times_summed(turns);
        let count = |side| turns.iter().filter(|(s, _)| *s == side).count() as i64;
        Some(Fact {
            conversation: meta.view.id.0.clone(),
            department: meta.view.department.clone(),
            agent_name: agent.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
            agent: agent.map(|a| a.id),
            started_at,
            queued_at: meta.queued_at,
            taken_at: meta.taken_at,
            first_response_ms: summed.first,
            response_sum_ms: summed.sum,
            response_count: summed.count,
            closed_at: closing.at,
            outcome: outcome(meta, closing.at),
            visitor_messages: count(Side::Visitor),
            agent_messages: count(Side::Agent),
            rating: meta.rating.as_ref().map(|r| r.score),
            rated_at: meta.rating.as_ref().map(|r| r.at),
            calls: i64::from(meta.calls.count),
            calls_answered: i64::from(meta.calls.answered),
            call_ms: meta.calls.total_ms.max(0),
        })
    }

    /// Time in the queue, for a chat that was taken.
    pub fn queue_ms(&self) -> Option<i64> {
        self.taken_at.map(|t| (t - self.queued_at).max(0))
    }

    /// Start to close.
    pub fn duration_ms(&self) -> i64 {
        (self.closed_at - self.started_at).max(0)
    }

    /// Which filing of this conversation it is: a store that holds this
    /// one or a later one needs nothing more.
    pub fn version(&self) -> i64 {
        self.rated_at.unwrap_or(0)
    }
}

/// How a closed conversation ended (see [`Outcome`]).
pub fn outcome(meta: &Meta, closed_at: i64) -> Outcome {
    if meta.taken_at.is_some() {
        Outcome::Answered
    } else if meta.seen_queued_at.is_some() || closed_at - meta.queued_at >= MISSED_AFTER_MS {
        Outcome::Missed
    } else {
        Outcome::Abandoned
    }
}

/// A rating as a fraction of the scale's best: 1 is 0, 5 is 1 (stars and
/// thumbs alike: a thumb down is 1, up is 5).
pub fn rating_fraction(score: u8) -> f64 {
    (f64::from(score.clamp(1, 5)) - 1.0) / 4.0
}

/// Facts added up: what the store keeps per cell and answers per group,
/// named as its columns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sums {
    /// The group (an hour `0`-`23`, a day number since the epoch, an id;
    /// in a store's answer, a [`rollup::pair_key`]); empty for the
    /// totals.
    #[serde(default)]
    pub key: String,
    /// A name for people, where the store has one (agents).
    #[serde(default)]
    pub label: String,
    /// Chats.
    pub chats: i64,
    /// Answered.
    pub answered: i64,
    /// Missed.
    pub missed: i64,
    /// Abandoned.
    pub abandoned: i64,
    /// Queue times of taken chats, added.
    pub queue_sum: i64,
    /// How many.
    pub queue_n: i64,
    /// First response times, added.
    pub first_sum: i64,
    /// How many.
    pub first_n: i64,
    /// Response times, added.
    pub response_sum: i64,
    /// How many responses.
    pub response_n: i64,
    /// Durations, added.
    pub duration_sum: i64,
    /// Ratings received.
    pub ratings: i64,
    /// Their fractions ([`rating_fraction`]), added.
    pub rating_sum: f64,
    /// Calls started.
    #[serde(default)]
    pub calls: i64,
    /// Calls answered.
    #[serde(default)]
    pub calls_answered: i64,
    /// Their connected time, added.
    #[serde(default)]
    pub call_sum: i64,
}

impl Sums {
    /// Adds one fact.
    pub fn add(&mut self, f: &Fact) {
        self.chats += 1;
        match f.outcome {
            Outcome::Answered => self.answered += 1,
            Outcome::Missed => self.missed += 1,
            Outcome::Abandoned => self.abandoned += 1,
        }
        if let Some(q) = f.queue_ms() {
            self.queue_sum += q;
            self.queue_n += 1;
        }
        if let Some(first) = f.first_response_ms {
            self.first_sum += first;
            self.first_n += 1;
        }
        self.response_sum += f.response_sum_ms;
        self.response_n += f.response_count;
        self.duration_sum += f.duration_ms();
        if let Some(score) = f.rating {
            self.ratings += 1;
            self.rating_sum += rating_fraction(score);
        }
        self.calls += f.calls;
        self.calls_answered += f.calls_answered;
        self.call_sum += f.call_ms;
    }

    /// Its line of a report, averages over the chats that have the figure.
    pub fn row(&self, key: String, label: String) -> ReportRow {
        let avg = |sum: f64, n: i64| (n > 0).then(|| sum / n as f64);
        ReportRow {
            key,
            label,
            chats: self.chats.max(0) as u64,
            answered: self.answered.max(0) as u64,
            missed: self.missed.max(0) as u64,
            abandoned: self.abandoned.max(0) as u64,
            avg_queue_ms: avg(self.queue_sum as f64, self.queue_n),
            avg_first_response_ms: avg(self.first_sum as f64, self.first_n),
            avg_response_ms: avg(self.response_sum as f64, self.response_n),
            avg_duration_ms: avg(self.duration_sum as f64, self.chats),
            ratings: self.ratings.max(0) as u64,
            avg_rating: avg(self.rating_sum, self.ratings),
            calls: self.calls.max(0) as u64,
            calls_answered: self.calls_answered.max(0) as u64,
            call_ms: self.call_sum.max(0),
        }
    }
}

/// What a report asks for: `?from=&to=&department=&agent=&tz=`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// Chats started from (inclusive, ms since the epoch).
    pub from: i64,
    /// Until (exclusive).
    pub to: i64,
    /// Only this department's chats.
    #[serde(default)]
    pub department: Option<String>,
    /// Only this agent's chats.
    #[serde(default)]
    pub agent: Option<String>,
    /// The time zone hours and days are counted in, as minutes east of
    /// UTC.
    #[serde(default)]
    pub tz_minutes: i32,
}

impl Query {
    /// Reads the query string's parameters (`param(name)`), `now` giving
    /// the default period (the last 7 days). Refused with a sentence: a
    /// number that is not one, an empty or reversed period, one longer
    /// than a year (366 days), an offset beyond 14 hours.
    pub fn parse(param: impl Fn(&str) -> Option<String>, now: i64) -> Result<Query, String> {
        let number = |name: &str| -> Result<Option<i64>, String> {
            match param(name).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("{name}: a whole number is expected")),
            }
        };
        let to = number("to")?.unwrap_or(now);
        let from = number("from")?.unwrap_or(to.saturating_sub(DEFAULT_PERIOD_MS));
        if from < 0 || to <= from {
            return Err("from and to: the period must end after it starts".into());
        }
        if to - from > MAX_PERIOD_MS {
            return Err("from and to: a report covers at most 366 days".into());
        }
        let tz = number("tz")?.unwrap_or(0);
        if tz.abs() > i64::from(MAX_TZ_MINUTES) {
            return Err("tz: an offset from UTC in minutes, at most 14 hours".into());
        }
        let filter = |name: &str| {
            param(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let department = filter("department");
        let agent = filter("agent");
        for v in department.iter().chain(agent.iter()) {
            if !shared::ids::is_valid_id(v) {
                return Err("department and agent: an id is expected".into());
            }
        }
        Ok(Query {
            from,
            to,
            department,
            agent,
            tz_minutes: tz as i32,
        })
    }

    /// The offset in milliseconds.
    pub fn tz_ms(&self) -> i64 {
        i64::from(self.tz_minutes) * 60_000
    }

    /// The day numbers (days since the epoch, in the time zone) the period
    /// touches, first to last.
    pub fn days(&self) -> std::ops::RangeInclusive<i64> {
        day_number(self.from, self.tz_ms())..=day_number(self.to - 1, self.tz_ms())
    }
}

/// The day (since the epoch) that `at` falls on, `tz_ms` east of UTC.
pub fn day_number(at: i64, tz_ms: i64) -> i64 {
    (at + tz_ms).div_euclid(DAY_MS)
}

/// The hour of the day (0 to 23) that `at` falls on, `tz_ms` east of UTC.
pub fn hour_of_day(at: i64, tz_ms: i64) -> i64 {
    (at + tz_ms).div_euclid(HOUR_MS).rem_euclid(24)
}

/// A day number as `YYYY-MM-DD`.
pub fn day_key(day: i64) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    match epoch.checked_add_signed(chrono::TimeDelta::days(day)) {
        Some(date) => {
            use chrono::Datelike;
            format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
        }
        None => day.to_string(),
    }
}

/// The sums of a period as the store answers them, before labels.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Grouped {
    /// The whole period.
    pub totals: Sums,
    /// By hour of the day (keys `0`-`23`); hours without chats absent.
    pub by_hour: Vec<Sums>,
    /// By day number; days without chats absent.
    pub by_day: Vec<Sums>,
    /// By agent id (label: the greatest of the names filed for them; the
    /// workspace's current name replaces it in [`report`]).
    pub by_agent: Vec<Sums>,
    /// By department id.
    pub by_department: Vec<Sums>,
}

impl Grouped {
    /// Facts grouped as the store groups them: what the store's SQL must
    /// agree with.
    pub fn of(query: &Query, facts: &[Fact]) -> Grouped {
        let mut g = Grouped::default();
        let mut hours: HashMap<i64, Sums> = HashMap::new();
        let mut days: HashMap<i64, Sums> = HashMap::new();
        let mut agents: HashMap<String, Sums> = HashMap::new();
        let mut departments: HashMap<String, Sums> = HashMap::new();
        let tz = query.tz_ms();
        for f in facts.iter().filter(|f| query.selects(f)) {
            g.totals.add(f);
            hours
                .entry(hour_of_day(f.started_at, tz))
                .or_default()
                .add(f);
            days.entry(day_number(f.started_at, tz)).or_default().add(f);
            if let Some(agent) = &f.agent {
                let s = agents.entry(agent.clone()).or_default();
                s.add(f);
                // The store keeps the greatest name filed (SQL's `MAX`).
                if f.agent_name > s.label {
                    s.label = f.agent_name.clone();
                }
            }
            departments.entry(f.department.clone()).or_default().add(f);
        }
        let keyed = |m: HashMap<String, Sums>| {
            let mut v: Vec<Sums> = m
                .into_iter()
                .map(|(k, mut s)| {
                    s.key = k;
                    s
                })
                .collect();
            v.sort_by(|a, b| a.key.cmp(&b.key));
            v
        };
        g.by_hour = keyed(hours.into_iter().map(|(k, s)| (k.to_string(), s)).collect());
        g.by_day = keyed(days.into_iter().map(|(k, s)| (k.to_string(), s)).collect());
        g.by_agent = keyed(agents);
        g.by_department = keyed(departments);
        g
    }
}

impl Sums {
    /// Adds another group's sums (the key and label stay).
    pub fn merge(&mut self, o: &Sums) {
        self.chats += o.chats;
        self.answered += o.answered;
        self.missed += o.missed;
        self.abandoned += o.abandoned;
        self.queue_sum += o.queue_sum;
        self.queue_n += o.queue_n;
        self.first_sum += o.first_sum;
        self.first_n += o.first_n;
        self.response_sum += o.response_sum;
        self.response_n += o.response_n;
        self.calls += o.calls;
        self.calls_answered += o.calls_answered;
        self.call_sum += o.call_sum;
        self.duration_sum += o.duration_sum;
        self.ratings += o.ratings;
        self.rating_sum += o.rating_sum;
    }
}

impl Query {
    /// Whether a fact is in this report.
    pub fn selects(&self, f: &Fact) -> bool {
        f.started_at >= self.from
            && f.started_at < self.to
            && self.department.as_ref().is_none_or(|d| *d == f.department)
            && self
                .agent
                .as_ref()
                .is_none_or(|a| f.agent.as_ref() == Some(a))
    }
}

/// The report: every hour of the day and every day of the period present
/// (zero where no chat started), agents and departments labelled with
/// their names now (`agents` and `departments`: id → name; an unknown id
/// keeps the name filed, or its id), busiest first.
pub fn report(
    query: &Query,
    grouped: Grouped,
    agents: &HashMap<String, String>,
    departments: &HashMap<String, String>,
) -> Report {
    let find = |rows: &[Sums], key: &str| rows.iter().find(|s| s.key == key).cloned();
    let by_hour = (0..24)
        .map(|h| {
            let s = find(&grouped.by_hour, &h.to_string()).unwrap_or_default();
            s.row(format!("{h:02}"), format!("{h:02}:00"))
        })
        .collect();
    let by_day = query
        .days()
        .map(|d| {
            let s = find(&grouped.by_day, &d.to_string()).unwrap_or_default();
            let key = day_key(d);
            s.row(key.clone(), key)
        })
        .collect();
    let named = |rows: Vec<Sums>, names: &HashMap<String, String>| {
        let mut rows: Vec<ReportRow> = rows
            .into_iter()
            .map(|s| {
                let label = names
                    .get(&s.key)
                    .cloned()
                    .filter(|n| !n.is_empty())
                    .or_else(|| Some(s.label.clone()).filter(|n| !n.is_empty()))
                    .unwrap_or_else(|| s.key.clone());
                s.row(s.key.clone(), label)
            })
            .collect();
        rows.sort_by(|a, b| b.chats.cmp(&a.chats).then_with(|| a.label.cmp(&b.label)));
        rows
    };
    Report {
        from: query.from,
        to: query.to,
        totals: grouped.totals.row(String::new(), "All chats".into()),
        by_hour,
        by_day,
        by_agent: named(grouped.by_agent, agents),
        by_department: named(grouped.by_department, departments),
    }
}

/// A report's table that exports as CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// Per agent.
    ByAgent,
    /// Per department.
    ByDepartment,
    /// Per day.
    ByDay,
    /// Per hour of the day.
    ByHour,
}

impl Table {
    /// From the `table` parameter.
    pub fn parse(name: &str) -> Option<Table> {
        Some(match name {
            "by_agent" => Table::ByAgent,
            "by_department" => Table::ByDepartment,
            "by_day" => Table::ByDay,
            "by_hour" => Table::ByHour,
            _ => return None,
        })
    }

    /// Its parameter's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::ByAgent => "by_agent",
            Table::ByDepartment => "by_department",
            Table::ByDay => "by_day",
            Table::ByHour => "by_hour",
        }
    }

    /// Its first column's heading.
    fn heading(self) -> &'static str {
        match self {
            Table::ByAgent => "agent",
            Table::ByDepartment => "department",
            Table::ByDay => "day",
            Table::ByHour => "hour",
        }
    }

    /// Its rows in `report`.
    pub fn rows(self, report: &Report) -> &[ReportRow] {
        match self {
            Table::ByAgent => &report.by_agent,
            Table::ByDepartment => &report.by_department,
            Table::ByDay => &report.by_day,
            Table::ByHour => &report.by_hour,
        }
    }

    /// The file name a download of it gets.
    pub fn file_name(self, report: &Report, tz_minutes: i32) -> String {
        let tz = i64::from(tz_minutes) * 60_000;
        format!(
            "chats-{}-{}-to-{}.csv",
            self.as_str().replace('_', "-"),
            day_key(day_number(report.from, tz)),
            day_key(day_number(report.to - 1, tz)),
        )
    }
}

/// The CSV's columns after the first two (key, name).
const COLUMNS: [&str; 13] = [
    "chats",
    "answered",
    "missed",
    "abandoned",
    "avg_queue_ms",
    "avg_first_response_ms",
    "avg_response_ms",
    "avg_duration_ms",
    "ratings",
    "avg_rating",
    "calls",
    "calls_answered",
    "call_ms",
];

/// A table as CSV (RFC 4180: quoted where needed, CRLF line ends), the
/// totals last. Durations in whole milliseconds, the rating to three
/// places, an empty cell where there is no figure. A name that a
/// spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR) is
/// written with a leading `'`.
pub fn csv(report: &Report, table: Table) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header = vec![table.heading(), "name"];
    header.extend(COLUMNS);
    // Writing to memory fails only on a broken invariant of the writer.
    let _ = w.write_record(&header);
    for row in table
        .rows(report)
        .iter()
        .chain(std::iter::once(&report.totals))
    {
        let key = if row.key.is_empty() {
            "total"
        } else {
            &row.key
        };
        let ms = |v: Option<f64>| {
            v.map(|v| format!("{}", v.round() as i64))
                .unwrap_or_default()
        };
        let record = [
            defuse(key),
            defuse(&row.label),
            row.chats.to_string(),
            row.answered.to_string(),
            row.missed.to_string(),
            row.abandoned.to_string(),
            ms(row.avg_queue_ms),
            ms(row.avg_first_response_ms),
            ms(row.avg_response_ms),
            ms(row.avg_duration_ms),
            row.ratings.to_string(),
            row.avg_rating
                .map(|r| format!("{r:.3}"))
                .unwrap_or_default(),
            row.calls.to_string(),
            row.calls_answered.to_string(),
            row.call_ms.to_string(),
        ];
        let _ = w.write_record(&record);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A cell a spreadsheet will not run as a formula.
fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests;
