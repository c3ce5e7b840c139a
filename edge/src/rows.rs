//! An object's SQLite, counting the rows its statements write: what the
//! platform bills (index entries included, as each cursor's
//! `rowsWritten` reports them). Every object reaches its tables through
//! [`Sql`], so the benchmark can read what a conversation costs each of
//! them (`/rows` where benchmarks are enabled). The count is the
//! instance's: it starts again at 0 when the object is evicted.

use std::cell::Cell;
use std::rc::Rc;
use worker::{SqlCursor, SqlStorage, SqlStorageValue};

/// `ctx.storage.sql` and the rows written through it.
#[derive(Clone)]
pub struct Sql {
    inner: SqlStorage,
    written: Rc<Cell<u64>>,
}

impl Sql {
    /// The object's SQLite, with a count of its own.
    pub fn new(inner: SqlStorage) -> Self {
        Self {
            inner,
            written: Rc::default(),
        }
    }

    /// Runs a statement, counting the rows it wrote. A `SELECT` writes
    /// none: its cursor is not asked (one crossing into JavaScript less
    /// on every read, the wake of a conversation among them).
    pub fn exec(
        &self,
        query: &str,
        bindings: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> worker::Result<SqlCursor> {
        let cursor = self.inner.exec(query, bindings)?;
        if !reads_only(query) {
            self.add(cursor.rows_written() as u64);
        }
        Ok(cursor)
    }

    /// Counts rows written by a statement run another way (a prepared
    /// binding of the message path).
    pub fn add(&self, rows: u64) {
        self.written.set(self.written.get() + rows);
    }

    /// Rows written since this instance started.
    pub fn written(&self) -> u64 {
        self.written.get()
    }

    /// The runtime's handle, for what reads its catalogue or binds a
    /// statement of its own.
    pub fn storage(&self) -> &SqlStorage {
        &self.inner
    }
}

/// Whether a statement is a single `SELECT` (which writes nothing).
fn reads_only(query: &str) -> bool {
    let start = query.trim_start().as_bytes();
    start.len() >= 6 && start[..6].eq_ignore_ascii_case(b"SELECT") && !query.contains(';')
}

#[cfg(test)]
mod tests {
    use super::reads_only;

    #[test]
    fn only_a_lone_select_goes_uncounted() {
        assert!(reads_only("SELECT body FROM kv WHERE key = ?"));
        assert!(reads_only("\n  select 1"));
        assert!(!reads_only("INSERT INTO kv (key, value) VALUES (?, ?)"));
        assert!(!reads_only("SELECT 1; DELETE FROM kv"));
        assert!(!reads_only("WITH x AS (SELECT 1) DELETE FROM kv"));
        assert!(!reads_only("SEL"));
    }
}
