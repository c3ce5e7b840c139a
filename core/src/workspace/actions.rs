//! What agents do to conversations, and the steps that keep the router, the
//! index and the conversation in step.
//!
//! Where an action has rules on both sides, the side that can refuse goes
//! first. The conversation goes first for hold, move to the queue, forward
//! to a department and close (its agent, its last message); the router
//! follows its answer. The router goes first for take, accept, resume and a
//! forward to an agent (availability, capacity): it reserves the agent's
//! slot, the conversation is asked, and a refusal puts the router back
//! where it was.

use super::agent_action::{closing, comment, tags, topic};
use super::{AgentAction, Answer, Call, Person, Principal, Request, Row, Then, Workspace};
use crate::conversation::lifecycle::{Action, TransferTarget};
use crate::conversation::Refusal;
use crate::inbox;
use crate::permissions::Permission;
use crate::router::{self, How, Place, Target};
use shared::api::ForwardRequest;
use shared::frame::{ConversationStatus, ConversationView, ErrorCode};
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::routing::{AgentStatus, Priority};

impl Workspace {
    /// The person a token names, if the token is still good.
    pub fn authenticate(&self, who: &Principal) -> Result<&Person, Refusal> {
        match self.people.get(&who.agent) {
            Some(p) if p.generation == who.generation && p.active => Ok(p),
            _ => Err(super::refusal(
                ErrorCode::Unauthorized,
                "your session has ended; sign in again",
            )),
        }
    }

    /// The person a token names, if they may manage the workspace: the
    /// check of every administrative request.
    pub fn administrator(&self, who: &Principal) -> Result<&Person, Refusal> {
        let person = self.authenticate(who)?;
        if crate::permissions::allows_in(&self.grants, person.role, Permission::ManageWorkspace) {
            Ok(person)
        } else {
            Err(super::refusal(
                ErrorCode::Forbidden,
                "managing the workspace needs the manage_workspace permission",
            ))
        }
    }

    pub(super) fn act(&mut self, now: i64, who: Principal, action: AgentAction) {
        let person = match self.authenticate(&who) {
            Ok(p) => p.clone(),
            Err(r) => return self.reply(Err(r)),
        };
        if let Err(r) = self.try_act(now, &person, action) {
            self.reply(Err(r));
        }
    }

