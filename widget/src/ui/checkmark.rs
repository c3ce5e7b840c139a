//! The checkmark beside one of the visitor's own messages. Its label
//! ("Sending", "Sent", "Delivered", "Read", "Not sent") is what a screen
//! reader says and what the tooltip shows. It changes in place, so the log's
//! live region does not read the message again each time it moves.

use chat_client::Check;
use leptos::prelude::*;

/// The glyph drawn for a check.
fn glyph(check: Check) -> &'static str {
    match check {
        Check::Sending => "…",
        Check::Stored => "✓",
        Check::Delivered | Check::Read => "✓✓",
        Check::Failed => "!",
    }
}

/// The CSS classes of a check.
fn class(check: Check) -> &'static str {
    match check {
        Check::Read => "check read",
        Check::Failed => "check failed",
        Check::Sending => "check sending",
        Check::Stored | Check::Delivered => "check",
    }
}

/// One checkmark.
#[component]
pub fn Checkmark(
    /// Which, as it changes.
    #[prop(into)]
    check: Signal<Check>,
) -> impl IntoView {
    let label = move || check.get().label();
    view! {
        <span class=move || class(check.get()) role="img" aria-label=label title=label>
            {move || glyph(check.get())}
        </span>
    }
}
