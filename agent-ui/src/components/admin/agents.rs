//! "Agents": the people of the workspace (name, email, role, departments,
//! capacity, active) with "Edit", "Deactivate"/"Reactivate" (confirmed)
//! and "Reset password" (shows the link); the "Invite" form (shows the
//! link sent, with "Copy link"); pending invitations with "Revoke".

use super::confirm::{self, Ask, ConfirmDialog};
use super::{copy, focus_id, run, Ctx, DepartmentChecks, ScreenHead, SettingsCell};
use crate::admin::people::{self, InviteDraft, PersonDraft};
use crate::admin::{self, Screen, ROLES};
use crate::api::admin as calls;
use crate::format;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::{Invitation, LinkSent, PersonInfo};
use shared::api::Role;
use std::collections::BTreeSet;

/// The screen.
#[component]
pub fn Agents() -> impl IntoView {
    let ctx = Ctx::get();
    let people = RwSignal::new(None::<Vec<PersonInfo>>);
    let invitations = RwSignal::new(Vec::<Invitation>::new());
    let link = RwSignal::new(None::<(String, LinkSent)>);
    let editing = RwSignal::new(None::<PersonInfo>);
    let asking = RwSignal::new(None::<Ask>);
    let load = {
        let ctx = ctx.clone();
        move || {
            let ctx = ctx.clone();
            spawn_local(async move {
                match calls::people(&ctx.token).await {
                    Ok(p) => {
                        people.try_set(Some(p));
                    }
                    Err(e) => ctx.not_loaded("the people", &e),
                }
                match calls::invitations(&ctx.token).await {
                    Ok(i) => {
                        invitations.try_set(i);
                    }
                    Err(e) => ctx.not_loaded("the invitations", &e),
                }
            });
        }
    };
    load();
    let replace = move |p: PersonInfo| {
        people.update(|list| {
            if let Some(list) = list {
                if let Some(x) = list.iter_mut().find(|x| x.id == p.id) {
                    *x = p;
                }
            }
        })
    };

    let row = {
        let ctx = ctx.clone();
        move |p: PersonInfo| {
            let departments = p.departments.join(", ");
            let capacity = p
                .capacity
                .map_or_else(|| "Workspace's".to_string(), |c| c.to_string());
            let (edit_p, toggle_p, reset_p) = (p.clone(), p.clone(), p.clone());
            let (ctx_t, ctx_r) = (ctx.clone(), ctx.clone());
            let toggle = move |_| {
                let p = toggle_p.clone();
                let ctx = ctx_t.clone();
                confirm::ask(asking, people::toggle_question(&p), move || {
                    let edit = people::toggle_active(&p);
                    let id = p.id.to_string();
                    let done = if p.active {
                        format!("{} is deactivated.", p.name)
                    } else {
                        format!("{} is active again.", p.name)
                    };
                    run(
                        &ctx,
                        move |t| async move { calls::edit_person(&t, &id, &edit).await },
                        done,
                        replace,
                    );
                });
            };
            let reset = move |_| {
                let p = reset_p.clone();
                let id = p.id.to_string();
                run(
                    &ctx_r,
                    move |t| async move { calls::reset_password(&t, &id).await },
                    format!("A password reset link was sent to {}.", p.email),
                    move |sent| {
                        link.set(Some(("Password reset link".into(), sent)));
                        focus_id("admin-link");
                    },
                );
            };
            view! {
                <tr>
                    <th scope="row">{p.name.clone()}</th>
                    <td>{p.email.clone()}</td>
                    <td>{admin::role_word(p.role)}</td>
                    <td>{departments}</td>
                    <td>{capacity}</td>
                    <td>{if p.active { "Active" } else { "Deactivated" }}</td>
                    <td class="admin-actions">
                        <button type="button" on:click=move |_| editing.set(Some(edit_p.clone()))>"Edit"</button>
                        <button type="button" class="danger" on:click=toggle>{people::toggle_word(&p)}</button>
                        <button type="button" on:click=reset>"Reset password"</button>
                    </td>
                </tr>
            }
        }
    };

    let revoke = {
        let ctx = ctx.clone();
        let load = load.clone();
        move |i: Invitation| {
            let ctx = ctx.clone();
            let load = load.clone();
            move |_| {
                let (ctx, load, i) = (ctx.clone(), load.clone(), i.clone());
                confirm::ask(
                    asking,
                    format!(
                        "Revoke the invitation of {}? Its link stops working.",
                        i.email
                    ),
                    move || {
                        let id = i.id.clone();
                        let load = load.clone();
                        run(
                            &ctx,
                            move |t| async move { calls::revoke_invitation(&t, &id).await },
                            format!("The invitation of {} is revoked.", i.email),
                            move |()| load(),
                        );
                    },
                );
            }
        }
    };

    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Agents/>
            <ConfirmDialog ask=asking/>
            {move || link.get().map(|(what, sent)| view! { <LinkBox what sent/> })}
            {move || match people.get() {
                None => super::loading().into_any(),
                Some(list) => view! {
                    <table class="admin-table">
                        <caption>"People"</caption>
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                            <th scope="col">"Departments"</th><th scope="col">"Capacity"</th><th scope="col">"Status"</th>
                            <th scope="col">"Actions"</th>
                        </tr></thead>
                        <tbody>{list.into_iter().map(row.clone()).collect_view()}</tbody>
                    </table>
                }.into_any(),
            }}
            {move || editing.get().map(|p| view! { <EditPerson person=p editing replace/> })}
            <InviteForm link on_sent=Callback::new({ let load = load.clone(); move |()| load() })/>
            <h3>"Pending invitations"</h3>
            {move || {
                let list = invitations.get();
                if list.is_empty() {
                    return view! { <p class="muted">"No pending invitations."</p> }.into_any();
                }
                let now = format::now();
                view! {
                    <table class="admin-table">
                        <caption class="visually-hidden">"Pending invitations"</caption>
                        <thead><tr>
                            <th scope="col">"Email"</th><th scope="col">"Name"</th><th scope="col">"Role"</th>
                            <th scope="col">"Invited by"</th><th scope="col">"Expires"</th><th scope="col">"Actions"</th>
                        </tr></thead>
                        <tbody>{list.into_iter().map(|i| view! {
                            <tr>
                                <th scope="row">{i.email.clone()}</th>
                                <td>{i.name.clone()}</td>
                                <td>{admin::role_word(i.role)}</td>
                                <td>{i.invited_by.clone()}</td>
                                <td>{format::when(i.expires_at, now)}</td>
                                <td><button type="button" class="danger" on:click=revoke.clone()(i.clone())>"Revoke"</button></td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// A one-time link to pass on, with "Copy link".
#[component]
fn LinkBox(what: String, sent: LinkSent) -> impl IntoView {
    let ctx = Ctx::get();
    let text = sent.link.clone();
    let label = what.clone();
    view! {
        <div class="admin-reveal" role="group" aria-label=label>
            <p>{format!("{} for {}:", what, sent.email)}</p>
            <input type="text" readonly aria-label=what.clone() prop:value=sent.link.clone()/>
            <button type="button" id="admin-link" on:click=move |_| copy(&ctx, text.clone(), "link")>"Copy link"</button>
        </div>
    }
}

/// The "Invite" form.
#[component]
fn InviteForm(link: RwSignal<Option<(String, LinkSent)>>, on_sent: Callback<()>) -> impl IntoView {
    let ctx = Ctx::get();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Agent);
    let departments = RwSignal::new(BTreeSet::<String>::new());
    let capacity = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let draft = InviteDraft {
            email: email.get_untracked(),
            name: name.get_untracked(),
            role: role.get_untracked(),
            departments: departments.get_untracked(),
            capacity: capacity.get_untracked(),
        };
        let request = match draft.request() {
            Ok(r) => r,
            Err(hint) => return ctx.hint(hint),
        };
        busy.set(true);
        let ctx2 = ctx.clone();
        spawn_local(async move {
            match calls::invite(&ctx2.token, &request).await {
                Ok(sent) => {
                    ctx2.done(format!("An invitation was sent to {}.", sent.email));
                    link.set(Some(("Invitation link".into(), sent)));
                    email.set(String::new());
                    name.set(String::new());
                    capacity.set(String::new());
                    departments.set(BTreeSet::new());
                    on_sent.run(());
                    focus_id("admin-link");
                }
                Err(e) => ctx2.failed(&e),
            }
            busy.try_set(false);
        });
    };
    view! {
        <form class="admin-form" on:submit=submit aria-labelledby="invite-title">
            <h3 id="invite-title">"Invite"</h3>
            <super::TextField label="Email" value=email kind="email"/>
            <super::TextField label="Name" value=name/>
            <RoleSelect role/>
            <DepartmentChecks legend="Departments" chosen=departments/>
            <super::TextField label="Capacity" value=capacity hint="Simultaneous chats; empty: the workspace's limit."/>
            <div><button type="submit" class="primary" disabled=move || busy.get()>"Invite"</button></div>
        </form>
    }
}

/// A "Role" select bound to `role`.
#[component]
fn RoleSelect(role: RwSignal<Role>) -> impl IntoView {
    view! {
        <label class="field">
            "Role"
            <select on:change=move |ev| role.set(admin::role_of(&event_target_value(&ev)))
                prop:value=move || admin::role_value(role.get())>
                {ROLES.into_iter().map(|r| view! {
                    <option value=admin::role_value(r) selected=move || role.get() == r>{admin::role_word(r)}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// A person's "Edit" form, as a dialog.
#[component]
fn EditPerson(
    person: PersonInfo,
    editing: RwSignal<Option<PersonInfo>>,
    replace: impl Fn(PersonInfo) + Copy + 'static,
) -> impl IntoView {
    let ctx = Ctx::get();
    let _ = expect_context::<SettingsCell>();
    let draft = PersonDraft::of(&person);
    let name = RwSignal::new(draft.name);
    let role = RwSignal::new(draft.role);
    let departments = RwSignal::new(draft.departments);
    let capacity = RwSignal::new(draft.capacity);
    let opener = confirm::focused();
    let shown = RwSignal::new(true);
    let (form, on_keydown) = crate::components::dialog::focus_and_escape(shown);
    let close = {
        let opener = opener.clone();
        move || {
            editing.set(None);
            confirm::restore_focus(opener.clone());
        }
    };
    {
        let close = close.clone();
        Effect::new(move |_| {
            if !shown.get() {
                close();
            }
        });
    }
    let title = format!("Edit {}", person.name);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = PersonDraft {
            name: name.get_untracked(),
            role: role.get_untracked(),
            departments: departments.get_untracked(),
            capacity: capacity.get_untracked(),
        };
        let edit = match draft.edit(&person) {
            Ok(Some(e)) => e,
            Ok(None) => return shown.set(false),
            Err(hint) => return ctx.hint(hint),
        };
        let id = person.id.to_string();
        let ctx2 = ctx.clone();
        spawn_local(async move {
            match calls::edit_person(&ctx2.token, &id, &edit).await {
                Ok(p) => {
                    ctx2.done(format!("{} is saved.", p.name));
                    replace(p);
                    shown.set(false);
                }
                Err(e) => ctx2.failed(&e),
            }
        });
    };
    view! {
        <div class="dialog-backdrop">
            <form class="dialog" role="dialog" aria-modal="true" aria-label=title.clone() tabindex="-1"
                node_ref=form on:keydown=on_keydown on:submit=submit>
                <h2>{title.clone()}</h2>
                <super::NoticeHere/>
                <super::TextField label="Name" value=name/>
                <RoleSelect role/>
                <DepartmentChecks legend="Departments" chosen=departments/>
                <super::TextField label="Capacity" value=capacity hint="Simultaneous chats; empty: the workspace's limit."/>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Cancel"</button>
                    <button type="submit" class="primary">"Save"</button>
                </div>
            </form>
        </div>
    }
}
