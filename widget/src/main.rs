//! The visitor chat widget: the Wasm app that runs inside the iframe the
//! loader (`web/loader.js`) opens once the visitor clicks the launcher, or
//! on its own as a pop-out window.
//!
//! A small Elm-style loop without a view framework (the widget's weight
//! counts; see ARCHITECTURE.md): the state and every rule are pure and
//! natively tested (`chat_client::session::Session` for the conversation,
//! and here [`lines`], [`notice`], [`offline`], [`draft`], [`site`],
//! [`ending`], [`watch`], [`i18n`]); [`app`] sequences them and performs
//! requests; [`view`] draws the screen once with [`dom`] and then changes
//! only what differs; [`call`] imports the call module (the crate
//! `widget-call`, a Wasm module of its own) when a call rings.

mod app;
mod browser;
mod call;
mod dom;
mod draft;
mod ending;
mod frames;
mod i18n;
mod js;
mod lines;
mod net;
mod notice;
mod offline;
mod parent;
mod session;
mod site;
mod socket;
mod sound;
mod view;
mod watch;
mod wire;

/// talc instead of dlmalloc: about 1 KB less gzipped Wasm.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: the widget's Wasm runs on one thread; it starts none.
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

fn main() {
    app::init();
}
