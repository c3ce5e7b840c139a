//! The Durable Object that keeps one workspace's contacts: a performer
//! around [`chat_core::contacts`]. Its SQLite holds one row per contact
//! (the record as JSON), an FTS5 index of their names, emails and phones
//! for the directory, and one row per conversation with its
//! visitor-visible text for the chat history's search.
//!
//! Only the worker and conversations call it: the worker when a
//! conversation starts and for agents' requests (each carrying the
//! [`Grant`] the workspace just answered), a conversation once when it
//! closes. No chat message ever reaches it.

use crate::error::{Error, OrRefuse, Result};
use crate::http::{self, json};
use crate::rows::Sql;
use chat_core::contacts::{self, Closed, Grant, Page, Started};
use serde::{Deserialize, Serialize};
use shared::contacts::{
    Contact, ContactConversation, ContactDetail, ContactHistory, ContactPage, ContactPatch,
};
use shared::frame::ErrorCode;
use std::cell::Cell;
use worker::{durable_object, DurableObject, Env, Request, Response, State};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS contacts (
  k INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  body TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS contacts_fts USING fts5(
  name, email, phone, digits,
  content = '', contentless_delete = 1, prefix = '1 2 3'
);
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  contact TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS conversations_contact ON conversations (contact, created_at);
CREATE INDEX IF NOT EXISTS conversations_created ON conversations (created_at, id);
";

/// Largest body of `/closed`: a summary and up to
/// [`contacts::MAX_TEXT_CHARS`] characters of text.
const MAX_CLOSED_BYTES: usize = 128 * 1024;
/// Largest body of the benchmark's `/seed`.
pub const MAX_SEED_BYTES: usize = 8 * 1024 * 1024;

/// Body of `/search`.
#[derive(Serialize, Deserialize)]
pub struct SearchBody {
    /// What the workspace allows.
    pub grant: Grant,
    /// What the agent typed.
    pub q: String,
    /// Which page.
    pub page: Page,
}

/// Body of `/get`, `/patch` and `/history`: about `grant.contact`.
#[derive(Serialize, Deserialize)]
pub struct AboutBody {
    /// What the workspace allows, naming the contact.
    pub grant: Grant,
    /// For `/history`: what the agent typed.
    #[serde(default)]
    pub q: String,
    /// For `/patch`: the edit.
    #[serde(default)]
    pub patch: Option<ContactPatch>,
}

/// One contact of the benchmark's `/seed`, with its conversations and
/// their visible lines.
#[derive(Serialize, Deserialize)]
pub struct Seeded {
    /// The record.
    pub contact: Contact,
    /// Its conversations, each with its lines.
    pub conversations: Vec<(ContactConversation, Vec<String>)>,
}

/// Body of `/create`: a record made through the HTTP API.
#[derive(Serialize, Deserialize)]
pub struct CreateBody {
    /// What the workspace allows (the token's), naming the new contact.
    pub grant: Grant,
    /// The record, checked by `chat_core::contacts::create`.
    pub contact: Contact,
}

#[derive(Deserialize)]
struct Listed {
    contact: String,
    body: String,
}

#[derive(Deserialize)]
struct Row {
    k: i64,
    body: String,
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

#[derive(Deserialize)]
struct Texted {
    body: String,
    text: String,
}

#[derive(Deserialize)]
struct Key {
    k: i64,
}

#[durable_object]
pub struct ContactsObject {
    /// Its SQLite, counting the rows written.
    sql: Sql,
    ready: Cell<bool>,
}

fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| Error::Edge(format!("a stored row: {e}")))
}

impl ContactsObject {
    /// The storage, its tables created on first use.
    fn sql(&self) -> Result<Sql> {
        let sql = self.sql.clone();
        if !self.ready.get() {
            sql.exec(SCHEMA, None)?;
            self.ready.set(true);
        }
        Ok(sql)
    }

    /// A contact and its row number.
    fn contact(&self, id: &str) -> Result<Option<(i64, Contact)>> {
        let rows = self
            .sql()?
            .exec("SELECT k, body FROM contacts WHERE id = ?", vec![id.into()])?
            .to_array::<Row>()?;
        match rows.into_iter().next() {
            Some(r) => Ok(Some((r.k, parse(&r.body)?))),
            None => Ok(None),
        }
    }

