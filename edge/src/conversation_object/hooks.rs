//! Webhook events: the outbox a conversation writes in the step that
//! makes them, and its hand-off to the workspace's webhook object.

use super::{write, Room, Value};
use crate::error::{Error, Result};
use crate::http::{self, json};
use crate::rows::Sql;
use chat_core::conversation::Meta;
use chat_core::webhooks::Known;
use shared::admin::WebhookEvent;
use shared::frame::Message;
use worker::{Request, Response};

/// What a step put in the webhook outbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Queued {
    /// Nothing.
    #[default]
    Nothing,
    /// Message events only: handed off together a moment later.
    Messages,
    /// A change of the conversation: handed off at once.
    Change,
}

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

    pub(super) fn queue_events(
        &self,
        sql: &Sql,
        before: Option<&Meta>,
        after: &Meta,
    ) -> Result<()> {
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
            self.outbox(sql, true)?;
            crate::webhooks::queue(sql, &event)?;
        }
        self.queued(Queued::Change);
        Ok(())
    }

    /// The workspace tells what its webhooks want now (an administrator
    /// changed them): kept, and stored for after an eviction.
    pub(super) async fn webhooks_wanted(&self, mut req: Request) -> Result<Response> {
        let known: Known = http::read_json(&mut req).await?;
        self.keep_known(&self.sql(), known)?;
        json(&serde_json::json!({}))
    }

    /// Keeps what the conversation now knows of its webhooks, in memory
    /// and in storage for after an eviction.
    pub(super) fn keep_known(&self, sql: &Sql, known: Known) -> Result<()> {
        write(
            sql,
            "INSERT OR REPLACE INTO kv (key, value) VALUES ('webhooks_wanted', ?)",
            vec![serde_json::to_string(&known)?.into()],
        )?;
        *self.hooks.borrow_mut() = Some(Some(known));
        Ok(())
    }

    /// Whether `event` goes to the outbox (see [`Known::queues`]), by
    /// what this conversation knows; read from storage the first time.
    fn wants(&self, sql: &Sql, event: WebhookEvent, now: i64) -> bool {
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

    pub(super) fn queue_message_event(&self, sql: &Sql, m: &Message) -> Result<()> {
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
        self.outbox(sql, true)?;
        crate::webhooks::queue(sql, &event)?;
        self.queued(Queued::Messages);
        Ok(())
    }

    /// After a step: rings the alarm for what it put in the outbox.
    pub(super) async fn schedule_hand_off(&self) {
        let at = match self.hooks_queued.replace(Queued::Nothing) {
            Queued::Nothing => return,
            Queued::Change => http::now(),
            Queued::Messages => http::now() + MESSAGE_BATCH_MS,
        };
        self.arm(at, "webhook hand-off alarm").await;
    }

    /// Hands the outbox to the webhook object; what it answers is what
    /// the conversation knows of its webhooks from now on. A failure is
    /// retried by the alarm.
    pub(super) async fn hand_off_events(&self) {
        let handed = async {
            // Loaded, the tables are current; the outbox exists once an
            // event went in.
            self.ensure_loaded()?;
            let sql = self.sql();
            let Ok(workspace) = self.workspace() else {
                return Ok(());
            };
            if !self.outbox(&sql, false)? {
                return Ok(());
            }
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
            self.arm(
                http::now() + crate::webhooks::HAND_OFF_RETRY_MS,
                "webhook hand-off retry alarm",
            )
            .await;
        }
    }
}
