//! The "Close" dialog: a required comment (the reason shown to the
//! visitor), tags as comma-separated words (the workspace's tags offered),
//! a disposition from the workspace's list when it keeps one, and
//! "Confirm". The server checks both against its lists.

use crate::api::{self, Action};
use crate::notice;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::CloseRequest;
use shared::room::Labels;
use shared::ConversationId;

/// The request the form describes, or the sentence saying what is missing.
fn request(comment: &str, tags: &str, disposition: &str) -> Result<CloseRequest, &'static str> {
    let comment = comment.trim();
    if comment.is_empty() {
        return Err("A comment is required: the visitor sees it as the reason.");
    }
    let mut words: Vec<String> = Vec::new();
    for tag in tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !words.iter().any(|w| w == tag) {
            words.push(tag.to_string());
        }
    }
    Ok(CloseRequest {
        comment: comment.to_string(),
        tags: words,
        disposition: Some(disposition.to_string()).filter(|d| !d.is_empty()),
    })
}

/// The dialog, shown while `shown` is true; it sets it to false to close.
/// Setting is tried, never assumed: the pane that showed the dialog may be
/// gone by the time an answer arrives (the chat was forwarded or closed and
/// the socket said so first).
#[component]
pub fn CloseDialog(id: ConversationId, shown: RwSignal<bool>) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let disposition = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let (form, on_keydown) = super::dialog::focus_and_escape(shown);
    let labels = RwSignal::new(Labels::default());
    // "Export as PDF" and "Send via email" after the close, as the agent's
    // "My account" preferences say by default.
    let pdf = RwSignal::new(false);
    let email = RwSignal::new(false);
    let to = RwSignal::new(String::new());
    let token = expect_context::<Session>().token;
    let notices = expect_context::<crate::notice::Notices>();
    let sign_out = expect_context::<crate::app::SignOut>();
    {
        let (token, id) = (token.clone(), id.clone());
        spawn_local(async move {
            if let Ok(directory) = api::directory(&token).await {
                labels.try_set(directory.labels);
            }
            if let Ok(p) = api::preferences(&token).await {
                pdf.try_set(p.pdf_on_close);
                email.try_set(p.email_on_close);
            }
            let known = super::transcript_tools::contact_email(&token, &id).await;
            if let Some(address) = known {
                to.try_set(address);
            }
        });
    }
    let tag_list = format!("close-tags-{id}");

    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = request(
            &comment.get_untracked(),
            &tags.get_untracked(),
            &disposition.get_untracked(),
        );
        let body = match body {
            Ok(b) => b,
            Err(why) => return failure.set(Some(why.into())),
        };
        let address = to.get_untracked().trim().to_owned();
        let (want_pdf, want_email) = (pdf.get_untracked(), email.get_untracked());
        if want_email && !shared::api::is_plausible_email(&address) {
            return failure.set(Some(
                "Give the visitor's email address to send the transcript.".into(),
            ));
        }
        busy.set(true);
        failure.set(None);
        let (after_id, token) = (id.clone(), token.clone());
        notice::run_from(
            id.clone(),
            Action::Close(body),
            "The chat is closed.".into(),
            Some(failure),
            move |ok| {
                busy.try_set(false);
                if ok {
                    shown.try_set(false);
                    if want_pdf {
                        crate::transcripts::export_pdf(
                            token.clone(),
                            after_id.clone(),
                            false,
                            notices,
                            sign_out,
                        );
                    }
                    if want_email {
                        crate::transcripts::email(token, after_id, address, notices, sign_out);
                    }
                }
            },
        );
    };

    view! {
        <div class="dialog-backdrop">
            <form class="dialog" role="dialog" aria-modal="true" aria-label="Close" tabindex="-1"
                node_ref=form on:keydown=on_keydown novalidate on:submit=confirm>
                <h2>"Close the chat"</h2>
                <label class="field">
                    <span>"Comment"</span>
                    <textarea rows="3" required placeholder="The reason, shown to the visitor"
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </label>
                <label class="field">
                    <span>"Tags"</span>
                    <input type="text" placeholder="billing, refund" list=tag_list.clone()
                        prop:value=move || tags.get()
                        on:input=move |ev| tags.set(event_target_value(&ev))/>
                    <datalist id=tag_list>
                        {move || labels.with(|l| l.tags.iter().map(|t| view! { <option value=t.clone()/> }).collect_view())}
                    </datalist>
                </label>
                {move || {
                    let offered = labels.with(|l| l.dispositions.clone());
                    (!offered.is_empty()).then(|| view! {
                        <label class="field">
                            <span>"Disposition"</span>
                            <select prop:value=move || disposition.get()
                                on:change=move |ev| disposition.set(event_target_value(&ev))>
                                <option value="">"None"</option>
                                {offered.into_iter().map(|d| view! { <option value=d.clone()>{d.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                    })
                }}
                <fieldset class="after-close">
                    <legend>"Transcript"</legend>
                    <label class="inline-check">
                        <input type="checkbox" prop:checked=move || pdf.get()
                            on:change=move |ev| pdf.set(event_target_checked(&ev))/>
                        "Export as PDF"
                    </label>
                    <label class="inline-check">
                        <input type="checkbox" prop:checked=move || email.get()
                            on:change=move |ev| email.set(event_target_checked(&ev))/>
                        "Send via email"
                    </label>
                    <Show when=move || email.get()>
                        <label class="field">
                            <span>"Visitor's email"</span>
                            <input type="email" prop:value=move || to.get()
                                on:input=move |ev| to.set(event_target_value(&ev))/>
                        </label>
                    </Show>
                </fieldset>
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
    use super::request;

    #[test]
    fn the_form_becomes_a_request() {
        assert!(request("  ", "a", "").is_err());
        let r = request(" Solved ", "billing, refund,,billing ", "resolved").unwrap();
        assert_eq!(r.comment, "Solved");
        assert_eq!(r.tags, ["billing", "refund"]);
        assert_eq!(r.disposition.as_deref(), Some("resolved"));
        assert_eq!(request("ok", "", "").unwrap().disposition, None);
    }
}
