//! A conversation's storage: its tables and their migration, the rows read
//! from them, loading the core from them, the workspace's slug, and writing
//! what the core records.

use super::*;
use crate::rows::Sql;

/// The conversation's tables: `kv` (the conversation row, each
/// participant's watermark, what it knows of webhooks) keyed by text and
/// stored `WITHOUT ROWID`, so a row lives once, in its key's tree, and a
/// new one costs one row written instead of two (the row and its key's
/// index entry); and `messages`. The webhook outbox is made with the first
/// event that goes in.
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY,
  author_id TEXT NOT NULL,
  client_id TEXT,
  sent_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  internal INTEGER NOT NULL DEFAULT 0,
  recipient TEXT
);
";

/// The conversation row's key in `kv`.
const META_KEY: &str = "meta";

/// A participant's watermark's key in `kv`: this and their id. Keys from
/// `WATERMARK_KEY` up to [`WATERMARK_END`] are watermarks.
const WATERMARK_KEY: &str = "watermark:";
const WATERMARK_END: &str = "watermark;";

#[derive(Deserialize)]
pub(super) struct Body {
    pub(super) body: String,
}

#[derive(Deserialize)]
pub(super) struct Value {
    pub(super) value: String,
}

#[derive(Deserialize)]
struct Column {
    name: String,
}

#[derive(Deserialize)]
pub(super) struct TextRow {
    pub(super) seq: i64,
    pub(super) kind: String,
    pub(super) text: String,
}

#[derive(Deserialize)]
struct Turn {
    side: String,
    sent_at: i64,
}

/// What an object's tables are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tables {
    /// None: nobody created this conversation.
    Missing,
    /// As [`SCHEMA`] makes them.
    Current,
    /// From before a change of [`SCHEMA`]: [`migrate`] brings them up.
    Old,
}

/// Conversations stored before lines for agents only (and whispers)
/// existed lack the columns that mark them: they are added once. `internal`
/// is the message's audience ([`Audience::code`]: 0 everyone, 1 agents, 2 a
/// whisper), `recipient` a whisper's addressee. The unique index of
/// client ids that conversations were once stored with is dropped: the core
/// keeps that rule, and the index cost every message a second row.
pub(super) fn migrate(sql: &Sql) -> Result<()> {
    let columns = sql
        .exec("PRAGMA table_info(messages)", None)?
        .to_array::<Column>()?;
    if !columns.iter().any(|c| c.name == "internal") {
        sql.exec(
            "ALTER TABLE messages ADD COLUMN internal INTEGER NOT NULL DEFAULT 0",
            None,
        )?;
    }
    if !columns.iter().any(|c| c.name == "recipient") {
        sql.exec("ALTER TABLE messages ADD COLUMN recipient TEXT", None)?;
    }
    // Client ids are unique per author by the core's rule (it knows every
    // stored one, loaded with the conversation): a unique index only made
    // every message write a second row.
    sql.exec("DROP INDEX IF EXISTS messages_client", None)?;
    // The conversation row and the watermarks had tables of their own:
    // they move into `kv` (each a row there as before), and their tables
    // go, so a new conversation creates two tables instead of four.
    if has_table(sql, "meta")? {
        sql.exec(
            "INSERT OR REPLACE INTO kv (key, value) SELECT ?, body FROM meta WHERE id = 1",
            vec![META_KEY.into()],
        )?;
        sql.exec("DROP TABLE meta", None)?;
    }
    if has_table(sql, "watermarks")? {
        sql.exec(
            "INSERT OR REPLACE INTO kv (key, value) SELECT ? || participant_id, body FROM watermarks",
            vec![WATERMARK_KEY.into()],
        )?;
        sql.exec("DROP TABLE watermarks", None)?;
    }
    Ok(())
}

/// Whether the object has a table of this name (one read of SQLite's
/// catalogue).
fn has_table(sql: &Sql, name: &str) -> Result<bool> {
    Ok(!sql
        .exec(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
            vec![name.into()],
        )?
        .to_array::<Column>()?
        .is_empty())
}

