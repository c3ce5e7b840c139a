//! "All chats", the supervisors' view of every queued, in progress and on
//! hold conversation of the workspace (`GET /api/v1/agent/all-chats`):
//! grouped by department, then by agent (the unassigned ones are the
//! department's queue), narrowed by the department and agent filters, with
//! the filters' choices. Pure: the pane loads and draws.

use shared::api::Directory;
use shared::frame::ConversationStatus;
use shared::inbox::ConversationSummary;
use std::collections::BTreeMap;

/// The title of a department's unassigned chats.
pub const QUEUED: &str = "Queued";

/// Which agent's chats show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AgentFilter {
    /// Every chat.
    #[default]
    Any,
    /// The queued ones (no agent yet).
    Unassigned,
    /// Those this agent (by id) works, as its agent or invited.
    Agent(String),
}

impl AgentFilter {
    /// The `<option>` value.
    pub fn value(&self) -> String {
        match self {
            AgentFilter::Any => String::new(),
            AgentFilter::Unassigned => "-".into(),
            AgentFilter::Agent(id) => format!("a:{id}"),
        }
    }

    /// The filter an `<option>` value names.
    pub fn parse(value: &str) -> Self {
        match value {
            "-" => AgentFilter::Unassigned,
            v => v
                .strip_prefix("a:")
                .filter(|id| !id.is_empty())
                .map_or(AgentFilter::Any, |id| AgentFilter::Agent(id.to_owned())),
        }
    }

    fn keeps(&self, c: &ConversationSummary) -> bool {
        match self {
            AgentFilter::Any => true,
            AgentFilter::Unassigned => c.assignee.is_none(),
            AgentFilter::Agent(id) => c.assignee.iter().chain(&c.members).any(|p| p.id == *id),
        }
    }
}

/// The filters; a department by id, `None` for all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this department's chats.
    pub department: Option<String>,
    /// Only these agents' chats.
    pub agent: AgentFilter,
}

/// One agent's chats (or a department's queue) in a department.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentGroup {
    /// The agent's name, or [`QUEUED`].
    pub title: String,
    /// Their chats, longest waiting first.
    pub chats: Vec<ConversationSummary>,
}

/// One department's chats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentGroup {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its queue first, then its agents by name.
    pub agents: Vec<AgentGroup>,
}

/// Names of departments and agents by id, from the directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    departments: BTreeMap<String, String>,
    agents: BTreeMap<String, String>,
}

impl Names {
    /// The names the directory gives.
    pub fn of(directory: &Directory) -> Self {
        Names {
            departments: directory
                .departments
                .iter()
                .map(|d| (d.id.clone(), d.name.clone()))
                .collect(),
            agents: directory
                .agents
                .iter()
                .map(|a| (a.id.0.clone(), a.name.clone()))
                .collect(),
        }
    }

    /// A department's name, or its id when unknown.
    pub fn department(&self, id: &str) -> String {
        self.departments
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }
}

/// Only the conversations that are still open (the server lists only them;
/// a newer status is left out rather than misfiled).
fn open(c: &ConversationSummary) -> bool {
    matches!(
        c.status,
        ConversationStatus::Queued | ConversationStatus::Active | ConversationStatus::OnHold
    )
}

