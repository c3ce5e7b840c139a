//! The router as rows: what a shell stores so that one routing event writes
//! only what it changed, not the whole queue.
//!
//! A router is a handful of workspace-wide values (settings, round-robin
//! cursors, counters, average waits, the alarm) plus one row per agent and
//! one per conversation it knows. The agent and conversation maps are
//! [`Tracked`]: each remembers, for every row touched since the last
//! [`Router::take_changes`], what that row was before, and the router does
//! the same for its workspace-wide values. [`Router::take_changes`] then
//! lists the rows that differ from what they were, at the cost of the rows
//! touched, not of the router's size. [`Router::changes_since`] compares
//! two whole routers and lists the same rows; [`Router::from_rows`]
//! rebuilds a router from what was stored. Rows are JSON text keyed by
//! plain strings, so the shell needs no knowledge of the router's insides.

use super::{Agent, Conv, Router, Settings};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use shared::ids::{AgentId, ConversationId, DepartmentId};
use std::collections::{BTreeMap, BTreeSet};

/// The workspace-wide part of a router.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Meta {
    settings: Settings,
    cursors: BTreeMap<DepartmentId, AgentId>,
    routed: u64,
    enqueued: u64,
    waits: BTreeMap<DepartmentId, i64>,
    alarm: Option<i64>,
}

/// One stored row: its key, and its JSON, or `None` when it is to be deleted.
pub type Row = (String, Option<String>);

/// What to write so that storage matches a router again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The workspace-wide row, when it changed.
    pub meta: Option<String>,
    /// Agent rows to write or delete.
    pub agents: Vec<Row>,
    /// Conversation rows to write or delete.
    pub convs: Vec<Row>,
}

impl Changes {
    /// Whether nothing is to be written.
    pub fn is_empty(&self) -> bool {
        self.meta.is_none() && self.agents.is_empty() && self.convs.is_empty()
    }
}

/// A row's key, stored as its plain string.
pub(super) trait RowKey: Ord + Clone {
    fn as_key(&self) -> &str;
}

impl RowKey for AgentId {
    fn as_key(&self) -> &str {
        self.as_str()
    }
}

impl RowKey for ConversationId {
    fn as_key(&self) -> &str {
        self.as_str()
    }
}

/// A map of rows that remembers what each touched row was before its first
/// change since the last [`Tracked::changed_rows`]: `Some(row)` for a row
/// that existed, `None` for one that did not. Reads go through `Deref`;
/// every write goes through a method here, so none escapes the record.
/// It serialises as the plain map; the record is never stored.
#[derive(Clone, Debug)]
pub(super) struct Tracked<K, V> {
    rows: BTreeMap<K, V>,
    before: BTreeMap<K, Option<V>>,
    /// Every key written since the last [`Tracked::take_dirty`], for the
    /// router's index (apart from `before`, which storage takes).
    dirty: BTreeSet<K>,
}

impl<K, V> Default for Tracked<K, V> {
    fn default() -> Self {
        Tracked {
            rows: BTreeMap::new(),
            before: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

impl<K, V> std::ops::Deref for Tracked<K, V> {
    type Target = BTreeMap<K, V>;

    fn deref(&self) -> &BTreeMap<K, V> {
        &self.rows
    }
}

impl<K: Serialize, V: Serialize> Serialize for Tracked<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.rows.serialize(serializer)
    }
}

impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Tracked<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Tracked {
            rows: BTreeMap::deserialize(deserializer)?,
            before: BTreeMap::new(),
            dirty: BTreeSet::new(),
        })
    }
}

impl<K: RowKey, V: Clone + PartialEq + Serialize> Tracked<K, V> {
    /// Remembers the row under `key` as it is now, unless an earlier change
    /// since the last take already did.
    fn remember(&mut self, key: &K) {
        if !self.dirty.contains(key) {
            self.dirty.insert(key.clone());
        }
        if !self.before.contains_key(key) {
            self.before.insert(key.clone(), self.rows.get(key).cloned());
        }
    }

    /// The row under `key`, to change.
    pub(super) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if self.rows.contains_key(key) {
            self.remember(key);
        }
        self.rows.get_mut(key)
    }

    /// The row under `key`, made with `make` when there is none.
    pub(super) fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.remember(&key);
        self.rows.entry(key).or_insert_with(make)
    }

    /// Writes the row under `key`.
    pub(super) fn insert(&mut self, key: K, row: V) {
        self.remember(&key);
        self.rows.insert(key, row);
    }

    /// Deletes the row under `key`, answering it.
    pub(super) fn remove(&mut self, key: &K) -> Option<V> {
        if self.rows.contains_key(key) {
            self.remember(key);
        }
        self.rows.remove(key)
    }

    /// The keys written since the last call, and forgets them.
    pub(super) fn take_dirty(&mut self) -> BTreeSet<K> {
        std::mem::take(&mut self.dirty)
    }

    /// Whether a key was written since the last [`Tracked::take_dirty`].
    pub(super) fn is_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// The rows that differ from what they were at the last call, in the
    /// order of [`diff`]: written rows by key, then deleted rows by key.
    /// Forgets the record.
    fn changed_rows(&mut self) -> serde_json::Result<Vec<Row>> {
        let before = std::mem::take(&mut self.before);
        let mut rows = Vec::new();
        for (key, was) in &before {
            if let Some(row) = self.rows.get(key) {
                if was.as_ref() != Some(row) {
                    rows.push((key.as_key().to_owned(), Some(serde_json::to_string(row)?)));
                }
            }
        }
        for (key, was) in &before {
            if was.is_some() && !self.rows.contains_key(key) {
                rows.push((key.as_key().to_owned(), None));
            }
        }
        Ok(rows)
    }
}

