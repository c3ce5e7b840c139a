//! Where a client's socket is ([`Link`]): connecting, open, waiting to
//! reconnect with backoff, or closed for a reason. [`Connection`] moves it on
//! socket events and time; it is the part of every socket machine that
//! decides when to connect again. Pure.
//!
//! A close code in `4400..=4499` is the server refusing (a bad token, a
//! conversation one may not open): it is final. Every other close is a lost
//! connection, retried after 0.5 s doubling to 10 s, plus up to 30 % of
//! jitter; the delay starts again at 0.5 s once the server greets a socket.

use crate::machine::Millis;
use shared::close;

/// The first wait before reconnecting, in milliseconds.
pub const FIRST_BACKOFF_MS: Millis = 500;
/// The longest wait before reconnecting, in milliseconds.
pub const MAX_BACKOFF_MS: Millis = 10_000;

/// The state of a socket, as the person is told about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// A socket is opening, or open and not greeted yet.
    Connecting,
    /// Greeted (`welcome`, `snapshot`): frames flow.
    Open,
    /// Lost; the next socket opens at `at`.
    Reconnecting {
        /// When the next attempt starts.
        at: Millis,
    },
    /// Closed for good.
    Closed(CloseReason),
}

/// Why a socket closed for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// 4401: no token, or one that is not valid any more (expired, revoked).
    Unauthorized,
    /// 4403: a valid token that does not grant this.
    Forbidden,
    /// 4404: no such conversation.
    NotFound,
    /// 4426: the server speaks a newer protocol; reload the app.
    UnsupportedVersion,
    /// Another refusal (`4400..=4499`), with its code.
    Refused(u16),
    /// This client closed it.
    Stopped,
}

impl CloseReason {
    /// The reason a close `code` is final, or `None` for a lost connection
    /// that is retried.
    pub fn from_code(code: u16) -> Option<CloseReason> {
        Some(match code {
            close::UNAUTHORIZED => CloseReason::Unauthorized,
            close::FORBIDDEN => CloseReason::Forbidden,
            close::NOT_FOUND => CloseReason::NotFound,
            close::UNSUPPORTED_VERSION => CloseReason::UnsupportedVersion,
            4400..=4499 => CloseReason::Refused(code),
            _ => return None,
        })
    }
}

/// How long to wait before attempt `failures + 1`, before jitter.
pub fn backoff(failures: u32) -> Millis {
    FIRST_BACKOFF_MS
        .saturating_mul(1 << failures.min(16))
        .min(MAX_BACKOFF_MS)
}

/// A socket's [`Link`] and its backoff. Starts [`Link::Connecting`]: the
/// machine that holds it asks for the first socket at once.
#[derive(Clone, Debug)]
pub struct Connection {
    link: Link,
    /// Sockets lost since the last greeting.
    failures: u32,
}

impl Default for Connection {
    fn default() -> Self {
        Self::new()
    }
}

impl Connection {
    /// Connecting for the first time.
    pub fn new() -> Self {
        Connection {
            link: Link::Connecting,
            failures: 0,
        }
    }

    /// Where the socket is.
    pub fn link(&self) -> Link {
        self.link
    }

    /// True once greeted and until the socket closes.
    pub fn is_open(&self) -> bool {
        self.link == Link::Open
    }

    /// The server greeted the socket: frames flow, and the next loss waits
    /// the shortest backoff again.
    pub fn greeted(&mut self) {
        if self.link == Link::Connecting {
            self.link = Link::Open;
            self.failures = 0;
        }
    }

    /// The socket closed at `now` with `code`. Returns the reason when the
    /// close is final (the machine reports it); otherwise a reconnect waits
    /// for its time. A close after [`Connection::stop`] changes nothing.
    pub fn closed(&mut self, now: Millis, code: u16, jitter: f64) -> Option<CloseReason> {
        if !matches!(self.link, Link::Connecting | Link::Open) {
            return None;
        }
        if let Some(reason) = CloseReason::from_code(code) {
            self.link = Link::Closed(reason);
            return Some(reason);
        }
        let delay = backoff(self.failures);
        // Clamped: the shell's random number is not trusted to be in range.
        let extra = (delay as f64 * 0.3 * jitter.clamp(0.0, 1.0)) as Millis;
        self.failures = self.failures.saturating_add(1);
        self.link = Link::Reconnecting {
            at: now.saturating_add(delay + extra),
        };
        None
    }

    /// Time passed. Returns true when a new socket is due now: the link is
    /// [`Link::Connecting`] again and the machine asks for it.
    pub fn timeout(&mut self, now: Millis) -> bool {
        match self.link {
            Link::Reconnecting { at } if now >= at => {
                self.link = Link::Connecting;
                true
            }
            _ => false,
        }
    }

    /// When [`Connection::timeout`] has something to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        match self.link {
            Link::Reconnecting { at } => Some(at),
            _ => None,
        }
    }

    /// Closed by this client, for good. Returns true if there was a socket
    /// to close.
    pub fn stop(&mut self) -> bool {
        let had_socket = matches!(self.link, Link::Connecting | Link::Open);
        self.link = Link::Closed(CloseReason::Stopped);
        had_socket
    }
}
