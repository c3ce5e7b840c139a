//! The "Emoji" button of the composer and its grid of common emoji
//! ([`chat_client::emoji`]). The grid takes the focus when it opens; arrow
//! keys, Home and End move in it (one emoji is in the tab order at a time,
//! so Tab leaves it), Enter or a click puts the emoji in the draft at the
//! caret, and Escape, or the focus leaving, closes it (Escape gives the
//! focus back to the button, without also hiding the chat).

use chat_client::emoji::{self, GROUPS};
use leptos::ev::{FocusEvent, KeyboardEvent};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The button and, while open, the grid.
#[component]
pub fn EmojiPicker(
    /// The draft the emoji goes into.
    target: NodeRef<html::Textarea>,
    /// The draft changed to this, with the emoji in it and the caret after
    /// it (the textarea already shows it).
    on_pick: Callback<String>,
    /// Nothing can be written now.
    #[prop(into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    // The emoji in the tab order (and focused while the grid has focus).
    let current = RwSignal::new(0usize);
    let button = NodeRef::<html::Button>::new();
    let grid = NodeRef::<html::Div>::new();
    let focus = move |at: usize| {
        let found = grid.get_untracked().and_then(|g| {
            g.query_selector(&format!("[data-i=\"{at}\"]"))
                .ok()
                .flatten()
        });
        if let Some(el) = found.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            current.set(at);
            let _ = el.focus();
        }
    };
    let pick = move |piece: &str| {
        open.set(false);
        let Some(area) = target.get_untracked() else {
            return;
        };
        let start = area.selection_start().ok().flatten().unwrap_or(u32::MAX);
        let end = area.selection_end().ok().flatten().unwrap_or(start);
        let (value, caret) = emoji::insert(&area.value(), start, end, piece);
        // Set before the draft's signal: the same value set again later
        // leaves the caret where it is put here.
        area.set_value(&value);
        let _ = area.focus();
        let _ = area.set_selection_range(caret, caret);
        on_pick.run(value);
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.stop_propagation();
            ev.prevent_default();
            open.set(false);
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        } else if let Some(at) = emoji::step(current.get_untracked(), &ev.key(), emoji::count()) {
            ev.prevent_default();
            focus(at);
        }
    };
    // Closes when the focus goes somewhere outside the picker.
    let on_focusout = move |ev: FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(
                ev.current_target()
                    .and_then(|t| t.dyn_into::<web_sys::Node>().ok()),
            )
            .is_some_and(|(to, picker)| picker.contains(Some(&to)));
        if !inside {
            open.set(false);
        }
    };
    let mut index = 0usize;
    let groups = GROUPS
        .iter()
        .map(|&(name, list)| {
            let buttons = list
                .iter()
                .map(|&(piece, label)| {
                    let at = index;
                    index += 1;
                    view! {
                        <button
                            type="button"
                            data-i=at
                            aria-label=label
                            title=label
                            tabindex=move || if current.get() == at { "0" } else { "-1" }
                            on:click=move |_| pick(piece)
                        >
                            {piece}
                        </button>
                    }
                })
                .collect_view();
            view! {
                <div class="emoji-group" role="group" aria-label=name>
                    {buttons}
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="emoji" on:focusout=on_focusout>
            <button
                type="button"
                class="emoji-toggle"
                aria-label="Emoji"
                title="Emoji"
                aria-haspopup="true"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                disabled=move || disabled.get()
                node_ref=button
                on:click=move |_| {
                    open.update(|o| *o = !*o);
                    if open.get_untracked() {
                        // Once the grid is drawn.
                        request_animation_frame(move || focus(current.get_untracked()));
                    }
                }
            >
                <svg viewBox="0 0 24 24" aria-hidden="true">
                    <circle cx="12" cy="12" r="9" />
                    <path d="M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01" />
                </svg>
            </button>
            <div
                class="emoji-grid"
                role="dialog"
                aria-label="Emoji"
                hidden=move || !open.get()
                node_ref=grid
                on:keydown=on_keydown
            >
                {groups}
            </div>
        </div>
    }
}
