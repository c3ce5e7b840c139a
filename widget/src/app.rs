//! The root component: creates the [`Chat`], derives what each part of the
//! screen shows from its state, and wires the parts' callbacks back to it.

use crate::chat::Chat;
use crate::lines;
use crate::link::{self, Link};
use crate::parent;
use crate::ui::composer::Composer;
use crate::ui::header::Header;
use crate::ui::message_log::MessageLog;
use crate::ui::notice_bar::NoticeBar;
use leptos::prelude::*;
use shared::frame::ConversationStatus;

/// The whole chat.
#[component]
pub fn App() -> impl IntoView {
    let chat = Chat::new();
    chat.attach();
    chat.start();

    let state = chat.state();
    let link = chat.link();
    let lines = Memo::new(move |_| state.with(lines::lines));
    let typing = Memo::new(move |_| state.with(lines::typing));
    let agent = Memo::new(move |_| state.with(lines::agent_name));
    let status = Memo::new(move |_| state.with(lines::status));
    let waiting = Memo::new(move |_| status.get() == Some(ConversationStatus::Queued));
    let notice = Memo::new(move |_| link.with(|l| link::notice(l, status.get())));
    let ended = Memo::new(move |_| {
        status.get() == Some(ConversationStatus::Closed)
            || link.with(|l| matches!(l, Link::Failed { .. }))
    });

    view! {
        <main class="chat">
            <Header
                agent=agent
                closable=parent::embedded()
                on_close=Callback::new(|()| parent::close())
            />
            <MessageLog
                lines=lines
                waiting=waiting
                typing=typing
                shown=chat.shown()
                on_retry=Callback::new(move |id| chat.retry(id))
            />
            <NoticeBar notice=notice on_action=Callback::new(move |action| chat.act(action)) />
            <Composer
                disabled=ended
                focus=chat.shown()
                on_send=Callback::new(move |draft: String| chat.send(&draft))
                on_typing=Callback::new(move |empty| chat.typed(empty))
            />
        </main>
    }
}