    /// Starts an action; `Err` is the reply. On `Ok` the reply was given or
    /// follows the conversation's answer.
    fn try_act(&mut self, now: i64, person: &Person, action: AgentAction) -> Result<(), Refusal> {
        let agent = person.id.clone();
        let by = person.participant();
        match action {
            AgentAction::Status { status } => {
                if status == AgentStatus::Unknown {
                    return Err(super::refusal(
                        ErrorCode::BadRequest,
                        "a status is available, away or offline",
                    ));
                }
                let routed = self.route(now, router::Input::Status { agent, status });
                self.follow(routed.assigned, None, false);
                routed.reply.unwrap_or(Ok(()))?;
                self.reply(Ok(Answer::Done));
            }
            AgentAction::Take { conversation } => {
                let summary = self.open_conversation(&conversation)?;
                inbox::may_take(&self.view(person), summary)?;
                self.router_first(
                    now,
                    router::Input::Take {
                        agent,
                        conversation,
                    },
                )?;
            }
            AgentAction::Accept { conversation } => {
                self.open_conversation(&conversation)?;
                self.router_first(
                    now,
                    router::Input::Accept {
                        agent,
                        conversation,
                    },
                )?;
            }
            AgentAction::Decline { conversation } => {
                let routed = self.route(
                    now,
                    router::Input::Decline {
                        agent,
                        conversation,
                    },
                );
                self.follow(routed.assigned, None, false);
                routed.reply.unwrap_or(Ok(()))?;
                self.reply(Ok(Answer::Done));
            }
            AgentAction::Resume { conversation } => {
                self.open_conversation(&conversation)?;
                self.router_first(
                    now,
                    router::Input::Resume {
                        agent,
                        conversation,
                    },
                )?;
            }
            AgentAction::Hold { conversation } => {
                self.open_conversation(&conversation)?;
                self.conversation_first(conversation, agent, Action::Hold { by });
            }
            AgentAction::Queue { conversation } => {
                self.open_conversation(&conversation)?;
                self.conversation_first(conversation, agent, Action::Requeue { by });
            }
            AgentAction::Close {
                conversation,
                close,
            } => {
                let close = closing(&self.labels, close)?;
                self.open_conversation(&conversation)?;
                let action = Action::Close {
                    by,
                    comment: close.comment,
                    tags: close.tags,
                    disposition: close.disposition,
                };
                self.conversation_first(conversation, agent, action);
            }
            AgentAction::Forward {
                conversation,
                forward,
            } => self.forward(now, person, conversation, forward)?,
            AgentAction::Priority {
                conversation,
                priority,
            } => {
                if priority == Priority::Unknown {
                    return Err(super::refusal(
                        ErrorCode::BadRequest,
                        "give a priority: low, medium, high or urgent",
                    ));
                }
                let summary = self.open_conversation(&conversation)?;
                if !inbox::may_open(&self.view(person), summary) {
                    return Err(super::refusal(
                        ErrorCode::Forbidden,
                        "this conversation is for a department you are not in",
                    ));
                }
                let routed = self.route(
                    now,
                    router::Input::Prioritize {
                        conversation: conversation.clone(),
                        priority,
                    },
                );
                self.follow(routed.assigned, None, false);
                routed.reply.unwrap_or(Ok(()))?;
                self.reindex(&conversation, |s| s.priority = priority);
                self.answer_listed(&conversation);
            }
            AgentAction::Invite {
                conversation,
                username,
            } => {
                let summary = self.open_conversation(&conversation)?;
                if !inbox::works_on(&self.view(person), summary) {
                    return Err(super::refusal(
                        ErrorCode::Forbidden,
                        "only the agents working this chat can invite to it",
                    ));
                }
                let invited = self.invitee(&username)?.participant();
                self.conversation_first(conversation, agent, Action::Invite { by, agent: invited });
            }
            AgentAction::Room { conversation, edit } => {
                let summary = self.open_conversation(&conversation)?;
                let view = self.view(person);
                if !(inbox::works_on(&view, summary)
                    || crate::permissions::allows_in(
                        &self.grants,
                        person.role,
                        Permission::Monitor,
                    ))
                {
                    return Err(super::refusal(
                        ErrorCode::Forbidden,
                        "only the agents working this chat and supervisors can edit it",
                    ));
                }
                let topic = edit.topic.as_deref().map(topic).transpose()?;
                let tags = edit
                    .tags
                    .as_deref()
                    .map(|t| tags(&self.labels, t))
                    .transpose()?;
                if let Some(priority) = edit.priority {
                    if priority == Priority::Unknown {
                        return Err(super::refusal(
                            ErrorCode::BadRequest,
                            "give a priority: low, medium, high or urgent",
                        ));
                    }
                    let routed = self.route(
                        now,
                        router::Input::Prioritize {
                            conversation: conversation.clone(),
                            priority,
                        },
                    );
                    self.follow(routed.assigned, None, false);
                    routed.reply.unwrap_or(Ok(()))?;
                    self.reindex(&conversation, |s| s.priority = priority);
                }
                self.conversation_first(conversation, agent, Action::Describe { by, topic, tags });
            }
            AgentAction::SaveCanned { id, canned } => {
                if id.is_empty() {
                    return Err(super::refusal(
                        ErrorCode::Internal,
                        "no id for the response",
                    ));
                }
                self.save_canned(now, person, id, canned)?;
            }
            AgentAction::RemoveCanned { id } => self.remove_canned(person, &id)?,
            AgentAction::Preferences { preferences } => {
                self.preferences.insert(agent.clone(), preferences.clone());
                self.write(Row::Preferences(agent, preferences));
                self.reply(Ok(Answer::Done));
            }
        }
        Ok(())
    }

    /// The person `/invite @username` names, if they work chats; else
    /// "User is not an agent".
    fn invitee(&self, username: &str) -> Result<&Person, Refusal> {
        let wanted = username.trim().trim_start_matches('@').to_lowercase();
        self.people
            .values()
            .find(|p| p.username() == wanted && inbox::works_chats(&self.grants, p.role))
            .ok_or_else(|| super::refusal(ErrorCode::BadRequest, "User is not an agent"))
    }

    /// The open conversation's line, or why there is none.
    fn open_conversation(
        &self,
        id: &ConversationId,
    ) -> Result<&shared::inbox::ConversationSummary, Refusal> {
        self.index.get(id).ok_or_else(|| {
            super::refusal(ErrorCode::NotFound, "no such conversation, or it is closed")
        })
    }

    /// Replies with the conversation as the lists now show it.
    fn answer_listed(&mut self, id: &ConversationId) {
        let reply = match self.index.get(id) {
            Some(s) => Ok(Answer::Conversation(s.clone())),
            None => Err(super::refusal(
                ErrorCode::ConversationClosed,
                "this conversation is closed",
            )),
        };
        self.reply(reply);
    }

