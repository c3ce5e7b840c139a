//! Business hours, availability and offline messages: whether a visitor's
//! chat would reach someone now, and where their message waits when not.

use super::{Department, WorkspaceObject};
use crate::http::{self, error, json};
use chat_core::hours::{self, Interval};
use chat_core::permissions::Permission;
use serde::{Deserialize, Serialize};
use shared::api::{Availability, DepartmentSetup, OfflineMessage};
use shared::frame::ErrorCode;
use shared::ids::AgentId;
use shared::routing::AgentStatus;
use worker::{Request, Response, Result};

/// A department's hours as stored.
#[derive(Serialize, Deserialize)]
struct StoredHours {
    intervals: Vec<Interval>,
    utc_offset_minutes: i32,
}

/// Body of `/availability` and `/offline`, from the worker.
#[derive(Serialize, Deserialize)]
pub struct SiteVisitor {
    /// The site id (after the dot of the site key).
    pub site: String,
    /// For `/offline`: the message.
    #[serde(default)]
    pub message: Option<shared::api::OfflineMessageRequest>,
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

/// Checks an offline message; `Err` holds the sentence to answer.
pub fn validate(m: &shared::api::OfflineMessageRequest) -> std::result::Result<(), &'static str> {
    let email = m.email.trim();
    let valid_email = email.len() <= 254
        && email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.')
        });
    if m.name.trim().is_empty() || m.name.chars().count() > 200 {
        Err("a name of 1 to 200 characters is required")
    } else if !valid_email {
        Err("a valid email address is required, to answer you")
    } else if m.message.trim().is_empty() || m.message.chars().count() > shared::MAX_TEXT_CHARS {
        Err("a message of 1 to 4,000 characters is required")
    } else {
        Ok(())
    }
}

impl WorkspaceObject {
    /// Stores a department's business hours from the setup.
    pub(super) fn store_hours(
        &self,
        d: &DepartmentSetup,
    ) -> Result<std::result::Result<(), String>> {
        let mut intervals = Vec::new();
        for h in &d.hours {
            let (Some(open), Some(close)) =
                (hours::parse_time(&h.open), hours::parse_time(&h.close))
            else {
                return Ok(Err(format!("{}: hours are HH:MM", d.id)));
            };
            if h.day > 6 || open >= close {
                return Ok(Err(format!(
                    "{}: days are 0 to 6 and open comes before close",
                    d.id
                )));
            }
            intervals.push(Interval {
                day: h.day,
                open,
                close,
            });
        }
        let stored = StoredHours {
            intervals,
            utc_offset_minutes: d.utc_offset_minutes.clamp(-14 * 60, 14 * 60),
        };
        self.sql()?.exec(
            "INSERT OR REPLACE INTO department_hours (department, body) VALUES (?, ?)",
            vec![d.id.clone().into(), serde_json::to_string(&stored)?.into()],
        )?;
        Ok(Ok(()))
    }

    fn site_department(&self, site: &str) -> Result<Option<String>> {
        Ok(self
            .sql()?
            .exec(
                "SELECT department FROM sites WHERE id = ?",
                vec![site.into()],
            )?
            .to_array::<Department>()?
            .into_iter()
            .next()
            .map(|d| d.department))
    }

    fn is_open(&self, department: &str) -> Result<bool> {
        let stored: Option<StoredHours> = self
            .sql()?
            .exec(
                "SELECT body FROM department_hours WHERE department = ?",
                vec![department.into()],
            )?
            .to_array::<Body>()?
            .into_iter()
            .next()
            .and_then(|b| serde_json::from_str(&b.body).ok());
        Ok(stored.is_none_or(|h| hours::is_open(&h.intervals, h.utc_offset_minutes, http::now())))
    }

