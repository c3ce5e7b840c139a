//! "Search messages" in the open conversation's header: a dialog with a
//! search box, a "Regular expression" checkbox, and the matching messages
//! as the agent types (each with its author, time and text, as text), the
//! count ("3 of 1,204 messages"), and the server's sentence when a pattern
//! is invalid. [`crate::search::Searcher`] decides when a search goes out
//! and which answer shows. Escape and "Close" close the dialog; the focus
//! goes back to the button.

use crate::api;
use crate::app::SignOut;
use crate::format;
use crate::notice::capitalized;
use crate::search::{self, Change, Searcher, DEBOUNCE_MS};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::frame::{Message, MessageKind};
use shared::room::SearchResults;
use shared::ConversationId;
use std::time::Duration;

/// What the results area shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// Nothing typed.
    Idle,
    /// The latest answer.
    Found(SearchResults),
    /// The latest search was refused or failed: why.
    Failed(String),
}

/// The header's "Search messages" button of conversation `id`, and its
/// dialog.
#[component]
pub fn SearchMessages(id: ConversationId) -> impl IntoView {
    let shown = RwSignal::new(false);
    // Closed with Escape or "Close": the focus goes back to the button.
    let button = super::dialog::returns_focus_to_opener(shown);
    view! {
        <button type="button" class="search-button" node_ref=button aria-haspopup="dialog"
            on:click=move |_| shown.set(true)>
            "Search messages"
        </button>
        {move || shown.get().then(|| view! { <SearchDialog id=id.clone() shown/> })}
    }
}

/// The dialog, shown while `shown` is true.
#[component]
fn SearchDialog(id: ConversationId, shown: RwSignal<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    // The box takes the focus; Escape anywhere in the dialog closes it.
    let (input, on_keydown) = super::dialog::focus_and_escape_on::<leptos::html::Input>(shown);
    let searcher = StoredValue::new(Searcher::new());
    let text = RwSignal::new(String::new());
    let regex = RwSignal::new(false);
    let outcome = RwSignal::new(Outcome::Idle);
    let searching = RwSignal::new(false);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let now = format::now();

    let send = {
        let (id, token) = (id.clone(), session.token.clone());
        move |round: u64| {
            let Some(query) = searcher.try_with_value(|s| s.due(round)).flatten() else {
                return;
            };
            searching.set(true);
            let (id, token) = (id.clone(), token.clone());
            spawn_local(async move {
                let result = api::search(&token, &id, &query.text, query.regex).await;
                // Gone, or the agent typed since: this answer is stale.
                if !searcher
                    .try_with_value(|s| s.is_current(round))
                    .unwrap_or(false)
                {
                    return;
                }
                searching.try_set(false);
                match result {
                    Ok(results) => {
                        outcome.try_set(Outcome::Found(results));
                    }
                    Err(e) if e.is_unauthorized() => sign_out.ended(),
                    Err(e) => {
                        outcome.try_set(Outcome::Failed(capitalized(&api::message(&e))));
                    }
                }
            });
        }
    };
    let changed = move || {
        if let Some(t) = timer.try_update_value(Option::take).flatten() {
            t.clear();
        }
        let (t, r) = (text.get_untracked(), regex.get_untracked());
        match searcher.try_update_value(|s| s.changed(&t, r)) {
            Some(Change::Clear) => {
                searching.set(false);
                outcome.set(Outcome::Idle);
            }
            Some(Change::Wait(round)) => {
                let send = send.clone();
                let handle = set_timeout_with_handle(
                    move || send(round),
                    Duration::from_millis(DEBOUNCE_MS),
                )
                .ok();
                timer.set_value(handle);
            }
            None => {}
        }
    };
    on_cleanup(move || {
        if let Some(t) = timer.try_update_value(Option::take).flatten() {
            t.clear();
        }
    });

    let results = move || match outcome.get() {
        Outcome::Idle => None,
        Outcome::Failed(why) => Some(view! { <p class="error" role="alert">{why}</p> }.into_any()),
        Outcome::Found(found) => {
            let count = search::count_line(&found);
            let hits = found
                .hits
                .into_iter()
                .map(|m| hit_view(m, now))
                .collect_view();
            Some(
                view! {
                    <p class="search-count muted" role="status">{count}</p>
                    <ol class="search-hits" aria-label="Matching messages">{hits}</ol>
                }
                .into_any(),
            )
        }
    };

    view! {
        <div class="dialog-backdrop">
            <div class="dialog search" role="dialog" aria-modal="true" aria-label="Search messages"
                on:keydown=on_keydown>
                <h2>"Search messages"</h2>
                <div class="search-row">
                    <input type="search" class="search-box" node_ref=input
                        aria-label="Search messages" placeholder="Words, or a pattern such as error\\d{3}"
                        maxlength="200" autocomplete="off" spellcheck="false"
                        prop:value=move || text.get()
                        on:input={
                            let changed = changed.clone();
                            move |ev| {
                                text.set(event_target_value(&ev));
                                changed();
                            }
                        }/>
                    <label class="choice">
                        <input type="checkbox" prop:checked=move || regex.get()
                            on:change=move |ev| {
                                regex.set(event_target_checked(&ev));
                                changed();
                            }/>
                        "Regular expression"
                    </label>
                </div>
                <Show when=move || searching.get()>
                    <p class="muted search-busy">"Searching…"</p>
                </Show>
                {results}
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Close"</button>
                </div>
            </div>
        </div>
    }
}

/// One matching message: who wrote it, when, and its text, as text.
fn hit_view(m: Message, now: f64) -> impl IntoView {
    let kind = match m.kind {
        MessageKind::Note => Some("Note"),
        MessageKind::Whisper => Some("Whisper"),
        MessageKind::Internal => Some("Internal"),
        MessageKind::Text | MessageKind::System => None,
    };
    view! {
        <li class="search-hit">
            <div class="search-meta">
                <span class="search-author">{m.author.name}</span>
                " · "
                <time datetime=format::iso(m.sent_at)>{format::when(m.sent_at, now)}</time>
                {kind.map(|k| view! { <span class="search-kind">{k}</span> })}
            </div>
            <p class="search-text">{m.text}</p>
        </li>
    }
}
