//! Bodies of the calls between the two Durable Objects, in one place so
//! that neither object depends on the other: the workspace assigns a
//! conversation, a conversation announces itself to its workspace.

use serde::{Deserialize, Serialize};
use shared::api::QueuePosition;
use shared::frame::Participant;

/// Body of a conversation's `POST /assign`, from the workspace.
#[derive(Serialize, Deserialize)]
pub struct AssignRequest {
    /// The agent taking it.
    pub agent: Participant,
}

/// The workspace's answer to `/announce`: taken, and where the
/// conversation waits.
#[derive(Serialize, Deserialize)]
pub struct Announced {
    /// Always true.
    pub ok: bool,
    /// Its place in the queue, when it waits.
    #[serde(default)]
    pub queue: Option<QueuePosition>,
}
