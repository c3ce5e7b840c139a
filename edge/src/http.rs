//! Small helpers shared by the worker and its Durable Objects: JSON bodies
//! with a size limit, error answers, and requests between objects.

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::ApiError;
use shared::frame::{ErrorCode, Participant};
use worker::{
    wasm_bindgen::JsValue, Headers, Method, Request, RequestInit, Response, Result, Stub,
};

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Header carrying the participant the worker authenticated, on requests
/// from the worker to an object. Clients never reach objects directly, so
/// they cannot set it.
pub const PRINCIPAL_HEADER: &str = "x-livechat-principal";

/// Header set, beside [`PRINCIPAL_HEADER`], when that participant may read a
/// conversation but not reply in it (their role's grants).
pub const READ_ONLY_HEADER: &str = "x-livechat-read-only";

/// An error answer with its stable code and the matching status.
pub fn error(code: ErrorCode, message: impl Into<String>) -> Result<Response> {
    Ok(Response::from_json(&ApiError::new(code, message))?.with_status(code.http_status()))
}

/// A JSON answer.
pub fn json(value: &impl Serialize) -> Result<Response> {
    Response::from_json(value)
}

/// Largest body of the setup endpoint (a workspace's people and settings).
pub const MAX_SETUP_BYTES: usize = 1024 * 1024;

/// Reads a JSON body of at most [`MAX_BODY_BYTES`]; `Err` holds the error
/// answer to send.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> std::result::Result<T, Response> {
    read_json_max(req, MAX_BODY_BYTES).await
}

/// Reads a JSON body of at most `max` bytes.
pub async fn read_json_max<T: DeserializeOwned>(
    req: &mut Request,
    max: usize,
) -> std::result::Result<T, Response> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > max {
        return Err(too_large(max));
    }
    let text = match req.text().await {
        Ok(text) => text,
        Err(_) => {
            return Err(fail(
                ErrorCode::BadRequest,
                "could not read the request body",
            ))
        }
    };
    if text.len() > max {
        return Err(too_large(max));
    }
    let text = if text.trim().is_empty() { "{}" } else { &text };
    serde_json::from_str(text)
        .map_err(|e| fail(ErrorCode::BadRequest, format!("invalid body: {e}")))
}

fn too_large(max: usize) -> Response {
    fail(
        ErrorCode::TooLarge,
        format!("the body is larger than the {max} bytes allowed"),
    )
}

/// Like [`error`], for places that need a `Response` and cannot fail.
pub fn fail(code: ErrorCode, message: impl Into<String>) -> Response {
    error(code, message).unwrap_or_else(|_| {
        Response::empty()
            .expect("an empty response always builds")
            .with_status(500)
    })
}

/// The bearer token of a request, from the `Authorization` header or, for
/// WebSockets, the `token` query parameter.
pub fn bearer(req: &Request) -> Option<String> {
    if let Ok(Some(h)) = req.headers().get("authorization") {
        if let Some(t) = h.strip_prefix("Bearer ") {
            return Some(t.trim().to_owned());
        }
    }
    let url = req.url().ok()?;
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    token
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
    Response::from_websocket(pair.client)
}

/// Sends a JSON request to an object and returns its answer.
pub async fn call(stub: &Stub, path: &str, body: &impl Serialize) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(&serde_json::to_string(body)?)));
    stub.fetch_with_request(Request::new_with_init(
        &format!("https://object{path}"),
        &init,
    )?)
    .await
}

/// Forwards a WebSocket upgrade to an object, naming the participant and
/// whether they may write.
pub async fn forward_socket(
    stub: &Stub,
    path: &str,
    who: &Participant,
    may_reply: bool,
) -> Result<Response> {
    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    headers.set(PRINCIPAL_HEADER, &serde_json::to_string(who)?)?;
    if !may_reply {
        headers.set(READ_ONLY_HEADER, "1")?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    stub.fetch_with_request(Request::new_with_init(
        &format!("https://object{path}"),
        &init,
    )?)
    .await
}

/// Whether the participant of a forwarded socket may write.
pub fn may_reply(req: &Request) -> bool {
    !matches!(req.headers().get(READ_ONLY_HEADER), Ok(Some(_)))
}

/// The participant named by [`PRINCIPAL_HEADER`].
pub fn principal(req: &Request) -> Option<Participant> {
    let raw = req.headers().get(PRINCIPAL_HEADER).ok().flatten()?;
    serde_json::from_str(&raw).ok()
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
