//! "Roles and permissions": a table of permissions (rows) × roles
//! (columns), a checkbox in each cell, one "Save".

use super::{Ctx, ScreenHead, SettingsCell};
use crate::admin::grants::{permission_word, Grid};
use crate::admin::{role_word, Screen, ROLES};
use crate::api::admin as calls;
use leptos::prelude::*;
use shared::admin::all_permissions;

/// The screen.
#[component]
pub fn Roles() -> impl IntoView {
    let ctx = Ctx::get();
    let settings = expect_context::<SettingsCell>();
    let grid = RwSignal::new(None::<Grid>);
    Effect::new(move |_| {
        if let Some(s) = settings.0.get() {
            grid.set(Some(Grid::of(&s.grants)));
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(g) = grid.get_untracked() else {
            return;
        };
        let grants = g.grants();
        settings.save(
            &ctx,
            move |t| async move { calls::put_grants(&t, &grants).await },
            "The permissions are saved.",
        );
    };
    let rows = move || {
        all_permissions().into_iter().map(|p| view! {
            <tr>
                <th scope="row">{permission_word(p)}</th>
                {ROLES.into_iter().map(|r| view! {
                    <td>
                        <input type="checkbox"
                            aria-label=format!("{} for {}", permission_word(p), role_word(r))
                            prop:checked=move || grid.with(|g| g.as_ref().is_some_and(|g| g.has(r, p)))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                grid.update(|g| if let Some(g) = g { g.set(r, p, on) });
                            }/>
                    </td>
                }).collect_view()}
            </tr>
        }).collect_view()
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Roles/>
            {move || match grid.with(Option::is_some) {
                false => super::loading().into_any(),
                true => view! {
                    <form class="admin-form" on:submit=save.clone()>
                        <table class="admin-table admin-grid">
                            <caption>"What each role may do"</caption>
                            <thead><tr>
                                <th scope="col">"Permission"</th>
                                {ROLES.into_iter().map(|r| view! { <th scope="col">{role_word(r)}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>{rows()}</tbody>
                        </table>
                        <div><button type="submit" class="primary">"Save"</button></div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
