//! "API tokens": the list (name, scopes, prefix, created, last used) with
//! "Revoke" (confirmed), and a form (name, scopes) whose token is shown
//! once, with "Copy token".

use super::confirm::{self, Ask, ConfirmDialog};
use super::{copy, focus_id, run, Ctx, ScreenHead};
use crate::admin::tokens::{self, scope_word, SCOPES};
use crate::admin::Screen;
use crate::api::admin as calls;
use crate::format;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::{ApiScope, ApiTokenInfo};
use std::collections::BTreeSet;

/// The screen.
#[component]
pub fn Tokens() -> impl IntoView {
    let ctx = Ctx::get();
    let list = RwSignal::new(None::<Vec<ApiTokenInfo>>);
    let asking = RwSignal::new(None::<Ask>);
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(BTreeSet::<ApiScope>::new());
    let made = RwSignal::new(None::<String>);
    let load = {
        let ctx = ctx.clone();
        move || {
            let ctx = ctx.clone();
            spawn_local(async move {
                match calls::api_tokens(&ctx.token).await {
                    Ok(l) => {
                        list.try_set(Some(l));
                    }
                    Err(e) => ctx.not_loaded("the API tokens", &e),
                }
            });
        }
    };
    load();
    let create = {
        let (ctx, load) = (ctx.clone(), load.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let request = match tokens::request(&name.get_untracked(), &scopes.get_untracked()) {
                Ok(r) => r,
                Err(hint) => return ctx.hint(hint),
            };
            let load = load.clone();
            run(
                &ctx,
                move |t| async move { calls::create_token(&t, &request).await },
                "The token is made: copy it now, it is shown only once.",
                move |created| {
                    made.set(Some(created.token));
                    name.set(String::new());
                    scopes.set(BTreeSet::new());
                    load();
                    focus_id("copy-token");
                },
            );
        }
    };
    let revoke = {
        let (ctx, load) = (ctx.clone(), load.clone());
        move |t: ApiTokenInfo| {
            let (ctx, load) = (ctx.clone(), load.clone());
            move |_| {
                let (ctx, load, t) = (ctx.clone(), load.clone(), t.clone());
                confirm::ask(
                    asking,
                    format!(
                        "Revoke the token {}? Systems using it are refused at once.",
                        t.name
                    ),
                    move || {
                        let (id, load) = (t.id.clone(), load.clone());
                        run(
                            &ctx,
                            move |tk| async move { calls::revoke_token(&tk, &id).await },
                            format!("The token {} is revoked.", t.name),
                            move |()| load(),
                        );
                    },
                );
            }
        }
    };
    let copy_ctx = ctx.clone();
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Tokens/>
            <ConfirmDialog ask=asking/>
            {move || made.get().map(|token| {
                let ctx = copy_ctx.clone();
                let t = token.clone();
                view! {
                    <div class="admin-reveal" role="group" aria-label="New token">
                        <label class="field">"New token (shown once)"<input type="text" readonly prop:value=token/></label>
                        <button type="button" id="copy-token" on:click=move |_| copy(&ctx, t.clone(), "token")>"Copy token"</button>
                    </div>
                }
            })}
            {move || match list.get() {
                None => super::loading().into_any(),
                Some(l) if l.is_empty() => view! { <p class="muted">"No API tokens yet."</p> }.into_any(),
                Some(l) => {
                    let now = format::now();
                    view! {
                        <table class="admin-table">
                            <caption class="visually-hidden">"API tokens"</caption>
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Prefix"</th>
                                <th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col">"Actions"</th></tr></thead>
                            <tbody>{l.into_iter().map(|t| view! {
                                <tr>
                                    <th scope="row">{t.name.clone()}</th>
                                    <td>{t.scopes.iter().map(|s| scope_word(*s)).collect::<Vec<_>>().join(", ")}</td>
                                    <td><code>{t.prefix.clone()}</code></td>
                                    <td>{format::when(t.created_at, now)}</td>
                                    <td>{t.last_used_at.map_or_else(|| "Never".to_string(), |at| format::when(at, now))}</td>
                                    <td><button type="button" class="danger" on:click=revoke.clone()(t.clone())>"Revoke"</button></td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }
            }}
            <form class="admin-form" on:submit=create>
                <h3>"New token"</h3>
                <label class="field">"Token name"<input type="text" bind:value=name/></label>
                <fieldset class="admin-checks">
                    <legend>"Scopes"</legend>
                    {SCOPES.iter().map(|(s, w)| { let s = *s; view! {
                        <label class="inline-check">
                            <input type="checkbox" prop:checked=move || scopes.with(|x| x.contains(&s))
                                on:change=move |ev| { let on = event_target_checked(&ev); scopes.update(|x| { if on { x.insert(s); } else { x.remove(&s); } }); }/>
                            {*w}
                        </label>
                    }}).collect_view()}
                </fieldset>
                <div><button type="submit" class="primary">"Create token"</button></div>
            </form>
        </section>
    }
}
