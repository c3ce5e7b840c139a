//! Sign-in's growing delay, kept per account by the workspace: one row per
//! email with failed sign-ins in a row ([`SignInFailures`]), written only
//! when a sign-in fails (and cleared by the next success), so an ordinary
//! sign-in costs no write. The rule is [`chat_core::limits`]'s; rows older
//! than the policy's memory are dropped as failures are written.

use super::WorkspaceObject;
use crate::error::{Error, Result};
use crate::http::{self, json};
use crate::rows::Sql;
use chat_core::limits::{Limits, SignInFailures};
use serde::Deserialize;
use worker::{Request, Response, SqlStorageValue};

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS sign_in_failures (
  email TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at INTEGER NOT NULL)";

#[derive(Deserialize)]
struct Row {
    count: i64,
    last_at: i64,
}

/// Emails are compared without case, as the workspace finds people.
fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The account's failures in a row.
pub(super) fn failures(sql: &Sql, email: &str) -> Result<SignInFailures> {
    sql.exec(SCHEMA, None)?;
    let row = sql
        .exec(
            "SELECT count, last_at FROM sign_in_failures WHERE email = ?",
            vec![key(email).into()],
        )?
        .to_array::<Row>()?
        .into_iter()
        .next();
    Ok(
        row.map_or_else(SignInFailures::default, |r| SignInFailures {
            count: u32::try_from(r.count).unwrap_or(u32::MAX),
            last_at: r.last_at,
        }),
    )
}

/// Refuses an attempt while the account's delay runs.
pub(super) fn check(sql: &Sql, limits: &Limits, email: &str) -> Result<u32> {
    let Some(policy) = &limits.sign_in else {
        return Ok(0);
    };
    let failures = failures(sql, email)?;
    failures
        .check(http::now(), policy)
        .map_err(Error::Limited)?;
    Ok(failures.count)
}

#[derive(Deserialize)]
struct Attempt {
    email: String,
}

impl WorkspaceObject {
    /// `/login-failed`: one more failure for the account.
    pub(super) async fn sign_in_failed(&self, mut req: Request) -> Result<Response> {
        let attempt: Attempt = http::read_json(&mut req).await?;
        let limits = crate::limits::of(&self.env);
        let Some(policy) = &limits.sign_in else {
            return json(&serde_json::json!({ "ok": true }));
        };
        let sql = self.sql();
        let now = http::now();
        let next = failures(&sql, &attempt.email)?.failed(now, policy);
        sql.exec(
            "INSERT OR REPLACE INTO sign_in_failures (email, count, last_at) VALUES (?, ?, ?)",
            vec![
                key(&attempt.email).into(),
                SqlStorageValue::Integer(i64::from(next.count)),
                SqlStorageValue::try_from_i64(now)?,
            ],
        )?;
        sql.exec(
            "DELETE FROM sign_in_failures WHERE last_at < ?",
            vec![SqlStorageValue::try_from_i64(now - policy.forget_ms)?],
        )?;
        json(&serde_json::json!({ "ok": true }))
    }

    /// `/login-succeeded`: the account's failures are forgotten.
    pub(super) async fn sign_in_succeeded(&self, mut req: Request) -> Result<Response> {
        let attempt: Attempt = http::read_json(&mut req).await?;
        let sql = self.sql();
        sql.exec(SCHEMA, None)?;
        sql.exec(
            "DELETE FROM sign_in_failures WHERE email = ?",
            vec![key(&attempt.email).into()],
        )?;
        json(&serde_json::json!({ "ok": true }))
    }
}
