//! Who sees which conversation in the agent app, and who may take it. The
//! workspace object asks these functions; they are the only place the rules
//! live.

use crate::conversation::Refusal;
use crate::permissions::{allows_in, Grants, Permission};
use shared::api::Role;
use shared::frame::{ConversationStatus, ErrorCode};
use shared::inbox::ConversationSummary;

/// What the rules need to know about an agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentView<'a> {
    /// Their id.
    pub id: &'a str,
    /// Their role.
    pub role: Role,
    /// The departments they work.
    pub departments: &'a [shared::ids::DepartmentId],
    /// What the workspace lets each role do.
    pub grants: &'a Grants,
}

/// Where a conversation shows in one agent's lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// In "Queued Chats".
    Queued,
    /// In "Chats in Progress" or "On Hold": assigned to this agent.
    Mine,
    /// Not in this agent's lists.
    Hidden,
}

/// Whether the agent works the conversation: its agent, or invited to it.
fn is_assignee(agent: &AgentView<'_>, summary: &ConversationSummary) -> bool {
    summary.assignee.as_ref().is_some_and(|a| a.id == agent.id)
        || summary.members.iter().any(|m| m.id == agent.id)
}

fn in_department(agent: &AgentView<'_>, summary: &ConversationSummary) -> bool {
    agent
        .departments
        .iter()
        .any(|d| d.as_str() == summary.department)
}

/// Whether `agent` works the conversation: its agent, or invited to it.
pub fn works_on(agent: &AgentView<'_>, summary: &ConversationSummary) -> bool {
    is_assignee(agent, summary)
}

/// Where `summary` shows for `agent`.
pub fn visibility(agent: &AgentView<'_>, summary: &ConversationSummary) -> Visibility {
    match summary.status {
        ConversationStatus::Queued
            if in_department(agent, summary)
                && allows_in(agent.grants, agent.role, Permission::ViewQueue) =>
        {
            Visibility::Queued
        }
        ConversationStatus::Active | ConversationStatus::OnHold if is_assignee(agent, summary) => {
            Visibility::Mine
        }
        _ => Visibility::Hidden,
    }
}

/// Whether `agent` may open the conversation's socket: to work it, to
/// monitor it, to preview it while it waits in one of their queues, or to
/// read it once closed (chat history). A colleague's chat in progress is
/// for its agent and supervisors only.
pub fn may_open(agent: &AgentView<'_>, summary: &ConversationSummary) -> bool {
    let previewable = matches!(
        summary.status,
        ConversationStatus::Queued | ConversationStatus::Closed
    );
    is_assignee(agent, summary)
        || allows_in(agent.grants, agent.role, Permission::Monitor)
        || (previewable
            && in_department(agent, summary)
            && allows_in(agent.grants, agent.role, Permission::ViewQueue))
}

/// Whether a role may be given chats: taken by them, offered to them or
/// forwarded to them. It needs both taking and replying.
pub fn works_chats(grants: &crate::permissions::Grants, role: Role) -> bool {
    allows_in(grants, role, Permission::TakeChat) && allows_in(grants, role, Permission::Reply)
}

/// Whether `agent` may take the conversation now ("Take it").
pub fn may_take(agent: &AgentView<'_>, summary: &ConversationSummary) -> Result<(), Refusal> {
    let refuse = |code, message: &str| {
        Err(Refusal {
            code,
            message: message.to_owned(),
        })
    };
    if !allows_in(agent.grants, agent.role, Permission::TakeChat) {
        return refuse(ErrorCode::Forbidden, "your role cannot take chats");
    }
    if !allows_in(agent.grants, agent.role, Permission::Reply) {
        return refuse(ErrorCode::Forbidden, "your role cannot reply in chats");
    }
    if !in_department(agent, summary) {
        return refuse(
            ErrorCode::Forbidden,
            "this chat is for a department you are not in",
        );
    }
    match summary.status {
        ConversationStatus::Queued => Ok(()),
        ConversationStatus::Active | ConversationStatus::OnHold => {
            refuse(ErrorCode::AlreadyTaken, "another agent took this chat")
        }
        _ => refuse(
            ErrorCode::ConversationClosed,
            "this chat is not waiting in a queue",
        ),
    }
}

fn rank(status: ConversationStatus) -> u8 {
    match status {
        ConversationStatus::New | ConversationStatus::Unknown => 0,
        ConversationStatus::Queued => 1,
        ConversationStatus::Active | ConversationStatus::OnHold => 2,
        ConversationStatus::Closed => 3,
    }
}

