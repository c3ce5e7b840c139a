//! The Durable Object that keeps one workspace's report facts: one row
//! per closed conversation ([`chat_core::reports::Fact`]), indexed by when
//! it started, and beside them the sums of
//! [`chat_core::reports::rollup`]'s cells, changed in the same transaction
//! as the fact's row. A report reads the cells of its whole slots and
//! days and the facts of its ragged ends, as the core's
//! [`Query::plan`] says; the rules (which cells, what a refiling changes,
//! how a period is cut) are the core's, this object runs the SQL.
//!
//! Only conversations (when they close and when their visitor rates them)
//! and the worker (a report's query, the benchmark's bulk load) call it.
//! No chat message ever reaches it.

use crate::error::{Error, Result};
use crate::http::{self, json};
use crate::rows::Sql;
use chat_core::reports::rollup::{self, Cell, Plan, Rows, DAY_SLOTS, SLOT_MS};
use chat_core::reports::{Fact, Grouped, Query, Sums};
use shared::frame::ErrorCode;
use std::cell::Cell as Flag;
use std::ops::Range;
use worker::wasm_bindgen::closure::ScopedClosure;
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{durable_object, DurableObject, Env, Request, Response, SqlStorageValue, State};

/// Facts are kept in the order they started (the primary key leads with
/// `started_at`, `WITHOUT ROWID`), so a ragged end of a period (or a whole
/// period, in a time zone off the quarter hours) is one sequential range
/// of the table itself.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS facts (
  started_at INTEGER NOT NULL,
  conversation TEXT NOT NULL,
  department TEXT NOT NULL,
  agent TEXT,
  agent_name TEXT NOT NULL DEFAULT '',
  queued_at INTEGER NOT NULL,
  taken_at INTEGER,
  queue_ms INTEGER,
  first_response_ms INTEGER,
  response_sum_ms INTEGER NOT NULL,
  response_count INTEGER NOT NULL,
  closed_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  visitor_messages INTEGER NOT NULL,
  agent_messages INTEGER NOT NULL,
  rating INTEGER,
  rated_at INTEGER,
  version INTEGER NOT NULL,
  calls INTEGER NOT NULL DEFAULT 0,
  calls_answered INTEGER NOT NULL DEFAULT 0,
  call_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (started_at, conversation)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facts_conversation ON facts (conversation);
CREATE INDEX IF NOT EXISTS facts_agent ON facts (agent, started_at);
";

/// The kept sums: [`Cell::Slot`]s keyed so that one report's hours and
/// days (its filter's department and agent, or `*`) are one range, and
/// [`Cell::Span`]s keyed so that a period's days (or slots) are one range.
/// `rating_points` is [`Sums::rating_points`]: integers, so adding and
/// taking away stays exact.
const SUMS_SCHEMA: &str = "
CREATE TABLE slot_sums (
  department TEXT NOT NULL,
  agent TEXT NOT NULL,
  slot INTEGER NOT NULL,
  chats INTEGER NOT NULL, answered INTEGER NOT NULL, missed INTEGER NOT NULL,
  abandoned INTEGER NOT NULL, queue_sum INTEGER NOT NULL, queue_n INTEGER NOT NULL,
  first_sum INTEGER NOT NULL, first_n INTEGER NOT NULL, response_sum INTEGER NOT NULL,
  response_n INTEGER NOT NULL, duration_sum INTEGER NOT NULL, ratings INTEGER NOT NULL,
  rating_points INTEGER NOT NULL, calls INTEGER NOT NULL DEFAULT 0,
  calls_answered INTEGER NOT NULL DEFAULT 0, call_sum INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (department, agent, slot)
) WITHOUT ROWID;
CREATE TABLE span_sums (
  grain INTEGER NOT NULL,
  start INTEGER NOT NULL,
  department TEXT NOT NULL,
  agent TEXT NOT NULL,
  agent_name TEXT NOT NULL,
  chats INTEGER NOT NULL, answered INTEGER NOT NULL, missed INTEGER NOT NULL,
  abandoned INTEGER NOT NULL, queue_sum INTEGER NOT NULL, queue_n INTEGER NOT NULL,
  first_sum INTEGER NOT NULL, first_n INTEGER NOT NULL, response_sum INTEGER NOT NULL,
  response_n INTEGER NOT NULL, duration_sum INTEGER NOT NULL, ratings INTEGER NOT NULL,
  rating_points INTEGER NOT NULL, calls INTEGER NOT NULL DEFAULT 0,
  calls_answered INTEGER NOT NULL DEFAULT 0, call_sum INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (grain, start, department, agent)
) WITHOUT ROWID;
";

