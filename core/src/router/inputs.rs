//! The rules of each input: what an agent's action, a conversation's
//! event or the clock does to the router's places, and the changes of
//! place they share (a take, a forward, an assignment, a requeue, an
//! offer's end).

use super::*;

impl Router {
    pub(super) fn apply(&mut self, now: i64, input: Input) {
        match input {
            Input::Settings(s) => {
                self.touch_meta();
                self.settings = s;
            }
            Input::Agent {
                id,
                departments,
                capacity,
            } => {
                let agent = self.agents.get_or_insert_with(id.clone(), || Agent {
                    status: AgentStatus::Offline,
                    departments: BTreeSet::new(),
                    capacity: None,
                    connections: 0,
                    gone_since: None,
                    reachable: false,
                    last_routed: 0,
                });
                agent.departments = departments.into_iter().collect();
                agent.capacity = capacity;
                // Offers for departments they left are withdrawn.
                let left: Vec<ConversationId> = self
                    .convs
                    .iter()
                    .filter(
                        |(_, c)| matches!(&c.place, Place::Offered { agent, .. } if *agent == id),
                    )
                    .filter(|(_, c)| !self.agents[&id].departments.contains(&c.department))
                    .map(|(k, _)| k.clone())
                    .collect();
                for c in left {
                    self.end_offer(&c, OfferEnd::Withdrawn);
                }
            }
            Input::RemoveAgent { id } => {
                self.withdraw_offers(&id);
                let theirs: Vec<ConversationId> = self
                    .convs
                    .iter()
                    .filter(|(_, c)| matches!(&c.place, Place::Active { agent } | Place::Held { agent } if *agent == id))
                    .map(|(k, _)| k.clone())
                    .collect();
                for c in theirs {
                    self.requeue(&c);
                }
                self.agents.remove(&id);
            }
            Input::Status { agent, status } => {
                let reply = match self.agents.get_mut(&agent) {
                    Some(a) => {
                        a.status = status;
                        Ok(())
                    }
                    None => refuse(ErrorCode::NotFound, "no such agent"),
                };
                if status != AgentStatus::Available {
                    self.withdraw_offers(&agent);
                }
                self.out.push(Output::Reply(reply));
            }
            Input::Sockets { agent, open } => {
                if let Some(a) = self.agents.get_mut(&agent) {
                    if open > 0 {
                        a.gone_since = None;
                        a.reachable = true;
                    } else if a.connections > 0 {
                        // The last socket closed: routable for the grace
                        // period still (see `tick`).
                        a.gone_since = Some(now);
                    }
                    a.connections = open;
                }
            }
            Input::Enqueue {
                conversation,
                department,
                priority,
            } => {
                if !self.convs.contains_key(&conversation) {
                    self.touch_meta();
                    self.enqueued += 1;
                    self.convs.insert(
                        conversation.clone(),
                        Conv {
                            department: department.clone(),
                            priority,
                            order: self.enqueued,
                            queued_at: now,
                            place: Place::Waiting,
                            declined: BTreeSet::new(),
                        },
                    );
                    self.out.push(Output::Queued {
                        conversation,
                        department: department.clone(),
                    });
                    self.out.push(Output::QueueChanged { department });
                }
            }
            Input::Take {
                agent,
                conversation,
            } => {
                let reply = self.take(now, &agent, &conversation);
                self.out.push(Output::Reply(reply));
            }
            Input::Accept {
                agent,
                conversation,
            } => {
                let reply = match self.place(&conversation) {
                    Some(Place::Offered { agent: a, .. }) if *a == agent => {
                        self.assign(now, &conversation, &agent, How::Accepted);
                        Ok(())
                    }
                    _ => refuse(ErrorCode::Forbidden, "this offer is no longer open"),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Decline {
                agent,
                conversation,
            } => {
                let reply = match self.place(&conversation) {
                    Some(Place::Offered { agent: a, .. }) if *a == agent => {
                        self.end_offer(&conversation, OfferEnd::Declined);
                        Ok(())
                    }
                    _ => refuse(ErrorCode::Forbidden, "this offer is no longer open"),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Hold {
                agent,
                conversation,
            } => {
                let reply = match self.place(&conversation) {
                    Some(Place::Active { agent: a }) if *a == agent => {
                        if let Some(c) = self.convs.get_mut(&conversation) {
                            c.place = Place::Held { agent };
                        }
                        self.out.push(Output::Held {
                            conversation: conversation.clone(),
                        });
                        Ok(())
                    }
                    _ => refuse(
                        ErrorCode::Forbidden,
                        "only the agent working a conversation can put it on hold",
                    ),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Resume {
                agent,
                conversation,
            } => {
                let reply = match self.convs.get(&conversation) {
                    Some(c)
                        if c.place
                            == (Place::Held {
                                agent: agent.clone(),
                            }) =>
                    {
                        if self.has_room(&agent, &c.department) {
                            self.assign(now, &conversation, &agent, How::Resumed);
                            Ok(())
                        } else {
                            refuse(
                                ErrorCode::Forbidden,
                                "you are at capacity; close or hold another chat first",
                            )
                        }
                    }
                    _ => refuse(
                        ErrorCode::Forbidden,
                        "only the agent holding a conversation can resume it",
                    ),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::VisitorWrote { conversation } => {
                if let Some(c) = self.convs.get(&conversation) {
                    if let Place::Held { agent } = &c.place {
                        let agent = agent.clone();
                        if self.eligible_ignoring_declines(&agent, &c.department) {
                            self.assign(now, &conversation, &agent, How::Rerouted);
                        } else {
                            self.requeue(&conversation);
                        }
                    }
                }
            }
            Input::MoveToQueue {
                agent,
                conversation,
            } => {
                let reply = match self.place(&conversation) {
                    Some(Place::Active { agent: a } | Place::Held { agent: a }) if *a == agent => {
                        if let Some(c) = self.convs.get_mut(&conversation) {
                            // The agent gave it back: offer it to someone else.
                            c.declined = BTreeSet::from([agent]);
                        }
                        self.requeue(&conversation);
                        Ok(())
                    }
                    _ => refuse(
                        ErrorCode::Forbidden,
                        "only the agent working a conversation can move it",
                    ),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Forward {
                agent,
                conversation,
                to,
            } => {
                let reply = self.forward(now, &agent, &conversation, to);
                self.out.push(Output::Reply(reply));
            }
            Input::Prioritize {
                conversation,
                priority,
            } => {
                let reply = match self.convs.get(&conversation) {
                    Some(c) => {
                        if c.priority != priority {
                            if c.place == Place::Waiting {
                                self.out.push(Output::QueueChanged {
                                    department: c.department.clone(),
                                });
                            }
                            if let Some(c) = self.convs.get_mut(&conversation) {
                                c.priority = priority;
                            }
                        }
                        Ok(())
                    }
                    None => refuse(ErrorCode::NotFound, "this conversation is closed"),
                };
                self.out.push(Output::Reply(reply));
            }
            Input::Restore {
                conversation,
                place,
            } => {
                if let Some(c) = self.convs.get_mut(&conversation) {
                    if c.place != place {
                        let queue_moved = c.place == Place::Waiting || place == Place::Waiting;
                        c.place = place;
                        if queue_moved {
                            let department = c.department.clone();
                            self.out.push(Output::QueueChanged { department });
                        }
                    }
                }
            }
            Input::Close { conversation } => {
                if matches!(self.place(&conversation), Some(Place::Offered { .. })) {
                    self.end_offer(&conversation, OfferEnd::Withdrawn);
                }
                if let Some(c) = self.convs.remove(&conversation) {
                    if c.place == Place::Waiting {
                        self.out.push(Output::QueueChanged {
                            department: c.department,
                        });
                    }
                }
            }
            Input::Tick => {
                // The alarm that rang is spent: whatever is still pending
                // (an offer whose time is not quite up) needs a new one.
                self.touch_meta();
                self.alarm = None;
                self.tick(now);
            }
        }
    }

    /// Records the workspace-wide values before their first change since
    /// the last [`Router::take_changes`].
    pub(super) fn touch_meta(&mut self) {
        if self.meta_before.is_none() {
            self.meta_before = Some(self.meta());
        }
    }

    fn take(
        &mut self,
        now: i64,
        agent: &AgentId,
        conversation: &ConversationId,
    ) -> Result<(), Refusal> {
        let Some(c) = self.convs.get(conversation) else {
            return refuse(ErrorCode::NotFound, "no such conversation in the queue");
        };
        let Some(a) = self.agents.get(agent) else {
            return refuse(ErrorCode::Forbidden, "not an agent of this workspace");
        };
        if !a.departments.contains(&c.department) {
            return refuse(
                ErrorCode::Forbidden,
                "this chat is for a department you are not in",
            );
        }
        match &c.place {
            Place::Waiting => {}
            Place::Offered { agent: a, .. } if a == agent => {
                self.assign(now, conversation, agent, How::Accepted);
                return Ok(());
            }
            _ => return refuse(ErrorCode::AlreadyTaken, "another agent took this chat"),
        }
        if !self.has_room(agent, &c.department) {
            return refuse(
                ErrorCode::Forbidden,
                "you are at capacity; close or hold another chat first",
            );
        }
        self.assign(now, conversation, agent, How::Taken);
        Ok(())
    }

    fn forward(
        &mut self,
        now: i64,
        agent: &AgentId,
        conversation: &ConversationId,
        to: Target,
    ) -> Result<(), Refusal> {
        let Some(c) = self.convs.get(conversation) else {
            return refuse(
                ErrorCode::Forbidden,
                "only the agent working a conversation can forward it",
            );
        };
        match &c.place {
            Place::Active { agent: a } | Place::Held { agent: a } if a == agent => {}
            _ => {
                return refuse(
                    ErrorCode::Forbidden,
                    "only the agent working a conversation can forward it",
                )
            }
        }
        match to {
            Target::Department(d) => {
                let known = self.settings.departments.contains_key(&d)
                    || self.agents.values().any(|a| a.departments.contains(&d));
                if !known {
                    return refuse(ErrorCode::NotFound, "no such department");
                }
                if let Some(c) = self.convs.get_mut(conversation) {
                    c.department = d;
                    c.declined = BTreeSet::from([agent.clone()]);
                }
                self.requeue(conversation);
                Ok(())
            }
            Target::Agent(b) => {
                let department = &c.department;
                let Some(target) = self.agents.get(&b) else {
                    return refuse(ErrorCode::NotFound, "no such agent");
                };
                if b == *agent {
                    return refuse(ErrorCode::Forbidden, "the conversation is already yours");
                }
                if !target.departments.contains(department) {
                    return refuse(
                        ErrorCode::Forbidden,
                        "that agent is not in this conversation's department",
                    );
                }
                if target.status != AgentStatus::Available || !target.reachable {
                    return refuse(ErrorCode::Forbidden, "that agent is not available");
                }
                if !self.has_room(&b, department) {
                    return refuse(ErrorCode::Forbidden, "that agent is at capacity");
                }
                self.assign(now, conversation, &b, How::Forwarded);
                Ok(())
            }
        }
    }

    fn assign(&mut self, now: i64, conversation: &ConversationId, agent: &AgentId, how: How) {
        let Some(c) = self.convs.get(conversation) else {
            return;
        };
        let was_waiting = c.place == Place::Waiting;
        let department = c.department.clone();
        if matches!(how, How::Taken | How::Accepted) {
            // Learn how long the queue keeps people waiting.
            let waited = (now - c.queued_at).max(0);
            self.touch_meta();
            let avg = self.waits.entry(department.clone()).or_insert(waited);
            *avg = (*avg * 4 + waited) / 5;
        }
        if let Some(c) = self.convs.get_mut(conversation) {
            c.place = Place::Active {
                agent: agent.clone(),
            };
            c.declined.clear();
        }
        self.out.push(Output::Assigned {
            conversation: conversation.clone(),
            agent: agent.clone(),
            how,
        });
        if was_waiting {
            self.out.push(Output::QueueChanged { department });
        }
    }

    /// Back to the queue. It keeps its place by first arrival (`order`).
    fn requeue(&mut self, conversation: &ConversationId) {
        let Some(c) = self.convs.get_mut(conversation) else {
            return;
        };
        c.place = Place::Waiting;
        let department = c.department.clone();
        self.out.push(Output::Queued {
            conversation: conversation.clone(),
            department: department.clone(),
        });
        self.out.push(Output::QueueChanged { department });
    }

    pub(super) fn end_offer(&mut self, conversation: &ConversationId, reason: OfferEnd) {
        let Some(Place::Offered { agent, .. }) = self.place(conversation).cloned() else {
            return;
        };
        let Some(c) = self.convs.get_mut(conversation) else {
            return;
        };
        if reason != OfferEnd::Withdrawn {
            c.declined.insert(agent.clone());
        }
        c.place = Place::Waiting;
        let department = c.department.clone();
        self.out.push(Output::OfferEnded {
            conversation: conversation.clone(),
            agent,
            reason,
        });
        self.out.push(Output::QueueChanged { department });
    }

    pub(super) fn withdraw_offers(&mut self, agent: &AgentId) {
        let offered: Vec<ConversationId> = self
            .convs
            .iter()
            .filter(|(_, c)| matches!(&c.place, Place::Offered { agent: a, .. } if a == agent))
            .map(|(k, _)| k.clone())
            .collect();
        for c in offered {
            self.end_offer(&c, OfferEnd::Withdrawn);
        }
    }
}
