//! The agent app: agents sign in, watch their workspace's queues live, take
//! conversations and chat with visitors. Leptos, client-side rendered, served
//! at `/agent/` next to the API it calls.

mod admin;
mod alerts;
mod all_chats;
mod api;
mod app;
mod call;
mod call_media;
mod canned;
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
mod notify;
mod offers;
mod offline;
mod on_demand;
mod priority;
mod reports;
mod room;
mod routes;
mod search;
mod session;
mod slash;
mod transcripts;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
