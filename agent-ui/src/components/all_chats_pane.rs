//! "All chats", for supervisors: the sidebar entry ([`AllChatsEntry`],
//! shown to managers and admins; the server checks) and the pane
//! ([`AllChatsPane`]) listing every queued, in progress and on hold
//! conversation of the workspace, grouped by department, then agent (the
//! unassigned ones are the department's queue), with filters by department
//! and agent. No socket brings this list: it is loaded when the pane opens,
//! every 10 s while it stays open, and on "Refresh". Choosing a chat opens
//! it in the pane like a sidebar line (read-only unless it is one's own).

use crate::all_chats::{self, AgentFilter, DepartmentGroup, Filter, Names};
use crate::api;
use crate::app::SignOut;
use crate::format;
use crate::history::{status_word, OpenConversation};
use crate::priority;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Role;
use shared::inbox::ConversationSummary;
use shared::ConversationId;
use std::time::Duration;

/// How often the open pane loads the list again.
const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// Whether the desk's pane shows All chats. The desk provides it.
#[derive(Clone, Copy)]
pub struct AllChatsOpen(pub RwSignal<bool>);

/// Whether a role sees "All chats" (the server decides what it answers).
pub fn for_role(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Admin)
}

/// The sidebar's "All chats" entry: opens the pane in place of a
/// conversation or the offline messages.
#[component]
pub fn AllChatsEntry(
    open: RwSignal<Option<ConversationId>>,
    offline_open: RwSignal<bool>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let AllChatsOpen(shown) = use_context::<AllChatsOpen>()?;
    let show = move |_| {
        open.set(None);
        offline_open.set(false);
        shown.set(true);
    };
    for_role(session.agent.role).then(|| {
        view! {
            <div class="list">
                <button type="button" class="list-head list-link"
                    class:current=move || shown.get()
                    aria-current=move || shown.get().then_some("page")
                    on:click=show>
                    <span class="list-title">"All chats"</span>
                </button>
            </div>
        }
    })
}

