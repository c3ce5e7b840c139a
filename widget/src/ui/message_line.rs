//! One line of the message log: the visitor's own message (right, with its
//! checkmark and, when it failed, why and "Retry"), an agent's message
//! (left, with their name), or a system line (centred, muted). Messages
//! are drawn with their light formatting ([`formatted`]: elements built
//! from the parsed text, text as text nodes, never HTML); system lines as
//! plain text.

use crate::lines::{Body, OwnStatus};
use crate::ui::checkmark::Checkmark;
use crate::ui::file_view::FileView;
use chat_client::web::markup::formatted;
use chat_client::Check;
use leptos::prelude::*;
use shared::ids::ClientMsgId;

/// One line.
#[component]
pub fn MessageLine(
    /// What the line says.
    body: Body,
    /// The delivery state of the visitor's own message, as it changes.
    status: Option<Memo<OwnStatus>>,
    /// The visitor pressed "Retry" on a failed message.
    on_retry: Callback<ClientMsgId>,
    /// The file the message carries.
    #[prop(optional_no_strip)]
    file: Option<shared::files::Attachment>,
) -> impl IntoView {
    let file = file.map(|attachment| view! { <FileView attachment/> });
    match body {
        Body::Own(text) => {
            let check = Memo::new(move |_| status.map_or(Check::Sending, |s| s.with(|s| s.check)));
            let error = Memo::new(move |_| status.and_then(|s| s.with(|s| s.error.clone())));
            let retry = Memo::new(move |_| status.and_then(|s| s.with(|s| s.retry.clone())));
            view! {
                <div class="msg own" class:failed=move || check.get() == Check::Failed>
                    <span class="sr">"You: "</span>
                    {file}
                    <div class="bubble" use:formatted=text></div>
                    <div class="meta">
                        {move || error.get().map(|error| view! { <span class="error">{error}</span> })}
                        {move || retry.get().map(|id| view! {
                            <button type="button" class="retry" on:click=move |_| on_retry.run(id.clone())>
                                "Retry"
                            </button>
                        })}
                        <Checkmark check=check />
                    </div>
                </div>
            }
            .into_any()
        }
        Body::Theirs { author, text } => view! {
            <div class="msg theirs">
                <span class="who">{author}</span>
                {file}
                <div class="bubble" use:formatted=text></div>
            </div>
        }
        .into_any(),
        Body::System(text) => view! { <p class="line">{text}</p> }.into_any(),
    }
}
