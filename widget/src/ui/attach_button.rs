//! "Attach a file": the file picker, the upload, and each pending upload's
//! line (name, size, "Sending…", or the reason it was refused with "Retry"
//! and "Dismiss"). The stored message then takes the line's place.

use crate::ui::file_view::FileAccess;
use chat_client::files::{size_text, UploadState, Uploads};
use chat_client::web::{self, files};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::frame::{Message, SendKind};
use shared::ids::ClientMsgId;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;

/// The button, its hidden input, and the pending uploads.
#[component]
pub fn AttachButton(
    #[prop(into)] disabled: Signal<bool>,
    /// An upload was stored.
    on_stored: Callback<Message>,
) -> impl IntoView {
    let access = expect_context::<FileAccess>().0;
    let input = NodeRef::<leptos::html::Input>::new();
    let uploads = RwSignal::new(Uploads::default());
    let picked = StoredValue::new_local(BTreeMap::<ClientMsgId, web_sys::File>::new());
    let send = move |client_id: ClientMsgId| {
        let file = picked.with_value(|p| p.get(&client_id).cloned());
        let (Some(file), Some((conversation, token))) = (file, access.run(())) else {
            return;
        };
        spawn_local(async move {
            match files::upload(&conversation, &token, &file, &client_id, SendKind::Text).await {
                Ok(message) => {
                    uploads.try_update(|u| u.stored(&client_id));
                    on_stored.run(message);
                }
                Err(e) => {
                    uploads.try_update(|u| u.failed(&client_id, &e));
                }
            }
        });
    };
    let on_change = move |ev: leptos::ev::Event| {
        let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let (Some(file), Some(client_id)) = (el.files().and_then(|l| l.get(0)), web::client_id())
        else {
            return;
        };
        el.set_value("");
        uploads.update(|u| {
            u.start(
                client_id.clone(),
                file.name(),
                file.size() as u64,
                SendKind::Text,
            )
        });
        picked.update_value(|p| {
            p.insert(client_id.clone(), file);
        });
        send(client_id);
    };
    let lines = move || {
        uploads.with(|u| {
            u.pending()
                .iter()
                .map(|u| {
                    let label = format!("{} ({})", u.name, size_text(u.size));
                    let (retry, dismiss) = (u.client_id.clone(), u.client_id.clone());
                    let state = match &u.state {
                        UploadState::Uploading => view! { <span class="meta">"Sending…"</span> }.into_any(),
                        UploadState::Failed(why) => view! {
                            <span class="error" role="alert">{why.clone()}</span>
                            <button type="button" class="retry" on:click=move |_| {
                                if uploads.try_update(|u| u.retry(&retry)) == Some(true) {
                                    send(retry.clone());
                                }
                            }>"Retry"</button>
                            <button type="button" class="retry" on:click=move |_| uploads.update(|u| u.dismiss(&dismiss))>
                                "Dismiss"
                            </button>
                        }
                        .into_any(),
                    };
                    view! { <li class="upload"><span>{label}</span>" "{state}</li> }
                })
                .collect_view()
        })
    };
    view! {
        <ul class="uploads">{lines}</ul>
        <input type="file" node_ref=input hidden on:change=on_change/>
        <button type="button" class="attach" aria-label="Attach a file" title="Attach a file"
            disabled=move || disabled.get()
            on:click=move |_| if let Some(i) = input.get_untracked() { i.click() }>
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16 6v10a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10a1 1 0 0 1-2 0V6"/></svg>
        </button>
    }
}
