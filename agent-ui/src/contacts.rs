//! Contacts in the agent app: the calls of `/api/v1/agent/contacts`, the
//! record as the "Contact information" panel and the Contacts directory
//! draw it, and the edit form (what was typed becomes a
//! [`ContactPatch`] of the fields that changed). The server checks every
//! edit; the app only hides the form from those who may not edit.

use crate::api::HttpError;
use chat_client::web::http::{get, patch};
use shared::api::AgentPresence;
use shared::contacts::{Contact, ContactDetail, ContactHistory, ContactPage, ContactPatch};
use shared::ConversationId;
use std::collections::BTreeMap;

/// Percent-encodes a query parameter's value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /api/v1/agent/contacts?q=`: the directory, newest first.
pub async fn search(token: &str, q: &str) -> Result<ContactPage, HttpError> {
    get(
        &format!("/api/v1/agent/contacts?q={}", encode(q)),
        Some(token),
    )
    .await
}

/// `GET /api/v1/agent/contacts/{id}`.
pub async fn detail(token: &str, id: &str) -> Result<ContactDetail, HttpError> {
    get(
        &format!("/api/v1/agent/contacts/{}", encode(id)),
        Some(token),
    )
    .await
}

/// `GET /api/v1/agent/conversations/{id}/contact`.
pub async fn of_conversation(token: &str, id: &ConversationId) -> Result<ContactDetail, HttpError> {
    get(
        &format!("/api/v1/agent/conversations/{id}/contact"),
        Some(token),
    )
    .await
}

/// `PATCH /api/v1/agent/contacts/{id}`.
pub async fn edit(token: &str, id: &str, body: &ContactPatch) -> Result<ContactDetail, HttpError> {
    patch(
        &format!("/api/v1/agent/contacts/{}", encode(id)),
        Some(token),
        body,
    )
    .await
}

/// `GET /api/v1/agent/contacts/{id}/history?q=`.
pub async fn history(token: &str, id: &str, q: &str) -> Result<ContactHistory, HttpError> {
    let path = format!(
        "/api/v1/agent/contacts/{}/history?q={}",
        encode(id),
        encode(q)
    );
    get(&path, Some(token)).await
}

/// The manager's name from the directory, else their id.
pub fn manager_name(contact: &Contact, agents: &[AgentPresence]) -> Option<String> {
    let id = contact.manager.as_ref()?;
    Some(
        agents
            .iter()
            .find(|a| a.id == *id)
            .map_or_else(|| id.0.clone(), |a| a.name.clone()),
    )
}

/// One line of the record: a label and its value ("—" when unknown).
pub fn rows(
    contact: &Contact,
    manager: Option<String>,
    when: impl Fn(i64) -> String,
) -> Vec<(String, String)> {
    let or_dash = |v: Option<String>| v.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".into());
    let mut rows = vec![
        ("Name".to_owned(), contact.name.clone()),
        ("Username".to_owned(), or_dash(contact.username.clone())),
        ("Email".to_owned(), or_dash(contact.email.clone())),
        ("Phone".to_owned(), or_dash(contact.phone.clone())),
        ("Created".to_owned(), when(contact.created_at)),
        (
            "Last chat".to_owned(),
            or_dash(contact.last_chat.as_ref().map(|l| when(l.at))),
        ),
        ("Contact manager".to_owned(), or_dash(manager)),
    ];
    rows.extend(
        contact
            .custom_fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    rows
}

/// What the edit form holds, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    /// Name.
    pub name: String,
    /// Username.
    pub username: String,
    /// Email.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// The manager's agent id, or empty.
    pub manager: String,
    /// Custom fields, one `key = value` a line.
    pub custom_fields: String,
}

fn fields_text(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads `key = value` lines (blank lines skipped); a line without `=` is
/// refused, saying which.
pub fn parse_fields(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut fields = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!("Custom field line {} needs a key = value.", n + 1));
        };
        fields.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    Ok(fields)
}

impl Form {
    /// The form filled with a record.
    pub fn of(contact: &Contact) -> Form {
        Form {
            name: contact.name.clone(),
            username: contact.username.clone().unwrap_or_default(),
            email: contact.email.clone().unwrap_or_default(),
            phone: contact.phone.clone().unwrap_or_default(),
            manager: contact
                .manager
                .as_ref()
                .map(|m| m.0.clone())
                .unwrap_or_default(),
            custom_fields: fields_text(&contact.custom_fields),
        }
    }

    /// The edit of the fields that differ from `contact` (an emptied
    /// optional field clears it).
    pub fn patch(&self, contact: &Contact) -> Result<ContactPatch, String> {
        let before = Form::of(contact);
        let changed =
            |now: &str, was: &str| (now.trim() != was.trim()).then(|| now.trim().to_owned());
        let fields = parse_fields(&self.custom_fields)?;
        Ok(ContactPatch {
            name: changed(&self.name, &before.name),
            email: changed(&self.email, &before.email),
            phone: changed(&self.phone, &before.phone),
            username: changed(&self.username, &before.username),
            manager: changed(&self.manager, &before.manager),
            custom_fields: (fields != contact.custom_fields).then_some(fields),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::contacts::LastChat;
    use shared::AgentId;

    fn contact() -> Contact {
        Contact {
            id: "v_1".into(),
            name: "Ada".into(),
            email: Some("ada@example.com".into()),
            phone: None,
            username: None,
            created_at: 5,
            last_chat: Some(LastChat {
                at: 7,
                conversation: ConversationId::from("c1"),
            }),
            manager: Some(AgentId::from("a_ben")),
            custom_fields: BTreeMap::from([("plan".into(), "gold".into())]),
        }
    }

    #[test]
    fn the_record_in_rows() {
        let shown = rows(&contact(), Some("Ben".into()), |ms| format!("t{ms}"));
        let pairs: Vec<(&str, &str)> = shown
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("Name", "Ada"),
                ("Username", "—"),
                ("Email", "ada@example.com"),
                ("Phone", "—"),
                ("Created", "t5"),
                ("Last chat", "t7"),
                ("Contact manager", "Ben"),
                ("plan", "gold"),
            ]
        );
        assert_eq!(manager_name(&contact(), &[]).as_deref(), Some("a_ben"));
    }

    #[test]
    fn the_form_sends_what_changed() {
        let c = contact();
        let mut form = Form::of(&c);
        assert_eq!(form.patch(&c), Ok(ContactPatch::default()));
        form.name = " Ada Lovelace ".into();
        form.email = "".into();
        form.custom_fields = "plan = gold\n\nseats = 3".into();
        let p = form.patch(&c).unwrap();
        assert_eq!(p.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(p.email.as_deref(), Some(""), "emptied: cleared");
        assert_eq!(p.phone, None);
        assert_eq!(p.custom_fields.unwrap()["seats"], "3");
        form.custom_fields = "no equals sign".into();
        assert!(form.patch(&c).unwrap_err().contains("line 1"));
    }

    #[test]
    fn queries_are_encoded() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
