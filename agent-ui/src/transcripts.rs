//! Transcripts in the agent app: the PDF handed to the browser as a
//! download, and the email to the visitor. Both report how it went on the
//! desk's notice line.

use crate::api;
use crate::app::SignOut;
use crate::notice::Notices;
use leptos::task::spawn_local;
use shared::ConversationId;
use wasm_bindgen::JsCast;

/// Gives `bytes` to the browser as the download `name`.
fn download(bytes: &[u8], name: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/pdf");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

/// "Export as PDF": fetches the transcript and downloads it.
pub fn export_pdf(
    token: String,
    id: ConversationId,
    attachments: bool,
    notices: Notices,
    sign_out: SignOut,
) {
    spawn_local(async move {
        match api::transcript_pdf(&token, &id, attachments).await {
            Ok(bytes) => match download(&bytes, &format!("transcript-{id}.pdf")) {
                Some(()) => notices.done("The transcript is downloaded."),
                None => notices.failed("This browser could not save the transcript."),
            },
            Err(e) if e.is_unauthorized() => sign_out.ended(),
            Err(e) => notices.failed(api::message(&e)),
        }
    });
}

/// "Send via email": the transcript to the visitor at `to`.
pub fn email(token: String, id: ConversationId, to: String, notices: Notices, sign_out: SignOut) {
    spawn_local(async move {
        match api::email_transcript(&token, &id, &to).await {
            Ok(()) => notices.done(format!("The transcript was sent to {to}.")),
            Err(e) if e.is_unauthorized() => sign_out.ended(),
            Err(e) => notices.failed(api::message(&e)),
        }
    });
}