    /// Writes a record and its line in the directory's index, given the
    /// record as stored (with its row number) if there is one: an
    /// unchanged record writes nothing, and its index line is written
    /// again only if what it finds changed.
    fn put_contact(&self, existing: Option<(i64, &Contact)>, contact: &Contact) -> Result<()> {
        let sql = self.sql()?;
        let body = serde_json::to_string(contact)?;
        let line = contacts::directory_line(contact);
        let k = match existing {
            Some((_, before)) if before == contact => return Ok(()),
            Some((k, before)) => {
                sql.exec(
                    "UPDATE contacts SET body = ? WHERE k = ?",
                    vec![body.into(), k.into()],
                )?;
                if contacts::directory_line(before) == line {
                    return Ok(());
                }
                sql.exec("DELETE FROM contacts_fts WHERE rowid = ?", vec![k.into()])?;
                k
            }
            None => {
                sql.exec(
                    "INSERT INTO contacts (id, body) VALUES (?, ?) RETURNING k",
                    vec![contact.id.as_str().into(), body.into()],
                )?
                .one::<Key>()?
                .k
            }
        };
        let [name, email, phone, digits] = line;
        sql.exec(
            "INSERT INTO contacts_fts (rowid, name, email, phone, digits) VALUES (?, ?, ?, ?, ?)",
            vec![
                k.into(),
                name.into(),
                email.into(),
                phone.into(),
                digits.into(),
            ],
        )?;
        Ok(())
    }

    fn conversation(&self, id: &str) -> Result<Option<ContactConversation>> {
        let rows = self
            .sql()?
            .exec(
                "SELECT body FROM conversations WHERE id = ?",
                vec![id.into()],
            )?
            .to_array::<Body>()?;
        rows.into_iter().next().map(|r| parse(&r.body)).transpose()
    }

    /// Writes a conversation's line. A line kept again keeps its
    /// `created_at` (its first writing's, which a close carries over): the
    /// update leaves that column, and so both indexes, alone.
    fn put_conversation(
        &self,
        contact: &str,
        line: &ContactConversation,
        text: Option<&str>,
    ) -> Result<()> {
        let body = serde_json::to_string(line)?;
        self.sql()?.exec(
            "INSERT INTO conversations (id, contact, created_at, body, text) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body,
               text = CASE WHEN ?6 THEN excluded.text ELSE conversations.text END",
            vec![
                line.id.as_str().into(),
                contact.into(),
                line.created_at.into(),
                body.into(),
                text.unwrap_or_default().into(),
                text.is_some().into(),
            ],
        )?;
        Ok(())
    }

    /// The contact's conversations, newest first, with their text.
    fn conversations(&self, contact: &str) -> Result<Vec<(ContactConversation, String)>> {
        self.sql()?
            .exec(
                "SELECT body, text FROM conversations WHERE contact = ? ORDER BY created_at DESC LIMIT ?",
                vec![contact.into(), (contacts::MAX_CONVERSATIONS as i64).into()],
            )?
            .to_array::<Texted>()?
            .into_iter()
            .map(|r| Ok((parse(&r.body)?, r.text)))
            .collect()
    }

    async fn started(&self, mut req: Request) -> Result<Response> {
        let s: Started = http::read_json(&mut req).await?;
        let existing = self.contact(&s.visitor.id)?;
        let contact = contacts::started(existing.as_ref().map(|(_, c)| c.clone()), &s);
        self.put_contact(existing.as_ref().map(|(k, c)| (*k, c)), &contact)?;
        if self.conversation(s.conversation.as_str())?.is_none() {
            self.put_conversation(&contact.id, &contacts::started_conversation(&s), None)?;
        }
        json(&contact)
    }

