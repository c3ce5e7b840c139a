//! The visitor chat widget: the Leptos app that runs inside the iframe the
//! loader (`web/loader.js`) opens once the visitor clicks the launcher.
//!
//! The logic lives in plain types ([`pacing`], [`lines`], [`link`]) and in
//! `chat_client::ChatState`; [`chat::Chat`] feeds them from the socket, the
//! clock and the page, and the components under [`ui`] only draw them.

mod app;
mod browser;
mod chat;
mod draft;
mod http;
mod lines;
mod link;
mod offline;
mod pacing;
mod parent;
mod queue;
mod session;
mod ui;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
