//! The messages of a conversation as the agent reads them: the visitor on
//! the left with their name, the agent's own on the right with a checkmark,
//! system lines centred, and who is typing underneath. Messages are drawn
//! with their light formatting ([`formatted`]: elements built from the
//! parsed text, text as text nodes, never HTML); system lines as plain
//! text.

use crate::format;
use chat_client::session::Session;
use chat_client::web::markup::formatted;
use chat_client::{ChatState, Check, Line};
use leptos::html::Ol;
use leptos::prelude::*;
use shared::frame::{MessageKind, Side};
use shared::ClientMsgId;

/// Whose a line is, which decides its side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    System,
    Mine,
    Theirs,
}

/// One line, owned, as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shown {
    /// Changes whenever what is drawn changes, so a keyed list redraws it.
    key: String,
    who: Who,
    author: String,
    text: String,
    time: Option<String>,
    check: Option<Check>,
    /// The client id to retry with, when the send failed.
    retry: Option<ClientMsgId>,
    error: Option<String>,
    /// For agents' eyes only: "Note", or "Whisper to Anna".
    aside: Option<String>,
    /// The file the message carries, with its conversation.
    file: Option<(String, shared::files::Attachment)>,
}

/// What marks a note or a whisper.
fn aside(kind: MessageKind, to: Option<&str>) -> Option<String> {
    match kind {
        MessageKind::Note => Some("Note".into()),
        MessageKind::Whisper => Some(match to {
            Some(name) => format!("Whisper to {name}"),
            None => "Whisper".into(),
        }),
        _ => None,
    }
}

impl Shown {
    fn all(s: &ChatState) -> Vec<Shown> {
        s.lines()
            .into_iter()
            .map(|line| match line {
                Line::Stored(m) => {
                    let who = if m.kind == MessageKind::System || m.author.side == Side::System {
                        Who::System
                    } else if s.is_own(m) {
                        Who::Mine
                    } else {
                        Who::Theirs
                    };
                    let aside = aside(m.kind, m.to.as_ref().map(|p| p.name.as_str()));
                    // The visitor never receives a note: it is stored, no more.
                    let check = (who == Who::Mine).then(|| match aside {
                        Some(_) => Check::Stored,
                        None => s.check(m),
                    });
                    Shown {
                        key: format!("s{}:{}", m.seq, check.map_or("", Check::label)),
                        who,
                        author: m.author.name.clone(),
                        text: m.text.clone(),
                        time: Some(format::clock(m.sent_at)),
                        check,
                        retry: None,
                        error: None,
                        aside,
                        file: m
                            .attachment
                            .clone()
                            .and_then(|a| Some((s.conversation()?.id.0.clone(), a))),
                    }
                }
                Line::Pending(p) => {
                    let check = ChatState::pending_check(p);
                    Shown {
                        key: format!("p{}:{}", p.client_id, check.label()),
                        who: Who::Mine,
                        author: String::new(),
                        text: p.text.clone(),
                        time: None,
                        check: Some(check),
                        retry: p.failed.then(|| p.client_id.clone()),
                        error: p.error.clone(),
                        aside: aside(p.kind.stored(), None),
                        file: None,
                    }
                }
            })
            .collect()
    }
}

/// The message list and the typing line of one conversation.
#[component]
pub fn MessageList(session: ArcRwSignal<Session>, retry: Callback<ClientMsgId>) -> impl IntoView {
    let list = NodeRef::<Ol>::new();
    let lines = Memo::new({
        let session = session.clone();
        move |_| session.with(|s| Shown::all(s.state()))
    });
    // Follow the conversation: scroll to the newest line when lines come.
    Effect::new(move |_| {
        lines.with(Vec::len);
        // The frame may come after the list is gone (the pane closed).
        request_animation_frame(move || {
            if let Some(el) = list.try_get_untracked().flatten() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    });
    let typing = move || {
        session.with(|s| {
            let names: Vec<String> = s
                .state()
                .typing()
                .into_iter()
                .map(|p| p.name.clone())
                .collect();
            format::typing(&names)
        })
    };
    view! {
        <ol class="messages" node_ref=list role="log" aria-label="Transcript">
            <For
                each=move || lines.get()
                key=|line| line.key.clone()
                children=move |line| view! { <MessageLine line retry/> }
            />
        </ol>
        <p class="typing" aria-live="polite">{typing}</p>
    }
}

/// One message.
#[component]
fn MessageLine(line: Shown, retry: Callback<ClientMsgId>) -> impl IntoView {
    if line.who == Who::System {
        return view! { <li class="line system">{line.text}</li> }.into_any();
    }
    let side = match (line.who == Who::Mine, line.aside.is_some()) {
        (true, false) => "line mine",
        (false, false) => "line theirs",
        (true, true) => "line mine aside",
        (false, true) => "line theirs aside",
    };
    let author =
        (line.who == Who::Theirs).then(|| view! { <div class="author">{line.author}</div> });
    let aside = line
        .aside
        .map(|a| view! { <div class="aside-label">{a}</div> });
    let failed = line.retry.map(|client_id| {
        view! {
            <div class="send-failed">
                <span>{line.error.unwrap_or_else(|| "Not sent".into())}</span>
                <button type="button" class="link" on:click=move |_| retry.run(client_id.clone())>
                    "Retry"
                </button>
            </div>
        }
    });
    view! {
        <li class=side>
            {aside}
            {author}
            {line.file.map(|(conversation, attachment)| view! {
                <crate::components::file_view::FileView conversation attachment/>
            })}
            {(!line.text.is_empty()).then(|| view! { <div class="bubble" use:formatted=line.text.clone()></div> })}
            <div class="meta">
                {line.time.map(|t| view! { <time>{t}</time> })}
                {line.check.map(check_mark)}
            </div>
            {failed}
        </li>
    }
    .into_any()
}

/// The checkmark of one of the agent's own messages, labelled for screen
/// readers and tooltips with [`Check::label`].
fn check_mark(check: Check) -> impl IntoView {
    let (glyph, class) = match check {
        Check::Sending => ("○", "check sending"),
        Check::Failed => ("!", "check failed"),
        Check::Stored => ("✓", "check stored"),
        Check::Delivered => ("✓✓", "check delivered"),
        Check::Read => ("✓✓", "check read"),
    };
    let label = check.label();
    view! { <span class=class role="img" aria-label=label title=label>{glyph}</span> }
}
