//! The end-of-chat screen's two forms, pure: "Rate this chat" (a score,
//! 1 to 5; thumbs are 1 for down and 5 for up, and an optional comment)
//! and "Send me the transcript" (an email), checked before they are sent,
//! and the bodies of their requests.

use crate::i18n::Texts;
use shared::api::is_plausible_email;

/// Longest rating comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// `POST /api/v1/visitor/conversations/{id}/rating`.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub struct RatingBody {
    /// 1 to 5.
    pub score: u8,
    /// What the visitor wrote, if anything.
    pub comment: Option<String>,
}

/// `POST /api/v1/visitor/conversations/{id}/transcript`.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub struct TranscriptBody {
    /// Where to send it.
    pub email: String,
}

/// Checks a rating: a score from 1 to 5 and a comment of at most
/// [`MAX_COMMENT_CHARS`] once trimmed.
pub fn check_rating(
    t: &Texts,
    score: Option<u8>,
    comment: &str,
) -> Result<RatingBody, &'static str> {
    let score = score.filter(|s| (1..=5).contains(s)).ok_or(t.pick_score)?;
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(t.comment_too_long);
    }
    Ok(RatingBody {
        score,
        comment: (!comment.is_empty()).then(|| comment.to_owned()),
    })
}

/// Checks the transcript's address.
pub fn check_transcript(t: &Texts, email: &str) -> Result<TranscriptBody, &'static str> {
    let email = email.trim();
    if email.is_empty() {
        return Err(t.enter_email);
    }
    if !is_plausible_email(email) {
        return Err(t.bad_email);
    }
    Ok(TranscriptBody {
        email: email.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;

    #[test]
    fn ratings() {
        assert_eq!(check_rating(&EN, None, ""), Err(EN.pick_score));
        assert_eq!(check_rating(&EN, Some(0), ""), Err(EN.pick_score));
        assert_eq!(check_rating(&EN, Some(6), ""), Err(EN.pick_score));
        assert_eq!(
            check_rating(&EN, Some(5), "  "),
            Ok(RatingBody {
                score: 5,
                comment: None
            })
        );
        assert_eq!(
            check_rating(&EN, Some(1), " slow "),
            Ok(RatingBody {
                score: 1,
                comment: Some("slow".into())
            })
        );
        assert_eq!(
            check_rating(&EN, Some(3), &"x".repeat(1001)),
            Err(EN.comment_too_long)
        );
        assert!(check_rating(&EN, Some(3), &"é".repeat(1000)).is_ok());
    }

    #[test]
    fn transcripts() {
        assert_eq!(check_transcript(&EN, " "), Err(EN.enter_email));
        assert_eq!(check_transcript(&EN, "ada.example.com"), Err(EN.bad_email));
        assert_eq!(
            check_transcript(&EN, " ada@example.com "),
            Ok(TranscriptBody {
                email: "ada@example.com".into()
            })
        );
    }
}
