//! The agent app: agents sign in, watch their workspace's queues live, take
//! conversations and chat with visitors. Leptos, client-side rendered, served
//! at `/agent/` next to the API it calls.

mod api;
mod app;
mod chats;
mod components;
mod contacts;
mod feed;
#[cfg(test)]
mod fixtures;
mod format;
mod history;
mod inbox;
mod notice;
mod offers;
mod offline;
mod priority;
mod routes;
mod session;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
