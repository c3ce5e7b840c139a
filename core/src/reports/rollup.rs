//! The sums a reports store keeps as facts are filed, so that a report
//! reads a number of rows bounded by its period's length and the
//! workspace's departments and agents, not by its conversations.
//!
//! A fact adds its figures ([`Sums`]) to a few [`Cell`]s: per quarter-hour
//! slot (the hours and days of a report, in any real time zone) and per
//! department and agent over a slot and over a UTC day (the report's
//! agents and departments). A filing replaces the conversation's earlier
//! filing, so its cells get the difference ([`refile`]); a rating changes
//! only the rating sums. A report's period is cut ([`Query::plan`]) into
//! whole days and whole slots, read from the cells, and at most one
//! partial slot at each end, read from the facts themselves.
//!
//! The store applies [`Refile`] in the same transaction as the fact's own
//! row, and answers a [`Plan`] with [`Rows`] that [`Grouped::from_rows`]
//! puts together; `tests` hold both to [`Grouped::of`] over the facts.

use super::{Fact, Grouped, Query, Sums, DAY_MS, HOUR_MS};
use std::collections::BTreeMap;
use std::ops::Range;

/// The grain of the kept sums: a quarter of an hour. Every UTC offset in
/// use is a whole number of quarter hours (India's +5:30, Nepal's +5:45,
/// the Chatham Islands' +12:45), so a slot never straddles an hour or a
/// day of a report's time zone.
pub const SLOT_MS: i64 = 15 * 60_000;
/// Slots in a day.
pub const DAY_SLOTS: i64 = DAY_MS / SLOT_MS;
/// A slot cell's key for "every department" or "every agent".
pub const ANY: &str = "*";

/// The slot `at` falls in (slots are numbered from the epoch, in UTC).
pub fn slot_of(at: i64) -> i64 {
    at.div_euclid(SLOT_MS)
}

/// Where a fact's figures are kept besides its own row.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cell {
    /// For a report's hours and days: one slot's chats of a department and
    /// an agent, either of which may be [`ANY`]; one per filter a report
    /// may ask (none, department, agent, both).
    Slot {
        /// A department's id, or [`ANY`].
        department: String,
        /// An agent's id, or [`ANY`].
        agent: String,
        /// The slot.
        slot: i64,
    },
    /// For a report's agents and departments: the chats of one department
    /// and one agent (empty: nobody took them) that started in the `grain`
    /// slots from `start` (a slot, or a UTC day of [`DAY_SLOTS`]).
    Span {
        /// Its length in slots: 1 or [`DAY_SLOTS`].
        grain: i64,
        /// Its first slot (a multiple of `grain`).
        start: i64,
        /// The department.
        department: String,
        /// The agent, empty for chats nobody took.
        agent: String,
    },
}

impl Fact {
    /// The cells its figures go to: six for a chat an agent had, four for
    /// one nobody took (no agent filter can ask for it).
    pub fn cells(&self) -> Vec<Cell> {
        let slot = slot_of(self.started_at);
        let slot_cell = |department: &str, agent: &str| Cell::Slot {
            department: department.to_owned(),
            agent: agent.to_owned(),
            slot,
        };
        let agent = self.agent.as_deref().unwrap_or_default();
        let mut cells = vec![slot_cell(ANY, ANY), slot_cell(&self.department, ANY)];
        if !agent.is_empty() {
            cells.push(slot_cell(ANY, agent));
            cells.push(slot_cell(&self.department, agent));
        }
        for grain in [1, DAY_SLOTS] {
            cells.push(Cell::Span {
                grain,
                start: slot.div_euclid(grain) * grain,
                department: self.department.clone(),
                agent: agent.to_owned(),
            });
        }
        cells
    }

    /// Its figures alone.
    pub fn sums(&self) -> Sums {
        let mut s = Sums::default();
        s.add(self);
        s
    }
}

