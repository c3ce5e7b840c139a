//! A closed conversation's transcript tools in its header: "Export as PDF"
//! (with or without its attachments) and "Send via email" to the visitor,
//! whose address is taken from the contact when it is known.

use crate::app::SignOut;
use crate::notice::Notices;
use crate::session::Session;
use crate::transcripts;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ConversationId;

/// The visitor's email as the contact record has it, if any.
pub async fn contact_email(token: &str, id: &ConversationId) -> Option<String> {
    crate::contacts::of_conversation(token, id)
        .await
        .ok()
        .and_then(|d| d.contact.email)
}

/// The tools of closed conversation `id`.
#[component]
pub fn TranscriptTools(id: ConversationId) -> impl IntoView {
    let session = expect_context::<Session>();
    let notices = expect_context::<Notices>();
    let sign_out = expect_context::<SignOut>();
    let attachments = RwSignal::new(false);
    let emailing = RwSignal::new(false);
    let to = RwSignal::new(String::new());
    let token = session.token.clone();
    let export = {
        let (id, token) = (id.clone(), token.clone());
        move |_| {
            transcripts::export_pdf(
                token.clone(),
                id.clone(),
                attachments.get_untracked(),
                notices,
                sign_out,
            )
        }
    };
    let open_email = {
        let (id, token) = (id.clone(), token.clone());
        move |_| {
            emailing.set(true);
            let (id, token) = (id.clone(), token.clone());
            spawn_local(async move {
                if let Some(email) = contact_email(&token, &id).await {
                    if to.get_untracked().is_empty() {
                        to.try_set(email);
                    }
                }
            });
        }
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        transcripts::email(
            token.clone(),
            id.clone(),
            to.get_untracked().trim().to_owned(),
            notices,
            sign_out,
        );
        emailing.set(false);
    };
    view! {
        <span class="transcript-tools">
            <button type="button" on:click=export>"Export as PDF"</button>
            <label class="inline-check">
                <input type="checkbox" prop:checked=move || attachments.get()
                    on:change=move |ev| attachments.set(event_target_checked(&ev))/>
                "With attachments"
            </label>
            <button type="button" on:click=open_email>"Send via email"</button>
            <Show when=move || emailing.get()>
                <form class="email-form" on:submit=send.clone()>
                    <label class="field">
                        <span>"Visitor's email"</span>
                        <input type="email" prop:value=move || to.get()
                            on:input=move |ev| to.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="primary">"Send"</button>
                    <button type="button" on:click=move |_| emailing.set(false)>"Cancel"</button>
                </form>
            </Show>
        </span>
    }
}
