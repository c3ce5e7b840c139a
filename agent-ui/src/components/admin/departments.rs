//! "Departments": the list with "Rename" and "Remove" (confirmed), and a
//! form to add one; each change sends the whole list.

use super::confirm::{self, Ask, ConfirmDialog};
use super::{focus_id, Ctx, ScreenHead, SettingsCell};
use crate::admin::{departments, Screen};
use crate::api::admin as calls;
use leptos::prelude::*;
use shared::api::DepartmentSetup;

/// Said when a change is asked before the settings are in.
const STILL_LOADING: &str = "The settings are still loading; try again in a moment.";

/// The screen.
#[component]
pub fn Departments() -> impl IntoView {
    let ctx = Ctx::get();
    let settings = expect_context::<SettingsCell>();
    let asking = RwSignal::new(None::<Ask>);
    let new_name = RwSignal::new(String::new());
    let renaming = RwSignal::new(None::<String>);
    let rename_text = RwSignal::new(String::new());
    let list = move || {
        settings
            .0
            .with(|s| s.as_ref().map(|s| s.departments.clone()))
    };
    let save = {
        let ctx = ctx.clone();
        move |next: Vec<DepartmentSetup>, success: String, after: Box<dyn FnOnce(bool)>| {
            settings.save_then(
                &ctx,
                move |t| async move { calls::put_departments(&t, &next).await },
                success,
                after,
            );
        }
    };
    let add = {
        let (ctx, save) = (ctx.clone(), save.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(current) = list() else {
                return ctx.hint(STILL_LOADING);
            };
            let name = new_name.get_untracked();
            match departments::add(&current, &name) {
                Ok(next) => save(
                    next,
                    format!("The department {} is added.", name.trim()),
                    Box::new(move |ok| {
                        if ok {
                            new_name.set(String::new());
                        }
                        focus_id("new-department");
                    }),
                ),
                Err(hint) => ctx.hint(hint),
            }
        }
    };
    let row = {
        let (ctx, save) = (ctx.clone(), save.clone());
        move |d: DepartmentSetup| {
            let (ctx, save) = (ctx.clone(), save.clone());
            let id = d.id.clone();
            let is_renaming = {
                let id = id.clone();
                Memo::new(move |_| renaming.with(|r| r.as_ref() == Some(&id)))
            };
            let rename_save = {
                let (ctx, save, id) = (ctx.clone(), save.clone(), id.clone());
                move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let Some(current) = list() else { return };
                    let typed = rename_text.get_untracked();
                    match departments::rename(&current, &id, &typed) {
                        Ok(next) => save(
                            next,
                            format!("The department is now called {}.", typed.trim()),
                            Box::new(move |ok| {
                                if ok {
                                    renaming.set(None);
                                    focus_id("admin-screen-title");
                                }
                            }),
                        ),
                        Err(hint) => ctx.hint(hint),
                    }
                }
            };
            let remove = {
                let (save, d) = (save.clone(), d.clone());
                move |_| {
                    let (save, d) = (save.clone(), d.clone());
                    confirm::ask(
                        asking,
                        format!(
                            "Remove the department {}? Its people stay in the workspace.",
                            d.name
                        ),
                        move || {
                            let Some(current) = list() else { return };
                            save(
                                departments::remove(&current, &d.id),
                                format!("The department {} is removed.", d.name),
                                Box::new(|_| {}),
                            );
                        },
                    );
                }
            };
            let name = d.name.clone();
            let shown_id = d.id.clone();
            view! {
                <tr>
                    {move || if is_renaming.get() {
                        view! {
                            <td colspan="2">
                                <form class="admin-inline" on:submit=rename_save.clone()>
                                    <label class="field">"New name"
                                        <input type="text" id="rename-department" bind:value=rename_text/>
                                    </label>
                                    <button type="submit" class="primary">"Save"</button>
                                    <button type="button" on:click=move |_| { renaming.set(None); focus_id("admin-screen-title"); }>"Cancel"</button>
                                </form>
                            </td>
                        }.into_any()
                    } else {
                        view! { <th scope="row">{name.clone()}</th><td><code>{shown_id.clone()}</code></td> }.into_any()
                    }}
                    <td class="admin-actions">
                        <button type="button" on:click={ let (id, n) = (d.id.clone(), d.name.clone()); move |_| { rename_text.set(n.clone()); renaming.set(Some(id.clone())); focus_id("rename-department"); } }>"Rename"</button>
                        <button type="button" class="danger" on:click=remove>"Remove"</button>
                    </td>
                </tr>
            }
        }
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Departments/>
            <ConfirmDialog ask=asking/>
            {move || match list() {
                None => super::loading().into_any(),
                Some(l) if l.is_empty() => view! { <p class="muted">"No departments yet."</p> }.into_any(),
                Some(l) => view! {
                    <table class="admin-table">
                        <caption class="visually-hidden">"Departments"</caption>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Id"</th><th scope="col">"Actions"</th></tr></thead>
                        <tbody>{l.into_iter().map(row.clone()).collect_view()}</tbody>
                    </table>
                }.into_any(),
            }}
            <form class="admin-form admin-inline" on:submit=add>
                <label class="field">"Department name"
                    <input type="text" id="new-department" bind:value=new_name/>
                </label>
                <button type="submit" class="primary">"Add department"</button>
            </form>
        </section>
    }
}
