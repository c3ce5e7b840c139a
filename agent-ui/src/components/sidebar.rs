//! The sidebar: who is signed in, and the live lists "Queued Chats" (with
//! the first message and how long the visitor has waited), "Chats in
//! Progress" (with unread counts) and "On Hold" (with "Resume"), each line
//! with a badge when its priority is not Medium ("Urgent", "High", "Low"),
//! the status menu, the alert controls ("Mute notifications"), and
//! "Offline messages" with their count. Clicking a line opens it;
//! "Offline messages" opens their list in the pane.

use crate::api::Action;
use crate::app::SignOut;
use crate::chats::Chats;
use crate::components::alert_controls::AlertControls;
use crate::components::all_chats_pane::AllChatsEntry;
use crate::components::status_menu::StatusMenu;
use crate::feed::Lists;
use crate::format;
use crate::inbox::Inbox;
use crate::notice;
use crate::offline::OfflineMessages;
use crate::priority;
use chat_client::link::Link;
use leptos::prelude::*;
use shared::inbox::ConversationSummary;
use shared::ConversationId;

/// Which list a line is in; decides what its right-hand corner shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Queued,
    InProgress,
    OnHold,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Queued => "Queued Chats",
            Section::InProgress => "Chats in Progress",
            Section::OnHold => "On Hold",
        }
    }

    fn empty(self) -> &'static str {
        match self {
            Section::Queued => "Nobody is waiting.",
            Section::InProgress => "No chats in progress.",
            Section::OnHold => "No chats on hold.",
        }
    }

    fn lines(self, inbox: &Inbox) -> Vec<ConversationSummary> {
        match self {
            Section::Queued => inbox.queued(),
            Section::InProgress => inbox.in_progress(),
            Section::OnHold => inbox.on_hold(),
        }
    }
}

/// The sidebar.
#[component]
pub fn Sidebar(
    agent_name: String,
    inbox: Lists,
    link: Signal<Link>,
    open: RwSignal<Option<ConversationId>>,
    offline_open: RwSignal<bool>,
    now: ReadSignal<f64>,
) -> impl IntoView {
    let sign_out = expect_context::<SignOut>();
    let lists = [Section::Queued, Section::InProgress, Section::OnHold].map(|section| {
        let lines = Memo::new(move |_| inbox.with(|i| section.lines(i)));
        view! { <List section lines open now/> }
    });
    view! {
        <aside class="sidebar">
            <header class="me">
                <div>
                    <div class="me-name">{agent_name}</div>
                    <div class="me-status">
                        {move || match link.get() {
                            Link::Open => "Connected",
                            Link::Connecting => "Connecting…",
                            Link::Reconnecting { .. } => "Reconnecting…",
                            Link::Closed(_) => "Disconnected",
                        }}
                    </div>
                </div>
                <crate::components::my_account::MyAccount/>
                <button type="button" class="ghost" on:click=move |_| sign_out.run()>"Sign out"</button>
            </header>
            <StatusMenu/>
            <AlertControls/>
            <nav class="lists">
                {lists.into_iter().collect_view()}
                <OfflineEntry open offline_open/>
                <AllChatsEntry open offline_open/>
                <crate::components::contacts_pane::ContactsEntry open offline_open/>
                <crate::components::admin::AdministrationEntry open offline_open/>
                <crate::components::reports_pane::ReportsEntry open offline_open/>
            </nav>
        </aside>
    }
}

/// One titled list with its count.
#[component]
fn List(
    section: Section,
    lines: Memo<Vec<ConversationSummary>>,
    open: RwSignal<Option<ConversationId>>,
    now: ReadSignal<f64>,
) -> impl IntoView {
    let title = section.title();
    view! {
        <section class="list" aria-label=title>
            <header class="list-head">
                <h2>{title}</h2>
                <span class="count">{move || lines.with(Vec::len)}</span>
            </header>
            <Show when=move || lines.with(|l| !l.is_empty())
                fallback=move || view! { <p class="list-empty">{section.empty()}</p> }>
                <ul>
                    <For
                        each=move || lines.get()
                        key=|c| (c.id.clone(), c.visitor.name.clone(), c.preview.clone(), c.queued_at, c.priority)
                        children=move |c| view! { <Row section summary=c open now/> }
                    />
                </ul>
            </Show>
        </section>
    }
}

/// "Offline messages" with their count: opens their list in the pane, in
/// place of a conversation, or loads it again when it is open.
#[component]
fn OfflineEntry(
    open: RwSignal<Option<ConversationId>>,
    offline_open: RwSignal<bool>,
) -> impl IntoView {
    let offline = expect_context::<OfflineMessages>();
    let show = move |_| {
        if offline_open.get_untracked() {
            offline.refresh();
        } else {
            open.set(None);
            offline_open.set(true);
        }
    };
    view! {
        <div class="list">
            <button type="button" class="list-head list-link"
                class:current=move || offline_open.get()
                aria-label="Offline messages"
                aria-describedby="offline-count"
                aria-current=move || offline_open.get().then_some("page")
                on:click=show>
                <span class="list-title">"Offline messages"</span>
                <span class="count" id="offline-count">
                    {move || offline.count().map_or_else(|| "–".to_string(), |n| n.to_string())}
                </span>
            </button>
        </div>
    }
}

/// One conversation in a list.
#[component]
fn Row(
    section: Section,
    summary: ConversationSummary,
    open: RwSignal<Option<ConversationId>>,
    now: ReadSignal<f64>,
) -> impl IntoView {
    let chats = expect_context::<Chats>();
    let id = summary.id.clone();
    let current = {
        let id = id.clone();
        move || open.with(|o| o.as_ref() == Some(&id))
    };
    let select = {
        let id = id.clone();
        move |_| {
            if open.with_untracked(|o| o.as_ref() != Some(&id)) {
                open.set(Some(id.clone()));
            }
        }
    };
    let badge = priority::badge(summary.priority)
        .map(|(text, class)| view! { <span class=class>{text}</span> });
    let queued_at = summary.queued_at;
    let corner = match section {
        Section::Queued => view! {
            <span class="waited" title="Waiting">
                {move || format::waited(now.get() as i64 - queued_at)}
            </span>
        }
        .into_any(),
        Section::InProgress => {
            let unread = Memo::new(move |_| chats.unread(&id));
            view! {
                <Show when=move || { unread.get() > 0 }>
                    <span class="badge" aria-label=move || format!("{} unread", unread.get())>
                        {unread}
                    </span>
                </Show>
            }
            .into_any()
        }
        Section::OnHold => view! { <span class="held">"On hold"</span> }.into_any(),
    };
    let resume = (section == Section::OnHold).then(|| {
        let busy = RwSignal::new(false);
        let id = summary.id.clone();
        let resume = move |_| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let success = "The chat is resumed.".to_string();
            notice::run(id.clone(), Action::Resume, success, move |_| {
                busy.try_set(false);
            });
        };
        view! {
            <button type="button" class="row-action" disabled=move || busy.get() on:click=resume>
                "Resume"
            </button>
        }
    });
    view! {
        <li>
            <button type="button" class="row"
                class:current=current.clone()
                aria-current=move || current().then_some("true")
                on:click=select>
                <span class="row-top">
                    <span class="row-who">
                        <span class="row-name">{summary.visitor.name}</span>
                        {badge}
                    </span>
                    {corner}
                </span>
                <span class="row-preview">{summary.preview}</span>
            </button>
            {resume}
        </li>
    }
}
