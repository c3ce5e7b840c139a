//! The HTTP API under `/api/v1` that the agent app calls: sign in, who am I,
//! take a conversation, the agent's status and the directory, the offline
//! messages, a conversation's priority, a contact's chat history, and the
//! lifecycle actions (accept, decline, hold, resume, queue, forward, close).
//! Bodies are the `shared::api` types; every failure
//! is an [`ApiFailure`] the screens turn into a sentence.

use serde::de::DeserializeOwned;
use shared::api::{
    AgentProfile, ApiError, CloseRequest, Directory, ForwardRequest, LoginRequest, LoginResponse,
    OfflineMessage, PriorityRequest, StatusRequest, Taken,
};
use shared::inbox::ConversationSummary;
use shared::routing::{AgentStatus, Priority};
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

/// `POST /api/v1/agent/status`.
pub async fn set_status(token: &str, status: AgentStatus) -> Result<(), ApiFailure> {
    let body = serde_json::to_string(&StatusRequest { status }).map_err(|_| ApiFailure::Network)?;
    call::<serde_json::Value>("POST", "/api/v1/agent/status", Some(token), Some(body))
        .await
        .map(drop)
}

/// `GET /api/v1/agent/directory`: departments, and agents with availability.
pub async fn directory(token: &str) -> Result<Directory, ApiFailure> {
    call("GET", "/api/v1/agent/directory", Some(token), None).await
}

/// `GET /api/v1/agent/offline-messages`: the messages visitors left for the
/// agent's departments while nobody could answer, newest first.
pub async fn offline_messages(token: &str) -> Result<Vec<OfflineMessage>, ApiFailure> {
    call("GET", "/api/v1/agent/offline-messages", Some(token), None).await
}

/// `POST /api/v1/agent/conversations/{id}/priority`: answers the
/// conversation as the workspace now lists it.
pub async fn set_priority(
    token: &str,
    id: &ConversationId,
    priority: Priority,
) -> Result<ConversationSummary, ApiFailure> {
    let body =
        serde_json::to_string(&PriorityRequest { priority }).map_err(|_| ApiFailure::Network)?;
    let path = format!("/api/v1/agent/conversations/{id}/priority");
    call("POST", &path, Some(token), Some(body)).await
}

/// `GET /api/v1/agent/conversations/{id}/history`: every conversation of
/// `id`'s visitor (the contact) the agent may open, newest first, `id`
/// included, closed ones included.
pub async fn history(
    token: &str,
    id: &ConversationId,
) -> Result<Vec<ConversationSummary>, ApiFailure> {
    let path = format!("/api/v1/agent/conversations/{id}/history");
    call("GET", &path, Some(token), None).await
}

/// A lifecycle action on a conversation, with its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Accept an offer.
    Accept,
    /// Decline an offer.
    Decline,
    /// "Place on hold".
    Hold,
    /// "Resume".
    Resume,
    /// "Move to the queue".
    Queue,
    /// "Forward".
    Forward(ForwardRequest),
    /// "Close".
    Close(CloseRequest),
}

impl Action {
    /// The last segment of the endpoint's path.
    fn path(&self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Hold => "hold",
            Action::Resume => "resume",
            Action::Queue => "queue",
            Action::Forward(_) => "forward",
            Action::Close(_) => "close",
        }
    }

    fn body(&self) -> Option<String> {
        match self {
            Action::Forward(f) => serde_json::to_string(f).ok(),
            Action::Close(c) => serde_json::to_string(c).ok(),
            _ => None,
        }
    }
}

/// `POST /api/v1/agent/conversations/{id}/{action}`. The answer's body is
/// not needed: the inbox and conversation sockets bring the changes.
pub async fn act(token: &str, id: &ConversationId, action: &Action) -> Result<(), ApiFailure> {
    let path = format!("/api/v1/agent/conversations/{id}/{}", action.path());
    call::<serde_json::Value>("POST", &path, Some(token), action.body())
        .await
        .map(drop)
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
