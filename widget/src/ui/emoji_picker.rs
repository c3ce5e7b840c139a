//! The "Emoji" button of the composer and its grid of common emoji. The
//! picker's behaviour is [`chat_client::web::emoji`]'s (keys, caret, focus;
//! shared with the agent app); this lays out its elements: the toggle and
//! the grid, hidden until the toggle opens it. Escape closes the grid
//! without also hiding the chat.

use chat_client::web::emoji::{click, emoji_grid, focusout, keydown};
use leptos::html;
use leptos::prelude::*;

/// The button and its grid.
#[component]
pub fn EmojiPicker(
    /// The draft the emoji goes into.
    target: NodeRef<html::Textarea>,
    /// The draft changed to this, with the emoji in it and the caret after
    /// it (the textarea already shows it).
    on_pick: Callback<String>,
    /// Nothing can be written now.
    #[prop(into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <div
            class="emoji"
            on:click=move |ev| {
                if let Some(draft) = click(&ev, target.get_untracked()) {
                    on_pick.run(draft);
                }
            }
            on:keydown=keydown
            on:focusout=focusout
        >
            <button
                type="button"
                class="emoji-toggle"
                aria-label="Emoji"
                title="Emoji"
                aria-haspopup="true"
                aria-expanded="false"
                disabled=move || disabled.get()
            >
                <svg viewBox="0 0 24 24" aria-hidden="true">
                    <circle cx="12" cy="12" r="9" />
                    <path d="M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01" />
                </svg>
            </button>
            <div class="emoji-grid" role="dialog" aria-label="Emoji" hidden=true use:emoji_grid=()></div>
        </div>
    }
}
