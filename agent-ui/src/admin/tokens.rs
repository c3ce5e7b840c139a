//! The API tokens screen: a token's form (name, scopes as checkboxes) and
//! the scopes' words.

use shared::admin::{ApiScope, ApiTokenRequest};
use std::collections::BTreeSet;

/// Every scope, in the form's order, with its words.
pub const SCOPES: [(ApiScope, &str); 6] = [
    (ApiScope::ConversationsRead, "Read conversations"),
    (ApiScope::ConversationsWrite, "Close and tag conversations"),
    (ApiScope::ContactsRead, "Read contacts"),
    (ApiScope::ContactsWrite, "Write contacts"),
    (ApiScope::OfflineRead, "Read offline messages"),
    (ApiScope::ReportsRead, "Read reports"),
];

/// A scope's words.
pub fn scope_word(s: ApiScope) -> &'static str {
    SCOPES
        .iter()
        .find(|(x, _)| *x == s)
        .map_or("Unknown scope", |(_, w)| w)
}

/// What "Create token" sends, or the hint that stops it.
pub fn request(name: &str, scopes: &BTreeSet<ApiScope>) -> Result<ApiTokenRequest, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("A token needs a name saying what it is for.".into());
    }
    if scopes.is_empty() {
        return Err("Choose at least one scope.".into());
    }
    Ok(ApiTokenRequest {
        name: name.to_string(),
        scopes: SCOPES
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| scopes.contains(s))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_token_request() {
        let scopes = [ApiScope::ReportsRead, ApiScope::ContactsRead].into();
        assert_eq!(
            serde_json::to_value(request(" CRM sync ", &scopes).unwrap()).unwrap(),
            json!({ "name": "CRM sync", "scopes": ["contacts_read", "reports_read"] })
        );
        assert!(request("", &scopes).is_err());
        assert_eq!(
            request("CRM", &BTreeSet::new()).unwrap_err(),
            "Choose at least one scope."
        );
        assert_eq!(scope_word(ApiScope::OfflineRead), "Read offline messages");
    }
}
