//! Browser glue: a WebSocket to a conversation that reconnects with backoff
//! and hands every server frame to a callback.
//!
//! API (to be implemented):
//!
//! ```ignore
//! pub struct Socket { .. }            // cheap to clone (Rc inside)
//! impl Socket {
//!     /// Connects to `url` (absolute ws:// or wss:// URL, token included) and
//!     /// keeps reconnecting with backoff (0.5 s doubling to 10 s) until
//!     /// `close()`. On each open it calls `on_open()`, whose returned frames
//!     /// are sent first (the hello); on each server frame it calls
//!     /// `on_frame(frame)` and sends the frames it returns; on each close
//!     /// `on_close(code)`. A close code in 4400..=4499 stops reconnecting.
//!     pub fn connect(url: String,
//!                    on_open: impl Fn() -> Vec<ClientFrame> + 'static,
//!                    on_frame: impl Fn(ServerFrame) -> Vec<ClientFrame> + 'static,
//!                    on_close: impl Fn(u16) + 'static) -> Socket;
//!     /// Sends a frame if the socket is open; returns false if not (the
//!     /// caller keeps it in its outbox and it goes out after the next hello).
//!     pub fn send(&self, frame: &ClientFrame) -> bool;
//!     pub fn is_open(&self) -> bool;
//!     pub fn close(&self);
//! }
//! /// The ws:// or wss:// origin matching the page's own http(s) origin.
//! pub fn ws_origin() -> String;
//! ```
