//! The screen, drawn with the DOM's own calls ([`crate::dom`]): built once
//! (again only when the language or the site's settings change), then
//! [`render`] compares the state with what is on screen and changes only
//! what differs: message lines are appended, or updated in place by their
//! id (a moving checkmark); parts are shown or hidden; texts are set when
//! they change. Every listener is added here and calls into
//! [`crate::app`]; none runs while the state is borrowed.
//!
//! The screen, top to bottom: the header (title, agent with avatar or
//! initials, "Mute sounds", "Pop out", "End chat", "Close chat"), the
//! "End this chat?" bar, then one of the offline form, the pre-chat form,
//! or the chat: the log (`role="log"`), the typing line, the queue line,
//! the end-of-chat screen ("Rate this chat", "Send me the transcript"),
//! the notice, pending uploads and the composer ("Message", "Emoji",
//! "Send", "Attach a file").

use crate::app::{self, App};
use crate::dom::{
    add, attr, attrs, doc, el, flag, focus, icon, on, on_capture, set_value, show, target_in,
    value, Slot,
};
use crate::i18n::{self, num, Texts};
use crate::lines::{self, Body, LineView, OwnStatus};
use crate::notice::{self, Notice};
use crate::offline::{Draft, Stage};
use crate::parent;
use crate::site::{initials, prefill, Ask, Known, PrechatDraft, PrechatField, Rating};
use chat_client::files::{is_preview, link_path, size_text, LINK_MARGIN_MS};
use chat_client::web::{emoji, markup, now};
use chat_client::Check;
use shared::api::{OfflineField, MAX_EMAIL_BYTES, MAX_NAME_CHARS};
use shared::files::Attachment;
use shared::frame::ConversationStatus;
use shared::ids::ClientMsgId;
use shared::MAX_TEXT_CHARS;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{Element, Event, HtmlInputElement, KeyboardEvent};

const CLOSE: &str = "M6 6l12 12M18 6 6 18";
const SEND: &str = "M4 12 20 4l-6 16-3-7-7-1z";
const CLIP: &str = "M16 6v10a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10a1 1 0 0 1-2 0V6";
const SMILE: &str =
    "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01";
const POP: &str = "M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5";
const BELL: &str = "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0";

/// One message line on screen.
struct LineDom {
    id: String,
    el: Element,
    /// The checkmark and the failure's part, for one's own messages.
    meta: Option<Element>,
    status: Option<OwnStatus>,
}

/// What is on screen, and the elements that change.
pub struct View {
    main: Element,
    avatar_img: bool,
    confirm_host: Element,
    /// The composer can be written in now.
    composable: bool,
    avatar: Element,
    agent: Slot,
    agent_name: Option<String>,
    sound: Element,
    end: Element,
    confirm: Element,
    confirm_cancel: Element,
    confirm_shown: bool,
    offline: Element,
    offline_form: Element,
    offline_inputs: Vec<Element>,
    offline_errors: Vec<Slot>,
    offline_alert: Slot,
    offline_send: Element,
    offline_thanks: Element,
    offline_sent: bool,
    prechat: Element,
    prechat_inputs: Vec<(PrechatField, Element, Slot)>,
    /// The page's values are in the pre-chat form.
    prechat_filled: bool,
    body: Element,
    log: Element,
    greeting: Element,
    waiting: Element,
    lines: Vec<LineDom>,
    scrolled: (usize, bool, bool, bool),
    typing: Slot,
    queue: Slot,
    announce: Slot,
    call_note: Slot,
    ended: Element,
    rate_form: Element,
    rate_status: Slot,
    transcript_form: Element,
    transcript_status: Slot,
    notice: Element,
    notice_shown: Option<Notice>,
    uploads: Element,
    uploads_version: Option<u32>,
    draft: Element,
    draft_error: Slot,
    controls: Vec<Element>,
    file: Element,
    rate_comment: Element,
    transcript_email: Element,
}

thread_local! {
    static VIEW: RefCell<Option<View>> = const { RefCell::new(None) };
}

/// Builds the screen for the state's language and site settings.
pub fn build() {
    let view = app::with(|a| make(a));
    VIEW.with(|v| *v.borrow_mut() = Some(view));
}

/// Builds the screen again (new words or settings), keeping the draft.
pub fn rebuild() {
    let old = VIEW.with(|v| v.borrow_mut().take());
    let draft = old.as_ref().map(|v| value(&v.draft)).unwrap_or_default();
    if let Some(old) = old {
        old.main.remove();
    }
    build();
    VIEW.with(|v| {
        if let Some(v) = v.borrow().as_ref() {
            set_value(&v.draft, &draft);
        }
    });
    app::changed();
}

/// Puts the keyboard focus in the composer, if it can be written in.
pub fn focus_composer() {
    VIEW.with(|v| {
        if let Some(v) = v.borrow().as_ref() {
            if v.composable {
                focus(&v.draft);
            }
        }
    });
}

