//! The harness shared by the integration tests and the benchmark: it starts
//! the real worker in wrangler's local runtime (workerd, as `wrangler dev`
//! runs it) on a free loopback port with its own state folder, seeds the demo workspace, and talks to it over HTTP and
//! WebSocket with the `shared` wire types.
//!
//! `worker.rs` starts and stops the worker, `api.rs` is the HTTP client,
//! `socket.rs` the WebSocket; this file holds the constants they share.

mod api;
pub mod crowd;
pub mod openapi;
pub mod process;
pub mod reference;
mod socket;
pub mod webhook_receiver;
mod worker;

pub use api::*;
pub use socket::*;
pub use worker::*;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::{
    ApiError, ConversationStarted, LoginResponse, StartConversation, VisitorSession,
    VisitorSessionRequest, WorkspaceSetup,
};
use shared::frame::{ClientFrame, ServerFrame};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The secret the test worker signs tokens with.
pub const AUTH_SECRET: &str = "test-secret-0123456789abcdef";
/// The token that guards the setup endpoint in tests.
pub const SETUP_TOKEN: &str = "test-setup-0123456789abcdef";
/// The deployment's sign-up code in tests.
pub const SIGNUP_CODE: &str = "test-signup-0123456789";
/// The demo site's key.
pub const SITE_KEY: &str = "demo.website";

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository")
        .to_path_buf()
}

/// The demo workspace, as `scripts/demo-workspace.json` defines it.
pub fn demo_workspace() -> Result<WorkspaceSetup> {
    let text = std::fs::read_to_string(root().join("scripts/demo-workspace.json"))?;
    Ok(serde_json::from_str(&text)?)
}

/// The password of a demo person.
pub fn password(email: &str) -> String {
    demo_workspace()
        .ok()
        .and_then(|w| w.agents.into_iter().find(|a| a.email == email))
        .map(|a| a.password)
        .unwrap_or_default()
}

/// The first webhook retry's delay the test worker runs with:
/// `LIVECHAT_WEBHOOK_RETRY_BASE_MS`, else 300 ms.
pub fn webhook_retry_base_ms() -> u64 {
    std::env::var("LIVECHAT_WEBHOOK_RETRY_BASE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}