/// The conversation row (if it was written) and every watermark, from
/// one read of `kv`.
fn kv_state(sql: &Sql) -> Result<(Option<Meta>, Vec<Watermark>)> {
    #[derive(Deserialize)]
    struct Entry {
        key: String,
        value: String,
    }
    let mut meta = None;
    let mut watermarks = Vec::new();
    let entries = sql
        .exec(
            "SELECT key, value FROM kv WHERE key = ? OR (key >= ? AND key < ?)",
            vec![META_KEY.into(), WATERMARK_KEY.into(), WATERMARK_END.into()],
        )?
        .to_array::<Entry>()?;
    for entry in entries {
        if entry.key == META_KEY {
            meta = serde_json::from_str(&entry.value).ok();
        } else if let Ok(w) = serde_json::from_str(&entry.value) {
            watermarks.push(w);
        }
    }
    Ok((meta, watermarks))
}

/// The stored conversation row, if the conversation was created.
pub(super) fn stored_meta(sql: &Sql) -> Result<Option<Meta>> {
    Ok(sql
        .exec("SELECT value FROM kv WHERE key = ?", vec![META_KEY.into()])?
        .to_array::<Value>()?
        .into_iter()
        .next()
        .and_then(|v| serde_json::from_str(&v.value).ok()))
}

/// The `WHERE` clause and its arguments that keep the stored messages a
/// reader may read: [`Reader::may_read`] in SQL, for replays and searches.
pub(super) fn readable(reader: &Reader) -> (&'static str, Vec<SqlStorageValue>) {
    match reader {
        Reader::Visitor => ("internal = 0", Vec::new()),
        Reader::Workspace => ("internal < 2", Vec::new()),
        Reader::Agent { monitor: true, .. } => ("1 = 1", Vec::new()),
        Reader::Agent { id, .. } => (
            "(internal < 2 OR recipient = ? OR author_id = ?)",
            vec![id.clone().into(), id.clone().into()],
        ),
    }
}

/// Runs a statement that writes (its rows counted by [`Sql`]).
pub(super) fn write(
    sql: &Sql,
    query: &str,
    args: impl Into<Option<Vec<SqlStorageValue>>>,
) -> Result<()> {
    sql.exec(query, args)?;
    Ok(())
}

impl Room {
    pub(super) fn sql(&self) -> Sql {
        self.sql.clone()
    }

    /// Loads the core from storage if this instance has not yet. A
    /// conversation whose row is in `kv` has current tables (whatever made
    /// or migrated it there made them so): two reads, its `kv` state and
    /// one pass over the messages without their bodies. Otherwise the
    /// catalogue says what to do first (create, migrate) and the state is
    /// read after.
    pub(super) fn ensure_loaded(&self) -> Result<()> {
        if self.core.borrow().is_some() {
            return Ok(());
        }
        let sql = self.sql();
        // An object whose tables predate `kv` fails this read: the
        // catalogue decides.
        // A conversation known to have no tables yet (`exists` just looked)
        // is made at once: no probe that would fail.
        let probed = match self.tables.get() {
            Some(Tables::Old | Tables::Missing) => None,
            _ => kv_state(&sql).ok().filter(|(meta, _)| meta.is_some()),
        };
        let (meta, watermarks) = match probed {
            Some(state) => {
                self.tables.set(Some(Tables::Current));
                state
            }
            None => {
                match self.tables()? {
                    Tables::Missing => {
                        self.create(&sql)?;
                        return Ok(());
                    }
                    Tables::Old => {
                        self.make_tables(&sql)?;
                        migrate(&sql)?;
                        self.tables.set(Some(Tables::Current));
                    }
                    Tables::Current => {}
                }
                kv_state(&sql)?
            }
        };
        *self.stored.borrow_mut() = meta.clone();
        let lines = sql
            .exec(
                "SELECT seq, author_id, client_id, sent_at, internal, recipient FROM messages",
                None,
            )?
            .to_array::<StoredLine>()?;
        let mut sockets = HashMap::new();
        let mut conns = Vec::new();
        for ws in self.state.get_websockets() {
            if let Ok(Some(a)) = ws.deserialize_attachment::<Attachment>() {
                conns.push((a.conn, a.state));
                sockets.insert(a.conn, ws);
            }
        }
        *self.sockets.borrow_mut() = sockets;
        let snapshot = Snapshot {
            meta,
            watermarks,
            conns,
            ..Snapshot::default()
        }
        .with_lines(lines);
        let mut core = Conversation::restore(snapshot);
        core.set_limits(self.limits.clone());
        *self.core.borrow_mut() = Some(core);
        Ok(())
    }

