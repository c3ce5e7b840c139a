//! The reply box: Enter sends, Shift+Enter starts a new line. Keystrokes of
//! a reply tell the visitor the agent is typing (paced by its session,
//! through [`Chats::typed`]); a note or a whisper never does.
//!
//! What the box writes is chosen with "Reply", "Note" (an internal note the
//! visitor never receives) and, for a supervisor, "Whisper" (a note to the
//! agent working the chat). A draft starting with `/` is a command
//! (`/invite @username`); the known commands, then the usernames, are
//! offered above the box while it is typed, chosen with the arrow keys and
//! Enter or Tab. Typing `!` offers the canned responses the same way, and a
//! whole `!shortcut` followed by a space expands; the "Canned responses"
//! panel's "Use" puts one in the box through `insert`. "Emoji" opens the
//! emoji picker ([`EmojiPicker`]).

use crate::api;
use crate::app::SignOut;
use crate::canned::{self, CannedList};
use crate::chats::Chats;
use crate::components::attach_button::AttachButton;
use crate::components::emoji_picker::EmojiPicker;
use crate::notice::Notices;
use crate::session::Session;
use crate::slash::{self, Command, Suggestion};
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::frame::SendKind;
use shared::{ConversationId, MAX_TEXT_CHARS};

/// What the box may write in this conversation, in the order offered; the
/// first is chosen at first.
pub type Modes = Vec<SendKind>;

fn mode_name(kind: SendKind) -> &'static str {
    match kind {
        SendKind::Text => "Reply",
        SendKind::Note => "Note",
        SendKind::Whisper => "Whisper",
    }
}

fn placeholder(kind: SendKind) -> &'static str {
    match kind {
        SendKind::Text => "Write a reply… (/ for commands)",
        SendKind::Note => "Write an internal note: the visitor never sees it",
        SendKind::Whisper => "Whisper to the agent: the visitor never sees it",
    }
}

