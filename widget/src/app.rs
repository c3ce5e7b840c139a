//! The widget's controller, a small Elm-style loop: one [`App`] holds the
//! state (the visitor's [`Session`], where the setup is, the forms'
//! stages, the site's and the page's settings); every event of the page,
//! the loader, the network or the socket changes it through a function
//! here, and then [`changed`] tells the loader and the page what follows
//! (unread count, events, a tone) and redraws what differs
//! ([`crate::view::render`]). The rules live in the pure modules; this
//! only sequences them and performs the requests.
//!
//! Flow: [`start`] resumes a stored session, or asks for the site's
//! settings (and whether anyone can answer; if nobody can, the offline
//! form replaces the chat) and waits: nothing is created or stored until
//! the visitor sends a first message or a form ([`begin`]). A refusal with
//! 4401/4403/4404 means the stored token or conversation is no longer
//! valid: the chat starts over, once. "Start a new chat" after a close
//! keeps the visitor's token.
//!
//! The state lives in a thread-local `RefCell`; no borrow is held while
//! the driver, the view or the network runs, so none of them can find it
//! borrowed.

use crate::draft::{self, DraftError};
use crate::ending;
use crate::i18n::{join, Lang, Texts};
use crate::js::{self, maybe, object, text};
use crate::lines;
use crate::net;
use crate::notice::{self, Action, AfterRefusal, Setup};
use crate::offline::{self, Draft, Problem, Stage};
use crate::parent::{self, Incoming, PageConfig};
use crate::session::{self, StoredSession};
use crate::site::{self, PrechatDraft, PrechatField, SiteConfig, StartBody};
use crate::socket::Socket;
use crate::watch::{self, Change, Seen};
use crate::{browser, sound, view, wire};
use chat_client::files::{upload_path, upload_query};
use chat_client::http::HttpError;
use chat_client::link::{CloseReason, Link};
use chat_client::session::{Input, Party, Session};
use chat_client::web::{self, ws_origin};
use chat_client::ChatState;
use shared::frame::{ConversationStatus, SendKind};
use shared::ids::{is_valid_id, ClientMsgId, ConversationId, VisitorId};
use std::cell::RefCell;
use wasm_bindgen::{JsValue, UnwrapThrowExt};

/// A file being sent, or refused.
pub struct Upload {
    /// Sent with the file, the same on every retry.
    pub id: ClientMsgId,
    /// The file's name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Why it was refused; `None` while under way.
    pub failed: Option<String>,
    file: web_sys::File,
}

