//! "Reports", for managers and admins: the sidebar entry
//! ([`ReportsEntry`]; the server checks `manage_workspace`) and the pane
//! ([`ReportsPane`]): the period chooser (last 7 days, last 30 days, or
//! from one date to another), department and agent filters, the totals,
//! charts of chats per day and per hour of the day (SVG with a text
//! alternative), and every table with its headers and "Export CSV". The
//! report is loaded whenever the choice changes; only the newest answer
//! shows. The arithmetic is in [`crate::reports`].

use crate::api;
use crate::app::SignOut;
use crate::components::all_chats_pane::AllChatsOpen;
use crate::components::contacts_pane::ContactsOpen;
use crate::notice::Notices;
use crate::reports::{self, Ask, Period, Table};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::{Report, ReportRow};
use shared::api::{Directory, Role};
use shared::ConversationId;
use wasm_bindgen::JsCast;

/// Whether the desk's pane shows Reports. The desk provides it.
#[derive(Clone, Copy)]
pub struct ReportsOpen(pub RwSignal<bool>);

/// Whether a role sees "Reports" (the server decides what it answers).
pub fn for_role(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Admin)
}

/// The sidebar's "Reports" entry: opens the pane in place of a
/// conversation or another list.
#[component]
pub fn ReportsEntry(
    open: RwSignal<Option<ConversationId>>,
    offline_open: RwSignal<bool>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let ReportsOpen(shown) = use_context::<ReportsOpen>()?;
    let all = use_context::<AllChatsOpen>();
    let contacts = use_context::<ContactsOpen>();
    let admin = use_context::<crate::components::admin::AdminOpen>();
    let current = move || shown.get() && !offline_open.get() && open.with(Option::is_none);
    let show = move |_| {
        open.set(None);
        offline_open.set(false);
        if let Some(AllChatsOpen(a)) = all {
            a.set(false);
        }
        if let Some(ContactsOpen(c)) = contacts {
            c.set(false);
        }
        if let Some(crate::components::admin::AdminOpen(a)) = admin {
            a.set(false);
        }
        shown.set(true);
    };
    for_role(session.agent.role).then(|| {
        view! {
            <div class="list">
                <button type="button" class="list-head list-link" class:current=current
                    aria-current=move || current().then_some("page")
                    on:click=show>
                    <span class="list-title">"Reports"</span>
                </button>
            </div>
        }
    })
}

