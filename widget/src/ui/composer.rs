//! The composer: a textarea named "Message" (Enter sends, Shift+Enter starts
//! a new line), the "Emoji" picker and a "Send" button. It reports every
//! change of the draft so the chat can pace its typing frames.

use crate::draft::DraftError;
use crate::ui::emoji_picker::EmojiPicker;
use leptos::html;
use leptos::prelude::*;
use shared::MAX_TEXT_CHARS;

/// The composer.
#[component]
pub fn Composer(
    /// Nothing can be sent (the chat ended or failed).
    #[prop(into)]
    disabled: Signal<bool>,
    /// Take the keyboard focus whenever this turns true.
    #[prop(into)]
    focus: Signal<bool>,
    /// Send the draft; an error is shown and the draft kept.
    on_send: Callback<String, Result<(), DraftError>>,
    /// The draft changed; true when it is now empty.
    on_typing: Callback<bool>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let input = NodeRef::<html::Textarea>::new();
    Effect::new(move |_| {
        if focus.get() {
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
        }
    });
    let submit = move || match on_send.run(draft.get_untracked()) {
        Ok(()) => {
            draft.set(String::new());
            error.set(None);
        }
        Err(DraftError::Empty) => {}
        Err(err) => error.set(Some(err.text())),
    };
    view! {
        <form
            class="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <textarea
                node_ref=input
                rows="1"
                aria-label="Message"
                placeholder="Write a message…"
                maxlength=MAX_TEXT_CHARS
                enterkeyhint="send"
                disabled=move || disabled.get()
                prop:value=move || draft.get()
                on:input:target=move |ev| {
                    let value = ev.target().value();
                    on_typing.run(value.trim().is_empty());
                    draft.set(value);
                    error.set(None);
                }
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }
            ></textarea>
            <EmojiPicker
                target=input
                disabled=disabled
                on_pick=Callback::new(move |value: String| {
                    on_typing.run(value.trim().is_empty());
                    draft.set(value);
                    error.set(None);
                })
            />
            <button type="submit" class="send" aria-label="Send" title="Send" disabled=move || disabled.get()>
                <svg viewBox="0 0 24 24" aria-hidden="true">
                    <path d="M4 12 20 4l-6 16-3-7-7-1z" />
                </svg>
            </button>
            {move || error.get().map(|error| view! { <p class="draft-error" role="alert">{error}</p> })}
        </form>
    }
}
