//! The visitor chat widget: the Leptos app that runs inside the iframe the
//! loader (`web/loader.js`) opens once the visitor clicks the launcher.
//!
//! The logic lives in `chat_client::session::Session` (the conversation, its
//! link, typing, acks and receipts) and in plain types here ([`lines`],
//! [`notice`], [`offline`]); [`chat::Chat`] feeds the session from the
//! page and lets `chat_client::web::Driver` run it over the socket, and the
//! components under [`ui`] only draw what they derive.

mod app;
mod browser;
mod chat;
mod draft;
mod http;
mod lines;
mod notice;
mod offline;
mod parent;
mod session;
mod ui;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
