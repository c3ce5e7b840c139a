//! The part of the app that loads on demand: the Administration area and
//! Reports, which only managers and admins open. Their code is not in the
//! Wasm every agent loads: the two functions below are split points
//! (`wasm_split_helpers`), and `scripts/build-web.sh` cuts everything
//! that only they reach into a second module,
//! `split_management.<digest>.wasm`, fetched the first time one of them
//! is called. Natively (tests) they are plain calls.
//!
//! [`OnDemand`] stands in the pane for either screen: "Loading…" (a
//! polite status) while the part arrives, the screen once it is there,
//! and a failure with "Try again" when it could not be fetched (a failed
//! fetch is not remembered: trying again fetches again). Once loaded, the
//! part stays for the page's life; opening a screen again draws it at
//! once.

use crate::components::admin::AdministrationPane;
use crate::components::reports_pane::ReportsPane;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_split_helpers::{wasm_split, SplitLoaderError};

/// Draws a screen of the on-demand part. A plain function pointer: the
/// split point hands it over, and the pane calls it where it draws, under
/// its own reactive owner.
pub type Draw = fn() -> AnyView;

/// A screen that lives in the on-demand part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// "Administration".
    Administration,
    /// "Reports".
    Reports,
}

impl Part {
    /// The screen's name, as its sidebar entry says it.
    pub fn name(self) -> &'static str {
        match self {
            Part::Administration => "Administration",
            Part::Reports => "Reports",
        }
    }

    /// What the pane says when the part could not be fetched.
    pub fn failure(self) -> String {
        format!(
            "Could not load {}. Check your connection and try again.",
            self.name()
        )
    }

    /// Fetches the part if it is not there yet, then hands over the
    /// screen's drawing.
    async fn load(self) -> Result<Draw, SplitLoaderError> {
        match self {
            Part::Administration => administration().await,
            Part::Reports => reports().await,
        }
    }
}

/// The Administration area's split point.
#[wasm_split(management, fallible)]
fn administration() -> Result<Draw, SplitLoaderError> {
    Ok(draw_administration)
}

/// The Reports screen's split point (the same part).
#[wasm_split(management, fallible)]
fn reports() -> Result<Draw, SplitLoaderError> {
    Ok(draw_reports)
}

fn draw_administration() -> AnyView {
    view! { <AdministrationPane/> }.into_any()
}

fn draw_reports() -> AnyView {
    view! { <ReportsPane/> }.into_any()
}

/// Where the part is, for one pane.
#[derive(Clone, Copy)]
enum State {
    Loading,
    Ready(Draw),
    Failed,
}

/// The pane of an on-demand screen.
#[component]
pub fn OnDemand(part: Part) -> impl IntoView {
    let state = RwSignal::new(State::Loading);
    let fetch = move || {
        state.set(State::Loading);
        spawn_local(async move {
            let next = match part.load().await {
                Ok(draw) => State::Ready(draw),
                Err(_) => State::Failed,
            };
            // The pane may have been left meanwhile.
            state.try_set(next);
        });
    };
    fetch();
    move || match state.get() {
        State::Ready(draw) => draw(),
        State::Loading => view! {
            <div class="on-demand">
                <p class="muted" role="status">"Loading…"</p>
            </div>
        }
        .into_any(),
        State::Failed => view! {
            <div class="on-demand">
                <div role="alert">
                    <p class="error">{part.failure()}</p>
                </div>
                <button type="button" on:click=move |_| fetch()>"Try again"</button>
            </div>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_screen() {
        assert_eq!(
            Part::Administration.failure(),
            "Could not load Administration. Check your connection and try again."
        );
        assert_eq!(
            Part::Reports.failure(),
            "Could not load Reports. Check your connection and try again."
        );
    }
}
