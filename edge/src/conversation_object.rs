//! The Durable Object that keeps one conversation: a thin shell around
//! [`chat_core::Conversation`]. It feeds the core socket frames, requests and
//! alarms, and performs what the core asks: SQLite writes, socket sends,
//! replays, closes, announcements to the workspace.
//!
//! Sockets are hibernatable: the object may be evicted between messages.
//! Everything it needs comes back from SQLite and from each socket's
//! attachment the next time an event arrives.

use crate::calls::AssignRequest;
use crate::error::{log_failure, Error, OrRefuse, Result};
use crate::http::{self, json, principal};
use chat_core::conversation::{Meta, Reader, Refusal, StoredLine};
use chat_core::webhooks::Known;
use chat_core::{ConnId, ConnState, Conversation, Input, Output, Record, Snapshot};
use serde::{Deserialize, Serialize};
use shared::admin::WebhookEvent;
use shared::frame::{Audience, ErrorCode, Message, Participant, ServerFrame, Side, Watermark};
use shared::ids::ConversationId;
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{
    durable_object, DurableObject, Env, Request, Response, SqlStorage, SqlStorageValue, State,
    WebSocket, WebSocketPair,
};

mod files;
pub use files::AttachRequest;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY,
  author_id TEXT NOT NULL,
  client_id TEXT,
  sent_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  internal INTEGER NOT NULL DEFAULT 0,
  recipient TEXT
);
CREATE TABLE IF NOT EXISTS watermarks (participant_id TEXT PRIMARY KEY, body TEXT NOT NULL);
";

/// What an object's tables are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tables {
    /// None: nobody created this conversation.
    Missing,
    /// As [`SCHEMA`] makes them.
    Current,
    /// From before a change of [`SCHEMA`]: [`migrate`] brings them up.
    Old,
}

/// What a socket carries through hibernation.
#[derive(Serialize, Deserialize)]
struct Attachment {
    conn: ConnId,
    state: ConnState,
}