/// Empties the end-of-chat forms (a new chat).
pub fn reset_end_forms() {
    VIEW.with(|v| {
        if let Some(v) = v.borrow().as_ref() {
            set_value(&v.rate_comment, "");
            set_value(&v.transcript_email, "");
            if let Ok(Some(checked)) = v.rate_form.query_selector(":checked") {
                let _ = js_sys::Reflect::set(&checked, &"checked".into(), &false.into());
            }
        }
    });
}

fn button(parent: &Element, class: &str, label: &str, path: &str) -> Element {
    let b = add(parent, "button", class, "");
    attrs(
        &b,
        &[("type", "button"), ("aria-label", label), ("title", label)],
    );
    icon(&b, path);
    b
}

fn text_button(parent: &Element, class: &str, text: &str) -> Element {
    let b = add(parent, "button", class, text);
    attr(&b, "type", "button");
    b
}

/// A labelled field with its problem line; answers the input and the line.
fn field(
    form: &Element,
    id: &str,
    label: &str,
    tag: &str,
    kind: &str,
    max: usize,
) -> (Element, Slot) {
    let l = add(form, "label", "", label);
    attr(&l, "for", id);
    let input = add(form, tag, "", "");
    let error_id = i18n::join(&[id, "-error"]);
    attrs(
        &input,
        &[
            ("id", id),
            ("aria-describedby", &error_id),
            ("maxlength", &num(max as u64)),
        ],
    );
    if tag == "input" {
        attr(&input, "type", kind);
        if !kind.is_empty() && kind != "text" {
            attr(&input, "autocomplete", kind);
        }
    } else if tag == "textarea" {
        attr(&input, "rows", "4");
    }
    let error = add(form, "p", "field-error", "");
    attr(&error, "id", &error_id);
    (input, Slot::new(error))
}

fn prevent(event: &Event) {
    event.prevent_default();
}

