//! The password-reset page (`/agent/?reset=<token>`): a new password,
//! sent to `POST /api/v1/password-resets/{token}`, which ends every
//! earlier session and signs the person in. A bad or used link shows the
//! server's sentence.

use crate::admin::pages::password_hint;
use crate::api::{self, admin as calls};
use crate::session::Session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::NewPassword;

/// The new-password page.
#[component]
pub fn ResetPassword(token: String, joined: Callback<Session>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = NewPassword {
            password: password.get_untracked(),
        };
        if let Err(hint) = password_hint(&body.password) {
            return error.set(Some(hint));
        }
        busy.set(true);
        error.set(None);
        let token = token.clone();
        spawn_local(async move {
            match calls::new_password(&token, &body).await {
                Ok(answer) => joined.run(Session {
                    token: answer.token,
                    agent: answer.agent,
                }),
                Err(e) => {
                    error.try_set(Some(crate::notice::capitalized(&api::message(&e))));
                    busy.try_set(false);
                }
            }
        });
    };
    view! {
        <main class="center">
            <form class="card sign-in" on:submit=submit>
                <h1>"Choose a new password"</h1>
                <label>"New password"<input type="password" autocomplete="new-password" required bind:value=password/></label>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>"Save password"</button>
                <a href="./">"Sign in"</a>
            </form>
        </main>
    }
}
