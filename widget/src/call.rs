//! Calls, in the widget every visitor loads: only the hook that imports
//! the call module (the crate `widget-call`: the invitation and its ring,
//! the call's screen, the microphone, the camera, the peer connection and
//! the call's state) when a call rings for this visitor, and hands it the
//! socket's call frames. The module is a wasm-bindgen module of its own,
//! with its own JavaScript glue and memory, loaded by a dynamic
//! `import()`: a visitor who is never called never fetches it, and none
//! of its imports, closures or data weigh on the chat.
//!
//! The hook is a few lines of JavaScript (below), because it does
//! little more than hold the module and pass strings to it, and every
//! byte of it reaches every visitor: in Rust, with the glue each import
//! and closure needs, the same took some 2.3 KB more of gzipped Wasm.
//!
//! - The socket ([`crate::socket`]) gives every frame whose type starts
//!   with `call` to [`frame`] as its text, before the chat's own reader
//!   (which knows none of them), and every `welcome` to [`welcome`] (who
//!   this socket is, for the module).
//! - The first `call` frame of a call live for this socket (it rings or
//!   is connected, and carries the ICE servers, which only the call's
//!   sockets get) imports the module, once for the page's life, and
//!   starts it; the frames that come meanwhile wait, in order. From then
//!   on every call frame goes to the module as it comes.
//! - The module sends its frames through [`crate::app::send_text`] (on
//!   the current socket, or dropped while it is down: signalling is never
//!   queued) and says whether a call rings (`lc:ringing`, for a closed
//!   chat's launcher). [`after_change`] passes it the chat's language and
//!   sound setting; [`close`] ends its call when the visitor leaves the
//!   conversation.
//! - A module that does not load (or start) declines the call, or ends
//!   one already connected (a reload), and the visitor reads why
//!   (`call_failed`); that call is not tried again, the next one is.
//!
//! `scripts/build-web.sh` writes the module's address, with a digest of
//! its files in it, into the widget's glue in place of
//! `./call/widget_call.js`, so a widget never imports another build's
//! module.

use crate::{app, parent};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

// The hook's JavaScript (see the module's documentation). `h`: the
// widget's `send`, `ringing` and `note` (given `null` once a module
// started, or the frame to send when it could not: "" for none); `m`:
// the module's exports once imported; `c`: its `Call`; `q`: the frames
// waiting for it while it loads; `l`: the latest `call` frame; `n`: the
// call whose module did not load; `w`: the socket's `welcome`; `s`: the
// language and sound.
#[wasm_bindgen(inline_js = r#"
let h, m, c, q, l, n, w = "", s = [];
const live = (f) => !!f && !!f.call && Array.isArray(f.ice_servers) && /^(ringing|connected)$/.test(f.call.status);
const safe = (f) => { try { f(); } catch (e) { console.warn(e); } };
function begin() {
  const [lang, sound] = s;
  try {
    c = m.start(document.querySelector("main .body"), w, lang, sound, h[0], h[1]);
  } catch (e) {
    return fail();
  }
  const waiting = q;
  q = undefined;
  waiting.forEach((t) => safe(() => c.frame(t)));
  h[2](null);
}
function fail() {
  q = c = undefined;
  const f = l && l.call;
  n = f && f.id;
  h[2](live(l) ? JSON.stringify(f.status == "ringing" ? { type: "call_decline", call_id: f.id } : { type: "call_end", call_id: f.id }) : "");
}
export function hooks(send, ringing, note) { h = [send, ringing, note]; }
export function frame(t) {
  const f = JSON.parse(t);
  if (f.type == "call") l = f;
  if (c) return safe(() => c.frame(t));
  if (q) return q.push(t);
  if (!live(f) || f.call.id == n) return;
  q = [t];
  if (m) return begin();
  const u = "./call/widget_call.js";
  import(u).then((x) => x.default().then(() => { m = x; if (q) begin(); }), () => q && fail());
}
export function welcome(t) { w = t; if (c) safe(() => c.welcome(t)); }
export function settings(lang, sound) {
  if (s[0] != lang || s[1] != sound) { s = [lang, sound]; if (c) safe(() => c.settings(lang, sound)); }
}
export function close() { if (c) safe(() => c.close()); c = q = l = undefined; }
"#)]
extern "C" {
    fn hooks(send: &JsValue, ringing: &JsValue, note: &JsValue);
    /// A frame of the socket whose type starts with `call`: its text.
    pub fn frame(text: &str);
    /// The text of the socket's `welcome`.
    pub fn welcome(text: &str);
    fn settings(lang: &str, sound: bool);
    /// The visitor left the conversation: its call goes.
    pub fn close();
}

/// Gives the hook the widget's side: the module's frames go out on the
/// socket, its ringing to the loader, and a module that did not load is
/// said and its call declined.
pub fn init() {
    let send = Closure::<dyn FnMut(JsValue)>::new(|text: JsValue| {
        if let Some(text) = text.as_string() {
            app::send_text(&text);
        }
    });
    let ringing = Closure::<dyn FnMut(JsValue)>::new(|on: JsValue| parent::ringing(on.is_truthy()));
    let note = Closure::<dyn FnMut(JsValue)>::new(|failed: JsValue| {
        let text = failed.as_string();
        app::with(|a| {
            a.call_note = text
                .is_some()
                .then(|| a.lang.texts().call_failed.to_owned())
        });
        if let Some(frame) = text.filter(|t| !t.is_empty()) {
            app::send_text(&frame);
        }
        app::changed();
    });
    hooks(
        &send.into_js_value(),
        &ringing.into_js_value(),
        &note.into_js_value(),
    );
}

/// After every change: the module hears of a new language or sound
/// setting (a call may ring aloud when the site allows sounds and the
/// visitor did not mute them).
pub fn after_change() {
    let (lang, sound) = app::with(|a| (a.lang.tag(), a.config.sound && !a.muted));
    settings(lang, sound);
}
