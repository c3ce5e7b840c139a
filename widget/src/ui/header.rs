//! The chat's header: the title, the assigned agent's name once there is
//! one, and the "Close chat" button that asks the loader to hide the chat.

use leptos::prelude::*;

/// The header. `closable` is false when the frame is not inside the loader.
#[component]
pub fn Header(
    /// The agent working the conversation.
    #[prop(into)]
    agent: Signal<Option<String>>,
    /// Show the "Close chat" button.
    closable: bool,
    /// The visitor pressed "Close chat".
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <header class="head">
            <div class="titles">
                <h1>"Chat with us"</h1>
                {move || agent.get().map(|name| view! { <p class="agent">{name}</p> })}
            </div>
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
    }
}
