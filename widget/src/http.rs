//! JSON over `fetch` to the edge's HTTP API, with the error answers read
//! into sentences a visitor can act on. Plain `web_sys`, no HTTP crate, to
//! keep the Wasm small.

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// Why a request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// No answer at all: offline, blocked, or the server is down.
    Network,
    /// An error answer; `message` is the server's sentence when it sent one.
    Status {
        /// The HTTP status.
        status: u16,
        /// The `error.message` of the body.
        message: Option<String>,
    },
    /// A success answer whose body is not what the API documents.
    BadBody,
}

impl HttpError {
    /// A sentence for the visitor.
    pub fn notice(&self) -> String {
        match self {
            HttpError::Network => {
                "We couldn't reach the chat. Check your connection and try again.".to_owned()
            }
            HttpError::Status { status: 404, .. } => {
                "This chat is not available on this site.".to_owned()
            }
            HttpError::Status { status: 429, .. } => {
                "Too many attempts. Please wait a moment and try again.".to_owned()
            }
            HttpError::Status {
                message: Some(message),
                ..
            } => format!("The chat could not start: {message}"),
            HttpError::Status { status, .. } => {
                format!("The chat could not start (error {status}). Please try again.")
            }
            HttpError::BadBody => "The chat could not start. Please try again.".to_owned(),
        }
    }

    /// True when the server refused the token itself (401 or 403).
    pub fn refused_token(&self) -> bool {
        matches!(
            self,
            HttpError::Status {
                status: 401 | 403,
                ..
            }
        )
    }
}

/// `POST`s `body` as JSON to `path` on the frame's own origin, with the
/// bearer `token` if given, and reads the answer as `R`.
pub async fn post_json<B: Serialize, R: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> Result<R, HttpError> {
    let body = serde_json::to_string(body).map_err(|_| HttpError::BadBody)?;
    read(request("POST", path, token, Some(&body)).await)
}

/// `GET`s `path` on the frame's own origin, with the bearer `token` if
/// given, and reads the answer as `R`.
pub async fn get_json<R: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
) -> Result<R, HttpError> {
    read(request("GET", path, token, None).await)
}

fn read<R: DeserializeOwned>(answer: Result<(u16, String), JsValue>) -> Result<R, HttpError> {
    let (status, text) = answer.map_err(|_| HttpError::Network)?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|_| HttpError::BadBody);
    }
    let message = serde_json::from_str::<ApiError>(&text)
        .ok()
        .map(|e| e.error.message);
    Err(HttpError::Status { status, message })
}

async fn request(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(u16, String), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let headers = Headers::new()?;
    if let Some(token) = token {
        headers.set("Authorization", &format!("Bearer {token}"))?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}
