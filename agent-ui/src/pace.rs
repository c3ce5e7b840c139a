//! Small clocks with the time passed in: when to tell the other side that the
//! agent is typing, and when a send has waited too long for its ack. Pure, so
//! the rules are tested without a browser; the chat connections feed them
//! `Date.now()` and arm the timers they ask for.

/// Send "typing" at most this often while the agent types.
pub const TYPING_REPEAT_MS: f64 = 3_000.0;
/// Send "stopped typing" after this long without a keystroke.
pub const TYPING_IDLE_MS: f64 = 4_000.0;
/// A send with no ack for this long, while connected, is shown as failed.
pub const ACK_TIMEOUT_MS: u32 = 8_000;

/// Whether the other side was told the agent is typing, and when.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypingPace {
    /// When `active: true` was last sent, while active.
    sent_at: Option<f64>,
    /// The last keystroke.
    last_input: f64,
}

impl TypingPace {
    /// A keystroke at `now`: `Some(true)` when a typing frame should go out.
    pub fn input(&mut self, now: f64) -> Option<bool> {
        self.last_input = now;
        match self.sent_at {
            Some(at) if now - at < TYPING_REPEAT_MS => None,
            _ => {
                self.sent_at = Some(now);
                Some(true)
            }
        }
    }

    /// Checked when the idle timer fires: `Some(false)` when the agent has
    /// stopped typing and the other side still thinks otherwise.
    pub fn idle(&mut self, now: f64) -> Option<bool> {
        if self.sent_at.is_some() && now - self.last_input >= TYPING_IDLE_MS {
            self.sent_at = None;
            return Some(false);
        }
        None
    }

    /// The message was sent (or the conversation left): `Some(false)` if the
    /// other side still thinks the agent is typing.
    pub fn stop(&mut self) -> Option<bool> {
        self.sent_at.take().map(|_| false)
    }

    /// The socket reconnected: the server forgot the typing state.
    pub fn reset(&mut self) {
        self.sent_at = None;
    }
}

/// Watches "some send waits for its ack". Each time it starts waiting a new
/// round begins; a timer armed for that round fails the sends if the round is
/// still going when it fires.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AckWatch {
    round: u32,
    waiting: bool,
}

impl AckWatch {
    /// Call after every change with whether a send waits for its ack while
    /// the socket is open. Returns the round to arm a timer for when a wait
    /// begins.
    pub fn observe(&mut self, waiting: bool) -> Option<u32> {
        let began = waiting && !self.waiting;
        self.waiting = waiting;
        if began {
            self.round = self.round.wrapping_add(1);
            Some(self.round)
        } else {
            None
        }
    }

    /// The timer of `round` fired: true when the sends should be failed.
    pub fn expired(&mut self, round: u32) -> bool {
        if self.waiting && self.round == round {
            self.waiting = false;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AckWatch, TypingPace};

    #[test]
    fn typing_is_sent_at_most_every_three_seconds() {
        let mut t = TypingPace::default();
        assert_eq!(t.input(0.0), Some(true));
        assert_eq!(t.input(1_000.0), None);
        assert_eq!(t.input(2_999.0), None);
        assert_eq!(t.input(3_000.0), Some(true));
        assert_eq!(t.idle(6_000.0), None, "only 3 s since the last keystroke");
        assert_eq!(t.idle(7_000.0), Some(false));
        assert_eq!(t.idle(9_000.0), None, "said once");
        assert_eq!(t.input(9_500.0), Some(true), "typing again is said at once");
        assert_eq!(t.stop(), Some(false));
        assert_eq!(t.stop(), None);
    }

    #[test]
    fn ack_watch_fails_only_a_wait_that_lasted() {
        let mut w = AckWatch::default();
        assert_eq!(w.observe(false), None);
        let first = w.observe(true).expect("a wait begins");
        assert_eq!(w.observe(true), None, "the same wait");
        assert_eq!(w.observe(false), None, "acked");
        assert!(!w.expired(first), "the acked round's timer does nothing");
        let second = w.observe(true).expect("a new wait");
        assert!(w.expired(second));
        assert!(!w.expired(second), "fails once");
    }
}
