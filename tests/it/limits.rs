//! Every limit, tripped against the real worker: the refusal it answers
//! (an `error` frame with the client id of the refused message, a socket
//! closed with 4429, or `429` with `Retry-After` and a sentence), and that
//! nothing of anyone else was lost: a conversation started before the
//! limit tripped still delivers and stores its messages.
//!
//! These workers run with the standard limits (`Worker::start_limited`),
//! or with one per-object limit made small through `LIMITS` so a test
//! trips it in a few frames. Limits counted by the platform's Rate
//! Limiting binding keep `wrangler.toml`'s numbers and are counted per
//! `CF-Connecting-IP`, which each test sets (`Worker::api_from`). The
//! binding counts in fixed windows, so a test that must trip one sends up
//! to twice its limit plus one (two windows can hold at most twice it).

use anyhow::{bail, Context, Result};
use futures_util::future::join_all;
use shared::frame::{ClientFrame, ErrorCode, ServerFrame};
use std::time::Duration;
use tests::{Api, Socket, Worker};

/// An HTTP answer with its `Retry-After`.
struct Reply {
    status: u16,
    retry_after: Option<u64>,
    body: serde_json::Value,
}

impl Reply {
    /// Checks a limit's refusal: 429, the code, a `Retry-After` and a
    /// sentence naming what was limited.
    #[track_caller]
    fn limited(&self, code: &str, retry_after: u64, words: &str) {
        assert_eq!(self.status, 429, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        assert_eq!(self.retry_after, Some(retry_after), "{}", self.body);
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{message}");
    }
}

/// Sends a request from `ip` (`CF-Connecting-IP`) with the worker's own
/// `Origin`, as the widget's frame does.
async fn request(
    worker: &Worker,
    ip: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> Result<Reply> {
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    let mut req = reqwest::Client::new()
        .request(method, worker.url(path))
        .header("origin", worker.origin())
        .header("cf-connecting-ip", ip);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let text = resp.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Ok(Reply {
        status,
        retry_after,
        body,
    })
}

/// Sends `attempt(i)` for i = 0, 1, … (`parallel` at a time) until one is
/// refused with 429, at most `most` times; answers that refusal and how
/// many passed before it.
async fn until_refused<F, Fut>(most: usize, parallel: usize, attempt: F) -> Result<(Reply, usize)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Reply>>,
{
    let mut passed = 0;
    let mut i = 0;
    while i < most {
        let batch: Vec<_> = (i..(i + parallel).min(most)).map(&attempt).collect();
        i += batch.len();
        let mut refused = None;
        for reply in join_all(batch).await {
            let reply = reply?;
            match reply.status {
                429 => refused = refused.or(Some(reply)),
                200 => passed += 1,
                other => bail!("attempt answered {other}: {}", reply.body),
            }
        }
        if let Some(r) = refused {
            return Ok((r, passed));
        }
    }
    bail!("{most} attempts and none refused")
}

/// Someone else's conversation, started before a limit trips: its visitor
/// and an agent (Mark, who monitors) on it.
struct Bystander {
    api: Api,
    id: String,
    token: String,
    visitor: Socket,
    agent: Socket,
    sent: usize,
}

async fn bystander(worker: &Worker) -> Result<Bystander> {
    let api = worker.api_from("192.0.2.250");
    let v = api.visitor().await?;
    let (id, visitor) = api.first_message(&v, "before").await?;
    let mark = api.login("mark@demo.test").await?;
    // The queue hears of it just after its first message is stored.
    let mut agent = None;
    for _ in 0..50 {
        if let Ok((a, _)) = api.join(&id, &mark.token, 0).await {
            agent = Some(a);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Bystander {
        api,
        id,
        token: v.token,
        visitor,
        agent: agent.context("the agent could not open the bystander's chat")?,
        sent: 1,
    })
}

impl Bystander {
    /// Writes three more messages: each is acked, reaches the agent, and
    /// every message ever written is stored (a fresh socket's replay).
    async fn still_chats(&mut self) -> Result<()> {
        for _ in 0..3 {
            self.sent += 1;
            let cid = format!("by-{}", self.sent);
            self.visitor
                .send(&ClientFrame::Send {
                    client_id: cid.as_str().into(),
                    text: format!("message {}", self.sent),
                    kind: Default::default(),
                })
                .await?;
            self.visitor
                .recv_until(
                    |f| matches!(f, ServerFrame::Ack { client_id, .. } if client_id.0 == cid),
                )
                .await?;
            self.agent
                .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.client_id.as_ref().is_some_and(|c| c.0 == cid)))
                .await?;
        }
        let (mut again, _) = self.api.join(&self.id, &self.token, 0).await?;
        let stored: Vec<String> = again
            .drain(Duration::from_millis(500))
            .await
            .into_iter()
            .filter_map(|f| match f {
                ServerFrame::Message(m) if m.author.side == shared::frame::Side::Visitor => {
                    Some(m.text)
                }
                _ => None,
            })
            .collect();
        let mut expected = vec!["before".to_owned()];
        expected.extend((2..=self.sent).map(|i| format!("message {i}")));
        assert_eq!(stored, expected, "the bystander's messages as stored");
        Ok(())
    }
}

/// A WebSocket upgrade of `path` over plain HTTP from `ip`: its answer's
/// status, headers and body can be read whatever they are.
async fn upgrade(worker: &Worker, path: &str, ip: &str) -> Result<reqwest::Response> {
    Ok(reqwest::Client::new()
        .get(worker.url(path))
        .header("origin", worker.origin())
        .header("cf-connecting-ip", ip)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await?)
}

fn send(cid: &str) -> ClientFrame {
    ClientFrame::Send {
        client_id: cid.into(),
        text: format!("text of {cid}"),
        kind: Default::default(),
    }
}

#[tokio::test]
async fn messages_over_a_sockets_limit_are_refused_by_client_id_then_the_socket_closes(
) -> Result<()> {
    let limits = r#"{"messages": {"burst": 5, "every_ms": 60000}, "close_after_refusals": 5, "pause_after_close_ms": 2000}"#;
    let worker = Worker::start_limited(limits).await?;
    let mut other = bystander(&worker).await?;
    let api = worker.api_from("203.0.113.1");
    let v = api.visitor().await?;
    let id = api.start(&v).await?;
    let (mut socket, _) = api.join(&id, &v.token, 0).await?;
    for i in 0..11 {
        socket.send(&send(&format!("f-{i}"))).await?;
    }
    // Five pass, five are refused one by one with their client ids.
    let mut acked = Vec::new();
    let mut refused = Vec::new();
    while acked.len() + refused.len() < 10 {
        match socket.recv().await? {
            ServerFrame::Ack { client_id, .. } => acked.push(client_id.0),
            ServerFrame::Error {
                code,
                message,
                client_id,
            } => {
                assert_eq!(code, ErrorCode::TooManyRequests);
                assert!(message.contains("too many messages"), "{message}");
                refused.push(client_id.context("a refusal names its message")?.0);
            }
            _ => {}
        }
    }
    assert_eq!(acked, ["f-0", "f-1", "f-2", "f-3", "f-4"]);
    assert_eq!(refused, ["f-5", "f-6", "f-7", "f-8", "f-9"]);
    // The sixth refusal in a row: the socket is closed.
    assert_eq!(socket.closed().await?, shared::close::TOO_MANY);
    // Coming straight back is refused before any socket is made: 429,
    // with how long to wait.
    let path = format!("/api/v1/conversations/{id}/ws?token={}", v.token);
    let paused = upgrade(&worker, &path, "203.0.113.1").await?;
    assert_eq!(paused.status().as_u16(), 429);
    assert_eq!(
        paused
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    let body: serde_json::Value = paused.json().await?;
    assert_eq!(body["error"]["code"], "too_many_requests", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("closed for sending faster than allowed"),
        "{message}"
    );
    // The pause is over: the visitor is back.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let back = upgrade(&worker, &path, "203.0.113.1").await?;
    assert_eq!(back.status().as_u16(), 101);
    // What passed is stored; what was refused is not.
    let (mut again, _) = api.join(&id, &v.token, 0).await?;
    let texts: Vec<String> = again
        .drain(Duration::from_millis(500))
        .await
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m) if m.client_id.is_some() => Some(m.text),
            _ => None,
        })
        .collect();
    let expected: Vec<String> = (0..5).map(|i| format!("text of f-{i}")).collect();
    assert_eq!(texts, expected);
    other.still_chats().await
}

