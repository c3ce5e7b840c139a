//! The chat's header: the title, the assigned agent's name once there is
//! one, the "End chat" button while the conversation is open (it asks
//! "End this chat?" first, in a bar under the header) and the "Close chat"
//! button that asks the loader to hide the chat.

use crate::ui::end_confirm::EndConfirm;
use leptos::html;
use leptos::prelude::*;

/// The header. `closable` is false when the frame is not inside the loader.
#[component]
pub fn Header(
    /// The agent working the conversation.
    #[prop(into)]
    agent: Signal<Option<String>>,
    /// Show "End chat": a conversation is open and not closed.
    #[prop(into)]
    endable: Signal<bool>,
    /// The visitor confirmed "End chat".
    on_end: Callback<()>,
    /// Show the "Close chat" button.
    closable: bool,
    /// The visitor pressed "Close chat".
    on_close: Callback<()>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let end_button = NodeRef::<html::Button>::new();
    // A conversation closed by the agent meanwhile needs no confirmation.
    Effect::new(move |_| {
        if !endable.get() {
            confirming.set(false);
        }
    });
    let answered = Callback::new(move |end: bool| {
        confirming.set(false);
        if end {
            on_end.run(());
        } else if let Some(button) = end_button.get_untracked() {
            let _ = button.focus();
        }
    });
    view! {
        <header class="head">
            <div class="titles">
                <h1>"Chat with us"</h1>
                {move || agent.get().map(|name| view! { <p class="agent">{name}</p> })}
            </div>
            <Show when=move || endable.get()>
                <button
                    type="button"
                    class="end"
                    node_ref=end_button
                    aria-expanded=move || confirming.get().to_string()
                    on:click=move |_| confirming.update(|c| *c = !*c)
                >
                    "End chat"
                </button>
            </Show>
            {closable.then(|| view! {
                <button
                    type="button"
                    class="icon"
                    aria-label="Close chat"
                    title="Close chat"
                    on:click=move |_| on_close.run(())
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true">
                        <path d="M6 6l12 12M18 6 6 18" />
                    </svg>
                </button>
            })}
        </header>
        <Show when=move || confirming.get()>
            <EndConfirm on_answer=answered />
        </Show>
    }
}
