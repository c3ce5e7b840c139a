//! Contacts: every rule about a workspace's contact records, pure. A
//! contact is a visitor id with a record agents keep (name, email, phone,
//! user name, contact manager, custom fields) and the list of its
//! conversations. The contacts store (one object per workspace) only
//! performs what these functions decide:
//!
//! - who may read and who may edit ([`may_read`], [`may_edit`]) and which of
//!   a contact's conversations an agent sees ([`Grant::conversations`]);
//! - what a valid edit is ([`check_patch`], [`edit`]);
//! - what a search means: the directory's query becomes a full-text query
//!   that cannot fail to parse or say more than the user typed
//!   ([`directory_match`]); a chat history's query is matched against the
//!   visitor-visible text kept at close ([`TextQuery`], [`searchable_text`]);
//! - how a conversation's start and close change a record ([`started`],
//!   [`closed`]): the only two moments a contact changes without an agent.

use crate::conversation::Refusal;
use crate::permissions::{allows_in, Grants, Permission};
use serde::{Deserialize, Serialize};
use shared::api::{is_plausible_email, Role, MAX_EMAIL_BYTES};
use shared::contacts::{Contact, ContactConversation, ContactPatch, LastChat};
use shared::frame::{ConversationStatus, ErrorCode, Participant};
use shared::ids::{AgentId, ConversationId};
use shared::inbox::ConversationSummary;
use shared::integration::ContactCreate;

/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest phone, in characters.
pub const MAX_PHONE_CHARS: usize = 32;
/// Fewest digits in a phone.
pub const MIN_PHONE_DIGITS: usize = 3;
/// Longest user name, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;
/// Most custom fields on one contact.
pub const MAX_CUSTOM_FIELDS: usize = 20;
/// Longest custom field key, in characters (letters, digits, `_`, `-`).
pub const MAX_FIELD_KEY_CHARS: usize = 32;
/// Longest custom field value, in characters.
pub const MAX_FIELD_VALUE_CHARS: usize = 256;

/// Longest search query read, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most words of a search query used; the rest are ignored.
pub const MAX_QUERY_WORDS: usize = 6;
/// Longest word of a search query, in characters; longer ones are cut.
pub const MAX_WORD_CHARS: usize = 32;

/// Contacts on a page of the directory when the client does not say.
pub const DEFAULT_LIMIT: u32 = 20;
/// Most contacts on a page of the directory.
pub const MAX_LIMIT: u32 = 50;
/// Deepest page of the directory: a search is for finding someone, not for
/// walking 100,000 records.
pub const MAX_OFFSET: u32 = 1_000;

/// Most characters of a conversation's visitor-visible text kept for the
/// chat history's search (its beginning).
pub const MAX_TEXT_CHARS: usize = 16_000;
/// Most conversations of one contact listed or searched (the newest).
pub const MAX_CONVERSATIONS: usize = 200;

fn refusal(code: ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

/// Whether a role may read contacts: anyone who sees visitors' chats,
/// those waiting in their queues (`view_queue`) or any (`monitor`). A
/// contact is what such a person already sees of a visitor in a chat.
pub fn may_read(grants: &Grants, role: Role) -> bool {
    allows_in(grants, role, Permission::ViewQueue) || allows_in(grants, role, Permission::Monitor)
}

/// Whether a role may edit contacts: `edit_contact`, on top of reading.
pub fn may_edit(grants: &Grants, role: Role) -> bool {
    may_read(grants, role) && allows_in(grants, role, Permission::EditContact)
}

/// What an agent asks the workspace for, before the contacts store acts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asked {
    /// They mean to edit (else only read).
    #[serde(default)]
    pub edit: bool,
    /// About this contact (a visitor id).
    #[serde(default)]
    pub contact: Option<String>,
    /// About the contact of this conversation, which they must be allowed
    /// to open.
    #[serde(default)]
    pub conversation: Option<ConversationId>,
    /// The contact manager an edit names, checked against the workspace's
    /// people (`""` clears it and needs no check).
    #[serde(default)]
    pub manager: Option<String>,
}

