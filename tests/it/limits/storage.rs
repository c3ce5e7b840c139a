//! What no limit may let through: a queue past its length, and storage
//! made for a conversation or workspace nobody created.

use super::*;

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
