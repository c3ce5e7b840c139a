//! The contract between a pure client state machine and the shell that runs
//! it over one WebSocket: socket events and time come in as values, what to
//! do comes out as [`Output`]s, and one deadline says when to call back.
//!
//! Drain contract: after every call that changes a machine, the shell drains
//! [`Machine::poll_output`] until it answers `None`, performing each output
//! in order, then arms a single timer for [`Machine::poll_timeout`] (replacing
//! any earlier one) and reports it with [`SocketEvent::Timeout`] when due.
//! [`crate::session::Session`] (one conversation) is such a machine; so is
//! the agent app's inbox. `web::Driver` (feature `web`) is the browser shell.

use crate::link::CloseReason;
use serde::Serialize;

/// Milliseconds since the Unix epoch, as the shell's clock reads them.
pub type Millis = u64;

/// What happened on the socket, or that the deadline passed.
#[derive(Clone, Debug, PartialEq)]
pub enum SocketEvent<F> {
    /// The socket the machine asked for is open: say hello.
    Opened,
    /// A frame arrived and parsed. Frames that do not parse never reach the
    /// machine.
    Received(F),
    /// The socket closed (or could not be opened: code 1006). `jitter` is a
    /// random number in `0.0..1.0` that spreads the reconnects of many
    /// clients after a server restart.
    Closed {
        /// The WebSocket close code.
        code: u16,
        /// Random, in `0.0..1.0`.
        jitter: f64,
    },
    /// The time asked for by [`Machine::poll_timeout`] has come.
    Timeout,
}

/// What a machine asks its shell to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Output<F> {
    /// Open a new socket now (the first one, or a reconnect after backoff).
    Connect,
    /// Send this frame on the open socket.
    Transmit(F),
    /// Close the socket for good.
    Disconnect,
    /// The server closed the socket for good, for this reason: the app
    /// decides what comes next (sign in again, start over, close a pane).
    /// Never for [`CloseReason::Stopped`].
    Refused(CloseReason),
}

/// A pure state machine behind one socket.
pub trait Machine {
    /// What the server sends.
    type Frame: crate::wire::Decode + 'static;
    /// What the client sends.
    type Sent: Serialize;

    /// Feeds a socket event at `now`.
    fn on_socket(&mut self, now: Millis, event: SocketEvent<Self::Frame>);

    /// The next thing to do, in order; `None` once drained.
    fn poll_output(&mut self) -> Option<Output<Self::Sent>>;

    /// When to be called back with [`SocketEvent::Timeout`], if ever.
    fn poll_timeout(&self) -> Option<Millis>;
}