/// What the workspace lets one agent do with contacts, as it answered
/// right now. The worker passes it to the contacts store with the request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Who asks.
    pub agent: AgentId,
    /// They may edit records.
    pub may_edit: bool,
    /// They may open any conversation (`monitor`).
    pub sees_all: bool,
    /// The departments whose closed and waiting chats they may open.
    pub departments: Vec<String>,
    /// The contact asked about (resolved from a conversation when one was
    /// named).
    pub contact: Option<String>,
    /// The contact's open conversations they may open, as the workspace
    /// lists them now.
    #[serde(default)]
    pub live: Vec<ConversationSummary>,
    /// The contact's open conversations they may not open.
    #[serde(default)]
    pub hidden: Vec<ConversationId>,
}

impl Grant {
    /// A conversation as this agent may see it: an open one as the
    /// workspace lists it now, a closed one (or one the workspace does not
    /// list) when it is theirs, of their departments, or they monitor;
    /// `None` when they may not, or when it never began (no message).
    pub fn sees(&self, stored: &ContactConversation) -> Option<ContactConversation> {
        if self.hidden.contains(&stored.id) {
            return None;
        }
        if let Some(live) = self.live.iter().find(|s| s.id == stored.id) {
            return Some(ContactConversation {
                department: live.department.clone(),
                agent: live.assignee.clone().or_else(|| stored.agent.clone()),
                status: live.status,
                preview: if live.preview.is_empty() {
                    stored.preview.clone()
                } else {
                    live.preview.clone()
                },
                ..stored.clone()
            });
        }
        // Started but never written in, and not open: an empty chat.
        if stored.status == ConversationStatus::New {
            return None;
        }
        let theirs = stored
            .agent
            .as_ref()
            .is_some_and(|a| a.id == self.agent.as_str());
        (self.sees_all || theirs || self.departments.contains(&stored.department))
            .then(|| stored.clone())
    }

