//! Small helpers shared by the worker and its Durable Objects: JSON bodies
//! with a size limit, error answers, and requests between objects.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::ApiError;
use shared::frame::{ErrorCode, Participant};
use worker::{wasm_bindgen::JsValue, Headers, Method, Request, RequestInit, Response, Stub};

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Header carrying the participant the worker authenticated, on requests
/// from the worker to an object. Clients never reach objects directly, so
/// they cannot set it.
pub const PRINCIPAL_HEADER: &str = "x-livechat-principal";

/// Header carrying, beside [`PRINCIPAL_HEADER`], what an agent's socket to
/// a conversation may do ([`chat_core::workspace::Access`], JSON).
pub const ACCESS_HEADER: &str = "x-livechat-access";

/// Header carrying, with an agent's read of a conversation, its priority
/// as the workspace keeps it ([`shared::routing::Priority`], JSON).
pub const PRIORITY_HEADER: &str = "x-livechat-priority";

/// Header carrying the agent behind an inbox socket and the generation of
/// their token ([`chat_core::workspace::Principal`], JSON).
pub const AGENT_HEADER: &str = "x-livechat-agent";

/// A JSON answer.
/// The tables an object's SQLite holds, as `{"tables": [...]}`: the
/// benchmark's and the tests' look at what an object keeps (the worker
/// serves it only where its benchmark routes are on). Reading them writes
/// nothing.
pub fn stored_tables(sql: &crate::rows::Sql) -> Result<Response> {
    #[derive(serde::Deserialize)]
    struct Name {
        name: String,
    }
    let tables: Vec<Name> = sql
        .exec(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            None,
        )?
        .to_array()?;
    let names: Vec<String> = tables.into_iter().map(|t| t.name).collect();
    json(&serde_json::json!({ "tables": names }))
}

pub fn json(value: &impl Serialize) -> Result<Response> {
    Ok(Response::from_json(value)?)
}

/// Largest body of the setup endpoint (a workspace's people and settings).
pub const MAX_SETUP_BYTES: usize = 1024 * 1024;

/// Reads a JSON body of at most [`MAX_BODY_BYTES`].
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> Result<T> {
    read_json_max(req, MAX_BODY_BYTES).await
}

/// Reads a body of at most `max` bytes as text.
pub async fn read_text(req: &mut Request, max: usize) -> Result<String> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let too_large = || {
        Error::refused(
            ErrorCode::TooLarge,
            format!("the body is larger than the {max} bytes allowed"),
        )
    };
    if declared > max {
        return Err(too_large());
    }
    let text = req
        .text()
        .await
        .map_err(|_| Error::refused(ErrorCode::BadRequest, "could not read the request body"))?;
    if text.len() > max {
        return Err(too_large());
    }
    Ok(text)
}

/// Reads a JSON body of at most `max` bytes.
pub async fn read_json_max<T: DeserializeOwned>(req: &mut Request, max: usize) -> Result<T> {
    let text = read_text(req, max).await?;
    let text = if text.trim().is_empty() { "{}" } else { &text };
    serde_json::from_str(text)
        .map_err(|e| Error::refused(ErrorCode::BadRequest, format!("invalid body: {e}")))
}

/// The bearer token of a request, from the `Authorization` header or, for
/// WebSockets, the `token` query parameter.
pub fn bearer(req: &Request) -> Option<String> {
    if let Ok(Some(h)) = req.headers().get("authorization") {
        if let Some(t) = h.strip_prefix("Bearer ") {
            return Some(t.trim().to_owned());
        }
    }
    param(&req.url().ok()?, "token")
}