#[tokio::test]
async fn typing_over_its_limit_is_dropped_silently_and_its_end_still_passes() -> Result<()> {
    let worker = Worker::start_limited(r#"{"typing": {"burst": 2, "every_ms": 60000}}"#).await?;
    let mut other = bystander(&worker).await?;
    let api = worker.api();
    let v = api.visitor().await?;
    let (id, mut visitor) = api.first_message(&v, "hello").await?;
    let mark = api.login("mark@demo.test").await?;
    let (mut agent, _) = api.join(&id, &mark.token, 0).await?;
    agent.drain(Duration::from_millis(300)).await;
    for _ in 0..5 {
        visitor.send(&ClientFrame::Typing { active: true }).await?;
    }
    visitor.send(&ClientFrame::Typing { active: false }).await?;
    visitor.send(&ClientFrame::Typing { active: false }).await?;
    let typing: Vec<bool> = agent
        .drain(Duration::from_millis(700))
        .await
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::Typing { active, .. } => Some(active),
            _ => None,
        })
        .collect();
    assert_eq!(typing, [true, true, false]);
    let told: Vec<ServerFrame> = visitor.drain(Duration::from_millis(300)).await;
    assert!(
        !told.iter().any(|f| matches!(f, ServerFrame::Error { .. })),
        "typing is dropped without an answer: {told:?}"
    );
    other.still_chats().await
}

