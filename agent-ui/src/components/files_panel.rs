//! "Files" in the open conversation's header: a dialog listing the
//! conversation's attachments the agent may read (newest first), with a
//! name search box and a type filter (All, Images, PDF, Other), each with
//! its name, size, who sent it, and a download link. Loaded when the
//! dialog opens and whenever the search or the filter changes; only the
//! latest answer shows.

use crate::api;
use crate::components::file_view::FileView;
use crate::format;
use crate::session::Session;
use chat_client::files::size_text;
use chat_client::web::files;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::files::FileEntry;
use shared::frame::MessageKind;
use shared::ConversationId;

/// The header's "Files" button of conversation `id`, and its dialog.
#[component]
pub fn FilesPanel(id: ConversationId) -> impl IntoView {
    let shown = RwSignal::new(false);
    view! {
        <button type="button" class="files-button" aria-haspopup="dialog"
            on:click=move |_| shown.set(true)>
            "Files"
        </button>
        {move || shown.get().then(|| view! { <FilesDialog id=id.clone() shown/> })}
    }
}

#[component]
fn FilesDialog(id: ConversationId, shown: RwSignal<bool>) -> impl IntoView {
    let token = expect_context::<Session>().token;
    let (input, on_keydown) = super::dialog::focus_and_escape_on::<leptos::html::Input>(shown);
    let q = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<FileEntry>, String>>);
    let round = StoredValue::new(0u64);
    let now = format::now();
    let conversation = id.0.clone();
    Effect::new(move |_| {
        let (text, kind) = (q.get(), kind.get());
        round.update_value(|r| *r += 1);
        let mine = round.get_value();
        let (conversation, token) = (conversation.clone(), token.clone());
        spawn_local(async move {
            let result = files::list(&conversation, &token, &text, &kind).await;
            if round.try_get_value() == Some(mine) {
                found.try_set(Some(result.map_err(|e| api::message(&e))));
            }
        });
    });
    let conversation = id.0.clone();
    let list = move || match found.get() {
        None => view! { <p class="muted">"Loading…"</p> }.into_any(),
        Some(Err(why)) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Some(Ok(entries)) if entries.is_empty() => {
            view! { <p class="muted" role="status">"No files."</p> }.into_any()
        }
        Some(Ok(entries)) => {
            let items = entries
                .into_iter()
                .map(|e| {
                    let note = (e.kind != MessageKind::Text).then_some(" · Note");
                    let meta = format!(
                        "{} · {} · {}",
                        size_text(e.attachment.size),
                        e.author.name,
                        format::when(e.sent_at, now)
                    );
                    view! {
                        <li class="file-entry">
                            <FileView conversation=conversation.clone() attachment=e.attachment link_only=true/>
                            <span class="muted">{meta}{note}</span>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="file-list" aria-label="Files of this conversation">{items}</ul> }
                .into_any()
        }
    };
    view! {
        <div class="dialog-backdrop">
            <div class="dialog files" role="dialog" aria-modal="true" aria-label="Files"
                on:keydown=on_keydown>
                <h2>"Files"</h2>
                <div class="search-row">
                    <input type="search" node_ref=input aria-label="Search files"
                        placeholder="File name" maxlength="200" autocomplete="off"
                        prop:value=move || q.get()
                        on:input=move |ev| q.set(event_target_value(&ev))/>
                    <label>
                        "Type "
                        <select aria-label="Type" on:change=move |ev| kind.set(event_target_value(&ev))>
                            <option value="">"All"</option>
                            <option value="image">"Images"</option>
                            <option value="pdf">"PDF"</option>
                            <option value="other">"Other"</option>
                        </select>
                    </label>
                </div>
                {list}
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Close"</button>
                </div>
            </div>
        </div>
    }
}
