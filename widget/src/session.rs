//! The visitor's session on this site: a token, their id and their
//! conversation, kept in the frame's `localStorage` under
//! `livechat:<site key>` so the conversation survives a reload and goes on
//! in a pop-out. Nothing is written before the visitor sends a first
//! message or a form: [`save`] is only called once they did.

use crate::i18n::join;
use crate::js;
use shared::ids::{is_valid_id, ConversationId, VisitorId};

/// What is stored per site.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The visitor's bearer token.
    pub token: String,
    /// The visitor.
    pub visitor_id: VisitorId,
    /// Their conversation.
    pub conversation_id: ConversationId,
}

fn key(site_key: &str) -> String {
    join(&["livechat:", site_key])
}

fn storage() -> Option<web_sys::Storage> {
    // Storage may be refused (privacy settings); the chat then lasts as long
    // as the page.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The stored session of this site, if a well-formed one is there.
pub fn load(site_key: &str) -> Option<StoredSession> {
    let text = storage()?.get_item(&key(site_key)).ok()??;
    let value = js::parse(&text)?;
    let session = StoredSession {
        token: js::string(&value, "token")?,
        visitor_id: VisitorId(js::string(&value, "visitor_id")?),
        conversation_id: ConversationId(js::string(&value, "conversation_id")?),
    };
    // The id goes into a URL path: refuse anything the server never made.
    (is_valid_id(session.conversation_id.as_str()) && !session.token.is_empty()).then_some(session)
}

/// Remembers the session for the next page load.
pub fn save(site_key: &str, session: &StoredSession) {
    let value = js::object(&[
        ("token", js::text(&session.token)),
        ("visitor_id", js::text(session.visitor_id.as_str())),
        (
            "conversation_id",
            js::text(session.conversation_id.as_str()),
        ),
    ]);
    if let Some(storage) = storage() {
        let _ = storage.set_item(&key(site_key), &js::stringify(&value));
    }
}

/// Forgets the session (its token or conversation is no longer valid, or
/// the page said `reset`), and the muted sound with it.
pub fn forget(site_key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&key(site_key));
        let _ = storage.remove_item(&muted_key(site_key));
    }
}

fn muted_key(site_key: &str) -> String {
    join(&["livechat:muted:", site_key])
}

/// Whether the visitor muted the sound on this site.
pub fn muted(site_key: &str) -> bool {
    storage()
        .and_then(|s| s.get_item(&muted_key(site_key)).ok().flatten())
        .is_some()
}

/// Remembers the sound's toggle (the visitor pressed it: an interaction).
pub fn set_muted(site_key: &str, muted: bool) {
    if let Some(storage) = storage() {
        let _ = if muted {
            storage.set_item(&muted_key(site_key), "1")
        } else {
            storage.remove_item(&muted_key(site_key))
        };
    }
}
