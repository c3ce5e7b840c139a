//! The offline form, shown instead of the chat when nobody can answer:
//! "Name", "Email", "Message" and "Send", each problem shown under its field
//! (and the focus moved to the first one), then "Thanks! We will reply by
//! email." once the message is stored.

use crate::offline::{Draft, Problem, Stage};
use leptos::html;
use leptos::prelude::*;
use shared::api::{OfflineField as Field, MAX_EMAIL_BYTES, MAX_NAME_CHARS};
use shared::MAX_TEXT_CHARS;
use wasm_bindgen::JsCast;

fn problem_of(problems: &[Problem], field: Field) -> Option<&'static str> {
    problems
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, text)| *text)
}

fn focus(id: &str) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

fn id_of(field: Field) -> &'static str {
    match field {
        Field::Name => "offline-name",
        Field::Email => "offline-email",
        Field::Message => "offline-message",
    }
}

/// The form, or the thanks.
#[component]
pub fn OfflineForm(
    /// Where the form is.
    #[prop(into)]
    stage: Signal<Stage>,
    /// Send the form; the problems come back when it is not filled in right.
    on_send: Callback<Draft, Result<(), Vec<Problem>>>,
) -> impl IntoView {
    let draft = RwSignal::new(Draft::default());
    let problems = RwSignal::new(Vec::<Problem>::new());
    let thanks = NodeRef::<html::P>::new();
    Effect::new(move |_| {
        if let Some(thanks) = thanks.get() {
            let _ = thanks.focus();
        }
    });
    let sending = move || stage.get() == Stage::Sending;
    let failure = move || match stage.get() {
        Stage::Failed(text) => Some(text),
        _ => None,
    };
    let submit = move || match on_send.run(draft.get_untracked()) {
        Ok(()) => problems.set(Vec::new()),
        Err(found) => {
            if let Some((field, _)) = found.first() {
                focus(id_of(*field));
            }
            problems.set(found);
        }
    };
    // One labelled field with its problem line.
    let field = move |field: Field, label: &'static str| {
        let id = id_of(field);
        let error_id = format!("{id}-error");
        let problem = move || problems.with(|p| problem_of(p, field));
        let value = move || {
            draft.with(|d| match field {
                Field::Name => d.name.clone(),
                Field::Email => d.email.clone(),
                Field::Message => d.message.clone(),
            })
        };
        let set = move |value: String| {
            draft.update(|d| match field {
                Field::Name => d.name = value,
                Field::Email => d.email = value,
                Field::Message => d.message = value,
            });
            problems.update(|p| p.retain(|(f, _)| *f != field));
        };
        let input = match field {
            Field::Message => view! {
                <textarea
                    id=id
                    rows="4"
                    maxlength=MAX_TEXT_CHARS
                    required
                    aria-invalid=move || problem().is_some().to_string()
                    aria-describedby=error_id.clone()
                    prop:value=value
                    on:input:target=move |ev| set(ev.target().value())
                ></textarea>
            }
            .into_any(),
            Field::Name | Field::Email => {
                let email = field == Field::Email;
                view! {
                    <input
                        id=id
                        type=if email { "email" } else { "text" }
                        autocomplete=if email { "email" } else { "name" }
                        maxlength=if email { MAX_EMAIL_BYTES } else { MAX_NAME_CHARS }
                        required
                        aria-invalid=move || problem().is_some().to_string()
                        aria-describedby=error_id.clone()
                        prop:value=value
                        on:input:target=move |ev| set(ev.target().value())
                    />
                }
                .into_any()
            }
        };
        view! {
            <label for=id>{label}</label>
            {input}
            <p class="field-error" id=error_id>{problem}</p>
        }
    };
    view! {
        <section class="offline" aria-label="We are offline">
            <Show
                when=move || stage.get() != Stage::Sent
                fallback=move || view! {
                    <p class="thanks" role="status" tabindex="-1" node_ref=thanks>
                        "Thanks! We will reply by email."
                    </p>
                }
            >
                <form
                    novalidate
                    on:submit=move |ev| {
                        ev.prevent_default();
                        submit();
                    }
                >
                    <h2>"We are offline"</h2>
                    <p class="hint">"Nobody can answer right now. Leave a message and we will reply by email."</p>
                    {field(Field::Name, "Name")}
                    {field(Field::Email, "Email")}
                    {field(Field::Message, "Message")}
                    {move || failure().map(|text| view! { <p class="alert" role="alert">{text}</p> })}
                    <button type="submit" class="primary" disabled=sending aria-busy=move || sending().to_string()>
                        "Send"
                    </button>
                </form>
            </Show>
        </section>
    }
}
