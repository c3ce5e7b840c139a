//! The agent's choices about alerts, under the status menu: "Mute
//! notifications" (no tone, no browser notification; the tab title still
//! counts), and "Enable notifications" while the browser has not been asked
//! yet (browsers ask only on a click).

use crate::notify::{Notifier, Permission};
use leptos::prelude::*;

/// The controls.
#[component]
pub fn AlertControls() -> impl IntoView {
    let notifier = expect_context::<Notifier>();
    view! {
        <div class="alert-controls">
            <label class="mute">
                <input
                    type="checkbox"
                    prop:checked=move || notifier.muted()
                    on:change=move |ev| notifier.set_muted(event_target_checked(&ev))
                />
                "Mute notifications"
            </label>
            {move || match notifier.permission() {
                Permission::Ask => Some(view! {
                    <button type="button" class="row-action" on:click=move |_| notifier.ask()>
                        "Enable notifications"
                    </button>
                }.into_any()),
                Permission::Denied => Some(view! {
                    <p class="alert-note">"Notifications are blocked in this browser's settings."</p>
                }.into_any()),
                Permission::Granted | Permission::Unsupported => None,
            }}
        </div>
    }
}