    /// The router decides (take, accept, resume); the conversation is then
    /// asked, and its answer is the reply.
    fn router_first(&mut self, now: i64, input: router::Input) -> Result<(), Refusal> {
        let conversation = match &input {
            router::Input::Take { conversation, .. }
            | router::Input::Accept { conversation, .. }
            | router::Input::Resume { conversation, .. } => conversation.clone(),
            _ => return Err(super::refusal(ErrorCode::Internal, "not a routed action")),
        };
        let before = self.router.place(&conversation).cloned();
        let routed = self.route(now, input);
        if let Some(Err(r)) = routed.reply {
            self.follow(routed.assigned, None, false);
            return Err(r);
        }
        if routed.assigned.iter().all(|(c, _, _)| *c != conversation) {
            self.follow(routed.assigned, None, false);
            return Err(super::refusal(
                ErrorCode::Internal,
                "the conversation could not be assigned",
            ));
        }
        self.follow(routed.assigned, before, true);
        Ok(())
    }

    /// Tells each conversation the router gave to an agent. The first
    /// answer is the reply when `reply` is set.
    pub(super) fn follow(
        &mut self,
        assigned: Vec<(ConversationId, AgentId, How)>,
        before: Option<Place>,
        reply: bool,
    ) {
        let mut reply = reply;
        for (conversation, agent, how) in assigned {
            let Some(person) = self.people.get(&agent) else {
                continue;
            };
            let by = person.participant();
            let request = match how {
                How::Taken | How::Accepted => Request::Assign { agent: by },
                How::Rerouted | How::Resumed | How::Forwarded => Request::Lifecycle {
                    action: Action::Resume { by },
                },
            };
            let before = before.clone().unwrap_or(Place::Waiting);
            self.call(
                conversation,
                request,
                Then::Assigned {
                    agent,
                    how,
                    before,
                    reply,
                },
            );
            reply = false;
        }
    }

    /// The conversation decides (hold, move, close, forward to a
    /// department); the router follows its answer.
    fn conversation_first(&mut self, conversation: ConversationId, agent: AgentId, action: Action) {
        self.call(
            conversation,
            Request::Lifecycle { action },
            Then::ThenRoute { agent },
        );
    }

