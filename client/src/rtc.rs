//! The media of a call (feature `web`): the browser's microphone and
//! camera, and the peer connection that carries them to the other side.
//! Both apps drive it with what [`crate::call::CallClient`] decides: they
//! hand it every [`CallEvent`], and it hands back the offers, answers and
//! candidates to send as [`CallAction`]s, which go through the session like
//! a press. It keeps no rule of its own.
//!
//! Events are performed one after another, in the order they came: an
//! offer's remote description is set before the candidates that follow it
//! are added, and candidates that come before any remote description wait
//! for it.

use crate::call::{CallAction, CallEvent};
use shared::call::{CallKind, IceCandidate, IceServer, MediaState};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MediaStream, MediaStreamConstraints, MediaStreamTrack, RtcConfiguration, RtcIceCandidateInit,
    RtcIceServer, RtcOfferOptions, RtcPeerConnection, RtcPeerConnectionIceEvent, RtcSdpType,
    RtcSessionDescriptionInit, RtcTrackEvent,
};

/// Why this side has no media.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaError {
    /// The person or the browser refused the microphone or camera.
    Denied,
    /// There is no microphone or camera (or none that fits).
    NoDevice,
    /// Anything else the browser said (its error's name and message).
    Failed(String),
}

impl MediaError {
    /// What to tell the person, in English (the widget has its own words).
    pub fn message(&self) -> String {
        match self {
            MediaError::Denied => "Your browser did not allow the microphone or camera. \
                Allow them for this site to take part in calls; the chat goes on."
                .into(),
            MediaError::NoDevice => {
                "No microphone or camera was found for the call; the chat goes on.".into()
            }
            MediaError::Failed(why) => {
                format!("The call's media could not start ({why}); the chat goes on.")
            }
        }
    }

    fn of(error: &JsValue) -> Self {
        let field = |key: &str| {
            js_sys::Reflect::get(error, &JsValue::from_str(key))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        };
        match field("name").as_str() {
            "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => MediaError::Denied,
            "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => {
                MediaError::NoDevice
            }
            name => MediaError::Failed(format!("{name}: {}", field("message"))),
        }
    }
}

/// Asks the browser for the microphone, and the camera for a video call.
pub async fn open_local(kind: CallKind) -> Result<MediaStream, MediaError> {
    let devices = web_sys::window()
        .ok_or(MediaError::NoDevice)?
        .navigator()
        .media_devices()
        .map_err(|_| MediaError::NoDevice)?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::TRUE);
    constraints.set_video(&JsValue::from_bool(kind == CallKind::Video));
    let asked = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| MediaError::of(&e))?;
    let stream = JsFuture::from(asked)
        .await
        .map_err(|e| MediaError::of(&e))?;
    Ok(stream.unchecked_into())
}

/// Stops every track of a stream (the camera's light goes off).
pub fn stop(stream: &MediaStream) {
    for track in tracks(stream) {
        track.stop();
    }
}

fn tracks(stream: &MediaStream) -> impl Iterator<Item = MediaStreamTrack> {
    stream
        .get_tracks()
        .into_iter()
        .filter_map(|t| t.dyn_into::<MediaStreamTrack>().ok())
}

/// One call's peer connection. Cheap to clone: clones are the same
/// connection.
#[derive(Clone)]
pub struct Peer {
    inner: Rc<Inner>,
}

struct Inner {
    pc: RtcPeerConnection,
    local: MediaStream,
    send: Rc<dyn Fn(CallAction)>,
    queue: RefCell<VecDeque<CallEvent>>,
    /// Candidates that came before any remote description.
    early: RefCell<Vec<IceCandidate>>,
    busy: Cell<bool>,
    closed: Cell<bool>,
    _on_candidate: Closure<dyn FnMut(RtcPeerConnectionIceEvent)>,
    _on_track: Closure<dyn FnMut(RtcTrackEvent)>,
}

impl Peer {
    /// A peer connection with the call's ICE servers, sending `local`'s
    /// tracks. `send` gets the offer, answer and candidates to send;
    /// `remote` gets the other side's stream when its media arrives.
    pub fn new(
        ice: &[IceServer],
        local: &MediaStream,
        send: impl Fn(CallAction) + 'static,
        remote: impl Fn(MediaStream) + 'static,
    ) -> Result<Peer, MediaError> {
        let config = RtcConfiguration::new();
        let servers = js_sys::Array::new();
        for server in ice {
            let entry = RtcIceServer::new();
            let urls: js_sys::Array = server.urls.iter().map(|u| JsValue::from_str(u)).collect();
            entry.set_urls(&urls);
            if let Some(user) = &server.username {
                entry.set_username(user);
            }
            if let Some(credential) = &server.credential {
                entry.set_credential(credential);
            }
            servers.push(&entry);
        }
        config.set_ice_servers(&servers);
        let pc =
            RtcPeerConnection::new_with_configuration(&config).map_err(|e| MediaError::of(&e))?;
        for track in tracks(local) {
            pc.add_track_0(&track, local);
        }
        let send: Rc<dyn Fn(CallAction)> = Rc::new(send);
        let to_send = send.clone();
        let on_candidate = Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new(
            move |event: RtcPeerConnectionIceEvent| {
                // The last event has no candidate (or an empty one): the
                // gathering is complete, which the other side need not hear.
                if let Some(c) = event.candidate().filter(|c| !c.candidate().is_empty()) {
                    to_send(CallAction::Candidate(IceCandidate {
                        candidate: c.candidate(),
                        sdp_mid: c.sdp_mid(),
                        sdp_m_line_index: c.sdp_m_line_index(),
                    }));
                }
            },
        );
        pc.set_onicecandidate(Some(on_candidate.as_ref().unchecked_ref()));
        let on_track = Closure::<dyn FnMut(RtcTrackEvent)>::new(move |event: RtcTrackEvent| {
            let stream = event
                .streams()
                .get(0)
                .dyn_into::<MediaStream>()
                .ok()
                .or_else(|| {
                    let stream = MediaStream::new().ok()?;
                    stream.add_track(&event.track());
                    Some(stream)
                });
            if let Some(stream) = stream {
                remote(stream);
            }
        });
        pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
        Ok(Peer {
            inner: Rc::new(Inner {
                pc,
                // The same stream: `MediaStream` has an inherent `clone`
                // (the browser's `MediaStream.clone()`, a new stream of
                // new tracks), which `local.clone()` would call.
                local: Clone::clone(local),
                send,
                queue: RefCell::new(VecDeque::new()),
                early: RefCell::new(Vec::new()),
                busy: Cell::new(false),
                closed: Cell::new(false),
                _on_candidate: on_candidate,
                _on_track: on_track,
            }),
        })
    }

