//! A workspace's definition: its departments, sites, people, grants and
//! routing settings. A setup is checked whole before anything changes (a
//! refused setup changes nothing) and then applied at once: people no
//! longer listed are removed and their chats go back to the queue; a
//! changed password ends the person's sessions; a changed role, department
//! or grant narrows their open sockets on the spot.

use super::{Access, Answer, Department, Person, Request, Row, Site, Then, Workspace};
use crate::conversation::lifecycle::Action;
use crate::hours::{self, Interval};
use crate::inbox;
use crate::permissions::{allows_in, Grants, Permission};
use crate::router::{self, DepartmentSettings, Settings};
use shared::api::{Role, SetupDone, WorkspaceSetup};
use shared::close;
use shared::frame::{ConversationStatus, ErrorCode};
use shared::ids::{is_valid_id, AgentId, ConversationId, DepartmentId};
use shared::routing::Algorithm;
use std::collections::{BTreeMap, BTreeSet};

/// Offers wait this long at least, and at most [`MAX_OFFER_MS`].
pub const MIN_OFFER_MS: i64 = 1_000;
/// See [`MIN_OFFER_MS`].
pub const MAX_OFFER_MS: i64 = 600_000;
/// The longest grace period after an agent's last socket closed.
pub const MAX_GRACE_MS: i64 = 3_600_000;

/// Checks a setup as sent (passwords not yet hashed); `Err` is the reason,
/// for a 400. The worker runs it before hashing, the workspace again on
/// arrival.
pub fn validate_setup(setup: &WorkspaceSetup) -> Result<(), String> {
    if !is_valid_id(&setup.workspace) {
        return Err("workspace slugs are 1 to 64 letters, digits, - and _".into());
    }
    let mut departments = BTreeSet::new();
    for d in &setup.departments {
        if !is_valid_id(&d.id) {
            return Err(format!(
                "department \"{}\": ids are letters, digits, - and _",
                d.id
            ));
        }
        if !departments.insert(d.id.as_str()) {
            return Err(format!("department \"{}\" is listed twice", d.id));
        }
        if d.name.trim().is_empty() {
            return Err(format!("department \"{}\" needs a name", d.id));
        }
        parse_hours(d)?;
        if d.utc_offset_minutes.abs() > 14 * 60 {
            return Err(format!("{}: a UTC offset is within ±14 hours", d.id));
        }
    }
    let known = |d: &str| departments.contains(d);
    let mut sites = BTreeSet::new();
    for s in &setup.sites {
        if !is_valid_id(&s.id) {
            return Err(format!(
                "site \"{}\": ids are letters, digits, - and _",
                s.id
            ));
        }
        if !sites.insert(s.id.as_str()) {
            return Err(format!("site \"{}\" is listed twice", s.id));
        }
        if !known(&s.department) {
            return Err(format!(
                "site \"{}\": no department \"{}\"",
                s.id, s.department
            ));
        }
        crate::site::check_options(&s.id, &s.options(), known)?;
    }
    let mut emails = BTreeSet::new();
    let mut usernames = BTreeSet::new();
    for a in &setup.agents {
        let email = a.email.trim().to_ascii_lowercase();
        if email.is_empty() {
            return Err("every person needs an email".into());
        }
        if !shared::api::is_plausible_email(&email) {
            return Err(format!("\"{}\" is not an email address", a.email));
        }
        if !emails.insert(email) {
            return Err(format!("\"{}\" is listed twice", a.email));
        }
        if a.name.trim().is_empty() {
            return Err(format!("{}: a name is required", a.email));
        }
        if a.password.is_empty() {
            return Err(format!("{}: a password is required", a.email));
        }
        if a.role == Role::Unknown {
            return Err(format!("{}: the role is agent, manager or admin", a.email));
        }
        if let Some(d) = a.departments.iter().find(|d| !known(d)) {
            return Err(format!("{}: no department \"{d}\"", a.email));
        }
        let username = username_of(a);
        let valid = (1..=MAX_USERNAME_CHARS).contains(&username.chars().count())
            && username
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid {
            return Err(format!(
                "{}: a username has 1 to {MAX_USERNAME_CHARS} letters, digits, '.', '_' or '-'",
                a.email
            ));
        }
        if !usernames.insert(username.clone()) {
            return Err(format!("the username \"{username}\" is taken twice"));
        }
    }
    check_labels(&setup.labels)?;
    crate::files::check_policy(&setup.files)?;
    crate::conversation::call::check_settings(&setup.calls)?;
    let mut roles = BTreeSet::new();
    for g in &setup.grants {
        if g.role == Role::Unknown {
            return Err("grants are for the roles agent, manager and admin".into());
        }
        if !roles.insert(g.role) {
            return Err("grants for one role are listed twice".into());
        }
        if g.permissions.contains(&Permission::Unknown) {
            return Err("unknown permission; known: view_queue, take_chat, reply, transfer, monitor, manage_workspace".into());
        }
    }
    if let Some(r) = &setup.routing {
        if r.algorithm == Algorithm::Unknown {
            return Err("unknown routing algorithm".into());
        }
        if !(MIN_OFFER_MS..=MAX_OFFER_MS).contains(&r.offer_timeout_ms) {
            return Err(format!(
                "an offer waits {MIN_OFFER_MS} to {MAX_OFFER_MS} ms"
            ));
        }
        if !(0..=MAX_GRACE_MS).contains(&r.grace_ms) {
            return Err(format!("the grace period is 0 to {MAX_GRACE_MS} ms"));
        }
        let mut seen = BTreeSet::new();
        for d in &r.departments {
            if !known(&d.department) {
                return Err(format!("routing: no department \"{}\"", d.department));
            }
            if !seen.insert(d.department.as_str()) {
                return Err(format!("routing for \"{}\" is listed twice", d.department));
            }
            if d.algorithm == Some(Algorithm::Unknown) {
                return Err(format!("{}: unknown routing algorithm", d.department));
            }
            if d.capacity == Some(0) {
                return Err(format!("{}: a capacity is at least 1", d.department));
            }
        }
        if r.capacity == Some(0) {
            return Err("a capacity is at least 1".into());
        }
    }
    Ok(())
}

