//! The conversation's call on screen: "Start call" in the header
//! ([`StartCall`], which offers "Audio call" and "Video call"), and the
//! call area under it ([`CallArea`]): "Calling Vera…" while it rings, the
//! visitor's video, the agent's own preview, a timer and the toggles once
//! connected, "Call in progress" for anyone not in the call (a supervisor),
//! and a short notice once it is over (the chat has the server's line).
//! The words are `crate::call`'s; the media is `crate::call_media`'s.

use crate::call::{self, Start};
use crate::call_media::CallMedia;
use crate::chats::{ChatView, Chats};
use chat_client::call::{CallAction, CallView, Phase};
use leptos::prelude::*;
use shared::call::{CallKind, MediaState};
use shared::frame::ConversationStatus;
use shared::ConversationId;

/// A conversation's call media, kept where views can reach it (it is not
/// `Send`).
type Media = StoredValue<Option<CallMedia>, LocalStorage>;

/// The call as this agent sees it (its timer aside).
fn call_view(chat: &ChatView) -> CallView {
    chat.with(|s| {
        let me = s.state().me().cloned();
        s.state().call().view(me.as_ref(), 0)
    })
}

/// "Start call", in the header of conversation `id`; `owned` is its status
/// while it is assigned to this agent.
#[component]
pub fn StartCall(
    id: ConversationId,
    chat: ChatView,
    owned: Signal<Option<ConversationStatus>>,
) -> impl IntoView {
    let chats = expect_context::<Chats>();
    let media = Media::new_local(chats.media(&id));
    let choosing = RwSignal::new(false);
    let phase = Memo::new({
        let chat = chat.clone();
        move |_| call_view(&chat).phase
    });
    let opening = move || media.with_value(|m| m.as_ref().is_some_and(|m| m.shown().opening));
    let state = Memo::new(move |_| call::start(owned.get(), &phase.get(), opening()));
    // Nothing left to choose once the call cannot start.
    Effect::new(move |_| {
        if state.get() != Start::Ready {
            choosing.set(false);
        }
    });
    let pick = move |kind: CallKind| {
        move |_| {
            choosing.set(false);
            media.with_value(|m| {
                if let Some(m) = m {
                    m.start(kind)
                }
            });
        }
    };
    let (audio, video) = (pick(CallKind::Audio), pick(CallKind::Video));
    move || match state.get() {
        Start::Hidden => None,
        Start::Disabled(why) => Some(
            view! {
                <button type="button" class="call-button" disabled title=why>"Start call"</button>
            }
            .into_any(),
        ),
        Start::Ready => Some(
            view! {
                <span class="call-start">
                    <button
                        type="button"
                        class="call-button"
                        aria-expanded=move || choosing.get().to_string()
                        on:click=move |_| choosing.update(|c| *c = !*c)
                    >
                        "Start call"
                    </button>
                    <Show when=move || choosing.get()>
                        <span class="call-choice" role="group" aria-label="Call type">
                            <button type="button" on:click=audio>"Audio call"</button>
                            <button type="button" on:click=video>"Video call"</button>
                        </span>
                    </Show>
                </span>
            }
            .into_any(),
        ),
    }
}

/// The call area of conversation `id`, under its header.
#[component]
pub fn CallArea(id: ConversationId, chat: ChatView) -> impl IntoView {
    let chats = expect_context::<Chats>();
    let media = Media::new_local(chats.media(&id));
    let view_of = Memo::new({
        let chat = chat.clone();
        move |_| call_view(&chat)
    });
    let refusal = {
        let chat = chat.clone();
        move || chat.with(|s| s.state().call().refusal().map(crate::notice::capitalized))
    };
    let error = move || media.with_value(|m| m.as_ref().and_then(|m| m.shown().error));
    let send = {
        let id = id.clone();
        move |action: CallAction| chats.call(&id, action)
    };
    // Redrawn when the phase changes; each phase follows the rest itself.
    let phase = Memo::new(move |_| view_of.with(|v| v.phase.clone()));
    let body = {
        let chat = chat.clone();
        move || match phase.get() {
            Phase::Idle | Phase::Incoming => None,
            Phase::Starting => Some(
                view! { <p class="call-line" role="status">"Starting the call…"</p> }.into_any(),
            ),
            Phase::Outgoing => {
                let name = move || {
                    view_of.with(|v| v.peer.as_ref().map(|p| p.name.clone()).unwrap_or_default())
                };
                let send = send.clone();
                Some(
                        view! {
                            <div class="call-line">
                                <p role="status">{move || call::ringing(&name())}</p>
                                <button type="button" class="danger" on:click=move |_| send(CallAction::End)>
                                    "End call"
                                </button>
                            </div>
                        }
                        .into_any(),
                    )
            }
            Phase::Connected => Some(
                view! { <Connected chat=chat.clone() media view=view_of send=send.clone()/> }
                    .into_any(),
            ),
            Phase::Watching => {
                let chat = chat.clone();
                let text = move || {
                    let v = view_of.get();
                    let status = chat.with(|s| s.state().call().call().map(|c| c.status));
                    let at = v.since.map(crate::format::clock);
                    call::watching(v.kind, status, at.as_deref())
                };
                Some(view! { <p class="call-line" role="status">{text}</p> }.into_any())
            }
            Phase::Ended(status) => {
                let send = send.clone();
                let v = view_of.get_untracked();
                Some(
                    view! {
                        <div class="call-line">
                            <p role="status">{call::ended(status, v.duration_ms)}</p>
                            <button type="button" class="link" on:click=move |_| {
                                send(CallAction::Dismiss);
                                media.with_value(|m| {
                                    if let Some(m) = m {
                                        m.clear_error()
                                    }
                                });
                            }>
                                "Dismiss"
                            </button>
                        </div>
                    }
                    .into_any(),
                )
            }
        }
    };
    view! {
        <div class="call-area">
            {move || refusal().map(|text| view! { <p class="notice" role="alert">{text}</p> })}
            {move || error().map(|text| view! { <p class="notice" role="alert">{text}</p> })}
            {body}
        </div>
    }
}