    /// A verified user arrives (`setUser` with a valid hash): their record
    /// takes the name and email given; answers their newest conversation
    /// that is not closed, for another device to resume.
    async fn identify(&self, mut req: Request) -> Result<Response> {
        let body: crate::visitor::Identify = http::read_json(&mut req).await?;
        let existing = self.contact(&body.visitor_id)?;
        let contact = contacts::identified(
            existing.as_ref().map(|(_, c)| c.clone()),
            &body.visitor_id,
            &body.user_id,
            &body.details,
            body.at,
        );
        self.put_contact(existing.as_ref().map(|(k, c)| (*k, c)), &contact)?;
        let open = self
            .sql()?
            .exec(
                "SELECT body FROM conversations WHERE contact = ?
                   AND json_extract(body, '$.status') != 'closed'
                 ORDER BY created_at DESC LIMIT 1",
                vec![body.visitor_id.as_str().into()],
            )?
            .to_array::<Body>()?;
        let conversation_id = match open.into_iter().next() {
            Some(r) => Some(parse::<ContactConversation>(&r.body)?.id),
            None => None,
        };
        json(&crate::visitor::Identified { conversation_id })
    }

    async fn closed(&self, mut req: Request) -> Result<Response> {
        let c: Closed = http::read_json_max(&mut req, MAX_CLOSED_BYTES).await?;
        let existing = self.contact(&c.summary.visitor.id)?;
        let contact = contacts::closed(existing.as_ref().map(|(_, c)| c.clone()), &c);
        self.put_contact(existing.as_ref().map(|(k, c)| (*k, c)), &contact)?;
        let line = contacts::closed_conversation(self.conversation(c.summary.id.as_str())?, &c);
        let text: String = c.text.chars().take(contacts::MAX_TEXT_CHARS).collect();
        self.put_conversation(&contact.id, &line, Some(&text))?;
        json(&serde_json::json!({ "ok": true }))
    }

