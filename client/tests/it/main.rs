//! The client crate at its boundaries: `ChatState` fed literal server
//! frames, `Session` driven with a simulated clock and socket, and the
//! link's close codes and backoff. See `docs/protocol.md`.

mod calls;
mod emoji;
mod frames;
mod http;
mod link;
mod markup;
mod session;
mod state;