#[inline(never)]
fn make(a: &App) -> View {
    let t = a.lang.texts();
    let d = doc();
    if let Some(root) = d.document_element() {
        attrs(&root, &[("lang", a.lang.tag()), ("dir", "ltr")]);
        if let (Some(color), Some(root)) =
            (a.config.color(), root.dyn_ref::<web_sys::HtmlElement>())
        {
            let _ = root.style().set_property("--accent", color);
        }
    }
    if let Some(boot) = d.get_element_by_id("boot") {
        boot.remove();
    }
    let main = el("main", if a.popout { "chat popout" } else { "chat" });

    // The header.
    let head = add(&main, "header", "head", "");
    let titles = add(&head, "div", "titles", "");
    add(&titles, "h1", "", a.config.title(a.lang, t));
    let row = add(&titles, "div", "agent-row", "");
    let avatar_img = a.config.avatar().is_some();
    let avatar = match a.config.avatar() {
        Some(src) => {
            let img = add(&row, "img", "avatar", "");
            attrs(&img, &[("src", src), ("alt", "")]);
            img
        }
        None => add(&row, "span", "avatar", ""),
    };
    attr(&avatar, "aria-hidden", "true");
    show(&avatar, false);
    let agent = Slot::new(add(&row, "p", "agent", ""));
    let sound = button(&head, "icon", t.mute, BELL);
    act(&sound, "sound");
    show(&sound, a.config.sound);
    if !a.popout {
        act(&button(&head, "icon", t.pop_out, POP), "pop");
    }
    let end = text_button(&head, "end", t.end_chat);
    act(&end, "end");
    show(&end, false);
    if a.embedded && !a.popout {
        act(&button(&head, "icon", t.close_chat, CLOSE), "close");
    }

    // "End this chat?", attached under the header while asked.
    let confirm_host = add(&main, "div", "", "");
    let confirm = el("div", "confirm");
    attrs(
        &confirm,
        &[("role", "group"), ("aria-labelledby", "end-question")],
    );
    let q = add(&confirm, "p", "", t.end_question);
    attr(&q, "id", "end-question");
    act(&text_button(&confirm, "danger", t.confirm), "yes");
    let confirm_cancel = text_button(&confirm, "", t.cancel);
    act(&confirm_cancel, "no");

    // The offline form.
    let offline = add(&main, "section", "offline", "");
    attr(&offline, "aria-label", t.offline_title);
    let offline_form = add(&offline, "form", "", "");
    attrs(&offline_form, &[("novalidate", ""), ("data-do", "offline")]);
    add(&offline_form, "h2", "", t.offline_title);
    add(&offline_form, "p", "hint", t.offline_hint);
    let mut offline_inputs = Vec::new();
    let mut offline_errors = Vec::new();
    for (id, label, tag, kind, max) in [
        ("offline-name", t.name, "input", "name", MAX_NAME_CHARS),
        ("offline-email", t.email, "input", "email", MAX_EMAIL_BYTES),
        ("offline-message", t.message, "textarea", "", MAX_TEXT_CHARS),
    ] {
        let (input, error) = field(&offline_form, id, label, tag, kind, max);
        if kind == "name" {
            attr(&input, "type", "text");
        }
        flag(&input, "required", true);
        offline_inputs.push(input);
        offline_errors.push(error);
    }
    let offline_alert = Slot::hiding(add(&offline_form, "p", "alert", ""));
    attr(&offline_alert.el, "role", "alert");
    let offline_send = add(&offline_form, "button", "primary", t.send);
    attr(&offline_send, "type", "submit");
    let offline_thanks = add(&offline, "p", "thanks", t.thanks);
    attrs(&offline_thanks, &[("role", "status"), ("tabindex", "-1")]);
    show(&offline_thanks, false);

    // The pre-chat form.
    let prechat = add(&main, "section", "offline prechat", "");
    attr(&prechat, "aria-label", t.prechat_title);
    let mut prechat_inputs = Vec::new();
    if let Some(form_rules) = a.config.prechat.as_ref() {
        let form = add(&prechat, "form", "", "");
        attrs(&form, &[("novalidate", ""), ("data-do", "prechat")]);
        add(&form, "h2", "", t.prechat_title);
        add(&form, "p", "hint", t.prechat_hint);
        let label = |text: &str, ask: bool| {
            if ask {
                text.to_owned()
            } else {
                i18n::join(&[text, t.optional])
            }
        };
        for (which, rule, text, kind, max) in [
            (
                PrechatField::Name,
                &form_rules.name,
                t.name,
                "name",
                MAX_NAME_CHARS,
            ),
            (
                PrechatField::Email,
                &form_rules.email,
                t.email,
                "email",
                MAX_EMAIL_BYTES,
            ),
        ] {
            let ask = Ask::from(rule);
            if ask != Ask::Off {
                let id = if kind == "name" {
                    "prechat-name"
                } else {
                    "prechat-email"
                };
                let (input, error) = field(
                    &form,
                    id,
                    &label(text, ask == Ask::Required),
                    "input",
                    kind,
                    max,
                );
                if kind == "name" {
                    attr(&input, "type", "text");
                }
                prechat_inputs.push((which, input, error));
            }
        }
        if !form_rules.departments.is_empty() {
            let l = add(&form, "label", "", t.department);
            attr(&l, "for", "prechat-department");
            let select = add(&form, "select", "", "");
            attrs(
                &select,
                &[
                    ("id", "prechat-department"),
                    ("aria-describedby", "prechat-department-error"),
                ],
            );
            let none = add(&select, "option", "", t.choose);
            attr(&none, "value", "");
            for department in &form_rules.departments {
                let option = add(&select, "option", "", &department.name);
                attr(&option, "value", &department.id);
            }
            let error = add(&form, "p", "field-error", "");
            attr(&error, "id", "prechat-department-error");
            prechat_inputs.push((PrechatField::Department, select, Slot::new(error)));
        }
        for (at, custom) in form_rules.fields.iter().enumerate() {
            let id = i18n::join(&["prechat-field-", &num(at as u64)]);
            let (input, error) = field(
                &form,
                &id,
                &label(&custom.label, custom.required),
                "input",
                "text",
                crate::site::MAX_FIELD_CHARS,
            );
            prechat_inputs.push((PrechatField::Custom(at), input, error));
        }
        let actions = add(&form, "div", "actions", "");
        let start = add(&actions, "button", "primary", t.start_chat);
        attr(&start, "type", "submit");
        if form_rules.skippable {
            act(&text_button(&actions, "link", t.skip), "skip");
        }
    }

    // The chat.
    let body = add(&main, "div", "body", "");
    let log = add(&body, "div", "log", "");
    attrs(
        &log,
        &[
            ("role", "log"),
            ("aria-live", "off"),
            ("aria-label", t.messages),
            ("tabindex", "0"),
        ],
    );
    let greeting = add(&log, "p", "line", a.config.greeting(a.lang, t));
    let waiting = add(&log, "p", "line", t.waiting);
    show(&waiting, false);
    on_capture(&log, "error", |e| {
        if let Some(img) = target_in(&e, "img.file-preview") {
            if stale(&img) {
                refetch(&img, true);
            }
        }
    });
    let typing = Slot::new(add(&body, "p", "typing", ""));
    let queue = Slot::new(add(&body, "p", "queue", ""));
    attrs(&queue.el, &[("role", "status"), ("aria-live", "polite")]);
    let announce = Slot::new(add(&body, "p", "sr", ""));
    attr(&announce.el, "aria-live", "polite");
    // Why a call could not go on; the call's own screen, once its part
    // loaded, goes above the log.
    let call_note = Slot::hiding(add(&body, "p", "call-note", ""));
    attr(&call_note.el, "role", "alert");

    // The end-of-chat screen.
    let ended = add(&body, "section", "ended", "");
    show(&ended, false);
    let rate_form = add(&ended, "form", "rate", "");
    attrs(&rate_form, &[("novalidate", ""), ("data-do", "rate")]);
    let set = add(&rate_form, "fieldset", "", "");
    add(&set, "legend", "", t.rate);
    let scores: Vec<(u8, String, &str)> = match a.config.rating() {
        Rating::Thumbs => vec![
            (5, t.thumbs_up.to_owned(), "👍"),
            (1, t.thumbs_down.to_owned(), "👎"),
        ],
        _ => (1..=5).map(|n| (n, i18n::stars(t, n), "★")).collect(),
    };
    for (score, name, glyph) in scores {
        let l = add(&set, "label", "score", "");
        let radio = add(&l, "input", "", "");
        attrs(
            &radio,
            &[
                ("type", "radio"),
                ("name", "score"),
                ("value", &num(u64::from(score))),
            ],
        );
        let g = add(&l, "span", "", glyph);
        attr(&g, "aria-hidden", "true");
        add(&l, "span", "sr", &name);
    }
    let comment_label = add(&rate_form, "label", "", t.comment);
    attr(&comment_label, "for", "rate-comment");
    let comment = add(&rate_form, "textarea", "", "");
    attrs(
        &comment,
        &[("id", "rate-comment"), ("rows", "2"), ("maxlength", "1000")],
    );
    let rate_send = add(&rate_form, "button", "primary", t.rate);
    attr(&rate_send, "type", "submit");
    let rate_status = Slot::new(add(&ended, "p", "form-status", ""));
    attr(&rate_status.el, "role", "status");
    show(&rate_form, a.config.rating() != Rating::Off);
    let transcript_form = add(&ended, "form", "transcript", "");
    attrs(
        &transcript_form,
        &[("novalidate", ""), ("data-do", "transcript")],
    );
    let l = add(&transcript_form, "label", "", t.email);
    attr(&l, "for", "transcript-email");
    let email = add(&transcript_form, "input", "", "");
    attrs(
        &email,
        &[
            ("id", "transcript-email"),
            ("type", "email"),
            ("autocomplete", "email"),
        ],
    );
    let transcript_send = add(&transcript_form, "button", "primary", t.transcript);
    attr(&transcript_send, "type", "submit");
    let transcript_status = Slot::new(add(&ended, "p", "form-status", ""));
    attr(&transcript_status.el, "role", "status");

    let notice = add(&body, "div", "notice", "");
    attr(&notice, "role", "status");
    let uploads = add(&body, "ul", "uploads", "");

    // The composer.
    let composer = add(&body, "form", "composer", "");
    attr(&composer, "data-do", "compose");
    let draft = add(&composer, "textarea", "", "");
    attrs(
        &draft,
        &[
            ("rows", "1"),
            ("aria-label", t.message),
            ("placeholder", t.placeholder),
            ("maxlength", &num(MAX_TEXT_CHARS as u64)),
            ("enterkeyhint", "send"),
        ],
    );
    let picker = add(&composer, "div", "emoji", "");
    let toggle = button(&picker, "emoji-toggle", t.emoji, SMILE);
    attrs(
        &toggle,
        &[("aria-haspopup", "true"), ("aria-expanded", "false")],
    );
    let grid = add(&picker, "div", "emoji-grid", "");
    attrs(&grid, &[("role", "dialog"), ("aria-label", t.emoji)]);
    show(&grid, false);
    emoji::emoji_grid(grid, ());
    {
        let draft = draft.clone();
        on(&picker, "click", move |e| {
            let area = draft.clone().dyn_into().ok();
            if let Some(value) = emoji::click(e.unchecked_ref(), area) {
                typed(&value);
            }
        });
    }
    on(&picker, "keydown", |e| emoji::keydown(e.unchecked_into()));
    on(&picker, "focusout", |e| emoji::focusout(e.unchecked_into()));
    let send = button(&composer, "send", t.send, SEND);
    attr(&send, "type", "submit");
    let draft_error = Slot::hiding(add(&composer, "p", "draft-error", ""));
    attr(&draft_error.el, "role", "alert");
    let file = add(&body, "input", "", "");
    attr(&file, "type", "file");
    show(&file, false);
    let attach = button(&body, "attach", t.attach, CLIP);
    act(&attach, "attach");
    on(&main, "click", clicked);
    on(&main, "submit", submitted);
    on(&main, "input", |e| {
        if let Some(area) = target_in(&e, ".composer textarea") {
            typed(&value(&area));
        }
    });
    on(&file, "change", |e| {
        let Some(el) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let file = el.files().and_then(|l| l.get(0));
        el.set_value("");
        if let Some(file) = file {
            app::attach(file);
        }
    });

    let _ = d.body().unwrap_throw().append_child(&main);
    View {
        main,
        avatar_img,
        confirm_host,
        composable: false,
        avatar,
        agent,
        agent_name: None,
        sound,
        end,
        confirm,
        confirm_cancel,
        confirm_shown: false,
        offline,
        offline_form,
        offline_inputs,
        offline_errors,
        offline_alert,
        offline_send,
        offline_thanks,
        offline_sent: false,
        prechat,
        prechat_inputs,
        prechat_filled: false,
        body,
        log,
        greeting,
        waiting,
        lines: Vec::new(),
        scrolled: (usize::MAX, false, false, false),
        typing,
        queue,
        announce,
        call_note,
        ended,
        rate_form,
        rate_status,
        transcript_form,
        transcript_status,
        notice,
        notice_shown: None,
        uploads,
        uploads_version: None,
        draft_error,
        controls: vec![draft.clone(), toggle, send, attach],
        draft,
        file,
        rate_comment: comment,
        transcript_email: email,
    }
}

