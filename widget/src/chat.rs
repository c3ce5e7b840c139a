//! The widget's controller: it holds the visitor's conversation as a
//! [`Session`] (the pure machine of `chat_client` that owns the chat state,
//! the link, typing, acks and receipts), lets a [`Driver`] run it over the
//! socket, and turns the page's events and the visitor's actions into the
//! session's inputs.
//!
//! Flow: [`Chat::start`] loads the stored session; without one it first asks
//! whether anyone can answer (if nobody can, the offline form replaces the
//! chat) and then creates a session over HTTP; then it connects.
//! A refusal with 4401/4403/4404 means the stored token or conversation is
//! no longer valid: the chat starts over with a new conversation, once.
//! "Start a new chat" after a close does the same, keeping the visitor's
//! token. The session asks for its own timers (typing, acks, reconnects);
//! the chat only tells it whether the visitor sees it, for read receipts.

use crate::draft::{self, DraftError};
use crate::notice::{self, Action, AfterRefusal, Setup};
use crate::offline::{self, Draft, Problem, Stage};
use crate::session::{self, StoredSession};
use crate::{browser, http, lines, parent};
use chat_client::link::CloseReason;
use chat_client::session::{Input, Party, Session};
use chat_client::web::{self, ws_origin, Driver};
use chat_client::ChatState;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ids::ClientMsgId;

/// A handle on the widget's one conversation. `Copy`: every field is a
/// reactive handle owned by the component that created it.
#[derive(Clone, Copy)]
pub struct Chat {
    site_key: StoredValue<Option<String>>,
    /// The conversation, its link, and what the visitor has sent.
    session: RwSignal<Session>,
    /// Where the widget is with getting a conversation.
    setup: RwSignal<Setup>,
    /// The stored session in use, once there is one.
    stored: StoredValue<Option<StoredSession>>,
    /// `Some` while the offline form replaces the chat.
    offline: RwSignal<Option<Stage>>,
    /// The loader shows the frame (always true outside an iframe).
    shown: RwSignal<bool>,
    /// `document.visibilityState` is `visible`.
    page_visible: RwSignal<bool>,
    driver: StoredValue<Option<Driver<Session>>, LocalStorage>,
    /// Bumped on every connect; refusals heard by older drivers are ignored.
    generation: StoredValue<u32>,
    started_over: StoredValue<bool>,
    /// The unread count last told to the loader.
    badge: StoredValue<Option<usize>>,
}

impl Chat {
    /// A chat for the site key in the frame's address; call
    /// [`Chat::attach`] and [`Chat::start`] next.
    pub fn new() -> Self {
        Chat {
            site_key: StoredValue::new(browser::site_key()),
            session: RwSignal::new(Session::new(Party::Visitor)),
            setup: RwSignal::new(Setup::Starting),
            stored: StoredValue::new(None),
            offline: RwSignal::new(None),
            shown: RwSignal::new(!parent::embedded()),
            page_visible: RwSignal::new(browser::page_visible()),
            driver: StoredValue::new_local(None),
            generation: StoredValue::new(0),
            started_over: StoredValue::new(false),
            badge: StoredValue::new(None),
        }
    }

    /// The conversation as last heard from the edge, and its link.
    pub fn session(self) -> ReadSignal<Session> {
        self.session.read_only()
    }

    /// Where the widget is with getting a conversation, for the notice.
    pub fn setup(self) -> ReadSignal<Setup> {
        self.setup.read_only()
    }

    /// The offline form's stage; `None` while the chat is shown.
    pub fn offline(self) -> ReadSignal<Option<Stage>> {
        self.offline.read_only()
    }

    /// True while the visitor can see the chat.
    pub fn shown(self) -> ReadSignal<bool> {
        self.shown.read_only()
    }

