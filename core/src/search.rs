//! Searching a conversation's messages as an agent types: plain text or a
//! regular expression, both case-insensitive. Patterns run on the `regex`
//! crate, which matches in time linear in the text, with a bound on the
//! compiled size, so no pattern can stall the object that runs it.

use crate::conversation::Reader;
use shared::frame::{Message, MessageKind};
use shared::room::{SearchResults, MAX_HITS, MAX_QUERY_CHARS};

/// The largest compiled pattern allowed, in bytes.
const MAX_PATTERN_BYTES: usize = 256 * 1024;

/// A search, checked.
#[derive(Clone, Debug)]
pub enum Query {
    /// Case-insensitive text, lowercased.
    Plain(String),
    /// A compiled pattern.
    Pattern(regex::Regex),
}

impl Query {
    /// Reads what the agent typed; `Err` is the sentence to show (an
    /// invalid or too large pattern, an empty or too long query).
    pub fn parse(text: &str, regex: bool) -> Result<Query, String> {
        let chars = text.chars().count();
        if text.trim().is_empty() {
            return Err("type something to search for".into());
        }
        if chars > MAX_QUERY_CHARS {
            return Err(format!(
                "a search has at most {MAX_QUERY_CHARS} characters, this one has {chars}"
            ));
        }
        if !regex {
            return Ok(Query::Plain(text.to_lowercase()));
        }
        regex::RegexBuilder::new(text)
            .case_insensitive(true)
            .size_limit(MAX_PATTERN_BYTES)
            .dfa_size_limit(MAX_PATTERN_BYTES)
            .build()
            .map(Query::Pattern)
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(_) => "this pattern is too large".to_owned(),
                regex::Error::Syntax(s) => format!("invalid pattern: {}", first_line(&s)),
                _ => "invalid pattern".to_owned(),
            })
    }

    /// Whether `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Query::Plain(q) => text.to_lowercase().contains(q.as_str()),
            Query::Pattern(r) => r.is_match(text),
        }
    }
}

/// regex's syntax errors draw the pattern with a caret; its last line says
/// what is wrong.
fn first_line(error: &str) -> String {
    error
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("error:")
                .trim()
                .to_owned()
        })
        .unwrap_or_else(|| error.lines().next().unwrap_or_default().to_owned())
}

/// Of the `(seq, kind, text)` of stored messages a reader may read (the
/// store keeps the audience rule: see [`Reader::may_read`]), the sequence
/// numbers of those that match, oldest first, at most [`MAX_HITS`]; how
/// many were searched; whether more matched. System lines are not
/// searched. The store then reads only the hits whole.
pub fn matching<'a>(
    rows: impl IntoIterator<Item = (u64, MessageKind, &'a str)>,
    query: &Query,
) -> (Vec<u64>, usize, bool) {
    let mut hits = Vec::new();
    let (mut searched, mut truncated) = (0, false);
    for (seq, kind, text) in rows {
        if kind == MessageKind::System {
            continue;
        }
        searched += 1;
        if query.matches(text) {
            if hits.len() == MAX_HITS {
                truncated = true;
                continue;
            }
            hits.push(seq);
        }
    }
    (hits, searched, truncated)
}

/// The messages `reader` may read that match `query`, oldest first, at
/// most [`MAX_HITS`]. System lines are not searched.
pub fn search(
    messages: impl IntoIterator<Item = Message>,
    query: &Query,
    reader: &Reader,
) -> SearchResults {
    let mut hits = Vec::new();
    let mut searched = 0;
    let mut truncated = false;
    for m in messages {
        if m.kind == MessageKind::System || !reader.may_read(&m) {
            continue;
        }
        searched += 1;
        if query.matches(&m.text) {
            if hits.len() == MAX_HITS {
                truncated = true;
                continue;
            }
            hits.push(m);
        }
    }
    SearchResults {
        hits,
        searched,
        truncated,
    }
}