/// The columns calls added, by table: a store made before them gets them
/// with 0 for every fact and sum it kept.
const CALL_COLUMNS: [(&str, &str); 9] = [
    ("facts", "calls"),
    ("facts", "calls_answered"),
    ("facts", "call_ms"),
    ("slot_sums", "calls"),
    ("slot_sums", "calls_answered"),
    ("slot_sums", "call_sum"),
    ("span_sums", "calls"),
    ("span_sums", "calls_answered"),
    ("span_sums", "call_sum"),
];

/// Each figure of [`Sums`] (as `rating_points`, see [`SUMS_SCHEMA`]) with
/// its sum over fact rows: [`Sums::add`] in SQL. Every other statement on
/// figures is made from this list.
const FIGURES: [(&str, &str); 16] = [
    ("chats", "COUNT(*)"),
    ("answered", "COALESCE(SUM(outcome = 'answered'), 0)"),
    ("missed", "COALESCE(SUM(outcome = 'missed'), 0)"),
    ("abandoned", "COALESCE(SUM(outcome = 'abandoned'), 0)"),
    ("queue_sum", "COALESCE(SUM(queue_ms), 0)"),
    ("queue_n", "COUNT(queue_ms)"),
    ("first_sum", "COALESCE(SUM(first_response_ms), 0)"),
    ("first_n", "COUNT(first_response_ms)"),
    ("response_sum", "COALESCE(SUM(response_sum_ms), 0)"),
    ("response_n", "COALESCE(SUM(response_count), 0)"),
    ("duration_sum", "COALESCE(SUM(duration_ms), 0)"),
    ("ratings", "COUNT(rating)"),
    (
        "rating_points",
        "COALESCE(SUM(MIN(MAX(rating, 1), 5) - 1), 0)",
    ),
    ("calls", "COALESCE(SUM(calls), 0)"),
    ("calls_answered", "COALESCE(SUM(calls_answered), 0)"),
    ("call_sum", "COALESCE(SUM(call_ms), 0)"),
];

/// Largest body of `/file`.
const MAX_FACT_BYTES: usize = 16 * 1024;
/// Largest body of the benchmark's `/seed`.
pub const MAX_SEED_BYTES: usize = 8 * 1024 * 1024;

#[wasm_bindgen]
extern "C" {
    /// The SQLite-backed storage, for `transactionSync`, which workers-rs
    /// does not bind.
    type TransactionalStorage;

    /// Runs `body` in one SQLite transaction: if it throws, every write it
    /// made is rolled back and the call throws.
    #[wasm_bindgen(method, catch, js_name = transactionSync)]
    fn transaction_sync(
        this: &TransactionalStorage,
        body: &ScopedClosure<dyn FnMut() -> std::result::Result<JsValue, JsValue>>,
    ) -> std::result::Result<JsValue, JsValue>;
}

#[durable_object]
pub struct ReportsObject {
    state: State,
    /// Its SQLite, counting the rows written.
    sql: Sql,
    ready: Flag<bool>,
}

/// The figures' values in [`FIGURES`]' order.
fn figure_values(s: &Sums) -> Result<Vec<SqlStorageValue>> {
    [
        s.chats,
        s.answered,
        s.missed,
        s.abandoned,
        s.queue_sum,
        s.queue_n,
        s.first_sum,
        s.first_n,
        s.response_sum,
        s.response_n,
        s.duration_sum,
        s.ratings,
        s.rating_points(),
        s.calls,
        s.calls_answered,
        s.call_sum,
    ]
    .into_iter()
    .map(|v| Ok(SqlStorageValue::try_from_i64(v)?))
    .collect()
}

/// `name, name, ...` of the figures.
fn figure_columns() -> String {
    FIGURES.map(|(c, _)| c).join(", ")
}

/// The figures summed over kept rows, named as [`Sums`]' fields.
fn kept_sums() -> String {
    FIGURES
        .map(|(c, _)| match c {
            "rating_points" => "SUM(rating_points) / 4.0 AS rating_sum".to_owned(),
            c => format!("SUM({c}) AS {c}"),
        })
        .join(", ")
}

