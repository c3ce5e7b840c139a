//! Limits of one socket or one visitor's sockets on a conversation,
//! counted in the conversation's object.

use super::*;

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
