//! The Contacts directory: the sidebar's "Contacts" entry opens it in the
//! pane. A search box ("Search contacts") finds contacts by name, email or
//! phone as one types (the server searches; an answer to an older query
//! is dropped), newest first; choosing one shows their record, editable
//! by those who may.

use crate::app::SignOut;
use crate::components::contact_card::ContactCard;
use crate::contacts;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::contacts::{Contact, ContactDetail};
use shared::ConversationId;

/// Whether the pane shows the Contacts directory. The desk provides it.
#[derive(Clone, Copy)]
pub struct ContactsOpen(pub RwSignal<bool>);

/// The sidebar's "Contacts" entry: opens the directory in the pane.
#[component]
pub fn ContactsEntry(
    open: RwSignal<Option<ConversationId>>,
    offline_open: RwSignal<bool>,
) -> impl IntoView {
    let ContactsOpen(shown) = expect_context::<ContactsOpen>();
    let current = move || shown.get() && !offline_open.get() && open.with(Option::is_none);
    view! {
        <div class="list">
            <button type="button" class="list-head list-link" class:current=current
                aria-current=move || current().then_some("page")
                on:click=move |_| {
                    open.set(None);
                    offline_open.set(false);
                    shown.set(true);
                }>
                <span class="list-title">"Contacts"</span>
            </button>
        </div>
    }
}

/// The directory pane.
#[component]
pub fn ContactsPane() -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Vec<Contact>>);
    let more = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(None::<ContactDetail>);
    // Each search is numbered; only the newest one's answer is shown.
    let asked = StoredValue::new(0u64);
    let token = session.token.clone();
    let run = Callback::new(move |q: String| {
        let n = asked.get_value() + 1;
        asked.set_value(n);
        let token = token.clone();
        spawn_local(async move {
            let answer = contacts::search(&token, &q).await;
            if asked.try_get_value() != Some(n) {
                return;
            }
            match answer {
                Ok(page) => {
                    failure.try_set(None);
                    more.try_set(page.more);
                    found.try_set(Some(page.contacts));
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => {
                    failure.try_set(Some(crate::notice::could_not_load("the contacts", &e)));
                }
            }
        });
    });
    run.run(String::new());
    let token = session.token.clone();
    let choose = Callback::new(move |id: String| {
        let token = token.clone();
        spawn_local(async move {
            match contacts::detail(&token, &id).await {
                Ok(d) => {
                    chosen.try_set(Some(d));
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => {
                    failure.try_set(Some(crate::notice::could_not_load("the contact", &e)));
                }
            }
        });
    });
    let list = move || {
        found.get().map(|contacts| {
            if contacts.is_empty() {
                return view! { <p class="muted">"No contacts found."</p> }.into_any();
            }
            view! {
                <ul class="contacts-list" aria-label="Contacts found">
                    {contacts.into_iter().map(|c| {
                        let id = c.id.clone();
                        let line = [c.email.clone(), c.phone.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                        view! {
                            <li>
                                <button type="button" class="history-entry" on:click=move |_| choose.run(id.clone())>
                                    <span class="row-name">{c.name}</span>
                                    <span class="muted">{line}</span>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || more.get().then(|| view! { <p class="muted">"More contacts match: type more to narrow."</p> })}
            }
            .into_any()
        })
    };
    view! {
        <section class="contacts" aria-labelledby="contacts-title">
            <header class="pane-head">
                <div><h1 id="contacts-title">"Contacts"</h1></div>
            </header>
            <div class="contacts-body">
                <div class="contacts-search">
                    <input type="search" aria-label="Search contacts" placeholder="Name, email or phone"
                        prop:value=move || query.get()
                        on:input=move |ev| {
                            let q = event_target_value(&ev);
                            query.set(q.clone());
                            run.run(q);
                        }/>
                    {move || failure.get().map(|t| view! { <p class="error" role="alert">{t}</p> })}
                    {list}
                </div>
                {move || chosen.with(Option::is_some).then(|| view! {
                    <section class="contact-detail" aria-label="Contact">
                        <h2>{move || chosen.with(|c| c.as_ref().map(|c| c.contact.name.clone()).unwrap_or_default())}</h2>
                        <ContactCard detail=chosen/>
                    </section>
                })}
            </div>
        </section>
    }
}