/// The figures summed over fact rows, named as [`Sums`]' fields.
fn fact_sums() -> String {
    FIGURES
        .map(|(c, e)| match c {
            "rating_points" => format!("{e} / 4.0 AS rating_sum"),
            c => format!("{e} AS {c}"),
        })
        .join(", ")
}

/// A thousand days: times are shifted by it in SQL so that its division
/// (which truncates) never sees a negative number near the epoch.
const SHIFT_MS: i64 = 1_000 * 86_400_000;

/// The `unit`s since the epoch, in the query's offset, that the
/// millisecond time `at` (an SQL expression) falls in: with an hour,
/// [`rollup::local_hour`]; with a day, [`chat_core::reports::day_number`].
fn local(at: &str, q: &Query, unit: i64) -> String {
    format!(
        "(({at}) + {} + {SHIFT_MS}) / {unit} - {}",
        q.tz_ms(),
        SHIFT_MS / unit
    )
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

fn int(v: i64) -> Result<SqlStorageValue> {
    Ok(SqlStorageValue::try_from_i64(v)?)
}

impl ReportsObject {
    /// The storage, its tables created on first use; facts stored before
    /// the sums were kept are folded into them once.
    fn sql(&self) -> Result<Sql> {
        let sql = self.sql.clone();
        if !self.ready.get() {
            sql.exec(SCHEMA, None)?;
            let kept = sql
                .exec(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'span_sums'",
                    None,
                )?
                .to_array::<serde_json::Value>()?;
            if kept.is_empty() {
                self.atomically(|| fold(&sql))?;
            } else {
                self.atomically(|| add_call_columns(&sql))?;
            }
            self.ready.set(true);
        }
        Ok(sql)
    }

    /// Runs `body` in one storage transaction: its writes are kept all
    /// together, or none of them if it fails.
    fn atomically(&self, body: impl FnOnce() -> Result<()>) -> Result<()> {
        let storage: TransactionalStorage = self
            .state
            .as_raw()
            .storage()
            .map_err(|e| Error::Edge(format!("storage: {e:?}")))?
            .unchecked_into();
        let mut body = Some(body);
        let mut failure: Option<Error> = None;
        let mut run = || -> std::result::Result<JsValue, JsValue> {
            let Some(body) = body.take() else {
                return Ok(JsValue::UNDEFINED);
            };
            match body() {
                Ok(()) => Ok(JsValue::UNDEFINED),
                Err(e) => {
                    failure = Some(e);
                    Err(JsValue::from_str("rolled back"))
                }
            }
        };
        let closure = ScopedClosure::borrow_mut_aborting(&mut run);
        let answer = storage.transaction_sync(&closure);
        drop(closure);
        match (failure, answer) {
            (Some(e), _) => Err(e),
            (None, Err(e)) => Err(Error::Edge(format!("transaction: {e:?}"))),
            (None, Ok(_)) => Ok(()),
        }
    }

    /// Files a fact: replaces the conversation's earlier filing and changes
    /// the kept sums by the difference, in one transaction, unless the
    /// store holds a later filing (a retried close after its rating).
    /// Answers the rows written.
    fn put(&self, sql: &Sql, f: &Fact) -> Result<usize> {
        let stored: Vec<Fact> = sql
            .exec(
                "SELECT conversation, department, agent, agent_name, started_at, queued_at,
                   taken_at, first_response_ms, response_sum_ms, response_count, closed_at,
                   outcome, visitor_messages, agent_messages, rating, rated_at, calls,
                   calls_answered, call_ms
                 FROM facts WHERE conversation = ?",
                vec![f.conversation.clone().into()],
            )?
            .to_array()?;
        let Some(change) = rollup::refile(&stored, f) else {
            return Ok(0);
        };
        let mut written = 0;
        self.atomically(|| {
            let mut run = |text: &str, args: Vec<SqlStorageValue>| -> Result<()> {
                written += sql.exec(text, args)?.rows_written();
                Ok(())
            };
            run(
                "DELETE FROM facts WHERE conversation = ?",
                vec![f.conversation.clone().into()],
            )?;
            run(
                "INSERT INTO facts (conversation, department, agent, agent_name, started_at,
                   queued_at, taken_at, queue_ms, first_response_ms, response_sum_ms,
                   response_count, closed_at, duration_ms, outcome, visitor_messages,
                   agent_messages, rating, rated_at, version, calls, calls_answered, call_ms)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                fact_values(f)?,
            )?;
            for (cell, delta) in &change.deltas {
                let (text, mut args) = add_to(cell);
                args.extend(figure_values(delta)?);
                if matches!(cell, Cell::Span { .. }) {
                    args.push(delta.label.clone().into());
                }
                run(&text, args)?;
            }
            for cell in &change.emptied {
                let (text, args) = remove_empty(cell);
                run(&text, args)?;
            }
            Ok(())
        })?;
        Ok(written)
    }

    /// `/file`: one conversation's fact, from the conversation.
    async fn file(&self, mut req: Request) -> Result<Response> {
        let fact: Fact = http::read_json_max(&mut req, MAX_FACT_BYTES).await?;
        let written = self.put(&self.sql()?, &fact)?;
        json(&serde_json::json!({ "filed": fact.conversation, "rows_written": written }))
    }

    /// `/query`: a period's sums by hour and by department and agent, from
    /// the kept sums and the facts of the period's ragged ends.
    async fn query(&self, mut req: Request) -> Result<Response> {
        let q: Query = http::read_json(&mut req).await?;
        let sql = self.sql()?;
        let mut rows = Rows::default();
        match q.plan() {
            Plan::Scan => scan(&sql, &q, &(q.from..q.to), &mut rows)?,
            Plan::Sums(spans) => {
                for range in &spans.facts {
                    scan(&sql, &q, range, &mut rows)?;
                }
                grid(&sql, &q, &spans.slots, &mut rows)?;
                if !spans.days.is_empty() {
                    rows.pairs
                        .extend(span_rows(&sql, &q, DAY_SLOTS, &spans.days)?);
                }
                for edge in &spans.edges {
                    rows.pairs.extend(span_rows(&sql, &q, 1, edge)?);
                }
            }
        }
        json(&Grouped::from_rows(&rows))
    }

    /// The benchmark's bulk load (the worker lets it through only where
    /// benchmarks are enabled): each fact filed as a conversation files
    /// it. Answers the rows written.
    async fn seed(&self, mut req: Request) -> Result<Response> {
        let batch: Vec<Fact> = http::read_json_max(&mut req, MAX_SEED_BYTES).await?;
        let sql = self.sql()?;
        let mut written = 0;
        for f in &batch {
            written += self.put(&sql, f)?;
        }
        json(&serde_json::json!({ "seeded": batch.len(), "rows_written": written }))
    }

    /// Benchmarks and tests only: forgets the kept sums and folds the
    /// facts into them again, as an object made before they were kept does
    /// once.
    async fn refold(&self) -> Result<Response> {
        let sql = self.sql()?;
        self.atomically(|| {
            sql.exec("DROP TABLE slot_sums; DROP TABLE span_sums;", None)?;
            fold(&sql)
        })?;
        let count = sql
            .exec("SELECT COUNT(*) AS n FROM facts", None)?
            .one::<serde_json::Value>()?;
        json(&serde_json::json!({ "folded": count["n"] }))
    }
}

