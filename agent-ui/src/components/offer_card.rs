//! The offers waiting for this agent: one prominent card each, with the
//! visitor, the first message, a countdown to when the offer passes on, and
//! "Accept" / "Decline". Accepting opens the conversation.

use crate::api::Action;
use crate::feed::OfferList;
use crate::format;
use crate::notice;
use crate::offers::seconds_left;
use leptos::prelude::*;
use shared::inbox::PendingOffer;
use shared::ConversationId;
use std::time::Duration;

/// Every pending offer, as cards.
#[component]
pub fn OfferCards(offers: OfferList, open: RwSignal<Option<ConversationId>>) -> impl IntoView {
    // The countdown needs a clock finer than the desk's.
    let now = RwSignal::new(format::now() as i64);
    let tick = set_interval_with_handle(
        move || now.set(format::now() as i64),
        Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || tick.into_iter().for_each(|h| h.clear()));
    view! {
        <div class="offers">
            <For
                each=move || offers.with(|o| o.list().to_vec())
                key=|o| (o.conversation.id.clone(), o.expires_at)
                children=move |offer| view! { <OfferCard offer offers open now=now.read_only()/> }
            />
        </div>
    }
}

/// One offer.
#[component]
fn OfferCard(
    offer: PendingOffer,
    offers: OfferList,
    open: RwSignal<Option<ConversationId>>,
    now: ReadSignal<i64>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let id = offer.conversation.id.clone();
    let name = offer.conversation.visitor.name.clone();
    let expires_at = offer.expires_at;
    let answer = move |accept: bool| {
        let id = id.clone();
        let name = name.clone();
        move |_| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let (action, success) = if accept {
                (
                    Action::Accept,
                    format!("You accepted the chat with {name}."),
                )
            } else {
                (
                    Action::Decline,
                    format!("You declined the chat with {name}."),
                )
            };
            let id2 = id.clone();
            notice::run(id.clone(), action, success, move |ok| {
                busy.try_set(false);
                if ok {
                    offers.update(|o| o.end(&id2));
                    if accept {
                        open.try_set(Some(id2));
                    }
                }
            });
        }
    };
    view! {
        <section class="offer" role="alertdialog" aria-label="Offer">
            <header class="offer-head">
                <h2>"New chat: " {offer.conversation.visitor.name.clone()}</h2>
                <span class="countdown" aria-live="off">
                    {move || format!("{} s left", seconds_left(expires_at, now.get()))}
                </span>
            </header>
            <p class="offer-preview">{offer.conversation.preview.clone()}</p>
            <div class="offer-actions">
                <button type="button" class="primary" disabled=move || busy.get() on:click=answer(true)>
                    "Accept"
                </button>
                <button type="button" disabled=move || busy.get() on:click=answer(false)>
                    "Decline"
                </button>
            </div>
        </section>
    }
}
