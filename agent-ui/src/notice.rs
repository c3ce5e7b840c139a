//! The one line that reports how the agent's last action went: a success
//! (`role="status"`) or a failure with the server's sentence
//! (`role="alert"`). [`Notices`] is the narrow capability screens get to set
//! it; [`run`] performs an action and reports it.

use crate::api::{self, Action, HttpError};
use crate::app::SignOut;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ConversationId;

/// How an action went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// It worked: a sentence saying what happened.
    Done(String),
    /// It failed: a sentence saying why.
    Failed(String),
}

/// Sets or clears the desk's notice line. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Notices(pub RwSignal<Option<Notice>>);

/// The conversations the agent is forwarding right now. The server
/// closes the forwarder's socket (4403) as the forward completes, before its
/// answer arrives: for these, that close is expected, and the forward closes
/// the pane itself once answered, without a "no longer have access" notice.
/// Cheap to copy.
#[derive(Clone, Copy)]
pub struct Forwarding(pub RwSignal<std::collections::BTreeSet<ConversationId>>);

impl Forwarding {
    /// Whether the agent is forwarding `id`.
    pub fn contains(&self, id: &ConversationId) -> bool {
        self.0.with_untracked(|set| set.contains(id))
    }
}

impl Notices {
    /// Reports a success.
    pub fn done(&self, text: impl Into<String>) {
        self.0.set(Some(Notice::Done(text.into())));
    }

    /// Reports a failure.
    pub fn failed(&self, text: impl Into<String>) {
        self.0.set(Some(Notice::Failed(text.into())));
    }

    /// Clears the line.
    pub fn clear(&self) {
        self.0.set(None);
    }
}

/// Posts `action` on conversation `id`, reports the outcome with `success`
/// or the server's sentence, and then calls `after` with whether it worked.
/// A refused token signs the agent out, saying their session ended.
pub fn run(
    id: ConversationId,
    action: Action,
    success: String,
    after: impl FnOnce(bool) + 'static,
) {
    run_from(id, action, success, None, after);
}

/// Like [`run`], but a failure is said in `failure_here` (a dialog's own
/// alert line, which stays open) instead of the desk's notice line.
pub fn run_from(
    id: ConversationId,
    action: Action,
    success: String,
    failure_here: Option<RwSignal<Option<String>>>,
    after: impl FnOnce(bool) + 'static,
) {
    let notices = expect_context::<Notices>();
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let forwarding = use_context::<Forwarding>().filter(|_| matches!(action, Action::Forward(_)));
    if let Some(f) = forwarding {
        f.0.update(|set| {
            set.insert(id.clone());
        });
    }
    spawn_local(async move {
        let result = api::act(&session.token, &id, &action).await;
        match (&result, failure_here) {
            (Err(e), Some(here)) if !e.is_unauthorized() => {
                here.try_set(Some(capitalized(&api::message(e))));
            }
            _ => report(notices, sign_out, result.as_ref().err(), success),
        }
        after(result.is_ok());
        // Answered, the pane is closed (forwarded) or stays (refused): a
        // later refusal of the socket is the desk's to report again.
        if let Some(f) = forwarding {
            f.0.try_update(|set| set.remove(&id));
        }
    });
}

/// Reports the outcome of a request.
pub fn report(notices: Notices, sign_out: SignOut, failure: Option<&HttpError>, success: String) {
    match failure {
        None => notices.done(success),
        Some(e) if e.is_unauthorized() => sign_out.ended(),
        Some(e) => notices.failed(capitalized(&api::message(e))),
    }
}

/// The server's sentences start in lower case ("that agent is at
/// capacity"); a notice line starts with a capital.
pub fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The alert of a list that failed to load: "Could not load {what}: …".
pub fn could_not_load(what: &str, failure: &HttpError) -> String {
    match failure {
        HttpError::Network => {
            format!("Could not load {what}. Check your connection and try again.")
        }
        HttpError::Status { .. } | HttpError::BadBody => {
            let message = capitalized(api::message(failure).trim_end_matches('.'));
            format!("Could not load {what}: {message}.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{capitalized, could_not_load};
    use crate::api::HttpError;
    use shared::ErrorCode;

    #[test]
    fn load_failures_are_sentences() {
        assert_eq!(
            could_not_load("the chat history", &HttpError::Network),
            "Could not load the chat history. Check your connection and try again."
        );
        let refused = HttpError::Status {
            status: 403,
            code: ErrorCode::Forbidden,
            message: Some("this conversation is for a department you are not in".into()),
        };
        assert_eq!(
            could_not_load("the chat history", &refused),
            "Could not load the chat history: This conversation is for a department you are not in."
        );
        // No error body (a proxy's page): the status is all there is.
        let refused = HttpError::Status {
            status: 500,
            code: ErrorCode::Unknown,
            message: None,
        };
        assert_eq!(
            could_not_load("the offline messages", &refused),
            "Could not load the offline messages: The server answered 500. Please try again."
        );
    }

    #[test]
    fn sentences_start_with_a_capital() {
        assert_eq!(
            capitalized("that agent is at capacity"),
            "That agent is at capacity"
        );
        assert_eq!(capitalized("Already"), "Already");
        assert_eq!(capitalized(""), "");
    }
}
