//! The notice above the composer: connecting, reconnecting, what went wrong
//! and, when the visitor can do something about it, a button.

use crate::notice::{Action, Notice};
use leptos::prelude::*;

/// The notice bar; empty (and hidden by CSS) when all is well.
#[component]
pub fn NoticeBar(
    /// What to say.
    #[prop(into)]
    notice: Signal<Option<Notice>>,
    /// The visitor pressed the notice's button.
    on_action: Callback<Action>,
) -> impl IntoView {
    view! {
        <div class="notice" role="status">
            {move || notice.get().map(|notice| view! {
                <p class:alert=notice.alert>{notice.text}</p>
                {notice.action.map(|action| view! {
                    <button type="button" on:click=move |_| on_action.run(action)>
                        {action.label()}
                    </button>
                })}
            })}
        </div>
    }
}
