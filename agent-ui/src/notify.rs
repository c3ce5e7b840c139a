//! Performs the alerts the desk decides in [`crate::alerts`]: a short tone
//! made with WebAudio (no sound file to load), and a browser notification
//! that focuses the window and opens the chat when clicked. [`Notifier`]
//! also holds the agent's "Mute notifications" choice, kept in this
//! browser's localStorage under the agent's id, and asks the browser's
//! permission to notify when the agent asks for it (browsers only ask on a
//! click). [`watch`] feeds the decisions from the desk's signals.

use crate::alerts::{Alert, Alerts, Screen};
use crate::chats::Chats;
use crate::feed::Feed;
use chat_client::link::Link;
use leptos::prelude::*;
use shared::{AgentId, ConversationId};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AudioContext, AudioContextState, Notification, NotificationOptions, OscillatorType};

/// Where the browser is with letting this page notify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// This browser has no notifications.
    Unsupported,
    /// Not asked yet: "Enable notifications" asks.
    Ask,
    /// Allowed.
    Granted,
    /// Refused; only the browser's settings can change it.
    Denied,
}

/// The alerts' performer and the agent's choices about them. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Notifier {
    muted: RwSignal<bool>,
    permission: RwSignal<Permission>,
    key: StoredValue<String>,
    audio: StoredValue<Option<AudioContext>, LocalStorage>,
}

impl Notifier {
    /// The notifier of agent `agent`, with their stored mute choice.
    pub fn new(agent: &AgentId) -> Self {
        let key = format!("livechat:mute:{}", agent.0);
        let muted = storage()
            .and_then(|s| s.get_item(&key).ok().flatten())
            .is_some_and(|v| v == "1");
        Notifier {
            muted: RwSignal::new(muted),
            permission: RwSignal::new(permission()),
            key: StoredValue::new(key),
            audio: StoredValue::new_local(None),
        }
    }

    /// True when "Mute notifications" is on. Subscribes the caller.
    pub fn muted(&self) -> bool {
        self.muted.get()
    }

    /// Turns "Mute notifications" on or off, and remembers it here.
    pub fn set_muted(&self, muted: bool) {
        self.muted.set(muted);
        if let Some(s) = storage() {
            let key = self.key.get_value();
            // Private modes may refuse storage; the choice holds until reload.
            let _ = if muted {
                s.set_item(&key, "1")
            } else {
                s.remove_item(&key)
            };
        }
        if !muted {
            self.wake_audio();
        }
    }

    /// Where the browser's permission is. Subscribes the caller.
    pub fn permission(&self) -> Permission {
        self.permission.get()
    }

    /// Asks the browser's permission to notify ("Enable notifications");
    /// call it from a click. The click also lets the tone play.
    pub fn ask(&self) {
        self.wake_audio();
        if permission() != Permission::Ask {
            self.permission.set(permission());
            return;
        }
        let Ok(asked) = Notification::request_permission() else {
            return;
        };
        let state = self.permission;
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(asked).await;
            state.try_set(permission());
        });
    }

    /// Plays the tone once and shows one notification per alert; a click on
    /// one focuses the window and opens its chat in `open`.
    pub fn perform(&self, alerts: Vec<Alert>, open: RwSignal<Option<ConversationId>>) {
        if alerts.is_empty() || self.muted.get_untracked() {
            return;
        }
        self.chime();
        if permission() != Permission::Granted {
            return;
        }
        for alert in alerts {
            show(alert, open);
        }
    }

    /// Makes (or resumes) the audio context; browsers let it sound only
    /// after the person interacted with the page.
    fn wake_audio(&self) {
        self.audio.update_value(|audio| {
            if audio.is_none() {
                *audio = AudioContext::new().ok();
            }
            if let Some(ctx) = audio {
                if ctx.state() == AudioContextState::Suspended {
                    let _ = ctx.resume();
                }
            }
        });
    }

    /// Two short rising notes.
    fn chime(&self) {
        self.wake_audio();
        self.audio.with_value(|audio| {
            if let Some(ctx) = audio {
                let _ = tone(ctx);
            }
        });
    }
}

