//! "Routing": the workspace's algorithm, capacity, offer timeout and grace
//! period (in seconds), and a table of each department's own algorithm
//! and capacity; one "Save".

use super::{Ctx, ScreenHead, SettingsCell};
use crate::admin::routing::{algorithm_of, algorithm_value, RoutingDraft, ALGORITHMS};
use crate::admin::Screen;
use crate::api::admin as calls;
use leptos::prelude::*;

/// The screen.
#[component]
pub fn Routing() -> impl IntoView {
    let ctx = Ctx::get();
    let settings = expect_context::<SettingsCell>();
    let draft = RwSignal::new(None::<RoutingDraft>);
    Effect::new(move |_| {
        settings.0.with(|s| {
            if let Some(s) = s {
                draft.set(Some(RoutingDraft::of(s.routing.as_ref(), &s.departments)));
            }
        })
    });
    let loaded = Memo::new(move |_| draft.with(|d| d.as_ref().map(|d| d.departments.len())));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(d) = draft.get_untracked() else {
            return;
        };
        match d.setup() {
            Ok(r) => settings.save(
                &ctx,
                move |t| async move { calls::put_routing(&t, &r).await },
                "The routing settings are saved.",
            ),
            Err(hint) => ctx.hint(hint),
        }
    };
    let text = move |label: &'static str,
                     hint: &'static str,
                     get: fn(&RoutingDraft) -> String,
                     put: fn(&mut RoutingDraft, String)| {
        let id = super::fresh_id("routing");
        let hint_id = format!("{id}-hint");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input type="text" inputmode="decimal" id=id aria-describedby=hint_id.clone()
                    prop:value=move || draft.with(|d| d.as_ref().map(get).unwrap_or_default())
                    on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| if let Some(d) = d { put(d, v) }); }/>
                <span class="muted field-hint" id=hint_id>{hint}</span>
            </div>
        }
    };
    let rows = move |n: usize| {
        (0..n).map(|i| {
        let name = draft.with_untracked(|d| d.as_ref().and_then(|d| d.departments.get(i)).map(|x| x.name.clone()).unwrap_or_default());
        view! {
            <tr>
                <th scope="row">{name.clone()}</th>
                <td>
                    <select aria-label=format!("Algorithm of {name}")
                        prop:value=move || draft.with(|d| d.as_ref().and_then(|d| d.departments.get(i)).and_then(|x| x.algorithm).map_or("", algorithm_value))
                        on:change=move |ev| { let a = algorithm_of(&event_target_value(&ev)); draft.update(|d| if let Some(x) = d.as_mut().and_then(|d| d.departments.get_mut(i)) { x.algorithm = a }); }>
                        <option value="">"Workspace's algorithm"</option>
                        {ALGORITHMS.iter().map(|(a, v, w)| { let a = *a; view! {
                            <option value=*v selected=move || draft.with(|d| d.as_ref().and_then(|d| d.departments.get(i)).is_some_and(|x| x.algorithm == Some(a)))>{*w}</option>
                        }}).collect_view()}
                    </select>
                </td>
                <td>
                    <input type="text" inputmode="numeric" aria-label=format!("Capacity of {name}")
                        prop:value=move || draft.with(|d| d.as_ref().and_then(|d| d.departments.get(i)).map(|x| x.capacity.clone()).unwrap_or_default())
                        on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| if let Some(x) = d.as_mut().and_then(|d| d.departments.get_mut(i)) { x.capacity = v }); }/>
                </td>
            </tr>
        }
    }).collect_view()
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Routing/>
            {move || match loaded.get() {
                None => super::loading().into_any(),
                Some(n) => view! {
                    <form class="admin-form" on:submit=save.clone()>
                        <label class="field">"Algorithm"
                            <select prop:value=move || draft.with(|d| d.as_ref().map_or("", |d| algorithm_value(d.algorithm)))
                                on:change=move |ev| if let Some(a) = algorithm_of(&event_target_value(&ev)) { draft.update(|d| if let Some(d) = d { d.algorithm = a }) }>
                                {ALGORITHMS.iter().map(|(a, v, w)| { let a = *a; view! {
                                    <option value=*v selected=move || draft.with(|d| d.as_ref().is_some_and(|d| d.algorithm == a))>{*w}</option>
                                }}).collect_view()}
                            </select>
                        </label>
                        {text("Capacity", "Simultaneous chats per agent; empty: no limit.", |d| d.capacity.clone(), |d, v| d.capacity = v)}
                        {text("Offer timeout (seconds)", "How long an offer waits for Accept.", |d| d.offer_timeout.clone(), |d, v| d.offer_timeout = v)}
                        {text("Grace period (seconds)", "How long an agent whose app disconnected stays routable.", |d| d.grace.clone(), |d, v| d.grace = v)}
                        <table class="admin-table">
                            <caption>"Per department"</caption>
                            <thead><tr><th scope="col">"Department"</th><th scope="col">"Algorithm"</th><th scope="col">"Capacity"</th></tr></thead>
                            <tbody>{rows(n)}</tbody>
                        </table>
                        <div><button type="submit" class="primary">"Save"</button></div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
