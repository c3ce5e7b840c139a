//! Questions the workspace answers without changing: sign-in, the
//! directory, availability, queue positions, chat history and offline
//! messages, and the one question that records its answer (may this agent
//! open this conversation's socket?).

use super::{Access, Answer, Person, Principal, Row, Workspace};
use crate::conversation::Refusal;
use crate::hours;
use crate::inbox;
use crate::permissions::{allows_in, Permission};
use shared::api::{AgentPresence, Availability, DepartmentInfo, Directory, QueuePosition};
use shared::frame::{ConversationStatus, ErrorCode, Participant};
use shared::ids::{ConversationId, DepartmentId};
use shared::inbox::ConversationSummary;
use shared::routing::AgentStatus;

/// An agent may open a conversation's socket, as this participant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// Who they connect as.
    pub who: Participant,
    /// What the socket may do.
    pub access: Access,
    /// The conversation's priority, which the workspace keeps.
    pub priority: shared::routing::Priority,
}

/// Who may have a transcript, and what its header says of the department.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TranscriptAccess {
    /// The agent.
    pub who: Participant,
    /// The department's name.
    pub department: String,
    /// The department's clock, in minutes ahead of UTC.
    pub utc_offset_minutes: i32,
}

impl Workspace {
    /// The person with this sign-in email.
    pub fn person_by_email(&self, email: &str) -> Option<&Person> {
        let email = email.trim();
        self.people
            .values()
            .find(|p| p.email.eq_ignore_ascii_case(email))
    }

    /// The department a site's visitors queue in, or the one they asked
    /// for when it exists.
    pub fn site_department(
        &self,
        site: &str,
        asked: Option<&str>,
    ) -> Result<DepartmentId, Refusal> {
        let Some(site) = self.sites.get(site) else {
            return Err(super::refusal(ErrorCode::NotFound, "no such site"));
        };
        let form = site.options.prechat.as_ref();
        match asked {
            Some(d) if !crate::site::may_pick(form, d) => Err(super::refusal(
                ErrorCode::BadRequest,
                "department: pick one of the departments of this site's pre-chat form",
            )),
            Some(d) if self.departments.contains_key(d) => Ok(DepartmentId(d.to_owned())),
            Some(_) => Err(super::refusal(ErrorCode::NotFound, "no such department")),
            None => Ok(site.department.clone()),
        }
    }

    /// A site's widget settings (origins and secret included), for the
    /// worker's checks.
    pub fn site_options(&self, site: &str) -> Result<&shared::site::SiteOptions, Refusal> {
        self.sites
            .get(site)
            .map(|s| &s.options)
            .ok_or_else(|| super::refusal(ErrorCode::NotFound, "no such site"))
    }

    /// Where a new conversation of a site queues and what its pre-chat
    /// form told, checked against the form (400 naming the field).
    pub fn start_details(
        &self,
        site: &str,
        start: &shared::api::StartConversation,
    ) -> Result<(DepartmentId, shared::site::VisitorDetails), Refusal> {
        let department = self.site_department(site, start.department.as_deref())?;
        let form = self.site_options(site)?.prechat.as_ref();
        let details = crate::site::check_start(form, start)
            .map_err(|why| super::refusal(ErrorCode::BadRequest, &why))?;
        Ok((department, details))
    }

    /// `GET /api/v1/visitor/site`: what the widget draws, never the
    /// secret or the origins.
    pub fn site_config(
        &self,
        site: &str,
        site_key: &str,
        now: i64,
    ) -> Result<shared::site::SiteConfig, Refusal> {
        let Some(s) = self.sites.get(site) else {
            return Err(super::refusal(ErrorCode::NotFound, "no such site"));
        };
        let availability = self.availability(site, now)?;
        let o = &s.options;
        let prechat = o.prechat.as_ref().map(|f| shared::site::PrechatConfig {
            name: f.name,
            email: f.email,
            departments: f
                .departments
                .iter()
                .filter_map(|d| self.departments.get(d.as_str()))
                .map(|d| DepartmentInfo {
                    id: d.id.0.clone(),
                    name: d.name.clone(),
                })
                .collect(),
            fields: f.fields.clone(),
            skippable: f.skippable,
        });
        Ok(shared::site::SiteConfig {
            site_key: site_key.to_owned(),
            name: s.name.clone(),
            theme: o.theme.clone(),
            texts: o.texts.clone(),
            prechat,
            rating: o.rating,
            sound: o.sound,
            online: availability.online,
            department: availability.department,
        })
    }

