//! What the visitor is told about the chat's connection, and what a refusal
//! from the server means for it. [`Setup`] is where the widget is before and
//! around its session (asking whether anyone can answer, getting a
//! conversation over HTTP, given up); once set up, the session's
//! [`Link`] says the rest. Pure.

use crate::i18n::{failure, Texts};
use chat_client::link::{CloseReason, Link};
use shared::frame::ConversationStatus;

/// Where the widget is with getting a conversation to talk in.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Setup {
    /// Asking whether anyone can answer, before a first conversation: the
    /// visitor cannot write yet (nobody may be there to read it).
    Checking,
    /// Nobody wrote yet: no visitor session and no conversation exist, and
    /// nothing is stored, until the visitor sends a first message or a
    /// form.
    Idle,
    /// Getting a visitor token and a conversation over HTTP.
    Starting,
    /// A session runs; its link tells the rest.
    Ready,
    /// Given up; the visitor may act.
    Failed {
        /// What went wrong, for people.
        text: String,
        /// What the notice's button does.
        action: Action,
    },
}

/// A button in a notice.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Action {
    /// Try the same again (after an HTTP error).
    TryAgain,
    /// Forget this conversation and start a new one.
    NewChat,
    /// Reload the frame (the server speaks a newer protocol).
    Reload,
}

impl Action {
    /// The button's text.
    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Action::TryAgain => t.try_again,
            Action::NewChat => t.new_chat,
            Action::Reload => t.reload,
        }
    }
}

/// A line above the composer telling the visitor what is going on.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub struct Notice {
    /// The sentence.
    pub text: String,
    /// True for problems, false for progress.
    pub alert: bool,
    /// A button, if the visitor can do something about it.
    pub action: Option<Action>,
}

impl Notice {
    fn progress(text: &'static str) -> Self {
        Notice {
            text: text.to_owned(),
            alert: false,
            action: None,
        }
    }
}

/// The notice for where the widget is, its session's link and the
/// conversation's status, if any.
pub fn notice(
    t: &Texts,
    setup: &Setup,
    link: Link,
    status: Option<ConversationStatus>,
) -> Option<Notice> {
    match (setup, link) {
        (Setup::Failed { text, action }, _) => Some(Notice {
            text: text.clone(),
            alert: true,
            action: Some(*action),
        }),
        (Setup::Idle, _) => None,
        (Setup::Checking | Setup::Starting, _) => Some(Notice::progress(t.connecting)),
        (Setup::Ready, Link::Reconnecting { .. }) => Some(Notice::progress(t.reconnecting)),
        (Setup::Ready, Link::Open) if status == Some(ConversationStatus::Closed) => Some(Notice {
            text: t.ended.to_owned(),
            alert: false,
            action: Some(Action::NewChat),
        }),
        (Setup::Ready, Link::Open) => None,
        // A refusal is being handled (a new conversation, or given up).
        (Setup::Ready, Link::Connecting | Link::Closed(_)) => Some(Notice::progress(t.connecting)),
    }
}

/// What to do after the server refused the conversation's socket.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum AfterRefusal {
    /// The token or the conversation is no longer valid: forget them and
    /// start a new conversation.
    StartOver,
    /// Give up, saying why.
    GiveUp(Setup),
}

/// Reads a refusal. `started_over` is true once this page already started
/// over, which it does only once.
pub fn after_refusal(t: &Texts, reason: CloseReason, started_over: bool) -> AfterRefusal {
    let lost = matches!(
        reason,
        CloseReason::Unauthorized | CloseReason::Forbidden | CloseReason::NotFound
    );
    if lost && !started_over {
        return AfterRefusal::StartOver;
    }
    let (text, action) = match reason {
        CloseReason::UnsupportedVersion => (t.updated.to_owned(), Action::Reload),
        _ if lost => (t.no_longer.to_owned(), Action::NewChat),
        CloseReason::Refused(code) => (
            failure(t, t.could_not_connect, Some(code), None),
            Action::TryAgain,
        ),
        _ => (
            failure(t, t.could_not_connect, None, None),
            Action::TryAgain,
        ),
    };
    AfterRefusal::GiveUp(Setup::Failed { text, action })
}

#[cfg(test)]
mod tests {
    use super::{after_refusal, notice, AfterRefusal, Setup};
    use crate::i18n::EN;
    use chat_client::link::{CloseReason, Link};
    use shared::frame::ConversationStatus;

    #[track_caller]
    fn check(reason: CloseReason, started_over: bool, expected: &str) {
        let got = match after_refusal(&EN, reason, started_over) {
            AfterRefusal::StartOver => "start over".to_owned(),
            AfterRefusal::GiveUp(Setup::Failed { text, .. }) => text,
            AfterRefusal::GiveUp(other) => format!("{other:?}"),
        };
        assert_eq!(got, expected, "{reason:?} {started_over}");
    }

    #[test]
    fn refusals() {
        use CloseReason::*;
        check(Unauthorized, false, "start over");
        check(Forbidden, false, "start over");
        check(NotFound, false, "start over");
        check(NotFound, true, "This chat is no longer available.");
        check(Unauthorized, true, "This chat is no longer available.");
        check(
            Refused(4400),
            false,
            "The chat could not connect (error 4400). Please try again.",
        );
        check(
            UnsupportedVersion,
            false,
            "This chat was updated. Reload it to continue.",
        );
    }

    #[track_caller]
    fn says(setup: Setup, link: Link, status: Option<ConversationStatus>, expected: Option<&str>) {
        let got = notice(&EN, &setup, link, status);
        assert_eq!(
            got.as_ref().map(|n| n.text.as_str()),
            expected,
            "{setup:?} {link:?}"
        );
    }

    #[test]
    fn notices() {
        use ConversationStatus::*;
        let reconnecting = Link::Reconnecting { at: 5 };
        says(Setup::Ready, Link::Open, Some(Active), None);
        says(
            Setup::Ready,
            Link::Open,
            Some(Closed),
            Some("This chat has ended."),
        );
        says(
            Setup::Ready,
            reconnecting,
            Some(Active),
            Some("Connection lost. Reconnecting…"),
        );
        says(Setup::Ready, Link::Connecting, None, Some("Connecting…"));
        says(Setup::Checking, Link::Connecting, None, Some("Connecting…"));
        says(Setup::Idle, Link::Connecting, None, None);
        says(
            Setup::Starting,
            Link::Open,
            Some(Closed),
            Some("Connecting…"),
        );
        let failed = Setup::Failed {
            text: "No.".into(),
            action: super::Action::TryAgain,
        };
        says(failed.clone(), Link::Open, Some(Active), Some("No."));
        assert!(notice(&EN, &failed, Link::Open, None).is_some_and(|n| n.alert));
        assert!(notice(&EN, &Setup::Ready, reconnecting, None)
            .is_some_and(|n| !n.alert && n.action.is_none()));
    }
}