/// The rows of `after` that differ from `before`, keyed like both maps.
fn diff<K: RowKey, T: PartialEq + Serialize>(
    before: &BTreeMap<K, T>,
    after: &BTreeMap<K, T>,
) -> serde_json::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (key, value) in after {
        if before.get(key) != Some(value) {
            rows.push((key.as_key().to_owned(), Some(serde_json::to_string(value)?)));
        }
    }
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        rows.push((key.as_key().to_owned(), None));
    }
    Ok(rows)
}

impl Router {
    pub(super) fn meta(&self) -> Meta {
        Meta {
            settings: self.settings.clone(),
            cursors: self.cursors.clone(),
            routed: self.routed,
            enqueued: self.enqueued,
            waits: self.waits.clone(),
            alarm: self.alarm,
        }
    }

    fn meta_differs(&self, before: &Meta) -> bool {
        self.settings != before.settings
            || self.cursors != before.cursors
            || self.routed != before.routed
            || self.enqueued != before.enqueued
            || self.waits != before.waits
            || self.alarm != before.alarm
    }

    /// The rows that changed since the last call (or since this router was
    /// made or loaded), and forgets them: what to write so that storage
    /// that held the router then holds it now. It lists exactly what
    /// [`Router::changes_since`] would list against a copy taken then, at
    /// the cost of the rows the inputs touched. The record is cleared even
    /// when a row cannot be written as JSON; a shell that fails to store
    /// what this returns drops the router and rebuilds it from storage.
    pub fn take_changes(&mut self) -> serde_json::Result<Changes> {
        let meta = match self.meta_before.take() {
            Some(before) if self.meta_differs(&before) => {
                Some(serde_json::to_string(&self.meta())?)
            }
            _ => None,
        };
        Ok(Changes {
            meta,
            agents: self.agents.changed_rows()?,
            convs: self.convs.changed_rows()?,
        })
    }

    /// The rows to write so that storage holding `before` holds `self`,
    /// found by comparing both whole routers.
    pub fn changes_since(&self, before: &Router) -> serde_json::Result<Changes> {
        Ok(Changes {
            meta: if self.meta_differs(&before.meta()) {
                Some(serde_json::to_string(&self.meta())?)
            } else {
                None
            },
            agents: diff(&before.agents, &self.agents)?,
            convs: diff(&before.convs, &self.convs)?,
        })
    }

    /// Every row of this router, as [`Changes`] from an empty one.
    pub fn all_rows(&self) -> serde_json::Result<Changes> {
        let mut changes = self.changes_since(&Router::default())?;
        if changes.meta.is_none() {
            changes.meta = Some(serde_json::to_string(&self.meta())?);
        }
        Ok(changes)
    }

    /// Rebuilds a router from stored rows: the workspace-wide row (none for
    /// a workspace that never routed), then agent and conversation rows,
    /// each with its key. Nothing is recorded as changed.
    pub fn from_rows(
        meta: Option<&str>,
        agents: impl IntoIterator<Item = (String, String)>,
        convs: impl IntoIterator<Item = (String, String)>,
    ) -> serde_json::Result<Router> {
        let mut router = Router::default();
        if let Some(meta) = meta {
            let meta: Meta = serde_json::from_str(meta)?;
            router.settings = meta.settings;
            router.cursors = meta.cursors;
            router.routed = meta.routed;
            router.enqueued = meta.enqueued;
            router.waits = meta.waits;
            router.alarm = meta.alarm;
        }
        let mut rows = BTreeMap::new();
        for (id, row) in agents {
            rows.insert(AgentId::from(id), serde_json::from_str::<Agent>(&row)?);
        }
        router.agents = Tracked {
            rows,
            ..Tracked::default()
        };
        let mut rows = BTreeMap::new();
        for (id, row) in convs {
            rows.insert(
                ConversationId::from(id),
                serde_json::from_str::<Conv>(&row)?,
            );
        }
        router.convs = Tracked {
            rows,
            ..Tracked::default()
        };
        Ok(router)
    }
}