/// The longest username.
pub const MAX_USERNAME_CHARS: usize = 32;

/// Most tags or dispositions a workspace keeps.
pub const MAX_LABELS: usize = 200;

/// A person's username as set up: the one given, else the email's part
/// before `@`; lowercase, without a leading `@`.
fn username_of(a: &shared::api::AgentSetup) -> String {
    match &a.username {
        Some(u) => u.trim().trim_start_matches('@').to_lowercase(),
        None => super::vocabulary::default_username(&a.email),
    }
}

fn check_labels(labels: &shared::room::Labels) -> Result<(), String> {
    for (what, list) in [
        ("tags", &labels.tags),
        ("dispositions", &labels.dispositions),
    ] {
        if list.len() > MAX_LABELS {
            return Err(format!("at most {MAX_LABELS} {what}"));
        }
        let mut seen = BTreeSet::new();
        for l in list {
            let n = l.trim().chars().count();
            if n == 0 || n > shared::MAX_TAG_CHARS {
                return Err(format!(
                    "{what} have 1 to {} characters",
                    shared::MAX_TAG_CHARS
                ));
            }
            if !seen.insert(l.trim().to_lowercase()) {
                return Err(format!("\"{}\" is listed twice in {what}", l.trim()));
            }
        }
    }
    if labels.restrict_tags && labels.tags.is_empty() {
        return Err("tags are restricted to the list, but the list is empty".into());
    }
    Ok(())
}

fn parse_hours(d: &shared::api::DepartmentSetup) -> Result<Vec<Interval>, String> {
    let mut intervals = Vec::new();
    for h in &d.hours {
        let (Some(open), Some(close)) = (hours::parse_time(&h.open), hours::parse_time(&h.close))
        else {
            return Err(format!("{}: hours are HH:MM", d.id));
        };
        if h.day > 6 || open >= close {
            return Err(format!(
                "{}: days are 0 to 6 and open comes before close",
                d.id
            ));
        }
        intervals.push(Interval {
            day: h.day,
            open,
            close,
        });
    }
    Ok(intervals)
}

