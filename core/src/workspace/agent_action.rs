//! What an agent asks for, read once from the API's path and body
//! ([`AgentAction::parse`]), and the limits its free text must keep.

use crate::conversation::Refusal;
use serde::{Deserialize, Serialize};
use shared::api::{CloseRequest, ForwardRequest};
use shared::frame::ErrorCode;
use shared::ids::ConversationId;
use shared::room::{InviteRequest, Labels, RoomEdit, MAX_TOPIC_CHARS};
use shared::routing::{AgentStatus, Priority};
use shared::{MAX_COMMENT_CHARS, MAX_TAGS, MAX_TAG_CHARS};

/// Everything an agent can do through the API, one variant per action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AgentAction {
    /// Set one's status.
    Status {
        /// The new status.
        status: AgentStatus,
    },
    /// "Take it" from a queue.
    Take {
        /// Which.
        conversation: ConversationId,
    },
    /// "Accept" an offer.
    Accept {
        /// Which.
        conversation: ConversationId,
    },
    /// "Decline" an offer.
    Decline {
        /// Which.
        conversation: ConversationId,
    },
    /// "Place on hold".
    Hold {
        /// Which.
        conversation: ConversationId,
    },
    /// "Resume" from hold.
    Resume {
        /// Which.
        conversation: ConversationId,
    },
    /// "Move to the queue".
    Queue {
        /// Which.
        conversation: ConversationId,
    },
    /// "Forward".
    Forward {
        /// Which.
        conversation: ConversationId,
        /// Where to, with a comment for the agents.
        forward: ForwardRequest,
    },
    /// "Close".
    Close {
        /// Which.
        conversation: ConversationId,
        /// Comment, tags, disposition.
        close: CloseRequest,
    },
    /// Set the priority, which orders the queue.
    Priority {
        /// Which.
        conversation: ConversationId,
        /// The new priority.
        priority: Priority,
    },
    /// `/invite @username`.
    Invite {
        /// Which.
        conversation: ConversationId,
        /// Who, by username.
        username: String,
    },
    /// "Room information" edited: topic, tags, priority.
    Room {
        /// Which.
        conversation: ConversationId,
        /// What changes.
        edit: RoomEdit,
    },
    /// Make a canned response.
    SaveCanned {
        /// Its id: fresh, chosen by the worker (empty until then).
        id: String,
        /// What it is.
        canned: shared::canned::CannedRequest,
    },
    /// Remove a canned response.
    RemoveCanned {
        /// Which.
        id: String,
    },
    /// Change one's own settings ("My account").
    Preferences {
        /// The settings, all of them.
        preferences: shared::api::Preferences,
    },
}

impl AgentAction {
    /// The action named `name` in the API's path, on `conversation`, with
    /// the request body `body` (JSON; empty for actions without one). The
    /// one place where action names are read.
    pub fn parse(
        name: &str,
        conversation: Option<ConversationId>,
        body: &str,
    ) -> Result<AgentAction, Refusal> {
        fn read<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, Refusal> {
            let body = if body.trim().is_empty() { "{}" } else { body };
            serde_json::from_str(body)
                .map_err(|e| super::refusal(ErrorCode::BadRequest, &format!("invalid body: {e}")))
        }
        let needs = |c: Option<ConversationId>| {
            c.ok_or_else(|| super::refusal(ErrorCode::NotFound, "no such conversation"))
        };
        Ok(match name {
            "status" => {
                let body: shared::api::StatusRequest = read(body)?;
                AgentAction::Status {
                    status: body.status,
                }
            }
            "take" => AgentAction::Take {
                conversation: needs(conversation)?,
            },
            "accept" => AgentAction::Accept {
                conversation: needs(conversation)?,
            },
            "decline" => AgentAction::Decline {
                conversation: needs(conversation)?,
            },
            "hold" => AgentAction::Hold {
                conversation: needs(conversation)?,
            },
            "resume" => AgentAction::Resume {
                conversation: needs(conversation)?,
            },
            "queue" => AgentAction::Queue {
                conversation: needs(conversation)?,
            },
            "forward" => AgentAction::Forward {
                conversation: needs(conversation)?,
                forward: read(body)?,
            },
            "close" => AgentAction::Close {
                conversation: needs(conversation)?,
                close: read(body)?,
            },
            "priority" => {
                let body: shared::api::PriorityRequest = read(body)?;
                AgentAction::Priority {
                    conversation: needs(conversation)?,
                    priority: body.priority,
                }
            }
            "invite" => {
                let body: InviteRequest = read(body)?;
                AgentAction::Invite {
                    conversation: needs(conversation)?,
                    username: body.username,
                }
            }
            "room" => AgentAction::Room {
                conversation: needs(conversation)?,
                edit: read(body)?,
            },
            "preferences" => AgentAction::Preferences {
                preferences: read(body)?,
            },
            "canned" => AgentAction::SaveCanned {
                id: String::new(),
                canned: read(body)?,
            },
            _ => return Err(super::refusal(ErrorCode::NotFound, "no such route")),
        })
    }
}

