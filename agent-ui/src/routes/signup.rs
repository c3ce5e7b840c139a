//! "Create a workspace" (`/agent/?signup`): a new workspace and its first
//! administrator, sent to `POST /api/v1/signup`; the sign-up code is
//! asked only when `GET /api/v1/signup` says one is required. Signs in to
//! the new workspace's desk.

use crate::admin::pages::SignupDraft;
use crate::api::{self, admin as calls};
use crate::session::Session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::SignupInfo;

/// The sign-up page. Calls `joined` once the workspace exists.
#[component]
pub fn Signup(joined: Callback<Session>) -> impl IntoView {
    let info = RwSignal::new(None::<Result<SignupInfo, String>>);
    spawn_local(async move {
        let answer = calls::signup_info().await.map_err(|e| api::message(&e));
        info.try_set(Some(answer));
    });
    let code = RwSignal::new(String::new());
    let workspace = RwSignal::new(String::new());
    let workspace_name = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let code_required = move || info.with(|i| matches!(i, Some(Ok(i)) if i.code_required));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let draft = SignupDraft {
            code: code.get_untracked(),
            workspace: workspace.get_untracked(),
            workspace_name: workspace_name.get_untracked(),
            name: name.get_untracked(),
            email: email.get_untracked(),
            password: password.get_untracked(),
        };
        let request = match draft.request(code_required()) {
            Ok(r) => r,
            Err(hint) => return error.set(Some(hint)),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match calls::signup(&request).await {
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
    let field = move |label: &'static str,
                      kind: &'static str,
                      auto: &'static str,
                      value: RwSignal<String>| {
        view! {
            <label>{label}<input type=kind autocomplete=auto required bind:value=value/></label>
        }
    };
    view! {
        <main class="center">
            {move || match info.get() {
                None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="card"><h1>"Create a workspace"</h1><p role="alert">{e}</p><a href="./">"Sign in"</a></div> }.into_any(),
                Some(Ok(i)) if !i.open => view! {
                    <div class="card">
                        <h1>"Create a workspace"</h1>
                        <p role="alert">"This server does not take sign-ups."</p>
                        <a href="./">"Sign in"</a>
                    </div>
                }.into_any(),
                Some(Ok(i)) => view! {
                    <form class="card sign-in" on:submit=submit>
                        <h1>"Create a workspace"</h1>
                        <p class="muted">"Your own live chat, with you as its administrator."</p>
                        {i.code_required.then(|| field("Sign-up code", "text", "off", code))}
                        <label>"Workspace address"
                            <input type="text" autocomplete="off" required aria-describedby="workspace-hint" bind:value=workspace/>
                        </label>
                        <span class="muted field-hint" id="workspace-hint">"Letters, digits, - and _; you sign in with it."</span>
                        {field("Workspace name", "text", "organization", workspace_name)}
                        {field("Your name", "text", "name", name)}
                        {field("Email", "email", "username", email)}
                        {field("Password", "password", "new-password", password)}
                        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                        <button type="submit" class="primary" disabled=move || busy.get()>"Create workspace"</button>
                        <a href="./">"I already have a workspace: sign in"</a>
                    </form>
                }.into_any(),
            }}
        </main>
    }
}