/// Marks a button with what it does, for [`clicked`].
fn act(el: &Element, what: &str) {
    attr(el, "data-do", what);
}

/// Every click in the chat, by the `data-do` of the button.
fn clicked(e: Event) {
    if let Some(link) = target_in(&e, "a.file-link") {
        if stale(&link) {
            prevent(&e);
            refetch(&link, false);
        }
        return;
    }
    let Some(el) = target_in(&e, "[data-do]") else {
        return;
    };
    let id = || ClientMsgId(el.get_attribute("data-id").unwrap_or_default());
    match el.get_attribute("data-do").unwrap_or_default().as_str() {
        "sound" => app::toggle_sound(),
        "pop" => app::pop_out(),
        "end" => app::end(None),
        "close" => parent::close(),
        "yes" => app::end(Some(true)),
        "no" => cancel_end(),
        "skip" => app::prechat(None),
        "notice" => app::act(),
        "retry" => app::retry(id()),
        "up-retry" => app::upload_action(id(), true),
        "up-dismiss" => app::upload_action(id(), false),
        "attach" => {
            if let Some(file) = with_view(|v| v.file.clone()) {
                file.unchecked_ref::<web_sys::HtmlElement>().click();
            }
        }
        _ => {}
    }
}

fn with_view<R>(f: impl FnOnce(&View) -> R) -> Option<R> {
    VIEW.with(|v| v.borrow().as_ref().map(f))
}

