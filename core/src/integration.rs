//! The rules of the HTTP API for a site's own systems (API tokens) that
//! are not the workspace's or a conversation's: what a list of
//! conversations asks for ([`ListQuery`]) and how its page is made from
//! the open conversations the workspace lists and the closed ones the
//! contacts store keeps ([`page`]), and what a page of messages asks for
//! ([`MessagesQuery`]). Who may do what is the workspace's
//! (`workspace/system.rs`).

use serde::{Deserialize, Serialize};
use shared::contacts::ContactConversation;
use shared::frame::ConversationStatus;
use shared::inbox::ConversationSummary;
use shared::integration::{ConversationItem, ConversationList};

/// Conversations on a page when the caller does not say.
pub const DEFAULT_LIMIT: usize = 50;
/// Most conversations on a page.
pub const MAX_LIMIT: usize = 200;
/// Messages on a page when the caller does not say.
pub const DEFAULT_MESSAGES: u64 = 200;
/// Most messages on a page.
pub const MAX_MESSAGES: u64 = 1_000;

/// Highest `after` read: the largest integer every JSON reader keeps exact.
pub const MAX_SAFE_SEQ: u64 = (1 << 53) - 1;

/// Where a listing resumes: after the conversation that started at `at`
/// with this id, in the list's order (newest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Its start.
    pub at: i64,
    /// Its id.
    pub id: String,
}

impl Cursor {
    /// As the API hands it out: `<at>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at, self.id)
    }

    /// Reads a cursor this API handed out.
    pub fn decode(s: &str) -> Option<Cursor> {
        let (at, id) = s.split_once('.')?;
        let at = at.parse().ok()?;
        shared::ids::is_valid_id(id).then(|| Cursor {
            at,
            id: id.to_owned(),
        })
    }

    /// Whether a conversation comes after the cursor (newest first).
    pub fn before(&self, at: i64, id: &str) -> bool {
        (at, id) < (self.at, self.id.as_str())
    }
}

/// `GET /api/v1/conversations`'s query, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Only conversations in this state.
    pub status: Option<ConversationStatus>,
    /// Only this department's.
    pub department: Option<String>,
    /// Started at or after this time (ms).
    pub from: Option<i64>,
    /// Started before this time (ms).
    pub to: Option<i64>,
    /// Conversations on the page.
    pub limit: usize,
    /// Resume after this one.
    pub cursor: Option<Cursor>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            status: None,
            department: None,
            from: None,
            to: None,
            limit: DEFAULT_LIMIT,
            cursor: None,
        }
    }
}

fn time(name: &str, value: &str) -> Result<i64, String> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|t| *t >= 0)
        .ok_or_else(|| format!("{name} is a time in milliseconds since the Unix epoch"))
}

impl ListQuery {
    /// Reads the query's pairs; an unknown or bad one is refused with why.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut q = ListQuery::default();
        for (key, value) in pairs {
            if value.is_empty() {
                continue;
            }
            match key {
                "status" => {
                    q.status = Some(match value {
                        "queued" => ConversationStatus::Queued,
                        "active" => ConversationStatus::Active,
                        "on_hold" => ConversationStatus::OnHold,
                        "closed" => ConversationStatus::Closed,
                        _ => {
                            return Err(
                                "status is one of queued, active, on_hold, closed".to_owned()
                            )
                        }
                    })
                }
                "department" => {
                    if !shared::ids::is_valid_id(value) {
                        return Err("department is a department's id".to_owned());
                    }
                    q.department = Some(value.to_owned());
                }
                "from" => q.from = Some(time("from", value)?),
                "to" => q.to = Some(time("to", value)?),
                "limit" => {
                    q.limit = value
                        .parse::<usize>()
                        .ok()
                        .filter(|l| (1..=MAX_LIMIT).contains(l))
                        .ok_or_else(|| format!("limit is a number from 1 to {MAX_LIMIT}"))?
                }
                "cursor" => {
                    q.cursor = Some(
                        Cursor::decode(value)
                            .ok_or("cursor is the next_cursor of an earlier page")?,
                    )
                }
                other => return Err(format!("unknown query parameter {other}")),
            }
        }
        if let (Some(from), Some(to)) = (q.from, q.to) {
            if from >= to {
                return Err("from must be before to".to_owned());
            }
        }
        Ok(q)
    }

    /// Whether the list may hold open conversations at all.
    pub fn wants_open(&self) -> bool {
        self.status != Some(ConversationStatus::Closed)
    }

    /// Whether the list may hold closed conversations at all.
    pub fn wants_closed(&self) -> bool {
        matches!(self.status, None | Some(ConversationStatus::Closed))
    }

    /// Whether a conversation of this state, department and start belongs
    /// on the list (the cursor included).
    pub fn admits(&self, status: ConversationStatus, department: &str, at: i64, id: &str) -> bool {
        let listed = matches!(
            status,
            ConversationStatus::Queued
                | ConversationStatus::Active
                | ConversationStatus::OnHold
                | ConversationStatus::Closed
        );
        listed
            && self.status.is_none_or(|s| s == status)
            && self.department.as_deref().is_none_or(|d| d == department)
            && self.from.is_none_or(|f| at >= f)
            && self.to.is_none_or(|t| at < t)
            && self.cursor.as_ref().is_none_or(|c| c.before(at, id))
    }
}

