//! The HTTP API under `/api/v1` that the agent app calls: sign in, who am I,
//! take a conversation, the agent's status and the directory, the offline
//! messages, a conversation's priority, a contact's chat history, and the
//! lifecycle actions (accept, decline, hold, resume, queue, forward, close).
//! Thin typed calls over the client's `gloo-net` shell
//! ([`chat_client::web::http`]); bodies are the `shared::api` types; every
//! failure is an [`HttpError`] that [`message`] turns into a sentence.

pub use chat_client::http::HttpError;

pub mod admin;

use chat_client::web::http::{get, post};
use shared::api::{
    AgentProfile, CloseRequest, Directory, ForwardRequest, LoginRequest, LoginResponse,
    OfflineMessage, PriorityRequest, StatusRequest, Taken,
};
use shared::inbox::ConversationSummary;
use shared::routing::{AgentStatus, Priority};
use shared::ConversationId;

/// A sentence for people: the server's own, when it sent one.
pub fn message(e: &HttpError) -> String {
    match e {
        HttpError::Network => {
            "Could not reach the server. Check your connection and try again.".into()
        }
        HttpError::BadBody => "The server answered something unexpected. Please try again.".into(),
        HttpError::Status {
            message: Some(message),
            ..
        } => message.clone(),
        HttpError::Status { status, .. } => {
            format!("The server answered {status}. Please try again.")
        }
    }
}

/// No body, for the requests that take none.
const NO_BODY: Option<&()> = None;

/// `POST /api/v1/agent/login`.
pub async fn login(request: &LoginRequest) -> Result<LoginResponse, HttpError> {
    post("/api/v1/agent/login", None, Some(request)).await
}

/// `GET /api/v1/agent/me`: checks a stored token.
pub async fn me(token: &str) -> Result<AgentProfile, HttpError> {
    get("/api/v1/agent/me", Some(token)).await
}

/// `POST /api/v1/agent/conversations/{id}/take`.
pub async fn take(token: &str, id: &ConversationId) -> Result<Taken, HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/take");
    post(&path, Some(token), NO_BODY).await
}

/// `POST /api/v1/agent/status`.
pub async fn set_status(token: &str, status: AgentStatus) -> Result<(), HttpError> {
    let body = StatusRequest { status };
    post::<_, serde_json::Value>("/api/v1/agent/status", Some(token), Some(&body))
        .await
        .map(drop)
}

/// `GET /api/v1/agent/directory`: departments, and agents with availability.
pub async fn directory(token: &str) -> Result<Directory, HttpError> {
    get("/api/v1/agent/directory", Some(token)).await
}

/// `GET /api/v1/agent/offline-messages`: the messages visitors left for the
/// agent's departments while nobody could answer, newest first.
pub async fn offline_messages(token: &str) -> Result<Vec<OfflineMessage>, HttpError> {
    get("/api/v1/agent/offline-messages", Some(token)).await
}

/// `POST /api/v1/agent/conversations/{id}/priority`: answers the
/// conversation as the workspace now lists it.
pub async fn set_priority(
    token: &str,
    id: &ConversationId,
    priority: Priority,
) -> Result<ConversationSummary, HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/priority");
    post(&path, Some(token), Some(&PriorityRequest { priority })).await
}

/// `GET /api/v1/agent/conversations/{id}/history`: every conversation of
/// `id`'s visitor (the contact) the agent may open, newest first, `id`
/// included, closed ones included.
pub async fn history(
    token: &str,
    id: &ConversationId,
) -> Result<Vec<ConversationSummary>, HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/history");
    get(&path, Some(token)).await
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

    fn body(&self) -> Option<Body<'_>> {
        match self {
            Action::Forward(f) => Some(Body::Forward(f)),
            Action::Close(c) => Some(Body::Close(c)),
            _ => None,
        }
    }
}

/// `POST /api/v1/agent/conversations/{id}/{action}`. The answer's body is
/// not needed: the inbox and conversation sockets bring the changes.
pub async fn act(token: &str, id: &ConversationId, action: &Action) -> Result<(), HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/{}", action.path());
    post::<_, serde_json::Value>(&path, Some(token), action.body().as_ref())
        .await
        .map(drop)
}

