//! The inline "End this chat?" question with "Confirm" and "Cancel". It takes
//! the focus ("Cancel", the harmless answer) when it appears; Escape answers
//! "Cancel" without also hiding the chat.

use leptos::html;
use leptos::prelude::*;

/// The question; `on_answer` gets true for "Confirm".
#[component]
pub fn EndConfirm(on_answer: Callback<bool>) -> impl IntoView {
    let cancel = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(cancel) = cancel.get() {
            let _ = cancel.focus();
        }
    });
    view! {
        <div
            class="confirm"
            role="group"
            aria-labelledby="end-question"
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    ev.stop_propagation();
                    on_answer.run(false);
                }
            }
        >
            <p id="end-question">"End this chat?"</p>
            <button type="button" class="danger" on:click=move |_| on_answer.run(true)>
                "Confirm"
            </button>
            <button type="button" node_ref=cancel on:click=move |_| on_answer.run(false)>
                "Cancel"
            </button>
        </div>
    }
}
