//! What every dialog of the desk shares: it takes the focus when it opens,
//! so keyboard users land in it, and Escape cancels it.

use leptos::html::ElementType;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The dialog form's node ref (focused once mounted) and its keydown
/// handler (Escape hides the dialog through `shown`).
pub fn focus_and_escape(
    shown: RwSignal<bool>,
) -> (
    NodeRef<leptos::html::Form>,
    impl Fn(leptos::ev::KeyboardEvent) + Copy,
) {
    focus_and_escape_on(shown)
}

/// [`focus_and_escape`] for a dialog drawn with any element, not a form.
pub fn focus_and_escape_on<E>(
    shown: RwSignal<bool>,
) -> (NodeRef<E>, impl Fn(leptos::ev::KeyboardEvent) + Copy)
where
    E: ElementType,
    E::Output: JsCast + Clone + 'static,
{
    let node = NodeRef::<E>::new();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let _ = el.unchecked_ref::<web_sys::HtmlElement>().focus();
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            shown.try_set(false);
        }
    };
    (node, on_keydown)
}

/// The node ref of the button that opens a dialog shown while `shown`:
/// when the dialog closes (Escape, "Close"), the focus goes back to it.
pub fn returns_focus_to_opener(shown: RwSignal<bool>) -> NodeRef<leptos::html::Button> {
    let button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |was: Option<bool>| {
        let now = shown.get();
        if was == Some(true) && !now {
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
        now
    });
    button
}
