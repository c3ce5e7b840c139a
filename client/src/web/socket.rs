//! The reconnecting WebSocket the apps used before [`super::Driver`]: it
//! reconnects with backoff itself and hands every frame it receives to a
//! callback, which answers with frames to send. Kept until both apps run
//! on the session; nothing new uses it.

use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::frame::ClientFrame;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

const FIRST_BACKOFF_MS: u32 = 500;
const MAX_BACKOFF_MS: u32 = 10_000;

type OnOpen = Box<dyn Fn() -> Vec<ClientFrame>>;
type OnText = Box<dyn Fn(&str) -> Vec<ClientFrame>>;
type OnClose = Box<dyn Fn(u16)>;

struct Handlers {
    _open: Closure<dyn FnMut()>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

struct Inner {
    url: String,
    ws: RefCell<Option<WebSocket>>,
    handlers: RefCell<Option<Handlers>>,
    stopped: Cell<bool>,
    backoff_ms: Cell<u32>,
    on_open: OnOpen,
    on_text: OnText,
    on_close: OnClose,
}

/// A reconnecting WebSocket. Cheap to clone; every clone is the same socket.
#[derive(Clone)]
pub struct Socket(Rc<Inner>);

impl Socket {
    /// Connects to `url` (an absolute `ws://` or `wss://` URL, token
    /// included) and keeps reconnecting with backoff (0.5 s doubling to 10 s)
    /// until [`Socket::close`]. On each open, the frames `on_open` returns are
    /// sent (the `hello`); each frame received is parsed as `In` and given to
    /// `on_frame`, whose returned frames are sent; each close calls
    /// `on_close` with its code. A close code in 4400..=4499 (refused by the
    /// server) stops reconnecting. Frames that do not parse are dropped.
    pub fn connect<In: DeserializeOwned + 'static>(
        url: String,
        on_open: impl Fn() -> Vec<ClientFrame> + 'static,
        on_frame: impl Fn(In) -> Vec<ClientFrame> + 'static,
        on_close: impl Fn(u16) + 'static,
    ) -> Socket {
        let inner = Rc::new(Inner {
            url,
            ws: RefCell::new(None),
            handlers: RefCell::new(None),
            stopped: Cell::new(false),
            backoff_ms: Cell::new(FIRST_BACKOFF_MS),
            on_open: Box::new(on_open),
            on_text: Box::new(move |text| match serde_json::from_str::<In>(text) {
                Ok(frame) => on_frame(frame),
                Err(_) => Vec::new(),
            }),
            on_close: Box::new(on_close),
        });
        open(&inner);
        Socket(inner)
    }

    /// Sends a frame if the socket is open; returns false if not (the caller
    /// keeps it in its outbox and it goes out after the next `hello`).
    pub fn send(&self, frame: &impl Serialize) -> bool {
        send_on(&self.0, frame)
    }

    /// True while the socket is open.
    pub fn is_open(&self) -> bool {
        self.0
            .ws
            .borrow()
            .as_ref()
            .is_some_and(|ws| ws.ready_state() == WebSocket::OPEN)
    }

    /// Closes the socket for good.
    pub fn close(&self) {
        self.0.stopped.set(true);
        if let Some(ws) = self.0.ws.borrow_mut().take() {
            // Detach the handlers first: the browser fires `close` later,
            // after they are dropped.
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close();
        }
        self.0.handlers.borrow_mut().take();
    }
}

fn send_on(inner: &Inner, frame: &impl Serialize) -> bool {
    let ws = inner.ws.borrow();
    let Some(ws) = ws.as_ref().filter(|ws| ws.ready_state() == WebSocket::OPEN) else {
        return false;
    };
    match serde_json::to_string(frame) {
        Ok(text) => ws.send_with_str(&text).is_ok(),
        Err(_) => false,
    }
}

fn send_all(inner: &Inner, frames: Vec<ClientFrame>) {
    for frame in frames {
        send_on(inner, &frame);
    }
}

fn open(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let ws = match WebSocket::new(&inner.url) {
        Ok(ws) => ws,
        Err(_) => {
            retry_later(inner);
            return;
        }
    };
    let weak = Rc::downgrade(inner);
    let on_open = Closure::<dyn FnMut()>::new({
        let weak = weak.clone();
        move || {
            if let Some(inner) = weak.upgrade() {
                inner.backoff_ms.set(FIRST_BACKOFF_MS);
                send_all(&inner, (inner.on_open)());
            }
        }
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
        let weak = weak.clone();
        move |event: MessageEvent| {
            if let (Some(inner), Some(text)) = (weak.upgrade(), event.data().as_string()) {
                let replies = (inner.on_text)(&text);
                send_all(&inner, replies);
            }
        }
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
        let Some(inner) = weak.upgrade() else { return };
        inner.ws.borrow_mut().take();
        let code = event.code();
        (inner.on_close)(code);
        if !(4400..=4499).contains(&code) {
            retry_later(&inner);
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    *inner.handlers.borrow_mut() = Some(Handlers {
        _open: on_open,
        _message: on_message,
        _close: on_close,
    });
    *inner.ws.borrow_mut() = Some(ws);
}

fn retry_later(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let delay = inner.backoff_ms.get();
    inner.backoff_ms.set((delay * 2).min(MAX_BACKOFF_MS));
    // Jitter spreads the reconnects of many clients after a restart.
    let jitter = (js_sys::Math::random() * f64::from(delay) * 0.3) as u32;
    let weak: Weak<Inner> = Rc::downgrade(inner);
    gloo_timers::callback::Timeout::new(delay + jitter, move || {
        if let Some(inner) = weak.upgrade() {
            open(&inner);
        }
    })
    .forget();
}
