//! "Room information", "Search messages" and "All chats" against the real
//! worker: the times a room shows follow what happened, its topic, tags and
//! priority are edited by whoever works the chat and shown to the next
//! agent after a forward, the workspace's lists are enforced, searches find
//! the right messages (plain or by pattern), and each read is refused to
//! those who may not make it.

use anyhow::{bail, Result};
use shared::api::{VisitorSession, WorkspaceSetup};
use shared::frame::{ClientFrame, ConversationStatus, ErrorCode, ServerFrame, Side};
use shared::inbox::{ConversationSummary, InboxFrame};
use shared::room::{AllChats, Labels, RoomInfo, SearchResults};
use shared::routing::Priority;
use std::time::Duration;
use tests::{Answer, Api, Socket, Worker};

/// The demo workspace under another name, keeping lists of tags (only
/// those allowed) and dispositions.
async fn workspace(api: &Api, name: &str) -> Result<WorkspaceSetup> {
    let mut setup = tests::demo_workspace()?;
    setup.workspace = name.into();
    setup.labels = Labels {
        tags: vec!["billing".into(), "shipping".into(), "refund".into()],
        dispositions: vec!["solved".into(), "no answer".into()],
        restrict_tags: true,
    };
    api.setup(&setup).await?;
    Ok(setup)
}

/// Sends `text` on `socket` and answers when it was stored (`sent_at`).
async fn say(socket: &mut Socket, client_id: &str, text: &str) -> Result<i64> {
    socket
        .send(&ClientFrame::Send {
            client_id: client_id.into(),
            text: text.into(),
            kind: Default::default(),
        })
        .await?;
    match socket
        .recv_until(
            |f| matches!(f, ServerFrame::Ack { client_id: c, .. } if c.as_str() == client_id),
        )
        .await?
    {
        ServerFrame::Ack { sent_at, .. } => Ok(sent_at),
        other => bail!("expected an ack, got {other:?}"),
    }
}

/// A visitor of `site` starts a conversation and writes `text`: the
/// conversation, the visitor's socket and when the message was stored.
async fn visitor_writes(
    api: &Api,
    visitor: &VisitorSession,
    text: &str,
) -> Result<(String, Socket, i64)> {
    let id = api.start(visitor).await?;
    let (mut socket, _) = api.join(&id, &visitor.token, 0).await?;
    let at = say(&mut socket, "v-1", text).await?;
    Ok((id, socket, at))
}

async fn get(api: &Api, token: &str, path: &str) -> Result<Answer> {
    api.raw("GET", path, Some(token), None).await
}

async fn room(api: &Api, token: &str, id: &str) -> Result<Answer> {
    get(
        api,
        token,
        &format!("/api/v1/agent/conversations/{id}/room"),
    )
    .await
}

async fn edit(api: &Api, token: &str, id: &str, body: serde_json::Value) -> Result<Answer> {
    api.act(token, id, "room", body).await
}

/// `GET …/search` with `q` percent-encoded.
async fn search(api: &Api, token: &str, id: &str, q: &str, regex: bool) -> Result<Answer> {
    let q: String = url_encode(q);
    get(
        api,
        token,
        &format!("/api/v1/agent/conversations/{id}/search?q={q}&regex={regex}"),
    )
    .await
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[track_caller]
fn refused(answer: &Answer, status: u16, code: ErrorCode) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.code().ok(), Some(code), "{}", answer.body);
}

