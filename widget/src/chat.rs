//! The widget's controller: it owns the [`ChatState`] of the visitor's
//! conversation and feeds it from the socket, the clock and the page, and
//! turns the visitor's actions (send, retry, type) into frames.
//!
//! Flow: [`Chat::start`] loads the stored session; without one it first asks
//! whether anyone can answer (if nobody can, the offline form replaces the
//! chat) and then creates a session over HTTP; then it connects the socket.
//! Each open sends `hello`; each server frame is applied to the state and
//! answered with its replies (re-sends, receipts).
//! A close with 4401/4403/4404 means the stored token or conversation is no
//! longer valid: the chat starts over with a new conversation, once. "Start
//! a new chat" after a close does the same, keeping the visitor's token.
//! A one-second tick paces the typing frames, fails sends whose ack does not
//! come within eight seconds, and asks for the queue position while queued.

use crate::draft::{self, DraftError};
use crate::link::{self, Action, AfterClose, Link};
use crate::offline::{self, Draft, Problem, Stage};
use crate::pacing::{AckWatch, TypingPacer};
use crate::queue::QueueWatch;
use crate::session::{self, StoredSession};
use crate::{browser, lines, parent};
use chat_client::web::{ws_origin, Socket};
use chat_client::ChatState;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::QueuePosition;
use shared::frame::{ClientFrame, ConversationStatus, ServerFrame};
use shared::ids::{ClientMsgId, Seq};
use std::time::Duration;

/// A handle on the widget's one conversation. `Copy`: every field is a
/// reactive handle owned by the component that created it.
#[derive(Clone, Copy)]
pub struct Chat {
    site_key: StoredValue<Option<String>>,
    state: RwSignal<ChatState>,
    link: RwSignal<Link>,
    /// The session in use, once there is one.
    session: StoredValue<Option<StoredSession>>,
    /// `Some` while the offline form replaces the chat.
    offline: RwSignal<Option<Stage>>,
    /// The queue position, while queued.
    queue: QueueWatch,
    /// The loader shows the frame (always true outside an iframe).
    shown: RwSignal<bool>,
    /// `document.visibilityState` is `visible`.
    page_visible: RwSignal<bool>,
    socket: StoredValue<Option<Socket>, LocalStorage>,
    /// Bumped on every connect; callbacks of older sockets are ignored.
    generation: StoredValue<u32>,
    pacer: StoredValue<TypingPacer>,
    ack: StoredValue<AckWatch>,
    started_over: StoredValue<bool>,
    /// The highest read receipt sent on this socket: the edge's echo takes a
    /// round trip, and frames arriving meanwhile must not repeat it.
    read_sent: StoredValue<Seq>,
    /// The unread count last told to the loader.
    badge: StoredValue<Option<usize>>,
}

impl Chat {
    /// A chat for the site key in the frame's address; call
    /// [`Chat::attach`] and [`Chat::start`] next.
    pub fn new() -> Self {
        Chat {
            site_key: StoredValue::new(browser::site_key()),
            state: RwSignal::new(ChatState::new()),
            link: RwSignal::new(Link::Starting),
            session: StoredValue::new(None),
            offline: RwSignal::new(None),
            queue: QueueWatch::new(),
            shown: RwSignal::new(!parent::embedded()),
            page_visible: RwSignal::new(browser::page_visible()),
            socket: StoredValue::new_local(None),
            generation: StoredValue::new(0),
            pacer: StoredValue::new(TypingPacer::default()),
            ack: StoredValue::new(AckWatch::default()),
            started_over: StoredValue::new(false),
            read_sent: StoredValue::new(0),
            badge: StoredValue::new(None),
        }
    }

    /// The conversation as last heard from the edge.
    pub fn state(self) -> ReadSignal<ChatState> {
        self.state.read_only()
    }

    /// The connection, for the notice.
    pub fn link(self) -> ReadSignal<Link> {
        self.link.read_only()
    }

    /// The offline form's stage; `None` while the chat is shown.
    pub fn offline(self) -> ReadSignal<Option<Stage>> {
        self.offline.read_only()
    }

    /// Where the conversation waits, while it is queued.
    pub fn queue(self) -> ReadSignal<Option<QueuePosition>> {
        self.queue.position()
    }

    /// True while the visitor can see the chat.
    pub fn shown(self) -> ReadSignal<bool> {
        self.shown.read_only()
    }

