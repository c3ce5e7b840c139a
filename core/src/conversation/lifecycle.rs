//! What agents (through the workspace) and visitors do to a conversation's
//! life: hold, resume, move to the queue, forward, close, end. Each change
//! writes a system line into the history, is stored, and is broadcast as a
//! `state` frame.

use super::{refusal, Conversation, Output, Record, Refusal};
use crate::conversation::ConnId;
use serde::{Deserialize, Serialize};
use shared::frame::{ConversationStatus, ErrorCode, Participant, ServerFrame, Side};

/// Where a forward sends a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransferTarget {
    /// Straight to an agent, who works it now.
    Agent {
        /// The agent.
        agent: Participant,
    },
    /// Back to a department's queue.
    Department {
        /// The department's id.
        department: String,
        /// Its name, for the history.
        name: String,
    },
}

/// One forward, kept in the conversation's transfer history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// When.
    pub at: i64,
    /// Who forwarded.
    pub by: Participant,
    /// Where to.
    pub to: TransferTarget,
    /// The comment the receiver sees.
    pub comment: Option<String>,
}

/// How a conversation ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// When.
    pub at: i64,
    /// Who closed it: the agent, or the visitor who ended it.
    pub by: Participant,
    /// The reason, shown to the visitor.
    pub comment: String,
    /// Free words.
    pub tags: Vec<String>,
    /// An outcome code from the workspace's list.
    pub disposition: Option<String>,
}

/// A change the workspace asks for, on behalf of `by`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// "Place on hold": only the assigned agent, only after their own message.
    Hold {
        /// Who.
        by: Participant,
    },
    /// "Resume" a held conversation.
    Resume {
        /// Who.
        by: Participant,
    },
    /// "Move to the queue".
    Requeue {
        /// Who.
        by: Participant,
    },
    /// "Forward".
    Forward {
        /// Who.
        by: Participant,
        /// Where to.
        to: TransferTarget,
        /// A comment for the receiver.
        comment: Option<String>,
    },
    /// "Close".
    Close {
        /// Who.
        by: Participant,
        /// The reason, required, shown to the visitor.
        comment: String,
        /// Free words.
        tags: Vec<String>,
        /// An outcome code.
        disposition: Option<String>,
    },
    /// `/invite @username`: `agent` works the conversation beside its
    /// agent, who stays its owner.
    Invite {
        /// Who invites.
        by: Participant,
        /// Who is invited.
        agent: Participant,
    },
    /// "Room information" edited: the topic and tags (checked against the
    /// workspace's lists by the workspace). `None` keeps a value.
    Describe {
        /// Who.
        by: Participant,
        /// The new topic.
        topic: Option<String>,
        /// The new tags.
        tags: Option<Vec<String>>,
    },
}

impl Action {
    fn by(&self) -> &Participant {
        match self {
            Action::Hold { by }
            | Action::Resume { by }
            | Action::Requeue { by }
            | Action::Forward { by, .. }
            | Action::Close { by, .. }
            | Action::Invite { by, .. }
            | Action::Describe { by, .. } => by,
        }
    }
}

impl Conversation {
    pub(super) fn lifecycle(&mut self, now: i64, action: Action) {
        let result = self.check(&action);
        if let Err(r) = result {
            self.out.push_back(Output::Reply(Err(r)));
            return;
        }
        let by = action.by().clone();
        let Some(meta) = self.meta.as_mut() else {
            return;
        };
        let mut note = None;
        let forwarded_to_agent = matches!(
            &action,
            Action::Forward {
                to: TransferTarget::Agent { .. },
                ..
            }
        );
        let line = match action {
            Action::Describe { topic, tags, .. } => {
                if let Some(topic) = topic {
                    meta.topic = topic;
                }
                if let Some(tags) = tags {
                    meta.tags = tags;
                }
                let meta = meta.clone();
                let view = meta.view.clone();
                self.out.push_back(Output::Store(Record::Meta(meta)));
                self.out.push_back(Output::Reply(Ok(view)));
                return;
            }
            Action::Invite { agent, .. } => {
                meta.view.members.push(agent.clone());
                format!("{} invited {} to the chat", by.name, agent.name)
            }
            Action::Hold { .. } => {
                meta.view.status = ConversationStatus::OnHold;
                format!("{} placed the chat on hold", by.name)
            }
            Action::Resume { .. } => {
                meta.view.status = ConversationStatus::Active;
                format!("{} resumed the chat", by.name)
            }
            Action::Requeue { .. } => {
                meta.view.status = ConversationStatus::Queued;
                meta.view.assignee = None;
                meta.view.members.clear();
                format!("{} moved the chat to the queue", by.name)
            }
            Action::Forward { to, comment, .. } => {
                // A chat changes hands whole: whoever was invited leaves.
                meta.view.members.clear();
                let whom = match &to {
                    TransferTarget::Agent { agent } => {
                        meta.view.status = ConversationStatus::Active;
                        meta.view.assignee = Some(agent.clone());
                        agent.name.clone()
                    }
                    TransferTarget::Department { department, name } => {
                        meta.view.status = ConversationStatus::Queued;
                        meta.view.assignee = None;
                        meta.view.department = department.clone();
                        name.clone()
                    }
                };
                meta.transfers.push(Transfer {
                    at: now,
                    by: by.clone(),
                    to,
                    comment: comment.clone(),
                });
                // The comment is for the agents: the visitor sees that the
                // chat was transferred, never why.
                note = comment.map(|c| format!("Comment from {}: {c}", by.name));
                format!("{} forwarded the chat to {whom}", by.name)
            }
            Action::Close {
                comment,
                tags,
                disposition,
                ..
            } => {
                meta.view.status = ConversationStatus::Closed;
                let line = format!("{} closed the chat: {comment}", by.name);
                meta.closing = Some(Closing {
                    at: now,
                    by: by.clone(),
                    comment,
                    tags,
                    disposition,
                });
                line
            }
        };
        let meta = meta.clone();
        let view = meta.view.clone();
        self.out.push_back(Output::Store(Record::Meta(meta)));
        self.system_line(now, line);
        if let Some(note) = note {
            self.internal_line(now, note);
        }
        self.broadcast_state();
        if forwarded_to_agent {
            self.shut_out_colleagues();
        }

        self.out.push_back(Output::Reply(Ok(view)));
    }

