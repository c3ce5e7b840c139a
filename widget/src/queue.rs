//! The visitor's place in the queue: when to ask the edge (every five
//! seconds while the conversation is queued), how to ask, and the sentence
//! shown ("You are number 2 in the queue · about 3 min"). [`QueuePoll`]
//! and [`text`] are pure; [`QueueWatch`] runs them for the chat.

use crate::http::{get_json, HttpError};
use crate::session::StoredSession;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::QueuePosition;

/// Ask again this often while queued.
pub const POLL_MS: f64 = 5_000.0;

/// Paces the queue requests. Pure: the time comes in as milliseconds.
#[derive(Clone, Debug, Default)]
pub struct QueuePoll {
    last: Option<f64>,
    in_flight: bool,
}

impl QueuePoll {
    /// Time passed; `queued` is true while the conversation waits. Returns
    /// true when a request is due now (the first one at once).
    pub fn tick(&mut self, now: f64, queued: bool) -> bool {
        if !queued {
            self.last = None;
            return false;
        }
        if self.in_flight || self.last.is_some_and(|last| now - last < POLL_MS) {
            return false;
        }
        self.last = Some(now);
        self.in_flight = true;
        true
    }

    /// True while the conversation is queued (as of the last tick).
    pub fn is_on(&self) -> bool {
        self.last.is_some()
    }

    /// The request answered (or failed).
    pub fn done(&mut self) {
        self.in_flight = false;
    }
}

/// The sentence for a position, or nothing when not waiting.
pub fn text(position: &QueuePosition) -> Option<String> {
    if position.position == 0 {
        return None;
    }
    let minutes = position.estimated_wait_ms.max(0) / 60_000;
    let wait = if minutes == 0 {
        "less than a minute".to_owned()
    } else {
        // Round to the nearest minute.
        let rounded = (position.estimated_wait_ms + 30_000) / 60_000;
        format!("about {rounded} min")
    };
    Some(format!(
        "You are number {} in the queue · {wait}",
        position.position
    ))
}

/// Asks the edge where the visitor's conversation `id` waits.
pub async fn fetch(token: &str, id: &str) -> Result<QueuePosition, HttpError> {
    let id = String::from(js_sys::encode_uri_component(id));
    get_json(
        &format!("/api/v1/visitor/conversations/{id}/queue"),
        Some(token),
    )
    .await
}

/// The last position heard, kept fresh by the chat's one-second tick.
#[derive(Clone, Copy)]
pub struct QueueWatch {
    position: RwSignal<Option<QueuePosition>>,
    poll: StoredValue<QueuePoll>,
}

impl QueueWatch {
    /// Nothing heard yet.
    pub fn new() -> Self {
        QueueWatch {
            position: RwSignal::new(None),
            poll: StoredValue::new(QueuePoll::default()),
        }
    }

    /// The last position heard; `None` once not queued.
    pub fn position(self) -> ReadSignal<Option<QueuePosition>> {
        self.position.read_only()
    }

    /// The conversation changed: what was heard is about the old one.
    pub fn forget(self) {
        self.position.set(None);
    }

    /// Time passed; asks the edge when due. `queued` is the conversation's
    /// status, `session` the one in use.
    pub fn tick(self, now: f64, queued: bool, session: Option<StoredSession>) {
        if !queued && self.position.with_untracked(Option::is_some) {
            self.position.set(None);
        }
        if self.poll.try_update_value(|p| p.tick(now, queued)) != Some(true) {
            return;
        }
        let Some(session) = session else {
            self.poll.update_value(QueuePoll::done);
            return;
        };
        spawn_local(async move {
            let answer = fetch(&session.token, session.conversation_id.as_str()).await;
            self.poll.update_value(QueuePoll::done);
            // Only while queued: an answer that comes after the conversation
            // was taken or left is stale.
            if let (Ok(position), true) = (answer, self.poll.with_value(QueuePoll::is_on)) {
                self.position.set(Some(position));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{text, QueuePoll};
    use shared::api::QueuePosition;

    #[track_caller]
    fn check(position: usize, estimated_wait_ms: i64, expected: Option<&str>) {
        let got = text(&QueuePosition {
            position,
            estimated_wait_ms,
        });
        assert_eq!(got.as_deref(), expected, "{position} {estimated_wait_ms}");
    }

    #[test]
    fn sentences() {
        check(0, 90_000, None);
        check(
            1,
            0,
            Some("You are number 1 in the queue · less than a minute"),
        );
        check(
            1,
            -5,
            Some("You are number 1 in the queue · less than a minute"),
        );
        check(
            2,
            59_999,
            Some("You are number 2 in the queue · less than a minute"),
        );
        check(
            2,
            60_000,
            Some("You are number 2 in the queue · about 1 min"),
        );
        check(
            3,
            149_000,
            Some("You are number 3 in the queue · about 2 min"),
        );
        check(
            3,
            150_000,
            Some("You are number 3 in the queue · about 3 min"),
        );
    }

    #[test]
    fn polls_every_five_seconds_while_queued() {
        let mut p = QueuePoll::default();
        assert!(!p.tick(0.0, false));
        assert!(p.tick(1_000.0, true));
        assert!(!p.tick(7_000.0, true), "one request at a time");
        p.done();
        assert!(p.tick(7_000.0, true));
        p.done();
        assert!(!p.tick(11_999.0, true));
        assert!(p.tick(12_000.0, true));
        p.done();
        assert!(!p.tick(13_000.0, false));
        assert!(p.tick(13_500.0, true), "queued again: ask at once");
    }
}