/// Body of `POST /init`, from the worker.
#[derive(Serialize, Deserialize)]
pub struct InitRequest {
    /// The workspace the conversation belongs to.
    pub workspace: String,
    /// Its id (also the object's name).
    pub id: ConversationId,
    /// The queue it waits in.
    pub department: String,
    /// Its visitor.
    pub visitor: Participant,
    /// What its pre-chat form told.
    #[serde(default)]
    pub details: shared::site::VisitorDetails,
    /// The site its visitor came from (calls may be off for it).
    #[serde(default)]
    pub site: String,
    /// What the workspace knows of its webhooks: the conversation's first
    /// changes go to the outbox only if wanted.
    #[serde(default)]
    pub webhooks: Option<Known>,
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

#[derive(Deserialize)]
struct Value {
    value: String,
}

#[derive(Deserialize)]
struct Column {
    name: String,
}

#[derive(Deserialize)]
struct TextRow {
    seq: i64,
    kind: String,
    text: String,
}

#[derive(Deserialize)]
struct Turn {
    side: String,
    sent_at: i64,
}

/// Conversations stored before lines for agents only (and whispers)
/// existed lack the columns that mark them: they are added once. `internal`
/// is the message's audience ([`Audience::code`]: 0 everyone, 1 agents, 2 a
/// whisper), `recipient` a whisper's addressee. The unique index of
/// client ids that conversations were once stored with is dropped: the core
/// keeps that rule, and the index cost every message a second row.
fn migrate(sql: &SqlStorage) -> Result<()> {
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
    Ok(())
}

/// The stored conversation row, if the conversation was created.
fn stored_meta(sql: &SqlStorage) -> Result<Option<Meta>> {
    Ok(sql
        .exec("SELECT body FROM meta WHERE id = 1", None)?
        .to_array::<Body>()?
        .into_iter()
        .next()
        .and_then(|b| serde_json::from_str(&b.body).ok()))
}

/// The `WHERE` clause and its arguments that keep the stored messages a
/// reader may read: [`Reader::may_read`] in SQL, for replays and searches.
fn readable(reader: &Reader) -> (&'static str, Vec<SqlStorageValue>) {
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

/// What a drain left for the shell to do after the synchronous part.
#[derive(Default)]
struct Effects {
    announce: Vec<shared::inbox::ConversationSummary>,
    reroute: Vec<shared::inbox::ConversationSummary>,
    alarm: Option<i64>,
    reply: Option<std::result::Result<shared::frame::ConversationView, Refusal>>,
    attached: Option<std::result::Result<chat_core::conversation::Attached, Refusal>>,
    /// A call start asks the workspace whether calls are on.
    call_policy: Option<shared::call::CallPolicyRequest>,
}

/// The conversation's Durable Object. Its state is a [`Room`] behind an
/// `Rc`, so that a socket message can finish synchronously when it needs
/// nothing asynchronous (the usual message: store, acknowledge, relay) and
/// hand a `'static` future to the runtime only when it does.
///
/// The macro exports the constructor and `fetch`; the socket handlers and
/// the alarm are exported below by hand. Its own socket handler is an
/// `async` export, which costs every message a `Promise` and a microtask
/// (a sixth of the object's busy time in a profile of the closed-loop
/// benchmark) even when the handler never waits.
#[durable_object(fetch)]
pub struct ConversationObject {
    room: std::rc::Rc<Room>,
}

/// What a conversation object keeps between events.
pub struct Room {
    state: State,
    env: Env,
    core: RefCell<Option<Conversation>>,
    sockets: RefCell<HashMap<ConnId, WebSocket>>,
    /// Webhooks: what is known of the events wanted (read from storage
    /// once, or handed over at `/init`); what this step put in the outbox.
    hooks: RefCell<Option<Option<Known>>>,
    hooks_queued: std::cell::Cell<Queued>,
    /// The deployment's limits, handed to the core.
    limits: chat_core::limits::Limits,
    /// What this object's tables are, once they exist.
    tables: std::cell::Cell<Option<Tables>>,
    /// The conversation row as stored, while the core is loaded.
    stored: RefCell<Option<Meta>>,
    /// Sockets this instance closed, until the runtime says they are gone.
    closing: RefCell<Vec<WebSocket>>,
    /// Rows this instance wrote, as SQLite's cursors report them (index
    /// entries included): what the platform bills. Read by the benchmark
    /// (`/rows`); starts again at 0 when the object is evicted.
    rows_written: std::cell::Cell<u64>,
    /// This object's SQLite, and its message insert.
    sql: SqlStorage,
    insert: crate::js::MessageInsert,
}

/// How many closed sockets are remembered to ignore their late frames.
const MAX_CLOSING: usize = 64;

impl Room {
    fn sql(&self) -> SqlStorage {
        self.sql.clone()
    }

    /// Runs a statement that writes, counting the rows it wrote.
    fn write(
        &self,
        sql: &SqlStorage,
        query: &str,
        args: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> Result<()> {
        let cursor = sql.exec(query, args)?;
        self.count_rows(cursor.rows_written() as u64);
        Ok(())
    }

    fn count_rows(&self, rows: u64) {
        self.rows_written.set(self.rows_written.get() + rows);
    }

    /// Loads the core from storage if this instance has not yet: four
    /// reads (the tables, the conversation row, the watermarks, and one
    /// pass over the messages without their bodies).
    fn ensure_loaded(&self) -> Result<()> {
        if self.core.borrow().is_some() {
            return Ok(());
        }
        let sql = self.sql();
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
        let meta = stored_meta(&sql)?;
        *self.stored.borrow_mut() = meta.clone();
        let watermarks: Vec<Watermark> = sql
            .exec("SELECT body FROM watermarks", None)?
            .to_array::<Body>()?
            .into_iter()
            .filter_map(|b| serde_json::from_str(&b.body).ok())
            .collect();
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
    fn create(&self, sql: &SqlStorage) -> Result<()> {
        self.make_tables(sql)?;
        self.tables.set(Some(Tables::Current));
        *self.stored.borrow_mut() = None;
        let mut core = Conversation::restore(Snapshot::default());
        core.set_limits(self.limits.clone());
        *self.core.borrow_mut() = Some(core);
        Ok(())
    }

    /// Makes the tables [`SCHEMA`] and the outbox's schema name (what
    /// exists is kept).
    fn make_tables(&self, sql: &SqlStorage) -> Result<()> {
        self.write(sql, SCHEMA, None)?;
        self.write(sql, crate::webhooks::OUTBOX_SCHEMA, None)?;
        Ok(())
    }

    /// Whether the conversation was created (`/init` made its tables).
    /// Asked before anything else reads or writes, so that an id nobody
    /// created never makes storage: looking costs a read, never a write.
    fn exists(&self) -> Result<bool> {
        Ok(self.tables()? != Tables::Missing)
    }

    /// What this object's tables are, from one read of SQLite's catalogue
    /// (remembered once they exist).
    fn tables(&self) -> Result<Tables> {
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
        let has = |name: &str| entries.iter().any(|e| e.name == name);
        let messages_now = entries.iter().any(|e| {
            e.name == "messages"
                && e.sql
                    .as_deref()
                    .is_some_and(|s| s.contains("internal") && s.contains("recipient"))
        });
        let tables = if !has("meta") {
            Tables::Missing
        } else if messages_now
            && ["kv", "watermarks", "webhook_outbox"]
                .iter()
                .all(|t| has(t))
            && !has("messages_client")
        {
            Tables::Current
        } else {
            Tables::Old
        };
        // Missing is asked again: `/init` may create them.
        if tables != Tables::Missing {
            self.tables.set(Some(tables));
        }
        Ok(tables)
    }

    /// Feeds one input and performs every output; `conn` is the socket the
    /// input came from, told when a store fails.
    async fn run(&self, input: Input<'_>, conn: Option<ConnId>) -> Result<Effects> {
        let effects = self.step(input, conn)?;
        self.after(effects).await
    }

    /// The synchronous part of a step: the core decides, and what it
    /// stores, remembers and sends is done.
    fn step(&self, input: Input<'_>, conn: Option<ConnId>) -> Result<Effects> {
        self.ensure_loaded()?;
        let now = http::now();
        if let Some(core) = self.core.borrow_mut().as_mut() {
            core.handle(now, input);
        }
        Ok(self.drain(conn))
    }

    /// Whether a step left nothing asynchronous to do.
    fn done(&self, effects: &Effects) -> bool {
        effects.call_policy.is_none()
            && effects.alarm.is_none()
            && effects.reroute.is_empty()
            && effects.announce.is_empty()
            && !closes(effects)
            && self.hooks_queued.get() == Queued::Nothing
    }

    /// The asynchronous part of a step: the calls to other objects, the
    /// alarm, the webhook hand-off.
    async fn after(&self, mut effects: Effects) -> Result<Effects> {
        if let Some(ask) = effects.call_policy.take() {
            if let Some(at) = self.ask_call_policy(&ask).await {
                effects.alarm = Some(effects.alarm.map_or(at, |a| a.min(at)));
            }
        }
        if let Some(at) = effects.alarm {
            self.state.storage().set_alarm(http::alarm_at(at)).await?;
        }
        for summary in &effects.reroute {
            // The visitor wrote while on hold: the workspace's router gives
            // it back to its agent or to the next one. A lost call leaves it
            // on hold; the visitor's next message asks again.
            if let Err(e) = self.tell_workspace("/reroute", summary).await {
                worker::console_error!("reroute failed: {e}");
            }
        }
        for summary in &effects.announce {
            match self.announce(summary).await {
                Ok(answer) => {
                    if let Some(core) = self.core.borrow_mut().as_mut() {
                        core.handle(http::now(), Input::Announced);
                        if let Some(q) = answer.queue {
                            core.handle(
                                http::now(),
                                Input::Queue {
                                    position: q.position,
                                    estimated_wait_ms: q.estimated_wait_ms,
                                },
                            );
                        }
                    }
                    self.drain(None);
                }
                Err(e) => worker::console_error!("announce failed: {e}"),
            }
        }
        if closes(&effects) {
            self.file_with_contact().await;
            self.file_report().await;
        }
        self.schedule_hand_off().await;
        Ok(effects)
    }

    fn drain(&self, conn: Option<ConnId>) -> Effects {
        let mut effects = Effects::default();
        // The JSON of the message stored last, reused for its broadcast.
        let mut stored: Option<(u64, String)> = None;
        loop {
            let next = self
                .core
                .borrow_mut()
                .as_mut()
                .and_then(Conversation::poll_output);
            let Some(output) = next else { break };
            match output {
                Output::Store(record) => match self.store(&record) {
                    Ok(Some(body)) => stored = Some(body),
                    Ok(None) => {}
                    Err(e) => {
                        worker::console_error!("store failed: {e}");
                        self.store_failed(&record, conn);
                        return Effects::default();
                    }
                },
                Output::Remember { conn, state } => {
                    if let Some(ws) = self.sockets.borrow().get(&conn) {
                        let _ = ws.serialize_attachment(Attachment { conn, state });
                    }
                }
                Output::Send { conn, frame } => self.send(conn, &frame),
                Output::Broadcast { conns, frame } => {
                    let text = match (&frame, stored.take()) {
                        // The message just stored: its body is already JSON.
                        (ServerFrame::Message(m), Some((seq, body))) if m.seq == seq => {
                            message_frame(&body).unwrap_or_else(|| frame.to_json())
                        }
                        _ => frame.to_json(),
                    };
                    let sockets = self.sockets.borrow();
                    crate::js::send_all(conns.iter().filter_map(|c| sockets.get(c)), &text);
                }
                Output::Replay {
                    conn,
                    after,
                    reader,
                } => {
                    if let Err(e) = self.replay(conn, after, &reader) {
                        worker::console_error!("replay failed: {e}");
                        self.close(conn, 1011, "could not read the conversation");
                    }
                }
                Output::Close { conn, code, reason } => self.close(conn, code, &reason),
                Output::Announce(summary) => effects.announce.push(summary),
                Output::Reroute(summary) => effects.reroute.push(summary),
                Output::SetAlarm { at } => effects.alarm = Some(at),
                Output::Reply(reply) => effects.reply = Some(reply),
                Output::Attached(answer) => effects.attached = Some(answer),
                Output::AskCallPolicy(ask) => effects.call_policy = Some(ask),
            }
        }
        effects
    }

    /// Writes a record; for a message, answers its JSON body.
    fn store(&self, record: &Record) -> Result<Option<(u64, String)>> {
        let sql = self.sql();
        match record {
            Record::Meta(meta) => {
                // What storage holds, as it was loaded or last written (a
                // failure drops the core, and the reload reads it again).
                let before = self.stored.borrow_mut().take();
                self.queue_events(&sql, before.as_ref(), meta)?;
                self.write(
                    &sql,
                    "INSERT INTO meta (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                    vec![serde_json::to_string(meta)?.into()],
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
                    self.count_rows(rows);
                } else {
                    self.write(
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
                self.write(
                    &sql,
                    "INSERT INTO watermarks (participant_id, body) VALUES (?, ?) ON CONFLICT (participant_id) DO UPDATE SET body = excluded.body",
                    vec![
                        w.participant.id.clone().into(),
                        serde_json::to_string(w)?.into(),
                    ],
                )?;
            }
        }
        Ok(None)
    }

    /// A write failed: memory may be ahead of storage, so forget it (the
    /// next event reloads from storage) and tell the sender to retry.
    fn store_failed(&self, record: &Record, conn: Option<ConnId>) {
        self.core.borrow_mut().take();
        let client_id = match record {
            Record::Message(m) => m.client_id.clone(),
            _ => None,
        };
        if let Some(conn) = conn {
            self.send(
                conn,
                &ServerFrame::Error {
                    code: ErrorCode::StoreFailed,
                    message: "the message could not be stored; retrying is safe".into(),
                    client_id,
                },
            );
        }
    }

    fn send(&self, conn: ConnId, frame: &ServerFrame) {
        // A socket that closed meanwhile: its close event cleans up.
        crate::js::send_all(self.sockets.borrow().get(&conn), &frame.to_json());
    }

    fn replay(&self, conn: ConnId, after: u64, reader: &Reader) -> Result<()> {
        // Lines for agents only are never read out for a visitor, nor a
        // whisper for anyone but its agent and supervisors.
        let (filter, mut args) = readable(reader);
        let query = format!("SELECT body FROM messages WHERE {filter} AND seq > ? ORDER BY seq");
        args.push(SqlStorageValue::try_from_i64(after as i64)?);
        let rows = self.sql().exec(&query, args)?.to_array::<Body>()?;
        if let Some(ws) = self.sockets.borrow().get(&conn) {
            for row in rows {
                if let Some(frame) = message_frame(&row.body) {
                    let _ = ws.send_with_str(frame);
                }
            }
        }
        Ok(())
    }

    fn close(&self, conn: ConnId, code: u16, reason: &str) {
        if let Some(ws) = self.sockets.borrow_mut().remove(&conn) {
            let _ = ws.close(Some(code), Some(reason));
            // What the client sent before it saw the close still arrives:
            // it is ignored before any work (a flood's backlog can be
            // thousands of frames).
            let mut closing = self.closing.borrow_mut();
            if closing.len() >= MAX_CLOSING {
                closing.remove(0);
            }
            closing.push(ws);
        }
    }

    async fn announce(
        &self,
        summary: &shared::inbox::ConversationSummary,
    ) -> Result<crate::calls::Announced> {
        let stub = self.workspace_stub()?;
        http::ask(&stub, "/announce", summary).await
    }

    /// Asks the workspace whether a call may ring here and feeds its
    /// answer to the core; answers the alarm the core then wants.
    async fn ask_call_policy(&self, ask: &shared::call::CallPolicyRequest) -> Option<i64> {
        let answer = match self.workspace_stub() {
            Ok(stub) => http::ask(&stub, "/call-policy", ask).await,
            Err(e) => Err(e),
        };
        let answer = answer.map_err(|e| match e {
            Error::Refused(r) => r,
            other => {
                worker::console_error!("call policy failed: {other}");
                Refusal {
                    code: ErrorCode::Internal,
                    message: "could not start the call; try again".into(),
                }
            }
        });
        if let Some(core) = self.core.borrow_mut().as_mut() {
            core.handle(http::now(), Input::CallPolicy(answer));
        }
        self.drain(None).alarm
    }

    async fn tell_workspace(
        &self,
        path: &str,
        summary: &shared::inbox::ConversationSummary,
    ) -> Result<()> {
        let stub = self.workspace_stub()?;
        let _: serde_json::Value = http::ask(&stub, path, summary).await?;
        Ok(())
    }

    fn workspace_stub(&self) -> Result<worker::Stub> {
        let workspace = self.workspace()?;
        Ok(self
            .env
            .durable_object("WORKSPACE")?
            .get_by_name(&workspace)?)
    }

    fn workspace(&self) -> Result<String> {
        let rows = self
            .sql()
            .exec("SELECT value FROM kv WHERE key = 'workspace'", None)?
            .to_array::<Value>()?;
        rows.into_iter()
            .next()
            .map(|v| v.value)
            .ok_or_else(|| Error::Edge("conversation has no workspace".into()))
    }

    async fn init(&self, mut req: Request) -> Result<Response> {
        let body: InitRequest = http::read_json(&mut req).await?;
        self.ensure_loaded()?;
        if self.core.borrow().as_ref().and_then(|c| c.view()).is_none() {
            let sql = self.sql();
            self.write(
                &sql,
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('workspace', ?)",
                vec![body.workspace.into()],
            )?;
            // Stored, not only kept in memory: a conversation woken after
            // an eviction still knows that nothing wants its events, and
            // its first message then writes no outbox row and makes no
            // hand-off.
            if let Some(known) = body.webhooks {
                self.keep_known(&sql, known)?;
            }
        }
        let effects = self
            .run(
                Input::Init {
                    id: body.id,
                    department: body.department,
                    visitor: body.visitor,
                    details: body.details,
                    site: body.site,
                },
                None,
            )
            .await?;
        reply(effects)
    }

    async fn assign(&self, mut req: Request) -> Result<Response> {
        let body: AssignRequest = http::read_json(&mut req).await?;
        let effects = self.run(Input::Assign { agent: body.agent }, None).await?;
        reply(effects)
    }

    async fn lifecycle(&self, mut req: Request) -> Result<Response> {
        let action: chat_core::conversation::lifecycle::Action = http::read_json(&mut req).await?;
        let effects = self.run(Input::Lifecycle(action), None).await?;
        reply(effects)
    }

    /// The workspace re-checked an agent: their sockets close or narrow.
    async fn revise(&self, mut req: Request) -> Result<Response> {
        let ask: chat_core::workspace::Request = http::read_json(&mut req).await?;
        let chat_core::workspace::Request::Revise {
            agent,
            access,
            code,
            reason,
        } = ask
        else {
            return Err(Error::refused(ErrorCode::BadRequest, "not a revision"));
        };
        let input = Input::Revise {
            agent: agent.0,
            access: access.map(|a| (a.may_reply, a.may_monitor)),
            code,
            reason,
        };
        let effects = self.run(input, None).await?;
        reply(effects)
    }

    /// The workspace says where the conversation waits.
    async fn queue(&self, mut req: Request) -> Result<Response> {
        let q: shared::api::QueuePosition = http::read_json(&mut req).await?;
        let input = Input::Queue {
            position: q.position,
            estimated_wait_ms: q.estimated_wait_ms,
        };
        let effects = self.run(input, None).await?;
        reply(effects)
    }

    /// Who an agent's read (room information, search) is for, as the
    /// worker authenticated them and the workspace allowed them.
    fn reader_of(req: &Request) -> Result<Reader> {
        let who = principal(req).or_refuse(ErrorCode::Unauthorized, "no participant")?;
        let access: chat_core::workspace::Access = http::header(req, http::ACCESS_HEADER)
            .or_refuse(ErrorCode::Forbidden, "agents only")?;
        if who.side != Side::Agent {
            return Err(Error::refused(ErrorCode::Forbidden, "agents only"));
        }
        Ok(Reader::Agent {
            id: who.id,
            monitor: access.may_monitor,
        })
    }

    /// "Room information".
    async fn room(&self, req: Request) -> Result<Response> {
        Self::reader_of(&req)?;
        let priority: shared::routing::Priority =
            http::header(&req, http::PRIORITY_HEADER).unwrap_or_default();
        json(&self.room_info(priority)?)
    }

    fn room_info(&self, priority: shared::routing::Priority) -> Result<shared::room::RoomInfo> {
        self.ensure_loaded()?;
        let meta = stored_meta(&self.sql())?;
        let meta = meta.or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let turns = turns(&self.sql())?;
        Ok(chat_core::conversation::room::room_info(
            &meta, priority, &turns,
        ))
    }

    /// The HTTP API's read (an API token of the conversation's workspace,
    /// which the worker names): room information and a page of messages
    /// as the workspace's agents read them, never a whisper
    /// (`Reader::Workspace`).
    async fn api_read(&self, req: Request) -> Result<Response> {
        use chat_core::integration::MessagesQuery;
        let asked: crate::integration_api::ApiRead =
            http::header(&req, crate::integration_api::API_READ_HEADER)
                .or_refuse(ErrorCode::Forbidden, "API tokens only")?;
        self.ensure_loaded()?;
        let mine = self.workspace().is_ok_and(|w| w == asked.workspace);
        if !mine {
            return Err(Error::refused(ErrorCode::NotFound, "no such conversation"));
        }
        let room = self.room_info(asked.priority)?;
        let query: MessagesQuery = asked.messages;
        let reader = Reader::Workspace;
        let (filter, mut args) = readable(&reader);
        args.push(SqlStorageValue::try_from_i64(
            query.after.min(i64::MAX as u64) as i64,
        )?);
        args.push(SqlStorageValue::try_from_i64(query.limit as i64 + 1)?);
        let mut messages: Vec<Message> = self
            .sql()
            .exec(
                &format!(
                    "SELECT body FROM messages WHERE {filter} AND seq > ? ORDER BY seq LIMIT ?"
                ),
                args,
            )?
            .to_array::<Body>()?
            .into_iter()
            .filter_map(|r| serde_json::from_str::<Message>(&r.body).ok())
            .filter(|m| reader.may_read(m))
            .collect();
        let seqs: Vec<u64> = messages.iter().map(|m| m.seq).collect();
        let next_after = query.next_after(&seqs);
        messages.truncate(query.limit as usize);
        json(&shared::integration::ConversationDetail {
            room,
            messages,
            next_after,
        })
    }

    /// A closed conversation's transcript: the PDF ("Export as PDF") or
    /// the text of the visitor's email ("Send via email"). The workspace
    /// already said who may; the core says what it holds.
    async fn transcript(&self, req: Request, pdf: bool) -> Result<Response> {
        use chat_core::conversation::transcript::{build, plain_text, Copy};
        let want: crate::transcripts::TranscriptFor =
            http::header(&req, crate::transcripts::TRANSCRIPT_HEADER)
                .or_refuse(ErrorCode::Forbidden, "agents only")?;
        self.ensure_loaded()?;
        let sql = self.sql();
        let meta = stored_meta(&sql)?;
        let meta = meta.or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let messages = visible_messages(&sql)?;
        let images = if pdf && want.attachments {
            chat_core::conversation::transcript::images(&messages)
        } else {
            Vec::new()
        };
        let copy = if want.visitor_copy {
            Copy::Visitor
        } else {
            Copy::Agents
        };
        let mut transcript = build(
            &meta,
            messages,
            copy,
            &want.workspace,
            &want.access.department,
            want.access.utc_offset_minutes,
            None,
        )
        .map_err(Error::Refused)?;
        if !pdf {
            return json(&crate::transcripts::EmailText {
                subject: transcript.header.title.clone(),
                text: plain_text(&transcript),
            });
        }
        // The images' bytes come from the bucket; one that cannot be read
        // is listed by name, as a broken one would be.
        let bucket = self.env.bucket("FILES");
        for (seq, file) in images {
            let Ok(bucket) = &bucket else { break };
            let key = chat_core::files::storage_key(&meta.view.id.0, &file);
            let bytes = match bucket.get(key).execute().await {
                Ok(Some(object)) => match object.body() {
                    Some(body) => body.bytes().await.ok(),
                    None => None,
                },
                _ => None,
            };
            let line = transcript.messages.iter_mut().find(|m| m.seq == seq);
            if let (Some(line), Some(bytes)) = (line, bytes) {
                if let Some(a) = line.attachments.first_mut() {
                    a.bytes = Some(bytes);
                }
            }
        }
        let options = transcript::Options {
            with_attachments: want.attachments,
        };
        let bytes = transcript::render(&transcript, &options)
            .map_err(|e| Error::Edge(format!("the transcript could not be drawn: {e}")))?;
        let mut response = Response::from_bytes(bytes)?;
        let headers = response.headers_mut();
        headers.set("content-type", "application/pdf")?;
        headers.set(
            "content-disposition",
            &format!("attachment; filename=\"transcript-{}.pdf\"", meta.view.id.0),
        )?;
        headers.set("cache-control", "private, no-store")?;
        Ok(response)
    }

    /// Its visitor rates it (the core's rules: theirs, closed, 1 to 5).
    async fn rate(&self, mut req: Request) -> Result<Response> {
        let ask: crate::visitor::VisitorAsk = http::read_json(&mut req).await?;
        let rating = ask
            .rating
            .or_refuse(ErrorCode::BadRequest, "a score is required")?;
        let effects = self
            .run(
                Input::Rate {
                    who: ask.who,
                    rating,
                },
                None,
            )
            .await?;
        reply(effects)
    }

    /// Its visitor asks for the transcript by email: the core counts the
    /// request (theirs, closed, at most three), then the text is built as
    /// the visitor's copy, headed with the department's name and clock.
    async fn visitor_transcript(&self, mut req: Request) -> Result<Response> {
        use chat_core::conversation::transcript::{build, plain_text, Copy};
        let ask: crate::visitor::VisitorAsk = http::read_json(&mut req).await?;
        let effects = self
            .run(Input::VisitorTranscript { who: ask.who }, None)
            .await?;
        if let Some(Err(r)) = effects.reply {
            return Err(Error::Refused(r));
        }
        let sql = self.sql();
        let meta = stored_meta(&sql)?.or_refuse(ErrorCode::NotFound, "no such conversation")?;
        let (department, offset): (String, i32) = http::ask(
            &self.workspace_stub()?,
            "/department-clock",
            &meta.view.department,
        )
        .await?;
        let transcript = build(
            &meta,
            visible_messages(&sql)?,
            Copy::Visitor,
            &self.workspace()?,
            &department,
            offset,
            None,
        )
        .map_err(Error::Refused)?;
        json(&crate::transcripts::EmailText {
            subject: transcript.header.title.clone(),
            text: plain_text(&transcript),
        })
    }

    /// "Search messages": `?q=` and `&regex=true`.
    async fn search(&self, req: Request) -> Result<Response> {
        let reader = Self::reader_of(&req)?;
        let url = req.url()?;
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let text = param("q").unwrap_or_default();
        let regex = param("regex").is_some_and(|v| v == "true" || v == "1");
        let query = chat_core::search::Query::parse(&text, regex)
            .map_err(|m| Error::refused(ErrorCode::BadRequest, &m))?;
        // The texts alone are read and matched; only the hits are read
        // whole (a conversation may hold many thousands of messages).
        let (filter, args) = readable(&reader);
        let rows = self
            .sql()
            .exec(
                &format!(
                    "SELECT seq, json_extract(body, '$.kind') AS kind, json_extract(body, '$.text') AS text FROM messages WHERE {filter} ORDER BY seq"
                ),
                args,
            )?
            .to_array::<TextRow>()?;
        let (seqs, searched, truncated) = chat_core::search::matching(
            rows.iter().map(|r| {
                let kind = if r.kind == "system" {
                    shared::frame::MessageKind::System
                } else {
                    shared::frame::MessageKind::Text
                };
                (r.seq as u64, kind, r.text.as_str())
            }),
            &query,
        );
        let mut hits = Vec::with_capacity(seqs.len());
        for chunk in seqs.chunks(100) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let args = chunk
                .iter()
                .map(|s| SqlStorageValue::try_from_i64(*s as i64))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            hits.extend(
                self.sql()
                    .exec(
                        &format!("SELECT body FROM messages WHERE seq IN ({marks}) ORDER BY seq"),
                        args,
                    )?
                    .to_array::<Body>()?
                    .into_iter()
                    .filter_map(|r| serde_json::from_str::<Message>(&r.body).ok())
                    .filter(|m| reader.may_read(m)),
            );
        }
        json(&shared::room::SearchResults {
            hits,
            searched,
            truncated,
        })
    }

    async fn socket(&self, req: Request) -> Result<Response> {
        let who = principal(&req).or_refuse(ErrorCode::Unauthorized, "no participant")?;
        // Visitors carry no access header: they always write.
        let access: chat_core::workspace::Access = http::header(&req, http::ACCESS_HEADER)
            .unwrap_or(chat_core::workspace::Access {
                may_reply: true,
                may_monitor: false,
            });
        let may_reply = access.may_reply;
        // Someone whose last socket was closed for flooding waits, and is
        // told so before any socket is made.
        self.ensure_loaded()?;
        if let Some(core) = self.core.borrow().as_ref() {
            core.may_connect(http::now(), &who.id)
                .map_err(Error::Limited)?;
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        let conn = crate::auth::new_conn_id();
        // Until the core remembers something better, the socket carries a
        // not-ready state so that an eviction right now loses nothing.
        pair.server.serialize_attachment(Attachment {
            conn,
            state: ConnState {
                who: who.clone(),
                ready: false,
                may_reply,
                may_monitor: access.may_monitor,
            },
        })?;
        self.ensure_loaded()?;
        self.sockets.borrow_mut().insert(conn, pair.server);
        self.run(
            Input::Connect {
                conn,
                who,
                may_reply,
                may_monitor: access.may_monitor,
            },
            Some(conn),
        )
        .await?;
        Ok(Response::from_websocket(pair.client)?)
    }

    /// The number of a socket: found among the sockets this instance holds
    /// by identity (cheap), else read from its attachment.
    fn conn_of(&self, ws: &WebSocket) -> Option<ConnId> {
        let known = self
            .sockets
            .borrow()
            .iter()
            .find(|(_, s)| *s == ws)
            .map(|(c, _)| *c);
        known.or_else(|| {
            let conn = ws
                .deserialize_attachment::<Attachment>()
                .ok()
                .flatten()?
                .conn;
            // Keep this handle, so that the next message finds it by identity.
            self.sockets.borrow_mut().insert(conn, ws.clone());
            Some(conn)
        })
    }
}

/// A `message` frame from a stored `Message` body, without a parse and
/// re-serialise round trip: the body is the frame minus its tag.
fn message_frame(body: &str) -> Option<String> {
    let fields = body.strip_prefix('{')?;
    Some(format!("{{\"type\":\"message\",{fields}"))
}

/// Messages people wrote to the conversation, in order: the author's side
/// and time of each (response times are counted from these).
fn turns(sql: &SqlStorage) -> Result<Vec<(Side, i64)>> {
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
fn visible_messages(sql: &SqlStorage) -> Result<Vec<Message>> {
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

fn reply(effects: Effects) -> Result<Response> {
    match effects.reply {
        Some(Ok(view)) => json(&view),
        Some(Err(r)) => Err(Error::Refused(r)),
        None => Err(Error::Edge("the conversation did not answer".into())),
    }
}

impl DurableObject for ConversationObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            room: std::rc::Rc::new(Room::new(state, env)),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        self.room.fetch(req).await
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    wasm_bindgen_futures = ::worker::wasm_bindgen_futures,
    js_sys = ::worker::js_sys
)]
impl ConversationObject {
    /// A socket's frame. Performed at once when the step needs nothing
    /// asynchronous; otherwise the rest is the returned promise.
    #[wasm_bindgen(js_name = webSocketMessage)]
    pub fn websocket_message(
        &self,
        ws: worker::worker_sys::web_sys::WebSocket,
        message: wasm_bindgen::JsValue,
    ) -> wasm_bindgen::JsValue {
        match self.room.message_now(ws.into(), &message) {
            Ok(None) => wasm_bindgen::JsValue::UNDEFINED,
            Ok(Some(effects)) => {
                let room = self.room.clone();
                worker::wasm_bindgen_futures::future_to_promise(async move {
                    log_failure(
                        "conversation message",
                        room.after(effects).await.map(|_| ()),
                    );
                    Ok(wasm_bindgen::JsValue::UNDEFINED)
                })
                .into()
            }
            Err(e) => {
                log_failure::<()>("conversation message", Err(e));
                wasm_bindgen::JsValue::UNDEFINED
            }
        }
    }

    /// A socket closed.
    #[wasm_bindgen(js_name = webSocketClose)]
    pub async fn websocket_close(
        &self,
        ws: worker::worker_sys::web_sys::WebSocket,
        _code: usize,
        _reason: String,
        _clean: bool,
    ) -> std::result::Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
        let ws: WebSocket = ws.into();
        log_failure("conversation close", self.room.on_gone(&ws).await);
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(wasm_bindgen::JsValue::NULL)
    }

    /// A socket failed.
    #[wasm_bindgen(js_name = webSocketError)]
    pub async fn websocket_error(
        &self,
        ws: worker::worker_sys::web_sys::WebSocket,
        _error: wasm_bindgen::JsValue,
    ) -> std::result::Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
        let ws: WebSocket = ws.into();
        log_failure("conversation socket error", self.room.on_gone(&ws).await);
        Ok(wasm_bindgen::JsValue::NULL)
    }

    /// The object's alarm.
    #[wasm_bindgen]
    pub async fn alarm(&self) -> std::result::Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
        let room = &self.room;
        log_failure("conversation alarm", room.run(Input::Alarm, None).await);
        room.file_with_contact().await;
        room.hand_off_events().await;
        room.file_report().await;
        Ok(wasm_bindgen::JsValue::NULL)
    }
}

impl Room {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        Self {
            insert: crate::js::MessageInsert::new(&sql),
            sql,
            state,
            core: RefCell::new(None),
            sockets: RefCell::new(HashMap::new()),
            hooks: RefCell::new(None),
            hooks_queued: Default::default(),
            limits: crate::limits::of(&env),
            tables: Default::default(),
            stored: RefCell::new(None),
            closing: RefCell::new(Vec::new()),
            env,
            rows_written: Default::default(),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let path = req.path();
        if path == "/stored" {
            return Ok(http::stored_tables(&self.sql())
                .unwrap_or_else(|e| e.into_response("conversation /stored")));
        }
        // Every route but `/init` addresses a conversation that exists: an
        // id nobody created answers 404 and writes nothing.
        match self.exists() {
            Ok(true) => {}
            Ok(false) if path == "/init" => {}
            Ok(false) if path == "/ws" => {
                return crate::http::refuse_socket(
                    shared::close::NOT_FOUND,
                    "no such conversation",
                )
                .or_else(|e| Ok(e.into_response("conversation /ws")));
            }
            Ok(false) => {
                let e = Error::refused(ErrorCode::NotFound, "no such conversation");
                return Ok(e.into_response(&format!("conversation {path}")));
            }
            Err(e) => return Ok(e.into_response(&format!("conversation {path}"))),
        }
        let answer = match path.as_str() {
            "/init" => self.init(req).await,
            "/assign" => self.assign(req).await,
            "/lifecycle" => self.lifecycle(req).await,
            "/revise" => self.revise(req).await,
            "/queue" => self.queue(req).await,
            "/ws" => self.socket(req).await,
            "/room" => self.room(req).await,
            "/api-read" => self.api_read(req).await,
            "/transcript.pdf" => self.transcript(req, true).await,
            "/transcript.txt" => self.transcript(req, false).await,
            "/search" => self.search(req).await,
            "/rate" => self.rate(req).await,
            "/visitor-transcript" => self.visitor_transcript(req).await,
            "/attach" => self.attach(req).await,
            "/file" => self.file(req).await,
            "/files" => self.files(req).await,
            "/rows" => json(&serde_json::json!({ "rows_written": self.rows_written.get() })),
            "/webhooks-wanted" => self.webhooks_wanted(req).await,
            _ => Err(Error::refused(ErrorCode::NotFound, "no such route")),
        };
        Ok(answer.unwrap_or_else(|e| e.into_response(&format!("conversation {path}"))))
    }
}

impl Room {
    /// A socket's frame, up to what can be done at once: `None` when that
    /// was all, or what is left to do asynchronously.
    fn message_now(
        &self,
        ws: WebSocket,
        message: &wasm_bindgen::JsValue,
    ) -> Result<Option<Effects>> {
        if self.closing.borrow().contains(&ws) {
            return Ok(None);
        }
        self.ensure_loaded()?;
        let Some(conn) = self.conn_of(&ws) else {
            let _ = ws.close(Some(shared::close::BAD_HANDSHAKE), Some("unknown socket"));
            return Ok(None);
        };
        // After an eviction the map is rebuilt by ensure_loaded; a socket
        // accepted by this instance is already in it.
        self.sockets.borrow_mut().entry(conn).or_insert(ws);
        let effects = match message.as_string() {
            Some(text) => self.step(Input::Frame { conn, text: &text }, Some(conn))?,
            None => self.step(Input::Binary { conn }, Some(conn))?,
        };
        Ok((!self.done(&effects)).then_some(effects))
    }

    /// A socket closed or failed: a disconnect either way.
    async fn on_gone(&self, ws: &WebSocket) -> Result<()> {
        self.closing.borrow_mut().retain(|c| c != ws);
        if let Some(conn) = self.conn_of(ws) {
            self.sockets.borrow_mut().remove(&conn);
            self.run(Input::Disconnect { conn }, None).await?;
        }
        Ok(())
    }
}

/// Whether a step closed the conversation (the visitor ended it, or an
/// agent's close answered).
fn closes(effects: &Effects) -> bool {
    use shared::frame::ConversationStatus::Closed;
    effects.announce.iter().any(|s| s.status == Closed)
        || matches!(&effects.reply, Some(Ok(view)) if view.status == Closed)
}

/// How long a close waits to file itself with its contact again after a
/// failure.
const CONTACT_RETRY_MS: i64 = 10_000;

/// The close hook: the one call this object makes to the workspace's
/// contacts store, once, when the conversation has closed. It files the
/// conversation with its contact, with the text its visitor could read
/// (never an internal line), for the chat history's search.
impl Room {
    /// The conversation's row: as kept while the core is loaded (see
    /// `stored`), else read.
    fn row(&self) -> Result<Option<Meta>> {
        if self.core.borrow().is_some() {
            return Ok(self.stored.borrow().clone());
        }
        stored_meta(&self.sql())
    }

    /// Files a closed conversation with its contact unless it was: a
    /// failure is retried by the alarm.
    async fn file_with_contact(&self) {
        let filed = async {
            let sql = self.sql();
            let meta = self.row()?;
            let Some(meta) =
                meta.filter(|m| m.view.status == shared::frame::ConversationStatus::Closed)
            else {
                return Ok(());
            };
            let done = sql
                .exec("SELECT value FROM kv WHERE key = 'contact_filed'", None)?
                .to_array::<Value>()?;
            if !done.is_empty() {
                return Ok(());
            }
            let lines: Vec<shared::frame::Message> = sql
                .exec(
                    "SELECT body FROM messages WHERE internal = 0 ORDER BY seq",
                    None,
                )?
                .to_array::<Body>()?
                .into_iter()
                .filter_map(|b| serde_json::from_str(&b.body).ok())
                .filter(|m: &shared::frame::Message| m.kind == shared::frame::MessageKind::Text)
                .collect();
            let closed = chat_core::contacts::Closed {
                summary: shared::inbox::ConversationSummary {
                    id: meta.view.id,
                    status: meta.view.status,
                    department: meta.view.department,
                    visitor: meta.view.visitor,
                    assignee: meta.view.assignee,
                    members: meta.view.members,
                    preview: meta.preview,
                    queued_at: meta.queued_at,
                    priority: Default::default(),
                },
                at: meta.closing.map_or_else(http::now, |c| c.at),
                text: chat_core::contacts::searchable_text(lines.iter().map(|m| m.text.as_str())),
            };
            let stub = self
                .env
                .durable_object("CONTACTS")?
                .get_by_name(&self.workspace()?)?;
            let _: serde_json::Value = http::ask(&stub, "/closed", &closed).await?;
            self.write(
                &sql,
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('contact_filed', '1')",
                None,
            )?;
            Ok::<_, Error>(())
        };
        if let Err(e) = filed.await {
            worker::console_error!("filing with the contact failed: {e}");
            let retry = http::now() + CONTACT_RETRY_MS;
            let storage = self.state.storage();
            if !matches!(storage.get_alarm().await, Ok(Some(at)) if at <= retry) {
                log_failure(
                    "contact retry alarm",
                    storage
                        .set_alarm(http::alarm_at(retry))
                        .await
                        .map_err(Error::from),
                );
            }
        }
    }
}

/// What a step put in the webhook outbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Queued {
    /// Nothing.
    #[default]
    Nothing,
    /// Message events only: handed off together a moment later.
    Messages,
    /// A change of the conversation: handed off at once.
    Change,
}

/// The rows an event costs the outbox: its insert and, once handed off,
/// its delete (`crate::webhooks` keeps its cursors to itself).
const OUTBOX_ROWS: u64 = 2;

/// Message events wait this long in the outbox, so a burst of messages
/// is one hand-off.
const MESSAGE_BATCH_MS: i64 = 1_000;

/// Webhook events: written to the outbox in the same synchronous step as
/// the change they report, handed off to the workspace's webhook object
/// by the alarm (at once for a change, after [`MESSAGE_BATCH_MS`] for
/// messages), retried by the alarm until it confirmed.
impl Room {
    fn queued(&self, what: Queued) {
        if what == Queued::Change || self.hooks_queued.get() == Queued::Nothing {
            self.hooks_queued.set(what);
        }
    }

    fn queue_events(&self, sql: &SqlStorage, before: Option<&Meta>, after: &Meta) -> Result<()> {
        let now = http::now();
        let events: Vec<_> = chat_core::webhooks::conversation_events(before, after)
            .into_iter()
            .filter(|(event, _)| self.wants(sql, *event, now))
            .collect();
        if events.is_empty() {
            return Ok(());
        }
        let workspace = self.workspace()?;
        for (event, data) in events {
            let event = chat_core::webhooks::Event {
                id: crate::auth::new_id("ev"),
                event,
                workspace: workspace.clone(),
                occurred_at: now,
                data,
            };
            crate::webhooks::queue(sql, &event)?;
            self.count_rows(OUTBOX_ROWS);
        }
        self.queued(Queued::Change);
        Ok(())
    }

    /// The workspace tells what its webhooks want now (an administrator
    /// changed them): kept, and stored for after an eviction.
    async fn webhooks_wanted(&self, mut req: Request) -> Result<Response> {
        let known: Known = http::read_json(&mut req).await?;
        self.keep_known(&self.sql(), known)?;
        json(&serde_json::json!({}))
    }

    /// Keeps what the conversation now knows of its webhooks, in memory
    /// and in storage for after an eviction.
    fn keep_known(&self, sql: &SqlStorage, known: Known) -> Result<()> {
        self.write(
            sql,
            "INSERT OR REPLACE INTO kv (key, value) VALUES ('webhooks_wanted', ?)",
            vec![serde_json::to_string(&known)?.into()],
        )?;
        *self.hooks.borrow_mut() = Some(Some(known));
        Ok(())
    }

    /// Whether `event` goes to the outbox (see [`Known::queues`]), by
    /// what this conversation knows; read from storage the first time.
    fn wants(&self, sql: &SqlStorage, event: WebhookEvent, now: i64) -> bool {
        if self.hooks.borrow().is_none() {
            let known = sql
                .exec("SELECT value FROM kv WHERE key = 'webhooks_wanted'", None)
                .and_then(|c| c.to_array::<Value>())
                .ok()
                .and_then(|rows| rows.into_iter().next())
                .and_then(|v| serde_json::from_str::<Known>(&v.value).ok());
            *self.hooks.borrow_mut() = Some(known);
        }
        Known::queues(
            self.hooks.borrow().as_ref().and_then(Option::as_ref),
            event,
            now,
        )
    }

    fn queue_message_event(&self, sql: &SqlStorage, m: &Message) -> Result<()> {
        let now = http::now();
        if !self.wants(sql, WebhookEvent::VisitorMessage, now)
            && !self.wants(sql, WebhookEvent::AgentMessage, now)
        {
            return Ok(());
        }
        let view = self.core.borrow().as_ref().and_then(|c| c.view().cloned());
        let Some(view) = view else { return Ok(()) };
        let Some((event, data)) = chat_core::webhooks::message_event(&view, m) else {
            return Ok(());
        };
        if !self.wants(sql, event, now) {
            return Ok(());
        }
        let event = chat_core::webhooks::Event {
            id: format!("{}.{}", view.id.0, m.seq),
            event,
            workspace: self.workspace()?,
            occurred_at: m.sent_at,
            data,
        };
        crate::webhooks::queue(sql, &event)?;
        self.count_rows(OUTBOX_ROWS);
        self.queued(Queued::Messages);
        Ok(())
    }

    /// After a step: rings the alarm for what it put in the outbox.
    async fn schedule_hand_off(&self) {
        let at = match self.hooks_queued.replace(Queued::Nothing) {
            Queued::Nothing => return,
            Queued::Change => http::now(),
            Queued::Messages => http::now() + MESSAGE_BATCH_MS,
        };
        self.arm(at).await;
    }

    /// Rings the alarm at `at` unless it rings by then already.
    async fn arm(&self, at: i64) {
        let storage = self.state.storage();
        if !matches!(storage.get_alarm().await, Ok(Some(t)) if t <= at) {
            log_failure(
                "webhook hand-off alarm",
                storage
                    .set_alarm(http::alarm_at(at))
                    .await
                    .map_err(Error::from),
            );
        }
    }

    /// Hands the outbox to the webhook object; what it answers is what
    /// the conversation knows of its webhooks from now on. A failure is
    /// retried by the alarm.
    async fn hand_off_events(&self) {
        let handed = async {
            let sql = self.sql();
            sql.exec(crate::webhooks::OUTBOX_SCHEMA, None)?;
            let Ok(workspace) = self.workspace() else {
                return Ok(());
            };
            if let Some(answer) = crate::webhooks::flush(&sql, &self.env, &workspace).await? {
                let known = Known {
                    wanted: answer.wanted,
                    at: http::now(),
                };
                self.keep_known(&sql, known)?;
            }
            Ok::<_, Error>(())
        };
        if let Err(e) = handed.await {
            worker::console_error!("webhook hand-off failed: {e}");
            self.arm(http::now() + crate::webhooks::HAND_OFF_RETRY_MS)
                .await;
        }
    }
}

/// The report hook: a closed conversation files its fact with its
/// workspace's reports store, and files it again when its visitor rates
/// it; a failure is retried by the alarm, like the contact's filing.
impl Room {
    /// Files the fact unless this version of it was filed.
    async fn file_report(&self) {
        let filed = async {
            let sql = self.sql();
            let Some(meta) = self.row()?.filter(chat_core::reports::Fact::due) else {
                return Ok(());
            };
            let Some(fact) = chat_core::reports::Fact::of(&meta, &turns(&sql)?) else {
                return Ok(());
            };
            let done = sql
                .exec("SELECT value FROM kv WHERE key = 'report_filed'", None)?
                .to_array::<Value>()?;
            if done
                .first()
                .and_then(|v| v.value.parse::<i64>().ok())
                .is_some_and(|v| v >= fact.version())
            {
                return Ok(());
            }
            crate::reports::file(&self.env, &self.workspace()?, &fact).await?;
            self.write(
                &sql,
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('report_filed', ?)",
                vec![fact.version().to_string().into()],
            )?;
            Ok::<_, Error>(())
        };
        if let Err(e) = filed.await {
            worker::console_error!("filing the report failed: {e}");
            let retry = http::now() + CONTACT_RETRY_MS;
            let storage = self.state.storage();
            if !matches!(storage.get_alarm().await, Ok(Some(at)) if at <= retry) {
                log_failure(
                    "report retry alarm",
                    storage
                        .set_alarm(http::alarm_at(retry))
                        .await
                        .map_err(Error::from),
                );
            }
        }
    }
}

/// `GET /api/v1/bench/rows/{conversation}`: the rows the conversation's
/// object wrote since it was loaded, for the benchmark's cost figures; only
/// where benchmarks are enabled (as the echo route).
pub async fn bench_rows(env: &Env, id: &str) -> Result<Response> {
    let enabled = env
        .var("ENABLE_BENCH_ECHO")
        .map(|v| v.to_string() == "true")
        .unwrap_or(false);
    if !enabled || !shared::ids::is_valid_id(id) {
        return Err(Error::refused(ErrorCode::NotFound, "no such route"));
    }
    let stub = env.durable_object("CONVERSATION")?.get_by_name(id)?;
    Ok(stub.fetch_with_str("https://conversation/rows").await?)
}