    /// Whether a chat from this site would reach someone now.
    pub(super) async fn availability(&self, mut req: Request) -> Result<Response> {
        let body: SiteVisitor = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let Some(department) = self.site_department(&body.site)? else {
            return error(ErrorCode::NotFound, "no such site");
        };
        let members = self
            .sql()?
            .exec(
                "SELECT agent_id AS department FROM members WHERE department = ?",
                vec![department.clone().into()],
            )?
            .to_array::<Department>()?;
        let someone = self.read_router(|router| {
            members
                .iter()
                .any(|m| router.presence(&m.department) == Some((AgentStatus::Available, true)))
        })?;
        let online = someone && self.is_open(&department)?;
        json(&Availability { online, department })
    }

    /// Stores a message left while nobody was there.
    pub(super) async fn leave_offline(&self, mut req: Request) -> Result<Response> {
        let body: SiteVisitor = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let Some(m) = body.message else {
            return error(ErrorCode::BadRequest, "a message is required");
        };
        if let Err(why) = validate(&m) {
            return error(ErrorCode::BadRequest, why);
        }
        let Some(department) = self.site_department(&body.site)? else {
            return error(ErrorCode::NotFound, "no such site");
        };
        let stored = OfflineMessage {
            id: crate::auth::new_id("o"),
            department,
            name: m.name.trim().to_owned(),
            email: m.email.trim().to_owned(),
            message: m.message,
            created_at: http::now(),
        };
        self.sql()?.exec(
            "INSERT INTO offline_messages (id, department, body, created_at) VALUES (?, ?, ?, ?)",
            vec![
                stored.id.clone().into(),
                stored.department.clone().into(),
                serde_json::to_string(&stored)?.into(),
                worker::SqlStorageValue::try_from_i64(stored.created_at)?,
            ],
        )?;
        json(&serde_json::json!({ "ok": true }))
    }

    /// The offline messages of the departments an agent works, newest first.
    pub(super) async fn offline_messages(&self, mut req: Request) -> Result<Response> {
        let body: super::AgentRequest = match http::read_json(&mut req).await {
            Ok(b) => b,
            Err(resp) => return Ok(resp),
        };
        let Some(agent) = self.agent(&AgentId(body.agent_id.0))? else {
            return error(ErrorCode::Unauthorized, "no such agent");
        };
        // Supervisors read every department's; others their own.
        const NEWEST: &str = "ORDER BY created_at DESC LIMIT 500";
        let sql = self.sql()?;
        let rows = if self.allows(agent.role, Permission::Monitor)? {
            sql.exec(&format!("SELECT body FROM offline_messages {NEWEST}"), None)?
                .to_array::<Body>()?
        } else if agent.departments.is_empty() {
            vec![]
        } else {
            let marks = vec!["?"; agent.departments.len()].join(", ");
            sql.exec(
                &format!(
                    "SELECT body FROM offline_messages WHERE department IN ({marks}) {NEWEST}"
                ),
                agent
                    .departments
                    .iter()
                    .map(|d| d.as_str().into())
                    .collect::<Vec<worker::SqlStorageValue>>(),
            )?
            .to_array::<Body>()?
        };
        let messages: Vec<OfflineMessage> = rows
            .into_iter()
            .filter_map(|b| serde_json::from_str::<OfflineMessage>(&b.body).ok())
            .collect();
        json(&messages)
    }
}

#[cfg(test)]
mod tests {
    use super::validate;
    use shared::api::OfflineMessageRequest;

    #[track_caller]
    fn check(name: &str, email: &str, message: &str, ok: bool) {
        let m = OfflineMessageRequest {
            site_key: "demo.website".into(),
            name: name.into(),
            email: email.into(),
            message: message.into(),
        };
        assert_eq!(validate(&m).is_ok(), ok, "{name:?} {email:?} {message:?}");
    }

    #[test]
    fn offline_messages_are_checked() {
        check("Ana", "ana@example.com", "Call me", true);
        check("", "ana@example.com", "Call me", false);
        check("Ana", "ana", "Call me", false);
        check("Ana", "@example.com", "Call me", false);
        check("Ana", "ana@example", "Call me", false);
        check("Ana", "ana@.com", "Call me", false);
        check("Ana", "ana@example.com", "  ", false);
        check("Ana", "ana@example.com", &"x".repeat(4_001), false);
        check(&"n".repeat(201), "ana@example.com", "hi", false);
    }
}