/// The reply box of conversation `id`.
#[component]
pub fn Composer(
    id: ConversationId,
    #[prop(into)] modes: Signal<Modes>,
    /// Text to put in the box (a canned response chosen in the panel).
    insert: RwSignal<Option<String>>,
) -> impl IntoView {
    let chats = expect_context::<Chats>();
    let canned_list = expect_context::<CannedList>();
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let session = expect_context::<Session>();
    let notices = expect_context::<Notices>();
    let sign_out = expect_context::<SignOut>();
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(None::<SendKind>);
    // The chosen mode while it is offered; else the first one offered.
    let mode = Memo::new(move |_| {
        let offered = modes.get();
        chosen
            .get()
            .filter(|k| offered.contains(k))
            .or_else(|| offered.first().copied())
            .unwrap_or_default()
    });
    // `(username, name)` of the workspace's people, loaded the first time
    // a command needs them.
    let people = RwSignal::new(None::<Vec<(String, String)>>);
    let highlighted = RwSignal::new(0usize);
    let me = session.agent.username.clone();
    let suggestions = Memo::new(move |_| {
        let draft = draft.get();
        if draft.starts_with('/') {
            people.with(|p| slash::suggestions(&draft, p.as_deref().unwrap_or_default(), &me))
        } else {
            canned_list
                .list
                .with(|list| canned::suggestions(&draft, list))
        }
    });
    // A response chosen in the panel replaces a `!word` being typed, or
    // joins what is there.
    Effect::new(move |_| {
        if let Some(text) = insert.get() {
            insert.set(None);
            let current = draft.get_untracked();
            let next = match canned::trailing_shortcut(&current) {
                Some((start, _)) => format!("{}{text}", &current[..start]),
                None if current.trim().is_empty() => text,
                None => format!("{} {text}", current.trim_end()),
            };
            draft.set(next);
            if let Some(t) = textarea.get_untracked() {
                let _ = t.focus();
            }
        }
    });
    let token = session.token.clone();
    Effect::new({
        let token = token.clone();
        move |_| {
            let wants = draft.with(|d| d.starts_with("/invite"));
            if wants && people.with_untracked(Option::is_none) {
                people.set(Some(Vec::new()));
                let token = token.clone();
                spawn_local(async move {
                    if let Ok(directory) = api::directory(&token).await {
                        let list = directory
                            .agents
                            .into_iter()
                            .map(|a| (a.username, a.name))
                            .collect();
                        people.try_set(Some(list));
                    }
                });
            }
        }
    });

    let invite = {
        let (id, token) = (id.clone(), token.clone());
        move |username: String| {
            let (id, token) = (id.clone(), token.clone());
            spawn_local(async move {
                match api::invite(&token, &id, &username).await {
                    Ok(_) => {
                        draft.try_set(String::new());
                        notices.done(format!("@{username} was added to the chat."));
                    }
                    Err(e) if e.is_unauthorized() => sign_out.ended(),
                    Err(e) => {
                        error.try_set(Some(api::message(&e)));
                    }
                }
            });
        }
    };
    let send = {
        let id = id.clone();
        move || {
            let text = draft.get_untracked();
            let text = text.trim();
            if text.is_empty() {
                return;
            }
            match slash::parse(text) {
                Command::Text => {}
                Command::Invite(username) => {
                    error.set(None);
                    invite(username);
                    return;
                }
                Command::Invalid(why) => {
                    error.set(Some(why));
                    return;
                }
            }
            let chars = text.chars().count();
            if chars > MAX_TEXT_CHARS {
                error.set(Some(format!(
                    "This message is {chars} characters long; the limit is {MAX_TEXT_CHARS}."
                )));
                return;
            }
            let text = text
                .strip_prefix('/')
                .filter(|t| t.starts_with('/'))
                .unwrap_or(text);
            if !chats.send_message(&id, text.to_string(), mode.get_untracked()) {
                error.set(Some("This browser cannot send messages here.".to_string()));
                return;
            }
            draft.set(String::new());
            error.set(None);
        }
    };
    let choose = move |s: Suggestion| {
        draft.set(s.insert);
        highlighted.set(0);
    };
    let on_submit = {
        let send = send.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            send();
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let offered = suggestions.get_untracked();
        if !offered.is_empty() {
            let n = offered.len();
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    highlighted.update(|h| *h = (*h + 1) % n);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    highlighted.update(|h| *h = (*h + n - 1) % n);
                    return;
                }
                "Tab" => {
                    ev.prevent_default();
                    choose(offered[highlighted.get_untracked().min(n - 1)].clone());
                    return;
                }
                "Enter" if !ev.shift_key() => {
                    let pick = offered[highlighted.get_untracked().min(n - 1)].clone();
                    // A whole command is sent; a part of one is completed.
                    if pick.insert != draft.get_untracked().trim() {
                        ev.prevent_default();
                        choose(pick);
                        return;
                    }
                }
                "Escape" => {
                    ev.prevent_default();
                    draft.set(String::new());
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let on_input = {
        let id = id.clone();
        move |ev| {
            let value = event_target_value(&ev);
            // Only a reply tells the visitor someone is typing.
            if mode.get_untracked() == SendKind::Text {
                chats.typed(&id, value.trim().is_empty() || value.starts_with('/'));
            }
            highlighted.set(0);
            let expanded = canned_list
                .list
                .with_untracked(|list| canned::expand_typed(&value, list));
            draft.set(expanded.unwrap_or(value));
        }
    };
    let on_pick = Callback::new({
        let id = id.clone();
        move |value: String| {
            if mode.get_untracked() == SendKind::Text {
                chats.typed(&id, value.trim().is_empty() || value.starts_with('/'));
            }
            draft.set(value);
        }
    });
    let attach_id = id.clone();
    let mode_buttons = move || {
        let offered = modes.get();
        (offered.len() > 1).then(|| {
            offered
                .into_iter()
                .map(|kind| {
                    let id = id.clone();
                    view! {
                        <button type="button" class="mode"
                            aria-pressed=move || (mode.get() == kind).to_string()
                            on:click=move |_| {
                                if kind != SendKind::Text {
                                    chats.stop_typing(&id);
                                }
                                chosen.set(Some(kind));
                            }>
                            {mode_name(kind)}
                        </button>
                    }
                })
                .collect_view()
        })
    };
    let suggestion_list = move || {
        let offered = suggestions.get();
        (!offered.is_empty()).then(|| {
            let lines = offered
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let picked = s.clone();
                    view! {
                        <li role="option" id=format!("suggestion-{i}")
                            aria-selected=move || (highlighted.get() == i).to_string()
                            on:mousedown=move |ev| {
                                ev.prevent_default();
                                choose(picked.clone());
                            }>
                            <span class="label">{s.label}</span>
                            <span class="detail muted">{s.detail}</span>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="suggestions" role="listbox" aria-label="Suggestions">{lines}</ul> }
        })
    };

    view! {
        <form class=move || format!("composer mode-{}", mode_name(mode.get()).to_lowercase())
            on:submit=on_submit>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {suggestion_list}
            <div class="composer-modes" role="group" aria-label="Write">{mode_buttons}</div>
            <div class="composer-row">
                <textarea
                    node_ref=textarea
                    aria-label="Message"
                    placeholder=move || placeholder(mode.get())
                    rows="2"
                    prop:value=move || draft.get()
                    on:input=on_input
                    on:keydown=on_keydown
                ></textarea>
                <EmojiPicker target=textarea on_pick/>
                <AttachButton id=attach_id mode/>
                <button type="submit" class="primary">"Send"</button>
            </div>
        </form>
    }
}
