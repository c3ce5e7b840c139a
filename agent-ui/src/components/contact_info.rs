//! "Contact information" in the open conversation's header: a panel with
//! the record of the conversation's contact, loaded from the server each
//! time it opens (so an edit by a colleague shows), editable by those who
//! may. "Close" and Escape close it; the focus goes back to the button.

use crate::app::SignOut;
use crate::components::contact_card::ContactCard;
use crate::contacts;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::contacts::ContactDetail;
use shared::ConversationId;

/// The header's "Contact information" button of conversation `id`, and its
/// panel.
#[component]
pub fn ContactInfo(id: ConversationId) -> impl IntoView {
    let shown = RwSignal::new(false);
    // Closed with Escape or "Close": the focus goes back to the button.
    let button = super::dialog::returns_focus_to_opener(shown);
    view! {
        <button type="button" class="history-button" node_ref=button aria-haspopup="dialog"
            aria-expanded=move || shown.get().to_string()
            on:click=move |_| shown.update(|s| *s = !*s)>
            "Contact information"
        </button>
        {move || shown.get().then(|| view! { <Panel id=id.clone() shown/> })}
    }
}

#[component]
fn Panel(id: ConversationId, shown: RwSignal<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let detail = RwSignal::new(None::<ContactDetail>);
    let failure = RwSignal::new(None::<String>);
    let (panel, on_keydown) = super::dialog::focus_and_escape_on::<leptos::html::Div>(shown);
    {
        let token = session.token.clone();
        spawn_local(async move {
            match contacts::of_conversation(&token, &id).await {
                Ok(d) => {
                    detail.try_set(Some(d));
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => {
                    failure.try_set(Some(crate::notice::could_not_load("the contact", &e)));
                }
            }
        });
    }
    view! {
        <div class="dialog-backdrop">
            <div class="dialog contact-info" role="dialog" aria-modal="true" aria-label="Contact information"
                tabindex="-1" node_ref=panel on:keydown=on_keydown>
                <h2>"Contact information"</h2>
                {move || failure.get().map(|t| view! { <p class="error" role="alert">{t}</p> })}
                {move || match detail.with(Option::is_some) {
                    true => view! { <ContactCard detail/> }.into_any(),
                    false if failure.with(Option::is_none) => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                    false => ().into_any(),
                }}
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Close"</button>
                </div>
            </div>
        </div>
    }
}