    /// Connects the chat to the page: page visibility, messages from the
    /// loader, Escape to close, and the launcher's unread badge. Call once,
    /// inside the owning component.
    pub fn attach(self) {
        let visibility = window_event_listener_untyped("visibilitychange", move |_| {
            self.page_visible.set(browser::page_visible());
            self.tell_viewing();
        });
        let messages = window_event_listener(ev::message, move |event| {
            if let Some(shown) = parent::shown_in(&event) {
                self.shown.set(shown);
                self.tell_viewing();
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
            self.close_socket();
        });
        // The badge counts what arrived while the chat was hidden.
        Effect::new(move |_| {
            let count = if self.shown.get() {
                0
            } else {
                self.session.with(|s| s.state().unread())
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
            self.setup.set(Setup::Failed {
                text: "This chat is not set up correctly: the site key is missing.".to_owned(),
                action: Action::Reload,
            });
            return;
        };
        self.setup.set(Setup::Starting);
        spawn_local(async move {
            let stored = match session::load(&site_key) {
                Some(stored) => stored,
                None if self.nobody_answers(&site_key).await => {
                    self.offline.set(Some(Stage::Editing));
                    return;
                }
                None => match session::create(&site_key).await {
                    Ok(stored) => {
                        session::save(&site_key, &stored);
                        stored
                    }
                    Err(err) => {
                        self.setup.set(Setup::Failed {
                            text: http::notice(&err),
                            action: Action::TryAgain,
                        });
                        return;
                    }
                },
            };
            let state = self.state_for(&stored);
            self.connect(stored, state);
        });
    }

    /// True when the edge says nobody can answer now. When it cannot tell,
    /// the chat is offered anyway.
    async fn nobody_answers(self, site_key: &str) -> bool {
        self.setup.set(Setup::Checking);
        let nobody = matches!(offline::availability(site_key).await, Ok(a) if !a.online);
        self.setup.set(Setup::Starting);
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
        self.feed(Input::End);
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

    /// Sends a message (or keeps it in the outbox until connected), with a
    /// fresh id from the browser's `crypto`.
    pub fn send(self, draft: &str) -> Result<(), DraftError> {
        let text = draft::prepare(draft)?.to_owned();
        let client_id = web::client_id().ok_or(DraftError::NoId)?;
        self.feed(Input::Compose {
            client_id,
            text,
            kind: Default::default(),
        });
        Ok(())
    }

    /// The conversation's id and the visitor's token, for its files.
    pub fn file_access(self) -> Option<(String, String)> {
        self.stored
            .try_get_value()
            .flatten()
            .map(|s| (s.conversation_id.0, s.token))
    }

    /// An upload was stored: its message takes the pending line's place.
    pub fn stored(self, message: shared::frame::Message) {
        self.feed(Input::Stored(message));
    }

    /// Sends a failed message again, with its original client id.
    pub fn retry(self, client_id: ClientMsgId) {
        self.feed(Input::Retry(client_id));
    }

    /// The draft changed; `empty` when nothing is left in it.
    pub fn typed(self, empty: bool) {
        self.feed(Input::Typed { empty });
    }

    /// Gives an input to the session, through the driver when there is one
    /// (it performs what the session asks). Before the first connect, the
    /// session only keeps it (a send waits in its outbox).
    fn feed(self, input: Input) {
        let driver = self.driver.with_value(Clone::clone);
        match driver {
            Some(driver) => driver.act(move |s, now| s.handle(now, input)),
            None => self.session.update(|s| s.handle(web::now(), input)),
        }
    }

    /// The state to resume `stored`'s conversation from: everything held
    /// when it is the conversation already on screen, else only the unsent
    /// messages.
    fn state_for(self, stored: &StoredSession) -> ChatState {
        self.session.with_untracked(|s| {
            let same = s
                .state()
                .conversation()
                .is_none_or(|c| c.id == stored.conversation_id);
            if same {
                s.state().clone()
            } else {
                lines::carry_outbox(s.state())
            }
        })
    }

    fn connect(self, stored: StoredSession, state: ChatState) {
        self.close_socket();
        let generation = self.generation.get_value();
        let token = String::from(js_sys::encode_uri_component(&stored.token));
        let url = format!(
            "{}/api/v1/conversations/{}/ws?token={token}",
            ws_origin(),
            stored.conversation_id
        );
        self.stored.set_value(Some(stored));
        self.session.set(Session::with_state(Party::Visitor, state));
        self.setup.set(Setup::Ready);
        let session = self.session;
        let driver = Driver::new(
            url,
            move |f| {
                session.try_update(|s| f(s));
            },
            move |reason| {
                if self.generation.try_get_value() == Some(generation) {
                    self.on_refused(reason);
                }
            },
        );
        self.driver.set_value(Some(driver));
        self.tell_viewing();
    }

    fn on_refused(self, reason: CloseReason) {
        match notice::after_refusal(reason, self.started_over.get_value()) {
            AfterRefusal::StartOver => {
                self.started_over.set_value(true);
                self.start_over();
            }
            AfterRefusal::GiveUp(setup) => self.setup.set(setup),
        }
    }

    /// Starts a new conversation for the same visitor (a new visitor when
    /// their token is refused), keeping the messages the old one never
    /// stored.
    fn start_over(self) {
        self.close_socket();
        let carried = self
            .session
            .with_untracked(|s| lines::carry_outbox(s.state()));
        self.session
            .set(Session::with_state(Party::Visitor, carried.clone()));
        let (Some(site_key), Some(old)) = (self.site_key.get_value(), self.stored.get_value())
        else {
            if let Some(site_key) = self.site_key.get_value() {
                session::forget(&site_key);
            }
            return self.start();
        };
        self.setup.set(Setup::Starting);
        spawn_local(async move {
            match session::renew(&site_key, old).await {
                Ok(stored) => {
                    session::save(&site_key, &stored);
                    self.connect(stored, carried);
                }
                Err(err) => self.setup.set(Setup::Failed {
                    text: http::notice(&err),
                    action: Action::NewChat,
                }),
            }
        });
    }

    /// Closes the socket for good and forgets its driver.
    fn close_socket(self) {
        self.generation.update_value(|g| *g = g.wrapping_add(1));
        if let Some(driver) = self.driver.try_update_value(Option::take).flatten() {
            driver.act(|s, now| s.handle(now, Input::Stop));
        }
    }

    /// Tells the session whether the visitor sees the chat now: read
    /// receipts go out only while they do.
    fn tell_viewing(self) {
        let viewing = self.shown.get_untracked() && self.page_visible.get_untracked();
        self.feed(Input::Viewing(viewing));
    }
}
