//! "My account": the agent's own settings, kept by the workspace so they
//! follow the agent to any browser: always export a PDF, always email the
//! visitor the transcript, on every close.

use crate::api;
use crate::app::SignOut;
use crate::notice::Notices;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Preferences;

/// The sidebar's "My account" button and its dialog.
#[component]
pub fn MyAccount() -> impl IntoView {
    let shown = RwSignal::new(false);
    view! {
        <button type="button" class="my-account" aria-haspopup="dialog"
            on:click=move |_| shown.set(true)>"My account"</button>
        {move || shown.get().then(|| view! { <AccountDialog shown/> })}
    }
}

#[component]
fn AccountDialog(shown: RwSignal<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let notices = expect_context::<Notices>();
    let sign_out = expect_context::<SignOut>();
    let (form, on_keydown) = super::dialog::focus_and_escape(shown);
    let prefs = RwSignal::new(None::<Preferences>);
    let token = session.token.clone();
    {
        let token = token.clone();
        spawn_local(async move {
            match api::preferences(&token).await {
                Ok(p) => {
                    prefs.try_set(Some(p));
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => notices.failed(api::message(&e)),
            }
        });
    }
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = prefs.get_untracked() else {
            return;
        };
        let token = token.clone();
        spawn_local(async move {
            match api::save_preferences(&token, &p).await {
                Ok(()) => {
                    notices.done("Your preferences are saved.");
                    shown.try_set(false);
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => notices.failed(api::message(&e)),
            }
        });
    };
    let check = move |label: &'static str,
                      get: fn(&Preferences) -> bool,
                      set: fn(&mut Preferences, bool)| {
        view! {
            <label class="inline-check">
                <input type="checkbox"
                    prop:checked=move || prefs.with(|p| p.as_ref().is_some_and(get))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        prefs.update(|p| if let Some(p) = p { set(p, on) });
                    }/>
                {label}
            </label>
        }
    };
    view! {
        <div class="dialog-backdrop">
            <form class="dialog" role="dialog" aria-modal="true" aria-label="My account" tabindex="-1"
                node_ref=form on:keydown=on_keydown on:submit=save>
                <h2>"My account"</h2>
                <p class="muted">{format!("{} · {}", session.agent.name, session.agent.email)}</p>
                <fieldset>
                    <legend>"When I close a chat"</legend>
                    {check("Always export a PDF", |p| p.pdf_on_close, |p, on| p.pdf_on_close = on)}
                    {check("Always email the visitor", |p| p.email_on_close, |p, on| p.email_on_close = on)}
                </fieldset>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || prefs.with(Option::is_none)>"Save"</button>
                </div>
            </form>
        </div>
    }
}
