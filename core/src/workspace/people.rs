//! One-time links: invitations (a new person joins with the role an
//! administrator chose) and password resets. The worker makes each token
//! (32 random bytes) and mails the link; the workspace keeps only the
//! token's SHA-256 ([`digest`]), so its storage cannot be replayed. A link
//! works once, until it expires: [`INVITATION_MS`], [`RESET_MS`].

use super::admin::{person_info, wire_name};
use super::audit::Actor;
use super::{Answer, Person, Refusal, Row, Workspace};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::admin::{Invitation, InvitationInfo, InvitationRequest};
use shared::api::AgentSetup;
use shared::frame::ErrorCode;
use shared::ids::AgentId;

/// How long an invitation's link works.
pub const INVITATION_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// How long a password reset's link works.
pub const RESET_MS: i64 = 24 * 60 * 60 * 1000;
/// The shortest password a link accepts.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Most invitations waiting at once.
pub const MAX_INVITATIONS: usize = 500;

/// A token's SHA-256, in lowercase hex: what the workspace keeps.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Not used yet.
    Pending,
    /// Used.
    Used,
    /// Withdrawn by an administrator (or replaced by a newer link).
    Revoked,
}

/// An invitation as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredInvitation {
    /// As listed.
    pub invitation: Invitation,
    /// Their own capacity.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// The token's digest.
    pub token_hash: String,
    /// Where it stands.
    pub state: LinkState,
}

/// A password reset as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReset {
    /// The token's digest.
    pub token_hash: String,
    /// Whose password.
    pub person: AgentId,
    /// When it stops working.
    pub expires_at: i64,
    /// Where it stands.
    pub state: LinkState,
}

/// Someone follows a link (the password hashed by the worker, which
/// checked its length first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "link", rename_all = "snake_case")]
pub enum Redeem {
    /// Accept an invitation.
    Invitation {
        /// The token from the link.
        token: String,
        /// Their name.
        name: String,
        /// Their password's hash.
        password_hash: String,
        /// Their id.
        fresh_id: AgentId,
    },
    /// Set a new password.
    Reset {
        /// The token from the link.
        token: String,
        /// The new password's hash.
        password_hash: String,
    },
}

fn bad(message: impl Into<String>) -> Refusal {
    Refusal {
        code: ErrorCode::BadRequest,
        message: message.into(),
    }
}

fn gone(message: &str) -> Refusal {
    Refusal {
        code: ErrorCode::NotFound,
        message: message.to_owned(),
    }
}

/// Why a link no longer works, as a sentence; `None` while it does.
fn spent(state: LinkState, expires_at: i64, now: i64, what: &str) -> Option<Refusal> {
    match state {
        LinkState::Used => Some(bad(format!("this {what} link was already used"))),
        LinkState::Revoked => Some(bad(format!("this {what} link was withdrawn"))),
        LinkState::Pending if expires_at <= now => Some(bad(format!(
            "this {what} link has expired; ask an administrator for a new one"
        ))),
        LinkState::Pending => None,
    }
}

impl Workspace {
    /// The invitations not yet accepted or withdrawn (expired ones
    /// included, until replaced).
    pub fn invitations(&self, who: &super::Principal) -> Result<Vec<Invitation>, Refusal> {
        self.administrator(who)?;
        let mut list: Vec<Invitation> = self
            .invitations
            .values()
            .filter(|i| i.state == LinkState::Pending)
            .map(|i| i.invitation.clone())
            .collect();
        list.sort_by_key(|i| std::cmp::Reverse(i.created_at));
        Ok(list)
    }

    /// What the accept page shows of an invitation, or why the link does
    /// not work.
    pub fn invitation_info(
        &self,
        token: &str,
        slug: &str,
        now: i64,
    ) -> Result<InvitationInfo, Refusal> {
        let found = self.invitation_by_token(token)?;
        if let Some(r) = spent(found.state, found.invitation.expires_at, now, "invitation") {
            return Err(r);
        }
        Ok(InvitationInfo {
            workspace: slug.to_owned(),
            workspace_name: self.name.clone(),
            email: found.invitation.email.clone(),
            name: found.invitation.name.clone(),
        })
    }

    fn invitation_by_token(&self, token: &str) -> Result<&StoredInvitation, Refusal> {
        let hash = digest(token);
        self.invitations
            .values()
            .find(|i| i.token_hash == hash)
            .ok_or_else(|| gone("this invitation link is not valid"))
    }