#[tokio::test]
async fn room_information_follows_the_chat_and_its_edits_reach_the_next_agent() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    workspace(&api, "rooms").await?;
    let anna = api.login_to("rooms", "anna@demo.test").await?;
    let ben = api.login_to("rooms", "ben@demo.test").await?;
    let sam = api.login_to("rooms", "sam@demo.test").await?;
    let visitor = api.visitor_of("rooms.website").await?;

    let before = tests::now_ms();
    let (id, mut v, asked) = visitor_writes(&api, &visitor, "Where is my refund?").await?;
    // It waits a while in the queue before Anna takes it.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let taking = tests::now_ms();
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let taken = tests::now_ms();
    let (mut chat, _) = api.join(&id, &anna.token, 0).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answered = say(&mut chat, "a-1", "Let me check").await?;
    // A second exchange, for the average.
    let asked_again = say(&mut v, "v-2", "Any news?").await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answered_again = say(&mut chat, "a-2", "It is on its way").await?;

    let answer = room(&api, &anna.token, &id).await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let info: RoomInfo = answer.json()?;
    assert_eq!(info.conversation.status, ConversationStatus::Active);
    assert_eq!(info.conversation.department, "support");
    assert_eq!(info.conversation.visitor.name, visitor.name);
    assert_eq!(
        info.conversation.assignee.as_ref().map(|a| a.name.as_str()),
        Some("Anna")
    );
    assert!(
        before <= info.created_at && info.created_at <= info.queued_at,
        "{info:?}"
    );
    assert!(info.queued_at <= asked + 1_000, "{info:?} asked at {asked}");
    let taken_at = info.taken_at.expect("taken");
    assert!(taking <= taken_at && taken_at <= taken, "{info:?}");
    let queue_time = info.queue_time_ms.expect("a queue time");
    assert_eq!(queue_time, taken_at - info.queued_at);
    assert!((1_200..10_000).contains(&queue_time), "{queue_time}");
    // Response times are the gaps between the stored messages.
    let first = answered - asked;
    assert!(first >= 1_500, "{first}");
    assert_eq!(info.first_response_ms, Some(first));
    let second = answered_again - asked_again;
    assert_eq!(info.average_response_ms, Some((first + second) / 2));
    assert_eq!(
        (info.priority, info.topic.as_str(), info.tags.len()),
        (Priority::Medium, "", 0)
    );
    assert!(info.transfers.is_empty() && info.closed_at.is_none());

    // Anna edits topic, tags (spelt as the list spells them) and priority.
    let edited = edit(
        &api,
        &anna.token,
        &id,
        serde_json::json!({ "topic": "Refund of order 1234", "tags": ["Refund", "billing"], "priority": "high" }),
    )
    .await?;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(
        edited.json::<ConversationSummary>()?.priority,
        Priority::High
    );
    // A tag not in the workspace's list is refused, by name; nothing changes.
    let vip = edit(
        &api,
        &anna.token,
        &id,
        serde_json::json!({ "topic": "Changed", "tags": ["refund", "vip"] }),
    )
    .await?;
    refused(&vip, 400, ErrorCode::BadRequest);
    assert!(vip.body.contains("vip"), "{}", vip.body);
    let long = edit(
        &api,
        &anna.token,
        &id,
        serde_json::json!({ "topic": "x".repeat(201) }),
    )
    .await?;
    refused(&long, 400, ErrorCode::BadRequest);
    // A colleague who does not work the chat may not edit it, nor read it;
    // an agent of another department may not read it either.
    let colleague = edit(
        &api,
        &ben.token,
        &id,
        serde_json::json!({ "topic": "Mine" }),
    )
    .await?;
    refused(&colleague, 403, ErrorCode::Forbidden);
    refused(
        &room(&api, &sam.token, &id).await?,
        403,
        ErrorCode::Forbidden,
    );
    let outsider = edit(
        &api,
        &sam.token,
        &id,
        serde_json::json!({ "topic": "Mine" }),
    )
    .await?;
    assert_eq!(outsider.status, 403, "{}", outsider.body);
    // A visitor's token is not an agent's.
    refused(
        &room(&api, &visitor.token, &id).await?,
        401,
        ErrorCode::Unauthorized,
    );

    // Anna forwards the chat to Ben, available with his app open.
    let mut ben_inbox = api.inbox(&ben.token).await?;
    let _ = ben_inbox.next::<InboxFrame>().await?;
    assert_eq!(api.status(&ben.token, "available").await?.status, 200);
    let forwarded = api
        .act(
            &anna.token,
            &id,
            "forward",
            serde_json::json!({ "agent": ben.agent.id, "comment": "Refund approved, tell them" }),
        )
        .await?;
    assert_eq!(forwarded.status, 200, "{}", forwarded.body);

    // Ben sees what Anna set, and the transfer with its comment.
    let answer = room(&api, &ben.token, &id).await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let info: RoomInfo = answer.json()?;
    assert_eq!(info.topic, "Refund of order 1234");
    assert_eq!(info.tags, ["refund", "billing"]);
    assert_eq!(info.priority, Priority::High);
    assert_eq!(
        info.conversation.assignee.as_ref().map(|a| a.name.as_str()),
        Some("Ben")
    );
    assert_eq!(info.transfers.len(), 1, "{info:?}");
    let transfer = info.transfers[0].clone();
    assert_eq!(
        (transfer.by.name.as_str(), transfer.to.as_str()),
        ("Anna", "Ben")
    );
    assert_eq!(
        transfer.comment.as_deref(),
        Some("Refund approved, tell them")
    );
    assert!(transfer.at >= taken_at, "{transfer:?}");
    // The taken time and first response stay those of the first take.
    assert_eq!(info.taken_at, Some(taken_at));
    assert_eq!(info.first_response_ms, Some(first));

    // Now Ben edits; Anna no longer works the chat.
    let ben_edits = edit(&api, &ben.token, &id, serde_json::json!({ "tags": [] })).await?;
    assert_eq!(ben_edits.status, 200, "{}", ben_edits.body);
    let anna_late = edit(
        &api,
        &anna.token,
        &id,
        serde_json::json!({ "topic": "Mine" }),
    )
    .await?;
    assert_eq!(anna_late.status, 403, "{}", anna_late.body);
    let info: RoomInfo = room(&api, &ben.token, &id).await?.json()?;
    assert!(info.tags.is_empty(), "{info:?}");
    assert_eq!(info.topic, "Refund of order 1234");

    // A close with a disposition not in the list is refused; one in it
    // closes, and the room says how it ended.
    let maybe = api
        .act(
            &ben.token,
            &id,
            "close",
            serde_json::json!({ "comment": "Done", "disposition": "maybe" }),
        )
        .await?;
    refused(&maybe, 400, ErrorCode::BadRequest);
    assert!(maybe.body.contains("maybe"), "{}", maybe.body);
    let closed = api
        .act(
            &ben.token,
            &id,
            "close",
            serde_json::json!({ "comment": "Refund sent", "disposition": "Solved" }),
        )
        .await?;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let info: RoomInfo = room(&api, &ben.token, &id).await?.json()?;
    assert_eq!(info.conversation.status, ConversationStatus::Closed);
    assert_eq!(info.disposition.as_deref(), Some("solved"));
    assert_eq!(info.closing_comment.as_deref(), Some("Refund sent"));
    assert!(info.closed_at.is_some_and(|at| at >= transfer.at));
    Ok(())
}