#[tokio::test]
async fn a_visitor_holds_a_limited_number_of_sockets_on_a_conversation() -> Result<()> {
    let worker = Worker::start_limited(r#"{"sockets_per_visitor": 2}"#).await?;
    let mut other = bystander(&worker).await?;
    let api = worker.api();
    let v = api.visitor().await?;
    let id = api.start(&v).await?;
    let (first, _) = api.join(&id, &v.token, 0).await?;
    let (_second, _) = api.join(&id, &v.token, 0).await?;
    let mut third = api.socket(&id, &v.token).await?;
    assert_eq!(third.closed().await?, shared::close::TOO_MANY);
    // One closes: there is room again.
    first.close().await?;
    let mut joined = None;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok(j) = api.join(&id, &v.token, 0).await {
            joined = Some(j);
            break;
        }
    }
    joined.context("no room after a socket closed")?;
    other.still_chats().await
}

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

fn sign_in(email: &str, password: &str) -> serde_json::Value {
    serde_json::json!({ "workspace": "demo", "email": email, "password": password })
}

#[tokio::test]
async fn sign_in_attempts_from_one_address_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let (refused, passed) = until_refused(41, 4, |i| {
        let body = sign_in(&format!("nobody{i}@demo.test"), "wrong password");
        let worker = &worker;
        async move {
            let r = request(
                worker,
                "203.0.113.8",
                "POST",
                "/api/v1/agent/login",
                None,
                Some(body),
            )
            .await?;
            // A wrong password is a refusal of its own: it counts as tried.
            Ok(if r.status == 401 {
                Reply { status: 200, ..r }
            } else {
                r
            })
        }
    })
    .await?;
    assert!(passed >= 20, "{passed} passed before the refusal");
    refused.limited(
        "too_many_requests",
        60,
        "too many sign-in attempts from your network",
    );
    let ben = sign_in("ben@demo.test", &tests::password("ben@demo.test"));
    let elsewhere = request(
        &worker,
        "203.0.113.9",
        "POST",
        "/api/v1/agent/login",
        None,
        Some(ben),
    )
    .await?;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
    other.still_chats().await
}

