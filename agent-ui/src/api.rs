//! The HTTP API under `/api/v1` that the agent app calls: sign in, who am I,
//! take a conversation. Bodies are the `shared::api` types; every failure is
//! an [`ApiFailure`] the screens turn into a sentence.

use serde::de::DeserializeOwned;
use shared::api::{AgentProfile, ApiError, LoginRequest, LoginResponse, Taken};
use shared::{ConversationId, ErrorCode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// Why a request did not give the expected answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiFailure {
    /// The server could not be reached, or answered something unreadable.
    Network,
    /// The server answered with an error.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The stable error code.
        code: ErrorCode,
        /// The server's sentence for people.
        message: String,
    },
}

impl ApiFailure {
    /// The error code, if the server answered one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiFailure::Network => None,
            ApiFailure::Refused { code, .. } => Some(*code),
        }
    }

    /// True when the token is missing, expired or revoked: sign in again.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiFailure::Refused { status: 401, .. })
    }

    /// A sentence for people.
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Network => {
                "Could not reach the server. Check your connection and try again.".into()
            }
            ApiFailure::Refused { message, .. } => message.clone(),
        }
    }
}

/// `POST /api/v1/agent/login`.
pub async fn login(request: &LoginRequest) -> Result<LoginResponse, ApiFailure> {
    let body = serde_json::to_string(request).map_err(|_| ApiFailure::Network)?;
    call("POST", "/api/v1/agent/login", None, Some(body)).await
}

/// `GET /api/v1/agent/me`: checks a stored token.
pub async fn me(token: &str) -> Result<AgentProfile, ApiFailure> {
    call("GET", "/api/v1/agent/me", Some(token), None).await
}

/// `POST /api/v1/agent/conversations/{id}/take`.
pub async fn take(token: &str, id: &ConversationId) -> Result<Taken, ApiFailure> {
    let path = format!("/api/v1/agent/conversations/{id}/take");
    call("POST", &path, Some(token), None).await
}

async fn call<T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Result<T, ApiFailure> {
    let (status, text) = fetch(method, path, token, body)
        .await
        .map_err(|_| ApiFailure::Network)?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|_| ApiFailure::Network);
    }
    Err(match serde_json::from_str::<ApiError>(&text) {
        Ok(e) => ApiFailure::Refused {
            status,
            code: e.error.code,
            message: e.error.message,
        },
        // A proxy or an old worker may answer without our error body.
        Err(_) => ApiFailure::Refused {
            status,
            code: ErrorCode::Unknown,
            message: format!("The server answered {status}. Please try again."),
        },
    })
}

/// One request with the browser's `fetch`: the status and the body text.
async fn fetch(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Result<(u16, String), JsValue> {
    let headers = Headers::new()?;
    headers.set("Accept", "application/json")?;
    if let Some(token) = token {
        headers.set("Authorization", &format!("Bearer {token}"))?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init)?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await?
        .dyn_into()?;
    let text = JsFuture::from(response.text()?).await?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}
