//! "Calls": calls on or off, the sites and departments without them, the
//! ring timeout (seconds), and the STUN and TURN servers with the TURN
//! shared secret; one "Save".

use super::{Ctx, ScreenHead, SettingsCell};
use crate::admin::calls::{CallsDraft, Place};
use crate::admin::Screen;
use crate::api::admin as calls;
use leptos::prelude::*;

/// The screen.
#[component]
pub fn Calls() -> impl IntoView {
    let ctx = Ctx::get();
    let settings = expect_context::<SettingsCell>();
    let draft = RwSignal::new(None::<CallsDraft>);
    Effect::new(move |_| {
        settings.0.with(|s| {
            if let Some(s) = s {
                draft.set(Some(CallsDraft::of(&s.calls, &s.sites, &s.departments)));
            }
        })
    });
    let loaded = Memo::new(move |_| {
        draft.with(|d| d.as_ref().map(|d| (d.sites.len(), d.departments.len())))
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(d) = draft.get_untracked() else {
            return;
        };
        match d.setup() {
            Ok(c) => settings.save(
                &ctx,
                move |t| async move { calls::put_calls(&t, &c).await },
                "The call settings are saved.",
            ),
            Err(hint) => ctx.hint(hint),
        }
    };
    let text = move |label: &'static str,
                     hint: &'static str,
                     get: fn(&CallsDraft) -> String,
                     put: fn(&mut CallsDraft, String)| {
        let id = super::fresh_id("calls");
        let hint_id = format!("{id}-hint");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <textarea rows="2" id=id aria-describedby=hint_id.clone()
                    prop:value=move || draft.with(|d| d.as_ref().map(get).unwrap_or_default())
                    on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| if let Some(d) = d { put(d, v) }); }></textarea>
                <span class="muted field-hint" id=hint_id>{hint}</span>
            </div>
        }
    };
    // A box per site or department: `list` and `list_mut` choose them.
    let boxes = move |n: usize,
                      list: fn(&CallsDraft) -> &[Place],
                      list_mut: fn(&mut CallsDraft) -> &mut Vec<Place>| {
        (0..n)
            .map(|i| {
                let name = draft.with_untracked(|d| {
                    d.as_ref()
                        .and_then(|d| list(d).get(i))
                        .map(|p| p.name.clone())
                        .unwrap_or_default()
                });
                view! {
                    <label class="check">
                        <input type="checkbox"
                            prop:checked=move || draft.with(|d| d.as_ref().and_then(|d| list(d).get(i)).is_some_and(|p| p.off))
                            on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| if let Some(p) = d.as_mut().and_then(|d| list_mut(d).get_mut(i)) { p.off = on }); }/>
                        {format!("No calls on {name}")}
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Calls/>
            {move || match loaded.get() {
                None => super::loading().into_any(),
                Some((sites, departments)) => view! {
                    <form class="admin-form" on:submit=save.clone()>
                        <label class="check">
                            <input type="checkbox"
                                prop:checked=move || draft.with(|d| d.as_ref().is_some_and(|d| d.enabled))
                                on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| if let Some(d) = d { d.enabled = on }); }/>
                            "Agents may start audio and video calls"
                        </label>
                        <fieldset>
                            <legend>"Sites"</legend>
                            {boxes(sites, |d| &d.sites, |d| &mut d.sites)}
                        </fieldset>
                        <fieldset>
                            <legend>"Departments"</legend>
                            {boxes(departments, |d| &d.departments, |d| &mut d.departments)}
                        </fieldset>
                        <div class="field">
                            <label for="calls-ring">"Ring timeout (seconds)"</label>
                            <input type="text" inputmode="numeric" id="calls-ring" aria-describedby="calls-ring-hint"
                                prop:value=move || draft.with(|d| d.as_ref().map(|d| d.ring.clone()).unwrap_or_default())
                                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| if let Some(d) = d { d.ring = v }); }/>
                            <span class="muted field-hint" id="calls-ring-hint">"How long the visitor's widget rings before the call is missed (5 to 300)."</span>
                        </div>
                        {text("STUN servers", "One stun: or stuns: URL a line; empty: none.", |d| d.stun.clone(), |d, v| d.stun = v)}
                        {text("TURN servers", "One turn: or turns: URL a line; each call gets credentials of its own, valid 4 hours.", |d| d.turn.clone(), |d, v| d.turn = v)}
                        <div class="field">
                            <label for="calls-secret">"TURN shared secret"</label>
                            <input type="password" id="calls-secret" autocomplete="off" aria-describedby="calls-secret-hint"
                                prop:value=move || draft.with(|d| d.as_ref().map(|d| d.secret.clone()).unwrap_or_default())
                                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| if let Some(d) = d { d.secret = v }); }/>
                            <span class="muted field-hint" id="calls-secret-hint">"The secret your TURN server shares with this workspace (16 characters or more); never shown to visitors."</span>
                        </div>
                        <div><button type="submit" class="primary">"Save"</button></div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