    /// A conversation being created (`/init` on an object with no
    /// tables): its tables are made as they are now, so it needs no
    /// migration, and the core starts empty without reading them back.
    pub(super) fn create(&self, sql: &Sql) -> Result<()> {
        self.make_tables(sql)?;
        self.tables.set(Some(Tables::Current));
        self.outbox.set(Some(false));
        *self.stored.borrow_mut() = None;
        let mut core = Conversation::restore(Snapshot::default());
        core.set_limits(self.limits.clone());
        *self.core.borrow_mut() = Some(core);
        Ok(())
    }

    /// Makes the tables [`SCHEMA`] names (what exists is kept). The
    /// webhook outbox is made when a first event goes in
    /// ([`Room::outbox`]): most conversations never have one.
    pub(super) fn make_tables(&self, sql: &Sql) -> Result<()> {
        write(sql, SCHEMA, None)
    }

    /// Whether the webhook outbox exists; with `make`, it does after.
    pub(super) fn outbox(&self, sql: &Sql, make: bool) -> Result<bool> {
        let made = match self.outbox.get() {
            Some(known) => known,
            None => has_table(sql, "webhook_outbox")?,
        };
        if !made && make {
            write(sql, crate::webhooks::OUTBOX_SCHEMA, None)?;
        }
        let now = made || make;
        self.outbox.set(Some(now));
        Ok(now)
    }

    /// Whether the conversation was created (`/init` made its tables).
    /// Asked before anything else reads or writes, so that an id nobody
    /// created never makes storage: looking costs a read, never a write.
    pub(super) fn exists(&self) -> Result<bool> {
        Ok(self.tables()? != Tables::Missing)
    }

    /// What this object's tables are, from one read of SQLite's catalogue
    /// (then remembered).
    pub(super) fn tables(&self) -> Result<Tables> {
        if let Some(known) = self.tables.get() {
            return Ok(known);
        }
        #[derive(Deserialize)]
        struct Entry {
            name: String,
            sql: Option<String>,
        }
        let entries = self
            .sql()
            .exec("SELECT name, sql FROM sqlite_master", None)?
            .to_array::<Entry>()?;
        self.outbox
            .set(Some(entries.iter().any(|e| e.name == "webhook_outbox")));
        let has = |name: &str| entries.iter().any(|e| e.name == name);
        let messages_now = entries.iter().any(|e| {
            e.name == "messages"
                && e.sql
                    .as_deref()
                    .is_some_and(|s| s.contains("internal") && s.contains("recipient"))
        });
        // Conversations made before `kv` had `meta`; those made since
        // have `kv` (and `meta` until they were migrated).
        let tables = if !has("meta") && !has("kv") {
            Tables::Missing
        } else if messages_now
            && has("kv")
            && !["meta", "watermarks", "messages_client"]
                .iter()
                .any(|t| has(t))
        {
            Tables::Current
        } else {
            Tables::Old
        };
        // Missing is remembered too: only this object makes its tables
        // (`create`, `migrate`), and each says what they are then.
        self.tables.set(Some(tables));
        Ok(tables)
    }

    /// The workspace's slug: stored by `/init`, read once.
    pub(super) fn workspace(&self) -> Result<String> {
        if let Some(known) = self.workspace.borrow().as_ref() {
            return Ok(known.clone());
        }
        let rows = self
            .sql()
            .exec("SELECT value FROM kv WHERE key = 'workspace'", None)?
            .to_array::<Value>()?;
        let workspace = rows
            .into_iter()
            .next()
            .map(|v| v.value)
            .ok_or_else(|| Error::Edge("conversation has no workspace".into()))?;
        *self.workspace.borrow_mut() = Some(workspace.clone());
        Ok(workspace)
    }

