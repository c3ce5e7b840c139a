//! A message's file: an image as a preview `<img>` (its `alt` the file's
//! name), anything else a download link with its name and size. The
//! signed link is fetched when the line is drawn and again when it has
//! expired (an image that fails to load, a link past its time).

use chat_client::files::{is_preview, size_text, LINK_MARGIN_MS};
use chat_client::web::{self, files};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::files::{Attachment, FileLink};

/// How components reach the conversation's files: its id and the
/// visitor's token, once there is a conversation.
#[derive(Clone, Copy)]
pub struct FileAccess(pub Callback<(), Option<(String, String)>>);

/// One file.
#[component]
pub fn FileView(attachment: Attachment) -> impl IntoView {
    let access = expect_context::<FileAccess>().0;
    let link = RwSignal::new(None::<FileLink>);
    let file = attachment.id.clone();
    let fetch = move || {
        let Some((conversation, token)) = access.run(()) else {
            return;
        };
        let file = file.clone();
        spawn_local(async move {
            if let Ok(l) = files::link(&conversation, &token, &file).await {
                link.try_set(Some(l));
            }
        });
    };
    fetch();
    let stale = move || {
        link.with_untracked(|l| {
            l.as_ref()
                .is_none_or(|l| l.expires_at - LINK_MARGIN_MS <= web::now() as i64)
        })
    };
    let url = move || link.with(|l| l.as_ref().map(|l| l.url.clone()));
    let Attachment { name, size, .. } = attachment.clone();
    if is_preview(&attachment) {
        let fetch = fetch.clone();
        return view! {
            {move || url().map(|src| view! {
                <img class="file-preview" src=src alt=name.clone()
                    on:error={
                        let fetch = fetch.clone();
                        move |_| if stale() { fetch() }
                    }/>
            })}
        }
        .into_any();
    }
    let label = format!("{name} ({})", size_text(size));
    view! {
        <a class="file-link" href=move || url().unwrap_or_default() download=name.clone()
            target="_blank" rel="noopener"
            on:click=move |ev| if stale() { ev.prevent_default(); fetch() }>
            {label}
        </a>
    }
    .into_any()
}
