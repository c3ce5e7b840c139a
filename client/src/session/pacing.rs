//! The session's small clocks: when to tell the other side one is typing
//! (and has stopped), when a send has waited too long for its ack, and how
//! often receipts go out.

use crate::machine::Millis;

/// Send `typing: true` again at most this often while the person types.
pub const TYPING_REPEAT_MS: Millis = 3_000;
/// Send `typing: false` after this long without a keystroke.
pub const TYPING_IDLE_MS: Millis = 4_000;
/// Sends still unacknowledged this long after the wait began (or after the
/// server last answered one of them), while connected, are shown as failed.
pub const ACK_TIMEOUT_MS: Millis = 8_000;
/// At most one receipt this often on a socket: the first after a quiet
/// spell goes out at once, what a burst adds after it goes out once, when
/// this much time has passed since the previous one.
pub const RECEIPT_PACE_MS: Millis = 1_000;

/// Whether the other side was told one is typing, and when.
#[derive(Clone, Debug, Default)]
pub struct Typing {
    /// When `typing: true` was last sent, while the other side thinks so.
    sent_at: Option<Millis>,
    last_input: Millis,
}

impl Typing {
    /// A keystroke at `now`. Returns true when `typing: true` is due; the
    /// caller sends it (and calls [`Typing::said`]) only while connected.
    pub fn input(&mut self, now: Millis) -> bool {
        self.last_input = now;
        self.sent_at
            .is_none_or(|at| now.saturating_sub(at) >= TYPING_REPEAT_MS)
    }

    /// `typing: true` went out at `now`.
    pub fn said(&mut self, now: Millis) {
        self.sent_at = Some(now);
    }

    /// Time passed: true when `typing: false` is due (no keystroke for
    /// [`TYPING_IDLE_MS`]).
    pub fn idle(&mut self, now: Millis) -> bool {
        let due = self.sent_at.is_some() && now >= self.idle_at();
        if due {
            self.sent_at = None;
        }
        due
    }

    /// The message went out, the draft was emptied or the conversation left:
    /// true when `typing: false` is due.
    pub fn stop(&mut self) -> bool {
        self.sent_at.take().is_some()
    }

    /// The socket closed: the server forgets who types.
    pub fn forget(&mut self) {
        self.sent_at = None;
    }

    /// When [`Typing::idle`] has something to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.sent_at.map(|_| self.idle_at())
    }

    fn idle_at(&self) -> Millis {
        self.last_input.saturating_add(TYPING_IDLE_MS)
    }
}

/// The deadline of the sends waiting for their acks.
#[derive(Clone, Debug, Default)]
pub struct AckTimer {
    deadline: Option<Millis>,
}

impl AckTimer {
    /// Call after every change. `waiting` is the number of sends waiting
    /// for an ack on an open socket; `before` the number before the change.
    /// A wait that begins, or an answer to one of the sends, restarts the
    /// clock; nothing waiting stops it.
    pub fn observe(&mut self, now: Millis, before: usize, waiting: usize) {
        if waiting == 0 {
            self.deadline = None;
        } else if self.deadline.is_none() || waiting < before {
            self.deadline = Some(now.saturating_add(ACK_TIMEOUT_MS));
        }
    }

    /// Time passed: true when the waiting sends should be failed.
    pub fn expired(&mut self, now: Millis) -> bool {
        let expired = self.deadline.is_some_and(|at| now >= at);
        if expired {
            self.deadline = None;
        }
        expired
    }

    /// When [`AckTimer::expired`] has something to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.deadline
    }
}
