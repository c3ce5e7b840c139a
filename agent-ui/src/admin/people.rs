//! The Agents screen's forms: an invitation (email, name, role,
//! departments, capacity) and a person's edit (name, role, departments,
//! capacity), sent as only what changed; and what "Deactivate" and
//! "Reactivate" send.

use super::parse_count;
use shared::admin::{InvitationRequest, PersonEdit, PersonInfo};
use shared::api::{is_plausible_email, Role};
use std::collections::BTreeSet;

/// The highest own capacity a form accepts.
pub const MAX_CAPACITY: u32 = 1_000;

/// The "Invite" form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteDraft {
    /// Whom to invite.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their departments.
    pub departments: BTreeSet<String>,
    /// Their own capacity, as typed (empty: the workspace's).
    pub capacity: String,
}

impl Default for InviteDraft {
    fn default() -> Self {
        Self {
            email: String::new(),
            name: String::new(),
            role: Role::Agent,
            departments: BTreeSet::new(),
            capacity: String::new(),
        }
    }
}

impl InviteDraft {
    /// What the form sends, or the hint that stops it.
    pub fn request(&self) -> Result<InvitationRequest, String> {
        let email = self.email.trim();
        if !is_plausible_email(email) {
            return Err("An invitation needs a valid email address.".into());
        }
        let capacity = parse_count(&self.capacity, 1, MAX_CAPACITY, "A capacity")?;
        Ok(InvitationRequest {
            email: email.to_string(),
            name: self.name.trim().to_string(),
            role: self.role,
            departments: self.departments.iter().cloned().collect(),
            capacity,
        })
    }
}

/// A person's "Edit" form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonDraft {
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Departments.
    pub departments: BTreeSet<String>,
    /// Own capacity, as typed.
    pub capacity: String,
}

impl PersonDraft {
    /// The form filled with `person`.
    pub fn of(person: &PersonInfo) -> Self {
        Self {
            name: person.name.clone(),
            role: person.role,
            departments: person.departments.iter().cloned().collect(),
            capacity: super::count_text(person.capacity),
        }
    }

    /// What changed from `person`, or the hint that stops the save; `None`
    /// when nothing changed.
    pub fn edit(&self, person: &PersonInfo) -> Result<Option<PersonEdit>, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("A name is required.".into());
        }
        let capacity = parse_count(&self.capacity, 1, MAX_CAPACITY, "A capacity")?;
        let before: BTreeSet<String> = person.departments.iter().cloned().collect();
        let edit = PersonEdit {
            name: (name != person.name).then(|| name.to_string()),
            role: (self.role != person.role).then_some(self.role),
            departments: (self.departments != before)
                .then(|| self.departments.iter().cloned().collect()),
            capacity: (capacity != person.capacity).then_some(capacity),
            active: None,
        };
        Ok((edit != PersonEdit::default()).then_some(edit))
    }
}

/// What "Deactivate" (for an active person) or "Reactivate" sends.
pub fn toggle_active(person: &PersonInfo) -> PersonEdit {
    PersonEdit {
        active: Some(!person.active),
        ..PersonEdit::default()
    }
}

/// The button that changes whether `person` is active.
pub fn toggle_word(person: &PersonInfo) -> &'static str {
    if person.active {
        "Deactivate"
    } else {
        "Reactivate"
    }
}

/// The question its confirmation asks.
pub fn toggle_question(person: &PersonInfo) -> String {
    if person.active {
        format!(
            "Deactivate {}? They are signed out at once, their chats go back to the queue, and they cannot sign in until reactivated.",
            person.name
        )
    } else {
        format!("Reactivate {}? They can sign in again.", person.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ada() -> PersonInfo {
        PersonInfo {
            id: "a1".into(),
            email: "ada@example.com".into(),
            name: "Ada".into(),
            role: Role::Agent,
            departments: vec!["support".into()],
            capacity: None,
            active: true,
            username: "ada".into(),
        }
    }

    #[test]
    fn an_invitation_sends_what_was_typed() {
        let draft = InviteDraft {
            email: " bob@example.com ".into(),
            name: " Bob ".into(),
            role: Role::Manager,
            departments: ["sales".to_string(), "support".to_string()].into(),
            capacity: "4".into(),
        };
        let request = draft.request().unwrap();
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({ "email": "bob@example.com", "name": "Bob", "role": "manager",
                    "departments": ["sales", "support"], "capacity": 4 })
        );
    }

    #[test]
    fn an_invitation_needs_an_address_and_a_sane_capacity() {
        let mut draft = InviteDraft {
            email: "bob".into(),
            ..InviteDraft::default()
        };
        assert_eq!(
            draft.request().unwrap_err(),
            "An invitation needs a valid email address."
        );
        draft.email = "bob@example.com".into();
        draft.capacity = "0".into();
        assert_eq!(
            draft.request().unwrap_err(),
            "A capacity is a whole number from 1 to 1000"
        );
        draft.capacity = String::new();
        assert_eq!(draft.request().unwrap().capacity, None);
    }

    #[test]
    fn an_edit_sends_only_what_changed() {
        let ada = ada();
        let mut draft = PersonDraft::of(&ada);
        assert_eq!(draft.edit(&ada), Ok(None));
        draft.role = Role::Manager;
        draft.capacity = "3".into();
        let edit = draft.edit(&ada).unwrap().unwrap();
        assert_eq!(
            serde_json::to_value(&edit).unwrap(),
            json!({ "role": "manager", "capacity": 3 })
        );
        // Emptying the capacity removes it: JSON null.
        let mut limited = ada.clone();
        limited.capacity = Some(3);
        let mut draft = PersonDraft::of(&limited);
        draft.capacity = " ".into();
        draft.departments.insert("sales".into());
        let edit = draft.edit(&limited).unwrap().unwrap();
        assert_eq!(
            serde_json::to_value(&edit).unwrap(),
            json!({ "departments": ["sales", "support"], "capacity": null })
        );
    }

    #[test]
    fn an_edit_keeps_a_name() {
        let ada = ada();
        let mut draft = PersonDraft::of(&ada);
        draft.name = "  ".into();
        assert_eq!(draft.edit(&ada).unwrap_err(), "A name is required.");
        draft.name = " Ada L. ".into();
        assert_eq!(
            draft.edit(&ada).unwrap().unwrap().name.as_deref(),
            Some("Ada L.")
        );
    }

    #[test]
    fn deactivation_and_reactivation() {
        let mut ada = ada();
        assert_eq!(
            serde_json::to_value(toggle_active(&ada)).unwrap(),
            json!({ "active": false })
        );
        assert_eq!(toggle_word(&ada), "Deactivate");
        assert!(toggle_question(&ada).starts_with("Deactivate Ada?"));
        ada.active = false;
        assert_eq!(
            serde_json::to_value(toggle_active(&ada)).unwrap(),
            json!({ "active": true })
        );
        assert_eq!(toggle_word(&ada), "Reactivate");
    }
}
