//! The offline form: asking the edge whether anyone can answer now, and
//! checking and sending the message a visitor leaves when nobody can. The
//! checks are pure; [`availability`] and [`send`] are the two requests.

use crate::http::{get_json, post_json, HttpError};
use serde::Deserialize;
use shared::api::{Availability, OfflineMessageRequest as OfflineMessage};
use shared::MAX_TEXT_CHARS;

/// The longest name accepted.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest email address there is (RFC 5321).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Answer of `POST /api/v1/visitor/offline`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct OfflineSent {
    /// True once stored.
    pub ok: bool,
}

/// Where the offline form is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The visitor fills it in.
    Editing,
    /// Sent; no answer yet.
    Sending,
    /// Refused or lost; the sentence says why. The form can be sent again.
    Failed(String),
    /// Stored: the thanks replace the form.
    Sent,
}

/// A field of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// "Name".
    Name,
    /// "Email".
    Email,
    /// "Message".
    Message,
}

/// What the visitor typed, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    /// The "Name" field.
    pub name: String,
    /// The "Email" field.
    pub email: String,
    /// The "Message" field.
    pub message: String,
}

/// Why a field is refused, for people.
pub type Problem = (Field, &'static str);

/// Checks the form. Returns the message to send, or every problem, in the
/// order of the fields.
pub fn check(site_key: &str, draft: &Draft) -> Result<OfflineMessage, Vec<Problem>> {
    let (name, email, message) = (draft.name.trim(), draft.email.trim(), draft.message.trim());
    let mut problems = Vec::new();
    if name.is_empty() {
        problems.push((Field::Name, "Please enter your name."));
    } else if name.chars().count() > MAX_NAME_CHARS {
        problems.push((Field::Name, "This name is too long."));
    }
    if email.is_empty() {
        problems.push((Field::Email, "Please enter your email."));
    } else if !plausible_email(email) || email.chars().count() > MAX_EMAIL_CHARS {
        problems.push((
            Field::Email,
            "Please enter a valid email, like name@example.com.",
        ));
    }
    if message.is_empty() {
        problems.push((Field::Message, "Please write a message."));
    } else if message.chars().count() > MAX_TEXT_CHARS {
        problems.push((
            Field::Message,
            "This message is too long. Please shorten it.",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(OfflineMessage {
        site_key: site_key.to_owned(),
        name: name.to_owned(),
        email: email.to_owned(),
        message: message.to_owned(),
    })
}

/// Something before one `@` and a dotted domain after it, no spaces: what
/// the edge asks for too (it has the last word).
fn plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Asks whether anyone can answer on the site now.
pub async fn availability(site_key: &str) -> Result<Availability, HttpError> {
    let key = String::from(js_sys::encode_uri_component(site_key));
    get_json(
        &format!("/api/v1/visitor/availability?site_key={key}"),
        None,
    )
    .await
}

/// Leaves the message. `Err` holds a sentence for the visitor.
pub async fn send(message: &OfflineMessage) -> Result<(), String> {
    match post_json::<_, OfflineSent>("/api/v1/visitor/offline", None, message).await {
        Ok(sent) if sent.ok => Ok(()),
        Ok(_) | Err(HttpError::BadBody) => {
            Err("Your message could not be sent. Please try again.".to_owned())
        }
        Err(HttpError::Network) => {
            Err("We couldn't reach the server. Check your connection and try again.".to_owned())
        }
        Err(HttpError::Status {
            message: Some(message),
            ..
        }) => Err(format!("Your message could not be sent: {message}")),
        Err(HttpError::Status { status, .. }) => Err(format!(
            "Your message could not be sent (error {status}). Please try again."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{check, Draft, Field};

    #[track_caller]
    fn case(name: &str, email: &str, message: &str, expected: &[Field]) {
        let draft = Draft {
            name: name.into(),
            email: email.into(),
            message: message.into(),
        };
        let got: Vec<Field> = match check("demo.website", &draft) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_iter().map(|(f, _)| f).collect(),
        };
        assert_eq!(got, expected, "{draft:?}");
    }

    #[test]
    fn fields() {
        case("Ada", "ada@example.com", "Hello", &[]);
        case(" Ada ", " ada@x.io ", " hi\n", &[]);
        case("Ada", "ada@example", "Hello", &[Field::Email]);
        case("Ada", "ada@.com", "Hello", &[Field::Email]);
        case("", "", "", &[Field::Name, Field::Email, Field::Message]);
        case("  ", "ada@example.com", "Hello", &[Field::Name]);
        case("Ada", "ada.example.com", "Hello", &[Field::Email]);
        case("Ada", "@example.com", "Hello", &[Field::Email]);
        case("Ada", "ada@", "Hello", &[Field::Email]);
        case("Ada", "a da@example.com", "Hello", &[Field::Email]);
        case("Ada", "a@b@c", "Hello", &[Field::Email]);
        case(
            "Ada",
            "ada@example.com",
            &"x".repeat(4_001),
            &[Field::Message],
        );
        case(&"n".repeat(201), "ada@example.com", "Hello", &[Field::Name]);
    }

    #[test]
    fn the_body_is_trimmed() {
        let draft = Draft {
            name: " Ada ".into(),
            email: "ada@example.com ".into(),
            message: "\nHello\n".into(),
        };
        let body = check("demo.website", &draft).expect("a valid form");
        assert_eq!(
            serde_json::to_value(&body).expect("plain strings"),
            serde_json::json!({
                "site_key": "demo.website",
                "name": "Ada",
                "email": "ada@example.com",
                "message": "Hello",
            })
        );
    }
}
