//! The Durable Object that keeps one workspace's report facts: one row
//! per closed conversation ([`chat_core::reports::Fact`]), indexed by when
//! it started, and the period's sums in SQL with the arithmetic of
//! [`chat_core::reports::Sums::add`].
//!
//! Only conversations (when they close and when their visitor rates them)
//! and the worker (a report's query, the benchmark's bulk load) call it.
//! No chat message ever reaches it.

use crate::error::{Error, Result};
use crate::http::{self, json};
use chat_core::reports::{Fact, Grouped, Query, Sums};
use shared::frame::ErrorCode;
use std::cell::Cell;
use worker::{
    durable_object, DurableObject, Env, Request, Response, SqlStorage, SqlStorageValue, State,
};

/// Facts are kept in the order they started (the primary key leads with
/// `started_at`, `WITHOUT ROWID`), so a period is one sequential range of
/// the table itself, not an index walk with a lookup per row.
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
  PRIMARY KEY (started_at, conversation)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facts_conversation ON facts (conversation);
CREATE INDEX IF NOT EXISTS facts_agent ON facts (agent, started_at);
";

/// The sums of a group, named as [`Sums`]' fields: `Sums::add` in SQL.
const SUMS: &str = "COUNT(*) AS chats,
  COALESCE(SUM(outcome = 'answered'), 0) AS answered,
  COALESCE(SUM(outcome = 'missed'), 0) AS missed,
  COALESCE(SUM(outcome = 'abandoned'), 0) AS abandoned,
  COALESCE(SUM(queue_ms), 0) AS queue_sum, COUNT(queue_ms) AS queue_n,
  COALESCE(SUM(first_response_ms), 0) AS first_sum, COUNT(first_response_ms) AS first_n,
  COALESCE(SUM(response_sum_ms), 0) AS response_sum,
  COALESCE(SUM(response_count), 0) AS response_n,
  COALESCE(SUM(duration_ms), 0) AS duration_sum,
  COUNT(rating) AS ratings,
  COALESCE(SUM((MIN(MAX(rating, 1), 5) - 1) / 4.0), 0.0) AS rating_sum";

/// Largest body of `/file`.
const MAX_FACT_BYTES: usize = 16 * 1024;
/// Largest body of the benchmark's `/seed`.
pub const MAX_SEED_BYTES: usize = 8 * 1024 * 1024;

#[durable_object]
pub struct ReportsObject {
    state: State,
    ready: Cell<bool>,
}

impl ReportsObject {
    /// The storage, its tables created on first use.
    fn sql(&self) -> Result<SqlStorage> {
        let sql = self.state.storage().sql();
        if !self.ready.get() {
            sql.exec(SCHEMA, None)?;
            self.ready.set(true);
        }
        Ok(sql)
    }