    /// Of a contact's stored conversations, those this agent sees, newest
    /// first, with the open ones the store has not heard of yet.
    pub fn conversations(&self, stored: Vec<ContactConversation>) -> Vec<ContactConversation> {
        let mut seen: Vec<ContactConversation> =
            stored.iter().filter_map(|c| self.sees(c)).collect();
        for live in &self.live {
            if !stored.iter().any(|c| c.id == live.id) {
                seen.push(ContactConversation {
                    id: live.id.clone(),
                    department: live.department.clone(),
                    agent: live.assignee.clone(),
                    status: live.status,
                    created_at: live.queued_at,
                    closed_at: None,
                    preview: live.preview.clone(),
                });
            }
        }
        seen.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        seen.truncate(MAX_CONVERSATIONS);
        seen
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A phone as people write it: digits, spaces and `+ - ( ) .`, with at
/// least [`MIN_PHONE_DIGITS`] digits.
pub fn is_plausible_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    digits >= MIN_PHONE_DIGITS
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'))
}

/// A custom field key: 1 to [`MAX_FIELD_KEY_CHARS`] letters, digits, `_` or `-`.
pub fn is_field_key(key: &str) -> bool {
    !key.is_empty()
        && chars(key) <= MAX_FIELD_KEY_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether a value holds a control character (a line break among them).
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// The first problem of an edit, as the sentence the API answers with
/// (400). Values are checked trimmed; an empty optional field clears it.
pub fn check_patch(patch: &ContactPatch) -> Result<(), String> {
    if let Some(name) = &patch.name {
        let name = name.trim();
        if name.is_empty() || chars(name) > MAX_NAME_CHARS || has_control(name) {
            return Err(format!(
                "a name of 1 to {MAX_NAME_CHARS} characters is required"
            ));
        }
    }
    if let Some(email) = patch.email.as_deref().map(str::trim) {
        if !email.is_empty() && !is_plausible_email(email) {
            return Err(format!(
                "the email must be an address of at most {MAX_EMAIL_BYTES} bytes, like name@example.com"
            ));
        }
    }
    if let Some(phone) = patch.phone.as_deref().map(str::trim) {
        if !phone.is_empty() && (chars(phone) > MAX_PHONE_CHARS || !is_plausible_phone(phone)) {
            return Err(format!(
                "the phone must be at most {MAX_PHONE_CHARS} characters: digits, spaces and + - ( ) ."
            ));
        }
    }
    if let Some(username) = patch.username.as_deref().map(str::trim) {
        if chars(username) > MAX_USERNAME_CHARS || has_control(username) {
            return Err(format!(
                "the user name must be at most {MAX_USERNAME_CHARS} characters"
            ));
        }
    }
    if let Some(manager) = patch.manager.as_deref().map(str::trim) {
        if !manager.is_empty() && !shared::ids::is_valid_id(manager) {
            return Err("the contact manager must be an agent of this workspace".into());
        }
    }
    if let Some(fields) = &patch.custom_fields {
        if fields.len() > MAX_CUSTOM_FIELDS {
            return Err(format!(
                "at most {MAX_CUSTOM_FIELDS} custom fields are allowed"
            ));
        }
        for (key, value) in fields {
            if !is_field_key(key) {
                return Err(format!(
                    "a custom field's key must be 1 to {MAX_FIELD_KEY_CHARS} letters, digits, _ or -"
                ));
            }
            if chars(value) > MAX_FIELD_VALUE_CHARS || has_control(value) {
                return Err(format!(
                    "the custom field {key} must be at most {MAX_FIELD_VALUE_CHARS} characters on one line"
                ));
            }
        }
    }
    Ok(())
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// An agent edits a record: refused without `edit_contact` (403) or with
/// an invalid field (400); else the record as it now stands. The manager
/// was checked against the workspace's people when the grant was made.
pub fn edit(grant: &Grant, mut contact: Contact, patch: ContactPatch) -> Result<Contact, Refusal> {
    if !grant.may_edit {
        return Err(refusal(
            ErrorCode::Forbidden,
            "your role cannot edit contacts",
        ));
    }
    check_patch(&patch).map_err(|why| refusal(ErrorCode::BadRequest, why))?;
    if let Some(name) = patch.name {
        contact.name = name.trim().to_owned();
    }
    if let Some(email) = patch.email {
        contact.email = optional(&email);
    }
    if let Some(phone) = patch.phone {
        contact.phone = optional(&phone);
    }
    if let Some(username) = patch.username {
        contact.username = optional(&username);
    }
    if let Some(manager) = patch.manager {
        contact.manager = optional(&manager).map(AgentId);
    }
    if let Some(fields) = patch.custom_fields {
        contact.custom_fields = fields
            .into_iter()
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect();
    }
    Ok(contact)
}

/// The words of a query as the full-text index sees them: cut to
/// [`MAX_QUERY_CHARS`], split at anything that is not a letter or digit,
/// lowercased, each cut to [`MAX_WORD_CHARS`], at most [`MAX_QUERY_WORDS`].
pub fn words(query: &str) -> Vec<String> {
    let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(MAX_WORD_CHARS).collect())
        .take(MAX_QUERY_WORDS)
        .collect()
}

/// One word as an FTS5 string prefix: in double quotes (a quote inside is
/// doubled, though [`words`] leaves none), so that no word is ever read as
/// an operator (`AND`, `NEAR`), a column filter (`email:`) or a `*`.
fn fts_prefix(word: &str) -> String {
    format!("\"{}\"*", word.replace('"', "\"\""))
}

/// The FTS5 query for a directory search, or `None` for an empty query
/// (list every contact). Every word the user typed must begin a word of
/// the name, email or phone ("ann smi" finds Anna Smith; "anna@exa" finds
/// anna@example.com). A query that looks like a phone also matches the
/// phone's digits run together ("555-01" finds "+1 (555) 0100").
pub fn directory_match(query: &str) -> Option<String> {
    let words = words(query);
    if words.is_empty() {
        return None;
    }
    let all = words
        .iter()
        .map(|w| fts_prefix(w))
        .collect::<Vec<_>>()
        .join(" AND ");
    let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
    let digits: String = query
        .chars()
        .filter(char::is_ascii_digit)
        .take(MAX_PHONE_CHARS)
        .collect();
    if words.len() > 1 && digits.len() >= MIN_PHONE_DIGITS && is_plausible_phone(query.trim()) {
        return Some(format!("({all}) OR (digits : {})", fts_prefix(&digits)));
    }
    Some(all)
}

/// A phone's digits run together, and every tail of them of at least
/// [`MIN_PHONE_DIGITS`] digits, as the directory's `digits` column keeps
/// them: a number is found by any part typed from its start or after a
/// country or area code ("5558675" finds "+1 (555) 867-5309").
pub fn phone_digits(phone: &str) -> String {
    let digits: Vec<char> = phone
        .chars()
        .filter(char::is_ascii_digit)
        .take(MAX_PHONE_CHARS)
        .collect();
    let tails = digits.len().saturating_sub(MIN_PHONE_DIGITS - 1);
    (0..tails)
        .map(|i| digits[i..].iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the directory's search index keeps of a contact: its name, email,
/// phone and the phone's [`phone_digits`]. A change of a record that
/// leaves these as they were leaves its index line as it was (a line
/// rewritten costs several rows).
pub fn directory_line(c: &Contact) -> [String; 4] {
    let phone = c.phone.clone().unwrap_or_default();
    let digits = phone_digits(&phone);
    [
        c.name.clone(),
        c.email.clone().unwrap_or_default(),
        phone,
        digits,
    ]
}

/// A conversation's searchable text: its lines' words lowercased, each
/// preceded by one space, cut at [`MAX_TEXT_CHARS`]. Give it only the
/// lines a visitor may see (never internal ones).
pub fn searchable_text<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::new();
    'lines: for line in lines {
        for word in line
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let word = word.to_lowercase();
            if chars(&text) + 1 + chars(&word) > MAX_TEXT_CHARS {
                break 'lines;
            }
            text.push(' ');
            text.push_str(&word);
        }
    }
    text
}

/// A chat history search: every word must begin a word of the
/// conversation's [`searchable_text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextQuery {
    needles: Vec<String>,
}