    pub(super) fn invite(
        &mut self,
        now: i64,
        by: &Person,
        id: String,
        token: &str,
        request: InvitationRequest,
    ) -> Result<Answer, Refusal> {
        let email = request.email.trim().to_owned();
        if !shared::api::is_plausible_email(&email) {
            return Err(bad(format!(
                "\"{}\" is not an email address",
                request.email
            )));
        }
        if self.person_by_email(&email).is_some() {
            return Err(bad(format!(
                "{email} is already a person of this workspace"
            )));
        }
        let lower = email.to_ascii_lowercase();
        let waiting = self.invitations.values().any(|i| {
            i.state == LinkState::Pending
                && i.invitation.expires_at > now
                && i.invitation.email.to_ascii_lowercase() == lower
        });
        if waiting {
            return Err(bad(format!(
                "{email} is already invited; withdraw that invitation to send a new one"
            )));
        }
        if request.role == shared::api::Role::Unknown {
            return Err(bad("the role is agent, manager or admin"));
        }
        if let Some(d) = request
            .departments
            .iter()
            .find(|d| !self.departments.contains_key(d.as_str()))
        {
            return Err(bad(format!("no department \"{d}\"")));
        }
        if request.capacity == Some(0) {
            return Err(bad("a capacity is at least 1"));
        }
        if request.name.chars().count() > 200 {
            return Err(bad("a name has at most 200 characters"));
        }
        let pending = self
            .invitations
            .values()
            .filter(|i| i.state == LinkState::Pending)
            .count();
        if pending >= MAX_INVITATIONS {
            return Err(bad(format!(
                "at most {MAX_INVITATIONS} invitations wait at once"
            )));
        }
        // An expired invitation to the same address gives way.
        let replaced: Vec<String> = self
            .invitations
            .values()
            .filter(|i| {
                i.state == LinkState::Pending && i.invitation.email.to_ascii_lowercase() == lower
            })
            .map(|i| i.invitation.id.clone())
            .collect();
        for old in replaced {
            if let Some(mut i) = self.invitations.remove(&old) {
                i.state = LinkState::Revoked;
                self.write(Row::Invitation(i));
            }
        }
        let invitation = Invitation {
            id: id.clone(),
            email: email.clone(),
            name: request.name.trim().to_owned(),
            role: request.role,
            departments: request.departments,
            invited_by: by.name.clone(),
            created_at: now,
            expires_at: now + INVITATION_MS,
        };
        let stored = StoredInvitation {
            invitation: invitation.clone(),
            capacity: request.capacity,
            token_hash: digest(token),
            state: LinkState::Pending,
        };
        self.invitations.insert(id.clone(), stored.clone());
        self.write(Row::Invitation(stored));
        self.audit(
            now,
            &Actor::of(by),
            "person.invite",
            &email,
            format!("{email} was invited as {}", wire_name(&invitation.role)),
        );
        Ok(Answer::Invited(invitation))
    }

    pub(super) fn revoke_invitation(
        &mut self,
        now: i64,
        by: &Actor,
        id: &str,
    ) -> Result<Answer, Refusal> {
        let Some(mut i) = self
            .invitations
            .get(id)
            .filter(|i| i.state == LinkState::Pending)
            .cloned()
        else {
            return Err(gone("no such invitation"));
        };
        i.state = LinkState::Revoked;
        let email = i.invitation.email.clone();
        self.invitations.insert(id.to_owned(), i.clone());
        self.write(Row::Invitation(i));
        self.audit(
            now,
            by,
            "invitation.revoke",
            &email,
            format!("The invitation of {email} was withdrawn"),
        );
        Ok(Answer::Done)
    }

    pub(super) fn make_reset(
        &mut self,
        now: i64,
        by: &Actor,
        person: &AgentId,
        token: &str,
    ) -> Result<Answer, Refusal> {
        let Some(p) = self.people.get(person).cloned() else {
            return Err(gone("no such person"));
        };
        if !p.active {
            return Err(bad(format!(
                "{} is deactivated; reactivate them first",
                p.name
            )));
        }
        // An older link of theirs stops working.
        let older: Vec<String> = self
            .resets
            .values()
            .filter(|r| r.person == *person && r.state == LinkState::Pending)
            .map(|r| r.token_hash.clone())
            .collect();
        for hash in older {
            if let Some(r) = self.resets.get_mut(&hash) {
                r.state = LinkState::Revoked;
                let r = r.clone();
                self.write(Row::Reset(r));
            }
        }
        let reset = StoredReset {
            token_hash: digest(token),
            person: person.clone(),
            expires_at: now + RESET_MS,
            state: LinkState::Pending,
        };
        self.resets.insert(reset.token_hash.clone(), reset.clone());
        self.write(Row::Reset(reset.clone()));
        self.audit(
            now,
            by,
            "person.password_reset",
            &person.0,
            format!("A password reset link was sent to {} ({})", p.name, p.email),
        );
        Ok(Answer::ResetFor(person_info(&p), reset.expires_at))
    }

