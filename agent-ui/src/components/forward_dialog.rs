//! The "Forward" dialog: the workspace's departments and agents from the
//! directory, each agent with their availability and load, a comment the
//! receiver sees, and "Confirm".

use crate::api::{self, Action};
use crate::app::SignOut;
use crate::notice;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{AgentPresence, Directory, ForwardRequest};
use shared::routing::AgentStatus;
use shared::ConversationId;

/// Where the chat goes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// A department's queue: its id and name.
    Department(String, String),
    /// An agent: their id and name.
    Agent(shared::AgentId, String),
}

impl Target {
    fn request(&self, comment: String) -> ForwardRequest {
        let comment = Some(comment).filter(|c| !c.trim().is_empty());
        match self {
            Target::Department(id, _) => ForwardRequest {
                department: Some(id.clone()),
                agent: None,
                comment,
            },
            Target::Agent(id, _) => ForwardRequest {
                department: None,
                agent: Some(id.clone()),
                comment,
            },
        }
    }

    fn name(&self) -> &str {
        match self {
            Target::Department(_, n) | Target::Agent(_, n) => n,
        }
    }
}

/// "online · 2 open chats": what a forward to this agent may expect. Only
/// an online agent (available and connected) can receive one; "away" says
/// why one who is connected cannot.
fn availability(a: &AgentPresence) -> String {
    let reach = match (a.online, a.status) {
        (true, _) => "online",
        (false, AgentStatus::Away) => "away",
        (false, _) => "offline",
    };
    let chats = if a.load == 1 { "chat" } else { "chats" };
    format!("{reach} · {} open {chats}", a.load)
}

/// The dialog, shown while `shown` is true; it sets it to false to close.
/// Setting is tried, never assumed: the pane that showed the dialog may be
/// gone by the time an answer arrives (the chat was forwarded or closed and
/// the socket said so first).
#[component]
pub fn ForwardDialog(id: ConversationId, shown: RwSignal<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let directory = RwSignal::new(None::<Directory>);
    let target = RwSignal::new(None::<Target>);
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let (form, on_keydown) = super::dialog::focus_and_escape(shown);
    let me = session.agent.id.clone();
    // Forwarded, the chat is no longer the agent's: the pane closes.
    let open = use_context::<crate::history::OpenConversation>();

    let token = session.token.clone();
    spawn_local(async move {
        match api::directory(&token).await {
            Ok(d) => {
                directory.try_set(Some(d));
            }
            Err(e) if e.is_unauthorized() => sign_out.ended(),
            Err(e) => {
                failure.try_set(Some(notice::capitalized(&api::message(&e))));
            }
        }
    });

    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(to) = target.get_untracked() else {
            failure.set(Some(
                "Choose a department or an agent to forward the chat to.".into(),
            ));
            return;
        };
        busy.set(true);
        failure.set(None);
        let action = Action::Forward(to.request(comment.get_untracked()));
        let success = format!("The chat was forwarded to {}.", to.name());
        let forwarded = id.clone();
        notice::run_from(id.clone(), action, success, Some(failure), move |ok| {
            busy.try_set(false);
            if ok {
                shown.try_set(false);
                if let Some(open) = open {
                    let showing = open
                        .0
                        .try_with_untracked(|o| o.as_ref() == Some(&forwarded));
                    if showing == Some(true) {
                        open.0.try_set(None);
                    }
                }
            }
        });
    };

    let choice = move |t: Target, label: String, detail: Option<String>| {
        let checked = {
            let t = t.clone();
            move || target.with(|c| c.as_ref() == Some(&t))
        };
        view! {
            <li>
                <label class="choice">
                    <input type="radio" name="forward-target" prop:checked=checked
                        on:change=move |_| target.set(Some(t.clone()))/>
                    <span class="choice-name">{label}</span>
                    {detail.map(|d| view! { <span class="muted">" · " {d}</span> })}
                </label>
            </li>
        }
    };
    let lists = move || {
        directory.get().map(|d| {
            let departments = d
                .departments
                .into_iter()
                .map(|dep| choice(Target::Department(dep.id, dep.name.clone()), dep.name, None))
                .collect_view();
            let agents = d
                .agents
                .into_iter()
                .filter(|a| a.id != me)
                .map(|a| {
                    let detail = availability(&a);
                    choice(Target::Agent(a.id, a.name.clone()), a.name, Some(detail))
                })
                .collect_view();
            view! {
                <fieldset>
                    <legend>"Departments"</legend>
                    <ul class="choices">{departments}</ul>
                </fieldset>
                <fieldset>
                    <legend>"Agents"</legend>
                    <ul class="choices">{agents}</ul>
                </fieldset>
            }
        })
    };

    view! {
        <div class="dialog-backdrop">
            <form class="dialog" role="dialog" aria-modal="true" aria-label="Forward" tabindex="-1"
                node_ref=form on:keydown=on_keydown on:submit=confirm>
                <h2>"Forward the chat"</h2>
                {move || directory.with(Option::is_none).then(|| view! { <p class="muted">"Loading…"</p> })}
                {lists}
                <label class="field">
                    <span>"Comment"</span>
                    <textarea rows="3" placeholder="What the next agent should know"
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </label>
                {move || failure.get().map(|f| view! { <p class="error" role="alert">{f}</p> })}
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| shown.set(false)>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || busy.get()>"Confirm"</button>
                </div>
            </form>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::availability;
    use shared::api::AgentPresence;
    use shared::routing::AgentStatus;

    #[track_caller]
    fn check(online: bool, status: AgentStatus, load: u32, expected: &str) {
        let a = AgentPresence {
            id: "a1".into(),
            name: "Ben".into(),
            departments: vec![],
            status,
            online,
            load,
            username: "ben".into(),
        };
        assert_eq!(availability(&a), expected);
    }

    #[test]
    fn availability_lines() {
        check(true, AgentStatus::Available, 0, "online · 0 open chats");
        check(false, AgentStatus::Offline, 1, "offline · 1 open chat");
        check(false, AgentStatus::Away, 2, "away · 2 open chats");
        // Available but with no app connected: nobody to receive it.
        check(false, AgentStatus::Available, 0, "offline · 0 open chats");
    }
}
