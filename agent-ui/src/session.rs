//! Who is signed in, and the one place their token is kept between page
//! loads: `localStorage["livechat:agent"]`.

use shared::api::AgentProfile;

/// The localStorage key holding the agent's bearer token.
const TOKEN_KEY: &str = "livechat:agent";

/// A signed-in agent: their token and who the server says they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Bearer token for requests and sockets.
    pub token: String,
    /// The agent, as `GET /api/v1/agent/me` or the login answered.
    pub agent: AgentProfile,
}

/// Where the app is with signing in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// A stored token is being checked with the server.
    Checking(String),
    /// A stored token could not be checked (network or server trouble).
    Unreachable(String),
    /// Nobody is signed in.
    SignedOut,
    /// The server ended the session (the token was revoked or expired):
    /// the sign-in screen says so.
    Ended,
    /// Signed in.
    SignedIn(Session),
}

impl Auth {
    /// The state on page load: checking the stored token, if there is one.
    pub fn on_load() -> Self {
        match stored_token() {
            Some(token) => Auth::Checking(token),
            None => Auth::SignedOut,
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The token kept from an earlier sign-in, if any.
pub fn stored_token() -> Option<String> {
    storage()?
        .get_item(TOKEN_KEY)
        .ok()
        .flatten()
        .filter(|t| !t.is_empty())
}

/// Keeps the token for the next page load.
pub fn store_token(token: &str) {
    if let Some(s) = storage() {
        // Private modes may refuse storage; the session still works until reload.
        let _ = s.set_item(TOKEN_KEY, token);
    }
}

/// Forgets the token (sign out, or the server refused it).
pub fn clear_token() {
    if let Some(s) = storage() {
        let _ = s.remove_item(TOKEN_KEY);
    }
}
