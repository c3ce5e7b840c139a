//! Routing vocabulary shared by the worker and the apps: how a department
//! hands out conversations, how urgent a conversation is, and whether an
//! agent takes new ones.

use serde::{Deserialize, Serialize};

/// How waiting conversations reach agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Everyone eligible sees the queue; someone takes a conversation.
    ManualSelection,
    /// The next available agent in round-robin order gets an offer.
    AutoSelection,
    /// The eligible agent with the fewest open (not on hold) conversations;
    /// ties go to the one routed to longest ago.
    LoadBalancing,
    /// The eligible agent routed to longest ago.
    LoadRotation,
}

/// How urgent a conversation is; higher priorities leave the queue first.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Low.
    Low,
    /// Medium, the default.
    #[default]
    Medium,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

/// Whether an agent takes new conversations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Routed to.
    Available,
    /// Keeps their conversations, gets no new ones.
    Away,
    /// Signed off.
    #[default]
    Offline,
}