/// Adds the calls' columns to a store made before them (their figures
/// are 0 for what it kept).
fn add_call_columns(sql: &Sql) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Column {
        name: String,
    }
    for table in ["facts", "slot_sums", "span_sums"] {
        let have: Vec<Column> = sql
            .exec(
                &format!("SELECT name FROM pragma_table_info('{table}')"),
                None,
            )?
            .to_array()?;
        for (_, column) in CALL_COLUMNS.iter().filter(|(t, _)| *t == table) {
            if !have.iter().any(|c| c.name == *column) {
                sql.exec(
                    &format!("ALTER TABLE {table} ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0"),
                    None,
                )?;
            }
        }
    }
    Ok(())
}

/// Creates the kept sums' tables and adds every stored fact to its cells
/// ([`Fact::cells`] in SQL: the four slot cells, an agent's only when one
/// had the chat, and the slot's and the day's spans).
fn fold(sql: &Sql) -> Result<()> {
    sql.exec(SUMS_SCHEMA, None)?;
    let columns = figure_columns();
    let sums = FIGURES.map(|(_, e)| e).join(", ");
    // A fact's slot, and the first slot of its UTC day (times are after
    // the epoch, so SQL's division is `rollup::slot_of`'s).
    let slot = format!("started_at / {SLOT_MS}");
    let day = format!("started_at / {} * {DAY_SLOTS}", SLOT_MS * DAY_SLOTS);
    let slots = [
        ("'*'", "'*'", "", "GROUP BY 3"),
        ("department", "'*'", "", "GROUP BY 1, 3"),
        ("'*'", "agent", "WHERE agent != ''", "GROUP BY 2, 3"),
        (
            "department",
            "agent",
            "WHERE agent != ''",
            "GROUP BY 1, 2, 3",
        ),
    ];
    for (department, agent, filter, by) in slots {
        sql.exec(
            &format!(
                "INSERT INTO slot_sums (department, agent, slot, {columns})
                 SELECT {department}, {agent}, {slot}, {sums} FROM facts {filter} {by}"
            ),
            None,
        )?;
    }
    for (grain, start) in [(1, &slot), (DAY_SLOTS, &day)] {
        sql.exec(
            &format!(
                "INSERT INTO span_sums (grain, start, department, agent, agent_name, {columns})
                 SELECT {grain}, {start}, department, COALESCE(agent, ''), MAX(agent_name), {sums}
                 FROM facts GROUP BY 2, 3, 4"
            ),
            None,
        )?;
    }
    Ok(())
}