    async fn search(&self, mut req: Request) -> Result<Response> {
        let body: SearchBody = http::read_json(&mut req).await?;
        let Page { limit, offset } = body.page;
        let bind = vec![i64::from(limit + 1).into(), i64::from(offset).into()];
        let rows = match contacts::directory_match(&body.q) {
            None => self
                .sql()?
                .exec(
                    "SELECT k, body FROM contacts ORDER BY k DESC LIMIT ? OFFSET ?",
                    bind,
                )?
                .to_array::<Row>()?,
            Some(query) => {
                let mut all = vec![query.into()];
                all.extend(bind);
                self.sql()?
                    .exec(
                        "SELECT k, body FROM contacts WHERE k IN (
                           SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?
                           ORDER BY rowid DESC LIMIT ? OFFSET ?)
                         ORDER BY k DESC",
                        all,
                    )?
                    .to_array::<Row>()?
            }
        };
        let more = rows.len() > limit as usize;
        let contacts = rows
            .iter()
            .take(limit as usize)
            .map(|r| parse(&r.body))
            .collect::<Result<Vec<Contact>>>()?;
        json(&ContactPage { contacts, more })
    }

    fn about(&self, grant: &Grant) -> Result<(i64, Contact)> {
        let id = grant
            .contact
            .as_deref()
            .or_refuse(ErrorCode::NotFound, "no such contact")?;
        self.contact(id)?
            .or_refuse(ErrorCode::NotFound, "no such contact")
    }

    fn detail(&self, grant: &Grant, contact: Contact) -> Result<Response> {
        let stored = self.conversations(&contact.id)?;
        let conversations = grant.conversations(stored.into_iter().map(|(c, _)| c).collect());
        json(&ContactDetail {
            contact,
            conversations,
            may_edit: grant.may_edit,
        })
    }

    async fn get(&self, mut req: Request) -> Result<Response> {
        let body: AboutBody = http::read_json(&mut req).await?;
        let (_, contact) = self.about(&body.grant)?;
        self.detail(&body.grant, contact)
    }

    async fn patch(&self, mut req: Request) -> Result<Response> {
        let body: AboutBody = http::read_json(&mut req).await?;
        let (k, contact) = self.about(&body.grant)?;
        let patch = body
            .patch
            .or_refuse(ErrorCode::BadRequest, "no edit given")?;
        let edited = contacts::edit(&body.grant, contact.clone(), patch)?;
        self.put_contact(Some((k, &contact)), &edited)?;
        self.detail(&body.grant, edited)
    }

    async fn history(&self, mut req: Request) -> Result<Response> {
        let body: AboutBody = http::read_json(&mut req).await?;
        let (_, contact) = self.about(&body.grant)?;
        let stored = self.conversations(&contact.id)?;
        json(&ContactHistory {
            conversations: contacts::history(&body.grant, stored, &body.q),
        })
    }

    /// A record made through the HTTP API: 409 when the id is taken.
    async fn create(&self, mut req: Request) -> Result<Response> {
        let body: CreateBody = http::read_json(&mut req).await?;
        if !body.grant.may_edit {
            return Err(Error::refused(
                ErrorCode::Forbidden,
                "this caller cannot create contacts",
            ));
        }
        if self.contact(&body.contact.id)?.is_some() {
            return Err(Error::refused(
                ErrorCode::Conflict,
                "a contact with this id exists already; update it with PATCH",
            ));
        }
        self.put_contact(None, &body.contact)?;
        let mut response = self.detail(&body.grant, body.contact)?;
        response = response.with_status(201);
        Ok(response)
    }

    /// Closed conversations for an API listing, newest first, at most
    /// one more than the page (the core merges them with the open ones).
    async fn closed_list(&self, mut req: Request) -> Result<Response> {
        use worker::SqlStorageValue as V;
        let q: chat_core::integration::ListQuery = http::read_json(&mut req).await?;
        if !q.wants_closed() {
            return json(&Vec::<shared::integration::ConversationItem>::new());
        }
        let opt = |v: Option<i64>| v.map_or(V::Null, V::Integer);
        let (cursor_at, cursor_id) = match &q.cursor {
            Some(c) => (V::Integer(c.at), V::String(c.id.clone())),
            None => (V::Null, V::Null),
        };
        let rows = self
            .sql()?
            .exec(
                "SELECT contact, body FROM conversations
                 WHERE json_extract(body, '$.status') = 'closed'
                   AND (?1 IS NULL OR json_extract(body, '$.department') = ?1)
                   AND (?2 IS NULL OR created_at >= ?2)
                   AND (?3 IS NULL OR created_at < ?3)
                   AND (?4 IS NULL OR created_at < ?4 OR (created_at = ?4 AND id < ?5))
                 ORDER BY created_at DESC, id DESC LIMIT ?6",
                vec![
                    q.department.clone().map_or(V::Null, V::String),
                    opt(q.from),
                    opt(q.to),
                    cursor_at,
                    cursor_id,
                    V::Integer(q.limit as i64 + 1),
                ],
            )?
            .to_array::<Listed>()?;
        let items = rows
            .iter()
            .map(|r| {
                parse::<ContactConversation>(&r.body)
                    .map(|c| chat_core::integration::closed_item(&r.contact, &c))
            })
            .collect::<Result<Vec<_>>>()?;
        json(&items)
    }

    /// The benchmark's bulk load (the worker lets it through only where
    /// benchmarks are enabled): records and conversations as they would
    /// be after their closes.
    async fn seed(&self, mut req: Request) -> Result<Response> {
        let batch: Vec<Seeded> = http::read_json_max(&mut req, MAX_SEED_BYTES).await?;
        let count = batch.len();
        for s in batch {
            let existing = self.contact(&s.contact.id)?;
            self.put_contact(existing.as_ref().map(|(k, c)| (*k, c)), &s.contact)?;
            for (line, lines) in &s.conversations {
                let text = contacts::searchable_text(lines.iter().map(String::as_str));
                self.put_conversation(&s.contact.id, line, Some(&text))?;
            }
        }
        json(&serde_json::json!({ "seeded": count }))
    }
}

impl DurableObject for ContactsObject {
    fn new(state: State, _env: Env) -> Self {
        Self {
            sql: Sql::new(state.storage().sql()),
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let path = req.path();
        let answer = match path.as_str() {
            "/started" => self.started(req).await,
            "/closed" => self.closed(req).await,
            "/identify" => self.identify(req).await,
            "/search" => self.search(req).await,
            "/get" => self.get(req).await,
            "/patch" => self.patch(req).await,
            "/history" => self.history(req).await,
            "/seed" => self.seed(req).await,
            "/create" => self.create(req).await,
            "/closed-list" => self.closed_list(req).await,
            "/rows" => json(&serde_json::json!({ "rows_written": self.sql.written() })),
            _ => Err(Error::refused(ErrorCode::NotFound, "no such route")),
        };
        Ok(answer.unwrap_or_else(|e| e.into_response(&format!("contacts {path}"))))
    }
}
