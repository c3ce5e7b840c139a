//! The workspace's one question about contacts: may this person read or
//! edit contacts, which contact (of which conversation) may they see, and
//! which of that contact's open conversations may they open. The contacts
//! store acts on the [`Grant`] answered here; the rules of the records
//! themselves are in [`crate::contacts`].

use super::{Principal, Workspace};
use crate::contacts::{may_edit, may_read, Asked, Grant};
use crate::conversation::Refusal;
use crate::inbox;
use crate::permissions::{allows_in, Permission};
use shared::frame::ErrorCode;
use shared::ids::AgentId;
use shared::inbox::ConversationSummary;

impl Workspace {
    /// What `who` may do with contacts, for the request `asked`. `stored`
    /// is the stored line of `asked.conversation` when that one is no
    /// longer open. Refused: an ended token (401), a role that may not
    /// read (or edit) contacts or a conversation they may not open (403),
    /// an unknown conversation (404), a manager who is nobody here (400).
    pub fn contacts_access(
        &self,
        who: &Principal,
        asked: &Asked,
        stored: Option<ConversationSummary>,
    ) -> Result<Grant, Refusal> {
        let person = self.authenticate(who)?;
        if !may_read(&self.grants, person.role) {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "your role cannot read contacts",
            ));
        }
        let editor = may_edit(&self.grants, person.role);
        if asked.edit && !editor {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "your role cannot edit contacts",
            ));
        }
        if let Some(manager) = asked.manager.as_deref().map(str::trim) {
            if !manager.is_empty() && !self.people.contains_key(&AgentId::from(manager)) {
                return Err(super::refusal(
                    ErrorCode::BadRequest,
                    "the contact manager must be an agent of this workspace",
                ));
            }
        }
        let view = self.view(person);
        let contact = match &asked.conversation {
            Some(id) => {
                let summary =
                    self.index.get(id).cloned().or(stored).ok_or_else(|| {
                        super::refusal(ErrorCode::NotFound, "no such conversation")
                    })?;
                if !inbox::may_open(&view, &summary) {
                    return Err(super::refusal(
                        ErrorCode::Forbidden,
                        "this conversation is not yours to read",
                    ));
                }
                Some(summary.visitor.id)
            }
            None => asked.contact.clone(),
        };
        let (live, hidden): (Vec<&ConversationSummary>, Vec<&ConversationSummary>) = self
            .index
            .values()
            .filter(|s| contact.as_deref() == Some(s.visitor.id.as_str()))
            .partition(|s| inbox::may_open(&view, s));
        let queues = allows_in(&self.grants, person.role, Permission::ViewQueue);
        Ok(Grant {
            agent: person.id.clone(),
            may_edit: editor,
            sees_all: allows_in(&self.grants, person.role, Permission::Monitor),
            departments: if queues {
                person.departments.iter().map(|d| d.0.clone()).collect()
            } else {
                Vec::new()
            },
            contact,
            live: live.into_iter().cloned().collect(),
            hidden: hidden.into_iter().map(|s| s.id.clone()).collect(),
        })
    }
}
