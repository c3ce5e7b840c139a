//! Bad input gets a defined error and loses nothing.

use crate::{acked, message};
use shared::close;
use shared::frame::{ClientFrame, ErrorCode, ServerFrame};
use tests::Worker;

#[track_caller]
fn assert_error(frame: &ServerFrame, code: ErrorCode) {
    assert!(
        matches!(frame, ServerFrame::Error { code: c, .. } if *c == code),
        "expected {code:?}, got {frame:?}"
    );
}

#[tokio::test]
async fn bad_frames_are_answered_and_nothing_is_lost() -> anyhow::Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;

    // Before hello.
    let mut s = api.socket(&id, &visitor.token).await?;
    s.send(&ClientFrame::Send {
        client_id: "c-0".into(),
        text: "early".into(),
        kind: Default::default(),
    })
    .await?;
    assert_error(&s.recv().await?, ErrorCode::NotReady);
    s.send(&ClientFrame::Hello {
        version: 1,
        last_seq: 0,
    })
    .await?;
    assert!(matches!(s.recv().await?, ServerFrame::Welcome { .. }));
    s.send(&ClientFrame::Send {
        client_id: "c-1".into(),
        text: "keep me".into(),
        kind: Default::default(),
    })
    .await?;
    s.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;
    let _ = s.drain(std::time::Duration::from_millis(300)).await;

    let cases: Vec<(String, ErrorCode)> = vec![
        ("not json".into(), ErrorCode::BadFrame),
        ("{}".into(), ErrorCode::BadFrame),
        ("[1,2]".into(), ErrorCode::BadFrame),
        (r#"{"type":"send"}"#.into(), ErrorCode::BadFrame),
        (
            r#"{"type":"send","client_id":5,"text":"x"}"#.into(),
            ErrorCode::BadFrame,
        ),
        (
            r#"{"type":"receipt","kind":"seen","seq":1}"#.into(),
            ErrorCode::BadFrame,
        ),
        (
            r#"{"type":"receipt","kind":"read","seq":-1}"#.into(),
            ErrorCode::BadFrame,
        ),
        (
            r#"{"type":"delete_everything"}"#.into(),
            ErrorCode::UnknownFrame,
        ),
        (
            format!(
                r#"{{"type":"send","client_id":"c-big","text":"{}"}}"#,
                "x".repeat(20_000)
            ),
            ErrorCode::TooLarge,
        ),
        (
            format!(
                r#"{{"type":"send","client_id":"c-long","text":"{}"}}"#,
                "é".repeat(4_001)
            ),
            ErrorCode::InvalidMessage,
        ),
        (
            r#"{"type":"send","client_id":"c-empty","text":"   "}"#.into(),
            ErrorCode::InvalidMessage,
        ),
        (
            r#"{"type":"send","client_id":"","text":"x"}"#.into(),
            ErrorCode::InvalidMessage,
        ),
        (
            format!(
                r#"{{"type":"send","client_id":"{}","text":"x"}}"#,
                "c".repeat(65)
            ),
            ErrorCode::InvalidMessage,
        ),
    ];
    for (text, code) in cases {
        s.send_text(text.clone()).await?;
        let f = s.recv().await?;
        assert_error(&f, code);
    }
    s.send_binary(vec![0, 159, 146, 150]).await?;
    assert_error(&s.recv().await?, ErrorCode::BadFrame);

    // The socket still works, and the history holds exactly what was valid.
    s.send(&ClientFrame::Send {
        client_id: "c-2".into(),
        text: "still here".into(),
        kind: Default::default(),
    })
    .await?;
    assert_eq!(acked(&s.recv().await?), Some(("c-2", 2)));
    let (mut fresh, welcome) = api.join(&id, &visitor.token, 0).await?;
    assert!(matches!(welcome, ServerFrame::Welcome { last_seq: 2, .. }));
    let texts: Vec<String> = vec![fresh.recv().await?, fresh.recv().await?]
        .iter()
        .filter_map(|f| message(f).map(|m| m.text.clone()))
        .collect();
    assert_eq!(texts, vec!["keep me", "still here"]);

    // Another protocol version is refused with its code, then closed.
    let mut old = api.socket(&id, &visitor.token).await?;
    old.send(&ClientFrame::Hello {
        version: 99,
        last_seq: 0,
    })
    .await?;
    assert_error(&old.recv().await?, ErrorCode::UnsupportedVersion);
    assert_eq!(old.closed().await?, close::UNSUPPORTED_VERSION);
    Ok(())
}

