//! The widget's HTTP calls over the browser's `fetch`, answered through a
//! callback (no futures): a JSON body in, the parsed JSON answer out (read
//! with [`crate::js`]), a bearer token when given, every failure a
//! [`HttpError`] with the server's sentence. Paths are relative to the
//! frame's origin, where the worker serves the API.

use crate::i18n::join;
use crate::js;
use chat_client::http::HttpError;
use shared::frame::ErrorCode;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Headers, RequestInit, Response};

type Done = Box<dyn FnOnce(Result<(u16, String), HttpError>)>;

/// Sends a request; `done` gets the status and the body's text, or
/// `Network` when no answer came.
fn send(method: &str, path: &str, token: Option<&str>, body: Option<(&JsValue, &str)>, done: Done) {
    let Some(window) = web_sys::window() else {
        return done(Err(HttpError::Network));
    };
    let init = RequestInit::new();
    init.set_method(method);
    if let Ok(headers) = Headers::new() {
        let _ = headers.set("Accept", "application/json");
        if let Some(token) = token {
            let _ = headers.set("Authorization", &join(&["Bearer ", token]));
        }
        if let Some((_, content_type)) = body {
            let _ = headers.set("Content-Type", content_type);
        }
        init.set_headers(&headers);
    }
    if let Some((body, _)) = body {
        init.set_body(body);
    }
    // Whichever callback comes first takes `done`.
    let done = Rc::new(Cell::new(Some(done)));
    let lost = |done: Rc<Cell<Option<Done>>>| {
        Closure::<dyn FnMut(JsValue)>::once(move |_: JsValue| {
            if let Some(done) = done.take() {
                done(Err(HttpError::Network));
            }
        })
    };
    let fail = lost(done.clone());
    let answered = Closure::<dyn FnMut(JsValue)>::once(move |response: JsValue| {
        let response: Response = response.unchecked_into();
        let status = response.status();
        let Ok(text) = response.text() else {
            if let Some(done) = done.take() {
                done(Err(HttpError::Network));
            }
            return;
        };
        let ko = lost(done.clone());
        let ok = Closure::<dyn FnMut(JsValue)>::once(move |text: JsValue| {
            if let Some(done) = done.take() {
                done(Ok((status, text.as_string().unwrap_or_default())));
            }
        });
        let _ = text.then2(&ok, &ko);
        // Each pair lives until the page goes: a request leaves two small
        // closures behind, the price of callbacks without futures.
        ok.forget();
        ko.forget();
    });
    let _ = window
        .fetch_with_str_and_init(path, &init)
        .then2(&answered, &fail);
    answered.forget();
    fail.forget();
}

/// Reads an answer: a 2xx body as parsed JSON, anything else as the error
/// it says (its `error.message`).
fn read(status: u16, text: &str) -> Result<JsValue, HttpError> {
    let body = js::parse(text);
    if (200..300).contains(&status) {
        return body.ok_or(HttpError::BadBody);
    }
    Err(HttpError::Status {
        status,
        code: ErrorCode::Unknown,
        message: body.and_then(|b| js::string(&js::get(&b, "error"), "message")),
    })
}

/// `method path` with an optional JSON `body`; `done` gets the parsed
/// answer.
pub fn call(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<JsValue>,
    done: impl FnOnce(Result<JsValue, HttpError>) + 'static,
) {
    let text = body.map(|b| JsValue::from_str(&js::stringify(&b)));
    send(
        method,
        path,
        token,
        text.as_ref().map(|t| (t, "application/json")),
        Box::new(move |answer| done(answer.and_then(|(status, text)| read(status, &text)))),
    );
}

/// `GET path`.
pub fn get(
    path: &str,
    token: Option<&str>,
    done: impl FnOnce(Result<JsValue, HttpError>) + 'static,
) {
    call("GET", path, token, None, done)
}

/// `POST path` with `body` (a `Blob` or `File`) as the raw body of type
/// `content_type`; `done` gets the answer's text.
pub fn upload(
    path: &str,
    token: &str,
    body: &web_sys::Blob,
    content_type: &str,
    done: impl FnOnce(Result<String, HttpError>) + 'static,
) {
    send(
        "POST",
        path,
        Some(token),
        Some((body.as_ref(), content_type)),
        Box::new(move |answer| {
            done(answer.and_then(|(status, text)| {
                read(status, &text)?;
                Ok(text)
            }))
        }),
    );
}

/// A path's query value, percent-encoded.
pub fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}
