//! "Audit log": who changed what and when, newest first; filters (who,
//! what, from, to) and "Older" for the next page.

use super::{Ctx, ScreenHead};
use crate::admin::audit::{Filter, WHATS};
use crate::admin::Screen;
use crate::api::admin as calls;
use crate::format;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::{AuditEntry, PersonInfo};

/// The screen.
#[component]
pub fn Audit() -> impl IntoView {
    let ctx = Ctx::get();
    let who = RwSignal::new(String::new());
    let what = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let entries = RwSignal::new(None::<Vec<AuditEntry>>);
    let next = RwSignal::new(None::<i64>);
    let people = RwSignal::new(Vec::<PersonInfo>::new());
    {
        let ctx = ctx.clone();
        spawn_local(async move {
            if let Ok(p) = calls::people(&ctx.token).await {
                people.try_set(p);
            }
        });
    }
    // Loads the first page of the filters (or the page after `before`).
    let load = move |before: Option<i64>| {
        let filter = Filter {
            who: who.get_untracked(),
            what: what.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
        };
        let query = match filter.query(before) {
            Ok(q) => q,
            Err(hint) => return ctx.hint(hint),
        };
        let ctx = ctx.clone();
        spawn_local(async move {
            match calls::audit(&ctx.token, &query).await {
                Ok(page) => {
                    entries.update(|e| match (before, e) {
                        (Some(_), Some(e)) => e.extend(page.entries),
                        (_, e) => *e = Some(page.entries),
                    });
                    next.set(page.next_before);
                }
                Err(e) => ctx.not_loaded("the audit log", &e),
            }
        });
    };
    let load2 = load.clone();
    load(None);
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Audit/>
            <form class="admin-form admin-filters" on:submit=move |ev| { ev.prevent_default(); load(None); }>
                <label class="field">"Who"
                    <select prop:value=move || who.get() on:change=move |ev| who.set(event_target_value(&ev))>
                        <option value="">"Anyone"</option>
                        {move || people.get().into_iter().map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()}
                        <option value="operator">"The operator"</option>
                    </select>
                </label>
                <label class="field">"What"
                    <select prop:value=move || what.get() on:change=move |ev| what.set(event_target_value(&ev))>
                        <option value="">"Anything"</option>
                        {WHATS.iter().map(|w| view! { <option value=*w>{*w}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">"From (UTC)"<input type="date" bind:value=from/></label>
                <label class="field">"To (UTC)"<input type="date" bind:value=to/></label>
                <div><button type="submit" class="primary">"Apply filters"</button></div>
            </form>
            {move || match entries.get() {
                None => super::loading().into_any(),
                Some(l) if l.is_empty() => view! { <p class="muted">"No entries."</p> }.into_any(),
                Some(l) => {
                    let now = format::now();
                    view! {
                        <table class="admin-table">
                            <caption class="visually-hidden">"Audit log"</caption>
                            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Target"</th><th scope="col">"Summary"</th></tr></thead>
                            <tbody>{l.into_iter().map(|e| view! {
                                <tr>
                                    <td><time datetime=format::iso(e.at)>{format::when(e.at, now)}</time></td>
                                    <td>{if e.who_name.is_empty() { e.who.clone() } else { e.who_name.clone() }}</td>
                                    <td><code>{e.what.clone()}</code></td>
                                    <td class="admin-text">{e.target.clone()}</td>
                                    <td class="admin-text">{e.summary.clone()}</td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }
            }}
            {move || next.get().map(|before| {
                let load = load2.clone();
                view! { <div><button type="button" on:click=move |_| load(Some(before))>"Older"</button></div> }
            })}
        </section>
    }
}
