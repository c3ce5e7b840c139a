//! "Canned responses" in the open conversation's header: a dialog listing
//! the responses the agent sees (public, their departments', their own),
//! filtered as they type, each with "Use" (into the reply box or the note
//! being written) and, for its author or a manager, "Remove"; and a form to
//! make one from inside the conversation. The server decides who may make
//! which: its refusal is shown.

use crate::api;
use crate::app::SignOut;
use crate::canned::{self, CannedList};
use crate::notice::Notices;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Role;
use shared::canned::{CannedRequest, CannedResponse, Scope};

/// The header button and its dialog; "Use" puts a response in `insert`.
#[component]
pub fn CannedPanel(insert: RwSignal<Option<String>>) -> impl IntoView {
    let shown = RwSignal::new(false);
    let canned_list = expect_context::<CannedList>();
    view! {
        <button type="button" aria-haspopup="dialog"
            on:click=move |_| {
                canned_list.refresh();
                shown.set(true);
            }>
            "Canned responses"
        </button>
        {move || shown.get().then(|| view! { <CannedDialog shown insert/> })}
    }
}

fn scope_label(scope: &Scope, departments: &[(String, String)]) -> String {
    match scope {
        Scope::Public => "Public".into(),
        Scope::Private => "Private".into(),
        Scope::Department { department } => departments
            .iter()
            .find(|(id, _)| id == department)
            .map_or_else(|| department.clone(), |(_, name)| name.clone()),
    }
}

#[component]
fn CannedDialog(shown: RwSignal<bool>, insert: RwSignal<Option<String>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let notices = expect_context::<Notices>();
    let canned_list = expect_context::<CannedList>();
    let (dialog, on_keydown) = super::dialog::focus_and_escape_on::<leptos::html::Div>(shown);
    let query = RwSignal::new(String::new());
    let manager = matches!(session.agent.role, Role::Manager | Role::Admin);
    let me = session.agent.id.0.clone();
    // `(id, name)` of the departments, for scopes.
    let departments = RwSignal::new(Vec::<(String, String)>::new());
    let token = session.token.clone();
    {
        let token = token.clone();
        spawn_local(async move {
            if let Ok(d) = api::directory(&token).await {
                let list = d.departments.into_iter().map(|d| (d.id, d.name)).collect();
                departments.try_set(list);
            }
        });
    }

    let remove = {
        let token = token.clone();
        move |id: String| {
            let token = token.clone();
            spawn_local(async move {
                match api::remove_canned(&token, &id).await {
                    Ok(()) => {
                        notices.done("The canned response was removed.");
                        canned_list.refresh();
                    }
                    Err(e) if e.is_unauthorized() => sign_out.ended(),
                    Err(e) => notices.failed(api::message(&e)),
                }
            });
        }
    };
    let rows = move || {
        let shown_list: Vec<CannedResponse> = canned_list.list.with(|list| {
            canned::filter(list, &query.get())
                .into_iter()
                .cloned()
                .collect()
        });
        if shown_list.is_empty() {
            return view! { <p class="muted">"No canned responses match."</p> }.into_any();
        }
        let items = shown_list
            .into_iter()
            .map(|c| {
                let scope = departments.with(|d| scope_label(&c.scope, d));
                let text = c.text.clone();
                let removable = manager || c.owner == me;
                let id = c.id.clone();
                let remove = remove.clone();
                view! {
                    <li class="canned-item">
                        <div class="canned-head">
                            <strong>{format!("!{}", c.shortcut)}</strong>
                            <span class="muted">{scope}</span>
                        </div>
                        <p class="canned-text">{c.text.clone()}</p>
                        <div class="canned-actions">
                            <button type="button" class="primary"
                                on:click=move |_| {
                                    insert.set(Some(text.clone()));
                                    shown.set(false);
                                }>
                                "Use"
                            </button>
                            {removable.then(|| view! {
                                <button type="button" class="link"
                                    on:click=move |_| remove(id.clone())>"Remove"</button>
                            })}
                        </div>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="canned-list" aria-label="Canned responses">{items}</ul> }.into_any()
    };

    view! {
        <div class="dialog-backdrop">
            <div class="dialog canned" role="dialog" aria-modal="true" aria-label="Canned responses"
                tabindex="-1" node_ref=dialog on:keydown=on_keydown>
                <h2>"Canned responses"</h2>
                <label class="field">
                    <span>"Find"</span>
                    <input type="search" placeholder="!shortcut or words"
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                </label>
                {rows}
                <NewCanned manager departments/>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Close"</button>
                </div>
            </div>
        </div>
    }
}

/// "New canned response": shortcut, text, who sees it, "Save".
#[component]
fn NewCanned(manager: bool, departments: RwSignal<Vec<(String, String)>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let notices = expect_context::<Notices>();
    let canned_list = expect_context::<CannedList>();
    let shortcut = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let scope = RwSignal::new("private".to_string());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let token = session.token.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let scope = match scope.get_untracked().as_str() {
            "public" => Scope::Public,
            "private" => Scope::Private,
            department => Scope::Department {
                department: department.trim_start_matches("department:").to_owned(),
            },
        };
        let request = CannedRequest {
            shortcut: shortcut.get_untracked(),
            text: text.get_untracked(),
            scope,
        };
        busy.set(true);
        let token = token.clone();
        spawn_local(async move {
            match api::save_canned(&token, &request).await {
                Ok(saved) => {
                    notices.done(format!("!{} is saved.", saved.shortcut));
                    shortcut.try_set(String::new());
                    text.try_set(String::new());
                    failure.try_set(None);
                    canned_list.refresh();
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => {
                    failure.try_set(Some(api::message(&e)));
                }
            }
            busy.try_set(false);
        });
    };
    let scopes = move || {
        let mut options = vec![view! { <option value="private">"Only me"</option> }.into_any()];
        if manager {
            options.push(view! { <option value="public">"Everyone"</option> }.into_any());
            for (id, name) in departments.get() {
                let value = format!("department:{id}");
                options.push(view! { <option value=value>{name}</option> }.into_any());
            }
        }
        options
    };
    view! {
        <form class="canned-new" on:submit=save novalidate>
            <h3>"New canned response"</h3>
            <label class="field">
                <span>"Shortcut"</span>
                <input type="text" placeholder="greeting"
                    prop:value=move || shortcut.get()
                    on:input=move |ev| shortcut.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                <span>"Text"</span>
                <textarea rows="3" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <label class="field">
                <span>"Who sees it"</span>
                <select prop:value=move || scope.get()
                    on:change=move |ev| scope.set(event_target_value(&ev))>
                    {scopes}
                </select>
            </label>
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f}</p> })}
            <div>
                <button type="submit" disabled=move || busy.get()>"Save"</button>
            </div>
        </form>
    }
}