/// An open conversation as the list shows it.
pub fn open_item(s: &ConversationSummary) -> ConversationItem {
    ConversationItem {
        id: s.id.clone(),
        status: s.status,
        department: s.department.clone(),
        contact: s.visitor.id.clone(),
        agent: s.assignee.clone(),
        created_at: s.queued_at,
        closed_at: None,
        preview: s.preview.clone(),
    }
}

/// A closed conversation, as the contacts store keeps it, as the list
/// shows it.
pub fn closed_item(contact: &str, c: &ContactConversation) -> ConversationItem {
    ConversationItem {
        id: c.id.clone(),
        status: c.status,
        department: c.department.clone(),
        contact: contact.to_owned(),
        agent: c.agent.clone(),
        created_at: c.created_at,
        closed_at: c.closed_at,
        preview: c.preview.clone(),
    }
}

/// One page: of the open conversations and the closed ones (each source
/// asked for at most `limit + 1` past the cursor), those the query admits,
/// newest first, `limit` of them, and the cursor of the next page when
/// more remain. A conversation both sources hold (closed a moment ago)
/// is listed once, as closed.
pub fn page(
    query: &ListQuery,
    open: Vec<ConversationItem>,
    closed: Vec<ConversationItem>,
) -> ConversationList {
    let mut all: Vec<ConversationItem> = closed
        .into_iter()
        .filter(|c| c.status == ConversationStatus::Closed)
        .collect();
    for o in open {
        if !all.iter().any(|c| c.id == o.id) {
            all.push(o);
        }
    }
    all.retain(|c| query.admits(c.status, &c.department, c.created_at, c.id.as_str()));
    all.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
    let more = all.len() > query.limit;
    all.truncate(query.limit);
    let next_cursor = more.then(|| all.last()).flatten().map(|c| {
        Cursor {
            at: c.created_at,
            id: c.id.0.clone(),
        }
        .encode()
    });
    ConversationList {
        conversations: all,
        next_cursor,
    }
}

/// `GET /api/v1/conversations/{id}`'s query: messages after `after`, at
/// most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesQuery {
    /// Messages with a higher `seq`.
    pub after: u64,
    /// Most messages.
    pub limit: u64,
}