/// A query parameter's value, decoded (the first when it repeats).
pub fn param(url: &worker::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// True when the request asks for a WebSocket.
pub fn is_upgrade(req: &Request) -> bool {
    req.headers()
        .get("upgrade")
        .ok()
        .flatten()
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Accepts a WebSocket only to close it at once with `code`, so a browser
/// learns why it was refused (an HTTP error on an upgrade shows as a bare
/// failure).
pub fn refuse_socket(code: u16, reason: &str) -> Result<Response> {
    let pair = worker::WebSocketPair::new()?;
    pair.server.accept()?;
    pair.server.close(Some(code), Some(reason))?;
    Ok(Response::from_websocket(pair.client)?)
}

fn object_request(
    path: &str,
    method: Method,
    headers: Headers,
    body: Option<String>,
) -> Result<Request> {
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        init.with_body(Some(JsValue::from_str(&body)));
    }
    Ok(Request::new_with_init(
        &format!("https://object{path}"),
        &init,
    )?)
}

/// Sends a JSON request to an object and returns its answer as it is.
pub async fn call(stub: &Stub, path: &str, body: &impl Serialize) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let req = object_request(
        path,
        Method::Post,
        headers,
        Some(serde_json::to_string(body)?),
    )?;
    Ok(stub.fetch_with_request(req).await?)
}

/// Sends a JSON request to an object and reads its JSON answer; an error
/// answer becomes the same refusal.
pub async fn ask<T: DeserializeOwned>(stub: &Stub, path: &str, body: &impl Serialize) -> Result<T> {
    let mut answer = call(stub, path, body).await?;
    if answer.status_code() == 200 {
        return Ok(serde_json::from_str(&answer_text(answer).await?)?);
    }
    Err(refusal_of(&mut answer).await)
}

/// An object's answer as text, read by the runtime in one step (the
/// `Response::text` of workers-rs pulls the body chunk by chunk through a
/// stream reader, a round of glue per chunk).
pub async fn answer_text(answer: Response) -> Result<String> {
    let raw: worker::web_sys::Response = answer.into();
    let promise = raw.text().map_err(worker::Error::from)?;
    let text = worker::wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(worker::Error::from)?;
    text.as_string()
        .ok_or_else(|| Error::Edge("an object's answer is not text".into()))
}

/// The refusal inside an object's error answer.
pub async fn refusal_of(answer: &mut Response) -> Error {
    // An object's limit (a sign-in's delay, a full queue) keeps its wait.
    let retry_after = answer
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<i64>().ok());
    match answer.json::<ApiError>().await {
        Ok(e) => match retry_after {
            Some(secs) => Error::Limited(chat_core::limits::Limited {
                refusal: chat_core::conversation::Refusal {
                    code: e.error.code,
                    message: e.error.message,
                },
                retry_after_ms: secs.saturating_mul(1000),
            }),
            None => Error::refused(e.error.code, e.error.message),
        },
        Err(_) => Error::Edge(format!("an object answered {}", answer.status_code())),
    }
}

/// Forwards a WebSocket upgrade to an object with headers naming who it is.
pub async fn forward_socket(stub: &Stub, path: &str, named: &[(&str, String)]) -> Result<Response> {
    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    for (name, value) in named {
        headers.set(name, value)?;
    }
    let req = object_request(path, Method::Get, headers, None)?;
    Ok(stub.fetch_with_request(req).await?)
}

/// Forwards a read to an object (`path` with its query), with headers
/// only the worker sets; the object's answer is returned as it is.
pub async fn forward_read(stub: &Stub, path: &str, named: &[(&str, String)]) -> Result<Response> {
    let headers = Headers::new();
    for (name, value) in named {
        headers.set(name, value)?;
    }
    let req = object_request(path, Method::Get, headers, None)?;
    Ok(stub.fetch_with_request(req).await?)
}

/// A JSON header set by the worker.
pub fn header<T: DeserializeOwned>(req: &Request, name: &str) -> Option<T> {
    let raw = req.headers().get(name).ok().flatten()?;
    serde_json::from_str(&raw).ok()
}

/// The participant named by [`PRINCIPAL_HEADER`].
pub fn principal(req: &Request) -> Option<Participant> {
    header(req, PRINCIPAL_HEADER)
}

/// Milliseconds since the epoch.
pub fn now() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// An absolute alarm time. (`set_alarm` reads a bare number as an offset
/// from now, so absolute times go through a `Date`.)
pub fn alarm_at(ms_since_epoch: i64) -> worker::ScheduledTime {
    worker::ScheduledTime::new(worker::js_sys::Date::new(&JsValue::from_f64(
        ms_since_epoch as f64,
    )))
}
