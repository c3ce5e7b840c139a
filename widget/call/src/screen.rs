//! The call's screen (see the crate's documentation): the invitation,
//! its ring, the call's area and the media.
//!
//! [`update`] runs after every change: a frame, a press, the media
//! layer's progress, the clock. It drains the call's events
//! (`chat_client::call::CallClient::poll_event`) and draws the call as
//! `CallClient::view` says it stands:
//!
//! - Incoming: "Anna is calling you" with "Audio call" or "Video call",
//!   "Accept" and "Decline", a tone every two seconds while the site
//!   allows sounds and the visitor did not mute them, and the widget told
//!   (`ringing`) so a closed chat's launcher still shows the call.
//!   "Accept" asks the browser for the microphone (and camera) first and
//!   accepts only once it has them; a refusal ends the call for both with
//!   `CallAction::MediaDenied` and the visitor reads why.
//! - Connected: the other side's video (or an audio element), the
//!   visitor's own small preview, the call's clock, "Mute microphone",
//!   "Turn camera off" (video calls) and "End call". The peer connection
//!   is `chat_client::rtc::Peer`: the offer and candidates go to it, its
//!   answer and candidates go back as frames like a press.
//! - Anything else: the area is gone, the peer closed and the tracks
//!   stopped (the server's system line says how the call ended).
//!
//! The chat around it keeps working: this only adds its own section
//! above the chat's log, and an alert under it when the media did not
//! start. No state of the screen is borrowed while the call's state is
//! handed an action (which redraws and calls [`update`] again).

use crate::dom::{add, attr, attrs, doc, el, set_text, show, target_in};
use crate::words::{self, NoMedia, Words};
use chat_client::call::{CallAction, CallEvent, CallView, Phase};
use chat_client::rtc::{self, MediaError, Peer};
use shared::call::{CallKind, IceServer, MediaState};
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, MediaStream};

/// How often the invitation rings, in ms.
const RING_EVERY_MS: i32 = 2_000;

/// The screen's elements and the media of the call on screen.
struct Screen {
    style: Element,
    root: Element,
    invite: Element,
    heading: Element,
    kind_line: Element,
    live: Element,
    remote_video: Element,
    remote_audio: Element,
    preview: Element,
    status: Element,
    clock: Element,
    mic: Element,
    camera: Element,
    /// Why the media did not start (an alert that stays after the call).
    note: Element,
    /// The call on screen.
    call_id: Option<String>,
    /// This side's microphone and camera, once the browser gave them.
    stream: Option<MediaStream>,
    /// The browser is being asked for them.
    asking: bool,
    peer: Option<Peer>,
    /// The other side's signalling that came before the peer connection.
    pending: Vec<CallEvent>,
    media: MediaState,
    ring: Option<i32>,
    tick: Option<i32>,
    /// What the widget was last told.
    ringing: bool,
    /// The remote media arrived.
    connected: bool,
    /// Rings once (every [`RING_EVERY_MS`] while invited).
    ringer: Closure<dyn FnMut(JsValue)>,
    /// Redraws the clock, every second of a call.
    ticker: Closure<dyn FnMut(JsValue)>,
    /// The presses on the call's buttons.
    _clicks: Closure<dyn FnMut(Event)>,
}

thread_local! {
    static SCREEN: RefCell<Option<Screen>> = const { RefCell::new(None) };
}

const STYLE: &str = ".call{margin:8px 12px 0;padding:10px;border-radius:12px;background:#111827;color:#fff}\
.call p{margin:0 0 6px}.call .who{font-weight:600}.call .kind,.call .state{font-size:13px;opacity:.8}\
.call .row{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin-top:8px}\
.call button{border:0;border-radius:16px;padding:6px 12px;font:inherit;font-size:14px;cursor:pointer;background:#374151;color:#fff}\
.call button:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}\
.call .ok{background:#16a34a}.call .no,.call .hang{background:#dc2626}\
.call .stage{position:relative}.call .remote{display:block;width:100%;max-height:180px;border-radius:8px;background:#000}\
.call .me{position:absolute;right:6px;bottom:6px;width:30%;border-radius:6px;border:2px solid #fff;background:#000}\
.call .clock{font-variant-numeric:tabular-nums;margin-inline-start:auto}";

fn button(parent: &Element, class: &str, what: &str, text: &str) -> Option<Element> {
    let b = add(parent, "button", class, text)?;
    attrs(&b, &[("type", "button"), ("data-call", what)]);
    Some(b)
}

