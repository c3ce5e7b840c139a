//! The router as rows: what a shell stores so that one routing event writes
//! only what it changed, not the whole queue.
//!
//! A router is a handful of workspace-wide values (settings, round-robin
//! cursors, counters, average waits, the alarm) plus one row per agent and
//! one per conversation it knows. [`Router::changes_since`] compares two
//! routers and lists the rows that differ; [`Router::from_rows`] rebuilds a
//! router from what was stored. Rows are JSON text, so the shell needs no
//! knowledge of the router's insides.

use super::{Agent, Conv, Router, Settings};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The workspace-wide part of a router.
#[derive(Serialize, Deserialize)]
struct Meta {
    settings: Settings,
    cursors: BTreeMap<String, String>,
    routed: u64,
    enqueued: u64,
    waits: BTreeMap<String, i64>,
    alarm: Option<i64>,
}

/// One stored row: its key, and its JSON, or `None` when it is to be deleted.
pub type Row = (String, Option<String>);

/// What to write so that storage matches a router again.
#[derive(Debug, Default, PartialEq, Eq)]
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

/// The rows of `after` that differ from `before`, keyed like both maps.
fn diff<T: PartialEq + Serialize>(
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
) -> serde_json::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (key, value) in after {
        if before.get(key) != Some(value) {
            rows.push((key.clone(), Some(serde_json::to_string(value)?)));
        }
    }
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        rows.push((key.clone(), None));
    }
    Ok(rows)
}

impl Router {
    fn meta(&self) -> Meta {
        Meta {
            settings: self.settings.clone(),
            cursors: self.cursors.clone(),
            routed: self.routed,
            enqueued: self.enqueued,
            waits: self.waits.clone(),
            alarm: self.alarm,
        }
    }

    /// The rows to write so that storage holding `before` holds `self`.
    pub fn changes_since(&self, before: &Router) -> serde_json::Result<Changes> {
        let meta_changed = self.settings != before.settings
            || self.cursors != before.cursors
            || self.routed != before.routed
            || self.enqueued != before.enqueued
            || self.waits != before.waits
            || self.alarm != before.alarm;
        Ok(Changes {
            meta: if meta_changed {
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
    /// a workspace that never routed), then agent and conversation rows.
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
        for (id, row) in agents {
            router
                .agents
                .insert(id, serde_json::from_str::<Agent>(&row)?);
        }
        for (id, row) in convs {
            router.convs.insert(id, serde_json::from_str::<Conv>(&row)?);
        }
        Ok(router)
    }
}
