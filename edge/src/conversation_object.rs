//! The Durable Object that keeps one conversation: a thin shell around
//! [`chat_core::Conversation`]. It feeds the core socket frames, requests and
//! alarms, and performs what the core asks: SQLite writes, socket sends,
//! replays, closes, announcements to the workspace.
//!
//! Sockets are hibernatable: the object may be evicted between messages.
//! Everything it needs comes back from SQLite and from each socket's
//! attachment the next time an event arrives.
//!
//! This file holds the object, its sockets and the step that feeds the
//! core and performs its outputs; `storage.rs` its tables, their
//! migration, the rows read from them, the load, the workspace's slug and
//! the writes; `routes.rs` the worker's requests; `hooks.rs` the webhook
//! outbox; `files.rs` attachments; `filing.rs` what a closed conversation
//! files with its contact and its reports.

use crate::error::{log_failure, Error, Result};
use crate::http::{self, json};
use crate::rows::Sql;
use chat_core::conversation::{Meta, Reader, Refusal, StoredLine};
use chat_core::webhooks::Known;
use chat_core::{ConnId, ConnState, Conversation, Input, Output, Record, Snapshot};
use serde::{Deserialize, Serialize};
use shared::frame::{Audience, ErrorCode, Message, Participant, ServerFrame, Side, Watermark};
use shared::ids::ConversationId;
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{
    durable_object, DurableObject, Env, Request, Response, SqlStorageValue, State, WebSocket,
};

mod files;
mod filing;
mod hooks;
mod routes;
mod storage;

pub use files::AttachRequest;
use hooks::Queued;
use storage::*;

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
    /// Whether its webhook outbox exists, once known.
    outbox: std::cell::Cell<Option<bool>>,
    /// The conversation row as stored, while the core is loaded.
    stored: RefCell<Option<Meta>>,
    /// The workspace's slug, once read (it never changes).
    workspace: RefCell<Option<String>>,
    /// Sockets this instance closed, until the runtime says they are gone.
    closing: RefCell<Vec<WebSocket>>,
    /// This object's SQLite, counting the rows written (read by the
    /// benchmark at `/rows`), and its message insert.
    sql: Sql,
    insert: crate::js::MessageInsert,
}

/// How many closed sockets are remembered to ignore their late frames.
const MAX_CLOSING: usize = 64;

impl Room {
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

    /// Rings the alarm at `at` unless it rings by then already (a retry,
    /// a hand-off); `what` names it in the log when that fails.
    async fn arm(&self, at: i64, what: &str) {
        let storage = self.state.storage();
        if !matches!(storage.get_alarm().await, Ok(Some(t)) if t <= at) {
            log_failure(
                what,
                storage
                    .set_alarm(http::alarm_at(at))
                    .await
                    .map_err(Error::from),
            );
        }
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
        let sql = Sql::new(state.storage().sql());
        Self {
            insert: crate::js::MessageInsert::new(sql.storage()),
            sql,
            state,
            core: RefCell::new(None),
            sockets: RefCell::new(HashMap::new()),
            hooks: RefCell::new(None),
            hooks_queued: Default::default(),
            limits: crate::limits::of(&env),
            tables: Default::default(),
            outbox: Default::default(),
            stored: RefCell::new(None),
            workspace: RefCell::new(None),
            closing: RefCell::new(Vec::new()),
            env,
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
            "/rows" => json(&serde_json::json!({ "rows_written": self.sql.written() })),
            "/earlier-layout" => self.earlier_layout(),
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
