//! A contact's record as the "Contact information" panel and the Contacts
//! directory show it: name, username, email, phone, created, last chat,
//! contact manager and custom fields, all as text; with "Edit" for those
//! the server says may edit, opening a form ("Save", "Cancel") whose
//! refusal is shown as the server's sentence.

use crate::api;
use crate::app::SignOut;
use crate::contacts::{self, Form};
use crate::format;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::AgentPresence;
use shared::contacts::ContactDetail;

/// The record of `detail`; an edit replaces it with the server's answer.
#[component]
pub fn ContactCard(detail: RwSignal<Option<ContactDetail>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let agents = RwSignal::new(Vec::<AgentPresence>::new());
    {
        let token = session.token.clone();
        spawn_local(async move {
            if let Ok(d) = api::directory(&token).await {
                agents.try_set(d.agents);
            }
        });
    }
    let editing = RwSignal::new(false);
    let now = format::now();
    let rows = move || {
        detail.with(|d| {
            d.as_ref().map(|d| {
                let manager = agents.with(|a| contacts::manager_name(&d.contact, a));
                contacts::rows(&d.contact, manager, |ms| format::when(ms, now))
            })
        })
    };
    let may_edit = move || detail.with(|d| d.as_ref().is_some_and(|d| d.may_edit));
    view! {
        <div class="contact-card">
            {move || (!editing.get()).then(|| view! {
                <dl class="contact-rows">
                    {rows().unwrap_or_default().into_iter().map(|(k, v)| view! {
                        <div class="contact-row"><dt>{k}</dt><dd>{v}</dd></div>
                    }).collect_view()}
                </dl>
                {may_edit().then(|| view! {
                    <div><button type="button" on:click=move |_| editing.set(true)>"Edit"</button></div>
                })}
            })}
            {move || editing.get().then(|| view! { <EditForm detail editing agents/> })}
        </div>
    }
}

/// The edit form, filled with the record.
#[component]
fn EditForm(
    detail: RwSignal<Option<ContactDetail>>,
    editing: RwSignal<bool>,
    agents: RwSignal<Vec<AgentPresence>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let start =
        detail.with_untracked(|d| d.as_ref().map(|d| Form::of(&d.contact)).unwrap_or_default());
    let form = RwSignal::new(start);
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(current) = detail.get_untracked() else {
            return;
        };
        let patch = match form.with_untracked(|f| f.patch(&current.contact)) {
            Ok(p) => p,
            Err(why) => return error.set(Some(why)),
        };
        saving.set(true);
        error.set(None);
        let token = session.token.clone();
        spawn_local(async move {
            match contacts::edit(&token, &current.contact.id, &patch).await {
                Ok(saved) => {
                    detail.try_set(Some(saved));
                    editing.try_set(false);
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => {
                    error.try_set(Some(api::message(&e)));
                }
            }
            saving.try_set(false);
        });
    };
    // One text input bound to one field of the form.
    let input = move |label: &'static str,
                      kind: &'static str,
                      get: fn(&Form) -> String,
                      set: fn(&mut Form, String)| {
        view! {
            <label class="contact-field">
                <span>{label}</span>
                <input type=kind prop:value=move || form.with(get)
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
            </label>
        }
    };
    view! {
        <form class="contact-form" aria-label="Edit contact" novalidate=true on:submit=save>
            {input("Name", "text", |f| f.name.clone(), |f, v| f.name = v)}
            {input("Username", "text", |f| f.username.clone(), |f, v| f.username = v)}
            {input("Email", "email", |f| f.email.clone(), |f, v| f.email = v)}
            {input("Phone", "tel", |f| f.phone.clone(), |f, v| f.phone = v)}
            <label class="contact-field">
                <span>"Contact manager"</span>
                <select prop:value=move || form.with(|f| f.manager.clone())
                    on:change=move |ev| form.update(|f| f.manager = event_target_value(&ev))>
                    <option value="">"None"</option>
                    {move || agents.get().into_iter().map(|a| view! {
                        <option value=a.id.0.clone() selected=form.with_untracked(|f| f.manager == a.id.0)>{a.name}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="contact-field">
                <span>"Custom fields"</span>
                <textarea rows="3" placeholder="key = value"
                    prop:value=move || form.with(|f| f.custom_fields.clone())
                    on:input=move |ev| form.update(|f| f.custom_fields = event_target_value(&ev))></textarea>
            </label>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="dialog-actions">
                <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                <button type="submit" class="primary" disabled=move || saving.get()>"Save"</button>
            </div>
        </form>
    }
}
