//! The checkmark beside one of the visitor's own messages: its label
//! ("Sending", "Sent", "Delivered", "Read", "Not sent") is what a screen
//! reader says and what the tooltip shows.

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

/// One checkmark.
#[component]
pub fn Checkmark(
    /// Which.
    check: Check,
) -> impl IntoView {
    let class = match check {
        Check::Read => "check read",
        Check::Failed => "check failed",
        Check::Sending => "check sending",
        Check::Stored | Check::Delivered => "check",
    };
    view! {
        <span class=class role="img" aria-label=check.label() title=check.label()>
            {glyph(check)}
        </span>
    }
}
