//! Runs a [`Machine`] in the browser: one `web_sys::WebSocket` at a time,
//! one timer, and the machine's outputs performed in order. The machine
//! decides everything (when to connect, what to send, when to give up); the
//! driver only does it and reports back what happened.
//!
//! The machine lives in the app's own store (a Leptos signal), reached
//! through the `update` function given to [`Driver::new`], so the views
//! redraw from it as usual. The driver never calls `update` from inside
//! `update`, nor one `act` from inside another: outputs are performed after
//! it returns, and socket, timer and refusal events always arrive later,
//! from the browser's event loop.

use crate::link::CloseReason;
use crate::machine::{Machine, Millis, Output, SocketEvent};
use crate::wire::Decode;
use gloo_timers::callback::Timeout;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// Close code for a socket that could not even be created.
const ABNORMAL: u16 = 1006;

type Update<M> = Box<dyn Fn(&mut dyn FnMut(&mut M))>;

/// An open or opening WebSocket with its handlers; dropping it detaches
/// them and closes it.
struct Socket {
    ws: WebSocket,
    _open: Closure<dyn FnMut()>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

struct Inner<M> {
    url: String,
    update: Update<M>,
    on_refused: Rc<dyn Fn(CloseReason)>,
    socket: RefCell<Option<Socket>>,
    timer: RefCell<Option<Timeout>>,
}

/// Drives one machine over one URL. Cheap to clone; every clone is the same
/// driver. Dropping the last clone closes the socket.
pub struct Driver<M>(Rc<Inner<M>>);

impl<M> Clone for Driver<M> {
    fn clone(&self) -> Self {
        Driver(self.0.clone())
    }
}

impl<M: Machine + 'static> Driver<M> {
    /// Starts driving the machine that `update` reaches, over `url` (an
    /// absolute `ws://` or `wss://` URL, token included). `update` runs its
    /// argument on the machine, or not at all once the store is gone.
    /// `on_refused` hears a final refusal from the server, after the event
    /// that brought it has been handled.
    pub fn new(
        url: String,
        update: impl Fn(&mut dyn FnMut(&mut M)) + 'static,
        on_refused: impl Fn(CloseReason) + 'static,
    ) -> Self {
        let driver = Driver(Rc::new(Inner {
            url,
            update: Box::new(update),
            on_refused: Rc::new(on_refused),
            socket: RefCell::new(None),
            timer: RefCell::new(None),
        }));
        // A new machine already asks to connect.
        driver.act(|_, _| {});
        driver
    }

    /// Runs `f` on the machine with the current time, then performs what it
    /// asks for and re-arms the timer.
    pub fn act(&self, f: impl FnOnce(&mut M, Millis)) {
        let now = super::now();
        let mut f = Some(f);
        let mut outputs = Vec::new();
        let mut deadline = None;
        (self.0.update)(&mut |machine: &mut M| {
            if let Some(f) = f.take() {
                f(machine, now);
            }
            outputs.extend(std::iter::from_fn(|| machine.poll_output()));
            deadline = machine.poll_timeout();
        });
        for output in outputs {
            self.perform(output);
        }
        self.arm(deadline, now);
    }

    fn feed(&self, event: SocketEvent<M::Frame>) {
        self.act(|machine, now| machine.on_socket(now, event));
    }

    fn perform(&self, output: Output<M::Sent>) {
        match output {
            Output::Connect => self.connect(),
            Output::Transmit(frame) => {
                let socket = self.0.socket.borrow();
                let open = socket
                    .as_ref()
                    .filter(|s| s.ws.ready_state() == WebSocket::OPEN);
                if let (Some(socket), Ok(text)) = (open, serde_json::to_string(&frame)) {
                    let _ = socket.ws.send_with_str(&text);
                }
            }
            Output::Disconnect => drop(self.0.socket.take()),
            Output::Refused(reason) => {
                // The app may drop this driver in answer: not from inside
                // the socket's own handler.
                let on_refused = self.0.on_refused.clone();
                wasm_bindgen_futures::spawn_local(async move { on_refused(reason) });
            }
        }
    }

    fn connect(&self) {
        drop(self.0.socket.take());
        let weak = Rc::downgrade(&self.0);
        let ws = match WebSocket::new(&self.0.url) {
            Ok(ws) => ws,
            Err(_) => {
                // Reported later, as the browser reports a socket that fails:
                // never from inside the `act` that asked for it.
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(inner) = Weak::upgrade(&weak) {
                        Driver(inner).feed(closed(ABNORMAL));
                    }
                });
                return;
            }
        };
        let on = move |event: SocketEvent<M::Frame>| {
            if let Some(inner) = Weak::upgrade(&weak) {
                Driver(inner).feed(event);
            }
        };
        let open = Closure::<dyn FnMut()>::new({
            let on = on.clone();
            move || on(SocketEvent::Opened)
        });
        let message = Closure::<dyn FnMut(MessageEvent)>::new({
            let on = on.clone();
            move |event: MessageEvent| {
                // Frames that do not parse are dropped: nothing the server
                // sends may break the client.
                let frame = event
                    .data()
                    .as_string()
                    .and_then(|text| M::Frame::decode(&text));
                if let Some(frame) = frame {
                    on(SocketEvent::Received(frame));
                }
            }
        });
        let close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            on(closed(event.code()))
        });
        ws.set_onopen(Some(open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(close.as_ref().unchecked_ref()));
        *self.0.socket.borrow_mut() = Some(Socket {
            ws,
            _open: open,
            _message: message,
            _close: close,
        });
    }

    fn arm(&self, deadline: Option<Millis>, now: Millis) {
        // The timer being replaced may be the one whose callback is running:
        // let it finish before it is dropped.
        if let Some(old) = self.0.timer.take() {
            wasm_bindgen_futures::spawn_local(async move { drop(old) });
        }
        let Some(at) = deadline else { return };
        let delay = u32::try_from(at.saturating_sub(now)).unwrap_or(u32::MAX);
        let weak = Rc::downgrade(&self.0);
        let timer = Timeout::new(delay, move || {
            if let Some(inner) = Weak::upgrade(&weak) {
                Driver(inner).feed(SocketEvent::Timeout);
            }
        });
        *self.0.timer.borrow_mut() = Some(timer);
    }
}

fn closed<F>(code: u16) -> SocketEvent<F> {
    SocketEvent::Closed {
        code,
        jitter: js_sys::Math::random(),
    }
}
