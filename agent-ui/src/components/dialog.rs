//! What every dialog of the desk shares: it takes the focus when it opens,
//! so keyboard users land in it, and Escape cancels it.

use leptos::prelude::*;

/// The dialog form's node ref (focused once mounted) and its keydown
/// handler (Escape hides the dialog through `shown`).
pub fn focus_and_escape(
    shown: RwSignal<bool>,
) -> (
    NodeRef<leptos::html::Form>,
    impl Fn(leptos::ev::KeyboardEvent) + Copy,
) {
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(form) = form.get() {
            let _ = form.focus();
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            shown.try_set(false);
        }
    };
    (form, on_keydown)
}
