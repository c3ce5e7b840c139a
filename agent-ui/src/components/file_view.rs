//! A file as the agent app draws it: an image as a preview `<img>` whose
//! `alt` is its name, anything else as a download link with its name and
//! size. The signed link is fetched when the file is drawn and again
//! shortly before it expires, for as long as it is on screen.

use crate::session::Session;
use chat_client::files::{is_preview, size_text, LINK_MARGIN_MS};
use chat_client::web::{self, files};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::files::Attachment;
use std::time::Duration;

/// A signed link to `file` of `conversation`, kept fresh while the owner
/// lives: `None` until fetched.
pub fn fresh_link(token: String, conversation: String, file: String) -> RwSignal<Option<String>> {
    let url = RwSignal::new(None::<String>);
    let fetch = StoredValue::new(None::<Callback<()>>);
    fetch.set_value(Some(Callback::new(move |()| {
        let (token, conversation, file) = (token.clone(), conversation.clone(), file.clone());
        spawn_local(async move {
            let Ok(link) = files::link(&conversation, &token, &file).await else {
                return;
            };
            if url.try_set(Some(link.url)).is_some() {
                return;
            }
            let wait = (link.expires_at - LINK_MARGIN_MS - web::now() as i64).max(5_000);
            set_timeout(
                move || {
                    if let Some(Some(again)) = fetch.try_get_value() {
                        again.run(());
                    }
                },
                Duration::from_millis(wait as u64),
            );
        });
    })));
    if let Some(Some(first)) = fetch.try_get_value() {
        first.run(());
    }
    url
}

/// One file of `conversation`; `link_only` draws even an image as a link.
#[component]
pub fn FileView(
    conversation: String,
    attachment: Attachment,
    #[prop(optional)] link_only: bool,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let url = fresh_link(session.token.clone(), conversation, attachment.id.clone());
    let Attachment { name, size, .. } = attachment.clone();
    if is_preview(&attachment) && !link_only {
        let alt = name.clone();
        return view! {
            <figure class="file preview">
                {move || url.get().map(|src| {
                    let href = src.clone();
                    view! { <a href=href target="_blank" rel="noopener"><img src=src alt=alt.clone()/></a> }
                })}
            </figure>
        }
        .into_any();
    }
    let label = format!("{name} ({})", size_text(size));
    view! {
        <a class="file download" href=move || url.get().unwrap_or_default() download=name.clone()
            target="_blank" rel="noopener">
            {label}
        </a>
    }
    .into_any()
}
