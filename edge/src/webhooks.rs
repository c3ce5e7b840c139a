//! Webhooks in the worker: the administration routes (each starts with
//! [`crate::admin::authorize`], then asks the workspace's
//! [`crate::webhook_object::WebhookObject`]), and the outbox the emitting
//! objects keep.
//!
//! An emitter (a conversation, a workspace) writes each event into its own
//! SQLite outbox in the same synchronous step as the change it reports,
//! before that change is acknowledged; [`flush`] then hands the outbox to
//! the webhook object, which stores each event once by its id, and deletes
//! what the webhook object confirmed. A failed hand-off stays in the outbox
//! and is retried from the emitter's alarm.

use crate::admin::authorize;
use crate::error::{Error, Result};
use crate::http;
use crate::rows::Sql;
use crate::webhook_object::{AdminAsk, Wanted};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chat_core::webhooks::Event;
use shared::admin::{WebhookEvent, WebhookRequest};
use shared::frame::ErrorCode;
use worker::{Env, Method, Request, Response, Stub};

/// The emitters' outbox: events not yet confirmed by the webhook object.
pub const OUTBOX_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS webhook_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  body TEXT NOT NULL
);
";

/// At most this many events go in one hand-off.
const BATCH: i64 = 200;

/// How long after a failed hand-off the emitter tries again.
pub const HAND_OFF_RETRY_MS: i64 = 5_000;

/// `/api/v1/admin/webhooks…`: `rest` is what follows `webhooks` in the
/// path.
pub async fn route(req: Request, env: &Env, rest: &[&str]) -> Result<Response> {
    let method = req.method();
    let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    admin_route(req, env, method, rest).await
}

async fn admin_route(
    mut req: Request,
    env: &Env,
    method: Method,
    rest: Vec<String>,
) -> Result<Response> {
    let admin = authorize(&req, env).await?;
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let ask = match (method, rest.as_slice()) {
        (Method::Get, []) => AdminAsk::List,
        (Method::Post, []) => AdminAsk::Create {
            request: read_request(&mut req).await?,
            id: crate::auth::new_id("wh"),
            secret: format!(
                "whsec_{}",
                URL_SAFE_NO_PAD.encode(crate::auth::random_bytes::<32>())
            ),
        },
        (Method::Put, [id]) => AdminAsk::Update {
            id: id.to_string(),
            request: read_request(&mut req).await?,
        },
        (Method::Delete, [id]) => AdminAsk::Remove { id: id.to_string() },
        (Method::Get, [id, "deliveries"]) => AdminAsk::Deliveries { id: id.to_string() },
        (Method::Post, [id, "deliveries", delivery, "redeliver"]) => AdminAsk::Redeliver {
            id: id.to_string(),
            delivery: delivery.to_string(),
        },
        _ => return Err(Error::refused(ErrorCode::NotFound, "no such route")),
    };
    let audited = match &ask {
        AdminAsk::Create { request, .. } => Some((
            "webhook.create",
            String::new(),
            format!(
                "Added the webhook \"{}\" ({})",
                request.name.trim(),
                request.url.trim()
            ),
        )),
        AdminAsk::Update { id, request } => Some((
            "webhook.update",
            id.clone(),
            format!(
                "Changed the webhook \"{}\" ({})",
                request.name.trim(),
                request.url.trim()
            ),
        )),
        AdminAsk::Remove { id } => {
            Some(("webhook.remove", id.clone(), "Removed a webhook".to_owned()))
        }
        AdminAsk::Redeliver { id, delivery } => Some((
            "webhook.redeliver",
            id.clone(),
            format!("Asked for delivery {delivery} again"),
        )),
        AdminAsk::List | AdminAsk::Deliveries { .. } => None,
    };
    let answer = http::call(&stub(env, &admin.workspace)?, "/admin", &ask).await?;
    // Only a change that was made is written to the audit log.
    if let (Some((what, target, summary)), 200) = (audited, answer.status_code()) {
        let target = match &ask {
            AdminAsk::Create { id, .. } => id.clone(),
            _ => target,
        };
        crate::admin::audit(env, &admin, what, &target, &summary).await?;
        if matches!(
            ask,
            AdminAsk::Create { .. } | AdminAsk::Update { .. } | AdminAsk::Remove { .. }
        ) {
            // The workspace asks what is wanted now, and tells new and
            // open conversations.
            let workspace = crate::workspace(env, &admin.workspace)?;
            let changed = crate::workspace_object::WebhooksChanged {
                workspace: admin.workspace.clone(),
            };
            http::ask::<serde_json::Value>(&workspace, "/webhooks-changed", &changed).await?;
        }
    }
    Ok(answer)
}

async fn read_request(req: &mut Request) -> Result<WebhookRequest> {
    http::read_json(req).await
}

/// The workspace's webhook object.
pub fn stub(env: &Env, workspace: &str) -> Result<Stub> {
    Ok(env.durable_object("WEBHOOKS")?.get_by_name(workspace)?)
}

/// Writes an event into an emitter's outbox (synchronously, with the
/// change it reports).
pub fn queue(sql: &Sql, event: &Event) -> Result<()> {
    sql.exec(
        "INSERT INTO webhook_outbox (body) VALUES (?)",
        vec![serde_json::to_string(event)?.into()],
    )?;
    Ok(())
}

/// Whether the outbox holds anything.
pub fn pending(sql: &Sql) -> Result<bool> {
    #[derive(serde::Deserialize)]
    struct N {
        n: i64,
    }
    Ok(sql
        .exec("SELECT COUNT(*) AS n FROM webhook_outbox", None)?
        .one::<N>()?
        .n
        > 0)
}

/// Hands the outbox to the workspace's webhook object, batch by batch,
/// deleting what it confirmed. Answers what the webhook object says is
/// wanted now, or `None` when the outbox was empty.
pub async fn flush(sql: &Sql, env: &Env, workspace: &str) -> Result<Option<Wanted>> {
    #[derive(serde::Deserialize)]
    struct Row {
        seq: i64,
        body: String,
    }
    let mut wanted = None;
    loop {
        let rows = sql
            .exec(
                "SELECT seq, body FROM webhook_outbox ORDER BY seq LIMIT ?",
                vec![BATCH.into()],
            )?
            .to_array::<Row>()?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            return Ok(wanted);
        };
        let events: Vec<Event> = rows
            .iter()
            .filter_map(|r| serde_json::from_str(&r.body).ok())
            .collect();
        let answer: Wanted = http::ask(&stub(env, workspace)?, "/emit", &events).await?;
        sql.exec(
            "DELETE FROM webhook_outbox WHERE seq <= ?",
            vec![last.into()],
        )?;
        wanted = Some(answer);
    }
}

/// The events a workspace's webhooks want now (the conversation's cache
/// when its outbox had nothing to hand over).
pub async fn wanted(env: &Env, workspace: &str) -> Result<Vec<WebhookEvent>> {
    let answer: Wanted = http::ask(&stub(env, workspace)?, "/wanted", &()).await?;
    Ok(answer.wanted)
}
