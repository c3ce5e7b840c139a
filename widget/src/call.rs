//! Calls, in the widget every visitor loads: only the hook that imports
//! the call module (the crate `widget-call`: the invitation and its ring,
//! the call's screen, the microphone, the camera, the peer connection and
//! the call's state) when a call rings for this visitor, and hands it the
//! socket's call frames. The module is a wasm-bindgen module of its own,
//! with its own JavaScript glue and memory, loaded by a dynamic
//! `import()`: a visitor who is never called never fetches it, and none
//! of its imports, closures or data weigh on the chat.
//!
//! The socket ([`crate::socket`]) gives every frame whose type starts
//! with `call` to [`frame`] as its text, before the chat's own reader
//! (which knows none of them). The first `call` frame of a call live for
//! this socket ([`wanted`]: it carries the ICE servers, which only the
//! call's sockets get) loads the module, once for the page's life; the
//! frames that come meanwhile wait, in order. From then on every call
//! frame goes to the module as it comes. The module sends its frames
//! through [`crate::app::send_text`] (on the current socket, or dropped
//! while it is down: signalling is never queued) and says whether a call
//! rings (`lc:ringing`, for a closed chat's launcher). A module that does
//! not load declines the call (ends one already connected, after a
//! reload: [`fallback`]) and the visitor reads why; the next call tries
//! again.
//!
//! `scripts/build-web.sh` writes the module's address, with a digest of
//! its files in it, into the widget's glue in place of
//! `./call/widget_call.js`, so a widget never imports another build's
//! module.

use crate::{app, dom, js, parent};
use shared::frame::ClientFrame;
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

