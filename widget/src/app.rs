//! The root component: creates the [`Chat`], derives what each part of the
//! screen shows from its state, and wires the parts' callbacks back to it.
//! When nobody can answer, the offline form takes the chat's place.

use crate::chat::Chat;
use crate::lines;
use crate::notice::{self, Setup};
use crate::offline::Stage;
use crate::parent;
use crate::ui::attach_button::AttachButton;
use crate::ui::composer::Composer;
use crate::ui::file_view::FileAccess;
use crate::ui::header::Header;
use crate::ui::message_log::MessageLog;
use crate::ui::notice_bar::NoticeBar;
use crate::ui::offline_form::OfflineForm;
use crate::ui::queue_status::QueueStatus;
use chat_client::link::Link;
use leptos::prelude::*;
use shared::frame::ConversationStatus;

/// The whole chat.
#[component]
pub fn App() -> impl IntoView {
    let chat = Chat::new();
    provide_context(FileAccess(Callback::new(move |()| chat.file_access())));
    chat.attach();
    chat.start();

    let session = chat.session();
    let setup = chat.setup();
    let offline = chat.offline();
    let lines = Memo::new(move |_| session.with(|s| lines::lines(s.state())));
    let typing = Memo::new(move |_| session.with(|s| lines::typing(s.state())));
    let agent = Memo::new(move |_| session.with(|s| lines::agent_name(s.state())));
    let status = Memo::new(move |_| session.with(|s| lines::status(s.state())));
    let link = Memo::new(move |_| session.with(|s| s.link()));
    let waiting = Memo::new(move |_| status.get() == Some(ConversationStatus::Queued));
    let notice =
        Memo::new(move |_| setup.with(|setup| notice::notice(setup, link.get(), status.get())));
    let ended = Memo::new(move |_| {
        status.get() == Some(ConversationStatus::Closed)
            || setup.with(|s| matches!(s, Setup::Failed { .. }))
    });
    // Once the visitor wrote (a new conversation has nothing to end) and
    // until it closed.
    let endable = Memo::new(move |_| {
        matches!(
            status.get(),
            Some(
                ConversationStatus::Queued
                    | ConversationStatus::Active
                    | ConversationStatus::OnHold
            )
        ) && setup.with(|s| *s == Setup::Ready)
            && link.get() == Link::Open
            && offline.with(Option::is_none)
    });
    let checking = Memo::new(move |_| setup.with(|s| *s == Setup::Checking));
    // Pushed by the server on the conversation's socket.
    let queue_text = Memo::new(move |_| session.with(|s| lines::queue(s.state())));
    let in_chat = Memo::new(move |_| offline.with(Option::is_none));
    let stage = Signal::derive(move || offline.get().unwrap_or(Stage::Editing));

    view! {
        <main class="chat">
            <Header
                agent=agent
                endable=endable
                on_end=Callback::new(move |()| chat.end())
                closable=parent::embedded()
                on_close=Callback::new(|()| parent::close())
            />
            <Show
                when=move || in_chat.get()
                fallback=move || view! {
                    <OfflineForm
                        stage=stage
                        on_send=Callback::new(move |draft| chat.leave_message(&draft))
                    />
                }
            >
                <MessageLog
                    lines=lines
                    waiting=waiting
                    typing=typing
                    shown=chat.shown()
                    on_retry=Callback::new(move |id| chat.retry(id))
                />
                <QueueStatus text=queue_text />
                <NoticeBar notice=notice on_action=Callback::new(move |action| chat.act(action)) />
                <Composer
                    disabled=Signal::derive(move || ended.get() || checking.get())
                    focus=chat.shown()
                    on_send=Callback::new(move |draft: String| chat.send(&draft))
                    on_typing=Callback::new(move |empty| chat.typed(empty))
                />
                <AttachButton
                    disabled=Signal::derive(move || ended.get() || checking.get())
                    on_stored=Callback::new(move |message| chat.stored(message))
                />
            </Show>
        </main>
    }
}
