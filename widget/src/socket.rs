//! Runs the visitor's [`Session`] over one WebSocket and one timer, as
//! `chat_client::machine` states the contract: feed an input, drain
//! `poll_output` performing each output in order (connect, transmit,
//! disconnect, refused), then arm one timer for `poll_timeout`. It is
//! `chat_client::web::Driver` for this one machine, reading frames with
//! [`crate::frames`] instead of serde (see there for why), with its
//! handlers made once and kept for the page's life (events of a socket
//! already replaced are ignored), so none is dropped while it runs.

use crate::{app, frames, js};
use chat_client::link::CloseReason;
use chat_client::machine::{Millis, Output, SocketEvent};
use chat_client::session::Input;
use chat_client::web::now;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// Close code for a socket that could not even be created.
const ABNORMAL: u16 = 1006;

struct Inner {
    url: String,
    ws: RefCell<Option<WebSocket>>,
    timer: Cell<Option<i32>>,
    on_refused: Rc<dyn Fn(CloseReason)>,
    /// False once this driver was stopped for good.
    live: Cell<bool>,
    handlers: RefCell<Option<Handlers>>,
}

struct Handlers {
    open: Closure<dyn FnMut(JsValue)>,
    message: Closure<dyn FnMut(JsValue)>,
    close: Closure<dyn FnMut(JsValue)>,
    timer: Closure<dyn FnMut(JsValue)>,
}

/// Drives the app's session over `url`. Cheap to clone.
#[derive(Clone)]
pub struct Socket(Rc<Inner>);

impl Socket {
    /// Starts: a new session already asks to connect. `on_refused` hears a
    /// final refusal, after the event that brought it was handled.
    pub fn new(url: String, on_refused: impl Fn(CloseReason) + 'static) -> Socket {
        let socket = Socket(Rc::new(Inner {
            url,
            ws: RefCell::new(None),
            timer: Cell::new(None),
            on_refused: Rc::new(on_refused),
            live: Cell::new(true),
            handlers: RefCell::new(None),
        }));
        let weak = Rc::downgrade(&socket.0);
        // Only the current socket's events count.
        let current = move |event: &JsValue| {
            let inner = weak.upgrade()?;
            let ws = inner
                .ws
                .borrow()
                .as_ref()
                .map(|ws| JsValue::from(ws.clone()));
            let target = js::get(event, "target");
            (ws.as_ref() == Some(&target) || event.is_undefined()).then_some(Socket(inner))
        };
        let is_current = current.clone();
        let on = move |event: &JsValue, what: SocketEvent<shared::frame::ServerFrame>| {
            if let Some(socket) = current(event) {
                socket.act(Some(Input::Socket(what)));
            }
        };
        let (o, m, c, t) = (on.clone(), on.clone(), on.clone(), on);
        *socket.0.handlers.borrow_mut() = Some(Handlers {
            open: Closure::new(move |e: JsValue| o(&e, SocketEvent::Opened)),
            message: Closure::new(move |e: JsValue| {
                let data = e.unchecked_ref::<MessageEvent>().data();
                let Some(text) = data.as_string() else { return };
                let Some(v) = js::parse(&text) else { return };
                // A call's frames go to the call module as they came.
                if js::string(&v, "type").is_some_and(|t| t.starts_with("call")) {
                    if is_current(&e).is_some() {
                        crate::call::frame(&text);
                    }
                    return;
                }
                if let Some(frame) = frames::server_frame(&v) {
                    let welcome = matches!(frame, shared::frame::ServerFrame::Welcome { .. });
                    m(&e, SocketEvent::Received(frame));
                    if welcome && is_current(&e).is_some() {
                        // Who this socket is, for the call module.
                        crate::call::welcome(&text);
                    }
                }
            }),
            close: Closure::new(move |e: JsValue| {
                let code = e.unchecked_ref::<CloseEvent>().code();
                c(&e, closed(code));
            }),
            timer: Closure::new(move |_: JsValue| t(&JsValue::UNDEFINED, SocketEvent::Timeout)),
        });
        socket.act(None);
        socket
    }

