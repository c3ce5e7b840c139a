//! When to say "typing" and when to give up waiting for an ack. Pure: the
//! time comes in as milliseconds, the decisions go out as values.

/// Send `typing: true` again at most this often while the person types.
pub const TYPING_REPEAT_MS: f64 = 3_000.0;
/// Send `typing: false` after this long without a keystroke.
pub const TYPING_IDLE_MS: f64 = 4_000.0;
/// Mark sends failed when no ack came for this long while connected.
pub const ACK_TIMEOUT_MS: f64 = 8_000.0;

/// Paces the typing frames of one composer.
#[derive(Clone, Debug, Default)]
pub struct TypingPacer {
    active: bool,
    last_sent: f64,
    last_input: f64,
}

impl TypingPacer {
    /// The person typed at `now`. Returns `Some(true)` when a
    /// `typing: true` frame is due.
    pub fn input(&mut self, now: f64) -> Option<bool> {
        self.last_input = now;
        if self.active && now - self.last_sent < TYPING_REPEAT_MS {
            return None;
        }
        self.active = true;
        self.last_sent = now;
        Some(true)
    }

    /// Time passed. Returns `Some(false)` when the person stopped typing.
    pub fn tick(&mut self, now: f64) -> Option<bool> {
        if self.active && now - self.last_input >= TYPING_IDLE_MS {
            self.stop()
        } else {
            None
        }
    }

    /// The message was sent or the draft emptied: stop at once, if typing.
    pub fn stop(&mut self) -> Option<bool> {
        std::mem::take(&mut self.active).then_some(false)
    }
}

/// Watches the outbox for sends that stay unacknowledged too long.
#[derive(Clone, Debug, Default)]
pub struct AckWatch {
    since: Option<f64>,
}

impl AckWatch {
    /// Time passed; `waiting` is true while some send waits for its ack on an
    /// open, welcomed socket. Returns true when the wait has lasted
    /// [`ACK_TIMEOUT_MS`]: the caller marks the sends failed.
    pub fn tick(&mut self, now: f64, waiting: bool) -> bool {
        if !waiting {
            self.since = None;
            return false;
        }
        let since = *self.since.get_or_insert(now);
        if now - since >= ACK_TIMEOUT_MS {
            self.since = None;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::{AckWatch, TypingPacer};

    #[test]
    fn typing_is_repeated_at_most_every_three_seconds() {
        let mut p = TypingPacer::default();
        assert_eq!(p.input(0.0), Some(true));
        assert_eq!(p.input(1_000.0), None);
        assert_eq!(p.input(2_999.0), None);
        assert_eq!(p.input(3_000.0), Some(true));
        assert_eq!(p.tick(6_999.0), None);
        assert_eq!(p.tick(7_000.0), Some(false));
        assert_eq!(p.tick(9_000.0), None);
        assert_eq!(p.input(9_100.0), Some(true));
        assert_eq!(p.stop(), Some(false));
        assert_eq!(p.stop(), None);
    }

    #[test]
    fn acks_time_out_after_eight_seconds_of_waiting() {
        let mut w = AckWatch::default();
        assert!(!w.tick(0.0, true));
        assert!(!w.tick(7_999.0, true));
        assert!(w.tick(8_000.0, true));
        assert!(!w.tick(9_000.0, true));
        assert!(!w.tick(10_000.0, false));
        assert!(!w.tick(17_000.0, true));
        assert!(!w.tick(24_000.0, true));
        assert!(w.tick(25_000.0, true));
    }
}
