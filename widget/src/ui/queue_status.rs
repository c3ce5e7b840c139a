//! "You are number 2 in the queue · about 3 min", under the log while the
//! conversation waits. A polite live region that is always in the page (a
//! region added together with its text is often not read out), empty when
//! there is nothing to say.

use leptos::prelude::*;

/// The queue line.
#[component]
pub fn QueueStatus(
    /// The sentence, while queued.
    #[prop(into)]
    text: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <p class="queue" role="status" aria-live="polite">{move || text.get()}</p>
    }
}
