//! The confirmation a destructive action asks first ("Deactivate",
//! "Rotate secret", "Revoke", "Remove"): a modal dialog with "Confirm"
//! and "Cancel" that takes the focus, closes on Escape, and gives the
//! focus back to the button that asked (or the screen's heading when that
//! button is gone).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A question waiting for an answer.
#[derive(Clone)]
pub struct Ask {
    /// What is asked.
    pub question: String,
    /// What "Confirm" does.
    pub confirm: Callback<()>,
}

/// Asks `question` in `ask`'s dialog; "Confirm" runs `confirm`.
pub fn ask(
    ask: RwSignal<Option<Ask>>,
    question: String,
    confirm: impl Fn() + Send + Sync + 'static,
) {
    ask.set(Some(Ask {
        question,
        confirm: Callback::new(move |()| confirm()),
    }));
}

/// Gives the focus back to `el` if it is still on the page, else to the
/// screen's heading.
pub fn restore_focus(el: Option<web_sys::HtmlElement>) {
    request_animation_frame(move || match el.filter(|e| e.is_connected()) {
        Some(e) => {
            let _ = e.focus();
        }
        None => super::focus_id("admin-screen-title"),
    });
}

/// The element that has the focus now.
pub fn focused() -> Option<web_sys::HtmlElement> {
    document()
        .active_element()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}

/// The dialog, shown while `ask` holds a question.
#[component]
pub fn ConfirmDialog(ask: RwSignal<Option<Ask>>) -> impl IntoView {
    move || {
        ask.get().map(|a| {
            let opener = focused();
            let node = NodeRef::<leptos::html::Div>::new();
            Effect::new(move |_| {
                if let Some(el) = node.get() {
                    let _ = el.focus();
                }
            });
            let close = {
                let opener = opener.clone();
                move || {
                    ask.set(None);
                    restore_focus(opener.clone());
                }
            };
            let cancel = close.clone();
            let keydown = {
                let close = close.clone();
                move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
            };
            let confirm = a.confirm;
            view! {
                <div class="dialog-backdrop">
                    <div class="dialog" role="alertdialog" aria-modal="true"
                        aria-labelledby="confirm-question" tabindex="-1"
                        node_ref=node on:keydown=keydown>
                        <p id="confirm-question">{a.question}</p>
                        <div class="dialog-actions">
                            <button type="button" on:click=move |_| cancel()>"Cancel"</button>
                            <button type="button" class="primary" on:click=move |_| {
                                confirm.run(());
                                close();
                            }>"Confirm"</button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}
