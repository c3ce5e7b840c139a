//! The "Offline messages" pane: the messages visitors left while nobody
//! could answer, newest first, each with the visitor's name, their email as
//! a `mailto:` link, the department, when, and the message as text. It
//! loads them again when it opens and on "Refresh"; a failure is an alert
//! above the last list.

use crate::format;
use crate::offline::{mailto, OfflineMessages};
use leptos::prelude::*;
use shared::api::OfflineMessage;

/// The pane.
#[component]
pub fn OfflineMessagesPane(now: ReadSignal<f64>) -> impl IntoView {
    let offline = expect_context::<OfflineMessages>();
    offline.refresh();
    let list = Memo::new(move |_| offline.list());
    // Not loaded yet, empty, or not: the list is drawn again only when this
    // changes, and its rows only when they do.
    let shown = Memo::new(move |_| list.with(|l| l.as_ref().map(|l| !l.is_empty())));
    let subtitle = move || {
        if offline.loading() {
            "Loading…".to_string()
        } else {
            match offline.count() {
                Some(1) => "1 message. Reply by email.".to_string(),
                Some(n) => format!("{n} messages. Reply by email."),
                None => String::new(),
            }
        }
    };
    view! {
        <section class="offline" aria-labelledby="offline-title">
            <header class="pane-head">
                <div>
                    <h1 id="offline-title">"Offline messages"</h1>
                    <p class="muted">{subtitle}</p>
                </div>
                <button type="button" on:click=move |_| offline.refresh()>"Refresh"</button>
            </header>
            {move || offline.failure().map(|text| view! { <p class="notice" role="alert">{text}</p> })}
            {move || match shown.get() {
                None => None,
                Some(false) => Some(
                    view! { <p class="offline-empty muted">"No offline messages"</p> }.into_any(),
                ),
                Some(true) => Some(
                    view! {
                        <ul class="offline-list" aria-label="Offline messages">
                            <For
                                each=move || list.get().unwrap_or_default()
                                key=|m| m.id.clone()
                                children=move |message| view! { <Item message now/> }
                            />
                        </ul>
                    }
                    .into_any(),
                ),
            }}
        </section>
    }
}

/// One message. Every field is text: nothing a visitor wrote becomes markup.
#[component]
fn Item(message: OfflineMessage, now: ReadSignal<f64>) -> impl IntoView {
    let offline = expect_context::<OfflineMessages>();
    let OfflineMessage {
        department,
        name,
        email,
        message,
        created_at,
        ..
    } = message;
    let department = move || offline.department_name(&department);
    let href = mailto(&email);
    view! {
        <li class="offline-item">
            <div class="offline-head">
                <span class="offline-name">{name}</span>
                <a class="offline-email" href=href>{email}</a>
            </div>
            <p class="offline-meta muted">
                <span>{department}</span>
                " · "
                <time datetime=format::iso(created_at)>
                    {move || format::when(created_at, now.get())}
                </time>
            </p>
            <p class="offline-text">{message}</p>
        </li>
    }
}