impl Sums {
    /// Takes another group's sums away (the key and label stay).
    pub fn subtract(&mut self, o: &Sums) {
        self.chats -= o.chats;
        self.answered -= o.answered;
        self.missed -= o.missed;
        self.abandoned -= o.abandoned;
        self.queue_sum -= o.queue_sum;
        self.queue_n -= o.queue_n;
        self.first_sum -= o.first_sum;
        self.first_n -= o.first_n;
        self.response_sum -= o.response_sum;
        self.response_n -= o.response_n;
        self.calls -= o.calls;
        self.calls_answered -= o.calls_answered;
        self.call_sum -= o.call_sum;
        self.duration_sum -= o.duration_sum;
        self.ratings -= o.ratings;
        self.rating_sum -= o.rating_sum;
    }

    /// Whether every figure is zero (the key and label aside).
    pub fn is_zero(&self) -> bool {
        let figures = Sums {
            key: String::new(),
            label: String::new(),
            ..self.clone()
        };
        figures == Sums::default()
    }

    /// The rating sum in quarters of the best: a rating is 0 to 4 of them,
    /// so the store keeps it as an integer and adding and taking away
    /// stays exact.
    pub fn rating_points(&self) -> i64 {
        (self.rating_sum * 4.0).round() as i64
    }
}

/// What a filing changes in the kept sums.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refile {
    /// Each cell whose sums change, with what to add to them (negative
    /// where an earlier filing's figures go); the label is the agent's
    /// name the new filing carries, for cells it counts in.
    pub deltas: Vec<(Cell, Sums)>,
    /// Cells only the earlier filings counted in: once the deltas are
    /// added, those left with no chat are removed.
    pub emptied: Vec<Cell>,
}

/// What filing `new` changes, given the filings of the same conversation
/// the store holds (`stored`, normally one or none). None when the store
/// holds a later filing (a retried close after the rating): the store
/// keeps what it has. Otherwise the stored filings are replaced by `new`,
/// and each cell gets the difference, so nothing counts twice; a filing
/// that changes nothing (a retry) changes no cell.
pub fn refile(stored: &[Fact], new: &Fact) -> Option<Refile> {
    if stored.iter().any(|s| s.version() > new.version()) {
        return None;
    }
    let mut deltas: BTreeMap<Cell, Sums> = BTreeMap::new();
    let mut old_cells: Vec<Cell> = Vec::new();
    for old in stored {
        let sums = old.sums();
        for cell in old.cells() {
            deltas.entry(cell.clone()).or_default().subtract(&sums);
            old_cells.push(cell);
        }
    }
    let sums = new.sums();
    let new_cells = new.cells();
    for cell in &new_cells {
        let delta = deltas.entry(cell.clone()).or_default();
        delta.merge(&sums);
        delta.label = new.agent_name.clone();
    }
    old_cells.sort();
    old_cells.dedup();
    old_cells.retain(|c| !new_cells.contains(c));
    Some(Refile {
        deltas: deltas.into_iter().filter(|(_, d)| !d.is_zero()).collect(),
        emptied: old_cells,
    })
}

/// How a store answers a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// From the facts alone: a period shorter than two slots, or a time
    /// zone that is not a whole number of quarter hours.
    Scan,
    /// From the kept sums, and the facts at the edges.
    Sums(Spans),
}

/// A period cut along slots and days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spans {
    /// The parts of the period outside whole slots (at most one partial
    /// slot at each end), in ms: read from the facts.
    pub facts: Vec<Range<i64>>,
    /// The period's whole slots: the hours and days, from
    /// [`Cell::Slot`]s.
    pub slots: Range<i64>,
    /// The whole UTC days among them, as slots (may be empty): agents and
    /// departments from the day [`Cell::Span`]s.
    pub days: Range<i64>,
    /// The whole slots outside those days: agents and departments from
    /// the slot [`Cell::Span`]s.
    pub edges: Vec<Range<i64>>,
}

impl Query {
    /// How to answer this query with the fewest rows.
    pub fn plan(&self) -> Plan {
        if self.tz_minutes % 15 != 0 {
            return Plan::Scan;
        }
        let first = self.from.div_euclid(SLOT_MS) + i64::from(self.from.rem_euclid(SLOT_MS) != 0);
        let end = self.to.div_euclid(SLOT_MS);
        if first >= end {
            return Plan::Scan;
        }
        let nonempty = |r: Range<i64>| (!r.is_empty()).then_some(r);
        let facts = [self.from..first * SLOT_MS, end * SLOT_MS..self.to]
            .into_iter()
            .filter_map(nonempty)
            .collect();
        let first_day = (first + DAY_SLOTS - 1).div_euclid(DAY_SLOTS) * DAY_SLOTS;
        let end_day = end.div_euclid(DAY_SLOTS) * DAY_SLOTS;
        let (days, edges) = if first_day < end_day {
            let edges = [first..first_day, end_day..end]
                .into_iter()
                .filter_map(nonempty)
                .collect();
            (first_day..end_day, edges)
        } else {
            (first..first, std::iter::once(first..end).collect())
        };
        Plan::Sums(Spans {
            facts,
            slots: first..end,
            days,
            edges,
        })
    }

