//! Canned responses: who sees which, who may make or remove one, and what a
//! shortcut may be. The workspace keeps them; an agent sees the public
//! ones, their departments' and their own private ones.

use super::{Answer, Person, Row, Workspace};
use crate::conversation::Refusal;
use crate::permissions::{allows_in, Permission};
use shared::canned::{CannedRequest, CannedResponse, Scope, MAX_CANNED, MAX_SHORTCUT_CHARS};
use shared::frame::ErrorCode;
use shared::MAX_TEXT_CHARS;

fn bad(message: &str) -> Refusal {
    super::refusal(ErrorCode::BadRequest, message)
}

/// A shortcut as stored: without its `!`, lowercase; `Err` says what is
/// wrong with it.
pub fn shortcut(text: &str) -> Result<String, Refusal> {
    let s = text.trim().trim_start_matches('!').to_lowercase();
    let valid = (1..=MAX_SHORTCUT_CHARS).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(bad(&format!(
            "a shortcut has 1 to {MAX_SHORTCUT_CHARS} letters, digits, - or _"
        )));
    }
    Ok(s)
}

impl Workspace {
    /// Whether `person` sees `canned`.
    fn sees(&self, person: &Person, canned: &CannedResponse) -> bool {
        match &canned.scope {
            Scope::Public => true,
            Scope::Department { department } => {
                person.departments.iter().any(|d| d.as_str() == department)
                    || allows_in(&self.grants, person.role, Permission::Monitor)
            }
            Scope::Private => canned.owner == person.id.0,
        }
    }

    /// The canned responses an agent sees, by shortcut (their private ones
    /// first when shortcuts repeat: that is what `!shortcut` inserts).
    pub fn canned_for(&self, who: &super::Principal) -> Result<Vec<CannedResponse>, Refusal> {
        let person = self.authenticate(who)?;
        let mut list: Vec<CannedResponse> = self
            .canned
            .values()
            .filter(|c| self.sees(person, c))
            .cloned()
            .collect();
        let rank = |s: &Scope| match s {
            Scope::Private => 0,
            Scope::Department { .. } => 1,
            Scope::Public => 2,
        };
        list.sort_by(|a, b| {
            (a.shortcut.as_str(), rank(&a.scope)).cmp(&(b.shortcut.as_str(), rank(&b.scope)))
        });
        Ok(list)
    }

    /// Makes a canned response with the fresh `id`.
    pub(super) fn save_canned(
        &mut self,
        now: i64,
        person: &Person,
        id: String,
        request: CannedRequest,
    ) -> Result<(), Refusal> {
        let may = |p| allows_in(&self.grants, person.role, p);
        if !may(Permission::CreateCannedResponse) {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "your role cannot create canned responses",
            ));
        }
        match &request.scope {
            Scope::Private => {}
            Scope::Department { department } => {
                if !self.departments.keys().any(|d| d.as_str() == department) {
                    return Err(bad(&format!("no department \"{department}\"")));
                }
                if !may(Permission::ManageWorkspace) {
                    return Err(super::refusal(
                        ErrorCode::Forbidden,
                        "only managers create canned responses for a department",
                    ));
                }
            }
            Scope::Public => {
                if !may(Permission::ManageWorkspace) {
                    return Err(super::refusal(
                        ErrorCode::Forbidden,
                        "only managers create public canned responses",
                    ));
                }
            }
        }
        let shortcut = shortcut(&request.shortcut)?;
        let text = request.text.trim().to_owned();
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_TEXT_CHARS {
            return Err(bad(&format!(
                "a canned response has 1 to {MAX_TEXT_CHARS} characters"
            )));
        }
        let owner = person.id.0.clone();
        let taken = self.canned.values().any(|c| {
            c.shortcut == shortcut
                && c.scope == request.scope
                && (c.scope != Scope::Private || c.owner == owner)
        });
        if taken {
            return Err(super::refusal(
                ErrorCode::BadRequest,
                &format!("!{shortcut} is already taken there"),
            ));
        }
        if self.canned.len() >= MAX_CANNED {
            return Err(bad(&format!(
                "a workspace keeps at most {MAX_CANNED} canned responses"
            )));
        }
        let canned = CannedResponse {
            id: id.clone(),
            shortcut,
            text,
            scope: request.scope,
            owner,
            updated_at: now,
        };
        self.canned.insert(id, canned.clone());
        self.write(Row::Canned(canned.clone()));
        self.reply(Ok(Answer::Canned(canned)));
        Ok(())
    }

    /// Removes a canned response: its owner, or a manager.
    pub(super) fn remove_canned(&mut self, person: &Person, id: &str) -> Result<(), Refusal> {
        let Some(canned) = self.canned.get(id).filter(|c| self.sees(person, c)) else {
            return Err(super::refusal(
                ErrorCode::NotFound,
                "no such canned response",
            ));
        };
        let manager = allows_in(&self.grants, person.role, Permission::ManageWorkspace);
        if canned.owner != person.id.0 && !manager {
            return Err(super::refusal(
                ErrorCode::Forbidden,
                "only its author or a manager removes a canned response",
            ));
        }
        self.canned.remove(id);
        self.write(Row::RemoveCanned(id.to_owned()));
        self.reply(Ok(Answer::Done));
        Ok(())
    }
}