impl MessagesQuery {
    /// Reads `after` (default 0) and `limit` (1 to [`MAX_MESSAGES`],
    /// default [`DEFAULT_MESSAGES`]).
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut q = MessagesQuery {
            after: 0,
            limit: DEFAULT_MESSAGES,
        };
        for (key, value) in pairs {
            if value.is_empty() {
                continue;
            }
            match key {
                "after" => {
                    q.after = value
                        .parse::<u64>()
                        .ok()
                        .filter(|a| *a <= MAX_SAFE_SEQ)
                        .ok_or_else(|| "after is a message's seq (0 or more)".to_owned())?
                }
                "limit" => {
                    q.limit = value
                        .parse::<u64>()
                        .ok()
                        .filter(|l| (1..=MAX_MESSAGES).contains(l))
                        .ok_or_else(|| format!("limit is a number from 1 to {MAX_MESSAGES}"))?
                }
                other => return Err(format!("unknown query parameter {other}")),
            }
        }
        Ok(q)
    }

    /// The next page's `after`, given the seqs of this page's messages
    /// read with one more than `limit` asked.
    pub fn next_after(&self, seqs: &[u64]) -> Option<u64> {
        (seqs.len() as u64 > self.limit)
            .then(|| seqs.get(self.limit as usize - 1).copied())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::frame::{Participant, Side};

    fn item(id: &str, at: i64, status: ConversationStatus) -> ConversationItem {
        ConversationItem {
            id: id.into(),
            status,
            department: "sales".into(),
            contact: "v1".into(),
            agent: None,
            created_at: at,
            closed_at: None,
            preview: String::new(),
        }
    }

    #[track_caller]
    fn parse(q: &str) -> Result<ListQuery, String> {
        let pairs: Vec<(&str, &str)> = q
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect();
        ListQuery::parse(pairs)
    }

    #[test]
    fn queries() {
        assert_eq!(parse("").unwrap(), ListQuery::default());
        let q = parse("status=on_hold&department=sales&from=5&to=9&limit=3").unwrap();
        assert_eq!(q.status, Some(ConversationStatus::OnHold));
        assert_eq!(q.limit, 3);
        assert!(parse("status=new").unwrap_err().contains("status"));
        assert!(parse("limit=0").unwrap_err().contains("limit"));
        assert!(parse("limit=201").unwrap_err().contains("limit"));
        assert!(parse("from=x").unwrap_err().contains("from"));
        assert!(parse("from=9&to=9").unwrap_err().contains("before"));
        assert!(parse("cursor=zz").unwrap_err().contains("cursor"));
        assert!(parse("department=a/b").unwrap_err().contains("department"));
        assert!(parse("colour=red").unwrap_err().contains("colour"));
        assert_eq!(
            parse("cursor=12.c_ab").unwrap().cursor,
            Some(Cursor {
                at: 12,
                id: "c_ab".into()
            })
        );
    }

    #[test]
    fn pages_merge_newest_first_and_resume() {
        use ConversationStatus::*;
        let open = vec![
            item("c3", 30, Active),
            item("c1", 10, Queued),
            item("c0", 5, New),
        ];
        let closed = vec![
            item("c4", 40, Closed),
            item("c2", 20, Closed),
            item("c3", 30, Closed),
        ];
        let q = ListQuery {
            limit: 2,
            ..ListQuery::default()
        };
        let p = page(&q, open.clone(), closed.clone());
        let ids: Vec<&str> = p.conversations.iter().map(|c| c.id.as_str()).collect();
        // c3 closed a moment ago: listed once, as closed.
        assert_eq!(ids, ["c4", "c3"]);
        assert_eq!(p.conversations[1].status, Closed);
        let q = ListQuery {
            cursor: p.next_cursor.as_deref().and_then(Cursor::decode),
            ..q
        };
        let p = page(&q, open.clone(), closed.clone());
        let ids: Vec<&str> = p.conversations.iter().map(|c| c.id.as_str()).collect();
        // A conversation never written in (new) is never listed.
        assert_eq!(ids, ["c2", "c1"]);
        assert_eq!(p.next_cursor, None);
        let q = ListQuery {
            status: Some(Queued),
            ..ListQuery::default()
        };
        let p = page(&q, open, closed);
        assert_eq!(p.conversations.len(), 1);
        assert_eq!(p.conversations[0].id.as_str(), "c1");
    }

    #[test]
    fn items_from_both_sources() {
        let visitor = Participant {
            side: Side::Visitor,
            id: "v9".into(),
            name: "Visitor".into(),
        };
        let s = ConversationSummary {
            id: "c1".into(),
            status: ConversationStatus::Queued,
            department: "sales".into(),
            visitor,
            assignee: None,
            members: Vec::new(),
            preview: "hello".into(),
            queued_at: 7,
            priority: Default::default(),
        };
        let i = open_item(&s);
        assert_eq!((i.contact.as_str(), i.created_at), ("v9", 7));
        let c = ContactConversation {
            id: "c2".into(),
            department: "sales".into(),
            agent: None,
            status: ConversationStatus::Closed,
            created_at: 3,
            closed_at: Some(9),
            preview: "hi".into(),
        };
        assert_eq!(closed_item("v9", &c).closed_at, Some(9));
    }

    #[test]
    fn message_pages() {
        let q = MessagesQuery::parse([("after", "4"), ("limit", "2")]).unwrap();
        assert_eq!(q.next_after(&[5, 6, 7]), Some(6));
        assert_eq!(q.next_after(&[5, 6]), None);
        assert!(MessagesQuery::parse([("limit", "0")]).is_err());
        assert!(MessagesQuery::parse([("after", "-1")]).is_err());
        assert!(MessagesQuery::parse([("after", "18446744073709551615")]).is_err());
        assert!(MessagesQuery::parse([("seq", "1")]).is_err());
    }
}