/// Whether a summary a conversation announced should replace the one the
/// workspace holds. Announcements are retried and may arrive late: a late
/// "queued" must not undo a take.
pub fn supersedes(incoming: &ConversationSummary, current: Option<&ConversationSummary>) -> bool {
    current.is_none_or(|c| rank(incoming.status) >= rank(c.status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::frame::{Participant, Side};

    fn summary(
        status: ConversationStatus,
        department: &str,
        assignee: Option<&str>,
    ) -> ConversationSummary {
        let who = |side, id: &str| Participant {
            side,
            id: id.into(),
            name: id.into(),
        };
        ConversationSummary {
            id: "c1".into(),
            status,
            department: department.into(),
            visitor: who(Side::Visitor, "v1"),
            assignee: assignee.map(|a| who(Side::Agent, a)),
            members: Vec::new(),
            preview: "hi".into(),
            queued_at: 1,
            priority: Default::default(),
        }
    }

    #[track_caller]
    fn check(
        role: Role,
        status: ConversationStatus,
        dept: &str,
        assignee: Option<&str>,
        expected: (Visibility, bool, Option<ErrorCode>),
    ) {
        let departments = vec![shared::ids::DepartmentId::from("sales")];
        let agent = AgentView {
            id: "a1",
            role,
            departments: &departments,
            grants: &Grants::new(),
        };
        let s = summary(status, dept, assignee);
        let take = may_take(&agent, &s).err().map(|r| r.code);
        assert_eq!(
            (visibility(&agent, &s), may_open(&agent, &s), take),
            expected
        );
    }

    #[test]
    fn late_announcements_do_not_undo() {
        use ConversationStatus::*;
        let s = |st| summary(st, "sales", None);
        assert!(supersedes(&s(Queued), None));
        assert!(supersedes(&s(Queued), Some(&s(Queued))));
        assert!(!supersedes(&s(Queued), Some(&s(Active))));
        assert!(supersedes(&s(OnHold), Some(&s(Active))));
        assert!(supersedes(&s(Closed), Some(&s(OnHold))));
        assert!(!supersedes(&s(Active), Some(&s(Closed))));
    }

    #[test]
    fn rules() {
        use ConversationStatus::{Active, Closed, New, OnHold, Queued};
        use Visibility::{Hidden, Mine};
        let q = Visibility::Queued;
        check(Role::Agent, Queued, "sales", None, (q, true, None));
        check(
            Role::Agent,
            Queued,
            "support",
            None,
            (Hidden, false, Some(ErrorCode::Forbidden)),
        );
        check(
            Role::Manager,
            Queued,
            "support",
            None,
            (Hidden, true, Some(ErrorCode::Forbidden)),
        );
        check(
            Role::Agent,
            Active,
            "sales",
            Some("a1"),
            (Mine, true, Some(ErrorCode::AlreadyTaken)),
        );
        // A colleague's chat in progress: not without monitor.
        check(
            Role::Agent,
            Active,
            "sales",
            Some("a2"),
            (Hidden, false, Some(ErrorCode::AlreadyTaken)),
        );
        check(
            Role::Agent,
            OnHold,
            "sales",
            Some("a2"),
            (Hidden, false, Some(ErrorCode::AlreadyTaken)),
        );
        check(
            Role::Manager,
            Active,
            "sales",
            Some("a2"),
            (Hidden, true, Some(ErrorCode::AlreadyTaken)),
        );
        check(
            Role::Agent,
            Active,
            "support",
            Some("a2"),
            (Hidden, false, Some(ErrorCode::Forbidden)),
        );
        check(
            Role::Agent,
            OnHold,
            "sales",
            Some("a1"),
            (Mine, true, Some(ErrorCode::AlreadyTaken)),
        );
        check(
            Role::Agent,
            Closed,
            "sales",
            Some("a1"),
            (Hidden, true, Some(ErrorCode::ConversationClosed)),
        );
        check(
            Role::Agent,
            New,
            "sales",
            None,
            (Hidden, false, Some(ErrorCode::ConversationClosed)),
        );
        check(
            Role::Agent,
            Closed,
            "sales",
            Some("a2"),
            (Hidden, true, Some(ErrorCode::ConversationClosed)),
        );
        check(Role::Admin, Queued, "sales", None, (q, true, None));
    }
}
