//! The invitation page (`/agent/?invite=<token>`): shows the workspace and
//! the email the invitation is for (`GET /api/v1/invitations/{token}`),
//! asks a name and a password, and "Join" signs the new person in. A bad
//! or used link shows the server's sentence.

use crate::admin::pages::password_hint;
use crate::api::{self, admin as calls};
use crate::session::Session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::{AcceptInvitation, InvitationInfo};

/// The accept page.
#[component]
pub fn AcceptInvite(token: String, joined: Callback<Session>) -> impl IntoView {
    let info = RwSignal::new(None::<Result<InvitationInfo, String>>);
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    {
        let token = token.clone();
        spawn_local(async move {
            let answer = calls::invitation(&token).await;
            if let Ok(i) = &answer {
                name.try_set(i.name.clone());
            }
            info.try_set(Some(
                answer.map_err(|e| crate::notice::capitalized(&api::message(&e))),
            ));
        });
    }
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = AcceptInvitation {
            name: name.get_untracked().trim().to_string(),
            password: password.get_untracked(),
        };
        if body.name.is_empty() {
            return error.set(Some("Your name is required.".into()));
        }
        if let Err(hint) = password_hint(&body.password) {
            return error.set(Some(hint));
        }
        busy.set(true);
        error.set(None);
        let token = token.clone();
        spawn_local(async move {
            match calls::accept(&token, &body).await {
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
            {move || match info.get() {
                None => view! { <p class="muted" role="status">"Loading the invitation…"</p> }.into_any(),
                Some(Err(e)) => view! {
                    <div class="card">
                        <h1>"Invitation"</h1>
                        <p role="alert">{e}</p>
                        <a href="./">"Sign in"</a>
                    </div>
                }.into_any(),
                Some(Ok(i)) => view! {
                    <form class="card sign-in" on:submit=submit.clone()>
                        <h1>{format!("Join {}", i.workspace_name)}</h1>
                        <p class="muted">{format!("You were invited as {} to the workspace {}.", i.email, i.workspace)}</p>
                        <label>"Your name"<input type="text" autocomplete="name" required bind:value=name/></label>
                        <label>"Password"<input type="password" autocomplete="new-password" required bind:value=password/></label>
                        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                        <button type="submit" class="primary" disabled=move || busy.get()>"Join"</button>
                    </form>
                }.into_any(),
            }}
        </main>
    }
}
