//! Administration: the workspace's settings as its administrators edit
//! them, a section at a time, and its people. Every change rebuilds the
//! workspace's current definition ([`Workspace::current_setup`]), replaces
//! what changed, and goes through the one path of a setup
//! ([`Workspace::define`]): checked whole before anything applies, then
//! applied at once (a narrowed grant or a removed department reaches open
//! sockets; people unchanged keep their sessions). Each applied change
//! writes one audit entry in the same step; a refused one writes nothing.
//!
//! Ownership: a workspace remembers who created it ([`Origin`]). The
//! deployment's setup token may redefine what the operator created, never
//! a workspace made by sign-up.

use super::audit::{listed, Actor};
use super::{Answer, Person, Principal, Refusal, Row, Workspace};
use crate::permissions::{allows_in, Grants, Permission};
use serde::{Deserialize, Serialize};
use shared::admin::{
    ApiTokenRequest, InvitationRequest, PersonEdit, PersonInfo, RotatedSecret, Settings,
};
use shared::api::{
    AgentSetup, DepartmentRouting, DepartmentSetup, OpeningHours, Role, RoleGrants, RoutingSetup,
    SiteSetup, WorkspaceSetup,
};
use shared::frame::ErrorCode;
use shared::ids::AgentId;
use std::collections::{BTreeMap, BTreeSet};

/// Who created a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The deployment's operator, with the setup token.
    Operator,
    /// Its first administrator, by sign-up.
    SignUp,
}

/// An administrative change, as the worker sends it (ids, secrets and
/// tokens made there, passwords already hashed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AdminChange {
    /// Replace the departments (hours, clock).
    Departments {
        /// The new list.
        departments: Vec<DepartmentSetup>,
    },
    /// Replace the sites.
    Sites {
        /// The new list.
        sites: Vec<SiteSetup>,
    },
    /// Replace the routing settings.
    Routing {
        /// The new settings.
        routing: RoutingSetup,
    },
    /// Replace the roles' grants.
    Grants {
        /// Each role listed gets exactly these permissions.
        grants: Vec<RoleGrants>,
    },
    /// Replace the tags and dispositions.
    Labels {
        /// The new lists.
        labels: shared::room::Labels,
    },
    /// Replace the call settings.
    Calls {
        /// The new settings.
        calls: Box<shared::call::CallSettings>,
    },
    /// Give a site a new identity secret (made by the worker).
    RotateSecret {
        /// The site.
        site: String,
        /// Its new secret.
        secret: String,
    },
    /// Replace the whole definition (an import); the administrator making
    /// it is kept when it does not list them.
    Workspace {
        /// The definition, passwords hashed.
        setup: WorkspaceSetup,
        /// Ids for new people.
        fresh_ids: Vec<AgentId>,
    },
    /// Change one person.
    EditPerson {
        /// Who.
        id: AgentId,
        /// What.
        edit: PersonEdit,
    },
    /// Invite someone; the worker made the id and the token.
    Invite {
        /// The invitation's id.
        id: String,
        /// The one-time token (kept only as its digest).
        token: String,
        /// Whom, with which role.
        request: InvitationRequest,
    },
    /// Withdraw an invitation.
    RevokeInvitation {
        /// Its id.
        id: String,
    },
    /// Make a password reset link for a person.
    PasswordReset {
        /// Who.
        person: AgentId,
        /// The one-time token (kept only as its digest).
        token: String,
    },
    /// Make an API token; the worker made the id and the secret.
    CreateApiToken {
        /// Its id.
        id: String,
        /// The bearer token (kept only as its digest).
        token: String,
        /// Its name and scopes.
        request: ApiTokenRequest,
    },
    /// Revoke an API token.
    RevokeApiToken {
        /// Its id.
        id: String,
    },
}

const ROLES: [Role; 3] = [Role::Agent, Role::Manager, Role::Admin];

/// "HH:MM" from minutes after midnight.
fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A value's wire name (an enum's serde name).
pub(super) fn wire_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "?".into(),
    }
}

fn grants_of(setup: &WorkspaceSetup) -> Grants {
    setup
        .grants
        .iter()
        .map(|g| (g.role, g.permissions.clone()))
        .collect()
}