    /// Connects the chat to the page: the tick, page visibility, messages
    /// from the loader, Escape to close, and the launcher's unread badge.
    /// Call once, inside the owning component.
    pub fn attach(self) {
        if let Ok(tick) = set_interval_with_handle(move || self.tick(), Duration::from_secs(1)) {
            on_cleanup(move || tick.clear());
        }
        let visibility = window_event_listener_untyped("visibilitychange", move |_| {
            self.page_visible.set(browser::page_visible());
            self.read_if_visible();
        });
        let messages = window_event_listener(ev::message, move |event| {
            if let Some(shown) = parent::shown_in(&event) {
                self.shown.set(shown);
                self.read_if_visible();
            }
        });
        let escape = window_event_listener(ev::keydown, |event| {
            if event.key() == "Escape" {
                parent::close();
            }
        });
        on_cleanup(move || {
            visibility.remove();
            messages.remove();
            escape.remove();
        });
        // The badge counts what arrived while the chat was hidden.
        Effect::new(move |_| {
            let count = if self.shown.get() {
                0
            } else {
                self.state.with(ChatState::unread)
            };
            if self.badge.get_value() != Some(count) {
                self.badge.set_value(Some(count));
                parent::unread(count);
            }
        });
        parent::ready();
    }

    /// Loads the stored session, or (when someone can answer) creates one,
    /// then connects.
    pub fn start(self) {
        let Some(site_key) = self.site_key.get_value() else {
            self.link.set(Link::Failed {
                text: "This chat is not set up correctly: the site key is missing.".to_owned(),
                action: Action::Reload,
            });
            return;
        };
        self.link.set(Link::Starting);
        spawn_local(async move {
            let session = match session::load(&site_key) {
                Some(session) => session,
                None if self.nobody_answers(&site_key).await => {
                    self.offline.set(Some(Stage::Editing));
                    return;
                }
                None => match session::create(&site_key).await {
                    Ok(session) => {
                        session::save(&site_key, &session);
                        session
                    }
                    Err(err) => {
                        self.link.set(Link::Failed {
                            text: err.notice(),
                            action: Action::TryAgain,
                        });
                        return;
                    }
                },
            };
            self.connect(&session);
        });
    }

    /// True when the edge says nobody can answer now. When it cannot tell,
    /// the chat is offered anyway.
    async fn nobody_answers(self, site_key: &str) -> bool {
        self.link.set(Link::Checking);
        let nobody = matches!(offline::availability(site_key).await, Ok(a) if !a.online);
        self.link.set(Link::Starting);
        nobody
    }

    /// Leaves a message through the offline form, once the form is filled
    /// in correctly; otherwise returns what is wrong with it.
    pub fn leave_message(self, draft: &Draft) -> Result<(), Vec<Problem>> {
        let site_key = self.site_key.get_value().unwrap_or_default();
        let message = offline::check(&site_key, draft)?;
        if matches!(
            self.offline.get_untracked(),
            Some(Stage::Sending | Stage::Sent)
        ) {
            return Ok(());
        }
        self.offline.set(Some(Stage::Sending));
        spawn_local(async move {
            let stage = match offline::send(&message).await {
                Ok(()) => Stage::Sent,
                Err(text) => Stage::Failed(text),
            };
            self.offline.set(Some(stage));
        });
        Ok(())
    }

    /// Ends the chat for everyone ("End chat", confirmed).
    pub fn end(self) {
        self.send_frame(&ClientFrame::End);
    }

    /// The visitor pressed a notice's button.
    pub fn act(self, action: Action) {
        match action {
            Action::TryAgain => self.start(),
            Action::NewChat => self.start_over(),
            Action::Reload => {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
            }
        }
    }

    /// Sends a message (or keeps it in the outbox until connected).
    pub fn send(self, draft: &str) -> Result<(), DraftError> {
        let text = draft::prepare(draft)?.to_owned();
        let frame = self
            .state
            .try_update(|s| s.compose(browser::client_id(), text));
        if let Some(frame) = frame {
            self.send_frame(&frame);
        }
        if let Some(active) = self.pacer.try_update_value(TypingPacer::stop).flatten() {
            self.send_frame(&ClientFrame::Typing { active });
        }
        Ok(())
    }

    /// Sends a failed message again, with its original client id.
    pub fn retry(self, client_id: ClientMsgId) {
        if let Some(frame) = self.state.try_update(|s| s.retry(&client_id)).flatten() {
            self.send_frame(&frame);
        }
    }

    /// The draft changed; `empty` when nothing is left in it.
    pub fn typed(self, empty: bool) {
        let now = browser::now();
        let due = self
            .pacer
            .try_update_value(|p| if empty { p.stop() } else { p.input(now) })
            .flatten();
        if let Some(active) = due {
            self.send_frame(&ClientFrame::Typing { active });
        }
    }

