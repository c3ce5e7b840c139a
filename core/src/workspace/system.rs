//! The workspace's own systems as an actor: what a site's systems do
//! through the HTTP API with an API token, when no person acts. The token
//! was checked for its scope by [`Workspace::handle`]'s
//! [`super::Input::UseApiToken`] just before; each action checks again
//! that it still exists (a token revoked in between acts no more).
//!
//! A close by the systems is a close like an agent's (comment, tags and
//! disposition checked against the workspace's lists, the visitor sees
//! "<workspace> closed the chat: <comment>") that needs no assignee: the
//! conversation goes first, then the router frees the agent's slot
//! ([`super::Then::System`]). Tags are a room edit's, checked the same way.

use super::agent_action::{closing, tags};
use super::{Call, Request, Then, Workspace};
use crate::contacts::{Asked, Grant};
use crate::conversation::lifecycle::Action;
use crate::conversation::Refusal;
use crate::integration::{open_item, ListQuery};
use serde::{Deserialize, Serialize};
use shared::api::CloseRequest;
use shared::frame::{ConversationStatus, ErrorCode, Participant, Side};
use shared::ids::{AgentId, ConversationId};
use shared::integration::ConversationItem;

/// What the workspace's systems do to a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SystemAction {
    /// Close it, as an agent's "Close" does.
    Close {
        /// Which conversation.
        conversation: ConversationId,
        /// The comment, tags and disposition.
        close: CloseRequest,
    },
    /// Set its tags.
    Tag {
        /// Which conversation.
        conversation: ConversationId,
        /// Every tag it now has.
        tags: Vec<String>,
    },
}

/// The name conversations give the systems when the workspace has none.
pub const SYSTEMS_NAME: &str = "Support";

impl Workspace {
    /// The workspace's systems as conversations name them: the system
    /// side, the token's id, and the workspace's name.
    pub fn systems(&self, token: &str) -> Participant {
        let name = self.name.trim();
        Participant {
            side: Side::System,
            id: format!("api:{token}"),
            name: if name.is_empty() { SYSTEMS_NAME } else { name }.to_owned(),
        }
    }

    fn token_known(&self, token: &str) -> Result<(), Refusal> {
        if self.api_tokens.contains_key(token) {
            Ok(())
        } else {
            Err(super::refusal(
                ErrorCode::Unauthorized,
                "unknown or revoked API token",
            ))
        }
    }

    pub(super) fn system_act(&mut self, token: &str, action: SystemAction) {
        if let Err(r) = self.try_system_act(token, action) {
            self.reply(Err(r));
        }
    }

    fn try_system_act(&mut self, token: &str, action: SystemAction) -> Result<(), Refusal> {
        self.token_known(token)?;
        let by = self.systems(token);
        let (conversation, action) = match action {
            SystemAction::Close {
                conversation,
                close,
            } => {
                let close = closing(&self.labels, close)?;
                (
                    conversation,
                    Action::Close {
                        by,
                        comment: close.comment,
                        tags: close.tags,
                        disposition: close.disposition,
                    },
                )
            }
            SystemAction::Tag {
                conversation,
                tags: given,
            } => (
                conversation,
                Action::Describe {
                    by,
                    topic: None,
                    tags: Some(tags(&self.labels, &given)?),
                },
            ),
        };
        let listed = self.index.get(&conversation);
        if listed.is_none_or(|s| s.status == ConversationStatus::New) {
            return Err(super::refusal(
                ErrorCode::NotFound,
                "no such open conversation in this workspace",
            ));
        }
        self.out.push_back(super::Output::Call(Call {
            conversation,
            request: Request::Lifecycle { action },
            then: Then::System,
        }));
        Ok(())
    }

    /// The open conversations a listing admits (the cursor included).
    pub fn listed_open(&self, query: &ListQuery) -> Vec<ConversationItem> {
        if !query.wants_open() {
            return Vec::new();
        }
        self.index
            .values()
            .filter(|s| query.admits(s.status, &s.department, s.queued_at, s.id.as_str()))
            .map(open_item)
            .collect()
    }

    /// What an API token may do with contacts: read every contact and
    /// every conversation of theirs; edit when `may_edit` (its
    /// `contacts_write` scope). Refused: a revoked token (401), a manager
    /// who is nobody here (400), an unknown site (400).
    pub fn system_contacts_access(
        &self,
        token: &str,
        asked: &Asked,
        may_edit: bool,
    ) -> Result<Grant, Refusal> {
        self.token_known(token)?;
        if let Some(manager) = asked.manager.as_deref().map(str::trim) {
            if !manager.is_empty() && !self.people.contains_key(&AgentId::from(manager)) {
                return Err(super::refusal(
                    ErrorCode::BadRequest,
                    "the contact manager must be an agent of this workspace",
                ));
            }
        }
        let contact = asked.contact.clone();
        let live = self
            .index
            .values()
            .filter(|s| contact.as_deref() == Some(s.visitor.id.as_str()))
            .filter(|s| s.status != ConversationStatus::New)
            .cloned()
            .collect();
        Ok(Grant {
            agent: AgentId(format!("api:{token}")),
            may_edit,
            sees_all: true,
            departments: self.departments.keys().map(|d| d.0.clone()).collect(),
            contact,
            live,
            hidden: Vec::new(),
        })
    }

    /// Whether `site` is one of the workspace's sites (a contact made for
    /// its signed user).
    pub fn has_site(&self, site: &str) -> bool {
        self.sites.contains_key(site)
    }
}
