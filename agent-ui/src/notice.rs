//! The one line that reports how the agent's last action went: a success
//! (`role="status"`) or a failure with the server's sentence
//! (`role="alert"`). [`Notices`] is the narrow capability screens get to set
//! it; [`run`] performs an action and reports it.

use crate::api::{self, Action, ApiFailure};
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
/// A refused token signs the agent out.
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
    spawn_local(async move {
        let result = api::act(&session.token, &id, &action).await;
        match (&result, failure_here) {
            (Err(e), Some(here)) if !e.is_unauthorized() => {
                here.try_set(Some(capitalized(&e.message())));
            }
            _ => report(notices, sign_out, result.as_ref().err(), success),
        }
        after(result.is_ok());
    });
}

/// Reports the outcome of a request.
pub fn report(notices: Notices, sign_out: SignOut, failure: Option<&ApiFailure>, success: String) {
    match failure {
        None => notices.done(success),
        Some(e) if e.is_unauthorized() => sign_out.run(),
        Some(e) => notices.failed(capitalized(&e.message())),
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
pub fn could_not_load(what: &str, failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Network => {
            format!("Could not load {what}. Check your connection and try again.")
        }
        ApiFailure::Refused { message, .. } => {
            let message = capitalized(message.trim_end_matches('.'));
            format!("Could not load {what}: {message}.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{capitalized, could_not_load};
    use crate::api::ApiFailure;
    use shared::ErrorCode;

    #[test]
    fn load_failures_are_sentences() {
        assert_eq!(
            could_not_load("the chat history", &ApiFailure::Network),
            "Could not load the chat history. Check your connection and try again."
        );
        let refused = ApiFailure::Refused {
            status: 403,
            code: ErrorCode::Forbidden,
            message: "this conversation is for a department you are not in".into(),
        };
        assert_eq!(
            could_not_load("the chat history", &refused),
            "Could not load the chat history: This conversation is for a department you are not in."
        );
        let refused = ApiFailure::Refused {
            status: 500,
            code: ErrorCode::Unknown,
            message: "The server answered 500. Please try again.".into(),
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
