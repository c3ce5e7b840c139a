//! A conversation's call media in the agent app: the microphone and
//! camera the agent opened, the peer connection ([`chat_client::rtc::Peer`])
//! and the visitor's stream. One [`CallMedia`] lives beside each
//! conversation's session in [`crate::chats::Chats`], so a call goes on
//! (and is heard) while the agent reads another conversation; it is closed
//! when the call hangs up or the conversation's socket is dropped.
//!
//! It decides nothing: after every change of the session,
//! [`CallMedia::after_change`] drains the call's events
//! ([`chat_client::call::CallEvent`]) and performs them. The peer
//! connection is made when the session says `MakeOffer` (the visitor
//! accepted, or came back: an offer again), with the stream opened when
//! "Start call" was pressed, or a new one when there is none (the app was
//! reloaded during the call). What the peer connection has to send goes
//! back through the session like a press.
//!
//! The visitor's sound plays from an `<audio>` element of its own, outside
//! the page's tree, so it survives the conversation's pane; the pane shows
//! the video muted.

use chat_client::call::{CallAction, CallEvent, Phase};
use chat_client::rtc::{self, MediaError, Peer};
use chat_client::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::call::{CallKind, MediaState};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use web_sys::{HtmlAudioElement, MediaStream};

/// What the call area reads of the media, reactively.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    /// Bumped when a stream comes or goes.
    pub version: u64,
    /// The browser is being asked for the microphone and camera.
    pub opening: bool,
    /// Why this side has no media, for the person.
    pub error: Option<String>,
}

#[derive(Default)]
struct State {
    local: Option<MediaStream>,
    peer: Option<Peer>,
    remote: Option<MediaStream>,
    /// A peer connection is being made (its stream is being opened).
    pending: bool,
    sound: Option<HtmlAudioElement>,
}

/// One conversation's call media. Cheap to clone: clones are the same.
#[derive(Clone)]
pub struct CallMedia {
    state: Rc<RefCell<State>>,
    shown: ArcRwSignal<Shown>,
    /// Hands an action to the conversation's session (after the current
    /// change, never inside it).
    send: Rc<dyn Fn(CallAction)>,
}

impl CallMedia {
    /// No media yet; `send` feeds the conversation's session.
    pub fn new(send: impl Fn(CallAction) + 'static) -> Self {
        Self {
            state: Rc::default(),
            shown: ArcRwSignal::new(Shown::default()),
            send: Rc::new(send),
        }
    }

    /// What the call area shows. Subscribes the caller.
    pub fn shown(&self) -> Shown {
        self.shown.get()
    }

    /// The agent's own stream (the small preview).
    pub fn local(&self) -> Option<MediaStream> {
        self.state.borrow().local.clone()
    }

    /// The visitor's stream, once it arrived.
    pub fn remote(&self) -> Option<MediaStream> {
        self.state.borrow().remote.clone()
    }

    /// "Audio call" or "Video call" was pressed: asks the browser for the
    /// microphone (and camera), then starts the call. When the browser
    /// refuses, says so and starts nothing.
    pub fn start(&self, kind: CallKind) {
        if self.shown.with_untracked(|s| s.opening) {
            return;
        }
        self.shown.update(|s| {
            s.opening = true;
            s.error = None;
        });
        let this = self.clone();
        spawn_local(async move {
            let opened = rtc::open_local(kind).await;
            this.shown.update(|s| s.opening = false);
            match opened {
                Ok(stream) => {
                    if let Some(old) = this.state.borrow_mut().local.replace(stream) {
                        rtc::stop(&old);
                    }
                    this.bump();
                    (this.send)(CallAction::Start(kind));
                }
                Err(e) => this.shown.update(|s| s.error = Some(e.message())),
            }
        });
    }

    /// The microphone and camera on or off: the local tracks at once, and
    /// the visitor is told.
    pub fn set_media(&self, media: MediaState) {
        if let Some(peer) = &self.state.borrow().peer {
            peer.set_media(media);
        }
        (self.send)(CallAction::Media(media));
    }

    /// Forgets the message of a failure.
    pub fn clear_error(&self) {
        self.shown.update(|s| s.error = None);
    }

    /// After every change of `session`: performs the call's events, and
    /// lets go of a stream no call needs any more (a refused start).
    pub fn after_change(&self, session: &ArcRwSignal<Session>) {
        let events: Vec<CallEvent> = session
            .try_update_untracked(|s| {
                std::iter::from_fn(|| s.state_mut().call_mut().poll_event()).collect()
            })
            .unwrap_or_default();
        for event in events {
            self.perform(session, event);
        }
        let phase = session.with_untracked(|s| {
            let me = s.state().me().cloned();
            s.state().call().view(me.as_ref(), 0).phase
        });
        let idle = {
            let st = self.state.borrow();
            st.peer.is_none()
                && !st.pending
                && st.local.is_some()
                && !matches!(phase, Phase::Starting | Phase::Outgoing | Phase::Connected)
        };
        if idle && !self.shown.with_untracked(|s| s.opening) {
            self.release();
        }
    }

