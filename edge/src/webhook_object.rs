//! The Durable Object that keeps one workspace's webhooks and delivers
//! their events: a performer around [`chat_core::webhooks`].
//!
//! SQLite holds the webhooks, the ids of the events handed to it (so a
//! hand-off retried by its emitter is stored once) and one row per
//! delivery (one event to one webhook). An event is stored with its
//! deliveries before the emitter is told so; from then on the object's
//! alarm owns it: each alarm posts the deliveries that are due, at most
//! [`MAX_IN_FLIGHT`] at a time, each with a timeout, and writes each result
//! as it comes, before anything else is decided about that delivery. A
//! restart in the middle loses nothing (the rows say what is due) and can
//! only repeat an attempt whose result was not yet written, with the same
//! `X-LiveChat-Delivery`: at least once, one idempotency key per delivery.

use crate::error::{log_failure, Error, OrRefuse, Result};
use crate::http::{self, json};
use chat_core::webhooks::{self as rules, Attempt, Due, Event, Schedule};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use shared::admin::{Delivery, DeliveryStatus, Webhook, WebhookEvent, WebhookRequest};
use shared::frame::ErrorCode;
use std::collections::HashSet;
use worker::{
    durable_object, AbortController, Delay, DurableObject, Env, Fetch, Headers, Method, Request,
    RequestInit, Response, SqlStorage, SqlStorageValue, State,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY,
  active INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  webhook TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  due INTEGER,
  expires_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (due) WHERE due IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_webhook ON deliveries (webhook, created_at);
";

/// At most this many attempts are in flight at once.
pub const MAX_IN_FLIGHT: usize = 16;
/// An alarm stops starting attempts after this long; the next alarm
/// goes on.
const ALARM_BUDGET_MS: i64 = 20_000;
/// Events' ids are kept this long for recognising hand-offs retried.
const EVENT_IDS_KEPT_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Finished deliveries are listed this long.
const DELIVERIES_KEPT_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// A webhook's log lists at most this many deliveries, newest first.
pub const MAX_LISTED: usize = 100;

/// What the worker asks on an administrator's behalf (who was checked
/// already): `POST /admin`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AdminAsk {
    /// Every webhook.
    List,
    /// A new webhook, with its id and secret drawn by the worker.
    Create {
        request: WebhookRequest,
        id: String,
        secret: String,
    },
    /// An edit.
    Update { id: String, request: WebhookRequest },
    /// A removal, with its deliveries.
    Remove { id: String },
    /// A webhook's delivery log.
    Deliveries { id: String },
    /// "Redeliver".
    Redeliver { id: String, delivery: String },
}

/// Answer to `/emit` and `/wanted`: the events some active webhook wants
/// now, which the emitter caches.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Wanted {
    /// The events.
    pub wanted: Vec<WebhookEvent>,
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

#[derive(Deserialize)]
struct DeliveryRow {
    body: String,
    expires_at: i64,
}

#[derive(Deserialize)]
struct DueRow {
    id: String,
    expires_at: i64,
    body: String,
    hook: String,
}

#[derive(Deserialize)]
struct Next {
    at: Option<i64>,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// One attempt to make: where, what, signed with what.
struct Post {
    delivery: String,
    event: WebhookEvent,
    url: String,
    secret: String,
    body: String,
}

#[durable_object]
pub struct WebhookObject {
    state: State,
    env: Env,
}

impl WebhookObject {
    fn sql(&self) -> Result<SqlStorage> {
        let sql = self.state.storage().sql();
        sql.exec(SCHEMA, None)?;
        Ok(sql)
    }

    fn schedule(&self) -> Schedule {
        let base = self
            .env
            .var("WEBHOOK_RETRY_BASE_MS")
            .ok()
            .and_then(|v| v.to_string().parse::<i64>().ok())
            .unwrap_or(rules::DEFAULT_RETRY_BASE_MS);
        Schedule::with_base(base)
    }

    fn webhooks(sql: &SqlStorage) -> Result<Vec<Webhook>> {
        Ok(sql
            .exec("SELECT body FROM webhooks ORDER BY created_at, id", None)?
            .to_array::<Body>()?
            .into_iter()
            .filter_map(|b| serde_json::from_str(&b.body).ok())
            .collect())
    }