#[tokio::test]
async fn search_finds_plain_text_and_patterns_and_says_what_is_wrong() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let sam = api.login("sam@demo.test").await?;
    let visitor = api.visitor().await?;
    let (id, mut v, _) = visitor_writes(&api, &visitor, "Hello").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let (mut chat, _) = api.join(&id, &anna.token, 0).await?;
    say(&mut v, "v-2", "The checkout shows error404").await?;
    say(&mut v, "v-3", "Then ERROR500 after a reload").await?;
    say(&mut chat, "a-1", "Is error 42 still there?").await?;
    say(&mut v, "v-4", "No errors now, thanks").await?;

    let texts = |answer: &Answer| -> Result<(Vec<String>, usize, bool)> {
        let results: SearchResults = answer.json()?;
        Ok((
            results.hits.into_iter().map(|m| m.text).collect(),
            results.searched,
            results.truncated,
        ))
    };
    // A pattern, case-insensitive.
    let answer = search(&api, &anna.token, &id, r"error\d{3}", true).await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let (hits, searched, truncated) = texts(&answer)?;
    assert_eq!(
        hits,
        [
            "The checkout shows error404",
            "Then ERROR500 after a reload"
        ]
    );
    // Every message people wrote was searched (system lines are not).
    assert_eq!((searched, truncated), (5, false));
    // The same words, plainly: no digits follow literally.
    let (hits, _, _) = texts(&search(&api, &anna.token, &id, r"error\d{3}", false).await?)?;
    assert!(hits.is_empty(), "{hits:?}");
    // Plain text, case-insensitive, authors kept.
    let answer = search(&api, &anna.token, &id, "ERROR", false).await?;
    let results: SearchResults = answer.json()?;
    let found: Vec<(Side, &str)> = results
        .hits
        .iter()
        .map(|m| (m.author.side, m.text.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (Side::Visitor, "The checkout shows error404"),
            (Side::Visitor, "Then ERROR500 after a reload"),
            (Side::Agent, "Is error 42 still there?"),
            (Side::Visitor, "No errors now, thanks"),
        ]
    );
    // Nothing matches: no hits, no error.
    let (hits, _, _) = texts(&search(&api, &anna.token, &id, "refund", false).await?)?;
    assert!(hits.is_empty());

    // An invalid pattern, an empty and a too long query say why.
    let bad = search(&api, &anna.token, &id, r"error(\d", true).await?;
    refused(&bad, 400, ErrorCode::BadRequest);
    let message = bad.json::<shared::api::ApiError>()?.error.message;
    assert!(message.starts_with("invalid pattern"), "{message}");
    refused(
        &search(&api, &anna.token, &id, " ", false).await?,
        400,
        ErrorCode::BadRequest,
    );
    refused(
        &search(&api, &anna.token, &id, &"a".repeat(201), false).await?,
        400,
        ErrorCode::BadRequest,
    );
    // A visitor's token, an agent who may not open the chat.
    refused(
        &search(&api, &visitor.token, &id, "error", false).await?,
        401,
        ErrorCode::Unauthorized,
    );
    refused(
        &search(&api, &sam.token, &id, "error", false).await?,
        403,
        ErrorCode::Forbidden,
    );
    Ok(())
}

