//! Calls, in the part of the widget every visitor loads: only the hook
//! that fetches the call's own part when a call rings for this visitor.
//! Everything a call shows and does (the invitation and its ring, the
//! call's screen, the microphone, the camera and the peer connection) is
//! in [`screen`], which `scripts/build-web.sh` cuts into a second Wasm
//! module, `split_call.<digest>.wasm`: the split point [`call_part`] is
//! the only way into it, so a visitor who is never called never fetches
//! it and the usable chat stays within its weight.
//!
//! [`after_change`] runs after every change ([`crate::app::changed`]):
//! while this socket is in a live call ([`wanted`]) it loads the part
//! (once for the page's life), then hands every later change to the
//! part's `update`. When the part cannot be fetched the visitor reads why
//! and the call is declined ([`fallback`]); the next call tries again.
//!
//! The split point is an `async fn`; the widget has no futures runtime
//! (none is needed anywhere else), so [`spawn`] polls the one future it
//! is given, again each time it is woken, from the event loop.

pub mod screen;
pub mod words;

use crate::app;
use chat_client::call::{CallAction, CallClient};
use chat_client::session::Input;
use shared::call::CallStatus;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use wasm_split_helpers::{wasm_split, SplitLoaderError};

/// Whether the call's part is needed: this socket is in a live call (it
/// rings for this visitor, or they are in it).
pub fn wanted(call: &CallClient) -> bool {
    call.ice_servers().is_some()
}

/// What a visitor's side sends when the call's part could not load:
/// declines a ringing call, ends one already connected (a reload).
pub fn fallback(call: &CallClient) -> Option<CallAction> {
    match call.call().filter(|_| wanted(call))?.status {
        CallStatus::Ringing => Some(CallAction::Decline),
        CallStatus::Connected => Some(CallAction::End),
        _ => None,
    }
}

/// Where the call's part is.
enum Part {
    /// Not fetched (or the last fetch failed, for the call named).
    Absent(Option<String>),
    /// Being fetched.
    Loading,
    /// Here: its `update`, called after every change.
    Ready(fn()),
}

thread_local! {
    static PART: RefCell<Part> = const { RefCell::new(Part::Absent(None)) };
}

/// The call part's split point: calling it fetches the part first.
#[wasm_split(call, fallible)]
fn call_part() -> Result<fn(), SplitLoaderError> {
    Ok(screen::update)
}

/// After every change: loads the call's part when a call needs it, and
/// lets the part follow the change once it is here.
pub fn after_change() {
    let call_id = app::with(|a| {
        let call = a.session.state().call();
        wanted(call).then(|| call.call().map(|c| c.id.clone()))?
    });
    enum Next {
        Update(fn()),
        Load,
        Nothing,
    }
    let next = PART.with(|p| {
        let mut p = p.borrow_mut();
        match &*p {
            Part::Ready(update) => Next::Update(*update),
            Part::Absent(failed) if call_id.is_some() && *failed != call_id => {
                *p = Part::Loading;
                Next::Load
            }
            _ => Next::Nothing,
        }
    });
    match next {
        Next::Update(update) => update(),
        Next::Load => load(call_id),
        Next::Nothing => {}
    }
}

/// Fetches the part; `call_id` is the call that asked for it.
fn load(call_id: Option<String>) {
    spawn(async move {
        match call_part().await {
            Ok(update) => {
                PART.with(|p| *p.borrow_mut() = Part::Ready(update));
                app::changed();
            }
            Err(_) => {
                PART.with(|p| *p.borrow_mut() = Part::Absent(call_id));
                let action = app::with(|a| {
                    a.call_note = Some(a.lang.texts().call_failed.to_owned());
                    fallback(a.session.state().call())
                });
                match action {
                    Some(action) => app::feed(Input::Call(action)),
                    None => app::changed(),
                }
            }
        }
    });
}

// The smallest executor: one future at a time (the part is fetched once).

type Task = Pin<Box<dyn Future<Output = ()>>>;

thread_local! {
    static TASK: RefCell<Option<Task>> = const { RefCell::new(None) };
}

struct Poll;

impl Wake for Poll {
    fn wake(self: Arc<Self>) {
        // From the event loop, never inside the poll that is running.
        crate::socket::later(poll);
    }
}

/// Runs `future` until it completes, polling it again whenever it is
/// woken.
fn spawn(future: impl Future<Output = ()> + 'static) {
    TASK.with(|t| *t.borrow_mut() = Some(Box::pin(future)));
    poll();
}

fn poll() {
    let Some(mut task) = TASK.with(|t| t.borrow_mut().take()) else {
        return;
    };
    let waker = Waker::from(Arc::new(Poll));
    if task
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending()
    {
        TASK.with(|t| *t.borrow_mut() = Some(task));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::call::{CallKind, CallState, IceServer, MediaState};
    use shared::frame::{Participant, ServerFrame, Side};

    fn who(side: Side, id: &str) -> Participant {
        Participant {
            side,
            id: id.into(),
            name: id.into(),
        }
    }

    fn client(status: CallStatus, ice: bool) -> CallClient {
        let mut client = CallClient::new();
        let me = who(Side::Visitor, "v1");
        let frame = ServerFrame::Call {
            call: CallState {
                id: "c.1".into(),
                kind: CallKind::Audio,
                status,
                agent: who(Side::Agent, "anna"),
                visitor: me.clone(),
                started_at: 1_000,
                rings_until: None,
                answered_at: None,
                ended_at: None,
                ended_by: None,
                agent_media: MediaState::of(CallKind::Audio),
                visitor_media: MediaState::of(CallKind::Audio),
            },
            ice_servers: ice.then(|| {
                vec![IceServer {
                    urls: vec!["stun:stun.test:3478".into()],
                    username: None,
                    credential: None,
                }]
            }),
        };
        client.apply(Some(&me), &frame);
        client
    }

    #[track_caller]
    fn check(status: CallStatus, ice: bool, wants: bool, then: Option<CallAction>) {
        let c = client(status, ice);
        assert_eq!(wanted(&c), wants, "wanted");
        assert_eq!(fallback(&c), then, "fallback");
    }

    #[test]
    fn the_part_loads_only_for_a_live_call_of_this_socket() {
        assert!(!wanted(&CallClient::new()));
        assert_eq!(fallback(&CallClient::new()), None);
        check(CallStatus::Ringing, true, true, Some(CallAction::Decline));
        check(CallStatus::Connected, true, true, Some(CallAction::End));
        // Another socket of this visitor accepted: not this one's call.
        check(CallStatus::Connected, false, false, None);
        check(CallStatus::Ringing, false, false, None);
        for over in [CallStatus::Ended, CallStatus::Declined, CallStatus::Missed] {
            check(over, true, false, None);
        }
    }
}
