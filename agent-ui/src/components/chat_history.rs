//! "Chat history" in the open conversation's header: a dialog listing every
//! chat of the conversation's visitor (the contact) the agent may open,
//! newest first, each with when it started, its status, the agent who worked
//! it and the visitor's first message, the one on screen marked "This chat".
//! Choosing another opens it in the pane (read-only when it is closed).
//! Escape and "Close" close the dialog; the focus goes back to the button.

use crate::api;
use crate::app::SignOut;
use crate::format;
use crate::history::{self, Entry, OpenConversation};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ConversationId;

/// What the dialog shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Loaded {
    /// Waiting for the answer.
    Loading,
    /// The request failed: why.
    Failed(String),
    /// The contact's name, their id and their chats.
    Listed {
        contact: Option<String>,
        contact_id: Option<String>,
        entries: Vec<Entry>,
    },
}

/// The header's "Chat history" button of conversation `id`, and its dialog.
#[component]
pub fn ChatHistory(id: ConversationId) -> impl IntoView {
    let shown = RwSignal::new(false);
    // Closed with Escape or "Close": the focus goes back to the button.
    let button = super::dialog::returns_focus_to_opener(shown);
    view! {
        <button type="button" class="history-button" node_ref=button aria-haspopup="dialog"
            on:click=move |_| shown.set(true)>
            "Chat history"
        </button>
        {move || shown.get().then(|| view! { <HistoryDialog id=id.clone() shown/> })}
    }
}

/// The dialog, shown while `shown` is true; it sets it to false to close.
#[component]
fn HistoryDialog(id: ConversationId, shown: RwSignal<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let opener = expect_context::<OpenConversation>();
    let loaded = RwSignal::new(Loaded::Loading);
    let (dialog, on_keydown) = super::dialog::focus_and_escape_on::<leptos::html::Div>(shown);
    // Dates are said relative to when the dialog opened.
    let now = format::now();

    let load = Callback::new({
        let token = session.token.clone();
        let id = id.clone();
        move |()| {
            loaded.set(Loaded::Loading);
            let (id, token) = (id.clone(), token.clone());
            spawn_local(async move {
                match api::history(&token, &id).await {
                    Ok(list) => {
                        loaded.try_set(Loaded::Listed {
                            contact: history::contact_name(&list, &id),
                            contact_id: history::contact_id(&list, &id),
                            entries: history::entries(&list, &id),
                        });
                    }
                    Err(e) if e.is_unauthorized() => sign_out.ended(),
                    Err(e) => {
                        loaded.try_set(Loaded::Failed(crate::notice::could_not_load(
                            "the chat history",
                            &e,
                        )));
                    }
                }
            });
        }
    });
    load.run(());

    let contact = move || {
        loaded.with(|l| match l {
            Loaded::Listed { contact, .. } => contact.clone(),
            _ => None,
        })
    };
    // The search box: the server searches the contact's chats by their
    // text as one types; only the newest answer is shown.
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Vec<Entry>>);
    let asked = StoredValue::new(0u64);
    let search = {
        let token = session.token.clone();
        let id = id.clone();
        move |q: String| {
            let n = asked.get_value() + 1;
            asked.set_value(n);
            let contact = loaded.with_untracked(|l| match l {
                Loaded::Listed { contact_id, .. } => contact_id.clone(),
                _ => None,
            });
            let (Some(contact), false) = (contact, q.trim().is_empty()) else {
                found.set(None);
                return;
            };
            let (token, id) = (token.clone(), id.clone());
            spawn_local(async move {
                let answer = crate::contacts::history(&token, &contact, &q).await;
                if asked.try_get_value() != Some(n) {
                    return;
                }
                match answer {
                    Ok(h) => {
                        found.try_set(Some(history::searched(&h.conversations, &id)));
                    }
                    Err(e) if e.is_unauthorized() => sign_out.ended(),
                    Err(e) => {
                        loaded.try_set(Loaded::Failed(crate::notice::could_not_load(
                            "the chat history",
                            &e,
                        )));
                    }
                }
            });
        }
    };
    let body = move || match loaded.get() {
        Loaded::Loading => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
        Loaded::Failed(text) => view! {
            <p class="error" role="alert">{text}</p>
            <div>
                <button type="button" on:click=move |_| load.run(())>"Try again"</button>
            </div>
        }
        .into_any(),
        Loaded::Listed { .. } if found.with(|f| f.as_ref().is_some_and(Vec::is_empty)) => view! {
            <p class="history-empty muted">"No chats with these words."</p>
        }
        .into_any(),
        Loaded::Listed { .. } if found.with(Option::is_some) => {
            let items = found
                .get()
                .unwrap_or_default()
                .into_iter()
                .map(|entry| view! { <Item entry now opener/> })
                .collect_view();
            view! { <ul class="history-list" aria-label="Chats">{items}</ul> }.into_any()
        }
        Loaded::Listed { entries, .. } if entries.is_empty() => view! {
            <p class="history-empty muted">"No chats with this contact."</p>
        }
        .into_any(),
        Loaded::Listed { entries, .. } => {
            let alone = history::only_this_one(&entries);
            let items = entries
                .into_iter()
                .map(|entry| view! { <Item entry now opener/> })
                .collect_view();
            view! {
                <ul class="history-list" aria-label="Chats">{items}</ul>
                {alone.then(|| view! {
                    <p class="history-empty muted">"No earlier chats with this contact."</p>
                })}
            }
            .into_any()
        }
    };

    view! {
        <div class="dialog-backdrop">
            <div class="dialog history" role="dialog" aria-modal="true" aria-label="Chat history"
                tabindex="-1" node_ref=dialog on:keydown=on_keydown>
                <div>
                    <h2>"Chat history"</h2>
                    {move || contact().map(|name| view! { <p class="history-contact">{name}</p> })}
                </div>
                <input type="search" aria-label="Search chat history" placeholder="Search by what was written"
                    prop:value=move || query.get()
                    on:input=move |ev| {
                        let q = event_target_value(&ev);
                        query.set(q.clone());
                        search(q);
                    }/>
                {body}
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Close"</button>
                </div>
            </div>
        </div>
    }
}

/// One chat of the contact. The one on screen is marked and not a button;
/// any other opens in the pane. Everything is text.
#[component]
fn Item(entry: Entry, now: f64, opener: OpenConversation) -> impl IntoView {
    let when = entry.started_at.map(|ms| {
        view! {
            <time datetime=format::iso(ms)>{format::when(ms, now)}</time>
            " · "
        }
    });
    let rest = history::meta(None, &entry);
    let preview = if entry.preview.trim().is_empty() {
        view! { <span class="history-preview muted">"No message"</span> }.into_any()
    } else {
        view! { <span class="history-preview">{entry.preview.clone()}</span> }.into_any()
    };
    let this = entry
        .current
        .then(|| view! { <span class="history-this">"This chat"</span> });
    let inner = view! {
        <span class="history-top">
            <span class="history-meta">{when}{rest}</span>
            {this}
        </span>
        {preview}
    };
    if entry.current {
        view! {
            <li class="history-item current" aria-current="true">
                <div class="history-entry">{inner}</div>
            </li>
        }
        .into_any()
    } else {
        let id = entry.id;
        view! {
            <li class="history-item">
                <button type="button" class="history-entry" on:click=move |_| opener.open(id.clone())>
                    {inner}
                </button>
            </li>
        }
        .into_any()
    }
}