/// Whether a definition leaves someone active who may manage the
/// workspace.
pub fn has_manager(setup: &WorkspaceSetup) -> bool {
    let grants = grants_of(setup);
    setup
        .agents
        .iter()
        .any(|a| a.active && allows_in(&grants, a.role, Permission::ManageWorkspace))
}

fn refused(message: impl Into<String>) -> Refusal {
    Refusal {
        code: ErrorCode::BadRequest,
        message: message.into(),
    }
}

fn not_found(what: &str) -> Refusal {
    Refusal {
        code: ErrorCode::NotFound,
        message: format!("no such {what}"),
    }
}

/// What changed in a list of named things, for a summary.
fn diff<T: PartialEq>(
    what: &str,
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> (&str, &str),
) -> String {
    let before_ids: BTreeMap<&str, &T> = before.iter().map(|t| (key(t).0, t)).collect();
    let after_ids: BTreeMap<&str, &T> = after.iter().map(|t| (key(t).0, t)).collect();
    let name = |t: &T| {
        let (id, name) = key(t);
        format!("{name} ({id})")
    };
    let added: Vec<String> = after
        .iter()
        .filter(|t| !before_ids.contains_key(key(t).0))
        .map(name)
        .collect();
    let removed: Vec<String> = before
        .iter()
        .filter(|t| !after_ids.contains_key(key(t).0))
        .map(name)
        .collect();
    let changed: Vec<String> = after
        .iter()
        .filter(|t| before_ids.get(key(t).0).is_some_and(|b| *b != *t))
        .map(name)
        .collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", listed(&added)));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", listed(&removed)));
    }
    if !changed.is_empty() {
        parts.push(format!("changed {}", listed(&changed)));
    }
    if parts.is_empty() {
        format!("{what}: saved unchanged")
    } else {
        format!("{what}: {}", parts.join("; "))
    }
}

impl Workspace {
    /// The workspace's display name.
    pub fn display_name(&self) -> &str {
        &self.name
    }

    /// Who created the workspace, when known.
    pub fn origin(&self) -> Option<Origin> {
        self.origin
    }

    /// Whether a workspace of this name exists (has people or an origin).
    pub fn exists(&self) -> bool {
        self.origin.is_some() || !self.people.is_empty()
    }

    /// The workspace's definition as it stands, with stored password
    /// hashes for passwords (which a setup keeps as they are).
    pub fn current_setup(&self, slug: &str) -> WorkspaceSetup {
        let settings = self.router.settings();
        let departments = self
            .departments
            .values()
            .map(|d| DepartmentSetup {
                id: d.id.0.clone(),
                name: d.name.clone(),
                hours: d
                    .hours
                    .iter()
                    .map(|h| OpeningHours {
                        day: h.day,
                        open: clock(h.open),
                        close: clock(h.close),
                    })
                    .collect(),
                utc_offset_minutes: d.utc_offset_minutes,
            })
            .collect();
        let sites = self
            .sites
            .values()
            .map(|s| {
                let o = &s.options;
                SiteSetup {
                    allowed_origins: o.allowed_origins.clone(),
                    secret: o.secret.clone(),
                    theme: o.theme.clone(),
                    texts: o.texts.clone(),
                    prechat: o.prechat.clone(),
                    rating: o.rating,
                    sound: o.sound,
                    ..SiteSetup::new(&s.id, &s.name, &s.department.0)
                }
            })
            .collect();
        let agents = self
            .people
            .values()
            .map(|p| AgentSetup {
                email: p.email.clone(),
                name: p.name.clone(),
                role: p.role,
                password: p.password_hash.clone(),
                departments: p.departments.iter().map(|d| d.0.clone()).collect(),
                username: Some(p.username()),
                capacity: p.capacity,
                active: p.active,
            })
            .collect();
        let routing = RoutingSetup {
            algorithm: settings.algorithm,
            capacity: settings.capacity,
            offer_timeout_ms: settings.offer_timeout_ms,
            grace_ms: settings.grace_ms,
            departments: settings
                .departments
                .iter()
                .filter(|(_, d)| d.algorithm.is_some() || d.capacity.is_some())
                .map(|(id, d)| DepartmentRouting {
                    department: id.0.clone(),
                    algorithm: d.algorithm,
                    capacity: d.capacity,
                })
                .collect(),
        };
        WorkspaceSetup {
            workspace: slug.to_owned(),
            name: None,
            departments,
            sites,
            agents,
            grants: self
                .grants
                .iter()
                .map(|(role, permissions)| RoleGrants {
                    role: *role,
                    permissions: permissions.clone(),
                })
                .collect(),
            routing: Some(routing),
            labels: self.labels.clone(),
            files: self.files.clone(),
            calls: self.calls.clone(),
        }
    }

