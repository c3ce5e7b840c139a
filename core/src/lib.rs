//! The product's rules as pure state machines: no I/O, no clock, no
//! randomness, and no `worker` (Cargo enforces it: this crate depends on
//! `shared` and serde only).
//!
//! Each machine follows one contract, borrowed from str0m and quinn-proto:
//! the shell calls `handle(now, input)` and then drains `poll_output()` until
//! it returns `None`, performing every output in order. Outputs that store
//! come before the outputs that tell anyone about what was stored, so a
//! shell that performs them in order never acknowledges what it has not
//! stored.

pub mod contacts;
pub mod conversation;
pub mod files;
pub mod hours;
pub mod inbox;
pub mod integration;
pub mod limits;
pub mod permissions;
pub mod reports;
pub mod router;
pub mod search;
pub mod site;
pub mod webhooks;
pub mod workspace;

pub use conversation::{ConnId, ConnState, Conversation, Input, Output, Record, Snapshot};
