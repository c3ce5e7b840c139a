//! A contact's chat history against the real worker: a visitor who writes
//! after close starts a new conversation, and both show in the history.

use anyhow::Result;
use shared::api::VisitorSession;
use shared::frame::{ConversationStatus, ErrorCode};
use shared::inbox::ConversationSummary;
use tests::{Api, Worker};

/// Starts a conversation for `visitor` and writes its first message.
async fn write(api: &Api, visitor: &VisitorSession, text: &str) -> Result<String> {
    Ok(api.first_message(visitor, text).await?.0)
}

async fn history(api: &Api, token: &str, id: &str) -> Result<tests::Answer> {
    api.raw(
        "GET",
        &format!("/api/v1/agent/conversations/{id}/history"),
        Some(token),
        None,
    )
    .await
}

#[tokio::test]
async fn a_contacts_conversations_show_together_in_the_chat_history() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let sam = api.login("sam@demo.test").await?;
    let visitor = api.visitor().await?;
    let first = write(&api, &visitor, "My parcel is late").await?;
    assert_eq!(api.take(&anna.token, &first).await?.status, 200);
    let closed = api
        .act(
            &anna.token,
            &first,
            "close",
            serde_json::json!({ "comment": "Resent" }),
        )
        .await?;
    assert_eq!(closed.status, 200, "{}", closed.body);
    // The same visitor writes again: a new conversation, the same contact.
    let second = write(&api, &visitor, "It came, thanks").await?;
    assert_ne!(first, second);
    // Someone else's conversation never shows.
    let other = api.visitor().await?;
    write(&api, &other, "Hello").await?;

    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for token in [&anna.token, &ben.token] {
        let answer = history(&api, token, &second).await?;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let listed: Vec<ConversationSummary> = answer.json()?;
        let seen: Vec<(&str, ConversationStatus, &str)> = listed
            .iter()
            .map(|c| (c.id.0.as_str(), c.status, c.preview.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    second.as_str(),
                    ConversationStatus::Queued,
                    "It came, thanks"
                ),
                (
                    first.as_str(),
                    ConversationStatus::Closed,
                    "My parcel is late"
                ),
            ]
        );
    }
    // Another department, a visitor's token, a forged id.
    let refused = history(&api, &sam.token, &second).await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (403, ErrorCode::Forbidden)
    );
    let refused = history(&api, &visitor.token, &second).await?;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let refused = history(&api, &anna.token, "no-such-conversation-0000").await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (404, ErrorCode::NotFound)
    );
    Ok(())
}