    /// Keeps a fact, unless the store holds a later filing of the same
    /// conversation (a retried close after its rating).
    fn put(&self, sql: &SqlStorage, f: &Fact) -> Result<()> {
        let int = |v: i64| SqlStorageValue::try_from_i64(v);
        let opt = |v: Option<i64>| -> Result<SqlStorageValue> {
            Ok(match v {
                Some(v) => int(v)?,
                None => SqlStorageValue::Null,
            })
        };
        // A conversation's start never moves; should an older filing
        // carry another one, it goes, so no chat counts twice.
        sql.exec(
            "DELETE FROM facts WHERE conversation = ? AND started_at != ? AND version <= ?",
            vec![
                f.conversation.clone().into(),
                int(f.started_at)?,
                int(f.version())?,
            ],
        )?;
        sql.exec(
            "INSERT INTO facts (conversation, department, agent, agent_name, started_at, queued_at,
               taken_at, queue_ms, first_response_ms, response_sum_ms, response_count, closed_at,
               duration_ms, outcome, visitor_messages, agent_messages, rating, rated_at, version)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (started_at, conversation) DO UPDATE SET
               department = excluded.department, agent = excluded.agent,
               agent_name = excluded.agent_name,
               queued_at = excluded.queued_at, taken_at = excluded.taken_at,
               queue_ms = excluded.queue_ms, first_response_ms = excluded.first_response_ms,
               response_sum_ms = excluded.response_sum_ms,
               response_count = excluded.response_count, closed_at = excluded.closed_at,
               duration_ms = excluded.duration_ms, outcome = excluded.outcome,
               visitor_messages = excluded.visitor_messages,
               agent_messages = excluded.agent_messages, rating = excluded.rating,
               rated_at = excluded.rated_at, version = excluded.version
             WHERE excluded.version >= facts.version",
            vec![
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
            ],
        )?;
        Ok(())
    }

    /// `/file`: one conversation's fact, from the conversation.
    async fn file(&self, mut req: Request) -> Result<Response> {
        let fact: Fact = http::read_json_max(&mut req, MAX_FACT_BYTES).await?;
        self.put(&self.sql()?, &fact)?;
        json(&serde_json::json!({ "filed": fact.conversation }))
    }

    /// `/query`: a period's sums, grouped five ways.
    async fn query(&self, mut req: Request) -> Result<Response> {
        let q: Query = http::read_json(&mut req).await?;
        let sql = self.sql()?;
        let mut filter = String::from("started_at >= ? AND started_at < ?");
        let mut args: Vec<SqlStorageValue> = vec![
            SqlStorageValue::try_from_i64(q.from)?,
            SqlStorageValue::try_from_i64(q.to)?,
        ];
        if let Some(d) = &q.department {
            // A department holds a large share of the chats: its rows are
            // read in the period's sequential range, not through an index.
            filter.push_str(" AND +department = ?");
            args.push(d.clone().into());
        }
        if let Some(a) = &q.agent {
            // An agent's chats are few: their index finds them.
            filter.push_str(" AND agent = ?");
            args.push(a.clone().into());
        }
        let tz = q.tz_ms();
        let group = |key: &str, label: &str, extra: &str, by: &str| -> Result<Vec<Sums>> {
            let text = format!(
                "SELECT {key} AS key, {label} AS label, {SUMS} FROM facts WHERE {filter}{extra}{by}"
            );
            Ok(sql.exec(&text, args.clone())?.to_array::<Sums>()?)
        };
        // Three passes: day and hour together (the totals, days and hours
        // follow from it), agents, departments.
        let day_hours = group(
            &format!(
                "CAST((started_at + {tz}) / 86400000 AS TEXT) || ':' || CAST(((started_at + {tz}) / 3600000) % 24 AS TEXT)"
            ),
            "''",
            "",
            " GROUP BY 1",
        )?;
        let by_agent = group(
            "agent",
            "MAX(agent_name)",
            " AND agent IS NOT NULL",
            " GROUP BY agent",
        )?;
        let by_department = group("department", "''", "", " GROUP BY department")?;
        let grouped = Grouped::from_day_hours(&day_hours, by_agent, by_department);
        json(&grouped)
    }

    /// The benchmark's bulk load (the worker lets it through only where
    /// benchmarks are enabled).
    async fn seed(&self, mut req: Request) -> Result<Response> {
        let batch: Vec<Fact> = http::read_json_max(&mut req, MAX_SEED_BYTES).await?;
        let sql = self.sql()?;
        for f in &batch {
            self.put(&sql, f)?;
        }
        json(&serde_json::json!({ "seeded": batch.len() }))
    }
}

impl DurableObject for ReportsObject {
    fn new(state: State, _env: Env) -> Self {
        Self {
            state,
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let path = req.path();
        let answer = match path.as_str() {
            "/file" => self.file(req).await,
            "/query" => self.query(req).await,
            "/seed" => self.seed(req).await,
            _ => Err(Error::refused(ErrorCode::NotFound, "no such route")),
        };
        Ok(answer.unwrap_or_else(|e| e.into_response(&format!("reports {path}"))))
    }
}
