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
    /// An algorithm this build does not know (from a newer server).
    #[serde(other)]
    Unknown,
}

/// How urgent a conversation is; higher priorities leave the queue first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// A priority this build does not know (from a newer server); it sorts
    /// below every known one.
    #[serde(other)]
    Unknown,
}

impl Priority {
    fn rank(self) -> u8 {
        match self {
            Priority::Unknown => 0,
            Priority::Low => 1,
            Priority::Medium => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }
}

impl PartialOrd for Priority {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Priority {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
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
    /// A status this build does not know (from a newer server).
    #[serde(other)]
    Unknown,
}
