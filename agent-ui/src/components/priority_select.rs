//! The "Priority" menu in the conversation's header (Low, Medium, High,
//! Urgent). It shows the priority the inbox lists; a change is posted, and
//! the menu shows the chosen value only while the request is under way: the
//! answer's priority then comes from the server, and a refusal puts the
//! menu back to the real value and says why.

use crate::api;
use crate::app::SignOut;
use crate::feed::Lists;
use crate::notice::{self, Notices};
use crate::priority::{self, CHOICES};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::routing::Priority;
use shared::ConversationId;

/// The menu for conversation `id`, whose listed priority is `current`.
#[component]
pub fn PrioritySelect(
    id: ConversationId,
    current: Signal<Priority>,
    inbox: Lists,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let notices = expect_context::<Notices>();
    let sign_out = expect_context::<SignOut>();
    // The value asked for, while its request is under way.
    let pending = RwSignal::new(None::<Priority>);
    let shown = move || pending.get().unwrap_or_else(|| current.get());

    let on_change = {
        let id = id.clone();
        move |ev| {
            let Some(next) = priority::parse(&event_target_value(&ev)) else {
                return;
            };
            if pending.get_untracked().is_some() || next == current.get_untracked() {
                return;
            }
            pending.set(Some(next));
            let (token, id) = (session.token.clone(), id.clone());
            spawn_local(async move {
                let result = api::set_priority(&token, &id, next).await;
                if let Ok(answer) = &result {
                    inbox.update(|i| i.prioritized(answer));
                }
                // Success or not, the menu shows the listed value again.
                pending.try_set(None);
                let failure = result.as_ref().err();
                notice::report(notices, sign_out, failure, priority::done(next));
            });
        }
    };

    let field = format!("priority-{id}");
    view! {
        <div class="priority-field">
            <label for=field.clone()>"Priority"</label>
            <select
                id=field
                disabled=move || pending.get().is_some()
                prop:value=move || priority::value_of(shown())
                on:change=on_change
            >
                {CHOICES.map(|(_, value, label)| view! { <option value=value>{label}</option> })}
            </select>
        </div>
    }
}
