//! What the agent may do with a conversation assigned to them, in the
//! pane's header: "Place on hold" (active) or "Resume" (on hold), "Move to
//! the queue", "Forward" and "Close". Forward and Close open their dialogs.

use crate::api::Action;
use crate::components::close_dialog::CloseDialog;
use crate::components::forward_dialog::ForwardDialog;
use crate::notice;
use leptos::prelude::*;
use shared::frame::ConversationStatus;
use shared::ConversationId;

/// The actions on conversation `id`, whose status is `status` (active or on
/// hold, and assigned to this agent).
#[component]
pub fn ConversationActions(
    id: ConversationId,
    status: Signal<ConversationStatus>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let forwarding = RwSignal::new(false);
    let closing = RwSignal::new(false);
    let simple = {
        let id = id.clone();
        move |action: Action, success: &'static str| {
            let id = id.clone();
            move |_| {
                if busy.get_untracked() {
                    return;
                }
                busy.set(true);
                notice::run(id.clone(), action.clone(), success.into(), move |_| {
                    busy.try_set(false);
                });
            }
        }
    };
    let on_hold = move || status.get() == ConversationStatus::OnHold;
    let hold = simple.clone()(Action::Hold, "The chat is on hold.");
    let resume = simple.clone()(Action::Resume, "The chat is resumed.");
    let queue = simple(Action::Queue, "The chat is back in the queue.");
    view! {
        <div class="actions" role="group" aria-label="Conversation actions">
            <Show
                when=on_hold
                fallback=move || view! {
                    <button type="button" disabled=move || busy.get() on:click=hold.clone()>
                        "Place on hold"
                    </button>
                }
            >
                <button type="button" class="primary" disabled=move || busy.get() on:click=resume.clone()>
                    "Resume"
                </button>
            </Show>
            <button type="button" disabled=move || busy.get() on:click=queue>
                "Move to the queue"
            </button>
            <button type="button" on:click=move |_| forwarding.set(true)>"Forward"</button>
            <button type="button" class="danger" on:click=move |_| closing.set(true)>
                "Close"
            </button>
        </div>
        {
            let id = id.clone();
            move || forwarding.get().then(|| view! { <ForwardDialog id=id.clone() shown=forwarding/> })
        }
        {move || closing.get().then(|| view! { <CloseDialog id=id.clone() shown=closing/> })}
    }
}
