//! The workspace in SQLite: the schema, loading everything the core needs
//! to restore itself, and writing the rows it asks for. No rule lives here.

use crate::error::{Error, Result};
use crate::rows::Sql;
use chat_core::hours::Interval;
use chat_core::permissions::Grants;
use chat_core::router::{Changes, Router};
use chat_core::workspace::audit::{AuditQuery, AuditRecord, AUDIT_PAGE};
use chat_core::workspace::{Department, InboxSocket, Person, Row, Site, Stored};
use serde::{Deserialize, Serialize};
use shared::api::{OfflineMessage, Role};
use shared::frame::ConversationStatus;
use shared::ids::{AgentId, ConversationId, DepartmentId};
use shared::inbox::ConversationSummary;
use std::collections::BTreeMap;
use worker::SqlStorageValue;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS departments (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS department_hours (department TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS site_options (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  role TEXT NOT NULL, password TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (agent_id TEXT NOT NULL, department TEXT NOT NULL,
  PRIMARY KEY (agent_id, department));
CREATE TABLE IF NOT EXISTS agent_generations (id TEXT PRIMARY KEY, generation INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS agent_usernames (id TEXT PRIMARY KEY, username TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS canned (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agent_prefs (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mail_sink (at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, body TEXT NOT NULL, queued_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_status ON conversations (status, queued_at);
CREATE INDEX IF NOT EXISTS conversations_visitor
  ON conversations (json_extract(body, '$.visitor.id'), queued_at);
CREATE TABLE IF NOT EXISTS opened (agent_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
  PRIMARY KEY (agent_id, conversation_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS opened_conversation ON opened (conversation_id);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS router_agents (id TEXT PRIMARY KEY, row TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS router_conversations (id TEXT PRIMARY KEY, row TEXT NOT NULL)
  WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agent_admin (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, who TEXT NOT NULL,
  what TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_who ON audit (who, id);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TABLE IF NOT EXISTS invitations (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS password_resets (hash TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_tokens (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS offline_messages (
  id TEXT PRIMARY KEY, department TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL
);
";

/// Creates the tables that do not exist yet.
pub fn schema(sql: &Sql) -> Result<()> {
    sql.exec(SCHEMA, None)?;
    Ok(())
}

/// A department's hours as stored.
#[derive(Serialize, Deserialize)]
struct StoredHours {
    intervals: Vec<Interval>,
    utc_offset_minutes: i32,
}

#[derive(Deserialize)]
struct AgentRow {
    id: String,
    email: String,
    name: String,
    role: String,
    password: String,
}

#[derive(Deserialize)]
struct Pair {
    a: String,
    b: String,
}

#[derive(Deserialize)]
struct Text {
    value: String,
}

#[derive(Deserialize)]
struct Generation {
    id: String,
    generation: i64,
}

#[derive(Deserialize)]
struct SiteRow {
    id: String,
    name: String,
    department: String,
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Agent => "agent",
        Role::Manager => "manager",
        Role::Admin => "admin",
        Role::Unknown => "unknown",
    }
}

fn parse_role(s: &str) -> Role {
    match s {
        "admin" => Role::Admin,
        "manager" => Role::Manager,
        "agent" => Role::Agent,
        _ => Role::Unknown,
    }
}

fn status_name(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::New => "new",
        ConversationStatus::Queued => "queued",
        ConversationStatus::Active => "active",
        ConversationStatus::OnHold => "on_hold",
        ConversationStatus::Closed => "closed",
        ConversationStatus::Unknown => "unknown",
    }
}

fn pairs(sql: &Sql, query: &str) -> Result<Vec<(String, String)>> {
    Ok(sql
        .exec(query, None)?
        .to_array::<Pair>()?
        .into_iter()
        .map(|p| (p.a, p.b))
        .collect())
}

fn kv(sql: &Sql, key: &str) -> Result<Option<String>> {
    Ok(sql
        .exec("SELECT value FROM kv WHERE key = ?", vec![key.into()])?
        .to_array::<Text>()?
        .into_iter()
        .next()
        .map(|t| t.value))
}

fn broken(what: &str) -> impl Fn(serde_json::Error) -> Error + '_ {
    move |e| Error::Edge(format!("stored {what}: {e}"))
}

/// The router from its rows. A workspace stored before the router had rows
/// kept it whole under `router`: that is split into rows once.
fn load_router(sql: &Sql) -> Result<Router> {
    let meta = kv(sql, "router_meta")?;
    if meta.is_none() {
        if let Some(whole) = kv(sql, "router")? {
            let router: Router = serde_json::from_str(&whole).map_err(broken("router"))?;
            write_router(sql, router.all_rows().map_err(broken("router"))?)?;
            sql.exec("DELETE FROM kv WHERE key = 'router'", None)?;
            return Ok(router);
        }
    }
    Router::from_rows(
        meta.as_deref(),
        pairs(sql, "SELECT id AS a, row AS b FROM router_agents")?,
        pairs(sql, "SELECT id AS a, row AS b FROM router_conversations")?,
    )
    .map_err(broken("router"))
}

fn write_router(sql: &Sql, changes: Changes) -> Result<()> {
    if let Some(meta) = changes.meta {
        sql.exec(
            "INSERT INTO kv (key, value) VALUES ('router_meta', ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            vec![meta.into()],
        )?;
    }
    for (table, rows) in [
        ("router_agents", changes.agents),
        ("router_conversations", changes.convs),
    ] {
        for (id, row) in rows {
            match row {
                Some(row) => sql.exec(
                    &format!(
                        "INSERT INTO {table} (id, row) VALUES (?, ?)
                         ON CONFLICT (id) DO UPDATE SET row = excluded.row"
                    ),
                    vec![id.into(), row.into()],
                )?,
                None => sql.exec(
                    &format!("DELETE FROM {table} WHERE id = ?"),
                    vec![id.into()],
                )?,
            };
        }
    }
    Ok(())
}

/// Everything the core restores itself from, with the live inbox sockets.
pub fn load(sql: &Sql, sockets: Vec<InboxSocket>) -> Result<Stored> {
    let mut members: BTreeMap<String, Vec<DepartmentId>> = BTreeMap::new();
    for (agent, department) in pairs(
        sql,
        "SELECT agent_id AS a, department AS b FROM members ORDER BY department",
    )? {
        members
            .entry(agent)
            .or_default()
            .push(DepartmentId(department));
    }
    let generations: BTreeMap<String, u32> = sql
        .exec("SELECT id, generation FROM agent_generations", None)?
        .to_array::<Generation>()?
        .into_iter()
        .map(|g| (g.id, u32::try_from(g.generation).unwrap_or(0)))
        .collect();
    let mut usernames: BTreeMap<String, String> =
        pairs(sql, "SELECT id AS a, username AS b FROM agent_usernames")?
            .into_iter()
            .collect();
    let mut admin: BTreeMap<String, PersonAdmin> =
        pairs(sql, "SELECT id AS a, body AS b FROM agent_admin")?
            .into_iter()
            .filter_map(|(id, body)| Some((id, serde_json::from_str(&body).ok()?)))
            .collect();
    let people = sql
        .exec("SELECT id, email, name, role, password FROM agents", None)?
        .to_array::<AgentRow>()?
        .into_iter()
        .map(|r| {
            let admin = admin.remove(&r.id).unwrap_or_default();
            Person {
                capacity: admin.capacity,
                active: admin.active,
                departments: members.remove(&r.id).unwrap_or_default(),
                generation: generations.get(&r.id).copied().unwrap_or(0),
                username: usernames.remove(&r.id).unwrap_or_default(),
                id: AgentId(r.id),
                email: r.email,
                name: r.name,
                role: parse_role(&r.role),
                password_hash: r.password,
            }
        })
        .collect();
    let hours: BTreeMap<String, StoredHours> = pairs(
        sql,
        "SELECT department AS a, body AS b FROM department_hours",
    )?
    .into_iter()
    .filter_map(|(d, body)| Some((d, serde_json::from_str(&body).ok()?)))
    .collect();
    let departments = pairs(sql, "SELECT id AS a, name AS b FROM departments")?
        .into_iter()
        .map(|(id, name)| {
            let h = hours.get(&id);
            Department {
                hours: h.map(|h| h.intervals.clone()).unwrap_or_default(),
                utc_offset_minutes: h.map_or(0, |h| h.utc_offset_minutes),
                id: DepartmentId(id),
                name,
            }
        })
        .collect();
    let mut options: BTreeMap<String, String> =
        pairs(sql, "SELECT id AS a, body AS b FROM site_options")?
            .into_iter()
            .collect();
    let sites = sql
        .exec("SELECT id, name, department FROM sites", None)?
        .to_array::<SiteRow>()?
        .into_iter()
        .map(|r| Site {
            // Unreadable options read as none: no origin but the worker's.
            options: options
                .remove(&r.id)
                .and_then(|o| serde_json::from_str(&o).ok())
                .unwrap_or_default(),
            id: r.id,
            name: r.name,
            department: DepartmentId(r.department),
        })
        .collect();
    let grants: Option<Grants> = kv(sql, "grants")?.and_then(|g| serde_json::from_str(&g).ok());
    let labels = kv(sql, "labels")?.and_then(|l| serde_json::from_str(&l).ok());
    let preferences = pairs(sql, "SELECT id AS a, body AS b FROM agent_prefs")?
        .into_iter()
        .filter_map(|(id, body)| Some((AgentId(id), serde_json::from_str(&body).ok()?)))
        .collect();
    let files = kv(sql, "files")?.and_then(|l| serde_json::from_str(&l).ok());
    let calls = kv(sql, "calls")?.and_then(|l| serde_json::from_str(&l).ok());
    let canned = sql
        .exec("SELECT body AS value FROM canned", None)?
        .to_array::<Text>()?
        .into_iter()
        .filter_map(|t| serde_json::from_str(&t.value).ok())
        .collect();
    let open = sql
        .exec(
            "SELECT body AS value FROM conversations WHERE status IN ('new', 'queued', 'active', 'on_hold')",
            None,
        )?
        .to_array::<Text>()?
        .into_iter()
        .filter_map(|t| serde_json::from_str(&t.value).ok())
        .collect();
    let opened = pairs(
        sql,
        "SELECT agent_id AS a, conversation_id AS b FROM opened",
    )?
    .into_iter()
    .map(|(a, c)| (AgentId(a), ConversationId(c)))
    .collect();
    let bodies = |table: &str| -> Result<Vec<String>> {
        Ok(sql
            .exec(&format!("SELECT body AS value FROM {table}"), None)?
            .to_array::<Text>()?
            .into_iter()
            .map(|t| t.value)
            .collect())
    };
    let invitations = bodies("invitations")?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    let resets = bodies("password_resets")?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    let api_tokens = bodies("api_tokens")?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    Ok(Stored {
        name: kv(sql, "name")?,
        origin: kv(sql, "origin")?.and_then(|o| serde_json::from_str(&o).ok()),
        invitations,
        resets,
        api_tokens,
        people,
        departments,
        sites,
        grants,
        labels,
        files,
        calls,
        canned,
        preferences,
        router: load_router(sql)?,
        open,
        opened,
        sockets,
    })
}

/// A person's administrative state as stored.
#[derive(Serialize, Deserialize)]
struct PersonAdmin {
    #[serde(default)]
    capacity: Option<u32>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

impl Default for PersonAdmin {
    fn default() -> Self {
        PersonAdmin {
            capacity: None,
            active: true,
        }
    }
}

/// Writes one row the core asked for.
pub fn write(sql: &Sql, row: Row) -> Result<()> {
    match row {
        Row::Person(p) => {
            sql.exec(
                "INSERT OR REPLACE INTO agents (id, email, name, role, password) VALUES (?, ?, ?, ?, ?)",
                vec![
                    p.id.0.clone().into(),
                    p.email.into(),
                    p.name.into(),
                    role_name(p.role).into(),
                    p.password_hash.into(),
                ],
            )?;
            sql.exec(
                "INSERT OR REPLACE INTO agent_generations (id, generation) VALUES (?, ?)",
                vec![
                    p.id.0.clone().into(),
                    SqlStorageValue::from(i64::from(p.generation)),
                ],
            )?;
            sql.exec(
                "INSERT OR REPLACE INTO agent_usernames (id, username) VALUES (?, ?)",
                vec![p.id.0.clone().into(), p.username.clone().into()],
            )?;
            let admin = PersonAdmin {
                capacity: p.capacity,
                active: p.active,
            };
            sql.exec(
                "INSERT OR REPLACE INTO agent_admin (id, body) VALUES (?, ?)",
                vec![p.id.0.clone().into(), serde_json::to_string(&admin)?.into()],
            )?;
            sql.exec(
                "DELETE FROM members WHERE agent_id = ?",
                vec![p.id.0.clone().into()],
            )?;
            for d in p.departments {
                sql.exec(
                    "INSERT INTO members (agent_id, department) VALUES (?, ?)",
                    vec![p.id.0.clone().into(), d.0.into()],
                )?;
            }
        }
        Row::RemovePerson(id) => {
            for table in [
                "agents",
                "agent_generations",
                "agent_usernames",
                "agent_admin",
            ] {
                sql.exec(
                    &format!("DELETE FROM {table} WHERE id = ?"),
                    vec![id.0.clone().into()],
                )?;
            }
            for table in ["members", "opened"] {
                sql.exec(
                    &format!("DELETE FROM {table} WHERE agent_id = ?"),
                    vec![id.0.clone().into()],
                )?;
            }
        }
        Row::Department(d) => {
            sql.exec(
                "INSERT OR REPLACE INTO departments (id, name) VALUES (?, ?)",
                vec![d.id.0.clone().into(), d.name.into()],
            )?;
            let hours = StoredHours {
                intervals: d.hours,
                utc_offset_minutes: d.utc_offset_minutes,
            };
            sql.exec(
                "INSERT OR REPLACE INTO department_hours (department, body) VALUES (?, ?)",
                vec![d.id.0.into(), serde_json::to_string(&hours)?.into()],
            )?;
        }
        Row::RemoveDepartment(id) => {
            sql.exec(
                "DELETE FROM departments WHERE id = ?",
                vec![id.0.clone().into()],
            )?;
            sql.exec(
                "DELETE FROM department_hours WHERE department = ?",
                vec![id.0.into()],
            )?;
        }
        Row::Site(s) => {
            sql.exec(
                "INSERT OR REPLACE INTO site_options (id, body) VALUES (?, ?)",
                vec![
                    s.id.clone().into(),
                    serde_json::to_string(&s.options)?.into(),
                ],
            )?;
            sql.exec(
                "INSERT OR REPLACE INTO sites (id, name, department) VALUES (?, ?, ?)",
                vec![s.id.into(), s.name.into(), s.department.0.into()],
            )?;
        }
        Row::RemoveSite(id) => {
            sql.exec(
                "DELETE FROM site_options WHERE id = ?",
                vec![id.clone().into()],
            )?;
            sql.exec("DELETE FROM sites WHERE id = ?", vec![id.into()])?;
        }
        Row::Grants(g) => {
            sql.exec(
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('grants', ?)",
                vec![serde_json::to_string(&g)?.into()],
            )?;
        }
        Row::Canned(c) => {
            sql.exec(
                "INSERT OR REPLACE INTO canned (id, body) VALUES (?, ?)",
                vec![c.id.clone().into(), serde_json::to_string(&c)?.into()],
            )?;
        }
        Row::Preferences(agent, p) => {
            sql.exec(
                "INSERT OR REPLACE INTO agent_prefs (id, body) VALUES (?, ?)",
                vec![agent.0.into(), serde_json::to_string(&p)?.into()],
            )?;
        }
        Row::RemoveCanned(id) => {
            sql.exec("DELETE FROM canned WHERE id = ?", vec![id.into()])?;
        }
        Row::Calls(c) => {
            sql.exec(
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('calls', ?)",
                vec![serde_json::to_string(&c)?.into()],
            )?;
        }
        Row::Files(f) => {
            sql.exec(
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('files', ?)",
                vec![serde_json::to_string(&f)?.into()],
            )?;
        }
        Row::Labels(l) => {
            sql.exec(
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('labels', ?)",
                vec![serde_json::to_string(&l)?.into()],
            )?;
        }
        Row::Conversation(summary) => {
            sql.exec(
                "INSERT INTO conversations (id, status, body, queued_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body,
                   queued_at = excluded.queued_at",
                vec![
                    summary.id.0.clone().into(),
                    status_name(summary.status).into(),
                    serde_json::to_string(&summary)?.into(),
                    SqlStorageValue::from(summary.queued_at),
                ],
            )?;
        }
        Row::Router(changes) => write_router(sql, changes)?,
        Row::Opened(agent, conversation) => {
            sql.exec(
                "INSERT OR IGNORE INTO opened (agent_id, conversation_id) VALUES (?, ?)",
                vec![agent.0.into(), conversation.0.into()],
            )?;
        }
        Row::ForgetOpened(conversation) => {
            sql.exec(
                "DELETE FROM opened WHERE conversation_id = ?",
                vec![conversation.0.into()],
            )?;
        }
        Row::ForgetOpenedBy(agent, conversation) => {
            sql.exec(
                "DELETE FROM opened WHERE agent_id = ? AND conversation_id = ?",
                vec![agent.0.into(), conversation.0.into()],
            )?;
        }
        Row::Audit(a) => {
            sql.exec(
                "INSERT INTO audit (at, who, what, body) VALUES (?, ?, ?, ?)",
                vec![
                    SqlStorageValue::from(a.at),
                    a.who.clone().into(),
                    a.what.clone().into(),
                    serde_json::to_string(&a)?.into(),
                ],
            )?;
        }
        Row::Name(name) => {
            sql.exec(
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('name', ?)",
                vec![name.into()],
            )?;
        }
        Row::Origin(origin) => {
            sql.exec(
                "INSERT OR REPLACE INTO kv (key, value) VALUES ('origin', ?)",
                vec![serde_json::to_string(&origin)?.into()],
            )?;
        }
        Row::Invitation(i) => {
            sql.exec(
                "INSERT OR REPLACE INTO invitations (id, body) VALUES (?, ?)",
                vec![
                    i.invitation.id.clone().into(),
                    serde_json::to_string(&i)?.into(),
                ],
            )?;
        }
        Row::Reset(r) => {
            sql.exec(
                "INSERT OR REPLACE INTO password_resets (hash, body) VALUES (?, ?)",
                vec![
                    r.token_hash.clone().into(),
                    serde_json::to_string(&r)?.into(),
                ],
            )?;
        }
        Row::ApiToken(t) => {
            sql.exec(
                "INSERT OR REPLACE INTO api_tokens (id, body) VALUES (?, ?)",
                vec![t.info.id.clone().into(), serde_json::to_string(&t)?.into()],
            )?;
        }
        Row::RemoveApiToken(id) => {
            sql.exec("DELETE FROM api_tokens WHERE id = ?", vec![id.into()])?;
        }
        Row::OfflineMessage(m) => {
            sql.exec(
                "INSERT INTO offline_messages (id, department, body, created_at) VALUES (?, ?, ?, ?)",
                vec![
                    m.id.clone().into(),
                    m.department.clone().into(),
                    serde_json::to_string(&m)?.into(),
                    SqlStorageValue::from(m.created_at),
                ],
            )?;
        }
    }
    Ok(())
}

/// A conversation's stored line, closed ones included.
pub fn summary(sql: &Sql, id: &ConversationId) -> Result<Option<ConversationSummary>> {
    Ok(sql
        .exec(
            "SELECT body AS value FROM conversations WHERE id = ?",
            vec![id.as_str().into()],
        )?
        .to_array::<Text>()?
        .into_iter()
        .next()
        .and_then(|t| serde_json::from_str(&t.value).ok()))
}

/// A contact's conversations, newest first (at most 200).
pub fn contact(sql: &Sql, visitor: &str) -> Result<Vec<ConversationSummary>> {
    Ok(sql
        .exec(
            "SELECT body AS value FROM conversations WHERE json_extract(body, '$.visitor.id') = ? ORDER BY queued_at DESC LIMIT 200",
            vec![visitor.into()],
        )?
        .to_array::<Text>()?
        .into_iter()
        .filter_map(|t| serde_json::from_str(&t.value).ok())
        .collect())
}

/// Offline messages, newest first: of these departments, or all.
pub fn offline_messages(
    sql: &Sql,
    departments: Option<&[DepartmentId]>,
) -> Result<Vec<OfflineMessage>> {
    const NEWEST: &str = "ORDER BY created_at DESC LIMIT 500";
    let rows = match departments {
        None => sql
            .exec(
                &format!("SELECT body AS value FROM offline_messages {NEWEST}"),
                None,
            )?
            .to_array::<Text>()?,
        Some([]) => Vec::new(),
        Some(departments) => {
            let marks = vec!["?"; departments.len()].join(", ");
            sql.exec(
                &format!(
                    "SELECT body AS value FROM offline_messages WHERE department IN ({marks}) {NEWEST}"
                ),
                departments
                    .iter()
                    .map(|d| d.as_str().into())
                    .collect::<Vec<SqlStorageValue>>(),
            )?
            .to_array::<Text>()?
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(|t| serde_json::from_str(&t.value).ok())
        .collect())
}

/// Every person's password hash, by lower-cased email: the worker keeps a
/// hash whose password a setup repeats, so repeating a setup ends no
/// session.
pub fn password_hashes(sql: &Sql) -> Result<BTreeMap<String, String>> {
    Ok(
        pairs(sql, "SELECT lower(email) AS a, password AS b FROM agents")?
            .into_iter()
            .collect(),
    )
}

/// Keeps an email in the local sink (no mail provider is set).
pub fn keep_mail(sql: &Sql, mail: &crate::transcripts::SentMail) -> Result<()> {
    sql.exec(
        "INSERT INTO mail_sink (at, body) VALUES (?, ?)",
        vec![
            SqlStorageValue::from(mail.at),
            serde_json::to_string(mail)?.into(),
        ],
    )?;
    Ok(())
}

/// The emails in the local sink, newest first (the last 100).
pub fn kept_mail(sql: &Sql) -> Result<Vec<crate::transcripts::SentMail>> {
    Ok(sql
        .exec(
            "SELECT body AS value FROM mail_sink ORDER BY at DESC LIMIT 100",
            None,
        )?
        .to_array::<Text>()?
        .into_iter()
        .filter_map(|t| serde_json::from_str(&t.value).ok())
        .collect())
}

#[derive(Deserialize)]
struct AuditRow {
    id: i64,
    body: String,
}

/// A page of the audit log, newest first, as [`AuditQuery::admits`]
/// states the filters.
pub fn audit(sql: &Sql, q: &AuditQuery) -> Result<shared::admin::AuditPage> {
    let mut clauses = Vec::new();
    let mut args: Vec<SqlStorageValue> = Vec::new();
    if let Some(who) = &q.who {
        clauses.push("who = ?");
        args.push(who.clone().into());
    }
    if let Some(what) = &q.what {
        // A prefix, compared as text (no LIKE wildcards).
        clauses.push("substr(what, 1, length(?)) = ?");
        args.push(what.clone().into());
        args.push(what.clone().into());
    }
    if let Some(from) = q.from {
        clauses.push("at >= ?");
        args.push(from.into());
    }
    if let Some(to) = q.to {
        clauses.push("at < ?");
        args.push(to.into());
    }
    if let Some(before) = q.before {
        clauses.push("id < ?");
        args.push(before.into());
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let rows = sql
        .exec(
            &format!(
                "SELECT id, body FROM audit {filter} ORDER BY id DESC LIMIT {}",
                AUDIT_PAGE + 1
            ),
            args,
        )?
        .to_array::<AuditRow>()?;
    let more = rows.len() > AUDIT_PAGE;
    let entries: Vec<shared::admin::AuditEntry> = rows
        .into_iter()
        .take(AUDIT_PAGE)
        .filter_map(|r| {
            let a: AuditRecord = serde_json::from_str(&r.body).ok()?;
            Some(shared::admin::AuditEntry {
                id: r.id,
                at: a.at,
                who: a.who,
                who_name: a.who_name,
                what: a.what,
                target: a.target,
                summary: a.summary,
            })
        })
        .collect();
    let next_before = if more {
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(shared::admin::AuditPage {
        entries,
        next_before,
    })
}