fn media_el(parent: &Element, tag: &str, class: &str) -> Option<Element> {
    let m = add(parent, tag, class, "")?;
    attrs(&m, &[("autoplay", ""), ("playsinline", "")]);
    Some(m)
}

/// Builds the call's area at the top of `body`.
fn build(body: &Element, w: &Words) -> Option<Screen> {
    let d = doc()?;
    let style = el(&d, "style", "")?;
    style.set_text_content(Some(STYLE));
    d.head()?.append_child(&style).ok()?;
    let root = el(&d, "section", "call")?;
    attr(&root, "aria-label", w.call);
    show(&root, false);
    body.insert_before(&root, body.first_child().as_ref())
        .ok()?;
    let note = el(&d, "p", "call-note")?;
    attr(&note, "role", "alert");
    show(&note, false);
    body.insert_before(&note, root.next_sibling().as_ref())
        .ok()?;

    let invite = add(&root, "div", "invite", "")?;
    attr(&invite, "role", "alert");
    let heading = add(&invite, "p", "who", "")?;
    let kind_line = add(&invite, "p", "kind", "")?;
    let row = add(&invite, "div", "row", "")?;
    button(&row, "ok", "accept", w.accept)?;
    button(&row, "no", "decline", w.decline)?;

    let live = add(&root, "div", "live", "")?;
    let stage = add(&live, "div", "stage", "")?;
    let remote_video = media_el(&stage, "video", "remote")?;
    let remote_audio = media_el(&stage, "audio", "")?;
    let preview = media_el(&stage, "video", "me")?;
    attrs(&preview, &[("muted", ""), ("aria-label", w.you)]);
    // The attribute alone does not mute a stream set afterwards.
    let _ = js_sys::Reflect::set(&preview, &"muted".into(), &JsValue::TRUE);
    show(&preview, false);
    let row = add(&live, "div", "row", "")?;
    let status = add(&row, "span", "state", w.connecting)?;
    attr(&status, "role", "status");
    let mic = button(&row, "", "mic", "")?;
    let camera = button(&row, "", "camera", "")?;
    button(&row, "hang", "end", w.end_call)?;
    let clock = add(&row, "span", "clock", "0:00")?;
    attr(&clock, "aria-hidden", "true");

    let ringer: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| crate::sound::tone());
    let ticker: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| update());
    let clicks: Closure<dyn FnMut(Event)> = Closure::new(clicked);
    root.add_event_listener_with_callback("click", clicks.as_ref().unchecked_ref())
        .ok()?;
    Some(Screen {
        style,
        root,
        invite,
        heading,
        kind_line,
        live,
        remote_video,
        remote_audio,
        preview,
        status,
        clock,
        mic,
        camera,
        note,
        call_id: None,
        stream: None,
        asking: false,
        peer: None,
        pending: Vec::new(),
        media: MediaState {
            audio: true,
            video: false,
        },
        ring: None,
        tick: None,
        ringing: false,
        connected: false,
        ringer,
        ticker,
        _clicks: clicks,
    })
}

/// What the call's state says, read in one borrow.
struct Now {
    view: CallView,
    call_id: Option<String>,
    ice: Vec<IceServer>,
    events: Vec<CallEvent>,
    words: &'static Words,
    sound: bool,
    body: Element,
}

fn read() -> Option<Now> {
    crate::with(|s| {
        let mut events = Vec::new();
        while let Some(event) = s.client.poll_event() {
            events.push(event);
        }
        let call = &s.client;
        Now {
            view: call.view(s.me.as_ref(), js_sys::Date::now() as i64),
            call_id: call.call().map(|c| c.id.clone()),
            ice: call.ice_servers().map(<[_]>::to_vec).unwrap_or_default(),
            events,
            words: words::words(s.lang),
            sound: s.sound,
            body: s.container.clone(),
        }
    })
}

/// What [`update`] does once the screen's state is no longer borrowed.
enum After {
    Nothing,
    /// Back in a connected call after a reload: ask for the media again.
    Open(CallKind),
    /// The peer connection could not be made.
    Failed,
}

