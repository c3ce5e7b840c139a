//! What routing asks at every decision, kept as places change instead of
//! counted over every open conversation: the waiting conversations of
//! each department in queue order, each agent's load (offered and
//! active), and the offers by when they lapse.
//!
//! The index is derived, never stored. Every write to the router's
//! conversations goes through [`super::rows::Tracked`], which notes the
//! key; [`Router::sync`] then moves only those conversations' entries.
//! A router that was just loaded builds it in one pass at its first
//! decision. Reads that may come between a write and the next sync
//! ([`Router::load`] inside an input) count over the conversations as
//! before.

use super::{Conv, Place, Router};
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::routing::Priority;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A waiting conversation's place in its department's queue: priority
/// first, then first arrival.
pub(super) type QueueKey = (Reverse<Priority>, u64, ConversationId);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Index {
    /// What each known conversation adds below, to take it out again.
    entries: HashMap<ConversationId, Entry>,
    /// Waiting conversations by department, in queue order.
    pub(super) waiting: BTreeMap<DepartmentId, BTreeSet<QueueKey>>,
    /// Conversations offered to or worked by each agent (never zero).
    pub(super) loads: HashMap<AgentId, u32>,
    /// Open offers by when they lapse.
    pub(super) offers: BTreeSet<(i64, ConversationId)>,
}

/// What one conversation adds to the index.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    waiting: Option<(DepartmentId, QueueKey)>,
    load: Option<AgentId>,
    offer: Option<i64>,
}

impl Entry {
    fn of(id: &ConversationId, c: &Conv) -> Entry {
        let waiting = (c.place == Place::Waiting).then(|| {
            (
                c.department.clone(),
                (Reverse(c.priority), c.order, id.clone()),
            )
        });
        let load = match &c.place {
            Place::Offered { agent, .. } | Place::Active { agent } => Some(agent.clone()),
            _ => None,
        };
        let offer = match c.place {
            Place::Offered { expires_at, .. } => Some(expires_at),
            _ => None,
        };
        Entry {
            waiting,
            load,
            offer,
        }
    }
}

impl Index {
    fn build<'a>(convs: impl Iterator<Item = (&'a ConversationId, &'a Conv)>) -> Index {
        let mut index = Index::default();
        for (id, c) in convs {
            index.put(id, c);
        }
        index
    }

    fn put(&mut self, id: &ConversationId, c: &Conv) {
        let entry = Entry::of(id, c);
        if let Some((department, key)) = &entry.waiting {
            self.waiting
                .entry(department.clone())
                .or_default()
                .insert(key.clone());
        }
        if let Some(agent) = &entry.load {
            *self.loads.entry(agent.clone()).or_insert(0) += 1;
        }
        if let Some(at) = entry.offer {
            self.offers.insert((at, id.clone()));
        }
        self.entries.insert(id.clone(), entry);
    }

    fn take_out(&mut self, id: &ConversationId) {
        let Some(entry) = self.entries.remove(id) else {
            return;
        };
        if let Some((department, key)) = entry.waiting {
            if let Some(queue) = self.waiting.get_mut(&department) {
                queue.remove(&key);
                if queue.is_empty() {
                    self.waiting.remove(&department);
                }
            }
        }
        if let Some(agent) = entry.load {
            if let Some(n) = self.loads.get_mut(&agent) {
                *n -= 1;
                if *n == 0 {
                    self.loads.remove(&agent);
                }
            }
        }
        if let Some(at) = entry.offer {
            self.offers.remove(&(at, id.clone()));
        }
    }

    /// How many conversations wait in every department.
    pub(super) fn waiting_len(&self) -> usize {
        self.waiting.values().map(BTreeSet::len).sum()
    }
}

impl Router {
    /// Brings the index up to the conversations as they are: built once
    /// after a load, then only the conversations written since.
    pub(super) fn sync(&mut self) {
        let dirty = self.convs.take_dirty();
        if let Some(index) = self.index.as_mut() {
            for id in &dirty {
                index.take_out(id);
                if let Some(c) = self.convs.get(id) {
                    index.put(id, c);
                }
            }
        } else {
            self.index = Some(Index::build(self.convs.iter()));
        }
        debug_assert_eq!(
            self.index,
            Some(Index::build(self.convs.iter())),
            "the router's index differs from its conversations"
        );
    }

    /// The index when it is current (synced, nothing written since).
    pub(super) fn index(&self) -> Option<&Index> {
        if self.convs.is_dirty() {
            None
        } else {
            self.index.as_ref()
        }
    }
}