#[tokio::test]
async fn all_chats_lists_every_open_chat_for_supervisors_only() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let mark = api.login("mark@demo.test").await?;
    let (queued, _v1, _) = visitor_writes(&api, &api.visitor().await?, "Waiting here").await?;
    let (active, _v2, _) = visitor_writes(&api, &api.visitor().await?, "Help please").await?;
    let (held, _v3, _) = visitor_writes(&api, &api.visitor().await?, "One question").await?;
    let (closed, _v4, _) = visitor_writes(&api, &api.visitor().await?, "Bye").await?;
    for id in [&active, &held, &closed] {
        assert_eq!(api.take(&anna.token, id).await?.status, 200);
    }
    let (mut chat, _) = api.join(&held, &anna.token, 0).await?;
    say(&mut chat, "a-1", "One moment").await?;
    let hold = api
        .act(&anna.token, &held, "hold", serde_json::json!({}))
        .await?;
    assert_eq!(hold.status, 200, "{}", hold.body);
    let close = api
        .act(
            &anna.token,
            &closed,
            "close",
            serde_json::json!({ "comment": "Bye" }),
        )
        .await?;
    assert_eq!(close.status, 200, "{}", close.body);

    refused(
        &get(&api, &anna.token, "/api/v1/agent/all-chats").await?,
        403,
        ErrorCode::Forbidden,
    );
    let answer = get(&api, &mark.token, "/api/v1/agent/all-chats").await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let all: AllChats = answer.json()?;
    let mut seen: Vec<(String, ConversationStatus, Option<String>)> = all
        .conversations
        .into_iter()
        .map(|c| (c.id.0, c.status, c.assignee.map(|a| a.name)))
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected = vec![
        (queued, ConversationStatus::Queued, None),
        (active, ConversationStatus::Active, Some("Anna".to_string())),
        (held, ConversationStatus::OnHold, Some("Anna".to_string())),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(seen, expected);
    Ok(())
}