    /// Someone follows a one-time link.
    pub(super) fn redeem(&mut self, now: i64, redeem: Redeem) {
        let answer = match redeem {
            Redeem::Invitation {
                token,
                name,
                password_hash,
                fresh_id,
            } => self.accept(now, &token, name, password_hash, fresh_id),
            Redeem::Reset {
                token,
                password_hash,
            } => self.reset_password(now, &token, password_hash),
        };
        self.reply(answer);
    }

    fn accept(
        &mut self,
        now: i64,
        token: &str,
        name: String,
        password_hash: String,
        fresh_id: AgentId,
    ) -> Result<Answer, Refusal> {
        let found = self.invitation_by_token(token)?.clone();
        if let Some(r) = spent(found.state, found.invitation.expires_at, now, "invitation") {
            return Err(r);
        }
        let invitation = &found.invitation;
        if self.person_by_email(&invitation.email).is_some() {
            return Err(bad(format!(
                "{} is already a person of this workspace",
                invitation.email
            )));
        }
        let name = if name.trim().is_empty() {
            invitation.name.clone()
        } else {
            name.trim().to_owned()
        };
        if name.is_empty() {
            return Err(bad("a name is required"));
        }
        let mut setup = self.current_setup("invited");
        // Departments removed since the invitation are left out.
        let departments = invitation
            .departments
            .iter()
            .filter(|d| self.departments.contains_key(d.as_str()))
            .cloned()
            .collect();
        let username = self.free_username(&invitation.email);
        setup.agents.push(AgentSetup {
            email: invitation.email.clone(),
            name: name.clone(),
            role: invitation.role,
            password: password_hash,
            departments,
            username: Some(username),
            capacity: found.capacity,
            active: true,
        });
        self.define(now, setup, vec![fresh_id])?;
        let mut used = found.clone();
        used.state = LinkState::Used;
        self.invitations
            .insert(used.invitation.id.clone(), used.clone());
        self.write(Row::Invitation(used));
        let person = self
            .person_by_email(&invitation.email)
            .cloned()
            .ok_or_else(|| gone("no such person"))?;
        self.audit(
            now,
            &Actor::of(&person),
            "person.join",
            &person.id.0,
            format!(
                "{name} ({}) accepted the invitation of {} as {}",
                person.email,
                invitation.invited_by,
                wire_name(&person.role)
            ),
        );
        Ok(Answer::SignedIn(person.profile(), person.generation))
    }

    /// A username no one has: the email's, else with a number after it.
    fn free_username(&self, email: &str) -> String {
        let base: String = super::vocabulary::default_username(email)
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .take(24)
            .collect();
        let base = if base.is_empty() {
            "person".into()
        } else {
            base
        };
        let taken = |u: &str| self.people.values().any(|p| p.username() == u);
        if !taken(&base) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|u| !taken(u))
            .unwrap_or(base)
    }

    fn reset_password(
        &mut self,
        now: i64,
        token: &str,
        password_hash: String,
    ) -> Result<Answer, Refusal> {
        let hash = digest(token);
        let Some(found) = self.resets.get(&hash).cloned() else {
            return Err(gone("this password reset link is not valid"));
        };
        if let Some(r) = spent(found.state, found.expires_at, now, "password reset") {
            return Err(r);
        }
        let Some(person) = self.people.get(&found.person).cloned() else {
            return Err(gone("this password reset link is not valid"));
        };
        if !person.active {
            return Err(bad("this account is deactivated"));
        }
        let mut setup = self.current_setup("reset");
        if let Some(a) = setup.agents.iter_mut().find(|a| a.email == person.email) {
            // A new hash: the workspace starts a new token generation, so
            // every older session ends.
            a.password = password_hash;
        }
        self.define(now, setup, Vec::new())?;
        let mut used = found;
        used.state = LinkState::Used;
        self.resets.insert(hash, used.clone());
        self.write(Row::Reset(used));
        self.audit(
            now,
            &Actor::of(&person),
            "person.password_reset",
            &person.id.0,
            format!("{} set a new password from a reset link", person.name),
        );
        let person = self
            .people
            .get(&person.id)
            .cloned()
            .ok_or_else(|| gone("no such person"))?;
        Ok(Answer::SignedIn(person.profile(), person.generation))
    }
}