/// Follows a change: performs the call's events and redraws the call.
pub fn update() {
    let Some(n) = read() else { return };
    let mut to_peer = Vec::new();
    let mut tell_launcher = None;
    let mut after = After::Nothing;
    let mut peer_made = false;
    SCREEN.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = build(&n.body, n.words);
        }
        let Some(s) = cell.as_mut() else { return };
        let phase = n.view.phase.clone();
        let live = matches!(phase, Phase::Incoming | Phase::Connected);
        // Another call than the one on screen, or none: start clean.
        let current = n.call_id.clone().filter(|_| live);
        if s.call_id != current {
            hang_up(s);
            if current.is_some() {
                // A note about an earlier call goes with it.
                note(s, None);
            }
            s.call_id = current;
        }
        for event in n.events {
            match event {
                CallEvent::Offer(_) | CallEvent::Candidate(_) if live => match &s.peer {
                    Some(peer) => to_peer.push((peer.clone(), event)),
                    None => s.pending.push(event),
                },
                CallEvent::HangUp => hang_up(s),
                _ => {}
            }
        }
        let kind = n.view.kind.unwrap_or(CallKind::Audio);
        let incoming = phase == Phase::Incoming;
        let connected = phase == Phase::Connected;
        show(&s.root, live);
        show(&s.invite, incoming);
        show(&s.live, connected);
        let answering = s.asking || s.stream.is_some();
        if incoming {
            let agent = n.view.peer.as_ref().map_or("", |p| p.name.as_str());
            set_text(&s.heading, &words::calling(n.words, agent));
            set_text(&s.kind_line, words::kind(n.words, kind));
            if n.sound && !answering && s.ring.is_none() {
                crate::sound::tone();
                s.ring = every(&s.ringer, RING_EVERY_MS);
            }
        }
        if !incoming || !n.sound || answering {
            stop(&mut s.ring);
        }
        if incoming != s.ringing {
            s.ringing = incoming;
            tell_launcher = Some(incoming);
        }
        if connected {
            if s.stream.is_none() && !s.asking {
                s.asking = true;
                after = After::Open(kind);
            }
            if let (Some(stream), None) = (&s.stream, &s.peer) {
                let remote = if kind == CallKind::Video {
                    s.remote_video.clone()
                } else {
                    s.remote_audio.clone()
                };
                match Peer::new(&n.ice, stream, crate::act, move |stream| {
                    set_stream(&remote, Some(&stream));
                    SCREEN.with(|c| {
                        if let Some(s) = c.borrow_mut().as_mut() {
                            s.connected = true;
                        }
                    });
                    update();
                }) {
                    Ok(peer) => {
                        peer.set_media(s.media);
                        for event in s.pending.drain(..) {
                            to_peer.push((peer.clone(), event));
                        }
                        s.peer = Some(peer);
                        peer_made = true;
                    }
                    Err(_) => after = After::Failed,
                }
            }
            show(&s.remote_video, kind == CallKind::Video);
            let (mic, camera) = words::controls(n.words, kind, s.media);
            set_text(&s.mic, mic);
            show(&s.camera, camera.is_some());
            set_text(&s.camera, camera.unwrap_or(""));
            set_text(&s.status, if s.connected { "" } else { n.words.connecting });
            set_text(&s.clock, &words::clock(n.view.duration_ms));
            if s.tick.is_none() {
                s.tick = every(&s.ticker, 1_000);
            }
        } else {
            stop(&mut s.tick);
        }
    });
    if let Some(ringing) = tell_launcher {
        crate::tell_ringing(ringing);
    }
    if peer_made {
        crate::with(|s| s.client.set_peer(true));
    }
    for (peer, event) in to_peer {
        peer.handle(event);
    }
    match after {
        After::Open(kind) => open(kind, false),
        After::Failed => refused(NoMedia::Failed),
        After::Nothing => {}
    }
}

/// Takes the call's area away for good (the visitor left the
/// conversation): the peer closes, the tracks stop, the ring and the
/// clock stop, and the widget hears that nothing rings.
pub fn close() {
    let Some(mut s) = SCREEN.with(|c| c.borrow_mut().take()) else {
        return;
    };
    hang_up(&mut s);
    stop(&mut s.ring);
    stop(&mut s.tick);
    for el in [&s.root, &s.note, &s.style] {
        el.remove();
    }
    if s.ringing {
        crate::tell_ringing(false);
    }
}

/// Closes the peer connection, stops this side's tracks and forgets the
/// call's media.
fn hang_up(s: &mut Screen) {
    if s.peer.is_none() && s.stream.is_none() && !s.asking {
        return;
    }
    if let Some(peer) = s.peer.take() {
        peer.close();
    }
    if let Some(stream) = s.stream.take() {
        rtc::stop(&stream);
    }
    s.pending.clear();
    s.asking = false;
    s.connected = false;
    for m in [&s.remote_video, &s.remote_audio, &s.preview] {
        set_stream(m, None);
    }
}

