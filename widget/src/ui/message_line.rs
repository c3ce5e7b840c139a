//! One line of the message log: the visitor's own message (right, with its
//! checkmark and, when it failed, "Retry"), an agent's message (left, with
//! their name), or a system line (centred, muted). Text is always drawn as
//! text nodes, never as HTML.

use crate::lines::LineView;
use crate::ui::checkmark::Checkmark;
use leptos::prelude::*;
use shared::ids::ClientMsgId;

/// One line.
#[component]
pub fn MessageLine(
    /// What to draw.
    line: LineView,
    /// The visitor pressed "Retry" on a failed message.
    on_retry: Callback<ClientMsgId>,
) -> impl IntoView {
    match line {
        LineView::Own {
            text,
            check,
            retry,
            error,
            ..
        } => view! {
            <div class="msg own">
                <span class="sr">"You: "</span>
                <p class="bubble">{text}</p>
                <div class="meta">
                    {error.map(|error| view! { <span class="error">{error}</span> })}
                    {retry.map(|id| view! {
                        <button type="button" class="retry" on:click=move |_| on_retry.run(id.clone())>
                            "Retry"
                        </button>
                    })}
                    <Checkmark check=check />
                </div>
            </div>
        }
        .into_any(),
        LineView::Theirs { author, text, .. } => view! {
            <div class="msg theirs">
                <span class="who">{author}</span>
                <p class="bubble">{text}</p>
            </div>
        }
        .into_any(),
        LineView::System { text, .. } => view! { <p class="line">{text}</p> }.into_any(),
    }
}