/// The router's settings from a setup. Every department is named, so
/// that a forward to a department nobody works yet is still routed.
fn settings(setup: &WorkspaceSetup) -> Settings {
    let mut departments: std::collections::BTreeMap<DepartmentId, DepartmentSettings> = setup
        .departments
        .iter()
        .map(|d| (DepartmentId(d.id.clone()), DepartmentSettings::default()))
        .collect();
    let Some(r) = &setup.routing else {
        return Settings {
            departments,
            ..Settings::default()
        };
    };
    for d in &r.departments {
        departments.insert(
            DepartmentId(d.department.clone()),
            DepartmentSettings {
                algorithm: d.algorithm,
                capacity: d.capacity,
            },
        );
    }
    Settings {
        algorithm: r.algorithm,
        capacity: r.capacity,
        offer_timeout_ms: r.offer_timeout_ms,
        grace_ms: r.grace_ms,
        departments,
    }
}

/// What a person may do, to tell whether a change narrows their sockets.
fn rights(person: &Person, grants: &Grants) -> (Role, Vec<DepartmentId>, Vec<bool>) {
    (
        person.role,
        person.departments.clone(),
        shared::admin::all_permissions()
            .iter()
            .map(|p| allows_in(grants, person.role, *p))
            .collect(),
    )
}

impl Workspace {
    /// The operator's setup (the deployment's setup token): refused on a
    /// workspace made by sign-up, whose administrators own it.
    pub(super) fn setup(&mut self, now: i64, setup: WorkspaceSetup, fresh_ids: Vec<AgentId>) {
        if self.origin == Some(super::admin::Origin::SignUp) {
            return self.reply(Err(super::refusal(
                ErrorCode::Forbidden,
                "this workspace was created by sign-up: its administrators change it, not the deployment's setup token",
            )));
        }
        let first = self.origin.is_none();
        match self.define(now, setup, fresh_ids) {
            Ok(done) => {
                if first {
                    self.origin = Some(super::admin::Origin::Operator);
                    self.write(Row::Origin(super::admin::Origin::Operator));
                }
                let summary = format!(
                    "The deployment's setup defined the workspace: {} people",
                    done.agents.len()
                );
                self.audit(
                    now,
                    &super::audit::Actor::Operator,
                    "workspace.setup",
                    "",
                    summary,
                );
                self.reply(Ok(Answer::Setup(done)));
            }
            Err(r) => self.reply(Err(r)),
        }
    }

