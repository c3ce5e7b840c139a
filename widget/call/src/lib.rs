//! The visitor widget's calls, as a wasm-bindgen module of their own: the
//! invitation and its ring, the call's screen, the microphone, the camera
//! and the peer connection (`chat_client::rtc`), and the call's state
//! (`chat_client::call::CallClient`).
//!
//! The widget (`widget/src/call.rs`) imports this module with a dynamic
//! `import()` the first time a call rings for the visitor on its socket,
//! so a visitor who is never called never loads it, and none of its
//! JavaScript imports, closures, data or runtime weigh on the chat. It
//! has its own memory and JavaScript glue: the two talk only through
//! this API, in strings.
//!
//! - [`start`] shows the calls in the chat's `container` for the visitor
//!   the socket's `welcome` (its text) names as `you`. `send` takes the
//!   text of a frame to send on the chat's current socket (the widget
//!   drops it while the socket is down: signalling is never queued);
//!   `ringing` takes whether a call rings for the visitor (the launcher
//!   shows it while the chat is closed).
//! - [`Call::frame`] takes the text of every socket frame whose type
//!   starts with `call`, read here with serde ([`frames`]).
//! - [`Call::welcome`] gives a new socket's `welcome` (the server sends a
//!   live call again after it).
//! - [`Call::settings`] passes a change of the language or of the sound.
//! - [`Call::close`] ends what is on screen (the visitor left the
//!   conversation): the peer connection closes, the tracks stop.
//!
//! One call at a time: the state is the module's, and a second
//! [`start`] replaces the first. Nothing here panics on a frame: one that
//! does not read is dropped, as the widget drops frames it cannot read.

mod dom;
mod frames;
mod screen;
/// The ring: the widget's own tone, its source compiled into this module
/// too (the two Wasm modules share no code at run time).
#[path = "../../src/sound.rs"]
mod sound;
mod words;

use chat_client::call::{CallAction, CallClient};
use js_sys::Function;
use shared::frame::Participant;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::Element;
use words::Lang;

/// talc, as in the widget: a smaller allocator than dlmalloc.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: the module runs on the widget's one thread; it starts none.
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

/// What the module knows of the call and of the chat around it.
pub(crate) struct State {
    pub client: CallClient,
    /// Who the server welcomed this socket as.
    pub me: Option<Participant>,
    pub lang: Lang,
    /// The site allows sounds and the visitor did not mute them.
    pub sound: bool,
    /// Where the call's area goes (the chat's body).
    pub container: Element,
    send: Function,
    ringing: Function,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Runs `f` on the state, if the module was started. Never called while
/// it is borrowed.
pub(crate) fn with<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    STATE.with(|s| s.borrow_mut().as_mut().map(f))
}

/// A person's press or the media layer's signalling: the frame it makes
/// (if any) goes to the chat's socket, then the screen follows.
pub(crate) fn act(action: CallAction) {
    let out = with(|s| {
        let frame = s.client.action(s.me.as_ref(), action)?;
        let text = serde_json::to_string(&frame).ok()?;
        Some((s.send.clone(), text))
    })
    .flatten();
    if let Some((send, text)) = out {
        let _ = send.call1(&JsValue::NULL, &JsValue::from_str(&text));
    }
    screen::update();
}

/// Tells the widget whether a call rings for the visitor.
pub(crate) fn tell_ringing(ringing: bool) {
    if let Some(f) = with(|s| s.ringing.clone()) {
        let _ = f.call1(&JsValue::NULL, &JsValue::from_bool(ringing));
    }
}

/// Who a `welcome` frame's text names as `you`.
fn participant(welcome: &str) -> Option<Participant> {
    #[derive(serde::Deserialize)]
    struct Welcome {
        you: Participant,
    }
    serde_json::from_str::<Welcome>(welcome).ok().map(|w| w.you)
}

/// The calls of one conversation's chat (see the module's documentation).
#[wasm_bindgen]
pub struct Call {
    _private: (),
}

/// Starts the calls in `container` for who `welcome` (the socket's
/// `welcome` frame) names (see the module's documentation); `lang` is a
/// language tag (`en`, `es`…).
#[wasm_bindgen]
pub fn start(
    container: Element,
    welcome: &str,
    lang: &str,
    sound: bool,
    send: Function,
    ringing: Function,
) -> Call {
    screen::close();
    let state = State {
        client: CallClient::new(),
        me: participant(welcome),
        lang: Lang::from_tag(lang),
        sound,
        container,
        send,
        ringing,
    };
    STATE.with(|s| *s.borrow_mut() = Some(state));
    Call { _private: () }
}

#[wasm_bindgen]
impl Call {
    /// A frame of the chat's socket whose type starts with `call`.
    pub fn frame(&self, text: &str) {
        let Some(frame) = frames::read(text) else {
            return;
        };
        if with(|s| s.client.apply(s.me.as_ref(), &frame)).is_some() {
            screen::update();
        }
    }

    /// A new socket was welcomed: the text of its `welcome` frame.
    pub fn welcome(&self, welcome: &str) {
        if let Some(me) = participant(welcome) {
            with(|s| s.me = Some(me));
        }
    }

    /// The chat's language or its sound setting changed.
    pub fn settings(&self, lang: &str, sound: bool) {
        with(|s| {
            s.lang = Lang::from_tag(lang);
            s.sound = sound;
        });
        screen::update();
    }

    /// The visitor left the conversation: the call's area goes, the peer
    /// connection closes and the tracks stop.
    pub fn close(&self) {
        screen::close();
        STATE.with(|s| *s.borrow_mut() = None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::frame::{ConversationStatus, ConversationView, ServerFrame, Side};
    use shared::ids::ConversationId;

    #[test]
    fn who_a_welcome_names() {
        let you = Participant {
            side: Side::Visitor,
            id: "v1".into(),
            name: "Vera".into(),
        };
        let welcome = ServerFrame::Welcome {
            version: 1,
            conversation: ConversationView {
                id: ConversationId("c1".into()),
                status: ConversationStatus::Active,
                department: "sales".into(),
                visitor: you.clone(),
                assignee: None,
                members: Vec::new(),
            },
            you: you.clone(),
            last_seq: 3,
            receipts: Vec::new(),
        };
        let text = serde_json::to_string(&welcome).expect("a frame encodes");
        assert_eq!(participant(&text), Some(you));
        assert_eq!(participant("{}"), None);
        assert_eq!(participant("null"), None);
    }
}