    /// What a visitor's transcript is headed with: the department's name
    /// and clock.
    pub fn department_clock(&self, department: &str) -> (String, i32) {
        self.departments.get(department).map_or_else(
            || (department.to_owned(), 0),
            |d| (d.name.clone(), d.utc_offset_minutes),
        )
    }

    /// Whether a chat from a site would reach someone now: inside business
    /// hours, and an agent of the department available and connected.
    pub fn availability(&self, site: &str, now: i64) -> Result<Availability, Refusal> {
        let department = self.site_department(site, None)?;
        let someone = self.people.values().any(|p| {
            p.departments.contains(&department)
                && inbox::works_chats(&self.grants, p.role)
                && self.router.presence(&p.id) == Some((AgentStatus::Available, true))
        });
        let open = self
            .departments
            .get(&department)
            .is_none_or(|d| hours::is_open(&d.hours, d.utc_offset_minutes, now));
        Ok(Availability {
            online: someone && open,
            department: department.0,
        })
    }

    /// Where a visitor's conversation waits; refused for anyone else's.
    pub fn queue_position(
        &self,
        visitor: &str,
        conversation: &ConversationId,
    ) -> Result<QueuePosition, Refusal> {
        match self.index.get(conversation) {
            Some(s) if s.visitor.id != visitor => Err(super::refusal(
                ErrorCode::Forbidden,
                "not your conversation",
            )),
            _ => Ok(self.position(conversation).unwrap_or(QueuePosition {
                position: 0,
                estimated_wait_ms: 0,
            })),
        }
    }

    /// The departments and people, with who a forward can reach now.
    pub fn directory(&self, who: &Principal) -> Result<Directory, Refusal> {
        self.authenticate(who)?;
        Ok(self.listing())
    }

    /// The departments and people as [`Workspace::directory`] lists them,
    /// for callers the worker has already checked (an API token reading
    /// reports names its agents and departments).
    pub fn listing(&self) -> Directory {
        let mut departments: Vec<DepartmentInfo> = self
            .departments
            .values()
            .map(|d| DepartmentInfo {
                id: d.id.0.clone(),
                name: d.name.clone(),
            })
            .collect();
        departments.sort_by(|a, b| a.name.cmp(&b.name));
        let mut agents: Vec<AgentPresence> = self
            .people
            .values()
            .map(|p| {
                let (status, reachable) = self.router.presence(&p.id).unwrap_or_default();
                AgentPresence {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    departments: p.departments.iter().map(|d| d.0.clone()).collect(),
                    online: status == AgentStatus::Available && reachable,
                    status,
                    load: self.router.load(&p.id),
                    username: p.username(),
                }
            })
            .collect();
        agents.sort_by(|a, b| a.name.cmp(&b.name));
        Directory {
            departments,
            agents,
            labels: self.labels.clone(),
        }
    }

