//! Where the widget's link to the edge is (starting, connecting, online,
//! reconnecting, given up), what a socket close code means for it, and the
//! notice shown to the visitor. Pure.

use shared::close;
use shared::frame::ConversationStatus;

/// The state of the connection, as the visitor is told about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// Asking whether anyone can answer, before a first conversation: the
    /// visitor cannot write yet (nobody may be there to read it).
    Checking,
    /// Getting a visitor token and a conversation over HTTP.
    Starting,
    /// The socket is opening; no `welcome` yet.
    Connecting,
    /// Welcomed: messages flow.
    Online,
    /// The socket closed; it reconnects with backoff.
    Reconnecting,
    /// Given up; the visitor may act.
    Failed {
        /// What went wrong, for people.
        text: String,
        /// What the notice's button does.
        action: Action,
    },
}

/// A button in a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub fn label(self) -> &'static str {
        match self {
            Action::TryAgain => "Try again",
            Action::NewChat => "Start a new chat",
            Action::Reload => "Reload",
        }
    }
}

/// A line above the composer telling the visitor what is going on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The sentence.
    pub text: String,
    /// True for problems, false for progress.
    pub alert: bool,
    /// A button, if the visitor can do something about it.
    pub action: Option<Action>,
}

impl Notice {
    fn progress(text: &str) -> Self {
        Notice {
            text: text.to_owned(),
            alert: false,
            action: None,
        }
    }
}

/// The notice for a link and conversation status, if any.
pub fn notice(link: &Link, status: Option<ConversationStatus>) -> Option<Notice> {
    match link {
        Link::Checking | Link::Starting | Link::Connecting => Some(Notice::progress("Connecting…")),
        Link::Reconnecting => Some(Notice::progress("Connection lost. Reconnecting…")),
        Link::Failed { text, action } => Some(Notice {
            text: text.clone(),
            alert: true,
            action: Some(*action),
        }),
        Link::Online if status == Some(ConversationStatus::Closed) => Some(Notice {
            text: "This chat has ended.".to_owned(),
            alert: false,
            action: Some(Action::NewChat),
        }),
        Link::Online => None,
    }
}

/// What to do after the socket closed with `code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterClose {
    /// The socket reconnects by itself.
    Reconnect,
    /// The token or the conversation is no longer valid: forget them and
    /// start a new conversation.
    StartOver,
    /// The server refused for good.
    GiveUp(Link),
}

/// Reads a close code. `started_over` is true once this page already
/// started over, which it does only once.
pub fn after_close(code: u16, started_over: bool) -> AfterClose {
    let lost = matches!(
        code,
        close::UNAUTHORIZED | close::FORBIDDEN | close::NOT_FOUND
    );
    if lost && !started_over {
        return AfterClose::StartOver;
    }
    if !(4400..=4499).contains(&code) {
        return AfterClose::Reconnect;
    }
    let (text, action) = match code {
        close::UNSUPPORTED_VERSION => (
            "This chat was updated. Reload it to continue.".to_owned(),
            Action::Reload,
        ),
        _ if lost => (
            "This chat is no longer available.".to_owned(),
            Action::NewChat,
        ),
        _ => (
            format!("The chat could not connect (error {code})."),
            Action::TryAgain,
        ),
    };
    AfterClose::GiveUp(Link::Failed { text, action })
}

#[cfg(test)]
mod tests {
    use super::{after_close, notice, AfterClose, Link};
    use shared::frame::ConversationStatus;

    #[track_caller]
    fn check(code: u16, started_over: bool, expected: &str) {
        let got = match after_close(code, started_over) {
            AfterClose::Reconnect => "reconnect",
            AfterClose::StartOver => "start over",
            AfterClose::GiveUp(_) => "give up",
        };
        assert_eq!(got, expected, "{code} {started_over}");
    }

    #[test]
    fn close_codes() {
        check(1000, false, "reconnect");
        check(1006, true, "reconnect");
        check(1009, false, "reconnect");
        check(4401, false, "start over");
        check(4403, false, "start over");
        check(4404, false, "start over");
        check(4404, true, "give up");
        check(4400, false, "give up");
        check(4426, false, "give up");
    }

    #[test]
    fn notices() {
        assert_eq!(
            notice(&Link::Online, Some(ConversationStatus::Active)),
            None
        );
        assert!(notice(&Link::Online, Some(ConversationStatus::Closed)).is_some());
        assert!(notice(&Link::Reconnecting, None).is_some_and(|n| !n.alert));
        assert!(notice(&Link::Checking, None).is_some_and(|n| !n.alert && n.action.is_none()));
    }
}