fn tone(ctx: &AudioContext) -> Result<(), JsValue> {
    let start = ctx.current_time();
    for (i, frequency) in [660.0, 880.0].into_iter().enumerate() {
        let at = start + 0.13 * i as f64;
        let osc = ctx.create_oscillator()?;
        osc.set_type(OscillatorType::Sine);
        osc.frequency().set_value(frequency);
        let gain = ctx.create_gain()?;
        let volume = gain.gain();
        volume.set_value_at_time(0.0001, at)?;
        volume.exponential_ramp_to_value_at_time(0.2, at + 0.02)?;
        volume.exponential_ramp_to_value_at_time(0.0001, at + 0.25)?;
        osc.connect_with_audio_node(&gain)?;
        gain.connect_with_audio_node(&ctx.destination())?;
        osc.start_with_when(at)?;
        osc.stop_with_when(at + 0.3)?;
    }
    Ok(())
}

/// Shows one notification; one per chat at a time (a newer one replaces it).
fn show(alert: Alert, open: RwSignal<Option<ConversationId>>) {
    let options = NotificationOptions::new();
    options.set_body(&alert.body);
    options.set_tag(&format!("livechat:{}", alert.conversation));
    let Ok(notification) = Notification::new_with_options(&alert.title, &options) else {
        return;
    };
    let id = alert.conversation;
    let on_click = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if let Some(w) = web_sys::window() {
            let _ = w.focus();
        }
        open.try_set(Some(id.clone()));
        if let Some(n) = ev.target().and_then(|t| t.dyn_into::<Notification>().ok()) {
            n.close();
        }
    });
    // The browser keeps the function as long as the notification.
    notification.set_onclick(Some(on_click.into_js_value().unchecked_ref()));
}

/// The browser's permission now.
fn permission() -> Permission {
    let supported = web_sys::window().is_some_and(|w| {
        js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false)
    });
    if !supported {
        return Permission::Unsupported;
    }
    match Notification::permission() {
        web_sys::NotificationPermission::Granted => Permission::Granted,
        web_sys::NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Runs the alerts of the desk: feeds [`Alerts`] the inbox's lists, each
/// open chat's state and what is on screen, and performs what it decides.
/// Returns the count of new queued chats not opened yet, for the title.
pub fn watch(
    feed: RwSignal<Feed>,
    chats: Chats,
    open: RwSignal<Option<ConversationId>>,
    visible: ReadSignal<bool>,
    notifier: Notifier,
) -> Signal<usize> {
    let alerts = StoredValue::new(Alerts::new());
    let unseen = RwSignal::new(0usize);
    // What is on screen is read when something arrives, not watched: only
    // arrivals alert.
    let decide = move |f: &dyn Fn(&mut Alerts, Screen<'_>) -> Vec<Alert>| {
        let here = open.get_untracked();
        let screen = Screen {
            open: here.as_ref(),
            visible: visible.get_untracked(),
            muted: notifier.muted.get_untracked(),
        };
        let decided = alerts.try_update_value(|a| (f(a, screen), a.unseen()));
        if let Some((list, count)) = decided {
            if unseen.get_untracked() != count {
                unseen.set(count);
            }
            notifier.perform(list, open);
        }
    };
    Effect::new(move |_| {
        let (ready, queued, offers) = feed.with(|f| {
            (
                f.link() == Link::Open,
                f.inbox().queued(),
                f.offers().list().to_vec(),
            )
        });
        decide(&|a, screen| a.lists(ready, &queued, &offers, screen));
    });
    Effect::new(move |_| {
        for id in chats.ids() {
            chats.with_session(&id, |s| {
                decide(&|a, screen| a.messages(&id, s.caught_up(), s.state(), screen))
            });
        }
    });
    Effect::new(move |_| {
        if let Some(id) = open.get() {
            decide(&|a, _| {
                a.opened(&id);
                Vec::new()
            });
        }
    });
    unseen.into()
}