    /// The settings as administrators read them: every role's grants as
    /// they apply now.
    pub fn settings(&self, who: &Principal, slug: &str) -> Result<Settings, Refusal> {
        self.administrator(who)?;
        Ok(self.settings_view(slug))
    }

    fn settings_view(&self, slug: &str) -> Settings {
        let setup = self.current_setup(slug);
        Settings {
            workspace: slug.to_owned(),
            name: self.name.clone(),
            departments: setup.departments,
            sites: setup.sites,
            routing: setup.routing,
            grants: ROLES
                .iter()
                .map(|role| RoleGrants {
                    role: *role,
                    permissions: shared::admin::all_permissions()
                        .into_iter()
                        .filter(|p| allows_in(&self.grants, *role, *p))
                        .collect(),
                })
                .collect(),
            labels: setup.labels,
            calls: setup.calls,
        }
    }

    /// Everyone, as administrators list them.
    pub fn people_list(&self, who: &Principal) -> Result<Vec<PersonInfo>, Refusal> {
        self.administrator(who)?;
        Ok(self.people.values().map(person_info).collect())
    }

    /// An administrator's change: checked, applied, logged.
    pub(super) fn administer(
        &mut self,
        now: i64,
        who: Principal,
        slug: String,
        change: AdminChange,
    ) {
        let actor = match self.administrator(&who) {
            Ok(p) => p.clone(),
            Err(r) => return self.reply(Err(r)),
        };
        let answer = self.change(now, &actor, &slug, change);
        self.reply(answer);
    }