/// Checks a comment's length; `None` for an empty one.
pub(super) fn comment(text: Option<String>) -> Result<Option<String>, Refusal> {
    let Some(text) = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_COMMENT_CHARS {
        return Err(super::refusal(
            ErrorCode::InvalidMessage,
            &format!("a comment has at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    Ok(Some(text))
}

/// Checks tags against the workspace's list: trimmed, without repeats, a
/// few short ones, and only listed ones when the workspace says so (spelt
/// as listed).
pub(super) fn tags(labels: &Labels, tags: &[String]) -> Result<Vec<String>, Refusal> {
    let mut out: Vec<String> = Vec::new();
    for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if t.chars().count() > MAX_TAG_CHARS {
            return Err(super::refusal(
                ErrorCode::BadRequest,
                &format!("tags have at most {MAX_TAG_CHARS} characters"),
            ));
        }
        let listed = labels.tags.iter().find(|l| l.eq_ignore_ascii_case(t));
        let tag = match listed {
            Some(l) => l.clone(),
            None if labels.restrict_tags => {
                return Err(super::refusal(
                    ErrorCode::BadRequest,
                    &format!("\"{t}\" is not one of this workspace's tags"),
                ))
            }
            None => t.to_owned(),
        };
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&tag)) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(super::refusal(
            ErrorCode::BadRequest,
            &format!("a chat has at most {MAX_TAGS} tags"),
        ));
    }
    Ok(out)
}

/// Checks a topic's length.
pub(super) fn topic(text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    if text.chars().count() > MAX_TOPIC_CHARS || text.contains('\n') {
        return Err(super::refusal(
            ErrorCode::BadRequest,
            &format!("a topic is one line of at most {MAX_TOPIC_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Checks a close: a comment, a few short tags, a short disposition, both
/// from the workspace's lists where it keeps them.
pub(super) fn closing(labels: &Labels, close: CloseRequest) -> Result<CloseRequest, Refusal> {
    let close = closing_text(close)?;
    let tags = tags(labels, &close.tags)?;
    let disposition = match close.disposition {
        Some(d) if !labels.dispositions.is_empty() => {
            match labels
                .dispositions
                .iter()
                .find(|l| l.eq_ignore_ascii_case(&d))
            {
                Some(l) => Some(l.clone()),
                None => {
                    return Err(super::refusal(
                        ErrorCode::BadRequest,
                        &format!("\"{d}\" is not one of this workspace's dispositions"),
                    ))
                }
            }
        }
        d => d,
    };
    Ok(CloseRequest {
        comment: close.comment,
        tags,
        disposition,
    })
}

/// A close's comment, tags and disposition, checked for length.
fn closing_text(close: CloseRequest) -> Result<CloseRequest, Refusal> {
    let Some(text) = comment(Some(close.comment))? else {
        return Err(super::refusal(
            ErrorCode::InvalidMessage,
            "closing a chat needs a comment, shown to the visitor",
        ));
    };
    let tags: Vec<String> = close
        .tags
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.len() > MAX_TAGS {
        return Err(super::refusal(
            ErrorCode::BadRequest,
            &format!("a chat has at most {MAX_TAGS} tags"),
        ));
    }
    let disposition = close
        .disposition
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    let too_long = tags
        .iter()
        .chain(disposition.iter())
        .any(|t| t.chars().count() > MAX_TAG_CHARS);
    if too_long {
        return Err(super::refusal(
            ErrorCode::BadRequest,
            &format!("tags and dispositions have at most {MAX_TAG_CHARS} characters"),
        ));
    }
    Ok(CloseRequest {
        comment: text,
        tags,
        disposition,
    })
}
