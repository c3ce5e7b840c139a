//! Talking to the loader in the host page, through `postMessage`.
//!
//! The frame sends `{type:"lc:ready"}` once it listens, `{type:"lc:close"}`
//! to be hidden and `{type:"lc:unread", count}` for the launcher's badge.
//! The loader answers `{type:"lc:shown", shown}` whenever the frame is shown
//! or hidden (a hidden iframe's document still reports itself visible, so
//! the frame cannot tell by itself). The frame accepts messages from its
//! parent window only; what it sends holds nothing secret, so it may go to
//! whatever origin the host page has.

use wasm_bindgen::JsValue;

fn parent() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    let (p, w): (&JsValue, &JsValue) = (parent.as_ref(), window.as_ref());
    (p != w).then_some(parent)
}

/// True inside the loader's iframe; false when the frame is opened on its
/// own (a pop-out, a test).
pub fn embedded() -> bool {
    parent().is_some()
}

fn post(kind: &str, count: Option<usize>) {
    let Some(parent) = parent() else { return };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &kind.into());
    if let Some(count) = count {
        let _ = js_sys::Reflect::set(&message, &"count".into(), &(count as f64).into());
    }
    let _ = parent.post_message(&message, "*");
}

/// Tells the loader the frame listens now.
pub fn ready() {
    post("lc:ready", None);
}

/// Asks the loader to hide the chat.
pub fn close() {
    post("lc:close", None);
}

/// Tells the loader how many messages the visitor has not seen.
pub fn unread(count: usize) {
    post("lc:unread", Some(count));
}

/// Reads a message event: `Some(shown)` for an `lc:shown` from the parent.
pub fn shown_in(event: &web_sys::MessageEvent) -> Option<bool> {
    let parent = parent()?;
    let source = event.source()?;
    let (s, p): (&JsValue, &JsValue) = (source.as_ref(), parent.as_ref());
    if s != p {
        return None;
    }
    let data = event.data();
    let kind = js_sys::Reflect::get(&data, &"type".into())
        .ok()?
        .as_string()?;
    (kind == "lc:shown").then(|| {
        js_sys::Reflect::get(&data, &"shown".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    })
}
