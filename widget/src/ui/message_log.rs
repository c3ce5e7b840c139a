//! The message log (`role="log"`, read out politely as lines arrive), the
//! "Waiting for an agent…" line while queued, and the typing line under it.
//! It scrolls to the newest line whenever something is added. Lines are
//! keyed by an id that never changes, so a moving checkmark updates in place.

use crate::lines::{status_of, LineView};
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
    // Scroll when a line is added, not when a checkmark moves.
    let newest =
        Memo::new(move |_| lines.with(|all| (all.len(), all.last().map(|l| l.id.clone()))));
    Effect::new(move |_| {
        newest.track();
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
                key=|line| line.id.clone()
                children=move |line| {
                    // Only the status of a line changes; follow it in place.
                    let status = line.status.map(|initial| {
                        let id = line.id;
                        Memo::new(move |_| {
                            lines.with(|all| status_of(all, &id)).unwrap_or_else(|| initial.clone())
                        })
                    });
                    view! { <MessageLine body=line.body status=status on_retry=on_retry file=line.file /> }
                }
            />
            <Show when=move || waiting.get()>
                <p class="line">"Waiting for an agent…"</p>
            </Show>
        </div>
        <p class="typing">{move || typing.get()}</p>
    }
}
