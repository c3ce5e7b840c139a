//! The offline messages: what visitors left through the widget's offline
//! form for the agent's departments while nobody could answer. The inbox
//! socket does not bring them, so [`OfflineMessages`] loads them with
//! `GET /api/v1/agent/offline-messages`: when the desk opens, every 30 s
//! while it stays open, when the view opens, and on "Refresh". The sidebar
//! reads the count, the pane the list.

use crate::api;
use crate::app::SignOut;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::OfflineMessage;
use std::collections::BTreeMap;

/// The offline messages as last loaded, and how loading goes. Cheap to copy;
/// the desk provides one.
#[derive(Clone, Copy)]
pub struct OfflineMessages {
    token: StoredValue<String>,
    sign_out: SignOut,
    /// Newest first; `None` until the first answer.
    list: RwSignal<Option<Vec<OfflineMessage>>>,
    /// Why the last load failed, while it is the last word.
    failure: RwSignal<Option<String>>,
    /// A load is under way.
    loading: RwSignal<bool>,
    /// Department names by id, from the directory.
    departments: RwSignal<BTreeMap<String, String>>,
    /// The latest load: an older one that answers late changes nothing.
    round: StoredValue<u32>,
}

impl OfflineMessages {
    /// Nothing loaded yet; call [`OfflineMessages::refresh`].
    pub fn new(token: String, sign_out: SignOut) -> Self {
        OfflineMessages {
            token: StoredValue::new(token),
            sign_out,
            list: RwSignal::new(None),
            failure: RwSignal::new(None),
            loading: RwSignal::new(false),
            departments: RwSignal::new(BTreeMap::new()),
            round: StoredValue::new(0),
        }
    }

    /// Loads the list again (and the department names, until they are
    /// known). A refused token signs the agent out; any other failure keeps
    /// the last list and says why.
    pub fn refresh(self) {
        let Some(round) = self.round.try_update_value(|r| {
            *r = r.wrapping_add(1);
            *r
        }) else {
            return;
        };
        let Some(token) = self.token.try_get_value() else {
            return;
        };
        self.loading.set(true);
        let names_known = self.departments.with_untracked(|d| !d.is_empty());
        spawn_local(async move {
            let result = api::offline_messages(&token).await;
            let departments = match (&result, names_known) {
                (Ok(_), false) => api::directory(&token).await.ok().map(|d| d.departments),
                _ => None,
            };
            // Gone with the desk, or a newer load was asked for meanwhile.
            if self.round.try_get_value() != Some(round) {
                return;
            }
            self.loading.try_set(false);
            match result {
                Ok(list) => {
                    if let Some(departments) = departments {
                        let names = departments.into_iter().map(|d| (d.id, d.name)).collect();
                        self.departments.try_set(names);
                    }
                    self.list.try_set(Some(newest_first(list)));
                    self.failure.try_set(None);
                }
                Err(e) if e.is_unauthorized() => self.sign_out.ended(),
                Err(e) => {
                    self.failure.try_set(Some(crate::notice::could_not_load(
                        "the offline messages",
                        &e,
                    )));
                }
            }
        });
    }

    /// The messages, newest first; `None` until loaded once.
    pub fn list(&self) -> Option<Vec<OfflineMessage>> {
        self.list.get()
    }

    /// How many there are; `None` until loaded once.
    pub fn count(&self) -> Option<usize> {
        self.list.with(|l| l.as_ref().map(Vec::len))
    }

    /// Why the last load failed, if it did.
    pub fn failure(&self) -> Option<String> {
        self.failure.get()
    }

    /// True while a load is under way.
    pub fn loading(&self) -> bool {
        self.loading.get()
    }

    /// A department's name, or its id while the names are unknown.
    pub fn department_name(&self, id: &str) -> String {
        self.departments
            .with(|d| d.get(id).cloned())
            .unwrap_or_else(|| id.to_owned())
    }
}

/// Newest first, whatever order the server answered in.
pub fn newest_first(mut list: Vec<OfflineMessage>) -> Vec<OfflineMessage> {
    list.sort_by_key(|m| std::cmp::Reverse(m.created_at));
    list
}

/// A `mailto:` link to `email`. Characters that mean something in a URL
/// (`?`, `&`, `#`, `%`, spaces…) are percent-encoded, so an address can
/// never add a subject, a body or other recipients.
pub fn mailto(email: &str) -> String {
    let mut link = String::from("mailto:");
    for byte in email.trim().bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'@' | b'.' | b'-' | b'_' | b'+' | b'~' => {
                link.push(byte as char)
            }
            _ => link.push_str(&format!("%{byte:02X}")),
        }
    }
    link
}

#[cfg(test)]
mod tests {
    use super::{mailto, newest_first};
    use shared::api::OfflineMessage;

    fn message(id: &str, created_at: i64) -> OfflineMessage {
        OfflineMessage {
            id: id.into(),
            department: "support".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            message: "Call me".into(),
            created_at,
        }
    }

    #[test]
    fn newest_comes_first() {
        let list = newest_first(vec![message("a", 1), message("b", 3), message("c", 2)]);
        let ids: Vec<&str> = list.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }

    #[test]
    fn mail_links_carry_only_the_address() {
        assert_eq!(mailto("ada@example.com"), "mailto:ada@example.com");
        assert_eq!(mailto(" a.b+c@x-y.org "), "mailto:a.b+c@x-y.org");
        assert_eq!(
            mailto("ada@example.com?cc=eve@evil.test&body=x"),
            "mailto:ada@example.com%3Fcc%3Deve@evil.test%26body%3Dx"
        );
        assert_eq!(mailto("jö@example.com"), "mailto:j%C3%B6@example.com");
    }
}