/// The body of an action that has one.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Body<'a> {
    Forward(&'a ForwardRequest),
    Close(&'a CloseRequest),
}

/// `POST /api/v1/agent/conversations/{id}/invite` (`/invite @username`):
/// answers the conversation as the workspace now lists it; a username that
/// is not an agent's is refused with "User is not an agent".
pub async fn invite(
    token: &str,
    id: &ConversationId,
    username: &str,
) -> Result<ConversationSummary, HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/invite");
    let body = shared::room::InviteRequest {
        username: username.to_owned(),
    };
    post(&path, Some(token), Some(&body)).await
}

/// `GET /api/v1/agent/canned`: the canned responses the agent sees.
pub async fn canned(token: &str) -> Result<Vec<shared::canned::CannedResponse>, HttpError> {
    get("/api/v1/agent/canned", Some(token)).await
}

/// `POST /api/v1/agent/canned`: makes a canned response.
pub async fn save_canned(
    token: &str,
    request: &shared::canned::CannedRequest,
) -> Result<shared::canned::CannedResponse, HttpError> {
    post("/api/v1/agent/canned", Some(token), Some(request)).await
}

/// `DELETE /api/v1/agent/canned/{id}`.
pub async fn remove_canned(token: &str, id: &str) -> Result<(), HttpError> {
    chat_client::web::http::delete::<serde_json::Value>(
        &format!("/api/v1/agent/canned/{id}"),
        Some(token),
    )
    .await
    .map(drop)
}

/// `GET /api/v1/agent/conversations/{id}/room`: "Room information".
pub async fn room(token: &str, id: &ConversationId) -> Result<shared::room::RoomInfo, HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/room");
    get(&path, Some(token)).await
}

/// `POST /api/v1/agent/conversations/{id}/room`: changes the topic, tags
/// or priority; answers the conversation as the workspace now lists it.
pub async fn edit_room(
    token: &str,
    id: &ConversationId,
    edit: &shared::room::RoomEdit,
) -> Result<ConversationSummary, HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/room");
    post(&path, Some(token), Some(edit)).await
}

/// `GET /api/v1/agent/conversations/{id}/search?q=&regex=`: the messages
/// the agent may read that match, oldest first.
pub async fn search(
    token: &str,
    id: &ConversationId,
    query: &str,
    regex: bool,
) -> Result<shared::room::SearchResults, HttpError> {
    let q = js_sys::encode_uri_component(query);
    let path = format!("/api/v1/agent/conversations/{id}/search?q={q}&regex={regex}");
    get(&path, Some(token)).await
}

/// `GET /api/v1/agent/all-chats`: every open conversation of the
/// workspace, for supervisors.
pub async fn all_chats(token: &str) -> Result<shared::room::AllChats, HttpError> {
    get("/api/v1/agent/all-chats", Some(token)).await
}

/// `GET /api/v1/agent/me/preferences` ("My account").
pub async fn preferences(token: &str) -> Result<shared::api::Preferences, HttpError> {
    get("/api/v1/agent/me/preferences", Some(token)).await
}

/// `PUT /api/v1/agent/me/preferences`.
pub async fn save_preferences(
    token: &str,
    preferences: &shared::api::Preferences,
) -> Result<(), HttpError> {
    chat_client::web::http::put::<_, serde_json::Value>(
        "/api/v1/agent/me/preferences",
        Some(token),
        preferences,
    )
    .await
    .map(drop)
}

/// `GET /api/v1/agent/conversations/{id}/transcript.pdf`: the PDF's bytes.
pub async fn transcript_pdf(
    token: &str,
    id: &ConversationId,
    attachments: bool,
) -> Result<Vec<u8>, HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/transcript.pdf?attachments={attachments}");
    chat_client::web::http::get_bytes(&path, Some(token)).await
}

/// `POST /api/v1/agent/conversations/{id}/transcript/email`.
pub async fn email_transcript(token: &str, id: &ConversationId, to: &str) -> Result<(), HttpError> {
    let path = format!("/api/v1/agent/conversations/{id}/transcript/email");
    post::<_, serde_json::Value>(&path, Some(token), Some(&serde_json::json!({ "to": to })))
        .await
        .map(drop)
}
