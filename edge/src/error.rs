//! The edge's one error type. A handler answers `Result<Response>` and uses
//! `?` throughout: a refusal (bad input, a rule that says no) becomes its
//! error answer with its stable code and status; anything else is the
//! edge's own failure, logged and answered as `internal`, never blamed on
//! the client. [`Error::into_response`] is the one conversion.

use chat_core::conversation::Refusal;
use shared::api::ApiError;
use shared::frame::ErrorCode;

/// Why a request was not answered with success.
#[derive(Debug)]
pub enum Error {
    /// The client's request was refused: answered with this code.
    Refused(Refusal),
    /// Something failed at the edge (storage, a call between objects).
    Edge(String),
    /// Over a limit: answered with the refusal and `Retry-After`.
    Limited(chat_core::limits::Limited),
}

/// The edge's result.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A refusal with its code and a sentence for people.
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::Refused(Refusal {
            code,
            message: message.into(),
        })
    }

    /// The answer a client gets.
    pub fn into_response(self, context: &str) -> worker::Response {
        let mut retry_after = None;
        let (code, message) = match self {
            Error::Refused(r) => (r.code, r.message),
            Error::Limited(l) => {
                retry_after = Some(l.retry_after_secs());
                (l.refusal.code, l.refusal.message)
            }
            Error::Edge(e) => {
                worker::console_error!("{context}: {e}");
                (
                    ErrorCode::Internal,
                    "something went wrong at the edge; retrying is safe".to_owned(),
                )
            }
        };
        let status = code.http_status();
        worker::Response::from_json(&ApiError::new(code, message))
            .map(|r| r.with_status(status))
            .map(|mut r| {
                if let Some(secs) = retry_after {
                    let _ = r.headers_mut().set("retry-after", &secs.to_string());
                }
                r
            })
            .or_else(|_| worker::Response::empty().map(|r| r.with_status(500)))
            .unwrap_or_else(|_| worker::Response::builder().with_status(500).empty())
    }
}

/// Logs the failure of an event nobody answers (a socket event, an alarm).
pub fn log_failure<T>(context: &str, result: Result<T>) {
    if let Err(e) = result {
        worker::console_error!("{context}: {e}");
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Error {
        Error::Refused(r)
    }
}

impl From<chat_core::limits::Limited> for Error {
    fn from(l: chat_core::limits::Limited) -> Error {
        Error::Limited(l)
    }
}

impl From<worker::Error> for Error {
    fn from(e: worker::Error) -> Error {
        Error::Edge(e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Edge(format!("JSON: {e}"))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Refused(r) => write!(f, "refused ({}): {}", r.code.http_status(), r.message),
            Error::Edge(e) => f.write_str(e),
            Error::Limited(l) => write!(
                f,
                "limited ({}, retry after {} s): {}",
                l.refusal.code.http_status(),
                l.retry_after_secs(),
                l.refusal.message
            ),
        }
    }
}

/// Turns an `Option` into a refusal.
pub trait OrRefuse<T> {
    /// `None` becomes a refusal with this code and sentence.
    fn or_refuse(self, code: ErrorCode, message: &str) -> Result<T>;
}

impl<T> OrRefuse<T> for Option<T> {
    fn or_refuse(self, code: ErrorCode, message: &str) -> Result<T> {
        self.ok_or_else(|| Error::refused(code, message))
    }
}