    /// Writes a record; for a message, answers its JSON body.
    pub(super) fn store(&self, record: &Record) -> Result<Option<(u64, String)>> {
        let sql = self.sql();
        match record {
            Record::Meta(meta) => {
                // What storage holds, as it was loaded or last written (a
                // failure drops the core, and the reload reads it again).
                let before = self.stored.borrow_mut().take();
                self.queue_events(&sql, before.as_ref(), meta)?;
                write(
                    &sql,
                    "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    vec![META_KEY.into(), serde_json::to_string(meta)?.into()],
                )?;
                *self.stored.borrow_mut() = Some(meta.clone());
            }
            Record::Message(m) => {
                let body = serde_json::to_string(m)?;
                let audience = m.kind.audience();
                if audience == Audience::Everyone {
                    // The hot path: no columns for audiences.
                    let rows = self.insert.run(
                        m.seq,
                        &m.author.id,
                        m.client_id.as_ref().map(|c| c.0.as_str()),
                        m.sent_at,
                        &body,
                    )?;
                    self.sql.add(rows);
                } else {
                    write(
                        &sql,
                        "INSERT INTO messages (seq, author_id, client_id, sent_at, body, internal, recipient) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        vec![
                            SqlStorageValue::try_from_i64(m.seq as i64)?,
                            m.author.id.clone().into(),
                            m.client_id.as_ref().map(|c| c.0.clone()).into(),
                            SqlStorageValue::try_from_i64(m.sent_at)?,
                            body.clone().into(),
                            SqlStorageValue::try_from_i64(audience.code())?,
                            m.to.as_ref().map(|p| p.id.clone()).into(),
                        ],
                    )?;
                }
                self.queue_message_event(&sql, m)?;
                return Ok(Some((m.seq, body)));
            }
            Record::Watermark(w) => {
                write(
                    &sql,
                    "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    vec![
                        format!("{WATERMARK_KEY}{}", w.participant.id).into(),
                        serde_json::to_string(w)?.into(),
                    ],
                )?;
            }
        }
        Ok(None)
    }

    /// Puts the conversation back in the tables it was stored in before
    /// `meta` and `watermarks` moved into `kv` (with its webhook outbox),
    /// and forgets what is loaded: the tests' way to check that the next
    /// event migrates it and loses nothing. Only where the benchmark's
    /// routes are on (the worker refuses it elsewhere).
    pub(super) fn earlier_layout(&self) -> Result<Response> {
        let sql = self.sql();
        sql.exec(
            "CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL)",
            None,
        )?;
        sql.exec(
            "CREATE TABLE watermarks (participant_id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID",
            None,
        )?;
        sql.exec(crate::webhooks::OUTBOX_SCHEMA, None)?;
        sql.exec(
            "INSERT INTO meta (id, body) SELECT 1, value FROM kv WHERE key = ?",
            vec![META_KEY.into()],
        )?;
        sql.exec(
            "INSERT INTO watermarks (participant_id, body) SELECT substr(key, ?), value FROM kv WHERE key >= ? AND key < ?",
            vec![
                SqlStorageValue::try_from_i64(WATERMARK_KEY.len() as i64 + 1)?,
                WATERMARK_KEY.into(),
                WATERMARK_END.into(),
            ],
        )?;
        sql.exec(
            "DELETE FROM kv WHERE key = ? OR (key >= ? AND key < ?)",
            vec![META_KEY.into(), WATERMARK_KEY.into(), WATERMARK_END.into()],
        )?;
        self.core.borrow_mut().take();
        self.stored.borrow_mut().take();
        self.tables.set(None);
        self.outbox.set(None);
        http::stored_tables(&sql)
    }
}

/// Messages people wrote to the conversation, in order: the author's side
/// and time of each (response times are counted from these).
pub(super) fn turns(sql: &Sql) -> Result<Vec<(Side, i64)>> {
    Ok(sql
        .exec(
            "SELECT json_extract(body, '$.author.side') AS side, sent_at FROM messages WHERE internal = 0 AND client_id IS NOT NULL ORDER BY seq",
            None,
        )?
        .to_array::<Turn>()?
        .into_iter()
        .map(|t| {
            let side = if t.side == "agent" { Side::Agent } else { Side::Visitor };
            (side, t.sent_at)
        })
        .collect())
}

/// What the visitor could read, in order: the only lines a transcript
/// is made of.
pub(super) fn visible_messages(sql: &Sql) -> Result<Vec<Message>> {
    Ok(sql
        .exec(
            "SELECT body FROM messages WHERE internal = 0 ORDER BY seq",
            None,
        )?
        .to_array::<Body>()?
        .into_iter()
        .filter_map(|r| serde_json::from_str::<Message>(&r.body).ok())
        .collect())
}
