//! The signed-in screen: the sidebar of live lists on the left, the open
//! conversation (or the offline messages) on the right. It owns the inbox
//! socket (a [`Feed`]: the lists and the pending offers), the conversation
//! sockets ([`Chats`]), the offline messages and their polling, the notice
//! line, the clock for waiting times, page visibility (read receipts only go
//! out while the tab is visible), the alerts (`notify`: a tone and browser
//! notifications) and the tab title (unread messages plus new chats not yet
//! opened). When the server ends the session (4401 on any socket) it signs
//! out; when it refuses the open conversation (4403) it closes the pane
//! with a notice.

use crate::app::SignOut;
use crate::canned::CannedList;
use crate::chats::{self, AfterRefusal, Chats};
use crate::components::all_chats_pane::{AllChatsOpen, AllChatsPane};
use crate::components::conversation::Conversation;
use crate::components::notice_line::NoticeLine;
use crate::components::offer_card::OfferCards;
use crate::components::offline_messages::OfflineMessagesPane;
use crate::components::sidebar::Sidebar;
use crate::feed::{Feed, Lists, OfferList};
use crate::format;
use crate::history::OpenConversation;
use crate::inbox::Inbox;
use crate::notice::{Forwarding, Notices};
use crate::notify::{self, Notifier};
use crate::offers::Offers;
use crate::offline::OfflineMessages;
use crate::on_demand::{OnDemand, Part};
use crate::session::Session;
use chat_client::web::{ws_origin, Driver};
use leptos::prelude::*;
use shared::ConversationId;
use std::time::Duration;

/// What the notice line says when the open conversation is refused.
const NO_LONGER_YOURS: &str = "You no longer have access to this conversation.";

/// How often waiting times are redrawn.
const CLOCK_EVERY: Duration = Duration::from_secs(15);
/// How often the offline messages are loaded again (no socket brings them).
const OFFLINE_EVERY: Duration = Duration::from_secs(30);

