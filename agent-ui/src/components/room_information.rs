//! "Room information" in the open conversation's header: a dialog listing
//! what the server knows of the conversation ([`crate::room::facts`]: the
//! contact, agent, department, when it was created, queued and taken, its
//! queue and response times, topic, priority, tags and, once closed, how it
//! ended), its transfers with their comments, and, for those who work the
//! chat and supervisors, a form to change the topic, tags and priority.
//! The server checks every edit; its refusal shows as an alert. Escape and
//! "Close" close the dialog; the focus goes back to the button.

use crate::api;
use crate::app::SignOut;
use crate::feed::Lists;
use crate::format;
use crate::notice::capitalized;
use crate::priority::{self, CHOICES};
use crate::room::{self, Draft, Fact, Value};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::room::{Labels, RoomInfo, TransferInfo};
use shared::ConversationId;
use std::collections::BTreeMap;

/// What the dialog shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Loaded {
    Loading,
    Failed(String),
    Ready(Box<RoomInfo>),
}

/// The header's "Room information" button of conversation `id`, and its
/// dialog.
#[component]
pub fn RoomInformation(id: ConversationId, inbox: Lists) -> impl IntoView {
    let shown = RwSignal::new(false);
    // Closed with Escape or "Close": the focus goes back to the button.
    let button = super::dialog::returns_focus_to_opener(shown);
    view! {
        <button type="button" class="room-button" node_ref=button aria-haspopup="dialog"
            on:click=move |_| shown.set(true)>
            "Room information"
        </button>
        {move || shown.get().then(|| view! { <RoomDialog id=id.clone() inbox shown/> })}
    }
}

/// The dialog, shown while `shown` is true.
#[component]
fn RoomDialog(id: ConversationId, inbox: Lists, shown: RwSignal<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let loaded = RwSignal::new(Loaded::Loading);
    // The workspace's tags and department names, from the directory.
    let labels = RwSignal::new(None::<Labels>);
    let departments = RwSignal::new(BTreeMap::<String, String>::new());
    // "Room information saved." after a save, until the next one.
    let saved = RwSignal::new(None::<String>);
    let (dialog, on_keydown) = super::dialog::focus_and_escape_on::<leptos::html::Div>(shown);
    let now = format::now();

    // Loads the room (and the directory, once). `quiet`: keep what is on
    // screen until the answer (after a save).
    let load = Callback::new({
        let (id, token) = (id.clone(), session.token.clone());
        move |quiet: bool| {
            if !quiet {
                loaded.set(Loaded::Loading);
            }
            let (id, token) = (id.clone(), token.clone());
            let directory_known = labels.with_untracked(Option::is_some);
            spawn_local(async move {
                let result = api::room(&token, &id).await;
                if !directory_known && result.is_ok() {
                    if let Ok(directory) = api::directory(&token).await {
                        departments.try_set(
                            directory
                                .departments
                                .into_iter()
                                .map(|d| (d.id, d.name))
                                .collect(),
                        );
                        labels.try_set(Some(directory.labels));
                    }
                }
                match result {
                    Ok(info) => {
                        loaded.try_set(Loaded::Ready(Box::new(info)));
                    }
                    Err(e) if e.is_unauthorized() => sign_out.ended(),
                    Err(e) => {
                        loaded.try_set(Loaded::Failed(crate::notice::could_not_load(
                            "the room information",
                            &e,
                        )));
                    }
                }
            });
        }
    });
    load.run(false);

    let on_saved = Callback::new(move |()| {
        saved.set(Some("Room information saved.".into()));
        load.run(true);
    });
    let body = move || match loaded.get() {
        Loaded::Loading => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
        Loaded::Failed(text) => view! {
            <p class="error" role="alert">{text}</p>
            <div>
                <button type="button" on:click=move |_| load.run(false)>"Try again"</button>
            </div>
        }
        .into_any(),
        Loaded::Ready(info) => {
            // Both are set before the room is: reading them does not
            // draw the form again later.
            let department = departments.with_untracked(|d| {
                d.get(&info.conversation.department)
                    .cloned()
                    .unwrap_or_else(|| info.conversation.department.clone())
            });
            let facts = room::facts(&info, &department)
                .into_iter()
                .map(|f| fact_view(f, now))
                .collect_view();
            let transfers = transfers_view(&info.transfers, now);
            let editable =
                room::may_edit(session.agent.role, &session.agent.id.0, &info.conversation);
            let form = editable.then(|| {
                let labels = labels.get_untracked().unwrap_or_default();
                view! { <EditForm id=id.clone() info=(*info).clone() labels inbox saved on_saved/> }
            });
            view! {
                <dl class="room-facts">{facts}</dl>
                {transfers}
                {form}
            }
            .into_any()
        }
    };

    view! {
        <div class="dialog-backdrop">
            <div class="dialog room" role="dialog" aria-modal="true" aria-label="Room information"
                tabindex="-1" node_ref=dialog on:keydown=on_keydown>
                <h2>"Room information"</h2>
                {body}
                {move || saved.get().map(|s| view! { <p class="room-saved" role="status">{s}</p> })}
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Close"</button>
                </div>
            </div>
        </div>
    }
}

