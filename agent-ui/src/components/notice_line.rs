//! The desk's notice line: how the agent's last action went, with a way to
//! dismiss it. Successes are a polite status, failures an alert.

use crate::notice::{Notice, Notices};
use leptos::prelude::*;

/// The notice line, when there is something to say.
#[component]
pub fn NoticeLine() -> impl IntoView {
    let notices = expect_context::<Notices>();
    move || {
        notices.0.get().map(|notice| {
            let (role, class, text) = match notice {
                Notice::Done(t) => ("status", "notice-line ok", t),
                Notice::Failed(t) => ("alert", "notice-line failed", t),
            };
            view! {
                <div class=class>
                    <p role=role>{text}</p>
                    <button type="button" class="link" on:click=move |_| notices.clear()>
                        "Dismiss"
                    </button>
                </div>
            }
        })
    }
}