/// "Cancel" on "End this chat?": the focus goes back to "End chat".
fn cancel_end() {
    app::end(Some(false));
    if let Some(end) = with_view(|v| v.end.clone()) {
        focus(&end);
    }
}

/// Every form sent in the chat, by its `data-do`.
fn submitted(e: Event) {
    prevent(&e);
    let Some(form) = target_in(&e, "form") else {
        return;
    };
    let Some(what) = form.get_attribute("data-do") else {
        return;
    };
    match what.as_str() {
        "compose" => {
            if let Some(area) = with_view(|v| v.draft.clone()) {
                submit(&area);
            }
        }
        "offline" => {
            if let Some(draft) = with_view(|v| Draft {
                name: value(&v.offline_inputs[0]),
                email: value(&v.offline_inputs[1]),
                message: value(&v.offline_inputs[2]),
            }) {
                app::leave_message(&draft);
            }
        }
        "prechat" => {
            let draft = with_view(|v| {
                let mut draft = PrechatDraft::default();
                for (which, input, _) in &v.prechat_inputs {
                    let text = value(input);
                    match which {
                        PrechatField::Name => draft.name = text,
                        PrechatField::Email => draft.email = text,
                        PrechatField::Department => draft.department = text,
                        PrechatField::Custom(at) => {
                            draft.fields.resize(at + 1, String::new());
                            draft.fields[*at] = text;
                        }
                    }
                }
                draft
            });
            app::prechat(draft);
        }
        "rate" => {
            let score = form
                .query_selector("input[name=score]:checked")
                .ok()
                .flatten()
                .and_then(|r| value(&r).parse().ok());
            let comment = with_view(|v| value(&v.rate_comment)).unwrap_or_default();
            app::rate(score, &comment);
        }
        "transcript" => {
            let email = with_view(|v| value(&v.transcript_email)).unwrap_or_default();
            app::transcript(&email);
        }
        _ => {}
    }
}

fn typed(value: &str) {
    app::with(|a| a.draft_error = None);
    app::typed(value.trim().is_empty());
}

fn submit(area: &Element) {
    match app::send(&value(area)) {
        Ok(()) => {
            set_value(area, "");
            app::draft_error(None);
        }
        Err(crate::draft::DraftError::Empty) => {}
        Err(e) => app::draft_error(Some(e.text(app::texts()))),
    }
}