    /// "All chats": every queued, in progress and on hold conversation,
    /// newest first, for those who may monitor.
    pub fn all_chats(&self, who: &Principal) -> Result<shared::room::AllChats, Refusal> {
        let person = self.authenticate(who)?;
        if !allows_in(&self.grants, person.role, Permission::Monitor) {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "only supervisors see all chats",
            ));
        }
        let mut conversations: Vec<ConversationSummary> = self
            .index
            .values()
            .filter(|s| {
                matches!(
                    s.status,
                    ConversationStatus::Queued
                        | ConversationStatus::Active
                        | ConversationStatus::OnHold
                )
            })
            .cloned()
            .collect();
        conversations.sort_by_key(|s| std::cmp::Reverse(s.queued_at));
        Ok(shared::room::AllChats { conversations })
    }

    /// Whether an agent may have a closed conversation's transcript:
    /// they may open it, and for a PDF their role may export one. Answers
    /// who they are and the department's name and clock.
    pub fn transcript_access(
        &self,
        who: &Principal,
        summary: &ConversationSummary,
        pdf: bool,
    ) -> Result<TranscriptAccess, Refusal> {
        let person = self.authenticate(who)?;
        let current = self.index.get(&summary.id).unwrap_or(summary);
        if !inbox::may_open(&self.view(person), current) {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "this conversation is not yours to read",
            ));
        }
        if pdf && !allows_in(&self.grants, person.role, Permission::RequestPdfTranscript) {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "your role cannot export transcripts",
            ));
        }
        let department = self
            .departments
            .get(&DepartmentId(current.department.clone()));
        Ok(TranscriptAccess {
            who: person.participant(),
            department: department.map_or_else(|| current.department.clone(), |d| d.name.clone()),
            utc_offset_minutes: department.map_or(0, |d| d.utc_offset_minutes),
        })
    }

    /// An agent's own settings ("My account").
    pub fn preferences(&self, who: &Principal) -> Result<shared::api::Preferences, Refusal> {
        let person = self.authenticate(who)?;
        Ok(self
            .preferences
            .get(&person.id)
            .cloned()
            .unwrap_or_default())
    }

    /// The priority the workspace keeps for a conversation (the default
    /// once it closed and left the index).
    pub fn priority_of(&self, conversation: &ConversationId) -> shared::routing::Priority {
        self.index
            .get(conversation)
            .map(|s| s.priority)
            .unwrap_or_default()
    }

    /// The departments whose offline messages an agent reads; `None`: all
    /// (supervisors).
    pub fn offline_departments(
        &self,
        who: &Principal,
    ) -> Result<Option<Vec<DepartmentId>>, Refusal> {
        let person = self.authenticate(who)?;
        if allows_in(&self.grants, person.role, Permission::Monitor) {
            return Ok(None);
        }
        Ok(Some(person.departments.clone()))
    }

    /// Of a contact's conversations (from storage), those the agent may
    /// open, newest first. `about` must be one the agent may open.
    pub fn history(
        &self,
        who: &Principal,
        about: &ConversationSummary,
        all: Vec<ConversationSummary>,
    ) -> Result<Vec<ConversationSummary>, Refusal> {
        let person = self.authenticate(who)?;
        let view = self.view(person);
        let current =
            |s: &ConversationSummary| self.index.get(&s.id).cloned().unwrap_or_else(|| s.clone());
        if !inbox::may_open(&view, &current(about)) {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "this conversation is not yours to read",
            ));
        }
        let mut visible: Vec<ConversationSummary> = all
            .iter()
            .map(current)
            .filter(|s| s.visitor.id == about.visitor.id && inbox::may_open(&view, s))
            .collect();
        visible.sort_by_key(|s| std::cmp::Reverse(s.queued_at));
        Ok(visible)
    }

    /// An agent opens a conversation's socket: allowed by the rules of
    /// [`inbox::may_open`], recorded so that a later change to the agent
    /// re-checks the socket.
    pub(super) fn open(
        &mut self,
        who: Principal,
        conversation: ConversationId,
        stored: Option<ConversationSummary>,
    ) {
        let person = match self.authenticate(&who) {
            Ok(p) => p.clone(),
            Err(r) => return self.reply(Err(r)),
        };
        let Some(summary) = self.index.get(&conversation).cloned().or(stored) else {
            return self.reply(Err(super::refusal(
                ErrorCode::NotFound,
                "no such conversation",
            )));
        };
        if !inbox::may_open(&self.view(&person), &summary) {
            return self.reply(Err(super::refusal(
                ErrorCode::Forbidden,
                "this conversation is not yours to read",
            )));
        }
        let key = (person.id.clone(), conversation.clone());
        if self.index.contains_key(&conversation) && !self.opened.contains(&key) {
            self.opened.insert(key);
            self.write(Row::Opened(person.id.clone(), conversation));
        }
        let access = Access {
            may_reply: allows_in(&self.grants, person.role, Permission::Reply),
            may_monitor: allows_in(&self.grants, person.role, Permission::Monitor),
        };
        let priority = summary.priority;
        self.reply(Ok(Answer::Opened(Opened {
            who: person.participant(),
            access,
            priority,
        })));
    }
}