    fn change(
        &mut self,
        now: i64,
        actor: &Person,
        slug: &str,
        change: AdminChange,
    ) -> Result<Answer, Refusal> {
        let by = Actor::of(actor);
        let mut setup = self.current_setup(slug);
        let (what, target, summary) = match change {
            AdminChange::Departments { departments } => {
                let summary = diff("Departments", &setup.departments, &departments, |d| {
                    (d.id.as_str(), d.name.as_str())
                });
                // People and routing leave a removed department with it;
                // a site still queueing there is refused by the checks.
                let kept: BTreeSet<String> = departments.iter().map(|d| d.id.clone()).collect();
                for a in &mut setup.agents {
                    a.departments.retain(|d| kept.contains(d));
                }
                if let Some(r) = &mut setup.routing {
                    r.departments.retain(|d| kept.contains(&d.department));
                }
                setup.departments = departments;
                ("departments.update", String::new(), summary)
            }
            AdminChange::Sites { sites } => {
                let summary = diff("Sites", &setup.sites, &sites, |s| {
                    (s.id.as_str(), s.name.as_str())
                });
                setup.sites = sites;
                ("sites.update", String::new(), summary)
            }
            AdminChange::Routing { routing } => {
                let summary = format!(
                    "Routing: {}, offers wait {} s, grace period {} s, capacity {}{}",
                    wire_name(&routing.algorithm),
                    routing.offer_timeout_ms / 1000,
                    routing.grace_ms / 1000,
                    routing
                        .capacity
                        .map_or("unlimited".to_owned(), |c| c.to_string()),
                    if routing.departments.is_empty() {
                        String::new()
                    } else {
                        let names: Vec<String> = routing
                            .departments
                            .iter()
                            .map(|d| d.department.clone())
                            .collect();
                        format!("; own settings for {}", listed(&names))
                    }
                );
                setup.routing = Some(routing);
                ("routing.update", String::new(), summary)
            }
            AdminChange::Grants { grants } => {
                let names: Vec<String> = grants
                    .iter()
                    .map(|g| {
                        let p: Vec<String> = g.permissions.iter().map(wire_name).collect();
                        format!("{}: {}", wire_name(&g.role), listed(&p))
                    })
                    .collect();
                let summary = format!("Grants: {}", names.join("; "));
                setup.grants = grants;
                ("grants.update", String::new(), summary)
            }
            AdminChange::Labels { labels } => {
                let summary = format!(
                    "Tags: {}{}; dispositions: {}",
                    listed(&labels.tags),
                    if labels.restrict_tags {
                        " (only these)"
                    } else {
                        ""
                    },
                    listed(&labels.dispositions)
                );
                setup.labels = labels;
                ("labels.update", String::new(), summary)
            }
            AdminChange::Calls { calls } => {
                let summary = crate::conversation::call::settings_summary(&calls);
                setup.calls = *calls;
                ("calls.update", String::new(), summary)
            }
            AdminChange::RotateSecret { site, secret } => {
                let Some(s) = setup.sites.iter_mut().find(|s| s.id == site) else {
                    return Err(not_found("site"));
                };
                s.secret = Some(secret.clone());
                let summary = format!(
                    "The identity secret of site {} ({site}) was replaced",
                    s.name
                );
                self.redefine(
                    now,
                    &by,
                    setup,
                    Vec::new(),
                    "site.secret.rotate",
                    &site,
                    summary,
                )?;
                return Ok(Answer::Rotated(RotatedSecret { site, secret }));
            }
            AdminChange::Workspace {
                setup: mut import,
                fresh_ids,
            } => {
                if import.workspace != slug {
                    return Err(refused(format!(
                        "this definition is for the workspace \"{}\"; you manage \"{slug}\"",
                        import.workspace
                    )));
                }
                // The administrator importing stays, as they are.
                let me = actor.email.to_ascii_lowercase();
                if !import
                    .agents
                    .iter()
                    .any(|a| a.email.trim().to_ascii_lowercase() == me)
                {
                    if let Some(a) = setup
                        .agents
                        .iter()
                        .find(|a| a.email.to_ascii_lowercase() == me)
                    {
                        // In the departments the import keeps.
                        let mut a = a.clone();
                        a.departments
                            .retain(|d| import.departments.iter().any(|k| k.id == *d));
                        import.agents.push(a);
                    }
                }
                let summary = format!(
                    "The whole workspace was replaced: {} departments, {} sites, {} people",
                    import.departments.len(),
                    import.sites.len(),
                    import.agents.len()
                );
                let done =
                    self.redefine(now, &by, import, fresh_ids, "workspace.setup", "", summary)?;
                return Ok(Answer::Setup(done));
            }
            AdminChange::EditPerson { id, edit } => {
                let info = self.edit_person(now, &by, setup, &id, edit)?;
                return Ok(Answer::Person(info));
            }
            AdminChange::Invite { id, token, request } => {
                return self.invite(now, actor, id, &token, request);
            }
            AdminChange::RevokeInvitation { id } => return self.revoke_invitation(now, &by, &id),
            AdminChange::PasswordReset { person, token } => {
                return self.make_reset(now, &by, &person, &token)
            }
            AdminChange::CreateApiToken { id, token, request } => {
                return self.create_api_token(now, actor, id, &token, request)
            }
            AdminChange::RevokeApiToken { id } => return self.revoke_api_token(now, &by, &id),
        };
        self.redefine(now, &by, setup, Vec::new(), what, &target, summary)?;
        Ok(Answer::Settings(Box::new(self.settings_view(slug))))
    }

