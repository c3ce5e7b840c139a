//! The offline form: asking the edge whether anyone can answer now, and
//! checking and sending the message a visitor leaves when nobody can. The
//! rules are the ones the worker applies
//! ([`OfflineMessageRequest::invalid_fields`]); this module only words each
//! problem for the visitor. Pure; the request is in `app`.

use crate::i18n::Texts;
use shared::api::{OfflineField as Field, OfflineMessageRequest as OfflineMessage};

/// Where the offline form is.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
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

/// What the visitor typed, as typed.
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
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

/// Checks the form. Returns the message to send (trimmed), or every
/// problem, in the order of the fields.
pub fn check(t: &Texts, site_key: &str, draft: &Draft) -> Result<OfflineMessage, Vec<Problem>> {
    let message = OfflineMessage {
        site_key: site_key.to_owned(),
        name: draft.name.trim().to_owned(),
        email: draft.email.trim().to_owned(),
        message: draft.message.trim().to_owned(),
    };
    let problems: Vec<Problem> = message
        .invalid_fields()
        .into_iter()
        .map(|field| (field, problem(t, field, &message)))
        .collect();
    if problems.is_empty() {
        Ok(message)
    } else {
        Err(problems)
    }
}

/// The sentence for a refused field: empty, or not right.
fn problem(t: &Texts, field: Field, message: &OfflineMessage) -> &'static str {
    match field {
        Field::Name if message.name.is_empty() => t.enter_name,
        Field::Name => t.name_too_long,
        Field::Email if message.email.is_empty() => t.enter_email,
        Field::Email => t.bad_email,
        Field::Message if message.message.is_empty() => t.write_message,
        Field::Message => t.message_too_long,
    }
}

#[cfg(test)]
mod tests {
    use super::{check, Draft, Field};
    use crate::i18n::EN;

    #[track_caller]
    fn case(name: &str, email: &str, message: &str, expected: &[Field]) {
        let draft = Draft {
            name: name.into(),
            email: email.into(),
            message: message.into(),
        };
        let got: Vec<Field> = match check(&EN, "demo.website", &draft) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_iter().map(|(f, _)| f).collect(),
        };
        assert_eq!(got, expected, "{draft:?}");
    }

    #[test]
    fn words() {
        let words = |name: &str, email: &str, message: &str| -> Vec<&'static str> {
            let draft = Draft {
                name: name.into(),
                email: email.into(),
                message: message.into(),
            };
            check(&EN, "demo.website", &draft)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|(_, w)| w)
                .collect()
        };
        assert_eq!(
            words("", " ", ""),
            [
                "Please enter your name.",
                "Please enter your email.",
                "Please write a message."
            ]
        );
        assert_eq!(
            words(&"n".repeat(201), "ada.example.com", &"x".repeat(4_001)),
            [
                "This name is too long.",
                "Please enter a valid email, like name@example.com.",
                "This message is too long. Please shorten it."
            ]
        );
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
        let body = check(&EN, "demo.website", &draft).expect("a valid form");
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