/// The browser's offset from UTC, in minutes east.
fn browser_tz() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// Gives `text` to the browser as the CSV download `name`.
fn download(text: &[u8], name: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

/// The pane.
#[component]
pub fn ReportsPane() -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let notices = expect_context::<Notices>();
    let period = RwSignal::new(Period::Last7);
    let custom_from = RwSignal::new(String::new());
    let custom_to = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let agent = RwSignal::new(String::new());
    let directory = RwSignal::new(None::<Directory>);
    let report = RwSignal::new(None::<Report>);
    let failure = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let round = StoredValue::new(0u32);
    let tz = browser_tz();

    let token = session.token.clone();
    spawn_local(async move {
        if let Ok(d) = api::directory(&token).await {
            directory.try_set(Some(d));
        }
    });

    // What to ask, or why the choice is not a period.
    let ask = Memo::new(move |_| {
        let chosen = match period.get() {
            Period::Custom { .. } => Period::Custom {
                from: custom_from.get(),
                to: custom_to.get(),
            },
            p => p,
        };
        let (from, to) = reports::range(&chosen, crate::format::now() as i64, tz)?;
        let pick = |s: RwSignal<String>| Some(s.get()).filter(|v| !v.is_empty());
        Ok::<_, String>(Ask {
            from,
            to,
            department: pick(department),
            agent: pick(agent),
            tz_minutes: tz,
        })
    });

    let token = session.token.clone();
    Effect::new(move |_| {
        let asked = match ask.get() {
            Ok(a) => a,
            Err(why) => {
                failure.set(Some(why));
                return;
            }
        };
        let Some(mine) = round.try_update_value(|r| {
            *r = r.wrapping_add(1);
            *r
        }) else {
            return;
        };
        loading.set(true);
        let token = token.clone();
        spawn_local(async move {
            let result: Result<Report, _> =
                chat_client::web::http::get(&asked.path(), Some(&token)).await;
            if round.try_get_value() != Some(mine) {
                return;
            }
            loading.try_set(false);
            match result {
                Ok(r) => {
                    report.try_set(Some(r));
                    failure.try_set(None);
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => {
                    failure.try_set(Some(crate::notice::could_not_load("the report", &e)));
                }
            }
        });
    });

    let token = session.token.clone();
    let export = move |table: Table| {
        let Ok(asked) = ask.get_untracked() else {
            return;
        };
        let token = token.clone();
        spawn_local(async move {
            match chat_client::web::http::get_bytes(&asked.csv_path(table), Some(&token)).await {
                Ok(bytes) => match download(&bytes, &asked.file_name(table)) {
                    Some(()) => notices.done("The CSV is downloaded."),
                    None => notices.failed("This browser could not save the CSV."),
                },
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => notices.failed(api::message(&e)),
            }
        });
    };

    let department_options = move || {
        directory.with(|d| {
            d.iter()
                .flat_map(|d| d.departments.iter())
                .map(|d| view! { <option value=d.id.clone()>{d.name.clone()}</option> })
                .collect_view()
        })
    };
    let agent_options = move || {
        directory.with(|d| {
            d.iter()
                .flat_map(|d| d.agents.iter())
                .map(|a| view! { <option value=a.id.0.clone()>{a.name.clone()}</option> })
                .collect_view()
        })
    };
    let subtitle = move || match (loading.get(), report.with(Option::is_some)) {
        (true, false) => "Loading…".to_string(),
        _ => report.with(|r| {
            r.as_ref()
                .map(|r| {
                    let days = r.by_day.len();
                    let (first, last) = (
                        r.by_day.first().map(|d| d.key.clone()).unwrap_or_default(),
                        r.by_day.last().map(|d| d.key.clone()).unwrap_or_default(),
                    );
                    let n = if days == 1 { "day" } else { "days" };
                    format!("{first} to {last} ({days} {n}), in this browser's time zone")
                })
                .unwrap_or_default()
        }),
    };

    view! {
        <section class="reports" aria-labelledby="reports-title">
            <header class="pane-head">
                <div>
                    <h1 id="reports-title">"Reports"</h1>
                    <p class="muted">{subtitle}</p>
                </div>
            </header>
            <div class="all-chats-filters reports-filters">
                <div class="priority-field">
                    <label for="reports-period">"Period"</label>
                    <select id="reports-period" prop:value=move || period.with(|p| p.value())
                        on:change=move |ev| {
                            let chosen = match event_target_value(&ev).as_str() {
                                "30" => Period::Last30,
                                "custom" => Period::Custom { from: String::new(), to: String::new() },
                                _ => Period::Last7,
                            };
                            period.set(chosen);
                        }>
                        <option value="7">"Last 7 days"</option>
                        <option value="30">"Last 30 days"</option>
                        <option value="custom">"Custom"</option>
                    </select>
                </div>
                <Show when=move || matches!(period.get(), Period::Custom { .. })>
                    <div class="priority-field">
                        <label for="reports-from">"From"</label>
                        <input id="reports-from" type="date" prop:value=move || custom_from.get()
                            on:change=move |ev| custom_from.set(event_target_value(&ev))/>
                    </div>
                    <div class="priority-field">
                        <label for="reports-to">"To"</label>
                        <input id="reports-to" type="date" prop:value=move || custom_to.get()
                            on:change=move |ev| custom_to.set(event_target_value(&ev))/>
                    </div>
                </Show>
                <div class="priority-field">
                    <label for="reports-department">"Department"</label>
                    <select id="reports-department" prop:value=move || department.get()
                        on:change=move |ev| department.set(event_target_value(&ev))>
                        <option value="">"All departments"</option>
                        {department_options}
                    </select>
                </div>
                <div class="priority-field">
                    <label for="reports-agent">"Agent"</label>
                    <select id="reports-agent" prop:value=move || agent.get()
                        on:change=move |ev| agent.set(event_target_value(&ev))>
                        <option value="">"All agents"</option>
                        {agent_options}
                    </select>
                </div>
            </div>
            {move || failure.get().map(|text| view! { <p class="notice" role="alert">{text}</p> })}
            {move || report.get().map(|r| {
                let export = export.clone();
                view! {
                    <Totals row=r.totals.clone()/>
                    <div class="reports-charts">
                        <Chart title=Table::ByDay.title() rows=r.by_day.clone()/>
                        <Chart title=Table::ByHour.title() rows=r.by_hour.clone()/>
                    </div>
                    {Table::ALL
                        .into_iter()
                        .map(|t| {
                            let export = export.clone();
                            view! {
                                <Figures table=t rows=t.rows(&r).to_vec()
                                    on_export=Callback::new(move |()| export(t))/>
                            }
                        })
                        .collect_view()}
                }
            })}
        </section>
    }
}

/// The period's totals, as a definition list.
#[component]
fn Totals(row: ReportRow) -> impl IntoView {
    let facts = [
        ("Chats", row.chats.to_string()),
        ("Answered", row.answered.to_string()),
        ("Missed", row.missed.to_string()),
        ("Abandoned", row.abandoned.to_string()),
        ("Average queue time", reports::time_words(row.avg_queue_ms)),
        (
            "Average first response",
            reports::time_words(row.avg_first_response_ms),
        ),
        (
            "Average response time",
            reports::time_words(row.avg_response_ms),
        ),
        ("Average duration", reports::time_words(row.avg_duration_ms)),
        ("Rating", reports::rating_words(&row)),
        ("Calls", reports::call_words(&row)),
    ];
    view! {
        <dl class="reports-totals" aria-label="Totals">
            {facts
                .into_iter()
                .map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> })
                .collect_view()}
        </dl>
    }
}

