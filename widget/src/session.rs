//! The visitor's session on this site: a token, their id and their
//! conversation, kept in the frame's `localStorage` under
//! `livechat:<site key>` so the conversation survives a reload. Nothing is
//! stored before the visitor opened the chat: this code only runs then.

use crate::http;
use chat_client::http::HttpError;
use serde::{Deserialize, Serialize};
use shared::ids::{is_valid_id, ConversationId, VisitorId};

/// What is stored per site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    /// The visitor's bearer token.
    pub token: String,
    /// The visitor.
    pub visitor_id: VisitorId,
    /// Their conversation.
    pub conversation_id: ConversationId,
}

fn key(site_key: &str) -> String {
    format!("livechat:{site_key}")
}

fn storage() -> Option<web_sys::Storage> {
    // Storage may be refused (privacy settings); the chat then lasts as long
    // as the page.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored session of this site, if a well-formed one is there.
pub fn load(site_key: &str) -> Option<StoredSession> {
    let text = storage()?.get_item(&key(site_key)).ok()??;
    let session: StoredSession = serde_json::from_str(&text).ok()?;
    // The id goes into a URL path: refuse anything the server never made.
    (is_valid_id(session.conversation_id.as_str()) && !session.token.is_empty()).then_some(session)
}

/// Remembers the session for the next page load.
pub fn save(site_key: &str, session: &StoredSession) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(session)) {
        let _ = storage.set_item(&key(site_key), &text);
    }
}

/// Forgets the session (its token or conversation is no longer valid).
pub fn forget(site_key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&key(site_key));
    }
}

/// Gets a visitor token for the site, then starts a conversation with it.
pub async fn create(site_key: &str) -> Result<StoredSession, HttpError> {
    let visitor = http::visitor_session(site_key).await?;
    start_conversation(visitor.token, visitor.visitor_id).await
}

/// Starts a new conversation for the same visitor (their token kept), after
/// the old one closed. When the server no longer accepts the token, starts
/// over as a new visitor.
pub async fn renew(site_key: &str, old: StoredSession) -> Result<StoredSession, HttpError> {
    match start_conversation(old.token, old.visitor_id).await {
        Err(err) if err.refused_token() => create(site_key).await,
        other => other,
    }
}

async fn start_conversation(
    token: String,
    visitor_id: VisitorId,
) -> Result<StoredSession, HttpError> {
    let started = http::start_conversation(&token).await?;
    if !is_valid_id(started.conversation_id.as_str()) {
        return Err(HttpError::BadBody);
    }
    Ok(StoredSession {
        token,
        visitor_id,
        conversation_id: started.conversation_id,
    })
}