    fn webhook(sql: &SqlStorage, id: &str) -> Result<Webhook> {
        sql.exec("SELECT body FROM webhooks WHERE id = ?", vec![id.into()])?
            .to_array::<Body>()?
            .into_iter()
            .next()
            .and_then(|b| serde_json::from_str(&b.body).ok())
            .or_refuse(ErrorCode::NotFound, "no such webhook")
    }

    fn put_webhook(sql: &SqlStorage, w: &Webhook) -> Result<()> {
        sql.exec(
            "INSERT OR REPLACE INTO webhooks (id, active, created_at, body) VALUES (?, ?, ?, ?)",
            vec![
                w.id.clone().into(),
                i64::from(w.active).into(),
                w.created_at.into(),
                serde_json::to_string(w)?.into(),
            ],
        )?;
        Ok(())
    }

    fn put_delivery(sql: &SqlStorage, d: &Delivery, expires_at: i64) -> Result<()> {
        sql.exec(
            "INSERT OR REPLACE INTO deliveries (id, webhook, created_at, due, expires_at, body) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                d.id.clone().into(),
                d.webhook.clone().into(),
                d.created_at.into(),
                d.next_attempt_at.map(SqlStorageValue::from).unwrap_or(SqlStorageValue::Null),
                expires_at.into(),
                serde_json::to_string(d)?.into(),
            ],
        )?;
        Ok(())
    }

    fn delivery(sql: &SqlStorage, webhook: &str, id: &str) -> Result<(Delivery, i64)> {
        let row = sql
            .exec(
                "SELECT body, expires_at FROM deliveries WHERE id = ? AND webhook = ?",
                vec![id.into(), webhook.into()],
            )?
            .to_array::<DeliveryRow>()?
            .into_iter()
            .next()
            .or_refuse(ErrorCode::NotFound, "no such delivery")?;
        let d = serde_json::from_str(&row.body)?;
        Ok((d, row.expires_at))
    }

    /// Rings the alarm at `at` unless it already rings by then.
    async fn arm(&self, at: i64) -> Result<()> {
        let storage = self.state.storage();
        if !matches!(storage.get_alarm().await, Ok(Some(t)) if t <= at) {
            storage.set_alarm(http::alarm_at(at)).await?;
        }
        Ok(())
    }

    async fn admin(&self, mut req: Request) -> Result<Response> {
        let ask: AdminAsk = http::read_json(&mut req).await?;
        let sql = self.sql()?;
        let now = http::now();
        match ask {
            AdminAsk::List => json(&Self::webhooks(&sql)?),
            AdminAsk::Create {
                request,
                id,
                secret,
            } => {
                let count = Self::webhooks(&sql)?.len();
                let request = rules::validate(&request, count)
                    .map_err(|m| Error::refused(ErrorCode::BadRequest, m))?;
                let w = Webhook {
                    id,
                    name: request.name,
                    url: request.url,
                    events: request.events,
                    active: request.active,
                    secret,
                    created_at: now,
                };
                Self::put_webhook(&sql, &w)?;
                json(&w)
            }
            AdminAsk::Update { id, request } => {
                let mut w = Self::webhook(&sql, &id)?;
                let others = Self::webhooks(&sql)?.len().saturating_sub(1);
                let request = rules::validate(&request, others)
                    .map_err(|m| Error::refused(ErrorCode::BadRequest, m))?;
                w.name = request.name;
                w.url = request.url;
                w.events = request.events;
                w.active = request.active;
                Self::put_webhook(&sql, &w)?;
                if w.active {
                    // Deliveries that waited while it was paused.
                    self.arm(now).await?;
                }
                json(&w)
            }
            AdminAsk::Remove { id } => {
                Self::webhook(&sql, &id)?;
                sql.exec("DELETE FROM webhooks WHERE id = ?", vec![id.clone().into()])?;
                sql.exec("DELETE FROM deliveries WHERE webhook = ?", vec![id.into()])?;
                json(&serde_json::json!({}))
            }
            AdminAsk::Deliveries { id } => {
                Self::webhook(&sql, &id)?;
                let list: Vec<Delivery> = sql
                    .exec(
                        "SELECT body FROM deliveries WHERE webhook = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                        vec![id.into(), (MAX_LISTED as i64).into()],
                    )?
                    .to_array::<Body>()?
                    .into_iter()
                    .filter_map(|b| serde_json::from_str(&b.body).ok())
                    .collect();
                json(&list)
            }
            AdminAsk::Redeliver { id, delivery } => {
                Self::webhook(&sql, &id)?;
                let (mut d, _) = Self::delivery(&sql, &id, &delivery)?;
                let expires_at = rules::redeliver(&mut d, now, &self.schedule());
                Self::put_delivery(&sql, &d, expires_at)?;
                self.arm(now).await?;
                json(&d)
            }
        }
    }