/// The pane.
#[component]
pub fn AllChatsPane(now: ReadSignal<f64>) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let list = RwSignal::new(None::<Vec<ConversationSummary>>);
    let failure = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let names = RwSignal::new(None::<Names>);
    let filter = RwSignal::new(Filter::default());
    // The latest load: an older one that answers late changes nothing.
    let round = StoredValue::new(0u32);

    let token = session.token.clone();
    let refresh = move || {
        let Some(mine) = round.try_update_value(|r| {
            *r = r.wrapping_add(1);
            *r
        }) else {
            return;
        };
        loading.set(true);
        let token = token.clone();
        let names_known = names.with_untracked(Option::is_some);
        spawn_local(async move {
            let result = api::all_chats(&token).await;
            let directory = match (&result, names_known) {
                (Ok(_), false) => api::directory(&token).await.ok(),
                _ => None,
            };
            if round.try_get_value() != Some(mine) {
                return;
            }
            loading.try_set(false);
            match result {
                Ok(all) => {
                    if let Some(d) = directory {
                        names.try_set(Some(Names::of(&d)));
                    }
                    list.try_set(Some(all.conversations));
                    failure.try_set(None);
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => {
                    failure.try_set(Some(crate::notice::could_not_load("all chats", &e)));
                }
            }
        });
    };
    refresh();
    let poll = set_interval_with_handle(refresh.clone(), REFRESH_EVERY).ok();
    on_cleanup(move || {
        if let Some(p) = poll {
            p.clear();
        }
    });

    let names_now = move || names.get().unwrap_or_default();
    let grouped = Memo::new(move |_| {
        list.with(|l| {
            l.as_ref()
                .map(|l| filter.with(|f| all_chats::groups(l, f, &names_now())))
        })
    });
    let subtitle = move || {
        let shown = grouped.with(|g| g.as_deref().map(all_chats::count));
        match (
            loading.get(),
            list.with(|l| l.as_ref().map(Vec::len)),
            shown,
        ) {
            (true, None, _) => "Loading…".to_string(),
            (_, Some(n), Some(shown)) if shown != n => format!("{shown} of {n} open chats"),
            (_, Some(1), _) => "1 open chat".to_string(),
            (_, Some(n), _) => format!("{n} open chats"),
            (false, None, _) => String::new(),
        }
    };
    let department_options = move || {
        list.with(|l| all_chats::department_choices(l.as_deref().unwrap_or_default(), &names_now()))
            .into_iter()
            .map(|(id, name)| view! { <option value=id>{name}</option> })
            .collect_view()
    };
    let agent_options = move || {
        list.with(|l| all_chats::agent_choices(l.as_deref().unwrap_or_default(), &names_now()))
            .into_iter()
            .map(|(id, name)| {
                let value = AgentFilter::Agent(id).value();
                view! { <option value=value>{name}</option> }
            })
            .collect_view()
    };

    view! {
        <section class="all-chats" aria-labelledby="all-chats-title">
            <header class="pane-head">
                <div>
                    <h1 id="all-chats-title">"All chats"</h1>
                    <p class="muted">{subtitle}</p>
                </div>
                <button type="button" on:click={
                    let refresh = refresh.clone();
                    move |_| refresh()
                }>"Refresh"</button>
            </header>
            <div class="all-chats-filters">
                <div class="priority-field">
                    <label for="all-chats-department">"Department"</label>
                    <select id="all-chats-department" prop:value=move || filter.with(|f| f.department.clone().unwrap_or_default())
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            filter.update(|f| f.department = (!v.is_empty()).then_some(v));
                        }>
                        <option value="">"All departments"</option>
                        {department_options}
                    </select>
                </div>
                <div class="priority-field">
                    <label for="all-chats-agent">"Agent"</label>
                    <select id="all-chats-agent" prop:value=move || filter.with(|f| f.agent.value())
                        on:change=move |ev| {
                            let v = AgentFilter::parse(&event_target_value(&ev));
                            filter.update(|f| f.agent = v);
                        }>
                        <option value="">"All agents"</option>
                        <option value=AgentFilter::Unassigned.value()>"Queued (no agent)"</option>
                        {agent_options}
                    </select>
                </div>
            </div>
            {move || failure.get().map(|text| view! { <p class="notice" role="alert">{text}</p> })}
            <div class="all-chats-list">
                {move || match grouped.get() {
                    None => None,
                    Some(groups) if groups.is_empty() => Some(
                        view! { <p class="muted">"No open chats match."</p> }.into_any(),
                    ),
                    Some(groups) => Some(
                        groups
                            .into_iter()
                            .map(|g| view! { <Department group=g now/> })
                            .collect_view()
                            .into_any(),
                    ),
                }}
            </div>
        </section>
    }
}

/// One department's chats, by agent.
#[component]
fn Department(group: DepartmentGroup, now: ReadSignal<f64>) -> impl IntoView {
    let department = group.name;
    let agents = group
        .agents
        .into_iter()
        .map(|a| {
            let label = format!("{department}: {}", a.title);
            let rows = a
                .chats
                .into_iter()
                .map(|c| view! { <Line summary=c now/> })
                .collect_view();
            view! {
                <div class="all-chats-agent">
                    <h3>{a.title}</h3>
                    <ul aria-label=label>{rows}</ul>
                </div>
            }
        })
        .collect_view();
    let label = department.clone();
    view! {
        <section class="all-chats-department" aria-label=label>
            <h2>{department}</h2>
            {agents}
        </section>
    }
}

/// One chat: opens it in the pane.
#[component]
fn Line(summary: ConversationSummary, now: ReadSignal<f64>) -> impl IntoView {
    let opener = expect_context::<OpenConversation>();
    let id = summary.id.clone();
    let badge = priority::badge(summary.priority)
        .map(|(text, class)| view! { <span class=class>{text}</span> });
    let queued_at = summary.queued_at;
    let status = status_word(summary.status);
    view! {
        <li>
            <button type="button" class="all-chats-line" on:click=move |_| opener.open(id.clone())>
                <span class="history-top">
                    <span class="row-who">
                        <span class="all-chats-name">{summary.visitor.name}</span>
                        {badge}
                    </span>
                    <span class="history-meta">
                        {status}
                        " · "
                        {move || format::waited(now.get() as i64 - queued_at)}
                    </span>
                </span>
                <span class="history-preview">{summary.preview}</span>
            </button>
        </li>
    }
}