    /// Applies a whole definition on an administrator's behalf: it must
    /// leave someone who may manage the workspace; logged once applied.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn redefine(
        &mut self,
        now: i64,
        by: &Actor,
        setup: WorkspaceSetup,
        fresh_ids: Vec<AgentId>,
        what: &str,
        target: &str,
        summary: String,
    ) -> Result<shared::api::SetupDone, Refusal> {
        if !has_manager(&setup) {
            return Err(refused(
                "the workspace needs at least one active person who may manage it (manage_workspace)",
            ));
        }
        let done = self.define(now, setup, fresh_ids)?;
        self.audit(now, by, what, target, summary);
        Ok(done)
    }

    fn edit_person(
        &mut self,
        now: i64,
        by: &Actor,
        mut setup: WorkspaceSetup,
        id: &AgentId,
        edit: PersonEdit,
    ) -> Result<PersonInfo, Refusal> {
        let person = self
            .people
            .get(id)
            .cloned()
            .ok_or_else(|| not_found("person"))?;
        let Some(a) = setup.agents.iter_mut().find(|a| a.email == person.email) else {
            return Err(not_found("person"));
        };
        let mut said = Vec::new();
        if let Some(name) = edit.name {
            if name.trim() != a.name {
                said.push(format!("name {} → {}", a.name, name.trim()));
            }
            a.name = name;
        }
        if let Some(role) = edit.role {
            if role == Role::Unknown {
                return Err(refused("the role is agent, manager or admin"));
            }
            if role != a.role {
                said.push(format!(
                    "role {} → {}",
                    wire_name(&a.role),
                    wire_name(&role)
                ));
            }
            a.role = role;
        }
        if let Some(departments) = edit.departments {
            if departments != a.departments {
                said.push(format!("departments {}", listed(&departments)));
            }
            a.departments = departments;
        }
        if let Some(capacity) = edit.capacity {
            if capacity == Some(0) {
                return Err(refused("a capacity is at least 1"));
            }
            if capacity != a.capacity {
                said.push(match capacity {
                    Some(c) => format!("own capacity {c}"),
                    None => "own capacity removed".into(),
                });
            }
            a.capacity = capacity;
        }
        if let Some(active) = edit.active {
            if active != a.active {
                said.push(if active { "reactivated" } else { "deactivated" }.into());
            }
            a.active = active;
        }
        let summary = if said.is_empty() {
            format!("{}: saved unchanged", person.name)
        } else {
            format!("{}: {}", person.name, said.join("; "))
        };
        self.redefine(now, by, setup, Vec::new(), "person.update", &id.0, summary)
            .map_err(|r| {
                if r.message.starts_with("the workspace needs") {
                    refused(format!(
                        "{} is the last active person who may manage the workspace: they cannot be deactivated or lose that permission",
                        person.name
                    ))
                } else {
                    r
                }
            })?;
        self.people
            .get(id)
            .map(person_info)
            .ok_or_else(|| not_found("person"))
    }

    /// A new workspace made by sign-up: refused when the name is taken.
    pub(super) fn sign_up(&mut self, now: i64, setup: WorkspaceSetup, fresh_ids: Vec<AgentId>) {
        if self.exists() {
            return self.reply(Err(Refusal {
                code: ErrorCode::Conflict,
                message: format!(
                    "the workspace name \"{}\" is taken; choose another",
                    setup.workspace
                ),
            }));
        }
        if !has_manager(&setup) {
            return self.reply(Err(refused("a new workspace needs its administrator")));
        }
        let name = setup.name.clone().unwrap_or_default();
        let done = match self.define(now, setup, fresh_ids) {
            Ok(done) => done,
            Err(r) => return self.reply(Err(r)),
        };
        self.origin = Some(Origin::SignUp);
        self.write(Row::Origin(Origin::SignUp));
        let Some(first) = self.people.values().next().cloned() else {
            return self.reply(Err(refused("a new workspace needs its administrator")));
        };
        self.audit(
            now,
            &Actor::of(&first),
            "workspace.create",
            "",
            format!("{} created the workspace {name}", first.name),
        );
        let _ = done;
        self.reply(Ok(Answer::SignedIn(first.profile(), first.generation)));
    }
}

/// A person as administrators list them.
pub fn person_info(p: &Person) -> PersonInfo {
    PersonInfo {
        id: p.id.clone(),
        email: p.email.clone(),
        name: p.name.clone(),
        role: p.role,
        departments: p.departments.iter().map(|d| d.0.clone()).collect(),
        capacity: p.capacity,
        active: p.active,
        username: p.username(),
    }
}