    /// Whether `action` is allowed now.
    fn check(&self, action: &Action) -> Result<(), Refusal> {
        let Some(meta) = &self.meta else {
            return Err(refusal(ErrorCode::NotFound, "no such conversation"));
        };
        let status = meta.view.status;
        let by = action.by();
        let assigned = meta.view.assignee.as_ref().is_some_and(|a| a.id == by.id);
        let refuse = |m: &str| Err(refusal(ErrorCode::Forbidden, m));
        if status == ConversationStatus::Closed {
            return Err(refusal(
                ErrorCode::ConversationClosed,
                "the conversation is closed",
            ));
        }
        match action {
            Action::Hold { .. } if !(status == ConversationStatus::Active && assigned) => {
                refuse("only the agent working an active chat can place it on hold")
            }
            Action::Hold { .. } if self.last_author.as_deref() != Some(by.id.as_str()) => {
                refuse("a chat can be placed on hold only when you sent the last message")
            }
            Action::Resume { .. } if !(status == ConversationStatus::OnHold && assigned) => {
                refuse("only the agent holding a chat can resume it")
            }
            Action::Requeue { .. } | Action::Forward { .. }
                if !(matches!(
                    status,
                    ConversationStatus::Active | ConversationStatus::OnHold
                ) && assigned) =>
            {
                refuse("only the agent working a chat can move or forward it")
            }
            Action::Forward {
                to: TransferTarget::Agent { agent },
                ..
            } if agent.id == by.id => refuse("the chat is already yours"),
            Action::Close { comment, .. } if comment.trim().is_empty() => Err(refusal(
                ErrorCode::InvalidMessage,
                "closing a chat needs a comment, shown to the visitor",
            )),
            Action::Close { .. } if !assigned && by.side == Side::Agent => {
                refuse("only the agent working a chat can close it")
            }
            Action::Invite { .. }
                if !(matches!(
                    status,
                    ConversationStatus::Active | ConversationStatus::OnHold
                ) && super::works_on(&meta.view, &by.id)) =>
            {
                refuse("only the agents working a chat in progress can invite to it")
            }
            Action::Invite { agent, .. } if super::works_on(&meta.view, &agent.id) => Err(refusal(
                ErrorCode::BadRequest,
                &format!("{} is already in this chat", agent.name),
            )),
            Action::Describe { .. } if status == ConversationStatus::New => Err(refusal(
                ErrorCode::NotFound,
                "the visitor has not written yet",
            )),
            _ => Ok(()),
        }
    }

    /// The visitor pressed "End chat": it closes for everyone, and the
    /// workspace is told.
    pub(super) fn visitor_ends(&mut self, now: i64, conn: ConnId, who: Participant) {
        if who.side != Side::Visitor {
            self.send(
                conn,
                ServerFrame::error(
                    ErrorCode::Forbidden,
                    "agents close a chat with a comment, through the API",
                ),
            );
            return;
        }
        let open = self
            .meta
            .as_ref()
            .is_some_and(|m| m.view.status != ConversationStatus::Closed);
        if !open {
            self.send(
                conn,
                ServerFrame::error(ErrorCode::ConversationClosed, "the conversation is closed"),
            );
            return;
        }
        if let Some(meta) = self.meta.as_mut() {
            meta.view.status = ConversationStatus::Closed;
            // Told to the workspace at least once: retried by alarm until
            // it confirms.
            meta.announced = false;
            meta.closing = Some(Closing {
                at: now,
                by: who.clone(),
                comment: "The visitor ended the chat".into(),
                tags: Vec::new(),
                disposition: None,
            });
            let meta = meta.clone();
            self.out.push_back(Output::Store(Record::Meta(meta)));
        }
        self.system_line(now, format!("{} ended the chat", who.name));
        self.broadcast_state();
        if let Some(summary) = self.summary() {
            self.out.push_back(Output::Announce(summary));
            self.out.push_back(Output::SetAlarm {
                at: now + super::ANNOUNCE_RETRY_MS,
            });
        }
    }
}
