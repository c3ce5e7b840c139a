//! The screens shown while a stored token is checked, and when it could not
//! be checked because the server was out of reach.

use crate::app::SignOut;
use leptos::prelude::*;

/// While `GET /api/v1/agent/me` is on its way.
#[component]
pub fn Checking() -> impl IntoView {
    view! {
        <main class="center">
            <p class="muted" role="status">"Signing you in…"</p>
        </main>
    }
}

/// The stored token could not be checked: try again, or sign out.
#[component]
pub fn Unreachable(token: String, retry: Callback<String>) -> impl IntoView {
    let sign_out = expect_context::<SignOut>();
    view! {
        <main class="center">
            <div class="card">
                <h1>"Live chat"</h1>
                <p role="alert">"Could not reach the server. Check your connection and try again."</p>
                <div class="actions">
                    <button type="button" class="primary" on:click=move |_| retry.run(token.clone())>
                        "Try again"
                    </button>
                    <button type="button" on:click=move |_| sign_out.run()>"Sign out"</button>
                </div>
            </div>
        </main>
    }
}