/// A connected call: the visitor's video (muted here: their sound plays
/// from `call_media`'s own element), the agent's preview, the timer, the
/// toggles and "End call".
#[component]
fn Connected(
    chat: ChatView,
    media: Media,
    view: Memo<CallView>,
    send: impl Fn(CallAction) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let kind = view.with_untracked(|v| v.kind);
    let video = kind == Some(CallKind::Video);
    let remote = NodeRef::<leptos::html::Video>::new();
    let preview = NodeRef::<leptos::html::Video>::new();
    Effect::new(move |_| {
        media.with_value(|media| {
            let Some(media) = media else { return };
            media.shown();
            if let Some(el) = remote.get() {
                el.set_src_object(media.remote().as_ref());
            }
            if let Some(el) = preview.get() {
                el.set_src_object(media.local().as_ref());
            }
        })
    });
    let now = RwSignal::new(crate::format::now() as i64);
    let tick = set_interval_with_handle(
        move || now.set(crate::format::now() as i64),
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(tick) = tick {
            tick.clear();
        }
    });
    let timer = move || {
        chat.with(|s| {
            s.state()
                .call()
                .call()
                .map(|c| call::timer(c.duration_ms(now.get())))
        })
    };
    // What this side sends, as the call's state last said.
    let mine = Memo::new(move |_| {
        view.with(|v| v.mine)
            .unwrap_or(MediaState::of(kind.unwrap_or(CallKind::Audio)))
    });
    let name = view.with_untracked(|v| v.peer.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let theirs = {
        let name = name.clone();
        move || view.with(|v| v.theirs.map(|t| call::their_media(&name, kind, t)))
    };
    let toggle = move |flip: fn(MediaState) -> MediaState| {
        move |_| {
            media.with_value(|m| {
                if let Some(m) = m {
                    m.set_media(flip(mine.get_untracked()))
                }
            })
        }
    };
    let mic = toggle(|m| MediaState {
        audio: !m.audio,
        ..m
    });
    let camera = toggle(|m| MediaState {
        video: !m.video,
        ..m
    });
    let kind = call::kind_word(kind);
    view! {
        <div class="call-connected">
            {video.then(|| view! {
                <div class="call-videos">
                    <video class="call-remote" node_ref=remote autoplay playsinline muted aria-label=format!("{name}'s video")></video>
                    <video class="call-preview" node_ref=preview autoplay playsinline muted aria-label="Your camera"></video>
                </div>
            })}
            <div class="call-line">
                <p role="status">
                    <span class="call-kind">{notice_case(kind)}</span>
                    " · "
                    <span class="call-timer" aria-label="Call length">{timer}</span>
                </p>
                <p class="muted call-theirs">{theirs}</p>
                <div class="call-controls" role="group" aria-label="Call controls">
                    <button type="button" on:click=mic>{move || call::mic_label(mine.get())}</button>
                    {video.then(|| view! {
                        <button type="button" on:click=camera>{move || call::camera_label(mine.get())}</button>
                    })}
                    <button type="button" class="danger" on:click=move |_| send(CallAction::End)>
                        "End call"
                    </button>
                </div>
            </div>
        </div>
    }
}

/// "Video call" from "video call".
fn notice_case(word: &str) -> String {
    crate::notice::capitalized(word)
}
