//! Checks a draft before it becomes a message: trimmed, not empty, and
//! within what the edge accepts, so a send is never refused for its size.

use crate::i18n::Texts;
use shared::{MAX_FRAME_BYTES, MAX_TEXT_CHARS};

/// Bytes of a `send` frame around its JSON-encoded text, with room to spare.
const SEND_FRAME_OVERHEAD: usize = 128;

/// Why a draft cannot be sent.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum DraftError {
    /// Nothing but whitespace: nothing happens.
    Empty,
    /// Longer than a message may be.
    TooLong,
    /// The browser gave no random id to send it with (its `crypto` refused).
    NoId,
}

impl DraftError {
    /// A sentence for the visitor.
    pub fn text(self, t: &Texts) -> &'static str {
        match self {
            DraftError::Empty => t.draft_empty,
            DraftError::TooLong => t.draft_too_long,
            DraftError::NoId => t.draft_no_id,
        }
    }
}

/// The text to send for a draft.
pub fn prepare(draft: &str) -> Result<&str, DraftError> {
    let text = draft.trim();
    if text.is_empty() {
        return Err(DraftError::Empty);
    }
    let encoded = serde_json::to_string(text).map_or(usize::MAX, |json| json.len());
    if text.chars().count() > MAX_TEXT_CHARS
        || encoded.saturating_add(SEND_FRAME_OVERHEAD) > MAX_FRAME_BYTES
    {
        return Err(DraftError::TooLong);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::{prepare, DraftError};

    #[track_caller]
    fn check(draft: &str, expected: Result<&str, DraftError>) {
        assert_eq!(prepare(draft), expected, "{draft:?}");
    }

    #[test]
    fn drafts() {
        check("  hi\n", Ok("hi"));
        check("a\nb", Ok("a\nb"));
        check(" \n\t", Err(DraftError::Empty));
        check(&"x".repeat(4_000), Ok(&"x".repeat(4_000)));
        check(&"x".repeat(4_001), Err(DraftError::TooLong));
        check(&"\u{1}".repeat(3_000), Err(DraftError::TooLong));
    }
}