#[tokio::test]
async fn sign_in_attempts_for_one_account_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    // Right passwords from many addresses: no failure, so no delay; the
    // account's own count still runs out.
    let sam = sign_in("sam@demo.test", &tests::password("sam@demo.test"));
    let (refused, passed) = until_refused(21, 1, |i| {
        let ip = format!("10.3.0.{}", i + 1);
        let (worker, body) = (&worker, sam.clone());
        async move { request(worker, &ip, "POST", "/api/v1/agent/login", None, Some(body)).await }
    })
    .await?;
    assert!(passed >= 10, "{passed} passed before the refusal");
    refused.limited(
        "too_many_requests",
        60,
        "too many sign-in attempts for this account",
    );
    let ben = sign_in("ben@demo.test", &tests::password("ben@demo.test"));
    let another = request(
        &worker,
        "10.3.1.1",
        "POST",
        "/api/v1/agent/login",
        None,
        Some(ben),
    )
    .await?;
    assert_eq!(another.status, 200, "{}", another.body);
    other.still_chats().await
}

#[tokio::test]
async fn failed_sign_ins_make_the_account_wait_longer_each_time() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let right = sign_in("anna@demo.test", &tests::password("anna@demo.test"));
    let wrong = sign_in("anna@demo.test", "not her password");
    let login = |ip: &'static str, body: &serde_json::Value| {
        request(
            &worker,
            ip,
            "POST",
            "/api/v1/agent/login",
            None,
            Some(body.clone()),
        )
    };
    for _ in 0..3 {
        assert_eq!(login("203.0.113.10", &wrong).await?.status, 401);
    }
    // The fourth attempt waits a second, right password or not, from any
    // address.
    let waiting = login("203.0.113.11", &right).await?;
    waiting.limited(
        "too_many_requests",
        1,
        "too many failed sign-ins for this account",
    );
    // Another account is not affected.
    let ben = sign_in("ben@demo.test", &tests::password("ben@demo.test"));
    assert_eq!(login("203.0.113.10", &ben).await?.status, 200);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // A fourth failure doubles the wait.
    assert_eq!(login("203.0.113.10", &wrong).await?.status, 401);
    login("203.0.113.10", &right)
        .await?
        .limited("too_many_requests", 2, "try again in 2 seconds");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(login("203.0.113.10", &right).await?.status, 200);
    // A success forgets the failures: the next mistake costs no wait.
    assert_eq!(login("203.0.113.10", &wrong).await?.status, 401);
    assert_eq!(login("203.0.113.10", &right).await?.status, 200);
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
    let mut opened = 0;
    let mut refusal = None;
    for _ in 0..241 {
        let mut req = url.as_str().into_client_request()?;
        req.headers_mut().insert("origin", worker.origin().parse()?);
        req.headers_mut()
            .insert("cf-connecting-ip", "203.0.113.12".parse()?);
        match tokio_tungstenite::connect_async(req).await {
            Ok((ws, _)) => {
                opened += 1;
                drop(ws);
            }
            Err(WsError::Http(resp)) => {
                refusal = Some(resp);
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let resp = refusal.context("no socket was refused")?;
    assert!(opened >= 120, "{opened} opened before the refusal");
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("60")
    );
    // The handshake may end before the refusal's body arrives: ask again
    // over plain HTTP, still refused, to read the reason. Asking again at
    // once is answered only after the refusal's hold (a second): a client
    // that ignores `Retry-After` cannot make the worker refuse it hundreds
    // of times a second.
    let asked = std::time::Instant::now();
    let again = upgrade(&worker, &path, "203.0.113.12").await?;
    let held = asked.elapsed();
    assert_eq!(again.status().as_u16(), 429);
    assert!(
        held >= Duration::from_millis(950),
        "answered after {held:?}"
    );
    let body = again.text().await?;
    assert!(
        body.contains("too many connections from your network"),
        "{body}"
    );
    other.still_chats().await
}

#[tokio::test]
async fn a_full_queue_refuses_new_conversations_until_it_shortens() -> Result<()> {
    let worker = Worker::start_limited(r#"{"queue": 2}"#).await?;
    // The bystander's chat is the first in the queue.
    let mut other = bystander(&worker).await?;
    let api = worker.api();
    let second = api.visitor().await?;
    let (second_id, _s) = api.first_message(&second, "second").await?;
    let third = api.visitor().await?;
    // The queue learns of the second chat just after its first message.
    let mut full = None;
    for _ in 0..50 {
        let r = request(
            &worker,
            "127.0.0.1",
            "POST",
            "/api/v1/visitor/conversations",
            Some(&third.token),
            Some(serde_json::json!({})),
        )
        .await?;
        if r.status == 429 {
            full = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let full = full.context("the third chat started though two wait")?;
    full.limited("queue_full", 60, "too many people are waiting");
    other.still_chats().await?;
    // An agent takes one: there is room again.
    let mark = api.login("mark@demo.test").await?;
    assert_eq!(api.take(&mark.token, &second_id).await?.status, 200);
    let r = request(
        &worker,
        "127.0.0.1",
        "POST",
        "/api/v1/visitor/conversations",
        Some(&third.token),
        Some(serde_json::json!({})),
    )
    .await?;
    assert_eq!(r.status, 200, "{}", r.body);
    Ok(())
}

/// The tables a conversation object holds.
async fn stored_tables(worker: &Worker, id: &str) -> Result<Vec<String>> {
    let r = request(
        worker,
        "127.0.0.1",
        "GET",
        &format!("/api/v1/bench/conversations/{id}/stored"),
        None,
        None,
    )
    .await?;
    assert_eq!(r.status, 200, "{}", r.body);
    Ok(serde_json::from_value(r.body["tables"].clone())?)
}

#[tokio::test]
async fn a_conversation_id_nobody_created_answers_404_and_stores_nothing() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let api = worker.api();
    let v = api.visitor().await?;
    let real = api.start(&v).await?;
    assert!(
        stored_tables(&worker, &real)
            .await?
            .contains(&"kv".to_owned()),
        "a created conversation has its tables"
    );
    let mark = api.login("mark@demo.test").await?;
    let forged = "cforged0123456789abcdef";
    // The visitor's and the agent's sockets.
    let mut s = api.socket(forged, &v.token).await?;
    assert_eq!(s.closed().await?, shared::close::NOT_FOUND);
    let mut s = api.socket(forged, &mark.token).await?;
    assert_eq!(s.closed().await?, shared::close::NOT_FOUND);
    // Every HTTP route that names a conversation.
    let visitor_routes = [
        (
            "POST",
            format!("/api/v1/visitor/conversations/{forged}/rating"),
            Some(serde_json::json!({ "score": 5 })),
        ),
        (
            "POST",
            format!("/api/v1/visitor/conversations/{forged}/transcript"),
            Some(serde_json::json!({ "email": "a@example.com" })),
        ),
        (
            "GET",
            format!("/api/v1/conversations/{forged}/files/f1/link"),
            None,
        ),
    ];
    for (method, path, body) in visitor_routes {
        let r = request(&worker, "127.0.0.1", method, &path, Some(&v.token), body).await?;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
    }
    // The queue position is the workspace's answer (a conversation it has
    // not heard of is not waiting): it calls no conversation.
    let queue = request(
        &worker,
        "127.0.0.1",
        "GET",
        &format!("/api/v1/visitor/conversations/{forged}/queue"),
        Some(&v.token),
        None,
    )
    .await?;
    assert_eq!(queue.body["position"], 0, "{}", queue.body);
    let upload = reqwest::Client::new()
        .post(worker.url(&format!(
            "/api/v1/conversations/{forged}/files?name=a.txt&client_id=u1"
        )))
        .header("origin", worker.origin())
        .header("content-type", "text/plain")
        .bearer_auth(&v.token)
        .body("hello")
        .send()
        .await?;
    assert_eq!(upload.status().as_u16(), 404, "{}", upload.text().await?);
    let agent_routes = [
        ("GET", "room"),
        ("GET", "search?q=x"),
        ("GET", "files"),
        ("GET", "history"),
        ("GET", "contact"),
        ("GET", "transcript.pdf"),
        ("POST", "take"),
        ("POST", "close"),
        ("POST", "priority"),
        ("POST", "transcript/email"),
    ];
    for (method, route) in agent_routes {
        let path = format!("/api/v1/agent/conversations/{forged}/{route}");
        let body = (method == "POST").then(
            || serde_json::json!({ "comment": "x", "priority": "high", "to": "a@example.com" }),
        );
        let r = request(&worker, "127.0.0.1", method, &path, Some(&mark.token), body).await?;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
    }
    // `wrangler dev` itself records the name of every object addressed by
    // name (`__miniflare_do_name`); the platform keeps no such table.
    let tables: Vec<String> = stored_tables(&worker, forged)
        .await?
        .into_iter()
        .filter(|t| !t.starts_with("__miniflare"))
        .collect();
    assert!(tables.is_empty(), "a forged id stored {tables:?}");
    Ok(())
}

/// The tables a workspace object holds.
async fn workspace_tables(worker: &Worker, name: &str) -> Result<Vec<String>> {
    let r = request(
        worker,
        "127.0.0.1",
        "GET",
        &format!("/api/v1/bench/workspaces/{name}/stored"),
        None,
        None,
    )
    .await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    Ok(serde_json::from_value(r.body["tables"].clone())?)
}

#[tokio::test]
async fn a_workspace_name_nobody_set_up_is_refused_and_stores_nothing() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    assert!(
        workspace_tables(&worker, "demo")
            .await?
            .contains(&"agents".to_owned()),
        "a workspace that was set up has its tables"
    );
    let ip = "198.51.100.77";
    // A widget of one of its sites, and a visitor session there: 404.
    let site = request(
        &worker,
        ip,
        "GET",
        "/api/v1/visitor/site?site_key=ghost.website",
        None,
        None,
    )
    .await?;
    assert_eq!(site.status, 404, "{:?}", site.body);
    let session = request(
        &worker,
        ip,
        "POST",
        "/api/v1/visitor/session",
        None,
        Some(serde_json::json!({ "site_key": "ghost.website" })),
    )
    .await?;
    assert_eq!(session.status, 404, "{:?}", session.body);
    // A sign-in: the same words as a wrong password, which tell no one
    // whether the workspace exists.
    for workspace in ["ghost", "demo"] {
        let login = request(
            &worker,
            ip,
            "POST",
            "/api/v1/agent/login",
            None,
            Some(serde_json::json!({
                "workspace": workspace, "email": "anna@demo.test", "password": "not her password"
            })),
        )
        .await?;
        assert_eq!(login.status, 401, "{workspace}: {:?}", login.body);
        assert_eq!(
            login.body["error"]["message"], "wrong email or password",
            "{workspace}: {:?}",
            login.body
        );
    }
    // As for conversations, `wrangler dev`'s own name table aside.
    let tables: Vec<String> = workspace_tables(&worker, "ghost")
        .await?
        .into_iter()
        .filter(|t| !t.starts_with("__miniflare"))
        .collect();
    assert!(tables.is_empty(), "a name nobody set up stored {tables:?}");
    Ok(())
}
