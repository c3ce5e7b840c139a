//! The widget's calls of the HTTP API, typed, over the client's `gloo-net`
//! shell ([`chat_client::web::http`]), and the sentences their failures
//! become for a visitor.

use chat_client::http::HttpError;
use chat_client::web::http::{get, post};
use serde::Deserialize;
use shared::api::{
    Availability, ConversationStarted, OfflineMessageRequest, StartConversation, VisitorSession,
    VisitorSessionRequest,
};

/// Answer of `POST /api/v1/visitor/offline`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct OfflineSent {
    /// True once stored.
    pub ok: bool,
}

/// `POST /api/v1/visitor/session`: a visitor token for the site.
pub async fn visitor_session(site_key: &str) -> Result<VisitorSession, HttpError> {
    let body = VisitorSessionRequest {
        site_key: site_key.to_owned(),
    };
    post("/api/v1/visitor/session", None, Some(&body)).await
}

/// `POST /api/v1/visitor/conversations`: a new conversation for the
/// visitor whose token this is.
pub async fn start_conversation(token: &str) -> Result<ConversationStarted, HttpError> {
    let body = StartConversation::default();
    post("/api/v1/visitor/conversations", Some(token), Some(&body)).await
}

/// `GET /api/v1/visitor/availability`: whether anyone can answer on the
/// site now.
pub async fn availability(site_key: &str) -> Result<Availability, HttpError> {
    let key = String::from(js_sys::encode_uri_component(site_key));
    get(
        &format!("/api/v1/visitor/availability?site_key={key}"),
        None,
    )
    .await
}

/// `POST /api/v1/visitor/offline`: leaves a message while nobody is there.
pub async fn leave_message(message: &OfflineMessageRequest) -> Result<OfflineSent, HttpError> {
    post("/api/v1/visitor/offline", None, Some(message)).await
}

/// A sentence for the visitor when the chat could not start.
pub fn notice(error: &HttpError) -> String {
    match error {
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