/// Listeners on the window and the document: the loader's messages, the
/// page's visibility, Escape and Tab.
pub fn listen() {
    let Some(window) = web_sys::window() else {
        return;
    };
    on(&window, "message", |e| {
        if let Some(message) = parent::incoming(e.unchecked_ref()) {
            app::heard(message);
        }
    });
    let d = doc();
    on(&d, "visibilitychange", |_| app::visibility());
    on(&d, "keydown", |e| {
        let k: &KeyboardEvent = e.unchecked_ref();
        match k.key().as_str() {
            // Escape in "End this chat?" answers "Cancel" only.
            "Escape" if target_in(&e, ".confirm").is_some() => cancel_end(),
            "Escape" => parent::close(),
            "Tab" => trap(&e, k.shift_key()),
            "Enter" if !k.shift_key() && !k.is_composing() => {
                if let Some(area) = target_in(&e, ".composer textarea") {
                    prevent(&e);
                    submit(&area);
                }
            }
            _ => {}
        }
    });
}

/// Keeps the focus inside the chat: Tab on its last control goes to the
/// first, Shift+Tab on the first to the last.
fn trap(e: &Event, back: bool) {
    let main = VIEW.with(|v| v.borrow().as_ref().map(|v| v.main.clone()));
    let Some(main) = main else { return };
    let Ok(list) = main.query_selector_all(
        "button:not([disabled]):not([tabindex='-1']),textarea:not([disabled]),input:not([disabled]):not([type=file]),select,a[href],[tabindex='0']",
    ) else {
        return;
    };
    let mut shown = Vec::new();
    for at in 0..list.length() {
        if let Some(el) = list
            .item(at)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        {
            if el.offset_parent().is_some() {
                shown.push(el);
            }
        }
    }
    let (Some(first), Some(last)) = (shown.first(), shown.last()) else {
        return;
    };
    let active = doc().active_element();
    let at_edge = |el: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<Element>())
    };
    let inside = active.as_ref().is_some_and(|a| main.contains(Some(a)));
    if back && (at_edge(first) || !inside) {
        e.prevent_default();
        let _ = last.focus();
    } else if !back && (at_edge(last) || !inside) {
        e.prevent_default();
        let _ = first.focus();
    }
}

// Files in lines.

fn stale(el: &Element) -> bool {
    el.get_attribute("data-exp")
        .and_then(|e| e.parse::<i64>().ok())
        .is_none_or(|exp| exp - LINK_MARGIN_MS <= now() as i64)
}

fn refetch(el: &Element, is_img: bool) {
    if let (Some(access), Some(file)) = (app::file_access(), el.get_attribute("data-file")) {
        fetch_link(el.clone(), is_img, &access, &file);
    }
}

/// Gets a signed link for a file and puts it on its element.
fn fetch_link(el: Element, is_img: bool, (conversation, token): &(String, String), file: &str) {
    crate::net::get(&link_path(conversation, file), Some(token), move |link| {
        let Ok(link) = link else { return };
        let (Some(url), Some(expires)) = (
            crate::js::string(&link, "url"),
            crate::js::number(&link, "expires_at"),
        ) else {
            return;
        };
        attr(&el, "data-exp", &num(expires.max(0.0) as u64));
        if is_img {
            attr(&el, "src", &url);
            show(&el, true);
        } else {
            attr(&el, "href", &url);
        }
    });
}

fn file_el(parent: &Element, attachment: &Attachment, access: Option<&(String, String)>) {
    let img = is_preview(attachment);
    let el = if img {
        let img = add(parent, "img", "file-preview", "");
        attr(&img, "alt", &attachment.name);
        show(&img, false);
        img
    } else {
        let label = i18n::join(&[&attachment.name, " (", &size_text(attachment.size), ")"]);
        let a = add(parent, "a", "file-link", &label);
        attrs(
            &a,
            &[
                ("download", &attachment.name),
                ("target", "_blank"),
                ("rel", "noopener"),
            ],
        );
        a
    };
    attr(&el, "data-file", &attachment.id);
    if let Some(access) = access {
        fetch_link(el, img, access, &attachment.id);
    }
}

// Drawing.

fn check_label(t: &Texts, check: Check) -> &'static str {
    match check {
        Check::Sending => t.check_sending,
        Check::Failed => t.check_failed,
        Check::Stored => t.check_sent,
        Check::Delivered => t.check_delivered,
        Check::Read => t.check_read,
    }
}

#[inline(never)]
fn draw_meta(t: &Texts, meta: &Element, line: &Element, status: &OwnStatus) {
    meta.set_text_content(None);
    if let Some(error) = &status.error {
        add(meta, "span", "error", error);
    }
    if let Some(id) = &status.retry {
        let b = text_button(meta, "retry", t.retry);
        attrs(&b, &[("data-do", "retry"), ("data-id", id.as_str())]);
    }
    let (glyph, class) = match status.check {
        Check::Sending => ("…", "check sending"),
        Check::Stored => ("✓", "check"),
        Check::Delivered => ("✓✓", "check"),
        Check::Read => ("✓✓", "check read"),
        Check::Failed => ("!", "check failed"),
    };
    let label = check_label(t, status.check);
    let check = add(meta, "span", class, glyph);
    attrs(
        &check,
        &[("role", "img"), ("aria-label", label), ("title", label)],
    );
    line.set_class_name(if status.check == Check::Failed {
        "msg own failed"
    } else {
        "msg own"
    });
}

