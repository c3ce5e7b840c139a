//! The audit log: one entry per administrative change, written as a
//! [`Row::Audit`] in the same step as the change's own rows, so a refused
//! change writes nothing and an applied one is never missing from the log.
//! The store numbers the entries and answers the log's queries
//! ([`AuditQuery`], at most [`AUDIT_PAGE`] entries a page).

use super::{Person, Row, Workspace};
use serde::{Deserialize, Serialize};

/// Entries in one page of the log.
pub const AUDIT_PAGE: usize = 100;

/// Longest summary kept (characters); a longer one is cut with "…".
pub const MAX_SUMMARY_CHARS: usize = 2_000;

/// One entry as the core asks the store to append it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When (ms since the epoch).
    pub at: i64,
    /// A person's id, `operator`, or `api:<token id>`.
    pub who: String,
    /// The person's name, when a person.
    #[serde(default)]
    pub who_name: String,
    /// A stable word (`departments.update`, `person.update`, …).
    pub what: String,
    /// What it applied to, if anything.
    #[serde(default)]
    pub target: String,
    /// A sentence for people.
    pub summary: String,
}

/// Who made a change, as the log names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// A person of the workspace.
    Person {
        /// Their id.
        id: String,
        /// Their name.
        name: String,
    },
    /// The deployment's operator (the setup token).
    Operator,
    /// An API token.
    Api(String),
}

impl Actor {
    /// The person, as the log names them.
    pub fn of(person: &Person) -> Self {
        Actor::Person {
            id: person.id.0.clone(),
            name: person.name.clone(),
        }
    }

    fn names(&self) -> (String, String) {
        match self {
            Actor::Person { id, name } => (id.clone(), name.clone()),
            Actor::Operator => ("operator".into(), String::new()),
            Actor::Api(id) => (format!("api:{id}"), String::new()),
        }
    }
}

/// What `GET /api/v1/admin/audit` asks for, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only this author (`who`).
    #[serde(default)]
    pub who: Option<String>,
    /// Only changes whose `what` starts with this.
    #[serde(default)]
    pub what: Option<String>,
    /// From this time (inclusive, ms).
    #[serde(default)]
    pub from: Option<i64>,
    /// Until this time (exclusive, ms).
    #[serde(default)]
    pub to: Option<i64>,
    /// Entries numbered below this (the previous page's `next_before`).
    #[serde(default)]
    pub before: Option<i64>,
}

impl AuditQuery {
    /// Reads the query string's pairs; `Err` names the bad one.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut q = AuditQuery::default();
        let number = |k: &str, v: &str| {
            v.parse::<i64>()
                .map_err(|_| format!("{k} is a number (ms since the epoch, or an entry's id)"))
        };
        for (k, v) in pairs {
            if v.is_empty() {
                continue;
            }
            match k {
                "who" => q.who = Some(v.chars().take(200).collect()),
                "what" => q.what = Some(v.chars().take(200).collect()),
                "from" => q.from = Some(number(k, v)?),
                "to" => q.to = Some(number(k, v)?),
                "before" => q.before = Some(number(k, v)?),
                _ => {}
            }
        }
        Ok(q)
    }

    /// Whether an entry passes the filters (the store's SQL says the same;
    /// this is its statement for tests and readers).
    pub fn admits(&self, id: i64, entry: &AuditRecord) -> bool {
        self.who.as_ref().is_none_or(|w| *w == entry.who)
            && self
                .what
                .as_ref()
                .is_none_or(|w| entry.what.starts_with(w.as_str()))
            && self.from.is_none_or(|f| entry.at >= f)
            && self.to.is_none_or(|t| entry.at < t)
            && self.before.is_none_or(|b| id < b)
    }
}

/// Cuts a summary to [`MAX_SUMMARY_CHARS`].
fn bounded(summary: String) -> String {
    if summary.chars().count() <= MAX_SUMMARY_CHARS {
        return summary;
    }
    let mut cut: String = summary.chars().take(MAX_SUMMARY_CHARS - 1).collect();
    cut.push('…');
    cut
}

impl Workspace {
    /// Appends an entry: called in the step that made the change, after
    /// its rows.
    pub(super) fn audit(
        &mut self,
        now: i64,
        who: &Actor,
        what: &str,
        target: &str,
        summary: String,
    ) {
        let (who, who_name) = who.names();
        self.write(Row::Audit(AuditRecord {
            at: now,
            who,
            who_name,
            what: what.to_owned(),
            target: target.to_owned(),
            summary: bounded(summary),
        }));
    }
}

/// Names listed in a sentence: `a, b and c`.
pub(super) fn listed(names: &[String]) -> String {
    match names {
        [] => "none".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
