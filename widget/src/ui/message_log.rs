//! The message log (`role="log"`, read out politely as lines arrive), the
//! "Waiting for an agent…" line while queued, and the typing line under it.
//! It scrolls to the newest line whenever something is added.

use crate::lines::LineView;
use crate::ui::message_line::MessageLine;
use leptos::html;
use leptos::prelude::*;
use shared::ids::ClientMsgId;

/// The log.
#[component]
pub fn MessageLog(
    /// Every line, in order.
    #[prop(into)]
    lines: Signal<Vec<LineView>>,
    /// The conversation waits in the queue.
    #[prop(into)]
    waiting: Signal<bool>,
    /// "Anna is typing…".
    #[prop(into)]
    typing: Signal<Option<String>>,
    /// The chat is on screen (a hidden frame cannot scroll).
    #[prop(into)]
    shown: Signal<bool>,
    /// The visitor pressed "Retry" on a failed message.
    on_retry: Callback<ClientMsgId>,
) -> impl IntoView {
    let log = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        lines.track();
        waiting.track();
        typing.track();
        shown.track();
        if let Some(log) = log.get_untracked() {
            log.set_scroll_top(log.scroll_height());
        }
    });
    view! {
        <div class="log" role="log" aria-live="polite" aria-label="Messages" tabindex="0" node_ref=log>
            <Show when=move || lines.with(Vec::is_empty) && !waiting.get()>
                <p class="line">"Hi! Ask us anything. We'll answer right here."</p>
            </Show>
            <For
                each=move || lines.get()
                key=LineView::key
                children=move |line| view! { <MessageLine line=line on_retry=on_retry /> }
            />
            <Show when=move || waiting.get()>
                <p class="line">"Waiting for an agent…"</p>
            </Show>
        </div>
        <p class="typing">{move || typing.get()}</p>
    }
}
