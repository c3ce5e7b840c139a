//! The reply box: Enter sends, Shift+Enter starts a new line, "Emoji"
//! opens the emoji picker ([`EmojiPicker`]). Keystrokes
//! tell the visitor the agent is typing (paced by its session, through
//! [`Chats::typed`]).

use crate::chats::Chats;
use crate::components::emoji_picker::EmojiPicker;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use shared::{ConversationId, MAX_TEXT_CHARS};

/// The reply box of conversation `id`.
#[component]
pub fn Composer(id: ConversationId) -> impl IntoView {
    let chats = expect_context::<Chats>();
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<html::Textarea>::new();

    let send = {
        let id = id.clone();
        move || {
            let text = draft.get_untracked();
            let text = text.trim();
            if text.is_empty() {
                return;
            }
            let chars = text.chars().count();
            if chars > MAX_TEXT_CHARS {
                error.set(Some(format!(
                    "This message is {chars} characters long; the limit is {MAX_TEXT_CHARS}."
                )));
                return;
            }
            if !chats.send_message(&id, text.to_string()) {
                error.set(Some("This browser cannot send messages here.".to_string()));
                return;
            }
            draft.set(String::new());
            error.set(None);
        }
    };
    let on_submit = {
        let send = send.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            send();
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let on_input = {
        let id = id.clone();
        move |ev| {
            let value = event_target_value(&ev);
            chats.typed(&id, value.trim().is_empty());
            draft.set(value);
        }
    };
    let on_pick = Callback::new(move |value: String| {
        chats.typed(&id, value.trim().is_empty());
        draft.set(value);
    });

    view! {
        <form class="composer" on:submit=on_submit>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="composer-row">
                <textarea
                    node_ref=input
                    aria-label="Message"
                    placeholder="Write a reply…"
                    rows="2"
                    prop:value=move || draft.get()
                    on:input=on_input
                    on:keydown=on_keydown
                ></textarea>
                <EmojiPicker target=input on_pick/>
                <button type="submit" class="primary">"Send"</button>
            </div>
        </form>
    }
}
