//! Talking to the loader in the host page, through `postMessage`.
//!
//! The frame sends `lc:ready` once it listens, `lc:close` to be hidden,
//! `lc:unread {count}` for the launcher's badge, `lc:interacted` once the
//! visitor did something (from then on the loader may store its own
//! state), `lc:popout` when it opened itself in a window, and
//! `lc:ringing {ringing}` while a call rings (the launcher shows it),
//! `lc:event {name, data}` for the page's callbacks (`chatStarted`,
//! `chatEnded`, `agentJoined`). The loader sends `lc:shown {shown}` (a
//! hidden iframe's document still reports itself visible, so the frame
//! cannot tell by itself), `lc:config` (the page's user, fields,
//! department and language) and `lc:reset`. The frame accepts messages
//! from its parent window only; what it sends holds nothing secret, so it
//! may go to whatever origin the host page has.

use crate::js;
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

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), value);
}

fn post(kind: &str, fill: impl FnOnce(&js_sys::Object)) {
    let Some(parent) = parent() else { return };
    let message = js_sys::Object::new();
    set(&message, "type", &JsValue::from_str(kind));
    fill(&message);
    let _ = parent.post_message(&message, "*");
}

/// Tells the loader the frame listens now.
pub fn ready() {
    post("lc:ready", |_| {});
}

/// Asks the loader to hide the chat.
pub fn close() {
    post("lc:close", |_| {});
}

/// Tells the loader the visitor did something.
pub fn interacted() {
    post("lc:interacted", |_| {});
}

/// Tells the loader the chat went to its own window.
pub fn popout() {
    post("lc:popout", |_| {});
}

/// Tells the loader how many messages the visitor has not seen.
pub fn unread(count: usize) {
    post("lc:unread", |m| {
        set(m, "count", &JsValue::from_f64(count as f64))
    });
}

/// Tells the loader whether a call rings for the visitor (the launcher
/// shows it while the chat is closed).
pub fn ringing(ringing: bool) {
    post("lc:ringing", |m| {
        set(m, "ringing", &JsValue::from_bool(ringing))
    });
}

/// Passes an event to the page: `data` is `{key: value}`.
pub fn event(name: &str, key: &str, value: &str) {
    post("lc:event", |m| {
        set(m, "name", &JsValue::from_str(name));
        let data = js_sys::Object::new();
        set(&data, key, &JsValue::from_str(value));
        set(m, "data", &data);
    });
}

/// The page's signed-in user, as `setUser` gave it.
#[derive(Clone, PartialEq, Eq)]
pub struct VisitorUser {
    /// The site's id for them.
    pub id: String,
    /// Their name.
    pub name: Option<String>,
    /// Their email.
    pub email: Option<String>,
    /// HMAC-SHA256 of the id with the site's secret, in hex, made by the
    /// site's server.
    pub hash: Option<String>,
}

impl VisitorUser {
    /// The user as the session request's `user`.
    pub fn to_js(&self) -> JsValue {
        js::object(&[
            ("id", js::text(&self.id)),
            ("name", js::maybe(&self.name)),
            ("email", js::maybe(&self.email)),
            ("hash", js::maybe(&self.hash)),
        ])
    }
}

/// What the page set through the loader (`lc:config`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PageConfig {
    /// The signed-in user, if any.
    pub user: Option<VisitorUser>,
    /// The department to start in.
    pub department: Option<String>,
    /// `en` or `es`; `None`: the browser's.
    pub language: Option<String>,
    /// The page's custom fields (only string values are kept).
    pub fields: Vec<(String, String)>,
}

/// A message from the loader.
pub enum Incoming {
    /// The chat was shown or hidden.
    Shown(bool),
    /// The page's settings.
    Config(PageConfig),
    /// Forget the visitor's session and start afresh.
    Reset,
}

/// Reads a message event from the parent window.
pub fn incoming(event: &web_sys::MessageEvent) -> Option<Incoming> {
    let parent = parent()?;
    let source = event.source()?;
    let (s, p): (&JsValue, &JsValue) = (source.as_ref(), parent.as_ref());
    if s != p {
        return None;
    }
    let data = event.data();
    match js::string(&data, "type")?.as_str() {
        "lc:shown" => Some(Incoming::Shown(
            js::boolean(&data, "shown").unwrap_or(false),
        )),
        "lc:reset" => Some(Incoming::Reset),
        "lc:config" => {
            let user = js::get(&data, "user");
            let user = js::string(&user, "id")
                .filter(|id| !id.is_empty())
                .map(|id| VisitorUser {
                    id,
                    name: js::string(&user, "name"),
                    email: js::string(&user, "email"),
                    hash: js::string(&user, "hash"),
                });
            Some(Incoming::Config(PageConfig {
                user,
                department: js::string(&data, "department").filter(|d| !d.is_empty()),
                language: js::string(&data, "language"),
                fields: js::strings(&data, "fields"),
            }))
        }
        _ => None,
    }
}
