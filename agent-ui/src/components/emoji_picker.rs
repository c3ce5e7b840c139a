//! The "Emoji" button of the reply box and its grid of common emoji. The
//! picker's behaviour is [`chat_client::web::emoji`]'s (keys, caret, focus;
//! shared with the widget); this lays out its elements: the toggle and the
//! grid, hidden until the toggle opens it. Escape closes the grid without
//! also closing a dialog around it.

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
            >
                <span aria-hidden="true">"🙂"</span>
            </button>
            <div class="emoji-grid" role="dialog" aria-label="Emoji" hidden=true use:emoji_grid=()></div>
        </div>
    }
}
