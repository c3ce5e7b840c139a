//! Limits per address and per site, counted by the platform's Rate
//! Limiting binding: sessions, conversations, offline messages, sockets.

use super::*;

#[tokio::test]
async fn new_sessions_from_one_address_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let body = serde_json::json!({ "site_key": tests::SITE_KEY });
    let (refused, passed) = until_refused(61, 8, |_| {
        request(
            &worker,
            "203.0.113.2",
            "POST",
            "/api/v1/visitor/session",
            None,
            Some(body.clone()),
        )
    })
    .await?;
    assert!(passed >= 30, "{passed} passed before the refusal");
    refused.limited(
        "too_many_requests",
        60,
        "too many new chats from your network",
    );
    // Another address is not affected.
    let elsewhere = request(
        &worker,
        "203.0.113.3",
        "POST",
        "/api/v1/visitor/session",
        None,
        Some(body),
    )
    .await?;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
    other.still_chats().await
}

#[tokio::test]
async fn new_sessions_of_one_site_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let body = serde_json::json!({ "site_key": tests::SITE_KEY });
    let (refused, passed) = until_refused(601, 16, |i| {
        let ip = format!("10.1.{}.{}", i / 250, i % 250 + 1);
        let body = body.clone();
        let worker = &worker;
        async move {
            request(
                worker,
                &ip,
                "POST",
                "/api/v1/visitor/session",
                None,
                Some(body),
            )
            .await
        }
    })
    .await?;
    // The bystander's own start counted too.
    assert!(passed >= 299, "{passed} passed before the refusal");
    refused.limited("too_many_requests", 10, "too many new chats on this site");
    other.still_chats().await
}

/// Visitor sessions from `ips`, one each.
async fn visitors(worker: &Worker, ips: &[String]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for ip in ips {
        let body = serde_json::json!({ "site_key": tests::SITE_KEY });
        let r = request(
            worker,
            ip,
            "POST",
            "/api/v1/visitor/session",
            None,
            Some(body),
        )
        .await?;
        let token = r.body["token"].as_str().context("a session")?.to_owned();
        out.push((ip.clone(), token));
    }
    Ok(out)
}

#[tokio::test]
async fn new_conversations_from_one_address_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let who = visitors(&worker, &["203.0.113.4".into(), "203.0.113.5".into()]).await?;
    let (ip, token) = &who[0];
    let start = serde_json::json!({});
    let (refused, passed) = until_refused(61, 8, |_| {
        request(
            &worker,
            ip,
            "POST",
            "/api/v1/visitor/conversations",
            Some(token),
            Some(start.clone()),
        )
    })
    .await?;
    assert!(passed >= 30, "{passed} passed before the refusal");
    refused.limited(
        "too_many_requests",
        60,
        "too many new chats from your network",
    );
    let (ip, token) = &who[1];
    let elsewhere = request(
        &worker,
        ip,
        "POST",
        "/api/v1/visitor/conversations",
        Some(token),
        Some(start),
    )
    .await?;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
    other.still_chats().await
}

#[tokio::test]
async fn new_conversations_of_one_site_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    // 25 addresses, each under its own limit of 30, together over the
    // site's 300 in 10 seconds. A start counts as it arrives, before its
    // body is read: starts with a body the worker refuses (400) count
    // without the work of a conversation, so the site's count is reached
    // within its window however busy the machine.
    let ips: Vec<String> = (1..=25).map(|i| format!("10.2.0.{i}")).collect();
    let who = visitors(&worker, &ips).await?;
    let (refused, passed) = until_refused(625, 16, |i| {
        let (ip, token) = who[i % who.len()].clone();
        let worker = &worker;
        async move {
            let bad = serde_json::json!({ "language": 5 });
            let r = request(
                worker,
                &ip,
                "POST",
                "/api/v1/visitor/conversations",
                Some(&token),
                Some(bad),
            )
            .await?;
            Ok(if r.status == 400 {
                Reply { status: 200, ..r }
            } else {
                r
            })
        }
    })
    .await?;
    // The bystander's own start counted too.
    assert!(passed >= 299, "{passed} passed before the refusal");
    refused.limited("too_many_requests", 10, "too many new chats on this site");
    other.still_chats().await
}

#[tokio::test]
async fn offline_messages_from_one_address_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let body = serde_json::json!({ "site_key": tests::SITE_KEY, "name": "Ana", "email": "ana@example.com", "message": "call me" });
    let (refused, passed) = until_refused(11, 1, |_| {
        request(
            &worker,
            "203.0.113.6",
            "POST",
            "/api/v1/visitor/offline",
            None,
            Some(body.clone()),
        )
    })
    .await?;
    assert!(passed >= 5, "{passed} passed before the refusal");
    refused.limited(
        "too_many_requests",
        60,
        "too many messages left from your network",
    );
    let elsewhere = request(
        &worker,
        "203.0.113.7",
        "POST",
        "/api/v1/visitor/offline",
        None,
        Some(body),
    )
    .await?;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
    other.still_chats().await
}

#[tokio::test]
async fn conversation_sockets_from_one_address_are_limited() -> Result<()> {
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Error as WsError};
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let api = worker.api_from("203.0.113.12");
    let v = api.visitor().await?;
    let id = api.start(&v).await?;
    let path = format!("/api/v1/conversations/{id}/ws?token={}", v.token);
    let url = worker.ws_url(&path);
    // The binding counts in fixed windows of a minute: if a new window
    // begins between the refusal and the question after it, the question
    // is let through, and the address is refused again in the new window.
    for window in 0..2 {
        let mut opened = 0;
        let mut refusal = None;
        for _ in 0..241 {
            let mut req = url.as_str().into_client_request()?;
            req.headers_mut().insert("origin", worker.origin().parse()?);
            req.headers_mut()
                .insert("cf-connecting-ip", "203.0.113.12".parse()?);
            let asked = std::time::Instant::now();
            match tokio_tungstenite::connect_async(req).await {
                Ok((ws, _)) => {
                    opened += 1;
                    drop(ws);
                }
                Err(WsError::Http(resp)) => {
                    refusal = Some((resp, asked.elapsed()));
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let (resp, held) = refusal.context("no socket was refused")?;
        assert!(
            window > 0 || opened >= 120,
            "{opened} opened before the refusal"
        );
        assert_eq!(resp.status().as_u16(), 429);
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("60")
        );
        // Every refusal is answered only after its hold (a second): a
        // client that ignores `Retry-After` cannot make the worker refuse
        // it hundreds of times a second.
        assert!(
            held >= Duration::from_millis(950),
            "answered after {held:?}"
        );
        // The handshake may end before the refusal's body arrives: ask
        // again over plain HTTP, still refused, to read the reason.
        let again = upgrade(&worker, &path, "203.0.113.12").await?;
        if again.status().as_u16() == 101 && window == 0 {
            continue;
        }
        assert_eq!(again.status().as_u16(), 429);
        let body = again.text().await?;
        assert!(
            body.contains("too many connections from your network"),
            "{body}"
        );
        break;
    }
    other.still_chats().await
}