/// The signed-in desk.
#[component]
pub fn Desk(session: Session) -> impl IntoView {
    let sign_out = expect_context::<SignOut>();
    let feed = RwSignal::new(Feed::new(&session.agent.id));
    let (inbox, offers) = (Lists(feed), OfferList(feed));
    let notices = Notices(RwSignal::new(None));
    provide_context(notices);
    let forwarding = Forwarding(RwSignal::new(Default::default()));
    provide_context(forwarding);
    let open = RwSignal::new(None::<ConversationId>);
    provide_context(OpenConversation(open));
    // The pane shows the offline messages instead of a conversation.
    let offline_open = RwSignal::new(false);
    // The pane shows All chats (supervisors).
    let all_open = RwSignal::new(false);
    provide_context(AllChatsOpen(all_open));
    let contacts_open = RwSignal::new(false);
    // The pane shows Reports (managers and admins).
    let reports_open = RwSignal::new(false);
    provide_context(crate::components::reports_pane::ReportsOpen(reports_open));
    provide_context(crate::components::contacts_pane::ContactsOpen(
        contacts_open,
    ));
    let admin_open = RwSignal::new(false);
    provide_context(crate::components::admin::AdminOpen(admin_open));
    let now = RwSignal::new(format::now());
    let visible = RwSignal::new(page_visible());
    let chats = Chats::new(session.token.clone());
    provide_context(chats);
    provide_context(session.clone());
    let notifier = Notifier::new(&session.agent.id);
    provide_context(notifier);
    let unseen = notify::watch(feed, chats, open, visible.read_only(), notifier);
    let offline = OfflineMessages::new(session.token.clone(), sign_out);
    provide_context(offline);
    offline.refresh();
    let canned = CannedList::new(session.token.clone());
    provide_context(canned);
    canned.refresh();

    let driver = StoredValue::new_local(Some(connect_inbox(&session.token, feed, sign_out)));
    let clock = set_interval_with_handle(move || now.set(format::now()), CLOCK_EVERY).ok();
    let offline_poll = set_interval_with_handle(move || offline.refresh(), OFFLINE_EVERY).ok();
    let visibility = window_event_listener_untyped("visibilitychange", move |_| {
        visible.set(page_visible());
    });
    on_cleanup(move || {
        if let Some(driver) = driver.try_update_value(Option::take).flatten() {
            driver.act(|feed, _| feed.stop());
        }
        chats.close_all();
        clock
            .into_iter()
            .chain(offline_poll)
            .for_each(|h| h.clear());
        visibility.remove();
        document().set_title(&format::title(0, false));
    });

    // Opening a conversation (a line, an accepted offer) leaves the offline
    // messages.
    Effect::new(move |_| {
        if open.with(Option::is_some) {
            offline_open.set(false);
            contacts_open.set(false);
        }
    });
    // So do both for All chats.
    Effect::new(move |_| {
        if open.with(Option::is_some) || offline_open.get() {
            all_open.set(false);
        }
    });
    // And the Administration area for any of them.
    Effect::new(move |_| {
        if open.with(Option::is_some) || offline_open.get() || all_open.get() || contacts_open.get()
        {
            admin_open.set(false);
        }
    });
    // Anything else chosen leaves Reports.
    Effect::new(move |_| {
        if open.with(Option::is_some) || offline_open.get() || all_open.get() || contacts_open.get()
        {
            reports_open.set(false);
        }
    });
    // One socket per chat in progress, plus the one on screen.
    Effect::new(move |_| {
        let mut wanted = inbox.with(Inbox::in_progress_ids);
        wanted.extend(open.get());
        chats.keep(&wanted);
    });
    Effect::new(move |_| {
        let total: usize = inbox
            .with(Inbox::in_progress_ids)
            .iter()
            .map(|id| chats.unread(id))
            .sum::<usize>()
            + unseen.get();
        document().set_title(&format::title(total, offers.with(Offers::any)));
    });
    // A conversation socket refused: the session ended (sign in again), or
    // the agent may no longer open it (its pane closes, saying so).
    Effect::new(move |_| match chats.refusal() {
        Some((_, AfterRefusal::SignOut)) => sign_out.ended(),
        // A chat the agent is forwarding away is closed by the forward
        // itself, once its answer is in (its notice says what happened).
        Some((id, AfterRefusal::ClosePane)) if forwarding.contains(&id) => {}
        Some((id, AfterRefusal::ClosePane)) => {
            if open.get_untracked().as_ref() == Some(&id) {
                open.set(None);
                notices.failed(NO_LONGER_YOURS);
            }
        }
        Some((_, AfterRefusal::Show)) | None => {}
    });

    let agent_name = session.agent.name.clone();
    view! {
        <div class="desk">
            <Sidebar
                agent_name
                inbox
                link=Signal::derive(move || feed.with(Feed::link))
                open
                offline_open
                now=now.read_only()
            />
            <main class="pane">
                <NoticeLine/>
                <OfferCards offers open/>
                {move || match open.get() {
                    None if admin_open.get() => view! { <OnDemand part=Part::Administration/> }.into_any(),
                    None if offline_open.get() => view! { <OfflineMessagesPane now=now.read_only()/> }.into_any(),
                    None if reports_open.get() => view! { <OnDemand part=Part::Reports/> }.into_any(),
                    None if all_open.get() => view! { <AllChatsPane now=now.read_only()/> }.into_any(),
                    None if contacts_open.get() => view! { <crate::components::contacts_pane::ContactsPane/> }.into_any(),
                    Some(id) => view! { <Conversation id inbox visible=visible.read_only()/> }.into_any(),
                    None => view! {
                        <div class="empty-pane">
                            <p class="muted">"Select a conversation to read it."</p>
                        </div>
                    }
                    .into_any(),
                }}
            </main>
        </div>
    }
}

/// Opens the inbox socket: a snapshot on every (re)connect (and whenever
/// the agent's role or departments change), then changes.
fn connect_inbox(token: &str, feed: RwSignal<Feed>, sign_out: SignOut) -> Driver<Feed> {
    let url = format!(
        "{}/api/v1/agent/inbox?token={}",
        ws_origin(),
        js_sys::encode_uri_component(token)
    );
    Driver::new(
        url,
        move |f| {
            feed.try_update(|feed| f(feed));
        },
        move |reason| {
            if chats::after_refusal(reason, false) == AfterRefusal::SignOut {
                sign_out.ended();
            }
        },
    )
}

/// True while the tab is visible.
fn page_visible() -> bool {
    document().visibility_state() == web_sys::VisibilityState::Visible
}
