//! Answers of the HTTP API read into the documented body or an `HttpError`.

use chat_client::http::{read, read_value, HttpError};
use shared::api::Availability;
use shared::ErrorCode;

#[track_caller]
fn check(status: u16, body: &str, expected: Result<Availability, HttpError>) {
    assert_eq!(
        read::<Availability>(status, body),
        expected,
        "{status} {body}"
    );
    // Read by hand from a JSON value (the widget), a refusal is the same
    // error, and an answer the same value.
    match (read_value(status, body), expected) {
        (Ok(value), Ok(answer)) => assert_eq!(value["online"], answer.online, "{body}"),
        (Err(e), Err(expected)) if !(200..300).contains(&status) => assert_eq!(e, expected),
        (Err(e), Err(_)) => assert_eq!(e, HttpError::BadBody, "{body}"),
        (Ok(_), Err(_)) => assert!(body.contains("\"yes\""), "{body}"),
        (Err(e), Ok(_)) => panic!("{e:?} for {body}"),
    }
}

fn refused(status: u16, code: ErrorCode, message: Option<&str>) -> Result<Availability, HttpError> {
    Err(HttpError::Status {
        status,
        code,
        message: message.map(Into::into),
    })
}

#[test]
fn answers() {
    let online = Availability {
        online: true,
        department: "sales".into(),
    };
    check(
        200,
        r#"{"online":true,"department":"sales"}"#,
        Ok(online.clone()),
    );
    check(
        201,
        r#"{"online":true,"department":"sales","new":1}"#,
        Ok(online),
    );
    check(200, r#"{"online":"yes"}"#, Err(HttpError::BadBody));
    check(200, "", Err(HttpError::BadBody));
    check(
        401,
        r#"{"error":{"code":"unauthorized","message":"sign in again"}}"#,
        refused(401, ErrorCode::Unauthorized, Some("sign in again")),
    );
    check(
        409,
        r#"{"error":{"code":"already_taken","message":"taken"}}"#,
        refused(409, ErrorCode::AlreadyTaken, Some("taken")),
    );
    // A proxy's page, or a code this client does not know yet.
    check(
        502,
        "<html>Bad gateway</html>",
        refused(502, ErrorCode::Unknown, None),
    );
    check(
        400,
        r#"{"error":{"code":"brand_new","message":"no"}}"#,
        refused(400, ErrorCode::Unknown, Some("no")),
    );
}

#[test]
fn what_an_error_says() {
    let e = HttpError::Status {
        status: 403,
        code: ErrorCode::Forbidden,
        message: Some("not yours".into()),
    };
    assert_eq!(
        (e.status(), e.code(), e.server_message()),
        (Some(403), Some(ErrorCode::Forbidden), Some("not yours"))
    );
    assert!(e.refused_token() && !e.is_unauthorized());
    let e = HttpError::Status {
        status: 401,
        code: ErrorCode::Unknown,
        message: None,
    };
    assert!(e.refused_token() && e.is_unauthorized());
    assert_eq!(HttpError::Network.status(), None);
    assert!(!HttpError::BadBody.refused_token());
}