    fn connect(self, session: &StoredSession) {
        self.close_socket();
        self.session.set_value(Some(session.clone()));
        let generation = self.generation.get_value().wrapping_add(1);
        self.generation.set_value(generation);
        let current = move || self.generation.try_get_value() == Some(generation);
        let token = String::from(js_sys::encode_uri_component(&session.token));
        let url = format!(
            "{}/api/v1/conversations/{}/ws?token={token}",
            ws_origin(),
            session.conversation_id
        );
        self.link.set(Link::Connecting);
        let socket = Socket::connect(
            url,
            move || {
                if !current() {
                    return Vec::new();
                }
                self.read_sent.set_value(0);
                vec![self.state.with_untracked(ChatState::hello)]
            },
            move |frame: ServerFrame| {
                if !current() {
                    return Vec::new();
                }
                self.on_frame(frame)
            },
            move |code| {
                if current() {
                    self.on_close(code);
                }
            },
        );
        self.socket.set_value(Some(socket));
    }

    fn on_frame(self, frame: ServerFrame) -> Vec<ClientFrame> {
        let welcome = matches!(frame, ServerFrame::Welcome { .. });
        let mut replies = self
            .state
            .try_update(|s| s.apply(frame))
            .unwrap_or_default();
        if welcome {
            self.link.set(Link::Online);
        }
        replies.extend(self.read_receipt());
        replies
    }

    fn on_close(self, code: u16) {
        self.state.update(ChatState::disconnected);
        match link::after_close(code, self.started_over.get_value()) {
            AfterClose::Reconnect => self.link.set(Link::Reconnecting),
            AfterClose::GiveUp(failed) => self.link.set(failed),
            AfterClose::StartOver => {
                self.started_over.set_value(true);
                self.link.set(Link::Starting);
                // Not from inside the socket's own close handler.
                spawn_local(async move { self.start_over() });
            }
        }
    }

    /// Starts a new conversation for the same visitor (a new visitor when
    /// their token is refused), keeping the messages the old one never
    /// stored.
    fn start_over(self) {
        self.close_socket();
        self.state.update(|s| *s = lines::carry_outbox(s));
        self.ack.set_value(AckWatch::default());
        self.queue.forget();
        let (Some(site_key), Some(old)) = (self.site_key.get_value(), self.session.get_value())
        else {
            if let Some(site_key) = self.site_key.get_value() {
                session::forget(&site_key);
            }
            return self.start();
        };
        self.link.set(Link::Starting);
        spawn_local(async move {
            match session::renew(&site_key, old).await {
                Ok(session) => {
                    session::save(&site_key, &session);
                    self.connect(&session);
                }
                Err(err) => self.link.set(Link::Failed {
                    text: err.notice(),
                    action: Action::NewChat,
                }),
            }
        });
    }

    fn close_socket(self) {
        self.generation.update_value(|g| *g = g.wrapping_add(1));
        if let Some(socket) = self.socket.try_update_value(Option::take).flatten() {
            socket.close();
        }
    }

    fn tick(self) {
        let now = browser::now();
        if let Some(active) = self.pacer.try_update_value(|p| p.tick(now)).flatten() {
            self.send_frame(&ClientFrame::Typing { active });
        }
        let open = self
            .socket
            .with_value(|s| s.as_ref().is_some_and(Socket::is_open));
        let waiting = open
            && self
                .state
                .with_untracked(|s| s.is_synced() && s.has_unacked());
        if self.ack.try_update_value(|a| a.tick(now, waiting)) == Some(true) {
            self.state.update(ChatState::fail_unacked);
        }
        let queued = self.state.with_untracked(|s| {
            s.conversation()
                .is_some_and(|c| c.status == ConversationStatus::Queued)
        });
        self.queue.tick(now, queued, self.session.get_value());
    }

    fn visible(self) -> bool {
        self.shown.get_untracked() && self.page_visible.get_untracked()
    }

    /// The read receipt to send now: only while the visitor sees the chat,
    /// and only once per watermark.
    fn read_receipt(self) -> Option<ClientFrame> {
        if !self.visible() {
            return None;
        }
        let frame = self.state.with_untracked(ChatState::read_receipt)?;
        if let ClientFrame::Receipt { seq, .. } = frame {
            if seq <= self.read_sent.get_value() {
                return None;
            }
            self.read_sent.set_value(seq);
        }
        Some(frame)
    }

    fn read_if_visible(self) {
        if let Some(frame) = self.read_receipt() {
            self.send_frame(&frame);
        }
    }

    fn send_frame(self, frame: &ClientFrame) -> bool {
        self.socket
            .with_value(|s| s.as_ref().is_some_and(|s| s.send(frame)))
    }
}