/// Everything the widget knows.
pub struct App {
    /// The site's key; empty when the address has none.
    pub site_key: String,
    /// Opened as its own window.
    pub popout: bool,
    /// Inside the loader's iframe.
    pub embedded: bool,
    /// The language shown.
    pub lang: Lang,
    /// The site's settings (the defaults until they arrive, or if they
    /// never do).
    pub config: SiteConfig,
    /// What the page set through the loader.
    pub page: PageConfig,
    /// The conversation, its link, and what the visitor has sent.
    pub session: Session,
    /// Where the widget is with getting a conversation.
    pub setup: Setup,
    /// The stored session in use, once there is one.
    pub stored: Option<StoredSession>,
    /// `Some` while the offline form replaces the chat.
    pub offline: Option<Stage>,
    /// The offline form's problems.
    pub offline_problems: Vec<Problem>,
    /// The pre-chat form shows (before the first message).
    pub prechat: bool,
    /// The pre-chat form's problems.
    pub prechat_problems: Vec<(PrechatField, &'static str)>,
    /// The loader shows the frame (always true outside an iframe).
    pub shown: bool,
    /// `document.visibilityState` is `visible`.
    pub page_visible: bool,
    /// The visitor muted the tone.
    pub muted: bool,
    /// "End this chat?" is asked.
    pub confirming: bool,
    /// Why the draft was not sent.
    pub draft_error: Option<&'static str>,
    /// Files being sent or refused, oldest first.
    pub uploads: Vec<Upload>,
    /// Bumped whenever `uploads` changes, so the view redraws them.
    pub uploads_version: u32,
    /// "Rate this chat": its stage and problem.
    pub rating: (Stage, Option<&'static str>),
    /// "Send me the transcript": its stage and problem.
    pub transcript: (Stage, Option<&'static str>),
    /// A form was just refused: the focus goes to its first problem.
    pub focus_problem: bool,
    /// A sentence for the screen reader's live region.
    pub announce: Option<String>,
    /// Why a call could not go on (its part did not load, the browser
    /// refused the microphone or camera), shown as an alert.
    pub call_note: Option<String>,
    interacted: bool,
    socket: Option<Socket>,
    /// Bumped on every connect; refusals heard by older drivers are ignored.
    generation: u32,
    started_over: bool,
    badge: Option<usize>,
    seen: Seen,
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

/// Runs `f` on the state. Never called while it is borrowed.
pub fn with<R>(f: impl FnOnce(&mut App) -> R) -> R {
    APP.with(|cell| f(cell.borrow_mut().as_mut().unwrap_throw()))
}

/// The words of the language shown.
pub fn texts() -> &'static Texts {
    with(|a| a.lang.texts())
}

/// Creates the state, builds the screen and starts.
pub fn init() {
    let site_key = browser::site_key().unwrap_or_default();
    let embedded = parent::embedded();
    let popout = browser::popout();
    let muted = !site_key.is_empty() && session::muted(&site_key);
    APP.with(|cell| {
        *cell.borrow_mut() = Some(App {
            site_key,
            popout,
            embedded,
            lang: Lang::from_tag(&browser::language()),
            config: SiteConfig::default(),
            page: PageConfig::default(),
            session: Session::new(Party::Visitor),
            setup: Setup::Checking,
            stored: None,
            offline: None,
            offline_problems: Vec::new(),
            prechat: false,
            prechat_problems: Vec::new(),
            shown: !embedded,
            page_visible: browser::page_visible(),
            muted,
            confirming: false,
            draft_error: None,
            uploads: Vec::new(),
            uploads_version: 0,
            rating: (Stage::Editing, None),
            transcript: (Stage::Editing, None),
            announce: None,
            call_note: None,
            focus_problem: false,
            interacted: false,
            socket: None,
            generation: 0,
            started_over: false,
            badge: None,
            seen: Seen::default(),
        })
    });
    view::build();
    view::listen();
    crate::call::init();
    start();
    parent::ready();
}

/// After every change: tells the loader and the page what follows from it,
/// then redraws.
#[inline(never)]
pub fn changed() {
    let (unread, changes, sound) = with(|a| {
        let count = if a.shown {
            0
        } else {
            a.session.state().unread()
        };
        let unread = (a.badge != Some(count)).then_some(count);
        a.badge = Some(count);
        let now = Seen::of(&a.session);
        let changes = watch::changes(&a.seen, &now);
        a.seen = now;
        let hidden = !a.shown || !a.page_visible;
        let sound = a.config.sound && !a.muted && hidden;
        if changes.contains(&Change::AgentWrote) {
            a.announce = newest_agent_line(&a.session);
        }
        (unread, changes, sound)
    });
    if let Some(count) = unread {
        parent::unread(count);
    }
    for change in changes {
        match change {
            Change::AgentJoined(name) => parent::event("agentJoined", "name", &name),
            Change::ChatEnded(id) => parent::event("chatEnded", "conversationId", &id),
            Change::AgentWrote if sound => sound::tone(),
            Change::AgentWrote => {}
        }
    }
    view::render();
    crate::call::after_change();
}

/// "Anna: text" for the newest message an agent wrote.
fn newest_agent_line(session: &Session) -> Option<String> {
    let m = session
        .state()
        .messages()
        .filter(|m| m.author.side == shared::frame::Side::Agent)
        .last()?;
    Some(join(&[&m.author.name, ": ", &m.text]))
}

/// Loads the stored session and connects, or asks for the site's settings
/// and whether anyone can answer, then waits for the visitor.
pub fn start() {
    let site_key = with(|a| a.site_key.clone());
    if site_key.is_empty() {
        with(|a| {
            a.setup = Setup::Failed {
                text: a.lang.texts().no_site_key.to_owned(),
                action: Action::Reload,
            }
        });
        return changed();
    }
    if browser::reset_asked() {
        session::forget(&site_key);
    }
    let stored = session::load(&site_key);
    with(|a| {
        a.setup = if stored.is_some() {
            Setup::Starting
        } else {
            Setup::Checking
        }
    });
    changed();
    let path = join(&["/api/v1/visitor/site?site_key=", &net::encode(&site_key)]);
    net::get(&path, None, move |config| {
        // No settings (an older worker, a network error): the defaults.
        let config = config.map_or_else(|_| SiteConfig::default(), |v| wire::site_config(&v));
        let online = config.online;
        let resuming = stored.is_some();
        with(|a| {
            a.config = config;
            if !resuming && !a.interacted {
                a.prechat = a.config.prechat.is_some();
            }
        });
        view::rebuild();
        match stored {
            Some(stored) => {
                let state = with(|a| lines::carry_outbox(a.session.state()));
                connect(stored, state);
            }
            None => match online {
                Some(online) => available(online),
                None => check_availability(&site_key),
            },
        }
    });
}

fn check_availability(site_key: &str) {
    let path = join(&[
        "/api/v1/visitor/availability?site_key=",
        &net::encode(site_key),
    ]);
    // When the edge cannot tell, the chat is offered anyway.
    net::get(&path, None, |a| {
        available(a.ok().and_then(|a| js::boolean(&a, "online")) != Some(false))
    });
}

fn available(online: bool) {
    let waiting = with(|a| {
        if online {
            a.setup = Setup::Idle;
        } else {
            a.offline = Some(Stage::Editing);
            a.prechat = false;
        }
        online && a.session.state().has_unacked() && !a.prechat
    });
    changed();
    // Opened before the chat could be written in: the keyboard goes to the
    // message box now that it can.
    if online && with(|a| a.shown) {
        view::focus_composer();
    }
    // A message written before a retry waits in the outbox.
    if waiting {
        begin(None);
    }
}

/// The visitor did something: the loader may store its own state now.
fn interact() {
    let first = with(|a| !std::mem::replace(&mut a.interacted, true));
    if first {
        parent::interacted();
    }
}

/// The body a conversation starts with: the page's fields, department and
/// the language.
fn start_body(a: &App) -> StartBody {
    StartBody {
        department: a.page.department.clone(),
        fields: a.page.fields.clone(),
        language: Some(a.lang.tag().to_owned()),
        ..StartBody::default()
    }
}

/// Creates the visitor's session (with the page's user) and their
/// conversation (resuming the one the server names for a verified user),
/// stores them, and connects. `body`: the pre-chat form's values; `None`:
/// the page's alone.
pub fn begin(body: Option<StartBody>) {
    let (site_key, user, body) = with(|a| {
        a.setup = Setup::Starting;
        let body = body.unwrap_or_else(|| start_body(a));
        (a.site_key.clone(), a.page.user.clone(), body)
    });
    changed();
    let request = object(&[
        ("site_key", text(&site_key)),
        ("user", user.as_ref().map(|u| u.to_js())),
    ]);
    let given_user = user.is_some();
    net::call(
        "POST",
        "/api/v1/visitor/session",
        None,
        Some(request),
        move |answer| {
            let visitor = match answer {
                Ok(v) => v,
                Err(err) => return failed(&err, Action::TryAgain),
            };
            let (Some(token), Some(visitor_id)) = (
                js::string(&visitor, "token"),
                js::string(&visitor, "visitor_id"),
            ) else {
                return failed(&HttpError::BadBody, Action::TryAgain);
            };
            let identity = js::get(&visitor, "identity");
            let status = js::string(&identity, "status");
            if given_user && status.is_some_and(|s| s != "verified") {
                let reason = js::string(&identity, "reason");
                warn(
                    reason
                        .as_deref()
                        .unwrap_or("setUser: the visitor stays anonymous"),
                );
            }
            let visitor_id = VisitorId(visitor_id);
            match js::string(&visitor, "conversation_id").filter(|c| is_valid_id(c)) {
                Some(conversation_id) => started(
                    StoredSession {
                        token,
                        visitor_id,
                        conversation_id: ConversationId(conversation_id),
                    },
                    false,
                ),
                None => start_conversation(token, visitor_id, body),
            }
        },
    );
}

fn warn(text: &str) {
    web_sys::console::warn_1(&JsValue::from_str(text));
}

/// Starts a conversation for the visitor whose token this is. A refused
/// token (from an old stored session) starts over as a new visitor.
fn start_conversation(token: String, visitor_id: VisitorId, body: StartBody) {
    let request = object(&[
        ("department", maybe(&body.department)),
        ("name", maybe(&body.name)),
        ("email", maybe(&body.email)),
        ("fields", Some(js::map(&body.fields))),
        ("language", maybe(&body.language)),
    ]);
    net::call(
        "POST",
        "/api/v1/visitor/conversations",
        Some(&token.clone()),
        Some(request),
        move |answer| match answer.map(|s| js::string(&s, "conversation_id")) {
            Ok(Some(id)) if is_valid_id(&id) => started(
                StoredSession {
                    token,
                    visitor_id,
                    conversation_id: ConversationId(id),
                },
                true,
            ),
            Ok(_) => failed(&HttpError::BadBody, Action::TryAgain),
            Err(err) if err.refused_token() => {
                with(|a| a.stored = None);
                begin(Some(body));
            }
            Err(err) => failed(&err, Action::TryAgain),
        },
    );
}

fn started(stored: StoredSession, new: bool) {
    let site_key = with(|a| a.site_key.clone());
    session::save(&site_key, &stored);
    if new {
        parent::event(
            "chatStarted",
            "conversationId",
            stored.conversation_id.as_str(),
        );
    }
    let state = with(|a| lines::carry_outbox(a.session.state()));
    connect(stored, state);
}

fn failed(err: &HttpError, action: Action) {
    with(|a| {
        a.setup = Setup::Failed {
            text: error_text(a.lang.texts(), err),
            action,
        }
    });
    changed();
}

/// A sentence for the visitor when the chat could not start.
pub fn error_text(t: &Texts, error: &HttpError) -> String {
    match error {
        HttpError::Network => t.network.to_owned(),
        HttpError::Status { status: 404, .. } => t.not_here.to_owned(),
        HttpError::Status {
            code: shared::frame::ErrorCode::QueueFull,
            ..
        } => t.queue_full.to_owned(),
        HttpError::Status { status: 429, .. } => t.too_many.to_owned(),
        HttpError::Status {
            status, message, ..
        } => crate::i18n::failure(t, t.could_not_start, Some(*status), message.as_deref()),
        HttpError::BadBody => crate::i18n::failure(t, t.could_not_start, None, None),
    }
}

/// Connects to `stored`'s conversation with `state`: only the sends not
/// stored yet (its messages come back in the replay after the welcome, so
/// nothing the server holds needs keeping, and no copy of a whole state is
/// made).
fn connect(stored: StoredSession, state: ChatState) {
    close_socket();
    let token = net::encode(&stored.token);
    let url = join(&[
        &ws_origin(),
        "/api/v1/conversations/",
        stored.conversation_id.as_str(),
        "/ws?token=",
        &token,
    ]);
    let generation = with(|a| {
        a.stored = Some(stored);
        a.session = Session::with_state(Party::Visitor, state);
        a.setup = Setup::Ready;
        a.generation
    });
    let socket = Socket::new(url, move |reason| {
        if with(|a| a.generation) == generation {
            on_refused(reason);
        }
    });
    with(|a| a.socket = Some(socket));
    tell_viewing();
}

fn on_refused(reason: CloseReason) {
    let next = with(|a| notice::after_refusal(a.lang.texts(), reason, a.started_over));
    match next {
        AfterRefusal::StartOver => {
            with(|a| a.started_over = true);
            start_over();
        }
        AfterRefusal::GiveUp(setup) => {
            with(|a| a.setup = setup);
            changed();
        }
    }
}

/// Starts a new conversation for the same visitor (a new visitor when
/// their token is refused), keeping the messages the old one never
/// stored.
fn start_over() {
    close_socket();
    let old = with(|a| {
        let carried = lines::carry_outbox(a.session.state());
        a.session = Session::with_state(Party::Visitor, carried);
        a.rating = (Stage::Editing, None);
        a.transcript = (Stage::Editing, None);
        a.confirming = false;
        a.stored.clone()
    });
    view::reset_end_forms();
    let Some(old) = old else {
        let site_key = with(|a| a.site_key.clone());
        session::forget(&site_key);
        return start();
    };
    with(|a| a.setup = Setup::Starting);
    changed();
    let body = with(|a| start_body(a));
    start_conversation(old.token, old.visitor_id, body);
}

/// Closes the socket for good and forgets its driver (and the call on
/// it).
fn close_socket() {
    let socket = with(|a| {
        a.generation = a.generation.wrapping_add(1);
        a.socket.take()
    });
    if let Some(socket) = socket {
        socket.stop();
    }
    crate::call::close();
}

/// Sends a frame's text on the socket, if it is open (the call module's
/// signalling: never queued).
pub fn send_text(text: &str) {
    if let Some(socket) = with(|a| a.socket.clone()) {
        socket.send_text(text);
    }
}

/// Gives an input to the session, through the driver when there is one
/// (it performs what the session asks). Before the first connect, the
/// session only keeps it (a send waits in its outbox).
pub fn feed(input: Input) {
    let socket = with(|a| a.socket.clone());
    match socket {
        Some(socket) => socket.act(Some(input)),
        None => {
            with(|a| a.session.handle(web::now(), input));
            changed();
        }
    }
}

/// Tells the session whether the visitor sees the chat now: read
/// receipts go out only while they do.
fn tell_viewing() {
    let viewing = with(|a| a.shown && a.page_visible);
    feed(Input::Viewing(viewing));
}

// What the visitor and the loader do.

/// Sends a message (or keeps it in the outbox until connected), with a
/// fresh id from the browser's `crypto`; the first one creates the
/// visitor's session and conversation.
pub fn send(draft: &str) -> Result<(), DraftError> {
    let text = draft::prepare(draft)?.to_owned();
    let client_id = web::client_id().ok_or(DraftError::NoId)?;
    interact();
    feed(Input::Compose {
        client_id,
        text,
        kind: SendKind::Text,
    });
    if with(|a| a.setup == Setup::Idle) {
        begin(None);
    }
    Ok(())
}

/// The draft changed; `empty` when nothing is left in it.
pub fn typed(empty: bool) {
    interact();
    feed(Input::Typed { empty });
}

/// Sends a failed message again, with its original client id.
pub fn retry(client_id: ClientMsgId) {
    feed(Input::Retry(client_id));
}

/// The visitor pressed "End chat" (`Some(false)`: "Cancel", `Some(true)`:
/// "Confirm", `None`: the button itself, which asks or stops asking).
pub fn end(answer: Option<bool>) {
    with(|a| a.confirming = answer.is_none() && !a.confirming);
    if answer == Some(true) {
        feed(Input::End);
    } else {
        changed();
    }
}

/// The visitor pressed the notice's button.
pub fn act() {
    let action = with(|a| {
        let link = a.session.link();
        let status = lines::status(a.session.state());
        notice::notice(a.lang.texts(), &a.setup, link, status).and_then(|n| n.action)
    });
    match action {
        Some(Action::TryAgain) => start(),
        Some(Action::NewChat) => start_over(),
        Some(Action::Reload) => {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
        None => {}
    }
}

/// The loader said something.
pub fn heard(message: Incoming) {
    match message {
        Incoming::Shown(shown) => {
            with(|a| a.shown = shown);
            tell_viewing();
            if shown {
                view::focus_composer();
            }
        }
        Incoming::Config(config) => {
            let relabel = with(|a| {
                let lang = config
                    .language
                    .as_deref()
                    .map_or_else(|| Lang::from_tag(&browser::language()), Lang::from_tag);
                a.page = config;
                std::mem::replace(&mut a.lang, lang) != lang
            });
            if relabel {
                view::rebuild();
            }
        }
        Incoming::Reset => reset(),
    }
}

/// Forgets the visitor: the stored session, the socket, what is on screen.
fn reset() {
    close_socket();
    let site_key = with(|a| {
        a.session = Session::new(Party::Visitor);
        a.stored = None;
        a.offline = None;
        a.started_over = false;
        a.interacted = false;
        a.muted = false;
        a.confirming = false;
        a.rating = (Stage::Editing, None);
        a.transcript = (Stage::Editing, None);
        a.uploads.clear();
        a.uploads_version += 1;
        a.seen = Seen::default();
        a.call_note = None;
        a.site_key.clone()
    });
    session::forget(&site_key);
    view::reset_end_forms();
    start();
}

/// The page became visible or hidden.
pub fn visibility() {
    with(|a| a.page_visible = browser::page_visible());
    tell_viewing();
}

/// The offline form was sent.
pub fn leave_message(draft: &Draft) {
    interact();
    let checked = with(|a| {
        let checked = offline::check(a.lang.texts(), &a.site_key, draft);
        a.offline_problems = checked.as_ref().err().cloned().unwrap_or_default();
        a.focus_problem = true;
        checked
            .ok()
            .filter(|_| !matches!(a.offline, Some(Stage::Sending | Stage::Sent)))
    });
    let Some(message) = checked else {
        return changed();
    };
    with(|a| a.offline = Some(Stage::Sending));
    changed();
    let request = object(&[
        ("site_key", text(&message.site_key)),
        ("name", text(&message.name)),
        ("email", text(&message.email)),
        ("message", text(&message.message)),
    ]);
    net::call(
        "POST",
        "/api/v1/visitor/offline",
        None,
        Some(request),
        |answer| {
            with(|a| {
                let t = a.lang.texts();
                let sent = answer.map(|sent| js::boolean(&sent, "ok") == Some(true));
                a.offline = Some(sent_or_why(t, sent));
            });
            changed();
        },
    );
}

/// The pre-chat form was sent (`None`: "Skip").
pub fn prechat(draft: Option<PrechatDraft>) {
    interact();
    let Some(draft) = draft else {
        with(|a| a.prechat = false);
        changed();
        return view::focus_composer();
    };
    let checked = with(|a| {
        let form = a.config.prechat.as_ref()?;
        let checked = site::check_prechat(a.lang.texts(), form, &draft, start_body(a));
        a.prechat_problems = checked.as_ref().err().cloned().unwrap_or_default();
        a.focus_problem = true;
        if checked.is_ok() {
            a.prechat = false;
        }
        checked.ok()
    });
    match checked {
        Some(body) => begin(Some(body)),
        None => changed(),
    }
}

/// "Rate this chat" was sent.
pub fn rate(score: Option<u8>, comment: &str) {
    let checked = with(|a| {
        let checked = ending::check_rating(a.lang.texts(), score, comment);
        a.rating.1 = checked.as_ref().err().copied();
        checked.ok().filter(|_| a.rating.0 != Stage::Sending)
    });
    if let Some(body) = checked {
        let request = object(&[
            ("score", Some(JsValue::from_f64(f64::from(body.score)))),
            ("comment", maybe(&body.comment)),
        ]);
        after_chat("/rating", request, |a| &mut a.rating);
    }
    changed();
}

/// "Send me the transcript" was sent.
pub fn transcript(email: &str) {
    let checked = with(|a| {
        let checked = ending::check_transcript(a.lang.texts(), email);
        a.transcript.1 = checked.as_ref().err().copied();
        checked.ok().filter(|_| a.transcript.0 != Stage::Sending)
    });
    if let Some(body) = checked {
        after_chat(
            "/transcript",
            object(&[("email", text(&body.email))]),
            |a| &mut a.transcript,
        );
    }
    changed();
}

/// Posts one of the end-of-chat forms to the closed conversation.
fn after_chat(
    tail: &str,
    body: JsValue,
    stage: fn(&mut App) -> &mut (Stage, Option<&'static str>),
) {
    let Some(stored) = with(|a| a.stored.clone()) else {
        return;
    };
    with(|a| stage(a).0 = Stage::Sending);
    let path = join(&[
        "/api/v1/visitor/conversations/",
        stored.conversation_id.as_str(),
        tail,
    ]);
    net::call(
        "POST",
        &path,
        Some(&stored.token),
        Some(body),
        move |answer| {
            with(|a| {
                let t = a.lang.texts();
                stage(a).0 = sent_or_why(t, answer.map(|_| true));
            });
            changed();
        },
    );
}

/// "Pop out": the chat opens in its own window (the stored session goes
/// on there) and the loader hides this one.
pub fn pop_out() {
    let url = with(|a| browser::popout_url(&a.site_key));
    if let Some(window) = web_sys::window() {
        let _ =
            window.open_with_url_and_target_and_features(&url, "livechat", "width=400,height=640");
    }
    interact();
    parent::popout();
}

/// The sound toggle was pressed.
pub fn toggle_sound() {
    interact();
    let (site_key, muted) = with(|a| {
        a.muted = !a.muted;
        (a.site_key.clone(), a.muted)
    });
    session::set_muted(&site_key, muted);
    changed();
}

/// The draft's error, after a send from the composer.
pub fn draft_error(error: Option<&'static str>) {
    with(|a| a.draft_error = error);
    changed();
}

// Files.

/// A file was picked: it goes out at once, with a pending line.
pub fn attach(file: web_sys::File) {
    let Some(id) = web::client_id() else {
        return;
    };
    interact();
    with(|a| {
        a.uploads.push(Upload {
            id: id.clone(),
            name: file.name(),
            size: file.size() as u64,
            failed: None,
            file,
        });
        a.uploads_version += 1;
    });
    changed();
    upload(id);
}

/// "Retry" on a failed upload (`retry`), or "Dismiss".
pub fn upload_action(id: ClientMsgId, retry: bool) {
    let again = with(|a| {
        a.uploads_version += 1;
        if !retry {
            a.uploads.retain(|u| u.id != id);
            return false;
        }
        match a.uploads.iter_mut().find(|u| u.id == id) {
            Some(u) if u.failed.is_some() => {
                u.failed = None;
                true
            }
            _ => false,
        }
    });
    changed();
    if again {
        upload(id);
    }
}

fn upload(id: ClientMsgId) {
    let found = with(|a| {
        let file = a.uploads.iter().find(|u| u.id == id)?.file.clone();
        Some((file, a.stored.clone()?))
    });
    let Some((file, stored)) = found else {
        return;
    };
    let conversation = stored.conversation_id.as_str();
    let mut path = upload_path(conversation);
    for (at, (key, value)) in upload_query(&file.name(), &id, SendKind::Text)
        .iter()
        .enumerate()
    {
        path.push(if at == 0 { '?' } else { '&' });
        path.push_str(key);
        path.push('=');
        path.push_str(&net::encode(value));
    }
    let mime = match file.type_() {
        t if t.is_empty() => String::from("application/octet-stream"),
        t => t,
    };
    net::upload(&path, &stored.token, &file, &mime, move |answer| {
        // The answer is the stored message, as a `message` frame holds it.
        let message = answer
            .as_ref()
            .ok()
            .and_then(|text| js::parse(text))
            .and_then(|v| crate::frames::message(&v));
        with(|a| {
            a.uploads_version += 1;
            let t = a.lang.texts();
            match &answer {
                Ok(_) => a.uploads.retain(|u| u.id != id),
                Err(e) => {
                    let why = match e {
                        HttpError::Network => crate::i18n::upload_failed(t, None, None),
                        HttpError::BadBody => crate::i18n::upload_failed(t, Some(0), None),
                        HttpError::Status {
                            status, message, ..
                        } => crate::i18n::upload_failed(t, Some(*status), message.as_deref()),
                    };
                    if let Some(u) = a.uploads.iter_mut().find(|u| u.id == id) {
                        u.failed = Some(why);
                    }
                }
            }
        });
        match message {
            Some(message) => feed(Input::Stored(message)),
            None => changed(),
        }
    });
}

/// The conversation's id and the visitor's token, for its files.
pub fn file_access() -> Option<(String, String)> {
    with(|a| {
        a.stored
            .as_ref()
            .map(|s| (s.conversation_id.as_str().to_owned(), s.token.clone()))
    })
}

// What the view derives.

/// Whether "End chat" shows: once the visitor wrote and until it closed.
pub fn endable(a: &App) -> bool {
    matches!(
        lines::status(a.session.state()),
        Some(ConversationStatus::Queued | ConversationStatus::Active | ConversationStatus::OnHold)
    ) && a.setup == Setup::Ready
        && a.session.link() == Link::Open
        && a.offline.is_none()
}

/// Whether the conversation is over (the end-of-chat screen shows).
pub fn closed(a: &App) -> bool {
    a.setup == Setup::Ready && lines::status(a.session.state()) == Some(ConversationStatus::Closed)
}

/// Whether nothing can be written now.
pub fn locked(a: &App) -> bool {
    closed(a) || matches!(a.setup, Setup::Failed { .. } | Setup::Checking)
}

/// What a form's request came to: sent (the server said so), or the
/// sentence that says why not.
fn sent_or_why(t: &crate::i18n::Texts, answer: Result<bool, HttpError>) -> Stage {
    let failed = |status, message: Option<&str>| {
        Stage::Failed(crate::i18n::failure(t, t.could_not_send, status, message))
    };
    match answer {
        Ok(true) => Stage::Sent,
        Ok(false) | Err(HttpError::BadBody) => failed(None, None),
        Err(HttpError::Network) => Stage::Failed(t.unreachable.to_owned()),
        Err(HttpError::Status {
            status, message, ..
        }) => failed(Some(status), message.as_deref()),
    }
}