    fn perform(&self, session: &ArcRwSignal<Session>, event: CallEvent) {
        match event {
            CallEvent::Ring => {}
            CallEvent::HangUp => self.release(),
            CallEvent::MakeOffer => {
                let peer = self.state.borrow().peer.clone();
                match peer {
                    Some(peer) => peer.handle(CallEvent::MakeOffer),
                    None if self.state.borrow().pending => {}
                    None => self.connect(session),
                }
            }
            event => {
                if let Some(peer) = &self.state.borrow().peer {
                    peer.handle(event);
                }
            }
        }
    }

    /// Makes the peer connection and its offer: with the stream opened at
    /// "Start call", or a new one.
    fn connect(&self, session: &ArcRwSignal<Session>) {
        let Some((ice, kind, mine)) = session.with_untracked(|s| {
            let call = s.state().call();
            let me = s.state().me().cloned();
            let mine = call.view(me.as_ref(), 0).mine;
            Some((call.ice_servers()?.to_vec(), call.call()?.kind, mine))
        }) else {
            return;
        };
        self.state.borrow_mut().pending = true;
        let local = self.state.borrow().local.clone();
        let (this, session) = (self.clone(), session.clone());
        // Always later: a peer's first actions go through the session,
        // which is being changed now.
        spawn_local(async move {
            let local = match local {
                Some(local) => Ok(local),
                None => rtc::open_local(kind).await,
            };
            let made = local.and_then(|local| {
                this.state.borrow_mut().local = Some(local.clone());
                let send = this.send.clone();
                let to = Rc::downgrade(&this.state);
                let shown = this.shown.clone();
                Peer::new(
                    &ice,
                    &local,
                    move |action| send(action),
                    move |stream| heard(&to, &shown, stream),
                )
            });
            this.state.borrow_mut().pending = false;
            match made {
                Ok(peer) => {
                    let live = session
                        .try_update_untracked(|s| {
                            let call = s.state_mut().call_mut();
                            let live = call.ice_servers().is_some();
                            call.set_peer(live);
                            live
                        })
                        .unwrap_or(false);
                    if !live {
                        // The call ended while the media was opened.
                        peer.close();
                        this.release();
                        return;
                    }
                    if let Some(mine) = mine {
                        peer.set_media(mine);
                    }
                    this.state.borrow_mut().peer = Some(peer.clone());
                    this.bump();
                    peer.handle(CallEvent::MakeOffer);
                }
                Err(e) => {
                    this.release();
                    this.fail(e);
                }
            }
        });
    }

    fn fail(&self, e: MediaError) {
        self.shown.update(|s| s.error = Some(e.message()));
        (self.send)(CallAction::MediaDenied);
    }

    /// Closes the peer connection, stops the microphone and camera and
    /// silences the visitor. Idempotent.
    pub fn release(&self) {
        let old = std::mem::take(&mut *self.state.borrow_mut());
        let had = old.local.is_some() || old.peer.is_some() || old.remote.is_some();
        if let Some(peer) = old.peer {
            peer.close();
        }
        if let Some(local) = old.local {
            rtc::stop(&local);
        }
        if let Some(sound) = old.sound {
            let _ = sound.pause();
            sound.set_src_object(None);
        }
        if had {
            self.bump();
        }
    }

    fn bump(&self) {
        self.shown.update(|s| s.version += 1);
    }
}

/// The visitor's stream arrived: it plays, and the pane shows it.
fn heard(state: &Weak<RefCell<State>>, shown: &ArcRwSignal<Shown>, stream: MediaStream) {
    let Some(state) = state.upgrade() else { return };
    let mut st = state.borrow_mut();
    if st.peer.is_none() && !st.pending {
        return;
    }
    let sound = st.sound.get_or_insert_with(|| {
        let el: HtmlAudioElement = document()
            .create_element("audio")
            .expect("creating an <audio> element does not fail")
            .unchecked_into();
        el.set_autoplay(true);
        el
    });
    sound.set_src_object(Some(&stream));
    // `play()` is refused when a newer stream replaces this one (a rejoin)
    // or the browser holds sound back until a press; the element's
    // autoplay starts it then. Its promise is awaited so that a refusal is
    // not an unhandled rejection.
    if let Ok(playing) = sound.play() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(playing).await;
        });
    }
    st.remote = Some(stream);
    drop(st);
    shown.update(|s| s.version += 1);
}
