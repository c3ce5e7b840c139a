//! The agent's status menu (Available, Away, Offline). It shows the status
//! the server holds, read from the directory on load, and posts every
//! change; a refused change puts the menu back and says why.

use crate::api;
use crate::app::SignOut;
use crate::notice::{self, Notices};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::routing::AgentStatus;

const CHOICES: [(AgentStatus, &str, &str); 3] = [
    (AgentStatus::Available, "available", "Available"),
    (AgentStatus::Away, "away", "Away"),
    (AgentStatus::Offline, "offline", "Offline"),
];

fn value_of(status: AgentStatus) -> &'static str {
    CHOICES
        .iter()
        .find(|c| c.0 == status)
        .map_or("offline", |c| c.1)
}

fn parse(value: &str) -> Option<(AgentStatus, &'static str)> {
    CHOICES.iter().find(|c| c.1 == value).map(|c| (c.0, c.2))
}

/// The status menu.
#[component]
pub fn StatusMenu() -> impl IntoView {
    let session = expect_context::<Session>();
    let notices = expect_context::<Notices>();
    let sign_out = expect_context::<SignOut>();
    // None until the server said; the menu waits for it.
    let status = RwSignal::new(None::<AgentStatus>);
    let busy = RwSignal::new(false);

    let token = session.token.clone();
    let me = session.agent.id.clone();
    spawn_local(async move {
        match api::directory(&token).await {
            Ok(d) => {
                let mine = d.agents.into_iter().find(|a| a.id == me).map(|a| a.status);
                status.try_set(Some(mine.unwrap_or_default()));
            }
            Err(e) => notice::report(notices, sign_out, Some(&e), String::new()),
        }
    });

    let on_change = move |ev| {
        let Some((next, label)) = parse(&event_target_value(&ev)) else {
            return;
        };
        let before = status.get_untracked();
        status.set(Some(next));
        busy.set(true);
        let token = session.token.clone();
        spawn_local(async move {
            let result = api::set_status(&token, next).await;
            if result.is_err() {
                status.try_set(before);
            }
            busy.try_set(false);
            let success = format!("Your status is {label}.");
            notice::report(notices, sign_out, result.as_ref().err(), success);
        });
    };

    view! {
        <div class="status-menu">
            <label for="status-menu">"Status"</label>
            <select
                id="status-menu"
                disabled=move || busy.get() || status.get().is_none()
                prop:value=move || status.get().map_or("", value_of)
                on:change=on_change
            >
                <Show when=move || status.get().is_none()>
                    <option value="">"Loading…"</option>
                </Show>
                {CHOICES.map(|(_, value, label)| view! { <option value=value>{label}</option> })}
            </select>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, value_of};
    use shared::routing::AgentStatus;

    #[test]
    fn menu_values_round_trip() {
        for s in [
            AgentStatus::Available,
            AgentStatus::Away,
            AgentStatus::Offline,
        ] {
            assert_eq!(parse(value_of(s)).map(|p| p.0), Some(s));
        }
        assert_eq!(parse("busy"), None);
    }
}