#[wasm_bindgen(inline_js = "export function load(done) {\
  const u = \"./call/widget_call.js\";\
  import(u).then((m) => m.default().then(() => m)).then(done, () => done(null));\
}")]
extern "C" {
    /// Imports the call module and runs its initialisation, then calls
    /// `done` with its exports (`null` when it did not load).
    fn load(done: &JsValue);

    /// The call module's exports.
    #[derive(Clone)]
    type Module;
    #[wasm_bindgen(method, catch)]
    fn start(
        this: &Module,
        container: &Element,
        welcome: &str,
        lang: &str,
        sound: bool,
        send: &JsValue,
        ringing: &JsValue,
    ) -> Result<Handle, JsValue>;

    /// The module's `Call`.
    #[derive(Clone)]
    type Handle;
    #[wasm_bindgen(method, catch)]
    fn frame(this: &Handle, text: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn welcome(this: &Handle, welcome: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn settings(this: &Handle, lang: &str, sound: bool) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn close(this: &Handle) -> Result<(), JsValue>;
}

/// Whether a `call` frame's call needs the module: it rings for this
/// visitor or they are in it (`mine`: the frame carries the ICE servers,
/// given only to the call's sockets).
pub fn wanted(status: &str, mine: bool) -> bool {
    mine && matches!(status, "ringing" | "connected")
}

/// What the visitor's side sends when the module could not load:
/// declines a ringing call, ends one already connected (a reload).
pub fn fallback(call_id: &str, status: &str, mine: bool) -> Option<ClientFrame> {
    let call_id = call_id.to_owned();
    match status {
        "ringing" if mine => Some(ClientFrame::CallDecline { call_id }),
        "connected" if mine => Some(ClientFrame::CallEnd {
            call_id,
            reason: None,
        }),
        _ => None,
    }
}

/// Where the module is.
enum Part {
    /// Not started (never loaded, or closed with the conversation).
    Absent,
    /// Being imported; the call frames that came meanwhile.
    Loading(Vec<String>),
    /// Started.
    Ready(Handle),
}

/// The latest `call` frame's call: its id, its status, and whether it is
/// this socket's.
type Latest = (String, String, bool);

struct Calls {
    part: Part,
    /// The module's exports, once imported.
    module: Option<Module>,
    /// The call whose module did not load (not tried again).
    failed: Option<String>,
    latest: Option<Latest>,
    /// The language and sound the module was last given.
    settings: (&'static str, bool),
    /// `send` and `ringing`, made once.
    hooks: Option<(JsValue, JsValue)>,
    /// The text of the socket's last `welcome` (who this socket is).
    welcome: String,
}

thread_local! {
    static CALLS: RefCell<Calls> = const {
        RefCell::new(Calls {
            part: Part::Absent,
            module: None,
            failed: None,
            latest: None,
            settings: ("", false),
            hooks: None,
            welcome: String::new(),
        })
    };
}

/// What a `call` frame says of its call.
fn latest(v: &JsValue) -> Option<Latest> {
    let call = js::get(v, "call");
    Some((
        js::string(&call, "id")?,
        js::string(&call, "status")?,
        js_sys::Array::is_array(&js::get(v, "ice_servers")),
    ))
}

/// A socket frame whose type starts with `call`: its text, and its value.
pub fn frame(text: String, v: &JsValue) {
    let seen = if js::string(v, "type").as_deref() == Some("call") {
        latest(v)
    } else {
        None
    };
    enum Next {
        Give(Handle, String),
        Load,
        Start(Module),
        Nothing,
    }
    let next = CALLS.with(|c| {
        let c = &mut *c.borrow_mut();
        if seen.is_some() {
            c.latest = seen.clone();
        }
        match &mut c.part {
            Part::Ready(handle) => Next::Give(handle.clone(), text),
            Part::Loading(waiting) => {
                waiting.push(text);
                Next::Nothing
            }
            Part::Absent => match &seen {
                Some((id, status, mine))
                    if wanted(status, *mine) && c.failed.as_ref() != Some(id) =>
                {
                    c.part = Part::Loading(vec![text]);
                    match &c.module {
                        Some(module) => Next::Start(module.clone()),
                        None => Next::Load,
                    }
                }
                _ => Next::Nothing,
            },
        }
    });
    match next {
        Next::Give(handle, text) => {
            let _ = handle.frame(&text);
        }
        Next::Load => {
            let done = Closure::<dyn FnMut(JsValue)>::once(loaded);
            load(&done.into_js_value());
        }
        Next::Start(module) => started(module),
        Next::Nothing => {}
    }
}

/// The import's outcome: the module's exports, or `null`.
fn loaded(module: JsValue) {
    if module.is_null() {
        return failed();
    }
    let module: Module = module.unchecked_into();
    let loading = CALLS.with(|c| {
        let mut c = c.borrow_mut();
        c.module = Some(module.clone());
        matches!(c.part, Part::Loading(_))
    });
    // The visitor may have left the conversation meanwhile.
    if loading {
        started(module);
    }
}

/// Starts the module on the chat and gives it the frames that waited.
fn started(module: Module) {
    let (lang, sound) = app::with(|a| (a.lang.tag(), sound(a)));
    let (hooks, welcome) = CALLS.with(|c| {
        let mut c = c.borrow_mut();
        let welcome = c.welcome.clone();
        let hooks = c
            .hooks
            .get_or_insert_with(|| {
                let send = Closure::<dyn FnMut(JsValue)>::new(|text: JsValue| {
                    if let Some(text) = text.as_string() {
                        app::send_text(&text);
                    }
                });
                let ringing = Closure::<dyn FnMut(JsValue)>::new(|on: JsValue| {
                    parent::ringing(on.is_truthy())
                });
                (send.into_js_value(), ringing.into_js_value())
            })
            .clone();
        (hooks, welcome)
    });
    let body = dom::doc().query_selector("main .body").ok().flatten();
    let Some(Ok(handle)) = body.map(|body| {
        module.start(
            &body,
            &welcome,
            lang,
            sound,
            &hooks.0,
            &hooks.1,
        )
    }) else {
        return failed();
    };
    let waiting = CALLS.with(|c| {
        let mut c = c.borrow_mut();
        c.settings = (lang, sound);
        match std::mem::replace(&mut c.part, Part::Ready(handle.clone())) {
            Part::Loading(waiting) => waiting,
            _ => Vec::new(),
        }
    });
    for text in waiting {
        let _ = handle.frame(&text);
    }
    // A note about an earlier call's module goes.
    app::with(|a| a.call_note = None);
    app::changed();
}

/// The module did not load (or start): the visitor reads why, and the
/// call is declined (or ended).
fn failed() {
    let latest = CALLS.with(|c| {
        let mut c = c.borrow_mut();
        if !matches!(c.part, Part::Loading(_)) {
            return None;
        }
        c.part = Part::Absent;
        c.failed = c.latest.as_ref().map(|l| l.0.clone());
        Some(c.latest.clone())
    });
    let Some(latest) = latest else { return };
    app::with(|a| a.call_note = Some(a.lang.texts().call_failed.to_owned()));
    let frame = latest.and_then(|(id, status, mine)| fallback(&id, &status, mine));
    if let Some(text) = frame.and_then(|f| serde_json::to_string(&f).ok()) {
        app::send_text(&text);
    }
    app::changed();
}

/// Whether a call may ring aloud.
fn sound(a: &app::App) -> bool {
    a.config.sound && !a.muted
}

/// After every change: the module hears of a new language or sound
/// setting.
pub fn after_change() {
    let now = app::with(|a| (a.lang.tag(), sound(a)));
    let handle = CALLS.with(|c| {
        let mut c = c.borrow_mut();
        if c.settings == now {
            return None;
        }
        let Part::Ready(handle) = &c.part else {
            return None;
        };
        let handle = handle.clone();
        c.settings = now;
        Some(handle)
    });
    if let Some(handle) = handle {
        let _ = handle.settings(now.0, now.1);
    }
}

/// A socket was welcomed (`text`: the frame): the module learns who this
/// socket is.
pub fn welcome(text: String) {
    let handle = CALLS.with(|c| {
        let mut c = c.borrow_mut();
        c.welcome = text;
        match &c.part {
            Part::Ready(handle) => Some((handle.clone(), c.welcome.clone())),
            _ => None,
        }
    });
    if let Some((handle, text)) = handle {
        let _ = handle.welcome(&text);
    }
}

/// The visitor left the conversation: its call goes.
pub fn close() {
    let part = CALLS.with(|c| {
        let mut c = c.borrow_mut();
        c.latest = None;
        std::mem::replace(&mut c.part, Part::Absent)
    });
    if let Part::Ready(handle) = part {
        let _ = handle.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(status: &str, mine: bool, wants: bool, then: Option<&str>) {
        assert_eq!(wanted(status, mine), wants, "wanted");
        let sent = fallback("c.1", status, mine).map(|f| serde_json::to_string(&f).unwrap());
        assert_eq!(sent.as_deref(), then, "fallback");
    }

    #[test]
    fn the_module_loads_only_for_a_live_call_of_this_socket() {
        check(
            "ringing",
            true,
            true,
            Some(r#"{"type":"call_decline","call_id":"c.1"}"#),
        );
        check(
            "connected",
            true,
            true,
            Some(r#"{"type":"call_end","call_id":"c.1"}"#),
        );
        // Another socket of this visitor accepted: not this one's call.
        check("connected", false, false, None);
        check("ringing", false, false, None);
        for over in ["ended", "declined", "missed", "later"] {
            check(over, true, false, None);
        }
    }
}