#[tokio::test]
async fn tokens_reach_their_own_conversation_and_nothing_else() -> anyhow::Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let alice = api.visitor().await?;
    let bob = api.visitor().await?;
    assert_ne!(alice.visitor_id, bob.visitor_id);
    assert_ne!(alice.token, bob.token);
    let alices = api.start(&alice).await?;
    let (mut a, _) = api.join(&alices, &alice.token, 0).await?;
    a.send(&ClientFrame::Send {
        client_id: "c-1".into(),
        text: "private".into(),
        kind: Default::default(),
    })
    .await?;
    a.recv_until(|f| matches!(f, ServerFrame::Ack { .. }))
        .await?;

    // Bob's valid token on Alice's conversation.
    let mut s = api.socket(&alices, &bob.token).await?;
    assert_eq!(s.closed().await?, close::FORBIDDEN);
    // A forged token: Alice's id with Bob's signature, and plain garbage.
    let (head, _) = alice.token.rsplit_once('.').expect("tokens are dotted");
    let (_, bob_sig) = bob.token.rsplit_once('.').expect("tokens are dotted");
    for token in [
        format!("{head}.{bob_sig}"),
        "garbage".to_string(),
        String::new(),
    ] {
        let mut s = api.socket(&alices, &token).await?;
        assert_eq!(s.closed().await?, close::UNAUTHORIZED, "token {token:?}");
    }
    // A forged or unknown conversation id.
    let mut s = api.socket("c_doesnotexist", &alice.token).await?;
    assert_eq!(s.closed().await?, close::NOT_FOUND);
    let mut s = api.socket("..%2Fetc", &alice.token).await?;
    assert_eq!(s.closed().await?, close::NOT_FOUND);
    // An agent token is not a visitor token, and the reverse.
    let answer = api
        .raw(
            "POST",
            "/api/v1/visitor/conversations",
            Some(&api.login("anna@demo.test").await?.token),
            Some("{}".into()),
        )
        .await?;
    assert_eq!(
        (answer.status, answer.code()?),
        (401, ErrorCode::Unauthorized)
    );
    let answer = api
        .raw("GET", "/api/v1/agent/me", Some(&alice.token), None)
        .await?;
    assert_eq!(
        (answer.status, answer.code()?),
        (401, ErrorCode::Unauthorized)
    );
    let answer = api.take(&alice.token, &alices).await?;
    assert_eq!(answer.status, 401);

    // Alice's conversation still holds only her message.
    let (_, welcome) = api.join(&alices, &alice.token, 0).await?;
    assert!(matches!(welcome, ServerFrame::Welcome { last_seq: 1, .. }));
    Ok(())
}

#[tokio::test]
async fn bad_http_requests_get_clear_errors() -> anyhow::Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let check = |status: u16, code: ErrorCode| {
        move |a: tests::Answer| -> anyhow::Result<()> {
            assert_eq!((a.status, a.code()?), (status, code), "{}", a.body);
            Ok(())
        }
    };
    check(400, ErrorCode::BadRequest)(
        api.raw(
            "POST",
            "/api/v1/visitor/session",
            None,
            Some("{not json".into()),
        )
        .await?,
    )?;
    check(400, ErrorCode::BadRequest)(
        api.raw(
            "POST",
            "/api/v1/visitor/session",
            None,
            Some(r#"{"site":"x"}"#.into()),
        )
        .await?,
    )?;
    check(404, ErrorCode::NotFound)(
        api.raw(
            "POST",
            "/api/v1/visitor/session",
            None,
            Some(r#"{"site_key":"demo.nosuchsite"}"#.into()),
        )
        .await?,
    )?;
    check(404, ErrorCode::NotFound)(
        api.raw(
            "POST",
            "/api/v1/visitor/session",
            None,
            Some(r#"{"site_key":"<script>"}"#.into()),
        )
        .await?,
    )?;
    check(413, ErrorCode::TooLarge)(
        api.raw(
            "POST",
            "/api/v1/visitor/session",
            None,
            Some(format!(r#"{{"site_key":"{}"}}"#, "x".repeat(20_000))),
        )
        .await?,
    )?;
    check(401, ErrorCode::BadCredentials)(
        api.raw(
            "POST",
            "/api/v1/agent/login",
            None,
            Some(r#"{"workspace":"demo","email":"anna@demo.test","password":"wrong"}"#.into()),
        )
        .await?,
    )?;
    check(401, ErrorCode::BadCredentials)(
        api.raw(
            "POST",
            "/api/v1/agent/login",
            None,
            Some(r#"{"workspace":"demo","email":"nobody@demo.test","password":"x"}"#.into()),
        )
        .await?,
    )?;
    check(401, ErrorCode::Unauthorized)(api.raw("GET", "/api/v1/agent/me", None, None).await?)?;
    check(401, ErrorCode::Unauthorized)(
        api.raw(
            "GET",
            "/api/v1/agent/me",
            Some("v1.agt.demo.-.a_x.0.AAAA"),
            None,
        )
        .await?,
    )?;
    check(401, ErrorCode::Unauthorized)(
        api.raw(
            "POST",
            "/api/v1/admin/setup",
            Some("wrong"),
            Some("{}".into()),
        )
        .await?,
    )?;
    check(404, ErrorCode::NotFound)(api.raw("GET", "/api/v1/nothing", None, None).await?)?;
    let anna = api.login("anna@demo.test").await?;
    check(404, ErrorCode::NotFound)(api.take(&anna.token, "c_nosuch").await?)?;
    // A conversation still new (no message yet) is not in any queue.
    let visitor = api.visitor().await?;
    let id = api.start(&visitor).await?;
    check(404, ErrorCode::NotFound)(api.take(&anna.token, &id).await?)?;
    Ok(())
}
