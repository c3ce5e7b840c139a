//! "Sites": the list, and the form of the chosen or a new site: name,
//! site key (`<workspace>.<id>`, read-only once made), default
//! department, allowed origins (one per line), theme (colour, position),
//! pre-chat form (on/off, name and email required, optional or hidden,
//! the site's own questions), the identity secret with "Rotate secret"
//! (confirmed; shows the new one), and the script tag with "Copy snippet".

use super::confirm::{self, Ask, ConfirmDialog};
use super::{copy, focus_id, Ctx, ScreenHead, SettingsCell};
use crate::admin::sites::{self, QuestionDraft, SiteDraft, RULES};
use crate::admin::Screen;
use crate::api::admin as calls;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::site::{FieldRule, Position};

/// The screen.
#[component]
pub fn Sites() -> impl IntoView {
    let settings = expect_context::<SettingsCell>();
    let draft = RwSignal::new(None::<SiteDraft>);
    let asking = RwSignal::new(None::<Ask>);
    let list = move || {
        settings
            .0
            .with(|s| s.as_ref().map(|s| (s.workspace.clone(), s.sites.clone())))
    };
    let open_site = move |d: SiteDraft| {
        draft.set(Some(d));
        focus_id("site-form-title");
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Sites/>
            <ConfirmDialog ask=asking/>
            {move || match list() {
                None => super::loading().into_any(),
                Some((workspace, l)) => view! {
                    <table class="admin-table">
                        <caption class="visually-hidden">"Sites"</caption>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Site key"</th><th scope="col">"Allowed origins"</th><th scope="col">"Actions"</th></tr></thead>
                        <tbody>{l.into_iter().map(|s| {
                            let key = sites::site_key(&workspace, &s.id);
                            let origins = s.allowed_origins.join(", ");
                            let d = SiteDraft::of(&s);
                            view! {
                                <tr>
                                    <th scope="row">{s.name.clone()}</th>
                                    <td><code>{key}</code></td>
                                    <td>{origins}</td>
                                    <td><button type="button" on:click=move |_| open_site(d.clone())>"Edit"</button></td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }.into_any(),
            }}
            <div>
                <button type="button" on:click=move |_| {
                    let dept = settings.departments().first().map(|d| d.0.clone()).unwrap_or_default();
                    open_site(SiteDraft::new_site(&dept));
                }>"Add a site"</button>
            </div>
            {move || draft.with(Option::is_some).then(|| view! { <SiteForm draft asking/> })}
        </section>
    }
}

/// The form of `draft`.
#[component]
fn SiteForm(draft: RwSignal<Option<SiteDraft>>, asking: RwSignal<Option<Ask>>) -> impl IntoView {
    let ctx = Ctx::get();
    let settings = expect_context::<SettingsCell>();
    let secret = RwSignal::new(None::<String>);
    let get = move |f: fn(&SiteDraft) -> String| {
        move || draft.with(|d| d.as_ref().map(f).unwrap_or_default())
    };
    let set = move |f: fn(&mut SiteDraft, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            draft.update(|d| {
                if let Some(d) = d {
                    f(d, v)
                }
            });
        }
    };
    // Memos, so typing in a field does not draw the form again.
    let new_memo = Memo::new(move |_| draft.with(|d| d.as_ref().is_some_and(|d| d.new)));
    let is_new = move || new_memo.get();
    let count = Memo::new(move |_| draft.with(|d| d.as_ref().map_or(0, |d| d.questions.len())));
    let workspace = move || {
        settings
            .0
            .with(|s| s.as_ref().map(|s| s.workspace.clone()).unwrap_or_default())
    };
    let key = move || {
        draft.with(|d| {
            d.as_ref()
                .map(|d| sites::site_key(&workspace(), d.id.trim()))
                .unwrap_or_default()
        })
    };
    let origin = window().location().origin().unwrap_or_default();
    let snippet = move || sites::snippet(&origin, &key());
    let stored_secret = move || {
        secret
            .get()
            .or_else(|| draft.with(|d| d.as_ref().and_then(|d| d.base.secret.clone())))
    };

    let save = {
        let ctx = ctx.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(d) = draft.get_untracked() else {
                return;
            };
            let Some(all) = settings
                .0
                .with_untracked(|s| s.as_ref().map(|s| s.sites.clone()))
            else {
                return;
            };
            let others: Vec<_> = all
                .iter()
                .filter(|s| d.new || s.id != d.base.id)
                .cloned()
                .collect();
            let site = match d.site(&others) {
                Ok(s) => s,
                Err(hint) => return ctx.hint(hint),
            };
            let id = site.id.clone();
            let next = sites::replace(&all, site);
            let name = d.name.trim().to_string();
            settings.save_then(
                &ctx,
                move |t| async move { calls::put_sites(&t, &next).await },
                format!("The site {name} is saved."),
                move |ok| {
                    if !ok {
                        return;
                    }
                    // The form goes on with the site as saved (its key now fixed).
                    let saved = settings.0.with_untracked(|s| {
                        s.as_ref()
                            .and_then(|s| s.sites.iter().find(|x| x.id == id).cloned())
                    });
                    if let Some(s) = saved {
                        draft.set(Some(SiteDraft::of(&s)));
                    }
                },
            );
        }
    };
    let rotate = {
        let ctx = ctx.clone();
        move |_| {
            let Some(id) = draft.with_untracked(|d| d.as_ref().map(|d| d.base.id.clone())) else {
                return;
            };
            let ctx = ctx.clone();
            confirm::ask(asking, "Rotate the identity secret? The old one stops verifying users at once: put the new one in your site's server.".into(), move || {
                let (ctx, id) = (ctx.clone(), id.clone());
                spawn_local(async move {
                    match calls::rotate_secret(&ctx.token, &id).await {
                        Ok(r) => {
                            // Later saves send the new secret, not the old one.
                            settings.0.update(|s| if let Some(s) = s {
                                if let Some(site) = s.sites.iter_mut().find(|x| x.id == r.site) { site.secret = Some(r.secret.clone()); }
                            });
                            draft.update(|d| if let Some(d) = d { d.base.secret = Some(r.secret.clone()); });
                            secret.set(Some(r.secret));
                            ctx.done("The secret is rotated: the new one is shown.");
                            focus_id("site-secret");
                        }
                        Err(e) => ctx.failed(&e),
                    }
                });
            });
        }
    };
    let rule_select = move |label: &'static str,
                            get: fn(&SiteDraft) -> FieldRule,
                            put: fn(&mut SiteDraft, FieldRule)| {
        view! {
            <label class="field">{label}
                <select prop:value=move || draft.with(|d| d.as_ref().map(|d| sites::rule_value(get(d))).unwrap_or("optional"))
                    on:change=move |ev| { let r = sites::rule_of(&event_target_value(&ev)); draft.update(|d| if let Some(d) = d { put(d, r) }); }>
                    {RULES.iter().map(|(r, v, w)| { let r = *r; view! {
                        <option value=*v selected=move || draft.with(|d| d.as_ref().is_some_and(|d| get(d) == r))>{*w}</option>
                    }}).collect_view()}
                </select>
            </label>
        }
    };
    let questions = move || {
        (0..count.get()).map(|i| {
            let q = move |f: fn(&QuestionDraft) -> String| move || draft.with(|d| d.as_ref().and_then(|d| d.questions.get(i)).map(f).unwrap_or_default());
            let upd = move |f: fn(&mut QuestionDraft, String)| move |ev: leptos::ev::Event| {
                let v = event_target_value(&ev);
                draft.update(|d| if let Some(q) = d.as_mut().and_then(|d| d.questions.get_mut(i)) { f(q, v) });
            };
            view! {
                <li class="admin-question">
                    <label class="field">{format!("Question {}", i + 1)}
                        <input type="text" prop:value=q(|q| q.label.clone()) on:input=upd(|q, v| q.label = v)/></label>
                    <label class="field">{format!("Key of question {}", i + 1)}
                        <input type="text" prop:value=q(|q| q.key.clone()) on:input=upd(|q, v| q.key = v)/></label>
                    <label class="inline-check">
                        <input type="checkbox"
                            prop:checked=move || draft.with(|d| d.as_ref().and_then(|d| d.questions.get(i)).is_some_and(|q| q.required))
                            on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| if let Some(q) = d.as_mut().and_then(|d| d.questions.get_mut(i)) { q.required = on }); }/>
                        {format!("Question {} required", i + 1)}
                    </label>
                    <button type="button" on:click=move |_| {
                        draft.update(|d| if let Some(d) = d { if i < d.questions.len() { d.questions.remove(i); } });
                        focus_id("add-question");
                    }>{format!("Remove question {}", i + 1)}</button>
                </li>
            }
        }).collect_view()
    };
    let copy_ctx = ctx.clone();
    view! {
        <form class="admin-form" on:submit=save aria-labelledby="site-form-title">
            <h3 id="site-form-title" tabindex="-1">
                {move || if is_new() { "New site".to_string() } else { format!("Edit {}", get(|d| d.base.name.clone())()) }}
            </h3>
            <label class="field">"Name"<input type="text" prop:value=get(|d| d.name.clone()) on:input=set(|d, v| d.name = v)/></label>
            {move || if is_new() {
                view! { <div class="field"><label for="site-id">"Site id"</label>
                    <input type="text" id="site-id" aria-describedby="site-id-hint" prop:value=get(|d| d.id.clone()) on:input=set(|d, v| d.id = v)/>
                    <span class="muted field-hint" id="site-id-hint">"Letters, digits, - and _; made from the name when empty. Fixed once saved."</span></div> }.into_any()
            } else {
                view! { <label class="field">"Site key"<input type="text" readonly prop:value=key/></label> }.into_any()
            }}
            <label class="field">"Default department"
                <select prop:value=get(|d| d.department.clone()) on:change=set(|d, v| d.department = v)>
                    {move || settings.departments().into_iter().map(|(id, name)| {
                        let this = id.clone();
                        view! { <option value=id selected=move || draft.with(|d| d.as_ref().is_some_and(|d| d.department == this))>{name}</option> }
                    }).collect_view()}
                </select>
            </label>
            <div class="field">
                <label for="site-origins">"Allowed origins"</label>
                <textarea rows="3" id="site-origins" aria-describedby="site-origins-hint" prop:value=get(|d| d.origins.clone()) on:input=set(|d, v| d.origins = v)></textarea>
                <span class="muted field-hint" id="site-origins-hint">"One per line, as https://shop.example or https://*.example.com."</span>
            </div>
            <fieldset class="admin-checks">
                <legend>"Theme"</legend>
                <label class="field">"Colour"<input type="text" prop:value=get(|d| d.color.clone()) on:input=set(|d, v| d.color = v)/></label>
                <label class="field">"Launcher position"
                    <select prop:value=move || draft.with(|d| if d.as_ref().is_some_and(|d| d.position == Position::Left) { "left" } else { "right" })
                        on:change=move |ev| { let left = event_target_value(&ev) == "left"; draft.update(|d| if let Some(d) = d { d.position = if left { Position::Left } else { Position::Right } }); }>
                        <option value="right">"Bottom right"</option>
                        <option value="left">"Bottom left"</option>
                    </select>
                </label>
            </fieldset>
            <fieldset class="admin-checks">
                <legend>"Pre-chat form"</legend>
                <label class="inline-check">
                    <input type="checkbox" prop:checked=move || draft.with(|d| d.as_ref().is_some_and(|d| d.prechat))
                        on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| if let Some(d) = d { d.prechat = on }); }/>
                    "Show a pre-chat form"
                </label>
                {rule_select("Name field", |d| d.name_rule, |d, r| d.name_rule = r)}
                {rule_select("Email field", |d| d.email_rule, |d, r| d.email_rule = r)}
                <ol class="admin-questions">{questions}</ol>
                <div><button type="button" id="add-question" on:click=move |_| draft.update(|d| if let Some(d) = d { d.questions.push(QuestionDraft::default()) })>"Add a question"</button></div>
            </fieldset>
            {move || (!is_new()).then(|| view! {
                <div class="admin-reveal">
                    <label class="field">"Identity secret"
                        <input type="text" id="site-secret" readonly prop:value=move || stored_secret().unwrap_or_default()/></label>
                    <button type="button" class="danger" on:click=rotate.clone()>"Rotate secret"</button>
                </div>
                <div class="admin-reveal">
                    <label class="field">"Script tag"
                        <textarea readonly rows="3" prop:value=snippet.clone()></textarea></label>
                    <button type="button" on:click={ let ctx = copy_ctx.clone(); let snippet = snippet.clone(); move |_| copy(&ctx, snippet(), "snippet") }>"Copy snippet"</button>
                </div>
            })}
            <div class="actions">
                <button type="submit" class="primary">"Save site"</button>
                <button type="button" on:click=move |_| { draft.set(None); focus_id("admin-screen-title"); }>"Close"</button>
            </div>
        </form>
    }
}