    /// This side's stream (for its own preview).
    pub fn local(&self) -> &MediaStream {
        &self.inner.local
    }

    /// Performs a call event: makes an offer, applies an offer (and
    /// answers it), applies an answer, adds a candidate; `HangUp` closes.
    /// `Ring` is the app's to play.
    pub fn handle(&self, event: CallEvent) {
        match event {
            CallEvent::Ring => {}
            CallEvent::HangUp => self.close(),
            event if !self.inner.closed.get() => {
                self.inner.queue.borrow_mut().push_back(event);
                if !self.inner.busy.replace(true) {
                    let inner = self.inner.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        loop {
                            let next = inner.queue.borrow_mut().pop_front();
                            let Some(event) = next else { break };
                            if inner.closed.get() {
                                break;
                            }
                            if let Err(error) = inner.perform(event).await {
                                web_sys::console::warn_1(&error);
                            }
                        }
                        inner.busy.set(false);
                    });
                }
            }
            _ => {}
        }
    }

    /// Microphone and camera on or off (the local tracks' `enabled`).
    pub fn set_media(&self, media: MediaState) {
        for track in tracks(&self.inner.local) {
            track.set_enabled(if track.kind() == "video" {
                media.video
            } else {
                media.audio
            });
        }
    }

    /// Closes the connection and stops the local tracks. Idempotent.
    pub fn close(&self) {
        if self.inner.closed.replace(true) {
            return;
        }
        self.inner.queue.borrow_mut().clear();
        self.inner.pc.set_onicecandidate(None);
        self.inner.pc.set_ontrack(None);
        self.inner.pc.close();
        stop(&self.inner.local);
    }

    /// Whether [`Peer::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get()
    }
}

impl Inner {
    async fn perform(&self, event: CallEvent) -> Result<(), JsValue> {
        match event {
            CallEvent::MakeOffer => {
                let options = RtcOfferOptions::new();
                // A second offer on the same connection (the other side came
                // back on a new socket) restarts ICE.
                options.set_ice_restart(self.pc.remote_description().is_some());
                let offer =
                    JsFuture::from(self.pc.create_offer_with_rtc_offer_options(&options)).await?;
                let sdp = self.set_local(offer).await?;
                (self.send)(CallAction::Offer(sdp));
            }
            CallEvent::Offer(sdp) => {
                self.set_remote(RtcSdpType::Offer, &sdp).await?;
                let answer = JsFuture::from(self.pc.create_answer()).await?;
                let sdp = self.set_local(answer).await?;
                (self.send)(CallAction::Answer(sdp));
            }
            CallEvent::Answer(sdp) => self.set_remote(RtcSdpType::Answer, &sdp).await?,
            CallEvent::Candidate(candidate) => {
                if self.pc.remote_description().is_some() {
                    self.add(&candidate).await?;
                } else {
                    self.early.borrow_mut().push(candidate);
                }
            }
            CallEvent::Ring | CallEvent::HangUp => {}
        }
        Ok(())
    }

    /// Sets a description the browser made as the local one; its SDP.
    async fn set_local(&self, made: JsValue) -> Result<String, JsValue> {
        let description: RtcSessionDescriptionInit = made.unchecked_into();
        JsFuture::from(self.pc.set_local_description(&description)).await?;
        let sdp = js_sys::Reflect::get(&description, &JsValue::from_str("sdp"))?;
        Ok(sdp.as_string().unwrap_or_default())
    }

    async fn set_remote(&self, kind: RtcSdpType, sdp: &str) -> Result<(), JsValue> {
        let description = RtcSessionDescriptionInit::new(kind);
        description.set_sdp(sdp);
        JsFuture::from(self.pc.set_remote_description(&description)).await?;
        let early = std::mem::take(&mut *self.early.borrow_mut());
        for candidate in early {
            self.add(&candidate).await?;
        }
        Ok(())
    }

    async fn add(&self, candidate: &IceCandidate) -> Result<(), JsValue> {
        let init = RtcIceCandidateInit::new(&candidate.candidate);
        init.set_sdp_mid(candidate.sdp_mid.as_deref());
        init.set_sdp_m_line_index(candidate.sdp_m_line_index);
        JsFuture::from(
            self.pc
                .add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init)),
        )
        .await?;
        Ok(())
    }
}
