//! Internal notes, whispers and invitations against the real worker. The
//! visitor never gets a note or a whisper by any path: live, replayed from
//! the start, resumed from where they were, after the object was evicted
//! (a restart), or through search; an invited agent writes beside the
//! owner; `/invite` of anyone but an agent says "User is not an agent".

use anyhow::{bail, Result};
use shared::frame::{ClientFrame, ErrorCode, MessageKind, SendKind, ServerFrame};
use std::time::Duration;
use tests::{Api, Socket, Worker};

const NOTE: &str = "NOTE: customer is on the legacy plan";
const WHISPER: &str = "WHISPER: offer the 20% discount";

fn leaked(frames: &[ServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m)
                if m.text.starts_with("NOTE")
                    || m.text.starts_with("WHISPER")
                    || matches!(m.kind, MessageKind::Note | MessageKind::Whisper) =>
            {
                Some(m.text.clone())
            }
            _ => None,
        })
        .collect()
}

async fn write(socket: &mut Socket, client_id: &str, text: &str, kind: SendKind) -> Result<()> {
    socket
        .send(&ClientFrame::Send {
            client_id: client_id.into(),
            text: text.into(),
            kind,
        })
        .await?;
    match socket
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. } | ServerFrame::Error { .. }))
        .await?
    {
        ServerFrame::Ack { .. } => Ok(()),
        other => bail!("not stored: {other:?}"),
    }
}

async fn search(api: &Api, id: &str, token: &str, q: &str) -> Result<tests::Answer> {
    api.raw(
        "GET",
        &format!("/api/v1/agent/conversations/{id}/search?q={q}"),
        Some(token),
        None,
    )
    .await
}

async fn invite(api: &Api, id: &str, token: &str, username: &str) -> Result<tests::Answer> {
    api.act(
        token,
        id,
        "invite",
        serde_json::json!({ "username": username }),
    )
    .await
}

async fn join_agent(api: &Api, id: &str, token: &str) -> Result<Socket> {
    Ok(api.join(id, token, 0).await?.0)
}

#[tokio::test]
async fn a_note_and_a_whisper_never_reach_the_visitor_by_any_path() -> Result<()> {
    let mut worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (id, mut live) = api.first_message(&visitor, "hello, error 404 here").await?;
    let anna = api.login("anna@demo.test").await?;
    let mark = api.login("mark@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let mut anna_socket = join_agent(&api, &id, &anna.token).await?;
    let mut mark_socket = join_agent(&api, &id, &mark.token).await?;
    // Where the visitor is before the notes.
    let _ = live.drain(Duration::from_millis(300)).await;

    write(&mut anna_socket, "n-1", NOTE, SendKind::Note).await?;
    // Agents and supervisors read them live.
    let mark_got = mark_socket.drain(Duration::from_millis(400)).await;
    assert_eq!(leaked(&mark_got), vec![NOTE.to_string()]);
    write(&mut mark_socket, "w-1", WHISPER, SendKind::Whisper).await?;
    let anna_got = anna_socket.drain(Duration::from_millis(400)).await;
    assert_eq!(leaked(&anna_got), vec![WHISPER.to_string()]);
    // Then Anna answers the visitor, so the visitor has something after.
    write(&mut anna_socket, "a-1", "How can I help?", SendKind::Text).await?;

    // 1. Live.
    let frames = live.drain(Duration::from_millis(500)).await;
    assert!(leaked(&frames).is_empty(), "live: {frames:?}");
    assert!(frames
        .iter()
        .any(|f| matches!(f, ServerFrame::Message(m) if m.text == "How can I help?")));

    // 2. Replayed from the start, and its welcome counts only what it may read.
    let (mut from_start, welcome) = api.join(&id, &visitor.token, 0).await?;
    let replay = from_start.drain(Duration::from_millis(500)).await;
    assert!(leaked(&replay).is_empty(), "replay: {replay:?}");
    let ServerFrame::Welcome { last_seq, .. } = welcome else {
        bail!("no welcome")
    };
    let seqs: Vec<u64> = replay
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m) => Some(m.seq),
            _ => None,
        })
        .collect();
    assert_eq!(seqs.last().copied(), Some(last_seq));

    // 3. Resumed from a point before the note, after the objects were
    // evicted (a restart of the runtime keeps only storage).
    worker.restart().await?;
    let api = worker.api();
    let (mut resumed, _) = api.join(&id, &visitor.token, 1).await?;
    let replay = resumed.drain(Duration::from_millis(500)).await;
    assert!(leaked(&replay).is_empty(), "resume: {replay:?}");
    assert!(!replay.is_empty());

    // 4. Search: the visitor may not search at all; Ben, a colleague who
    // may open the chat's history once closed, never reads Anna's whisper.
    assert_eq!(search(&api, &id, &visitor.token, "NOTE").await?.status, 401);
    let anna = api.login("anna@demo.test").await?;
    let found: shared::room::SearchResults =
        search(&api, &id, &anna.token, "WHISPER").await?.json()?;
    assert_eq!(found.hits.len(), 1, "Anna reads the whisper to her");
    let mark = api.login("mark@demo.test").await?;
    let found: shared::room::SearchResults =
        search(&api, &id, &mark.token, "NOTE").await?.json()?;
    assert_eq!(found.hits.len(), 1);
    assert_eq!(
        api.act(
            &anna.token,
            &id,
            "close",
            serde_json::json!({ "comment": "done" })
        )
        .await?
        .status,
        200
    );
    let ben = api.login("ben@demo.test").await?;
    let found: shared::room::SearchResults =
        search(&api, &id, &ben.token, "WHISPER").await?.json()?;
    assert!(found.hits.is_empty(), "not Ben's whisper: {found:?}");
    let found: shared::room::SearchResults = search(&api, &id, &ben.token, "NOTE").await?.json()?;
    assert_eq!(found.hits.len(), 1, "notes are for every agent of the chat");
    // Ben's replay of the closed chat has the note, not the whisper.
    let (mut ben_socket, _) = api.join(&id, &ben.token, 0).await?;
    let ben_got = ben_socket.drain(Duration::from_millis(500)).await;
    assert_eq!(leaked(&ben_got), vec![NOTE.to_string()]);
    Ok(())
}