    /// Checks a whole definition and applies it (the one path of every
    /// setup, import, settings section and change to people): a refusal
    /// changes nothing.
    pub(super) fn define(
        &mut self,
        now: i64,
        setup: WorkspaceSetup,
        fresh_ids: Vec<AgentId>,
    ) -> Result<SetupDone, super::Refusal> {
        if let Err(why) = validate_setup(&setup) {
            return Err(super::refusal(ErrorCode::BadRequest, &why));
        }
        let departments: BTreeMap<DepartmentId, Department> = setup
            .departments
            .iter()
            .map(|d| {
                let department = Department {
                    id: DepartmentId(d.id.clone()),
                    name: d.name.trim().to_owned(),
                    hours: parse_hours(d).unwrap_or_default(),
                    utc_offset_minutes: d.utc_offset_minutes,
                };
                (department.id.clone(), department)
            })
            .collect();
        // A department with open conversations cannot go away.
        if let Some(s) = self
            .index
            .values()
            .find(|s| !departments.contains_key(s.department.as_str()))
        {
            let why = format!(
                "department \"{}\" still has open conversations; forward or close them first",
                s.department
            );
            return Err(super::refusal(ErrorCode::BadRequest, &why));
        }
        let by_email: BTreeMap<String, &Person> = self
            .people
            .values()
            .map(|p| (p.email.to_ascii_lowercase(), p))
            .collect();
        let mut fresh = fresh_ids.into_iter();
        let mut people = BTreeMap::new();
        for a in &setup.agents {
            let email = a.email.trim().to_owned();
            let known = by_email.get(&email.to_ascii_lowercase()).copied();
            let id = match known {
                Some(p) => p.id.clone(),
                None => match fresh.next() {
                    Some(id) => id,
                    None => {
                        return Err(super::refusal(
                            ErrorCode::Internal,
                            "not enough fresh ids for the new people",
                        ))
                    }
                },
            };
            let generation = match known {
                // A new password ends every session of the old one, and so
                // does a deactivation.
                Some(p) if p.password_hash != a.password || (p.active && !a.active) => {
                    p.generation + 1
                }
                Some(p) => p.generation,
                None => 0,
            };
            let mut departments: Vec<DepartmentId> = a
                .departments
                .iter()
                .map(|d| DepartmentId(d.clone()))
                .collect();
            departments.sort();
            departments.dedup();
            people.insert(
                id.clone(),
                Person {
                    id,
                    email,
                    name: a.name.trim().to_owned(),
                    role: a.role,
                    password_hash: a.password.clone(),
                    departments,
                    generation,
                    username: username_of(a),
                    capacity: a.capacity,
                    active: a.active,
                },
            );
        }
        let mut grants = Grants::new();
        for g in &setup.grants {
            let mut permissions = g.permissions.clone();
            permissions.sort();
            permissions.dedup();
            grants.insert(g.role, permissions);
        }
        let sites: BTreeMap<String, Site> = setup
            .sites
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    Site {
                        id: s.id.clone(),
                        name: s.name.trim().to_owned(),
                        department: DepartmentId(s.department.clone()),
                        options: s.options(),
                    },
                )
            })
            .collect();

        // Checked: from here on, everything applies.
        let old_people = std::mem::replace(&mut self.people, people);
        let old_grants = std::mem::replace(&mut self.grants, grants);
        let old_departments = std::mem::replace(&mut self.departments, departments);
        let old_sites = std::mem::replace(&mut self.sites, sites);
        let labels = shared::room::Labels {
            tags: setup
                .labels
                .tags
                .iter()
                .map(|t| t.trim().to_owned())
                .collect(),
            dispositions: setup
                .labels
                .dispositions
                .iter()
                .map(|t| t.trim().to_owned())
                .collect(),
            restrict_tags: setup.labels.restrict_tags,
        };
        if let Some(name) = setup.name.as_ref().map(|n| n.trim().to_owned()) {
            if name != self.name {
                self.name = name.clone();
                self.write(Row::Name(name));
            }
        }
        if labels != self.labels {
            self.labels = labels.clone();
            self.write(Row::Labels(labels));
        }
        if setup.files != self.files {
            self.files = setup.files.clone();
            self.write(Row::Files(setup.files.clone()));
        }
        if setup.calls != self.calls {
            self.calls = setup.calls.clone();
            self.write(Row::Calls(setup.calls.clone()));
        }
        for (id, d) in &self.departments {
            if old_departments.get(id) != Some(d) {
                self.out
                    .push_back(super::Output::Write(Row::Department(d.clone())));
            }
        }
        let gone: Vec<DepartmentId> = old_departments
            .keys()
            .filter(|k| !self.departments.contains_key(*k))
            .cloned()
            .collect();
        for id in gone {
            self.write(Row::RemoveDepartment(id));
        }
        for (id, s) in &self.sites {
            if old_sites.get(id) != Some(s) {
                self.out
                    .push_back(super::Output::Write(Row::Site(s.clone())));
            }
        }
        let gone: Vec<String> = old_sites
            .keys()
            .filter(|k| !self.sites.contains_key(*k))
            .cloned()
            .collect();
        for id in gone {
            self.write(Row::RemoveSite(id));
        }
        if self.grants != old_grants {
            self.write(Row::Grants(self.grants.clone()));
        }
        let changed: Vec<Person> = self
            .people
            .values()
            .filter(|p| old_people.get(&p.id) != Some(*p))
            .cloned()
            .collect();
        for p in &changed {
            self.write(Row::Person(p.clone()));
        }
        let removed: Vec<Person> = old_people
            .values()
            .filter(|p| !self.people.contains_key(&p.id))
            .cloned()
            .collect();
        for p in &removed {
            self.write(Row::RemovePerson(p.id.clone()));
        }

        // The router learns the settings and everyone's departments. A role
        // that may not take or reply is routed nothing.
        self.settle(now, router::Input::Settings(settings(&setup)));
        let everyone: Vec<Person> = self.people.values().filter(|p| p.active).cloned().collect();
        for p in &everyone {
            let departments = if inbox::works_chats(&self.grants, p.role) {
                p.departments.clone()
            } else {
                Vec::new()
            };
            self.settle(
                now,
                router::Input::Agent {
                    id: p.id.clone(),
                    departments,
                    capacity: p.capacity,
                },
            );
            let open = self.open_sockets(&p.id);
            self.settle(
                now,
                router::Input::Sockets {
                    agent: p.id.clone(),
                    open,
                },
            );
        }
        for p in &removed {
            self.release(now, p);
        }
        // The newly deactivated leave the router like the removed.
        let deactivated: Vec<Person> = self
            .people
            .values()
            .filter(|p| !p.active && old_people.get(&p.id).is_some_and(|o| o.active))
            .cloned()
            .collect();
        for p in &deactivated {
            self.release(now, p);
        }

        // Sockets already open follow at once.
        self.recheck_sockets();
        for before in old_people.values() {
            let after = self
                .people
                .get(&before.id)
                .filter(|a| a.generation == before.generation)
                .cloned();
            let narrowed = match &after {
                // Removed, or a new password: their sessions end.
                None => true,
                Some(a) => rights(a, &self.grants) != rights(before, &old_grants),
            };
            if narrowed {
                self.revise_conversations(&before.id, after.as_ref());
            }
        }
        let agents = self.people.values().map(Person::profile).collect();
        Ok(SetupDone { agents })
    }

    /// A removed person's chats go back to their queues.
    fn release(&mut self, now: i64, person: &Person) {
        let theirs: Vec<ConversationId> = self
            .index
            .values()
            .filter(|s| {
                matches!(
                    s.status,
                    ConversationStatus::Active | ConversationStatus::OnHold
                ) && s
                    .assignee
                    .as_ref()
                    .is_some_and(|a| a.id == person.id.as_str())
            })
            .map(|s| s.id.clone())
            .collect();
        self.settle(
            now,
            router::Input::RemoveAgent {
                id: person.id.clone(),
            },
        );
        for id in theirs {
            self.call(
                id,
                Request::Lifecycle {
                    action: Action::Requeue {
                        by: person.participant(),
                    },
                },
                Then::Nothing,
            );
        }
    }

    /// Re-checks every conversation socket an agent opened: closed when
    /// their session ended or they may no longer see it, narrowed otherwise.
    fn revise_conversations(&mut self, agent: &AgentId, now_is: Option<&Person>) {
        self.revise_opened(agent, now_is, None);
    }

    /// After an agent moved a conversation away (a forward): their sockets
    /// to it close unless they may still see it.
    pub(super) fn recheck_opened(&mut self, agent: &AgentId, conversation: &ConversationId) {
        let Some(person) = self.people.get(agent).cloned() else {
            return;
        };
        let may_see = self
            .index
            .get(conversation)
            .is_some_and(|s| inbox::may_open(&self.view(&person), s));
        if !may_see {
            self.revise_opened(agent, Some(&person), Some(conversation));
        }
    }

    fn revise_opened(
        &mut self,
        agent: &AgentId,
        now_is: Option<&Person>,
        only: Option<&ConversationId>,
    ) {
        let theirs: Vec<ConversationId> = self
            .opened
            .iter()
            .filter(|(a, c)| a == agent && only.is_none_or(|o| o == c))
            .map(|(_, c)| c.clone())
            .collect();
        for conversation in theirs {
            let (access, code, reason) = match now_is {
                None => (
                    None,
                    close::UNAUTHORIZED,
                    "your session has ended; sign in again",
                ),
                Some(p) => {
                    let summary = self.index.get(&conversation);
                    let view = self.view(p);
                    match summary {
                        Some(s) if inbox::may_open(&view, s) => (
                            Some(Access {
                                may_reply: allows_in(&self.grants, p.role, Permission::Reply),
                                may_monitor: allows_in(&self.grants, p.role, Permission::Monitor),
                            }),
                            0,
                            "",
                        ),
                        _ => (
                            None,
                            close::FORBIDDEN,
                            "you may no longer see this conversation",
                        ),
                    }
                }
            };
            if access.is_none() {
                self.opened.remove(&(agent.clone(), conversation.clone()));
                self.write(Row::ForgetOpenedBy(agent.clone(), conversation.clone()));
            }
            self.call(
                conversation,
                Request::Revise {
                    agent: agent.clone(),
                    access,
                    code,
                    reason: reason.to_owned(),
                },
                Then::Nothing,
            );
        }
    }
}