/// Shows (or takes away) why the media did not start.
fn note(s: &Screen, text: Option<&str>) {
    set_text(&s.note, text.unwrap_or(""));
    show(&s.note, text.is_some());
}

fn set_stream(el: &Element, stream: Option<&MediaStream>) {
    let value = stream.map_or(JsValue::NULL, |s| s.into());
    let _ = js_sys::Reflect::set(el, &"srcObject".into(), &value);
}

/// Calls `handler` every `ms`.
fn every(handler: &Closure<dyn FnMut(JsValue)>, ms: i32) -> Option<i32> {
    web_sys::window()?
        .set_interval_with_callback_and_timeout_and_arguments_0(
            handler.as_ref().unchecked_ref(),
            ms,
        )
        .ok()
}

fn stop(timer: &mut Option<i32>) {
    if let (Some(id), Some(w)) = (timer.take(), web_sys::window()) {
        w.clear_interval_with_handle(id);
    }
}

/// Asks the browser for the microphone (and camera); `accept`: the
/// visitor pressed "Accept", which is sent once the media is there.
fn open(kind: CallKind, accept: bool) {
    let call_id = SCREEN.with(|c| c.borrow().as_ref().and_then(|s| s.call_id.clone()));
    wasm_bindgen_futures::spawn_local(async move {
        let result = rtc::open_local(kind).await;
        let still = SCREEN.with(|c| {
            c.borrow()
                .as_ref()
                .is_some_and(|s| s.call_id == call_id && s.call_id.is_some())
        });
        match result {
            Ok(stream) if still => {
                SCREEN.with(|c| {
                    if let Some(s) = c.borrow_mut().as_mut() {
                        s.asking = false;
                        s.media = MediaState::of(kind);
                        set_stream(&s.preview, Some(&stream));
                        show(&s.preview, kind == CallKind::Video);
                        s.stream = Some(stream);
                    }
                });
                if accept {
                    crate::act(CallAction::Accept);
                } else {
                    update();
                }
            }
            // The call went meanwhile: the tracks are not needed.
            Ok(stream) => rtc::stop(&stream),
            Err(_) if !still => {}
            Err(e) => refused(match e {
                MediaError::Denied => NoMedia::Denied,
                MediaError::NoDevice => NoMedia::NoDevice,
                MediaError::Failed(why) => {
                    web_sys::console::warn_1(&JsValue::from_str(&why));
                    NoMedia::Failed
                }
            }),
        }
    });
}

/// This side has no media: the visitor reads why, and the call ends for
/// both with the reason.
fn refused(why: NoMedia) {
    let lang = crate::with(|s| s.lang);
    SCREEN.with(|c| {
        if let Some(s) = c.borrow_mut().as_mut() {
            s.asking = false;
            if let Some(lang) = lang {
                note(s, Some(words::no_media(words::words(lang), why)));
            }
        }
    });
    crate::act(CallAction::MediaDenied);
}

/// A press on one of the call's buttons.
fn clicked(e: Event) {
    let Some(b) = target_in(&e, "[data-call]") else {
        return;
    };
    let what = b.get_attribute("data-call").unwrap_or_default();
    let kind = crate::with(|s| s.client.call().map(|c| c.kind)).flatten();
    let mut ask = false;
    let action = SCREEN.with(|c| {
        let mut c = c.borrow_mut();
        let s = c.as_mut()?;
        match what.as_str() {
            "accept" => {
                note(s, None);
                if s.stream.is_none() && !s.asking {
                    s.asking = true;
                    stop(&mut s.ring);
                    ask = true;
                }
                None
            }
            "decline" => Some(CallAction::Decline),
            "end" => Some(CallAction::End),
            "mic" | "camera" => {
                if what == "mic" {
                    s.media.audio = !s.media.audio;
                } else {
                    s.media.video = !s.media.video;
                }
                if let Some(peer) = &s.peer {
                    peer.set_media(s.media);
                }
                Some(CallAction::Media(s.media))
            }
            _ => None,
        }
    });
    if ask {
        open(kind.unwrap_or(CallKind::Audio), true);
        return;
    }
    match action {
        Some(action) => crate::act(action),
        None => update(),
    }
}
