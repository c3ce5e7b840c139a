//! "Webhooks": the list with "Edit", "Remove" (confirmed) and
//! "Deliveries"; a form (name, URL, events, active) for a new or the
//! chosen webhook, showing its signing secret; and the chosen webhook's
//! delivery log (event, status, attempts, last answer or error, times)
//! with "Redeliver" per delivery and "Refresh".

use super::confirm::{self, Ask, ConfirmDialog};
use super::{focus_id, run, Ctx, ScreenHead};
use crate::admin::webhooks::{event_word, status_word, WebhookDraft, EVENTS};
use crate::admin::Screen;
use crate::api::admin as calls;
use crate::format;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::{Delivery, Webhook};

/// The screen.
#[component]
pub fn Webhooks() -> impl IntoView {
    let ctx = Ctx::get();
    let list = RwSignal::new(None::<Vec<Webhook>>);
    let asking = RwSignal::new(None::<Ask>);
    // The form: which webhook (none: a new one) and its draft.
    let form = RwSignal::new(None::<(Option<Webhook>, WebhookDraft)>);
    let log = RwSignal::new(None::<(Webhook, Option<Vec<Delivery>>)>);
    let load = {
        let ctx = ctx.clone();
        move || {
            let ctx = ctx.clone();
            spawn_local(async move {
                match calls::webhooks(&ctx.token).await {
                    Ok(l) => {
                        list.try_set(Some(l));
                    }
                    Err(e) => ctx.not_loaded("the webhooks", &e),
                }
            });
        }
    };
    load();
    let load_log = {
        let ctx = ctx.clone();
        move |hook: Webhook| {
            let ctx = ctx.clone();
            log.set(Some((hook.clone(), None)));
            spawn_local(async move {
                match calls::deliveries(&ctx.token, &hook.id).await {
                    Ok(d) => {
                        log.try_set(Some((hook, Some(d))));
                    }
                    Err(e) => ctx.not_loaded("the deliveries", &e),
                }
            });
        }
    };
    let remove = {
        let (ctx, load) = (ctx.clone(), load.clone());
        move |h: Webhook| {
            let (ctx, load) = (ctx.clone(), load.clone());
            move |_| {
                let (ctx, load, h) = (ctx.clone(), load.clone(), h.clone());
                confirm::ask(
                    asking,
                    format!("Remove the webhook {}? Its deliveries stop.", h.name),
                    move || {
                        let (id, load) = (h.id.clone(), load.clone());
                        if form.with_untracked(|f| {
                            f.as_ref()
                                .and_then(|(w, _)| w.as_ref())
                                .is_some_and(|w| w.id == id)
                        }) {
                            form.set(None);
                        }
                        if log.with_untracked(|l| l.as_ref().is_some_and(|(w, _)| w.id == id)) {
                            log.set(None);
                        }
                        run(
                            &ctx,
                            move |t| async move { calls::remove_webhook(&t, &id).await },
                            format!("The webhook {} is removed.", h.name),
                            move |()| load(),
                        );
                    },
                );
            }
        }
    };
    let row = {
        let (remove, load_log) = (remove.clone(), load_log.clone());
        move |h: Webhook| {
            let events = h
                .events
                .iter()
                .map(|e| event_word(*e))
                .collect::<Vec<_>>()
                .join(", ");
            let (edit_h, log_h) = (h.clone(), h.clone());
            let load_log = load_log.clone();
            view! {
                <tr>
                    <th scope="row">{h.name.clone()}</th>
                    <td class="admin-text">{h.url.clone()}</td>
                    <td>{events}</td>
                    <td>{if h.active { "Active" } else { "Paused" }}</td>
                    <td class="admin-actions">
                        <button type="button" on:click=move |_| {
                            form.set(Some((Some(edit_h.clone()), WebhookDraft::of(&edit_h))));
                            focus_id("webhook-form-title");
                        }>"Edit"</button>
                        <button type="button" on:click=move |_| { load_log(log_h.clone()); focus_id("deliveries-title"); }>"Deliveries"</button>
                        <button type="button" class="danger" on:click=remove.clone()(h.clone())>"Remove"</button>
                    </td>
                </tr>
            }
        }
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Webhooks/>
            <ConfirmDialog ask=asking/>
            {move || match list.get() {
                None => super::loading().into_any(),
                Some(l) if l.is_empty() => view! { <p class="muted">"No webhooks yet."</p> }.into_any(),
                Some(l) => view! {
                    <table class="admin-table">
                        <caption class="visually-hidden">"Webhooks"</caption>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"URL"</th><th scope="col">"Events"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
                        <tbody>{l.into_iter().map(row.clone()).collect_view()}</tbody>
                    </table>
                }.into_any(),
            }}
            <div>
                <button type="button" on:click=move |_| { form.set(Some((None, WebhookDraft::default()))); focus_id("webhook-form-title"); }>"Add a webhook"</button>
            </div>
            {move || form.with(Option::is_some).then(|| view! { <WebhookForm form list on_saved=Callback::new({ let load = load.clone(); move |()| load() })/> })}
            {move || log.with(Option::is_some).then(|| view! { <DeliveryLog log load_log=Callback::new(load_log.clone())/> })}
        </section>
    }
}