/// The statement adding a delta to a cell, with the cell's key bound; the
/// figures follow, then (for a span) the agent's name.
fn add_to(cell: &Cell) -> (String, Vec<SqlStorageValue>) {
    let columns = figure_columns();
    let marks = FIGURES.map(|_| "?").join(", ");
    let added = FIGURES
        .map(|(c, _)| format!("{c} = {c} + excluded.{c}"))
        .join(", ");
    match cell {
        Cell::Slot {
            department,
            agent,
            slot,
        } => (
            format!(
                "INSERT INTO slot_sums (department, agent, slot, {columns})
                 VALUES (?, ?, ?, {marks})
                 ON CONFLICT (department, agent, slot) DO UPDATE SET {added}"
            ),
            vec![
                department.clone().into(),
                agent.clone().into(),
                SqlStorageValue::Integer(*slot),
            ],
        ),
        Cell::Span {
            grain,
            start,
            department,
            agent,
        } => (
            format!(
                "INSERT INTO span_sums (grain, start, department, agent, {columns}, agent_name)
                 VALUES (?, ?, ?, ?, {marks}, ?)
                 ON CONFLICT (grain, start, department, agent) DO UPDATE SET {added},
                   agent_name = MAX(agent_name, excluded.agent_name)"
            ),
            vec![
                SqlStorageValue::Integer(*grain),
                SqlStorageValue::Integer(*start),
                department.clone().into(),
                agent.clone().into(),
            ],
        ),
    }
}

/// The statement removing a cell that no chat counts in any more.
fn remove_empty(cell: &Cell) -> (String, Vec<SqlStorageValue>) {
    match cell {
        Cell::Slot {
            department,
            agent,
            slot,
        } => (
            "DELETE FROM slot_sums WHERE department = ? AND agent = ? AND slot = ? AND chats = 0"
                .to_owned(),
            vec![
                department.clone().into(),
                agent.clone().into(),
                SqlStorageValue::Integer(*slot),
            ],
        ),
        Cell::Span {
            grain,
            start,
            department,
            agent,
        } => (
            "DELETE FROM span_sums WHERE grain = ? AND start = ? AND department = ? AND agent = ?
               AND chats = 0"
                .to_owned(),
            vec![
                SqlStorageValue::Integer(*grain),
                SqlStorageValue::Integer(*start),
                department.clone().into(),
                agent.clone().into(),
            ],
        ),
    }
}

/// A fact's row, in the order of `put`'s insert.
fn fact_values(f: &Fact) -> Result<Vec<SqlStorageValue>> {
    let opt = |v: Option<i64>| -> Result<SqlStorageValue> {
        Ok(match v {
            Some(v) => int(v)?,
            None => SqlStorageValue::Null,
        })
    };
    Ok(vec![
        f.conversation.clone().into(),
        f.department.clone().into(),
        f.agent.clone().into(),
        f.agent_name.clone().into(),
        int(f.started_at)?,
        int(f.queued_at)?,
        opt(f.taken_at)?,
        opt(f.queue_ms())?,
        opt(f.first_response_ms)?,
        int(f.response_sum_ms)?,
        int(f.response_count)?,
        int(f.closed_at)?,
        int(f.duration_ms())?,
        f.outcome.as_str().into(),
        int(f.visitor_messages)?,
        int(f.agent_messages)?,
        opt(f.rating.map(i64::from))?,
        opt(f.rated_at)?,
        int(f.version())?,
        int(f.calls)?,
        int(f.calls_answered)?,
        int(f.call_ms)?,
    ])
}

