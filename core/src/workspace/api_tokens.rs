//! API tokens: bearer tokens for a site's own systems, `lct_<workspace>_<random>`,
//! made by the worker, shown once, kept only as their SHA-256 with their
//! scopes. A token carries at most what its maker's role may do; using one
//! records when it was last used.

use super::admin::wire_name;
use super::audit::{listed, Actor};
use super::people::digest;
use super::{Answer, Person, Refusal, Row, Workspace};
use crate::permissions::{allows_in, Permission};
use serde::{Deserialize, Serialize};
use shared::admin::{ApiScope, ApiTokenInfo, ApiTokenRequest};
use shared::frame::ErrorCode;

/// Most tokens a workspace keeps.
pub const MAX_API_TOKENS: usize = 100;

/// An API token as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredApiToken {
    /// As listed.
    pub info: ApiTokenInfo,
    /// The token's digest.
    pub token_hash: String,
}

/// The permission a scope needs of its maker's role.
pub fn scope_needs(scope: ApiScope) -> Permission {
    match scope {
        ApiScope::ConversationsRead | ApiScope::ConversationsWrite => Permission::Monitor,
        ApiScope::ContactsRead | ApiScope::OfflineRead => Permission::ViewQueue,
        ApiScope::ContactsWrite => Permission::EditContact,
        ApiScope::ReportsRead => Permission::ManageWorkspace,
        ApiScope::Unknown => Permission::Unknown,
    }
}

fn bad(message: impl Into<String>) -> Refusal {
    Refusal {
        code: ErrorCode::BadRequest,
        message: message.into(),
    }
}

impl Workspace {
    /// The tokens, newest first (never their secrets).
    pub fn api_tokens(&self, who: &super::Principal) -> Result<Vec<ApiTokenInfo>, Refusal> {
        self.administrator(who)?;
        let mut list: Vec<ApiTokenInfo> =
            self.api_tokens.values().map(|t| t.info.clone()).collect();
        list.sort_by_key(|t| std::cmp::Reverse(t.created_at));
        Ok(list)
    }

    pub(super) fn create_api_token(
        &mut self,
        now: i64,
        by: &Person,
        id: String,
        token: &str,
        request: ApiTokenRequest,
    ) -> Result<Answer, Refusal> {
        let name = request.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(bad("a token's name has 1 to 100 characters"));
        }
        if request.scopes.is_empty() {
            return Err(bad("a token needs at least one scope"));
        }
        if request.scopes.contains(&ApiScope::Unknown) {
            return Err(bad("unknown scope; known: conversations_read, conversations_write, contacts_read, contacts_write, offline_read, reports_read"));
        }
        if let Some(s) = request
            .scopes
            .iter()
            .find(|s| !allows_in(&self.grants, by.role, scope_needs(**s)))
        {
            return Err(Refusal {
                code: ErrorCode::Forbidden,
                message: format!(
                    "your role may not give a token {}: it needs {}",
                    wire_name(s),
                    wire_name(&scope_needs(*s))
                ),
            });
        }
        if self.api_tokens.len() >= MAX_API_TOKENS {
            return Err(bad(format!("at most {MAX_API_TOKENS} API tokens")));
        }
        let mut scopes = request.scopes;
        scopes.sort();
        scopes.dedup();
        let info = ApiTokenInfo {
            id: id.clone(),
            name: name.clone(),
            scopes,
            prefix: token.chars().take(token.len().min(16)).collect(),
            created_by: by.name.clone(),
            created_at: now,
            last_used_at: None,
        };
        let stored = StoredApiToken {
            info: info.clone(),
            token_hash: digest(token),
        };
        self.api_tokens.insert(id.clone(), stored.clone());
        self.write(Row::ApiToken(stored));
        let scopes: Vec<String> = info.scopes.iter().map(wire_name).collect();
        self.audit(
            now,
            &Actor::of(by),
            "api_token.create",
            &id,
            format!("API token \"{name}\" made, scopes {}", listed(&scopes)),
        );
        Ok(Answer::ApiToken(info))
    }

    pub(super) fn revoke_api_token(
        &mut self,
        now: i64,
        by: &Actor,
        id: &str,
    ) -> Result<Answer, Refusal> {
        let Some(t) = self.api_tokens.remove(id) else {
            return Err(Refusal {
                code: ErrorCode::NotFound,
                message: "no such API token".into(),
            });
        };
        self.write(Row::RemoveApiToken(id.to_owned()));
        self.audit(
            now,
            by,
            "api_token.revoke",
            id,
            format!("API token \"{}\" revoked", t.info.name),
        );
        Ok(Answer::Done)
    }

    /// A token presented for a scope: its id, and its last use recorded;
    /// 401 when unknown or revoked, 403 without the scope.
    pub(super) fn use_api_token(&mut self, now: i64, token: &str, scope: ApiScope) {
        let hash = digest(token);
        let found = self
            .api_tokens
            .values()
            .find(|t| t.token_hash == hash)
            .map(|t| t.info.id.clone());
        let Some(id) = found else {
            return self.reply(Err(Refusal {
                code: ErrorCode::Unauthorized,
                message: "unknown or revoked API token".into(),
            }));
        };
        let Some(t) = self.api_tokens.get_mut(&id) else {
            return;
        };
        if !t.info.scopes.contains(&scope) {
            let message = format!(
                "this API token does not have the scope {}",
                wire_name(&scope)
            );
            return self.reply(Err(Refusal {
                code: ErrorCode::Forbidden,
                message,
            }));
        }
        t.info.last_used_at = Some(now);
        let t = t.clone();
        self.write(Row::ApiToken(t));
        self.reply(Ok(Answer::ApiCaller(id)));
    }
}
