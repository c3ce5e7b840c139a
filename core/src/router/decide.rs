//! The routing decisions: which waiting conversation goes to which agent
//! now (by the department's algorithm, within capacity), what the clock
//! ends (lapsed offers, agents gone past their grace), and when the next
//! alarm rings.

use super::*;

impl Router {
    pub(super) fn tick(&mut self, now: i64) {
        self.sync();
        let lapsed: Vec<ConversationId> = self
            .index
            .iter()
            .flat_map(|index| index.offers.iter())
            .take_while(|(at, _)| *at <= now)
            .map(|(_, id)| id.clone())
            .collect();
        for c in lapsed {
            self.end_offer(&c, OfferEnd::TimedOut);
        }
        let grace = self.settings.grace_ms;
        let gone: Vec<AgentId> = self
            .agents
            .iter()
            .filter(|(_, a)| a.reachable && a.gone_since.is_some_and(|t| t + grace <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for id in gone {
            if let Some(a) = self.agents.get_mut(&id) {
                a.reachable = false;
            }
            self.withdraw_offers(&id);
        }
    }

    pub(super) fn eligible_ignoring_declines(
        &self,
        agent: &AgentId,
        department: &DepartmentId,
    ) -> bool {
        self.agents.get(agent).is_some_and(|a| {
            a.status == AgentStatus::Available && a.reachable && a.departments.contains(department)
        }) && self.has_room(agent, department)
    }

    /// The agents who may get an offer of a department's conversation now,
    /// before its own declines are taken out.
    fn eligible_in(
        &self,
        department: &DepartmentId,
        loads: &HashMap<AgentId, u32>,
    ) -> Vec<AgentId> {
        self.agents
            .iter()
            .filter(|(id, a)| {
                a.status == AgentStatus::Available
                    && a.reachable
                    && a.departments.contains(department)
                    && self
                        .limit(id, department)
                        .is_none_or(|l| loads.get(*id).copied().unwrap_or(0) < l)
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Offers every waiting conversation of an automatic department that
    /// some agent can take, in queue order.
    pub(super) fn route(&mut self, now: i64) {
        // One pass in queue order. An offer only adds load, so a
        // conversation nobody could take stays untakeable for the rest of
        // the pass: going on from where an offer was made is the same as
        // starting over from the head of the queue.
        // Only automatic departments' conversations are routed; a long
        // manual queue costs nothing here.
        self.sync();
        let Some(index) = self.index.as_ref() else {
            return;
        };
        let mut waiting: Vec<&index::QueueKey> = index
            .waiting
            .iter()
            .filter(|(department, _)| {
                !matches!(
                    self.algorithm(department),
                    Algorithm::ManualSelection | Algorithm::Unknown
                )
            })
            .flat_map(|(_, queue)| queue.iter())
            .collect();
        if waiting.is_empty() {
            return;
        }
        // Departments' queues merged: priority, then first arrival.
        waiting.sort();
        let waiting: Vec<ConversationId> =
            waiting.into_iter().map(|(_, _, id)| id.clone()).collect();
        let mut loads = index.loads.clone();
        // Who could take a department's conversation depends on the
        // department alone, but for each conversation's declines: found once
        // per department until an offer changes the loads.
        let mut open: HashMap<DepartmentId, Vec<AgentId>> = HashMap::new();
        for conversation in waiting {
            let Some(conv) = self.convs.get(&conversation) else {
                continue;
            };
            let department = conv.department.clone();
            if !open.contains_key(&department) {
                let agents = self.eligible_in(&department, &loads);
                open.insert(department.clone(), agents);
            }
            let candidates: Vec<&AgentId> = open[&department]
                .iter()
                .filter(|agent| !conv.declined.contains(*agent))
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let algorithm = self.algorithm(&department);
            let Some(agent) = self
                .pick(algorithm, &department, &candidates, &loads)
                .cloned()
            else {
                continue;
            };
            self.touch_meta();
            self.routed += 1;
            if let Some(a) = self.agents.get_mut(&agent) {
                a.last_routed = self.routed;
            }
            self.cursors.insert(department.clone(), agent.clone());
            *loads.entry(agent.clone()).or_insert(0) += 1;
            open.clear();
            let expires_at = now + self.settings.offer_timeout_ms;
            if let Some(c) = self.convs.get_mut(&conversation) {
                c.place = Place::Offered {
                    agent: agent.clone(),
                    expires_at,
                };
            }
            self.out.push(Output::Offer {
                conversation,
                agent,
                expires_at,
            });
            self.out.push(Output::QueueChanged { department });
        }
    }

    fn pick<'a>(
        &self,
        algorithm: Algorithm,
        department: &DepartmentId,
        candidates: &[&'a AgentId],
        loads: &HashMap<AgentId, u32>,
    ) -> Option<&'a AgentId> {
        match algorithm {
            Algorithm::ManualSelection | Algorithm::Unknown => None,
            Algorithm::AutoSelection => {
                // Round robin in id order, after the last one routed to.
                let after = self.cursors.get(department);
                candidates
                    .iter()
                    .find(|id| after.is_none_or(|c| **id > c))
                    .or_else(|| candidates.first())
                    .copied()
            }
            Algorithm::LoadBalancing => candidates
                .iter()
                .min_by_key(|id| {
                    let load = loads.get(**id).copied().unwrap_or(0);
                    (load, self.agents[**id].last_routed, **id)
                })
                .copied(),
            Algorithm::LoadRotation => candidates
                .iter()
                .min_by_key(|id| (self.agents[**id].last_routed, **id))
                .copied(),
        }
    }

    /// Sets the alarm to the next lapse: an offer or a grace period.
    pub(super) fn arm(&mut self) {
        self.sync();
        let offers = self
            .index
            .as_ref()
            .and_then(|index| index.offers.first())
            .map(|(at, _)| *at);
        let grace = self.settings.grace_ms;
        let gone = self
            .agents
            .values()
            .filter(|a| a.reachable)
            .filter_map(|a| a.gone_since.map(|t| t + grace));
        let next = offers.into_iter().chain(gone).min();
        if next != self.alarm {
            self.touch_meta();
            self.alarm = next;
            self.out.push(Output::SetAlarm { at: next });
        }
    }
}