    /// The slot cells that hold this query's hours and days: its
    /// department or [`ANY`], its agent or [`ANY`].
    pub fn slot_keys(&self) -> (&str, &str) {
        (
            self.department.as_deref().unwrap_or(ANY),
            self.agent.as_deref().unwrap_or(ANY),
        )
    }
}

/// The hour `at` falls in, counted from the epoch in `tz_ms`'s clock: its
/// day is `div_euclid(24)`, its hour of the day `rem_euclid(24)`.
pub fn local_hour(at: i64, tz_ms: i64) -> i64 {
    (at + tz_ms).div_euclid(HOUR_MS)
}

/// A department and agent as one key of the store's answer
/// (`department:agent`, the agent empty when nobody took the chats; ids
/// hold no `:`).
pub fn pair_key(department: &str, agent: &str) -> String {
    format!("{department}:{agent}")
}

/// What a store answers for a report, in any number of parts (cells and
/// facts) whose keys may repeat: sums by day (keyed by
/// [`super::day_number`] in the query's offset), by hour of the day
/// (`0`-`23`, [`super::hour_of_day`]), and by department and agent
/// ([`pair_key`], the agent's filed name as label). The days and the
/// hours each count every chat once; so do the pairs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    /// By day.
    pub days: Vec<Sums>,
    /// By hour of the day.
    pub hours: Vec<Sums>,
    /// By department and agent.
    pub pairs: Vec<Sums>,
}

impl Rows {
    /// Adds sums keyed by [`local_hour`]: each counts in its day and in
    /// its hour of the day.
    pub fn add_local_hours(&mut self, rows: Vec<Sums>) {
        for mut s in rows {
            let Ok(hour) = s.key.parse::<i64>() else {
                continue;
            };
            s.key = hour.div_euclid(24).to_string();
            self.days.push(s.clone());
            s.key = hour.rem_euclid(24).to_string();
            self.hours.push(s);
        }
    }
}

impl Grouped {
    /// The report's sums from what a store answers: parts with the same
    /// key are merged (sums add), the totals are the days' and an agent's
    /// label is the greatest name filed for them.
    pub fn from_rows(rows: &Rows) -> Grouped {
        let mut totals = Sums::default();
        let mut by_day: BTreeMap<String, Sums> = BTreeMap::new();
        let mut by_hour: BTreeMap<String, Sums> = BTreeMap::new();
        for s in &rows.days {
            totals.merge(s);
            by_day.entry(s.key.clone()).or_default().merge(s);
        }
        for s in &rows.hours {
            by_hour.entry(s.key.clone()).or_default().merge(s);
        }
        let mut agents: BTreeMap<String, Sums> = BTreeMap::new();
        let mut departments: BTreeMap<String, Sums> = BTreeMap::new();
        for s in rows.pairs.iter().filter(|s| s.chats != 0) {
            let Some((department, agent)) = s.key.split_once(':') else {
                continue;
            };
            departments
                .entry(department.to_owned())
                .or_default()
                .merge(s);
            if !agent.is_empty() {
                let a = agents.entry(agent.to_owned()).or_default();
                a.merge(s);
                if s.label > a.label {
                    a.label = s.label.clone();
                }
            }
        }
        let keyed = |m: BTreeMap<String, Sums>| -> Vec<Sums> {
            m.into_iter()
                .map(|(k, mut s)| {
                    s.key = k;
                    s
                })
                .collect()
        };
        Grouped {
            totals,
            by_hour: keyed(by_hour),
            by_day: keyed(by_day),
            by_agent: keyed(agents),
            by_department: keyed(departments),
        }
    }
}

#[cfg(test)]
mod tests;