/// The facts that started in `range` (ms) and pass the query's filters,
/// summed by local hour (one pass: they are the most rows a report reads)
/// and by department and agent.
fn scan(sql: &Sql, q: &Query, range: &Range<i64>, rows: &mut Rows) -> Result<()> {
    let mut filter = String::from("started_at >= ? AND started_at < ?");
    let mut args = vec![int(range.start)?, int(range.end)?];
    if let Some(d) = &q.department {
        // A department holds a large share of the chats: its rows are
        // read in the period's sequential range, not through an index.
        filter.push_str(" AND +department = ?");
        args.push(d.clone().into());
    }
    if let Some(a) = &q.agent {
        // An agent's chats are few: their index may find them.
        filter.push_str(" AND agent = ?");
        args.push(a.clone().into());
    }
    let sums = fact_sums();
    let hour = local("started_at", q, HOUR_MS);
    rows.add_local_hours(
        sql.exec(
            &format!(
                "SELECT CAST({hour} AS TEXT) AS key, '' AS label, {sums}
                 FROM facts WHERE {filter} GROUP BY {hour}"
            ),
            args.clone(),
        )?
        .to_array::<Sums>()?,
    );
    rows.pairs.extend(
        sql.exec(
            &format!(
                "SELECT department || ':' || COALESCE(agent, '') AS key,
                   MAX(agent_name) AS label, {sums}
                 FROM facts WHERE {filter} GROUP BY department, agent"
            ),
            args,
        )?
        .to_array::<Sums>()?,
    );
    Ok(())
}

/// The query's days and hours of the day over whole `slots`, from its
/// slot cells: two passes over them, so the answer is a row per day and
/// per hour, not per hour of the period.
fn grid(sql: &Sql, q: &Query, slots: &Range<i64>, rows: &mut Rows) -> Result<()> {
    let (department, agent) = q.slot_keys();
    let args = vec![
        department.into(),
        agent.into(),
        int(slots.start)?,
        int(slots.end)?,
    ];
    let at = format!("slot * {SLOT_MS}");
    let day = local(&at, q, DAY_MS);
    // The shift is whole days: the hour of the day is unchanged by it.
    let hour = format!("(({at}) + {} + {SHIFT_MS}) / {HOUR_MS} % 24", q.tz_ms());
    let sums = kept_sums();
    let by = |key: &str| -> Result<Vec<Sums>> {
        Ok(sql
            .exec(
                &format!(
                    "SELECT CAST({key} AS TEXT) AS key, '' AS label, {sums} FROM slot_sums
                     WHERE department = ? AND agent = ? AND slot >= ? AND slot < ?
                     GROUP BY {key}"
                ),
                args.clone(),
            )?
            .to_array()?)
    };
    rows.days.extend(by(&day)?);
    rows.hours.extend(by(&hour)?);
    Ok(())
}

/// The query's departments and agents over the spans of `grain` slots
/// starting in `starts`.
fn span_rows(sql: &Sql, q: &Query, grain: i64, starts: &Range<i64>) -> Result<Vec<Sums>> {
    let mut filter = String::from("grain = ? AND start >= ? AND start < ?");
    let mut args = vec![int(grain)?, int(starts.start)?, int(starts.end)?];
    if let Some(d) = &q.department {
        filter.push_str(" AND department = ?");
        args.push(d.clone().into());
    }
    if let Some(a) = &q.agent {
        filter.push_str(" AND agent = ?");
        args.push(a.clone().into());
    }
    let sums = kept_sums();
    Ok(sql
        .exec(
            &format!(
                "SELECT department || ':' || agent AS key, MAX(agent_name) AS label, {sums}
                 FROM span_sums WHERE {filter} GROUP BY department, agent"
            ),
            args,
        )?
        .to_array()?)
}

impl DurableObject for ReportsObject {
    fn new(state: State, _env: Env) -> Self {
        Self {
            sql: Sql::new(state.storage().sql()),
            state,
            ready: Flag::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let path = req.path();
        let answer = match path.as_str() {
            "/file" => self.file(req).await,
            "/query" => self.query(req).await,
            "/seed" => self.seed(req).await,
            "/refold" => self.refold().await,
            "/rows" => json(&serde_json::json!({ "rows_written": self.sql.written() })),
            _ => Err(Error::refused(ErrorCode::NotFound, "no such route")),
        };
        Ok(answer.unwrap_or_else(|e| e.into_response(&format!("reports {path}"))))
    }
}
