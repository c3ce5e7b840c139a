//! "Canned responses" for the workspace: the list (public, department and
//! one's own private ones) with "Remove" (confirmed), and a form to make
//! one, over the existing `/api/v1/agent/canned` routes. The desk's own
//! list is loaded again after each change.

use super::confirm::{self, Ask, ConfirmDialog};
use super::{focus_id, run, Ctx, ScreenHead, SettingsCell};
use crate::admin::Screen;
use crate::api;
use crate::canned::CannedList;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::canned::{CannedRequest, CannedResponse, Scope};

fn scope_words(scope: &Scope, departments: &[(String, String)]) -> String {
    match scope {
        Scope::Public => "Public".into(),
        Scope::Private => "Private".into(),
        Scope::Department { department } => departments
            .iter()
            .find(|(id, _)| id == department)
            .map_or_else(|| department.clone(), |(_, n)| n.clone()),
    }
}

/// The screen.
#[component]
pub fn Canned() -> impl IntoView {
    let ctx = Ctx::get();
    let settings = expect_context::<SettingsCell>();
    let desk_list = use_context::<CannedList>();
    let list = RwSignal::new(None::<Vec<CannedResponse>>);
    let asking = RwSignal::new(None::<Ask>);
    let shortcut = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let scope = RwSignal::new("public".to_string());
    let load = {
        let ctx = ctx.clone();
        move || {
            let ctx = ctx.clone();
            spawn_local(async move {
                match api::canned(&ctx.token).await {
                    Ok(l) => {
                        list.try_set(Some(l));
                    }
                    Err(e) => ctx.not_loaded("the canned responses", &e),
                }
                if let Some(d) = desk_list {
                    d.refresh();
                }
            });
        }
    };
    load();
    let add = {
        let (ctx, load) = (ctx.clone(), load.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let request = CannedRequest {
                shortcut: shortcut.get_untracked().trim().to_string(),
                text: text.get_untracked(),
                scope: match scope.get_untracked().as_str() {
                    "public" => Scope::Public,
                    "private" => Scope::Private,
                    d => Scope::Department {
                        department: d.to_string(),
                    },
                },
            };
            if request.shortcut.is_empty() || request.text.trim().is_empty() {
                return ctx.hint("A canned response needs a shortcut and a text.");
            }
            let load = load.clone();
            let said = format!(
                "The canned response !{} is saved.",
                request.shortcut.trim_start_matches('!')
            );
            run(
                &ctx,
                move |t| async move { api::save_canned(&t, &request).await },
                said,
                move |_| {
                    shortcut.set(String::new());
                    text.set(String::new());
                    load();
                    focus_id("canned-shortcut");
                },
            );
        }
    };
    let remove = {
        let (ctx, load) = (ctx.clone(), load.clone());
        move |c: CannedResponse| {
            let (ctx, load) = (ctx.clone(), load.clone());
            move |_| {
                let (ctx, load, c) = (ctx.clone(), load.clone(), c.clone());
                confirm::ask(
                    asking,
                    format!("Remove the canned response !{}?", c.shortcut),
                    move || {
                        let (id, load) = (c.id.clone(), load.clone());
                        run(
                            &ctx,
                            move |t| async move { api::remove_canned(&t, &id).await },
                            format!("The canned response !{} is removed.", c.shortcut),
                            move |()| load(),
                        );
                    },
                );
            }
        }
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Canned/>
            <ConfirmDialog ask=asking/>
            {move || match list.get() {
                None => super::loading().into_any(),
                Some(l) if l.is_empty() => view! { <p class="muted">"No canned responses yet."</p> }.into_any(),
                Some(l) => {
                    let departments = settings.departments();
                    view! {
                        <table class="admin-table">
                            <caption class="visually-hidden">"Canned responses"</caption>
                            <thead><tr><th scope="col">"Shortcut"</th><th scope="col">"Text"</th><th scope="col">"Who sees it"</th><th scope="col">"Actions"</th></tr></thead>
                            <tbody>{l.into_iter().map(|c| view! {
                                <tr>
                                    <th scope="row"><code>{format!("!{}", c.shortcut)}</code></th>
                                    <td class="admin-text">{c.text.clone()}</td>
                                    <td>{scope_words(&c.scope, &departments)}</td>
                                    <td><button type="button" class="danger" on:click=remove.clone()(c.clone())>"Remove"</button></td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }
            }}
            <form class="admin-form" on:submit=add>
                <h3>"New canned response"</h3>
                <label class="field">"Shortcut"<input type="text" id="canned-shortcut" bind:value=shortcut/></label>
                <label class="field">"Text"<textarea rows="3" bind:value=text></textarea></label>
                <label class="field">"Who sees it"
                    <select prop:value=move || scope.get() on:change=move |ev| scope.set(event_target_value(&ev))>
                        <option value="public">"Public"</option>
                        {move || settings.departments().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        <option value="private">"Private"</option>
                    </select>
                </label>
                <div><button type="submit" class="primary">"Save canned response"</button></div>
            </form>
        </section>
    }
}
