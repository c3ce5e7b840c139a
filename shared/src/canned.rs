//! Canned responses: saved answers an agent inserts with `!shortcut` or
//! from the "Canned responses" panel, in replies and in notes.

use serde::{Deserialize, Serialize};

/// Longest shortcut, in characters.
pub const MAX_SHORTCUT_CHARS: usize = 32;

/// Most canned responses a workspace keeps.
pub const MAX_CANNED: usize = 2_000;

/// Who sees a canned response.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Every agent of the workspace.
    Public,
    /// The agents of one department.
    Department {
        /// The department's id.
        department: String,
    },
    /// Only the agent who made it.
    Private,
}

/// A canned response as the agent app lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedResponse {
    /// Its id.
    pub id: String,
    /// Typed after `!`: lowercase letters, digits, `-` and `_`.
    pub shortcut: String,
    /// The text it inserts.
    pub text: String,
    /// Who sees it.
    pub scope: Scope,
    /// The agent who made it (their id).
    pub owner: String,
    /// When it was made or last changed, in ms since the epoch.
    pub updated_at: i64,
}

/// `POST /api/v1/agent/canned`: make a canned response (private ones need
/// `create_canned_response`; department and public ones also
/// `manage_workspace`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedRequest {
    /// Its shortcut, with or without the `!`.
    pub shortcut: String,
    /// Its text.
    pub text: String,
    /// Who sees it.
    pub scope: Scope,
}