/// A bar chart of chats, with its text alternative.
#[component]
fn Chart(title: &'static str, rows: Vec<ReportRow>) -> impl IntoView {
    let values = reports::chart_values(&rows);
    let summary = reports::chart_summary(title, &values);
    let (bars, ticks) = reports::bars(&values);
    let count = bars.len();
    let view_box = format!("0 0 {} {}", reports::CHART_W, reports::CHART_H);
    let grid = ticks
        .iter()
        .map(|t| {
            let y = reports::tick_y(*t, &ticks);
            view! {
                <line x1=reports::AXIS_W x2=reports::CHART_W y1=y y2=y class="chart-grid"/>
                <text x=reports::AXIS_W - 4.0 y=y + 4.0 text-anchor="end" class="chart-tick">{t.to_string()}</text>
            }
        })
        .collect_view();
    let drawn = bars
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let label = reports::labelled(i, count).then(|| {
                view! {
                    <text x=b.x + b.w / 2.0 y=reports::CHART_H - 6.0 text-anchor="middle" class="chart-label">
                        {b.label.clone()}
                    </text>
                }
            });
            view! {
                <rect x=b.x y=b.y width=b.w height=b.h class="chart-bar">
                    <title>{format!("{}: {}", b.label, b.value)}</title>
                </rect>
                {label}
            }
        })
        .collect_view();
    view! {
        <figure class="reports-chart">
            <figcaption>{title}</figcaption>
            <svg viewBox=view_box role="img" aria-label=summary preserveAspectRatio="none">
                {grid}
                {drawn}
            </svg>
        </figure>
    }
}

/// A table's figures, with "Export CSV".
#[component]
fn Figures(table: Table, rows: Vec<ReportRow>, on_export: Callback<()>) -> impl IntoView {
    let id = format!("reports-{}", table.key());
    let labelled_by = id.clone();
    let lines = rows
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <th scope="row">{r.label.clone()}</th>
                    <td>{r.chats}</td>
                    <td>{r.answered}</td>
                    <td>{r.missed}</td>
                    <td>{r.abandoned}</td>
                    <td>{reports::time_words(r.avg_queue_ms)}</td>
                    <td>{reports::time_words(r.avg_first_response_ms)}</td>
                    <td>{reports::time_words(r.avg_response_ms)}</td>
                    <td>{reports::time_words(r.avg_duration_ms)}</td>
                    <td>{reports::rating_words(&r)}</td>
                    <td>{reports::call_words(&r)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="reports-table" aria-labelledby=labelled_by>
            <div class="reports-table-head">
                <h2 id=id>{table.title()}</h2>
                <button type="button" on:click=move |_| on_export.run(())>"Export CSV"</button>
            </div>
            <div class="reports-scroll">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{table.column()}</th>
                            <th scope="col">"Chats"</th>
                            <th scope="col">"Answered"</th>
                            <th scope="col">"Missed"</th>
                            <th scope="col">"Abandoned"</th>
                            <th scope="col">"Queue time"</th>
                            <th scope="col">"First response"</th>
                            <th scope="col">"Response time"</th>
                            <th scope="col">"Duration"</th>
                            <th scope="col">"Rating"</th>
                            <th scope="col">"Calls"</th>
                        </tr>
                    </thead>
                    <tbody>{lines}</tbody>
                </table>
            </div>
        </section>
    }
}
