//! "Attach a file" beside the reply box: the file picker, then the upload
//! in the box's mode (a file in Note mode is a note's file), its pending
//! line (name, size, "Sending…"), and a refused file's reason with "Retry"
//! and "Dismiss". The stored message replaces the pending line.

use crate::chats::Chats;
use crate::session::Session;
use chat_client::files::{size_text, UploadState, Uploads};
use chat_client::web::{self, files};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::frame::SendKind;
use shared::ids::ClientMsgId;
use shared::ConversationId;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;

/// The button, the hidden file input and the pending uploads of `id`.
#[component]
pub fn AttachButton(id: ConversationId, #[prop(into)] mode: Signal<SendKind>) -> impl IntoView {
    let chats = expect_context::<Chats>();
    let token = expect_context::<Session>().token;
    let input = NodeRef::<leptos::html::Input>::new();
    let uploads = RwSignal::new(Uploads::default());
    // The picked files, kept for "Retry" (same client id).
    let picked = StoredValue::new_local(BTreeMap::<ClientMsgId, (web_sys::File, SendKind)>::new());
    let send = move |client_id: ClientMsgId| {
        let Some(Some((file, kind))) = picked.try_with_value(|p| p.get(&client_id).cloned()) else {
            return;
        };
        let (id, token) = (id.clone(), token.clone());
        spawn_local(async move {
            match files::upload(&id.0, &token, &file, &client_id, kind).await {
                Ok(message) => {
                    uploads.try_update(|u| u.stored(&client_id));
                    picked.try_update_value(|p| p.remove(&client_id));
                    chats.stored(&id, message);
                }
                Err(e) => {
                    uploads.try_update(|u| u.failed(&client_id, &e));
                }
            }
        });
    };
    let send = StoredValue::new_local(send);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = el.files().and_then(|l| l.get(0)) else {
            return;
        };
        el.set_value("");
        let Some(client_id) = web::client_id() else {
            return;
        };
        let kind = mode.get_untracked();
        uploads.update(|u| u.start(client_id.clone(), file.name(), file.size() as u64, kind));
        picked.update_value(|p| {
            p.insert(client_id.clone(), (file, kind));
        });
        send.with_value(|s| s(client_id));
    };
    let lines = move || {
        uploads
            .get()
            .pending()
            .iter()
            .map(|u| {
                let label = format!("{} ({})", u.name, size_text(u.size));
                let cid = u.client_id.clone();
                let state = match &u.state {
                    UploadState::Uploading => {
                        view! { <span class="muted">"Sending…"</span> }.into_any()
                    }
                    UploadState::Failed(why) => {
                        let (retry_id, dismiss_id) = (cid.clone(), cid.clone());
                        view! {
                            <span class="error" role="alert">{why.clone()}</span>
                            <button type="button" class="link" on:click=move |_| {
                                if uploads.try_update(|u| u.retry(&retry_id)) == Some(true) {
                                    let id = retry_id.clone();
                                    send.with_value(|s| s(id));
                                }
                            }>"Retry"</button>
                            <button type="button" class="link" on:click=move |_| {
                                uploads.update(|u| u.dismiss(&dismiss_id));
                            }>"Dismiss"</button>
                        }
                        .into_any()
                    }
                };
                view! { <li class="upload"><span class="upload-name">{label}</span>" "{state}</li> }
            })
            .collect_view()
    };
    view! {
        <ul class="uploads" aria-label="Files being sent">{lines}</ul>
        <input type="file" class="file-input" node_ref=input hidden on:change=on_change/>
        <button type="button" class="attach" aria-label="Attach a file" title="Attach a file"
            on:click=move |_| {
                if let Some(i) = input.get_untracked() {
                    i.click();
                }
            }>
            "📎"
        </button>
    }
}