impl TextQuery {
    /// Reads what the user typed (see [`words`]).
    pub fn parse(query: &str) -> Self {
        TextQuery {
            needles: words(query).into_iter().map(|w| format!(" {w}")).collect(),
        }
    }

    /// True when nothing was typed: everything matches.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Whether a conversation's searchable text or its preview matches.
    pub fn matches(&self, text: &str, preview: &str) -> bool {
        let preview = searchable_text([preview]);
        self.needles
            .iter()
            .all(|n| text.contains(n.as_str()) || preview.contains(n.as_str()))
    }
}

/// A page of the directory, from the request's `limit` and `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Contacts asked for.
    pub limit: u32,
    /// Contacts skipped.
    pub offset: u32,
}

impl Page {
    /// Reads `limit` (1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]) and
    /// `offset` (0 to [`MAX_OFFSET`]); a bad one is refused with why.
    pub fn parse(limit: Option<&str>, offset: Option<&str>) -> Result<Page, String> {
        let limit = match limit.map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(l) => l
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| format!("limit must be a number from 1 to {MAX_LIMIT}"))?,
        };
        let offset = match offset.map(str::trim) {
            None | Some("") => 0,
            Some(o) => o
                .parse::<u32>()
                .ok()
                .filter(|o| *o <= MAX_OFFSET)
                .ok_or_else(|| format!("offset must be a number from 0 to {MAX_OFFSET}"))?,
        };
        Ok(Page { limit, offset })
    }
}

/// A conversation started: who, where, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Started {
    /// The visitor.
    pub visitor: Participant,
    /// The conversation.
    pub conversation: ConversationId,
    /// Its department.
    pub department: String,
    /// When, in milliseconds since the Unix epoch.
    pub at: i64,
    /// What the visitor's pre-chat form told.
    #[serde(
        default,
        skip_serializing_if = "shared::site::VisitorDetails::is_empty"
    )]
    pub details: shared::site::VisitorDetails,
}

/// A conversation closed: how it stood, when, and what its visitor could
/// read ([`searchable_text`] of its visible lines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closed {
    /// Its last line in the workspace's lists.
    pub summary: ConversationSummary,
    /// When it closed.
    pub at: i64,
    /// Its searchable text.
    pub text: String,
}

fn newer(last: Option<&LastChat>, at: i64, id: &ConversationId) -> bool {
    last.is_none_or(|l| (l.at, &l.conversation) <= (at, id))
}

