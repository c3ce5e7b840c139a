//! "Business hours": for the chosen department, its time zone (a UTC
//! offset) and its week of opening intervals (day, opens, closes), with
//! rows added and removed; "Save hours" sends the departments' list.

use super::{focus_id, Ctx, ScreenHead, SettingsCell};
use crate::admin::hours::{self, DAYS};
use crate::admin::Screen;
use crate::api::admin as calls;
use leptos::prelude::*;
use shared::api::OpeningHours;

/// The screen.
#[component]
pub fn Hours() -> impl IntoView {
    let ctx = Ctx::get();
    let settings = expect_context::<SettingsCell>();
    let chosen = RwSignal::new(None::<String>);
    let rows = RwSignal::new(Vec::<OpeningHours>::new());
    let offset = RwSignal::new(0i32);
    // The first department, once they are loaded.
    Effect::new(move |_| {
        if chosen.with_untracked(Option::is_none) {
            if let Some((id, _)) = settings.departments().into_iter().next() {
                chosen.set(Some(id));
            }
        }
    });
    // The chosen department's week fills the form.
    Effect::new(move |_| {
        let Some(id) = chosen.get() else { return };
        let found = settings.0.with_untracked(|s| {
            s.as_ref()
                .and_then(|s| s.departments.iter().find(|d| d.id == id).cloned())
        });
        if let Some(d) = found {
            rows.set(d.hours);
            offset.set(d.utc_offset_minutes);
        }
    });
    let count = Memo::new(move |_| rows.with(Vec::len));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = chosen.get_untracked() else {
            return;
        };
        let Some(list) = settings
            .0
            .with_untracked(|s| s.as_ref().map(|s| s.departments.clone()))
        else {
            return;
        };
        match hours::apply(&list, &id, &rows.get_untracked(), offset.get_untracked()) {
            Ok(next) => settings.save(
                &ctx,
                move |t| async move { calls::put_departments(&t, &next).await },
                "The business hours are saved.",
            ),
            Err(hint) => ctx.hint(hint),
        }
    };
    let row = move |i: usize| {
        let get = move |f: fn(&OpeningHours) -> String| {
            move || rows.with(|r| r.get(i).map(f).unwrap_or_default())
        };
        let put = move |f: fn(&mut OpeningHours, String)| {
            move |ev: leptos::ev::Event| {
                let v = event_target_value(&ev);
                rows.update(|r| {
                    if let Some(x) = r.get_mut(i) {
                        f(x, v)
                    }
                });
            }
        };
        let n = i + 1;
        view! {
            <tr>
                <td>
                    <select aria-label=format!("Day of row {n}") prop:value=get(|h| h.day.to_string()) on:change=put(|h, v| h.day = v.parse().unwrap_or(h.day))>
                        {DAYS.iter().enumerate().map(|(d, w)| view! {
                            <option value=d.to_string() selected=move || rows.with(|r| r.get(i).is_some_and(|h| usize::from(h.day) == d))>{*w}</option>
                        }).collect_view()}
                    </select>
                </td>
                <td><input type="text" placeholder="09:00" aria-label=format!("Opens, row {n}") prop:value=get(|h| h.open.clone()) on:input=put(|h, v| h.open = v)/></td>
                <td><input type="text" placeholder="17:00" aria-label=format!("Closes, row {n}") prop:value=get(|h| h.close.clone()) on:input=put(|h, v| h.close = v)/></td>
                <td><button type="button" aria-label=format!("Remove row {n}") on:click=move |_| {
                    rows.update(|r| if i < r.len() { r.remove(i); });
                    focus_id("add-hours");
                }>"Remove"</button></td>
            </tr>
        }
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Hours/>
            {move || settings.0.with(Option::is_none).then(super::loading)}
            <form class="admin-form" on:submit=save>
                <label class="field">"Department"
                    <select prop:value=move || chosen.get().unwrap_or_default() on:change=move |ev| chosen.set(Some(event_target_value(&ev)))>
                        {move || settings.departments().into_iter().map(|(id, name)| {
                            let this = id.clone();
                            view! { <option value=id selected=move || chosen.with(|c| c.as_ref() == Some(&this))>{name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">"Time zone"
                    <select prop:value=move || offset.get().to_string() on:change=move |ev| offset.set(event_target_value(&ev).parse().unwrap_or(0))>
                        {hours::offsets().map(|m| view! {
                            <option value=m.to_string() selected=move || offset.get() == m>{hours::offset_label(m)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <table class="admin-table">
                    <caption>"Opening hours (none: always open)"</caption>
                    <thead><tr><th scope="col">"Day"</th><th scope="col">"Opens"</th><th scope="col">"Closes"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>{move || (0..count.get()).map(row).collect_view()}</tbody>
                </table>
                <div class="actions">
                    <button type="button" id="add-hours" on:click=move |_| rows.update(|r| { let next = hours::next_row(r); r.push(next); })>"Add hours"</button>
                    <button type="submit" class="primary">"Save hours"</button>
                </div>
            </form>
        </section>
    }
}