    /// Events handed over by an emitter: each stored once (by its id),
    /// with one delivery per active webhook subscribed to it, before the
    /// answer says so.
    async fn emit(&self, mut req: Request) -> Result<Response> {
        let events: Vec<Event> = http::read_json_max(&mut req, http::MAX_SETUP_BYTES).await?;
        let sql = self.sql()?;
        let hooks = Self::webhooks(&sql)?;
        let expiry = self.schedule().expiry_ms;
        let now = http::now();
        let mut due = false;
        for event in &events {
            let known =
                sql.exec(
                    "SELECT COUNT(*) AS n FROM events WHERE id = ?",
                    vec![event.id.clone().into()],
                )?
                .one::<Count>()?
                .n > 0;
            if known {
                continue;
            }
            sql.exec(
                "INSERT INTO events (id, at) VALUES (?, ?)",
                vec![event.id.clone().into(), now.into()],
            )?;
            for hook in rules::subscribers(&hooks, event.event) {
                let d = rules::new_delivery(crate::auth::new_id("dlv"), &hook.id, event);
                Self::put_delivery(&sql, &d, event.occurred_at.max(now) + expiry)?;
                due = true;
            }
        }
        if due {
            self.arm(now).await?;
        }
        json(&Wanted {
            wanted: rules::wanted(&hooks),
        })
    }

    fn wanted(&self) -> Result<Response> {
        json(&Wanted {
            wanted: rules::wanted(&Self::webhooks(&self.sql()?)?),
        })
    }

    /// Due deliveries of active webhooks, oldest due first, not already
    /// in flight.
    fn due_now(
        sql: &SqlStorage,
        now: i64,
        room: usize,
        flying: &HashSet<String>,
    ) -> Result<Vec<DueRow>> {
        Ok(sql
            .exec(
                "SELECT d.id AS id, d.expires_at AS expires_at, d.body AS body, w.body AS hook
                 FROM deliveries d JOIN webhooks w ON w.id = d.webhook
                 WHERE d.due IS NOT NULL AND d.due <= ? AND w.active = 1
                 ORDER BY d.due LIMIT ?",
                vec![now.into(), ((room + flying.len()) as i64).into()],
            )?
            .to_array::<DueRow>()?
            .into_iter()
            .filter(|r| !flying.contains(&r.id))
            .take(room)
            .collect())
    }

    /// The alarm: attempts what is due, a window of [`MAX_IN_FLIGHT`] at a
    /// time, writing each result as it comes; then rings again when the
    /// next one is due.
    async fn deliver_due(&self) -> Result<()> {
        let sql = self.sql()?;
        let schedule = self.schedule();
        let started = http::now();
        let mut flying: HashSet<String> = HashSet::new();
        let mut in_flight = FuturesUnordered::new();
        loop {
            let now = http::now();
            if now < started + ALARM_BUDGET_MS && flying.len() < MAX_IN_FLIGHT {
                for row in Self::due_now(&sql, now, MAX_IN_FLIGHT - flying.len(), &flying)? {
                    let Ok(mut d) = serde_json::from_str::<Delivery>(&row.body) else {
                        continue;
                    };
                    if rules::due(row.expires_at, now) == Due::Expire {
                        rules::expire(&mut d);
                        Self::put_delivery(&sql, &d, row.expires_at)?;
                        continue;
                    }
                    let Ok(hook) = serde_json::from_str::<Webhook>(&row.hook) else {
                        continue;
                    };
                    flying.insert(row.id.clone());
                    in_flight.push(attempt(Post {
                        delivery: row.id,
                        event: d.event,
                        url: hook.url,
                        secret: hook.secret,
                        body: d.body,
                    }));
                }
            }
            let Some((id, result)) = in_flight.next().await else {
                break;
            };
            flying.remove(&id);
            // Read again: a redeliver or a removal may have come meanwhile.
            let row = sql
                .exec(
                    "SELECT body, expires_at FROM deliveries WHERE id = ?",
                    vec![id.into()],
                )?
                .to_array::<DeliveryRow>()?
                .into_iter()
                .next();
            if let Some(row) = row {
                if let Ok(mut d) = serde_json::from_str::<Delivery>(&row.body) {
                    if d.status == DeliveryStatus::Pending {
                        rules::record_attempt(
                            &mut d,
                            row.expires_at,
                            result,
                            http::now(),
                            &schedule,
                        );
                        Self::put_delivery(&sql, &d, row.expires_at)?;
                    }
                }
            }
        }
        let now = http::now();
        sql.exec(
            "DELETE FROM events WHERE at < ?",
            vec![(now - EVENT_IDS_KEPT_MS).into()],
        )?;
        sql.exec(
            "DELETE FROM deliveries WHERE due IS NULL AND created_at < ?",
            vec![(now - DELIVERIES_KEPT_MS).into()],
        )?;
        let next = sql
            .exec(
                "SELECT MIN(d.due) AS at FROM deliveries d JOIN webhooks w ON w.id = d.webhook
                 WHERE d.due IS NOT NULL AND w.active = 1",
                None,
            )?
            .one::<Next>()?
            .at;
        if let Some(at) = next {
            self.state
                .storage()
                .set_alarm(http::alarm_at(at.max(now)))
                .await?;
        }
        Ok(())
    }
}