#[inline(never)]
fn draw_line(t: &Texts, line: &LineView, access: Option<&(String, String)>) -> LineDom {
    let (el, meta) = match &line.body {
        Body::System(text) => {
            let p = el("p", "line");
            p.set_text_content(Some(text));
            (p, None)
        }
        Body::Own(text) => {
            let root = el("div", "msg own");
            add(&root, "span", "sr", t.you);
            if let Some(file) = &line.file {
                file_el(&root, file, access);
            }
            markup::formatted(add(&root, "div", "bubble", ""), text.clone());
            let meta = add(&root, "div", "meta", "");
            (root, Some(meta))
        }
        Body::Theirs { author, text } => {
            let root = el("div", "msg theirs");
            add(&root, "span", "who", author);
            if let Some(file) = &line.file {
                file_el(&root, file, access);
            }
            markup::formatted(add(&root, "div", "bubble", ""), text.clone());
            (root, None)
        }
    };
    if let (Some(meta), Some(status)) = (&meta, &line.status) {
        draw_meta(t, meta, &el, status);
    }
    LineDom {
        id: line.id.clone(),
        el,
        meta,
        status: line.status.clone(),
    }
}

/// Redraws what changed since the last time.
pub fn render() {
    app::with(|a| {
        VIEW.with(|v| {
            if let Some(v) = v.borrow_mut().as_mut() {
                draw(a, v);
            }
        })
    });
}

