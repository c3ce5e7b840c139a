//! What a visitor asks of their conversation outside the socket: a rating
//! once it is closed, and its transcript by email. Each is answered with
//! [`Output::Reply`]: the conversation's view, or why not.

use super::{refusal, Conversation, Output, Record, Refusal};
use shared::frame::{ConversationStatus, ErrorCode, Participant, Side};
use shared::site::{Rating, RatingRequest, MAX_RATING_COMMENT_CHARS, MAX_VISITOR_TRANSCRIPTS};

impl Conversation {
    /// The conversation's row, if `who` is its visitor and it is closed.
    fn visitors_closed(&self, who: &Participant) -> Result<(), Refusal> {
        let Some(meta) = &self.meta else {
            return Err(refusal(ErrorCode::NotFound, "no such conversation"));
        };
        if who.side != Side::Visitor || who.id != meta.view.visitor.id {
            return Err(refusal(ErrorCode::Forbidden, "not your conversation"));
        }
        if meta.view.status != ConversationStatus::Closed {
            return Err(refusal(
                ErrorCode::ConversationOpen,
                "the conversation is still open; this comes once it has ended",
            ));
        }
        Ok(())
    }

    /// Rates the conversation: only its visitor, once closed, a score of 1
    /// to 5 and a comment of at most 1,000 characters. A later rating
    /// replaces the earlier one.
    pub(super) fn rate(&mut self, now: i64, who: &Participant, request: RatingRequest) {
        let checked = self
            .visitors_closed(who)
            .and_then(|()| check_rating(request));
        let reply = checked.map(|(score, comment)| {
            let meta = self
                .meta
                .as_mut()
                .expect("checked: the conversation exists");
            meta.rating = Some(Rating {
                score,
                comment,
                at: now,
            });
            (meta.clone(), meta.view.clone())
        });
        match reply {
            Ok((meta, view)) => {
                self.out.push_back(Output::Store(Record::Meta(meta)));
                self.out.push_back(Output::Reply(Ok(view)));
            }
            Err(r) => self.out.push_back(Output::Reply(Err(r))),
        }
    }

    /// Counts a visitor's request for the transcript by email: their own,
    /// closed conversation, at most [`MAX_VISITOR_TRANSCRIPTS`] times. The
    /// count is stored before the shell builds and sends the email.
    pub(super) fn visitor_transcript(&mut self, who: &Participant) {
        let checked = self.visitors_closed(who).and_then(|()| {
            let meta = self.meta.as_mut().expect("checked: the conversation exists");
            if meta.visitor_transcripts >= MAX_VISITOR_TRANSCRIPTS {
                return Err(refusal(
                    ErrorCode::TooManyRequests,
                    &format!(
                        "the transcript of a conversation is sent at most {MAX_VISITOR_TRANSCRIPTS} times"
                    ),
                ));
            }
            meta.visitor_transcripts += 1;
            Ok((meta.clone(), meta.view.clone()))
        });
        match checked {
            Ok((meta, view)) => {
                self.out.push_back(Output::Store(Record::Meta(meta)));
                self.out.push_back(Output::Reply(Ok(view)));
            }
            Err(r) => self.out.push_back(Output::Reply(Err(r))),
        }
    }
}

/// A rating's score and comment (trimmed, none when empty), or why not.
pub fn check_rating(request: RatingRequest) -> Result<(u8, Option<String>), Refusal> {
    if !(1..=5).contains(&request.score) {
        return Err(refusal(
            ErrorCode::BadRequest,
            "score: a rating is 1 to 5 (thumbs: 1 down, 5 up)",
        ));
    }
    let comment = request
        .comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_RATING_COMMENT_CHARS)
    {
        return Err(refusal(
            ErrorCode::BadRequest,
            &format!("comment: at most {MAX_RATING_COMMENT_CHARS} characters"),
        ));
    }
    Ok((request.score, comment))
}