/// One term and its value; everything is text.
fn fact_view(fact: Fact, now: f64) -> impl IntoView {
    let value = match fact.value {
        Value::Text(text) => view! { <dd>{text}</dd> }.into_any(),
        Value::Time(ms) => view! {
            <dd><time datetime=format::iso(ms)>{format::when(ms, now)}</time></dd>
        }
        .into_any(),
        Value::Missing(words) => view! { <dd class="muted">{words}</dd> }.into_any(),
    };
    view! {
        <div class="room-fact">
            <dt>{fact.label}</dt>
            {value}
        </div>
    }
}

/// "Transfers": who forwarded the chat to whom, when, with the comment for
/// the receiver.
fn transfers_view(transfers: &[TransferInfo], now: f64) -> impl IntoView {
    let items = transfers
        .iter()
        .map(|t| {
            let comment = t
                .comment
                .clone()
                .filter(|c| !c.trim().is_empty())
                .map(|c| view! { <p class="room-comment">{c}</p> });
            view! {
                <li class="room-transfer">
                    <span>{format!("{} forwarded the chat to {}", t.by.name, t.to)}</span>
                    " · "
                    <time class="muted" datetime=format::iso(t.at)>{format::when(t.at, now)}</time>
                    {comment}
                </li>
            }
        })
        .collect_view();
    let empty = transfers.is_empty();
    view! {
        <section class="room-transfers" aria-labelledby="room-transfers-title">
            <h3 id="room-transfers-title">"Transfers"</h3>
            {if empty {
                view! { <p class="muted">"Not forwarded."</p> }.into_any()
            } else {
                view! { <ol>{items}</ol> }.into_any()
            }}
        </section>
    }
}

/// The edit form: topic, tags (the workspace's list as checkboxes, and a
/// typed tag where the workspace allows free ones) and priority.
#[component]
fn EditForm(
    id: ConversationId,
    info: RoomInfo,
    labels: Labels,
    inbox: Lists,
    saved: RwSignal<Option<String>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let draft = RwSignal::new(Draft::of(&info));
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let info = StoredValue::new(info);
    let labels = StoredValue::new(labels);
    let free_tags = !labels.with_value(|l| l.restrict_tags);

    let choices = Memo::new(move |_| {
        draft.with(|d| labels.with_value(|l| info.with_value(|i| room::tag_choices(l, i, d))))
    });
    let add = move || {
        let text = typed.get_untracked();
        match labels.with_value(|l| draft.try_update(|d| d.add_typed(&text, l))) {
            Some(Err(why)) => error.set(Some(why)),
            _ => {
                typed.set(String::new());
                error.set(None);
            }
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        error.set(None);
        saved.set(None);
        let edit = match draft.with_untracked(|d| info.with_value(|i| d.edit(i))) {
            Err(why) => {
                error.set(Some(why));
                return;
            }
            Ok(None) => {
                saved.set(Some("Nothing changed.".into()));
                return;
            }
            Ok(Some(edit)) => edit,
        };
        saving.set(true);
        let (id, token) = (id.clone(), session.token.clone());
        spawn_local(async move {
            match api::edit_room(&token, &id, &edit).await {
                Ok(answer) => {
                    inbox.update(|i| i.prioritized(&answer));
                    on_saved.run(());
                }
                Err(e) if e.is_unauthorized() => sign_out.ended(),
                Err(e) => {
                    error.try_set(Some(capitalized(&api::message(&e))));
                }
            }
            saving.try_set(false);
        });
    };

    let tag_boxes = move || {
        choices
            .get()
            .into_iter()
            .map(|tag| {
                let checked = {
                    let tag = tag.clone();
                    move || draft.with(|d| d.has(&tag))
                };
                let toggle = {
                    let tag = tag.clone();
                    move |ev| {
                        let on = event_target_checked(&ev);
                        draft.update(|d| d.set_tag(&tag, on));
                    }
                };
                view! {
                    <li>
                        <label class="choice">
                            <input type="checkbox" prop:checked=checked on:change=toggle/>
                            <span>{tag}</span>
                        </label>
                    </li>
                }
            })
            .collect_view()
    };
    let no_tags = move || choices.with(Vec::is_empty) && !free_tags;
    let new_tag = free_tags.then(|| {
        view! {
            <div class="room-new-tag">
                <label class="field">
                    "New tag"
                    <input type="text" maxlength="64" prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" {
                                ev.prevent_default();
                                add();
                            }
                        }/>
                </label>
                <button type="button" on:click=move |_| add()>"Add tag"</button>
            </div>
        }
    });

    view! {
        <form class="room-edit" on:submit=submit>
            <h3>"Edit"</h3>
            <label class="field">
                "Topic"
                <input type="text" maxlength="200" prop:value=move || draft.with(|d| d.topic.clone())
                    on:input=move |ev| draft.update(|d| d.topic = event_target_value(&ev))/>
            </label>
            <fieldset>
                <legend>"Tags"</legend>
                <ul class="choices room-tags">{tag_boxes}</ul>
                <Show when=no_tags>
                    <p class="muted">"This workspace keeps no tags."</p>
                </Show>
                {new_tag}
            </fieldset>
            <div class="field">
                <label for="room-priority">"Priority"</label>
                <select id="room-priority" prop:value=move || priority::value_of(draft.with(|d| d.priority))
                    on:change=move |ev| {
                        if let Some(p) = priority::parse(&event_target_value(&ev)) {
                            draft.update(|d| d.priority = p);
                        }
                    }>
                    {CHOICES.map(|(_, value, label)| view! { <option value=value>{label}</option> })}
                </select>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="dialog-actions">
                <button type="submit" class="primary" disabled=move || saving.get()>"Save"</button>
            </div>
        </form>
    }
}