#[inline(never)]
fn draw(a: &mut App, v: &mut View) {
    let t = a.lang.texts();
    let state = a.session.state();
    let endable = app::endable(a);
    if !endable {
        a.confirming = false;
    }

    // Header.
    let agent = lines::agent_name(state);
    v.agent.set(agent);
    if agent != v.agent_name.as_deref() {
        v.agent_name = agent.map(str::to_owned);
        show(&v.avatar, agent.is_some());
        if !v.avatar_img {
            v.avatar
                .set_text_content(Some(&initials(agent.unwrap_or(""))));
        }
    }
    attr(
        &v.sound,
        "aria-pressed",
        if a.muted { "true" } else { "false" },
    );
    show(&v.end, endable);
    attr(
        &v.end,
        "aria-expanded",
        if a.confirming { "true" } else { "false" },
    );
    if a.confirming != v.confirm_shown {
        v.confirm_shown = a.confirming;
        if a.confirming {
            let _ = v.confirm_host.append_child(&v.confirm);
            focus(&v.confirm_cancel);
        } else {
            v.confirm.remove();
        }
    }

    // Which part shows.
    let offline = a.offline.is_some();
    let prechat = a.prechat && !offline;
    show(&v.offline, offline);
    show(&v.prechat, prechat);
    show(&v.body, !offline && !prechat);
    if prechat && !v.prechat_filled {
        v.prechat_filled = true;
        if let Some(form) = a.config.prechat.as_ref() {
            let user = a.page.user.as_ref();
            let known = Known {
                name: user.and_then(|u| u.name.as_deref()),
                email: user.and_then(|u| u.email.as_deref()),
                department: a.page.department.as_deref(),
                fields: &a.page.fields,
            };
            for (field, input, _) in &v.prechat_inputs {
                if let Some(start) = prefill(form, *field, &known) {
                    if value(input).is_empty() || *field == PrechatField::Department {
                        set_value(input, start);
                    }
                }
            }
        }
    }

    if let Some(stage) = &a.offline {
        for (at, field) in [
            OfflineField::Name,
            OfflineField::Email,
            OfflineField::Message,
        ]
        .into_iter()
        .enumerate()
        {
            let problem = a
                .offline_problems
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, p)| *p);
            v.offline_errors[at].set(problem);
            attr(
                &v.offline_inputs[at],
                "aria-invalid",
                if problem.is_some() { "true" } else { "false" },
            );
        }
        if let Some((field, _)) = a.offline_problems.first().filter(|_| a.focus_problem) {
            let at = match field {
                OfflineField::Name => 0,
                OfflineField::Email => 1,
                OfflineField::Message => 2,
            };
            focus(&v.offline_inputs[at]);
        }
        let sending = *stage == Stage::Sending;
        flag(&v.offline_send, "disabled", sending);
        attr(
            &v.offline_send,
            "aria-busy",
            if sending { "true" } else { "false" },
        );
        v.offline_alert.set(match stage {
            Stage::Failed(text) => Some(text),
            _ => None,
        });
        let sent = *stage == Stage::Sent;
        show(&v.offline_form, !sent);
        show(&v.offline_thanks, sent);
        if sent && !v.offline_sent {
            focus(&v.offline_thanks);
        }
        v.offline_sent = sent;
    }
    if prechat {
        let mut first = true;
        for (field, input, error) in &mut v.prechat_inputs {
            let problem = a
                .prechat_problems
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, p)| *p);
            error.set(problem);
            attr(
                input,
                "aria-invalid",
                if problem.is_some() { "true" } else { "false" },
            );
            if problem.is_some() && first && a.focus_problem {
                first = false;
                focus(input);
            }
        }
    }
    // The focus goes to the first problem once, after a submit.
    a.focus_problem = false;

    // The log: lines keyed by id, appended or updated in place.
    let access = a
        .stored
        .as_ref()
        .map(|s| (s.conversation_id.as_str().to_owned(), s.token.clone()));
    let all = lines::lines(state);
    let mut keep = 0;
    while keep < all.len().min(v.lines.len()) && all[keep].id == v.lines[keep].id {
        let (line, dom) = (&all[keep], &mut v.lines[keep]);
        if line.status != dom.status {
            if let (Some(meta), Some(status)) = (&dom.meta, &line.status) {
                draw_meta(t, meta, &dom.el, status);
            }
            dom.status = line.status.clone();
        }
        keep += 1;
    }
    for gone in v.lines.drain(keep..) {
        gone.el.remove();
    }
    for line in &all[keep..] {
        let dom = draw_line(t, line, access.as_ref());
        let _ = v.log.insert_before(&dom.el, Some(&v.waiting));
        v.lines.push(dom);
    }
    let status = lines::status(state);
    let waiting = status == Some(ConversationStatus::Queued);
    show(&v.waiting, waiting);
    show(&v.greeting, all.is_empty() && !waiting);
    let typing = lines::typing(t, state);
    v.typing.set(typing.as_deref());
    v.queue.set(lines::queue(t, state).as_deref());
    v.announce.set(a.announce.as_deref());
    v.call_note.set(a.call_note.as_deref());
    let scroll = (all.len(), waiting, typing.is_some(), a.shown);
    if scroll != v.scrolled {
        v.scrolled = scroll;
        v.log.set_scroll_top(v.log.scroll_height());
    }

    // The end-of-chat screen.
    let closed = app::closed(a);
    show(&v.ended, closed);
    if closed {
        let (stage, problem) = &a.rating;
        show(
            &v.rate_form,
            a.config.rating() != Rating::Off && *stage != Stage::Sent,
        );
        v.rate_status.set(form_status(t.rated, stage, *problem));
        let (stage, problem) = &a.transcript;
        show(&v.transcript_form, *stage != Stage::Sent);
        v.transcript_status
            .set(form_status(t.transcript_sent, stage, *problem));
    }

    // The notice.
    let notice = notice::notice(t, &a.setup, a.session.link(), status);
    if notice != v.notice_shown {
        v.notice.set_text_content(None);
        if let Some(n) = &notice {
            let p = add(&v.notice, "p", if n.alert { "alert" } else { "" }, &n.text);
            let _ = p;
            if let Some(action) = n.action {
                act(&text_button(&v.notice, "", action.label(t)), "notice");
            }
        }
        v.notice_shown = notice;
    }

    // Pending uploads.
    if v.uploads_version != Some(a.uploads_version) {
        v.uploads_version = Some(a.uploads_version);
        v.uploads.set_text_content(None);
        for u in &a.uploads {
            let li = add(&v.uploads, "li", "upload", "");
            add(
                &li,
                "span",
                "",
                &i18n::join(&[&u.name, " (", &size_text(u.size), ")"]),
            );
            match &u.failed {
                None => {
                    add(&li, "span", "meta", t.sending_file);
                }
                Some(why) => {
                    let e = add(&li, "span", "error", why);
                    attr(&e, "role", "alert");
                    for (class, label, what) in [
                        ("retry", t.retry, "up-retry"),
                        ("dismiss", t.dismiss, "up-dismiss"),
                    ] {
                        let b = text_button(&li, class, label);
                        attrs(&b, &[("data-do", what), ("data-id", u.id.as_str())]);
                    }
                }
            }
        }
    }

    // The composer.
    let locked = app::locked(a);
    v.composable = !locked && !offline && !prechat;
    for control in &v.controls {
        flag(control, "disabled", locked);
    }
    v.draft_error.set(a.draft_error);
}

fn form_status<'a>(done: &'a str, stage: &'a Stage, problem: Option<&'a str>) -> Option<&'a str> {
    match (stage, problem) {
        (Stage::Sent, _) => Some(done),
        (_, Some(problem)) => Some(problem),
        (Stage::Failed(text), None) => Some(text),
        _ => None,
    }
}