#[tokio::test]
async fn notes_and_whispers_are_refused_to_whom_they_are_not_for() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (id, mut live) = api.first_message(&visitor, "hello").await?;
    // A visitor cannot write either.
    for (cid, kind) in [("v-2", SendKind::Note), ("v-3", SendKind::Whisper)] {
        live.send(&ClientFrame::Send {
            client_id: cid.into(),
            text: "let me see".into(),
            kind,
        })
        .await?;
        let answer = live
            .recv_until(|f| matches!(f, ServerFrame::Ack { .. } | ServerFrame::Error { .. }))
            .await?;
        assert!(
            matches!(
                answer,
                ServerFrame::Error {
                    code: ErrorCode::Forbidden,
                    ..
                }
            ),
            "{answer:?}"
        );
    }
    let anna = api.login("anna@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let mut anna_socket = join_agent(&api, &id, &anna.token).await?;
    // The agent working the chat writes notes, not whispers.
    anna_socket
        .send(&ClientFrame::Send {
            client_id: "w-1".into(),
            text: "to myself".into(),
            kind: SendKind::Whisper,
        })
        .await?;
    let answer = anna_socket
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. } | ServerFrame::Error { .. }))
        .await?;
    assert!(matches!(answer, ServerFrame::Error { .. }), "{answer:?}");
    Ok(())
}

#[tokio::test]
async fn an_invited_agent_writes_beside_the_owner() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (id, mut live) = api.first_message(&visitor, "hello").await?;
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    // Before the invitation Ben is shut out of Anna's chat.
    let mut early = api.socket(&id, &ben.token).await?;
    assert_eq!(early.closed().await?, shared::close::FORBIDDEN);

    let refused = invite(&api, &id, &anna.token, "@nobody").await?;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("User is not an agent"),
        "{}",
        refused.body
    );
    // Only those working the chat invite.
    assert_eq!(invite(&api, &id, &ben.token, "@sam").await?.status, 403);
    let invited = invite(&api, &id, &anna.token, "@ben").await?;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let summary: shared::inbox::ConversationSummary = invited.json()?;
    assert_eq!(summary.members.len(), 1);
    assert_eq!(summary.assignee.map(|a| a.name).as_deref(), Some("Anna"));
    let line = live
        .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text.contains("invited")))
        .await?;
    assert!(matches!(line, ServerFrame::Message(m) if m.text == "Anna invited Ben to the chat"));

    let mut ben_socket = join_agent(&api, &id, &ben.token).await?;
    write(
        &mut ben_socket,
        "b-1",
        "Ben here, from billing",
        SendKind::Text,
    )
    .await?;
    let got = live
        .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.text == "Ben here, from billing"))
        .await?;
    assert!(matches!(got, ServerFrame::Message(m) if m.author.name == "Ben"));
    // Ben may not close it: the chat stays Anna's.
    let close = api
        .act(
            &ben.token,
            &id,
            "close",
            serde_json::json!({ "comment": "bye" }),
        )
        .await?;
    assert_eq!(close.status, 403, "{}", close.body);
    // Sam (Sales) was never invited: still shut out.
    let sam = api.login("sam@demo.test").await?;
    let mut sam_socket = api.socket(&id, &sam.token).await?;
    assert_eq!(sam_socket.closed().await?, shared::close::FORBIDDEN);
    Ok(())
}