    /// Feeds `input` (if any) to the session now, performs what it asks
    /// for, re-arms the timer and redraws.
    pub fn act(&self, input: Option<Input>) {
        if !self.0.live.get() {
            return;
        }
        let now = now();
        let (outputs, deadline) = app::with(|a| {
            if let Some(input) = input {
                a.session.handle(now, input);
            }
            let mut outputs = Vec::new();
            while let Some(output) = a.session.poll_output() {
                outputs.push(output);
            }
            (outputs, a.session.poll_timeout())
        });
        for output in outputs {
            self.perform(output);
        }
        self.arm(deadline, now);
        app::changed();
    }

    /// Stops for good: the session is told, the socket closes, and no event
    /// is heard any more.
    pub fn stop(&self) {
        self.act(Some(Input::Stop));
        self.0.live.set(false);
        self.disconnect();
        self.arm(None, 0);
    }

    fn perform(&self, output: Output<shared::frame::ClientFrame>) {
        match output {
            Output::Connect => self.connect(),
            Output::Transmit(frame) => {
                if let Ok(text) = serde_json::to_string(&frame) {
                    self.send_text(&text);
                }
            }
            Output::Disconnect => self.disconnect(),
            Output::Refused(reason) => {
                // The app may stop this socket in answer: not from inside
                // the socket's own handler.
                let on_refused = self.0.on_refused.clone();
                later(move || on_refused(reason));
            }
        }
    }

    /// Sends a frame's text if the socket is open (dropped otherwise).
    pub fn send_text(&self, text: &str) {
        let ws = self.0.ws.borrow();
        if let Some(ws) = ws.as_ref().filter(|ws| ws.ready_state() == WebSocket::OPEN) {
            let _ = ws.send_with_str(text);
        }
    }

    fn disconnect(&self) {
        if let Some(ws) = self.0.ws.borrow_mut().take() {
            // Its handlers go with this driver: a late close event must not
            // reach them.
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close();
        }
    }

    fn connect(&self) {
        self.disconnect();
        let Ok(ws) = WebSocket::new(&self.0.url) else {
            // Reported later, as the browser reports a socket that fails.
            let inner = self.0.clone();
            return later(move || Socket(inner).act(Some(Input::Socket(closed(ABNORMAL)))));
        };
        if let Some(h) = self.0.handlers.borrow().as_ref() {
            ws.set_onopen(Some(h.open.as_ref().unchecked_ref()));
            ws.set_onmessage(Some(h.message.as_ref().unchecked_ref()));
            ws.set_onclose(Some(h.close.as_ref().unchecked_ref()));
        }
        *self.0.ws.borrow_mut() = Some(ws);
    }

    fn arm(&self, deadline: Option<Millis>, now: Millis) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(id) = self.0.timer.take() {
            window.clear_timeout_with_handle(id);
        }
        let (Some(at), Some(h)) = (
            deadline,
            self.0
                .handlers
                .borrow()
                .as_ref()
                .map(|h| h.timer.as_ref().clone()),
        ) else {
            return;
        };
        let delay = i32::try_from(at.saturating_sub(now)).unwrap_or(i32::MAX);
        if let Ok(id) =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(h.unchecked_ref(), delay)
        {
            self.0.timer.set(Some(id));
        }
    }
}

fn closed<F>(code: u16) -> SocketEvent<F> {
    SocketEvent::Closed {
        code,
        jitter: js_sys::Math::random(),
    }
}

/// Runs `f` from the event loop, after the current event.
pub fn later(f: impl FnOnce() + 'static) {
    let closure = Closure::<dyn FnMut(JsValue)>::once(move |_: JsValue| f());
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            closure.as_ref().unchecked_ref(),
            0,
        );
    }
    closure.forget();
}