/// The chats `filter` keeps, grouped: departments by name, in each its
/// queue first and then its agents by name; chats longest waiting first.
pub fn groups(
    list: &[ConversationSummary],
    filter: &Filter,
    names: &Names,
) -> Vec<DepartmentGroup> {
    // department id → (agent sort key → group)
    let mut by_department: BTreeMap<String, BTreeMap<(bool, String, String), AgentGroup>> =
        BTreeMap::new();
    for c in list.iter().filter(|c| open(c)) {
        if filter
            .department
            .as_ref()
            .is_some_and(|d| *d != c.department)
            || !filter.agent.keeps(c)
        {
            continue;
        }
        let (key, title) = match &c.assignee {
            None => ((false, String::new(), String::new()), QUEUED.to_owned()),
            Some(a) => ((true, a.name.to_lowercase(), a.id.clone()), a.name.clone()),
        };
        by_department
            .entry(c.department.clone())
            .or_default()
            .entry(key)
            .or_insert_with(|| AgentGroup {
                title,
                chats: Vec::new(),
            })
            .chats
            .push(c.clone());
    }
    let mut departments: Vec<DepartmentGroup> = by_department
        .into_iter()
        .map(|(id, agents)| DepartmentGroup {
            name: names.department(&id),
            id,
            agents: agents
                .into_values()
                .map(|mut g| {
                    g.chats.sort_by(|a, b| {
                        a.queued_at.cmp(&b.queued_at).then_with(|| a.id.cmp(&b.id))
                    });
                    g
                })
                .collect(),
        })
        .collect();
    departments.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    });
    departments
}

/// How many chats the groups hold.
pub fn count(groups: &[DepartmentGroup]) -> usize {
    groups
        .iter()
        .flat_map(|d| &d.agents)
        .map(|a| a.chats.len())
        .sum()
}

/// The department filter's choices, `(id, name)` by name: the directory's
/// departments and any other a chat names.
pub fn department_choices(list: &[ConversationSummary], names: &Names) -> Vec<(String, String)> {
    let mut ids: Vec<String> = names.departments.keys().cloned().collect();
    ids.extend(list.iter().map(|c| c.department.clone()));
    let mut choices: Vec<(String, String)> = ids
        .into_iter()
        .map(|id| {
            let name = names.department(&id);
            (id, name)
        })
        .collect();
    choices.sort_by(|a, b| {
        a.1.to_lowercase()
            .cmp(&b.1.to_lowercase())
            .then_with(|| a.0.cmp(&b.0))
    });
    choices.dedup_by(|a, b| a.0 == b.0);
    choices
}

/// The agent filter's choices, `(id, name)` by name: the directory's
/// people and anyone working a listed chat.
pub fn agent_choices(list: &[ConversationSummary], names: &Names) -> Vec<(String, String)> {
    let mut all: BTreeMap<String, String> = names.agents.clone();
    for p in list
        .iter()
        .flat_map(|c| c.assignee.iter().chain(&c.members))
    {
        all.entry(p.id.clone()).or_insert_with(|| p.name.clone());
    }
    let mut choices: Vec<(String, String)> = all.into_iter().collect();
    choices.sort_by(|a, b| {
        a.1.to_lowercase()
            .cmp(&b.1.to_lowercase())
            .then_with(|| a.0.cmp(&b.0))
    });
    choices
}

#[cfg(test)]
mod tests {
    use super::{
        agent_choices, count, department_choices, groups, AgentFilter, Filter, Names, QUEUED,
    };
    use crate::fixtures::summary;
    use shared::api::{AgentPresence, DepartmentInfo, Directory};
    use shared::frame::{ConversationStatus, Participant, Side};
    use shared::inbox::ConversationSummary;
    use shared::AgentId;
    use ConversationStatus::*;

    fn in_department(
        id: &str,
        department: &str,
        status: ConversationStatus,
        agent: Option<&str>,
        at: i64,
    ) -> ConversationSummary {
        let mut c = summary(id, status, agent, at);
        c.department = department.into();
        c
    }

    fn names() -> Names {
        let agent = |id: &str, name: &str| AgentPresence {
            id: AgentId(id.into()),
            name: name.into(),
            departments: Vec::new(),
            status: Default::default(),
            online: false,
            load: 0,
            username: String::new(),
        };
        Names::of(&Directory {
            departments: vec![
                DepartmentInfo {
                    id: "support".into(),
                    name: "Support".into(),
                },
                DepartmentInfo {
                    id: "sales".into(),
                    name: "Sales".into(),
                },
            ],
            agents: vec![
                agent("anna", "Anna"),
                agent("ben", "Ben"),
                agent("zoe", "Zoe"),
            ],
            labels: Default::default(),
        })
    }