/// One signed POST, with a timeout: its delivery's id and how it ended.
async fn attempt(post: Post) -> (String, Attempt) {
    let timestamp = http::now() / 1000;
    let answer = async {
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("user-agent", "LiveChat-Webhooks/1")?;
        headers.set("x-livechat-event", event_name(post.event))?;
        headers.set("x-livechat-delivery", &post.delivery)?;
        headers.set("x-livechat-timestamp", &timestamp.to_string())?;
        headers.set(
            "x-livechat-signature",
            &rules::signature(&post.secret, timestamp, &post.body),
        )?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(post.body.clone().into()));
        let request = Request::new_with_init(&post.url, &init)?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(request);
        let sent = fetch.send_with_signal(&signal);
        let timeout = Delay::from(std::time::Duration::from_millis(
            rules::ATTEMPT_TIMEOUT_MS as u64,
        ));
        futures_util::pin_mut!(sent);
        futures_util::pin_mut!(timeout);
        match futures_util::future::select(sent, timeout).await {
            futures_util::future::Either::Left((answer, _)) => {
                let response = answer?;
                Ok::<_, worker::Error>(Attempt::Answered(response.status_code()))
            }
            futures_util::future::Either::Right(_) => {
                controller.abort();
                Ok(Attempt::NoAnswer(format!(
                    "no answer within {} s",
                    rules::ATTEMPT_TIMEOUT_MS / 1000
                )))
            }
        }
    };
    let result = answer
        .await
        .unwrap_or_else(|e| Attempt::NoAnswer(format!("the request failed: {e}")));
    (post.delivery, result)
}

/// An event's name on the wire (`X-LiveChat-Event`).
pub fn event_name(event: WebhookEvent) -> &'static str {
    match event {
        WebhookEvent::ChatQueued => "chat_queued",
        WebhookEvent::ChatTaken => "chat_taken",
        WebhookEvent::VisitorMessage => "visitor_message",
        WebhookEvent::AgentMessage => "agent_message",
        WebhookEvent::ChatTransferred => "chat_transferred",
        WebhookEvent::ChatOnHold => "chat_on_hold",
        WebhookEvent::ChatClosed => "chat_closed",
        WebhookEvent::OfflineMessage => "offline_message",
        WebhookEvent::CallStarted => "call_started",
        WebhookEvent::CallEnded => "call_ended",
        WebhookEvent::Unknown => "unknown",
    }
}

impl DurableObject for WebhookObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let path = req.path();
        let answer = match path.as_str() {
            "/admin" => self.admin(req).await,
            "/emit" => self.emit(req).await,
            "/wanted" => self.wanted(),
            _ => Err(Error::refused(ErrorCode::NotFound, "no such route")),
        };
        Ok(answer.unwrap_or_else(|e| e.into_response(&format!("webhooks {path}"))))
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let result = self.deliver_due().await;
        if result.is_err() {
            // Storage failed: try again shortly rather than never.
            let retry = http::now() + 5_000;
            log_failure("webhook retry alarm", self.arm(retry).await);
        }
        log_failure("webhook alarm", result);
        Response::ok("ok")
    }
}
