//! Canned responses against the real worker: who makes which, who sees
//! which, and who removes them.

use anyhow::Result;
use serde_json::json;
use shared::canned::CannedResponse;
use tests::{Api, Worker};

async fn list(api: &Api, token: &str) -> Result<Vec<String>> {
    let answer = api
        .raw("GET", "/api/v1/agent/canned", Some(token), None)
        .await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let list: Vec<CannedResponse> = answer.json()?;
    Ok(list.into_iter().map(|c| c.shortcut).collect())
}

async fn save(api: &Api, token: &str, body: serde_json::Value) -> Result<tests::Answer> {
    api.raw(
        "POST",
        "/api/v1/agent/canned",
        Some(token),
        Some(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn canned_responses_are_seen_by_whom_they_are_for() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let sam = api.login("sam@demo.test").await?;
    let mark = api.login("mark@demo.test").await?;
    let private = |shortcut: &str| json!({ "shortcut": shortcut, "text": format!("text of {shortcut}"), "scope": { "kind": "private" } });
    let made = save(&api, &anna.token, private("!hello")).await?;
    assert_eq!(made.status, 200, "{}", made.body);
    let made: CannedResponse = made.json()?;
    assert_eq!(made.shortcut, "hello");
    assert!(!made.id.is_empty(), "the server chose the id");
    // An agent may not make a public or a department one.
    let public = json!({ "shortcut": "bye", "text": "Goodbye!", "scope": { "kind": "public" } });
    assert_eq!(save(&api, &anna.token, public.clone()).await?.status, 403);
    assert_eq!(save(&api, &mark.token, public).await?.status, 200);
    let support = json!({ "shortcut": "refund", "text": "Refunds take 5 days.", "scope": { "kind": "department", "department": "support" } });
    assert_eq!(save(&api, &mark.token, support).await?.status, 200);
    // Bad ones say why.
    let bad = save(&api, &anna.token, private("two words")).await?;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("shortcut"), "{}", bad.body);
    assert_eq!(
        save(&api, &anna.token, private("hello")).await?.status,
        400,
        "taken"
    );
    let garbage = api
        .raw(
            "POST",
            "/api/v1/agent/canned",
            Some(&anna.token),
            Some("{nope".into()),
        )
        .await?;
    assert_eq!(garbage.status, 400);

    assert_eq!(
        list(&api, &anna.token).await?,
        vec!["bye", "hello", "refund"]
    );
    assert_eq!(list(&api, &ben.token).await?, vec!["bye", "refund"]);
    assert_eq!(list(&api, &sam.token).await?, vec!["bye"]);
    // A visitor sees none.
    let visitor = api.visitor().await?;
    let refused = api
        .raw("GET", "/api/v1/agent/canned", Some(&visitor.token), None)
        .await?;
    assert_eq!(refused.status, 401);

    // Only the author or a manager removes one.
    let path = format!("/api/v1/agent/canned/{}", made.id);
    assert_eq!(
        api.raw("DELETE", &path, Some(&ben.token), None)
            .await?
            .status,
        404
    );
    assert_eq!(
        api.raw("DELETE", &path, Some(&anna.token), None)
            .await?
            .status,
        200
    );
    assert_eq!(list(&api, &anna.token).await?, vec!["bye", "refund"]);
    Ok(())
}