/// The form of a new or an existing webhook.
#[component]
fn WebhookForm(
    form: RwSignal<Option<(Option<Webhook>, WebhookDraft)>>,
    list: RwSignal<Option<Vec<Webhook>>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let ctx = Ctx::get();
    let existing = Memo::new(move |_| form.with(|f| f.as_ref().and_then(|(w, _)| w.clone())));
    let text = move |label: &'static str,
                     get: fn(&WebhookDraft) -> String,
                     put: fn(&mut WebhookDraft, String)| {
        view! {
            <label class="field">{label}
                <input type="text" prop:value=move || form.with(|f| f.as_ref().map(|(_, d)| get(d)).unwrap_or_default())
                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| if let Some((_, d)) = f { put(d, v) }); }/>
            </label>
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((hook, draft)) = form.get_untracked() else {
            return;
        };
        let request = match draft.request() {
            Ok(r) => r,
            Err(hint) => return ctx.hint(hint),
        };
        let id = hook.map(|h| h.id);
        let said = format!("The webhook {} is saved.", request.name);
        run(
            &ctx,
            move |t| async move { calls::save_webhook(&t, id.as_deref(), &request).await },
            said,
            move |saved: Webhook| {
                list.update(|l| {
                    if let Some(l) = l {
                        match l.iter_mut().find(|w| w.id == saved.id) {
                            Some(w) => *w = saved.clone(),
                            None => l.push(saved.clone()),
                        }
                    }
                });
                form.set(Some((Some(saved.clone()), WebhookDraft::of(&saved))));
                on_saved.run(());
                focus_id("webhook-secret");
            },
        );
    };
    view! {
        <form class="admin-form" on:submit=save aria-labelledby="webhook-form-title">
            <h3 id="webhook-form-title" tabindex="-1">
                {move || existing.get().map_or_else(|| "New webhook".to_string(), |w| format!("Edit {}", w.name))}
            </h3>
            {text("Webhook name", |d| d.name.clone(), |d, v| d.name = v)}
            {text("URL", |d| d.url.clone(), |d, v| d.url = v)}
            <fieldset class="admin-checks">
                <legend>"Events"</legend>
                {EVENTS.iter().map(|(e, w)| { let e = *e; view! {
                    <label class="inline-check">
                        <input type="checkbox" prop:checked=move || form.with(|f| f.as_ref().is_some_and(|(_, d)| d.events.contains(&e)))
                            on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| if let Some((_, d)) = f { if on { d.events.insert(e); } else { d.events.remove(&e); } }); }/>
                        {*w}
                    </label>
                }}).collect_view()}
            </fieldset>
            <label class="inline-check">
                <input type="checkbox" prop:checked=move || form.with(|f| f.as_ref().is_some_and(|(_, d)| d.active))
                    on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| if let Some((_, d)) = f { d.active = on }); }/>
                "Active"
            </label>
            {move || existing.get().map(|w| view! {
                <label class="field">"Signing secret"<input type="text" id="webhook-secret" readonly prop:value=w.secret/></label>
            })}
            <div class="actions">
                <button type="submit" class="primary">"Save webhook"</button>
                <button type="button" on:click=move |_| { form.set(None); focus_id("admin-screen-title"); }>"Close"</button>
            </div>
        </form>
    }
}

/// A webhook's deliveries, newest first as the server lists them.
#[component]
fn DeliveryLog(
    log: RwSignal<Option<(Webhook, Option<Vec<Delivery>>)>>,
    load_log: Callback<Webhook>,
) -> impl IntoView {
    let ctx = Ctx::get();
    let hook = move || log.with(|l| l.as_ref().map(|(w, _)| w.clone()));
    let row = move |d: Delivery, now: f64| {
        let ctx = ctx.clone();
        let (hook_id, id) = (d.webhook.clone(), d.id.clone());
        let last = match (d.last_status, &d.last_error) {
            (Some(s), Some(e)) => format!("{s}: {e}"),
            (Some(s), None) => s.to_string(),
            (None, Some(e)) => e.clone(),
            (None, None) => "–".into(),
        };
        let when = d
            .delivered_at
            .map(|at| format!("Delivered {}", format::when(at, now)))
            .or_else(|| {
                d.next_attempt_at
                    .map(|at| format!("Next attempt {}", format::when(at, now)))
            })
            .unwrap_or_default();
        view! {
            <tr>
                <th scope="row">{event_word(d.event)}</th>
                <td>{status_word(d.status)}</td>
                <td>{d.attempts}</td>
                <td>{last}</td>
                <td>{format::when(d.created_at, now)}</td>
                <td>{when}</td>
                <td><button type="button" on:click=move |_| {
                    let (hook_id, id) = (hook_id.clone(), id.clone());
                    run(&ctx, move |t| async move { calls::redeliver(&t, &hook_id, &id).await },
                        "The delivery is sent again.", move |updated: Delivery| {
                            log.update(|l| if let Some((_, Some(list))) = l {
                                if let Some(x) = list.iter_mut().find(|x| x.id == updated.id) { *x = updated; }
                            });
                        });
                }>"Redeliver"</button></td>
            </tr>
        }
    };
    view! {
        <section class="admin-subsection" aria-labelledby="deliveries-title">
            <h3 id="deliveries-title" tabindex="-1">{move || hook().map(|w| format!("Deliveries of {}", w.name)).unwrap_or_default()}</h3>
            <div><button type="button" on:click=move |_| if let Some(w) = hook() { load_log.run(w) }>"Refresh"</button></div>
            {move || match log.get().and_then(|(_, d)| d) {
                None => super::loading().into_any(),
                Some(d) if d.is_empty() => view! { <p class="muted">"No deliveries yet."</p> }.into_any(),
                Some(d) => {
                    let now = format::now();
                    let row = row.clone();
                    view! {
                        <table class="admin-table">
                            <caption class="visually-hidden">"Deliveries"</caption>
                            <thead><tr><th scope="col">"Event"</th><th scope="col">"Status"</th><th scope="col">"Attempts"</th>
                                <th scope="col">"Last answer"</th><th scope="col">"Happened"</th><th scope="col">"Delivery"</th><th scope="col">"Actions"</th></tr></thead>
                            <tbody>{d.into_iter().map(|x| row(x, now)).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}
