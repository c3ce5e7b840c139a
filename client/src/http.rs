//! What an answer of the HTTP API means: [`HttpError`], the one error type
//! both apps' requests fail with, and [`read`], which turns a status and a
//! body into the documented answer or that error. Pure; the requests
//! themselves are `web::http` (feature `web`).

use serde::de::DeserializeOwned;
use shared::api::ApiError;
use shared::ErrorCode;

/// Why a request did not give the documented answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// No answer at all: offline, blocked, or the server is down.
    Network,
    /// An error answer.
    Status {
        /// The HTTP status.
        status: u16,
        /// The body's stable code; [`ErrorCode::Unknown`] when the answer
        /// had no error body (a proxy, an old worker).
        code: ErrorCode,
        /// The body's sentence for people, when it had one.
        message: Option<String>,
    },
    /// A success answer whose body is not what the API documents.
    BadBody,
}

impl HttpError {
    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            HttpError::Network | HttpError::BadBody => None,
        }
    }

    /// The stable error code of an error answer.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            HttpError::Status { code, .. } => Some(*code),
            HttpError::Network | HttpError::BadBody => None,
        }
    }

    /// The server's sentence, when it sent one.
    pub fn server_message(&self) -> Option<&str> {
        match self {
            HttpError::Status { message, .. } => message.as_deref(),
            HttpError::Network | HttpError::BadBody => None,
        }
    }

    /// True when the token is missing, expired or revoked (401): sign in, or
    /// get a new one.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// True when the server refused the token itself (401 or 403).
    pub fn refused_token(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }
}

/// Reads an answer: a 2xx body as `R`, anything else as the error it says.
pub fn read<R: DeserializeOwned>(status: u16, body: &str) -> Result<R, HttpError> {
    if (200..300).contains(&status) {
        return serde_json::from_str(body).map_err(|_| HttpError::BadBody);
    }
    Err(match serde_json::from_str::<ApiError>(body) {
        Ok(e) => HttpError::Status {
            status,
            code: e.error.code,
            message: Some(e.error.message),
        },
        Err(_) => HttpError::Status {
            status,
            code: ErrorCode::Unknown,
            message: None,
        },
    })
}

/// Like [`read`], for a client that reads answers by hand from a parsed
/// JSON value (the widget: see [`crate::wire`]): the answer's value, or the
/// error its body describes.
pub fn read_value(status: u16, body: &str) -> Result<serde_json::Value, HttpError> {
    let value = serde_json::from_str::<serde_json::Value>(body);
    if (200..300).contains(&status) {
        return value.map_err(|_| HttpError::BadBody);
    }
    let error = value.ok();
    let error = error
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(|e| Some((e.get("code")?.as_str()?, e.get("message")?.as_str()?)));
    Err(match error {
        Some((code, message)) => HttpError::Status {
            status,
            code: crate::wire::code(code),
            message: Some(message.to_owned()),
        },
        None => HttpError::Status {
            status,
            code: ErrorCode::Unknown,
            message: None,
        },
    })
}