    fn forward(
        &mut self,
        now: i64,
        person: &Person,
        conversation: ConversationId,
        forward: ForwardRequest,
    ) -> Result<(), Refusal> {
        if !crate::permissions::allows_in(&self.grants, person.role, Permission::Transfer) {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "your role cannot forward chats",
            ));
        }
        let text = comment(forward.comment)?;
        self.open_conversation(&conversation)?;
        let by = person.participant();
        match (forward.department, forward.agent) {
            (Some(department), None) => {
                let department = DepartmentId(department);
                let Some(d) = self.departments.get(&department) else {
                    return Err(super::refusal(ErrorCode::NotFound, "no such department"));
                };
                let to = TransferTarget::Department {
                    department: department.0.clone(),
                    name: d.name.clone(),
                };
                let action = Action::Forward {
                    by,
                    to,
                    comment: text,
                };
                self.conversation_first(conversation, person.id.clone(), action);
            }
            (None, Some(target)) => {
                let Some(receiver) = self.people.get(&target).cloned() else {
                    return Err(super::refusal(ErrorCode::NotFound, "no such agent"));
                };
                let before = self.router.place(&conversation).cloned();
                let routed = self.route(
                    now,
                    router::Input::Forward {
                        agent: person.id.clone(),
                        conversation: conversation.clone(),
                        to: Target::Agent(receiver.id.clone()),
                    },
                );
                if let Some(Err(r)) = routed.reply {
                    self.follow(routed.assigned, None, false);
                    return Err(r);
                }
                let (mine, others): (Vec<_>, Vec<_>) = routed
                    .assigned
                    .into_iter()
                    .partition(|(c, _, how)| *c == conversation && *how == How::Forwarded);
                self.follow(others, None, false);
                if mine.is_empty() {
                    return Err(super::refusal(
                        ErrorCode::Internal,
                        "the conversation could not be forwarded",
                    ));
                }
                let action = Action::Forward {
                    by,
                    to: TransferTarget::Agent {
                        agent: receiver.participant(),
                    },
                    comment: text,
                };
                self.call(
                    conversation,
                    Request::Lifecycle { action },
                    Then::Assigned {
                        agent: receiver.id,
                        how: How::Forwarded,
                        before: before.unwrap_or(Place::Waiting),
                        reply: true,
                    },
                );
            }
            _ => {
                return Err(super::refusal(
                    ErrorCode::BadRequest,
                    "forward to exactly one department or agent",
                ))
            }
        }
        Ok(())
    }

    /// A conversation answered a call.
    pub(super) fn answered(
        &mut self,
        now: i64,
        call: Call,
        result: Result<ConversationView, Refusal>,
    ) {
        let Call {
            conversation,
            request,
            then,
        } = call;
        match then {
            Then::Nothing => {}
            Then::Assigned {
                agent,
                how: _,
                before,
                reply,
            } => match result {
                // Meanwhile the router moved on (the agent was removed and
                // their chats requeued): the conversation follows the router.
                Ok(view) if !self.router_has(&conversation, &agent) => {
                    if let Some(by) = view.assignee.clone() {
                        self.call(
                            conversation,
                            Request::Lifecycle {
                                action: Action::Requeue { by },
                            },
                            Then::Nothing,
                        );
                    }
                    if reply {
                        self.reply(Err(super::refusal(
                            ErrorCode::Forbidden,
                            "the chat went back to the queue meanwhile",
                        )));
                    }
                }
                Ok(view) => {
                    self.follow_view(&conversation, &view);
                    if reply {
                        self.answer_listed(&conversation);
                    }
                }
                Err(r) => {
                    let gone =
                        matches!(r.code, ErrorCode::ConversationClosed | ErrorCode::NotFound);
                    let undo = if gone {
                        router::Input::Close {
                            conversation: conversation.clone(),
                        }
                    } else {
                        router::Input::Restore {
                            conversation: conversation.clone(),
                            place: before,
                        }
                    };
                    let _ = agent;
                    self.settle(now, undo);
                    if reply {
                        self.reply(Err(r));
                    }
                }
            },
            Then::ThenRoute { agent } => {
                self.then_route(now, conversation, request, Some(agent), result)
            }
            Then::System => self.then_route(now, conversation, request, None, result),
        }
    }

    /// The conversation went first (hold, move, close, forward to a
    /// department, a room edit), for `agent` or for the workspace's
    /// systems (`None`); on success the router follows and the
    /// conversation's line is the reply.
    fn then_route(
        &mut self,
        now: i64,
        conversation: ConversationId,
        request: Request,
        agent: Option<AgentId>,
        result: Result<ConversationView, Refusal>,
    ) {
        let view = match result {
            Ok(view) => view,
            Err(r) => return self.reply(Err(r)),
        };
        let Request::Lifecycle { action } = request else {
            return self.answer_listed(&conversation);
        };
        let forwarded = matches!(action, Action::Forward { .. });
        let input = match (action, agent.clone()) {
            (Action::Hold { .. }, Some(agent)) => Some(router::Input::Hold {
                agent,
                conversation: conversation.clone(),
            }),
            (Action::Requeue { .. }, Some(agent)) => Some(router::Input::MoveToQueue {
                agent,
                conversation: conversation.clone(),
            }),
            (Action::Close { .. }, _) => Some(router::Input::Close {
                conversation: conversation.clone(),
            }),
            (
                Action::Forward {
                    to: TransferTarget::Department { department, .. },
                    ..
                },
                Some(agent),
            ) => Some(router::Input::Forward {
                agent,
                conversation: conversation.clone(),
                to: Target::Department(DepartmentId(department)),
            }),
            _ => None,
        };
        if let Some(input) = input {
            self.settle(now, input);
        }
        let listed = self.index.get(&conversation).cloned();
        self.follow_view(&conversation, &view);
        if let (true, Some(agent)) = (forwarded, &agent) {
            self.recheck_opened(agent, &conversation);
        }
        match listed {
            Some(mut s) if view.status == ConversationStatus::Closed => {
                // Closed: it left the index; answer its last line.
                s.status = ConversationStatus::Closed;
                s.assignee = view.assignee.clone();
                self.reply(Ok(Answer::Conversation(s)));
            }
            _ => self.answer_listed(&conversation),
        }
    }

    /// Whether the router has `conversation` with `agent`, worked or held.
    fn router_has(&self, conversation: &ConversationId, agent: &AgentId) -> bool {
        matches!(
            self.router.place(conversation),
            Some(Place::Active { agent: a } | Place::Held { agent: a }) if a == agent
        )
    }

    /// The index follows what the conversation says it now is.
    fn follow_view(&mut self, conversation: &ConversationId, view: &ConversationView) {
        self.reindex(conversation, |s| {
            s.status = view.status;
            s.assignee = view.assignee.clone();
            s.members = view.members.clone();
            s.department = view.department.clone();
        });
    }
}
