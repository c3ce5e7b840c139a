//! The sign-in screen: workspace, email and password, sent to
//! `POST /api/v1/agent/login`. The token is kept for the next page load.

use crate::api;
use crate::session::{self, Session};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::LoginRequest;

/// The sign-in form. Calls `signed_in` once the server accepted. `notice`
/// says why the agent is here again (their session ended).
#[component]
pub fn SignIn(
    signed_in: Callback<Session>,
    #[prop(optional)] notice: Option<&'static str>,
) -> impl IntoView {
    let workspace = RwSignal::new("demo".to_string());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // "Create a workspace" shows only where this server takes sign-ups.
    let signup_open = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(info) = api::admin::signup_info().await {
            signup_open.try_set(info.open);
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let request = LoginRequest {
            workspace: workspace.get_untracked().trim().to_string(),
            email: email.get_untracked().trim().to_string(),
            password: password.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::login(&request).await {
                Ok(answer) => {
                    session::store_token(&answer.token);
                    signed_in.run(Session {
                        token: answer.token,
                        agent: answer.agent,
                    });
                }
                Err(e) => {
                    error.set(Some(api::message(&e)));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <main class="center">
            <form class="card sign-in" on:submit=submit>
                <h1>"Live chat"</h1>
                <p class="muted">"Sign in to answer your visitors."</p>
                {notice.map(|text| view! { <p class="notice" role="alert">{text}</p> })}
                <label>
                    "Workspace"
                    <input type="text" name="workspace" autocomplete="organization" required
                        bind:value=workspace/>
                </label>
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="username" required
                        bind:value=email/>
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required
                        bind:value=password/>
                </label>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()
                    aria-busy=move || busy.get().then_some("true")>
                    "Sign in"
                </button>
                {move || signup_open.get().then(|| view! { <a href="?signup">"Create a workspace"</a> })}
            </form>
        </main>
    }
}