    fn list() -> Vec<ConversationSummary> {
        vec![
            in_department("s1", "support", Active, Some("Ben"), 30),
            in_department("s2", "support", Queued, None, 20),
            in_department("s3", "support", OnHold, Some("Anna"), 40),
            in_department("s4", "support", Active, Some("Anna"), 10),
            in_department("x1", "sales", Queued, None, 50),
            in_department("x2", "sales", Queued, None, 5),
            in_department("o1", "other", Active, Some("Zoe"), 1),
            in_department("c1", "support", Closed, Some("Anna"), 1),
        ]
    }

    /// `department: title [ids]` lines.
    fn shape(filter: &Filter) -> Vec<String> {
        groups(&list(), filter, &names())
            .into_iter()
            .flat_map(|d| {
                let name = d.name.clone();
                d.agents.into_iter().map(move |a| {
                    let ids: Vec<String> = a.chats.into_iter().map(|c| c.id.0).collect();
                    format!("{name}: {} [{}]", a.title, ids.join(" "))
                })
            })
            .collect()
    }

    #[test]
    fn grouped_by_department_then_agent_with_the_queue_first() {
        assert_eq!(
            shape(&Filter::default()),
            [
                "other: Zoe [o1]",
                "Sales: Queued [x2 x1]",
                "Support: Queued [s2]",
                "Support: Anna [s4 s3]",
                "Support: Ben [s1]",
            ]
        );
        assert_eq!(count(&groups(&list(), &Filter::default(), &names())), 7);
        assert!(groups(&[], &Filter::default(), &names()).is_empty());
    }

    #[test]
    fn filters_narrow_the_groups() {
        let support = Filter {
            department: Some("support".into()),
            agent: AgentFilter::Any,
        };
        assert_eq!(
            shape(&support),
            [
                "Support: Queued [s2]",
                "Support: Anna [s4 s3]",
                "Support: Ben [s1]"
            ]
        );
        let anna = Filter {
            department: None,
            agent: AgentFilter::Agent("anna".into()),
        };
        assert_eq!(shape(&anna), ["Support: Anna [s4 s3]"]);
        let queued = Filter {
            department: None,
            agent: AgentFilter::Unassigned,
        };
        assert_eq!(
            shape(&queued),
            ["Sales: Queued [x2 x1]", "Support: Queued [s2]"]
        );
        let nobody = Filter {
            department: Some("sales".into()),
            agent: AgentFilter::Agent("anna".into()),
        };
        assert!(shape(&nobody).is_empty());
    }

    #[test]
    fn an_invited_agent_finds_the_chats_they_work() {
        let mut invited = in_department("i1", "sales", Active, Some("Ben"), 3);
        invited.members = vec![Participant {
            side: Side::Agent,
            id: "anna".into(),
            name: "Anna".into(),
        }];
        let filter = Filter {
            department: None,
            agent: AgentFilter::Agent("anna".into()),
        };
        let found = groups(&[invited], &filter, &names());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].agents[0].title, "Ben");
    }

    #[test]
    fn filter_values_round_trip() {
        for f in [
            AgentFilter::Any,
            AgentFilter::Unassigned,
            AgentFilter::Agent("anna".into()),
        ] {
            assert_eq!(AgentFilter::parse(&f.value()), f);
        }
        assert_eq!(AgentFilter::parse("a:"), AgentFilter::Any);
        assert_eq!(AgentFilter::parse("junk"), AgentFilter::Any);
    }

    #[test]
    fn the_filters_choices() {
        let listed = list();
        assert_eq!(
            department_choices(&listed, &names()),
            [
                ("other".to_string(), "other".to_string()),
                ("sales".into(), "Sales".into()),
                ("support".into(), "Support".into()),
            ]
        );
        let mut stranger = in_department("y", "sales", Active, Some("Yann"), 0);
        stranger.assignee.as_mut().unwrap().id = "yann".into();
        let names_only: Vec<String> = agent_choices(&[stranger], &names())
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(names_only, ["Anna", "Ben", "Yann", "Zoe"]);
        assert_eq!(QUEUED, "Queued");
    }
}
