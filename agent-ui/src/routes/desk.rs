//! The signed-in screen: the sidebar of live lists on the left, the open
//! conversation (or the offline messages) on the right. It owns the inbox
//! socket, the conversation sockets ([`Chats`]), the pending offers, the
//! offline messages and their polling, the notice line, the clock for
//! waiting times, page visibility (read receipts only go out while the tab
//! is visible) and the tab title.

use crate::app::SignOut;
use crate::chats::{Chats, Link};
use crate::components::conversation::Conversation;
use crate::components::notice_line::NoticeLine;
use crate::components::offer_card::OfferCards;
use crate::components::offline_messages::OfflineMessagesPane;
use crate::components::sidebar::Sidebar;
use crate::format;
use crate::history::OpenConversation;
use crate::inbox::Inbox;
use crate::notice::Notices;
use crate::offers::Offers;
use crate::offline::OfflineMessages;
use crate::session::Session;
use chat_client::web::{ws_origin, Socket};
use leptos::prelude::*;
use shared::inbox::InboxFrame;
use shared::ConversationId;
use std::time::Duration;

/// How often the inbox socket is pinged, so idle proxies keep it open.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How often waiting times are redrawn.
const CLOCK_EVERY: Duration = Duration::from_secs(15);
/// How often the offline messages are loaded again (no socket brings them).
const OFFLINE_EVERY: Duration = Duration::from_secs(30);

/// The signed-in desk.
#[component]
pub fn Desk(session: Session) -> impl IntoView {
    let sign_out = expect_context::<SignOut>();
    let inbox = RwSignal::new(Inbox::new(&session.agent.id));
    let inbox_link = RwSignal::new(Link::Connecting);
    let offers = RwSignal::new(Offers::default());
    provide_context(Notices(RwSignal::new(None)));
    let open = RwSignal::new(None::<ConversationId>);
    provide_context(OpenConversation(open));
    // The pane shows the offline messages instead of a conversation.
    let offline_open = RwSignal::new(false);
    let now = RwSignal::new(format::now());
    let visible = RwSignal::new(page_visible());
    let chats = Chats::new(session.token.clone());
    provide_context(chats);
    provide_context(session.clone());
    let offline = OfflineMessages::new(session.token.clone(), sign_out);
    provide_context(offline);
    offline.refresh();

    let socket = StoredValue::new_local(connect_inbox(&session.token, inbox, offers, inbox_link));
    let ping = set_interval_with_handle(
        move || {
            socket.with_value(|s| s.send(&shared::inbox::InboxClientFrame::Ping));
        },
        PING_EVERY,
    )
    .ok();
    let clock = set_interval_with_handle(move || now.set(format::now()), CLOCK_EVERY).ok();
    let offline_poll = set_interval_with_handle(move || offline.refresh(), OFFLINE_EVERY).ok();
    let visibility = window_event_listener_untyped("visibilitychange", move |_| {
        visible.set(page_visible());
    });
    on_cleanup(move || {
        socket.with_value(Socket::close);
        chats.close_all();
        ping.into_iter()
            .chain(clock)
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
            .sum();
        document().set_title(&format::title(total, offers.with(Offers::any)));
    });
    // A refused token on any socket: sign in again. Deferred, so no socket
    // is closed from inside its own callback.
    Effect::new(move |_| {
        if inbox_link.get() == Link::Refused(shared::close::UNAUTHORIZED) || chats.unauthorized() {
            set_timeout(move || sign_out.run(), Duration::ZERO);
        }
    });

    let agent_name = session.agent.name.clone();
    view! {
        <div class="desk">
            <Sidebar
                agent_name
                inbox=inbox.read_only()
                link=inbox_link.read_only()
                open
                offline_open
                now=now.read_only()
            />
            <main class="pane">
                <NoticeLine/>
                <OfferCards offers open/>
                {move || match open.get() {
                    None if offline_open.get() => view! { <OfflineMessagesPane now=now.read_only()/> }.into_any(),
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

/// Opens the inbox socket: a snapshot on every (re)connect, then changes.
fn connect_inbox(
    token: &str,
    inbox: RwSignal<Inbox>,
    offers: RwSignal<Offers>,
    link: RwSignal<Link>,
) -> Socket {
    let url = format!(
        "{}/api/v1/agent/inbox?token={}",
        ws_origin(),
        js_sys::encode_uri_component(token)
    );
    Socket::connect::<InboxFrame>(
        url,
        move || {
            link.try_set(Link::Open);
            Vec::new()
        },
        move |frame| {
            offers.try_update(|o| o.apply(&frame));
            inbox.try_update(|i| i.apply(frame));
            Vec::new()
        },
        move |code| {
            let refused = (4400..=4499).contains(&code);
            link.try_set(if refused {
                Link::Refused(code)
            } else {
                Link::Reconnecting
            });
        },
    )
}

/// True while the tab is visible.
fn page_visible() -> bool {
    document().visibility_state() == web_sys::VisibilityState::Visible
}