/// The record after a conversation started: created on the visitor's first,
/// its last chat moved on later ones. An agent's edits stay.
pub fn started(existing: Option<Contact>, s: &Started) -> Contact {
    let mut contact = existing.unwrap_or_else(|| new_contact(&s.visitor, s.at));
    // What a pre-chat form told fills what the record lacks; an agent's
    // edits and a verified user's own values stay.
    let d = &s.details;
    if let Some(name) = &d.name {
        if contact.name == anonymous_name(&contact.id) {
            contact.name = name.chars().take(MAX_NAME_CHARS).collect();
        }
    }
    if contact.email.is_none() {
        contact.email.clone_from(&d.email);
    }
    for (key, value) in &d.fields {
        if contact.custom_fields.len() < MAX_CUSTOM_FIELDS {
            contact
                .custom_fields
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
    }
    if newer(contact.last_chat.as_ref(), s.at, &s.conversation) {
        contact.last_chat = Some(LastChat {
            at: s.at,
            conversation: s.conversation.clone(),
        });
    }
    contact
}

/// The name agents see for an anonymous visitor: "Visitor" and four
/// digits derived from their id, so it needs no storage.
pub fn anonymous_name(visitor_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(visitor_id.as_bytes());
    let n = u16::from_le_bytes([digest[0], digest[1]]) % 9000 + 1000;
    format!("Visitor {n}")
}

/// The record of a verified user as `setUser` names them (created on
/// their first visit): the name and email given replace the record's, and
/// the site's user id becomes its user name when it fits.
pub fn identified(
    existing: Option<Contact>,
    visitor_id: &str,
    user_id: &str,
    details: &shared::site::VisitorDetails,
    at: i64,
) -> Contact {
    let mut contact = existing.unwrap_or_else(|| Contact {
        id: visitor_id.to_owned(),
        name: anonymous_name(visitor_id),
        email: None,
        phone: None,
        username: None,
        created_at: at,
        last_chat: None,
        manager: None,
        custom_fields: Default::default(),
    });
    if let Some(name) = &details.name {
        contact.name = name.chars().take(MAX_NAME_CHARS).collect();
    }
    if let Some(email) = &details.email {
        contact.email = Some(email.clone());
    }
    if user_id.chars().count() <= MAX_USERNAME_CHARS && contact.username.is_none() {
        contact.username = Some(user_id.to_owned());
    }
    contact
}

/// The conversation's line when it starts.
pub fn started_conversation(s: &Started) -> ContactConversation {
    ContactConversation {
        id: s.conversation.clone(),
        department: s.department.clone(),
        agent: None,
        status: ConversationStatus::New,
        created_at: s.at,
        closed_at: None,
        preview: String::new(),
    }
}

fn new_contact(visitor: &Participant, at: i64) -> Contact {
    Contact {
        id: visitor.id.clone(),
        name: visitor.name.chars().take(MAX_NAME_CHARS).collect(),
        email: None,
        phone: None,
        username: None,
        created_at: at,
        last_chat: None,
        manager: None,
        custom_fields: Default::default(),
    }
}

/// The record after a conversation closed (created here when its start was
/// never filed).
pub fn closed(existing: Option<Contact>, c: &Closed) -> Contact {
    let started_at = started_at(c);
    let mut contact = existing.unwrap_or_else(|| new_contact(&c.summary.visitor, started_at));
    if newer(contact.last_chat.as_ref(), started_at, &c.summary.id) {
        contact.last_chat = Some(LastChat {
            at: started_at,
            conversation: c.summary.id.clone(),
        });
    }
    contact
}

fn started_at(c: &Closed) -> i64 {
    if c.summary.queued_at > 0 {
        c.summary.queued_at
    } else {
        c.at
    }
}

/// The conversation's line once closed; it keeps the start time filed at
/// its start.
pub fn closed_conversation(
    existing: Option<ContactConversation>,
    c: &Closed,
) -> ContactConversation {
    let s = &c.summary;
    ContactConversation {
        id: s.id.clone(),
        department: s.department.clone(),
        agent: s.assignee.clone(),
        status: ConversationStatus::Closed,
        created_at: existing.map_or_else(|| started_at(c), |e| e.created_at),
        closed_at: Some(c.at),
        preview: s.preview.clone(),
    }
}

/// A chat history search: of a contact's stored conversations (each with
/// its searchable text), those the agent sees whose text or topic matches
/// `query` (all of them when it is empty), newest first. An open
/// conversation the store has no text of yet matches on its topic.
pub fn history(
    grant: &Grant,
    stored: Vec<(ContactConversation, String)>,
    query: &str,
) -> Vec<ContactConversation> {
    let query = TextQuery::parse(query);
    let matching: Vec<ConversationId> = stored
        .iter()
        .filter(|(c, text)| query.matches(text, &c.preview))
        .map(|(c, _)| c.id.clone())
        .collect();
    let listed: Vec<ConversationId> = stored.iter().map(|(c, _)| c.id.clone()).collect();
    grant
        .conversations(stored.into_iter().map(|(c, _)| c).collect())
        .into_iter()
        .filter(|c| {
            matching.contains(&c.id) || (!listed.contains(&c.id) && query.matches("", &c.preview))
        })
        .collect()
}

/// The id of a contact made through the HTTP API: with `site` and
/// `user_id`, the id that site's signed user gets (so their chats find
/// the record, [`crate::site::verified_visitor_id`]); with neither,
/// `fresh` (made by the worker). The site must be the workspace's: the
/// caller checks it.
pub fn created_id(workspace: &str, request: &ContactCreate, fresh: &str) -> Result<String, String> {
    match (request.site.as_deref(), request.user_id.as_deref()) {
        (None, None) => Ok(fresh.to_owned()),
        (Some(site), Some(user)) => {
            if !crate::site::is_user_id(user) {
                return Err(format!(
                    "user_id is 1 to {} characters on one line",
                    crate::site::MAX_USER_ID_CHARS
                ));
            }
            Ok(crate::site::verified_visitor_id(workspace, site, user))
        }
        _ => Err("site and user_id are given together, or neither".into()),
    }
}

/// A contact made through the HTTP API: its fields checked as an edit's
/// are (the first problem as the sentence answered, 400); the site's user
/// id becomes its user name when none is given.
pub fn create(id: &str, request: &ContactCreate, now: i64) -> Result<Contact, Refusal> {
    let patch = ContactPatch {
        name: Some(request.name.clone()),
        email: request.email.clone(),
        phone: request.phone.clone(),
        username: request.username.clone(),
        manager: request.manager.clone(),
        custom_fields: Some(request.custom_fields.clone()),
    };
    check_patch(&patch).map_err(|why| refusal(ErrorCode::BadRequest, why))?;
    let username = request.username.as_deref().and_then(optional).or_else(|| {
        request
            .user_id
            .as_deref()
            .filter(|u| chars(u) <= MAX_USERNAME_CHARS)
            .and_then(optional)
    });
    Ok(Contact {
        id: id.to_owned(),
        name: request.name.trim().to_owned(),
        email: request.email.as_deref().and_then(optional),
        phone: request.phone.as_deref().and_then(optional),
        username,
        created_at: now,
        last_chat: None,
        manager: request.manager.as_deref().and_then(optional).map(AgentId),
        custom_fields: request
            .custom_fields
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .collect(),
    })
}

#[cfg(test)]
mod create_tests {
    use super::*;

    fn request(name: &str) -> ContactCreate {
        ContactCreate {
            name: name.into(),
            ..ContactCreate::default()
        }
    }

    #[test]
    fn ids() {
        assert_eq!(created_id("w", &request("A"), "v_1").unwrap(), "v_1");
        let signed = ContactCreate {
            site: Some("shop".into()),
            user_id: Some("42".into()),
            ..request("A")
        };
        assert_eq!(
            created_id("w", &signed, "v_1").unwrap(),
            crate::site::verified_visitor_id("w", "shop", "42")
        );
        let half = ContactCreate {
            user_id: Some("42".into()),
            ..request("A")
        };
        assert!(created_id("w", &half, "v_1").is_err());
        let long = ContactCreate {
            user_id: Some("x".repeat(200)),
            ..signed
        };
        assert!(created_id("w", &long, "v_1").is_err());
    }

    #[test]
    fn records() {
        let c = create(
            "v_1",
            &ContactCreate {
                email: Some(" ada@example.com ".into()),
                phone: Some("".into()),
                user_id: Some("ada".into()),
                site: Some("shop".into()),
                ..request(" Ada ")
            },
            9,
        )
        .unwrap();
        assert_eq!(c.name, "Ada");
        assert_eq!(c.email.as_deref(), Some("ada@example.com"));
        assert_eq!(c.phone, None);
        assert_eq!(c.username.as_deref(), Some("ada"));
        assert_eq!(c.created_at, 9);
        assert_eq!(
            create("v", &request(""), 0).unwrap_err().code,
            ErrorCode::BadRequest
        );
        let bad = ContactCreate {
            email: Some("nope".into()),
            ..request("A")
        };
        assert!(create("v", &bad, 0).unwrap_err().message.contains("email"));
    }
}
