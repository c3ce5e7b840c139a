//! Calls against the real worker: the relay between the call's agent and
//! visitor (and nobody else), the refusals (a visitor's start or offer,
//! another conversation's visitor, an agent who does not work the chat, a
//! closed conversation, calls off for the site, bad settings), signalling
//! never stored nor replayed, a call that rings out, a close that ends
//! the call, and a side that reconnects learning the call.

use anyhow::{bail, ensure, Result};
use serde_json::json;
use shared::call::{CallKind, CallState, CallStatus, IceCandidate, IceServer};
use shared::frame::{ClientFrame, ErrorCode, MessageKind, ServerFrame};
use std::time::Duration;
use tests::{Api, Socket, Worker};

const QUIET: Duration = Duration::from_millis(400);

/// A conversation Anna took: its id, the visitor's token and socket,
/// Anna's token and socket (both drained).
struct Chat {
    id: String,
    visitor_token: String,
    visitor: Socket,
    anna_token: String,
    anna: Socket,
}

async fn chat(api: &Api) -> Result<Chat> {
    let v = api.visitor().await?;
    let (id, mut visitor) = api.first_message(&v, "can we talk?").await?;
    let anna = api.login("anna@demo.test").await?;
    ensure!(api.take(&anna.token, &id).await?.status == 200, "take");
    let (mut anna_socket, _) = api.join(&id, &anna.token, 0).await?;
    let _ = visitor.drain(QUIET).await;
    let _ = anna_socket.drain(QUIET).await;
    Ok(Chat {
        id,
        visitor_token: v.token,
        visitor,
        anna_token: anna.token,
        anna: anna_socket,
    })
}

async fn call_frame(s: &mut Socket) -> Result<(CallState, Option<Vec<IceServer>>)> {
    match s
        .recv_until(|f| matches!(f, ServerFrame::Call { .. } | ServerFrame::Error { .. }))
        .await?
    {
        ServerFrame::Call { call, ice_servers } => Ok((call, ice_servers)),
        other => bail!("expected a call frame, got {other:?}"),
    }
}

/// The next error on a socket (call states, which every socket gets, are
/// passed over).
async fn error_code(s: &mut Socket) -> Result<ErrorCode> {
    match s
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await?
    {
        ServerFrame::Error { code, .. } => Ok(code),
        other => bail!("expected an error, got {other:?}"),
    }
}

/// Anna starts a call; the visitor is invited. Its id.
async fn ring(c: &mut Chat, kind: CallKind) -> Result<String> {
    c.anna.send(&ClientFrame::CallStart { kind }).await?;
    let (call, ice) = call_frame(&mut c.anna).await?;
    ensure!(call.status == CallStatus::Ringing, "{call:?}");
    ensure!(ice.is_some(), "the agent gets the ICE servers");
    let (invited, ice) = call_frame(&mut c.visitor).await?;
    ensure!(invited.id == call.id && invited.status == CallStatus::Ringing);
    ensure!(ice.is_some(), "the visitor gets the ICE servers");
    Ok(call.id)
}

fn signalling(frames: &[ServerFrame]) -> usize {
    frames
        .iter()
        .filter(|f| {
            matches!(
                f,
                ServerFrame::CallOffer { .. }
                    | ServerFrame::CallAnswer { .. }
                    | ServerFrame::CallCandidate { .. }
            )
        })
        .count()
}

fn lines(frames: &[ServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m) if m.kind == MessageKind::System => Some(m.text.clone()),
            _ => None,
        })
        .collect()
}

async fn put_calls(api: &Api, token: &str, body: serde_json::Value) -> Result<u16> {
    Ok(api
        .send(
            "PUT",
            "/api/v1/admin/settings/calls",
            Some(token),
            Some(&body),
        )
        .await?
        .status)
}

#[tokio::test]
async fn the_relay_goes_between_the_two_participants_only_and_is_never_stored() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut c = chat(&api).await?;
    let mark = api.login("mark@demo.test").await?;
    let (mut supervisor, _) = api.join(&c.id, &mark.token, 0).await?;
    let _ = supervisor.drain(QUIET).await;

    let id = ring(&mut c, CallKind::Video).await?;
    let (seen, ice) = call_frame(&mut supervisor).await?;
    ensure!(
        seen.id == id && ice.is_none(),
        "a supervisor sees the call, not its servers"
    );
    c.visitor
        .send(&ClientFrame::CallAccept {
            call_id: id.clone(),
        })
        .await?;
    let (call, _) = call_frame(&mut c.anna).await?;
    ensure!(call.status == CallStatus::Connected && call.answered_at.is_some());

    let sdp = format!(
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n{}",
        "a=x\r\n".repeat(500)
    );
    c.anna
        .send(&ClientFrame::CallOffer {
            call_id: id.clone(),
            sdp: sdp.clone(),
        })
        .await?;
    match c
        .visitor
        .recv_until(|f| matches!(f, ServerFrame::CallOffer { .. }))
        .await?
    {
        ServerFrame::CallOffer { sdp: got, .. } => ensure!(got == sdp, "the offer arrives whole"),
        _ => unreachable!(),
    }
    c.visitor
        .send(&ClientFrame::CallAnswer {
            call_id: id.clone(),
            sdp: "v=0 answer".into(),
        })
        .await?;
    let candidate = IceCandidate {
        candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
    };
    c.visitor
        .send(&ClientFrame::CallCandidate {
            call_id: id.clone(),
            candidate: candidate.clone(),
        })
        .await?;
    let got = c.anna.drain(QUIET).await;
    ensure!(
        got.iter()
            .any(|f| matches!(f, ServerFrame::CallAnswer { sdp, .. } if sdp == "v=0 answer")),
        "{got:?}"
    );
    ensure!(got
        .iter()
        .any(|f| matches!(f, ServerFrame::CallCandidate { candidate: c, .. } if *c == candidate)));
    // The supervisor got the state changes, never the signalling.
    let watched = supervisor.drain(QUIET).await;
    ensure!(signalling(&watched) == 0, "{watched:?}");
    ensure!(watched
        .iter()
        .any(|f| matches!(f, ServerFrame::Call { call, ice_servers: None } if call.status == CallStatus::Connected)));

    // An SDP too large is refused with a clear error, not relayed.
    let big = "a".repeat(shared::call::MAX_SDP_BYTES + 1);
    c.anna
        .send(&ClientFrame::CallOffer {
            call_id: id.clone(),
            sdp: big,
        })
        .await?;
    ensure!(error_code(&mut c.anna).await? == ErrorCode::TooLarge);

    // The chat goes on during the call.
    c.visitor
        .send(&ClientFrame::Send {
            client_id: "v-2".into(),
            text: "I hear you".into(),
            kind: Default::default(),
        })
        .await?;
    let got = c
        .anna
        .recv_until(|f| matches!(f, ServerFrame::Message(_)))
        .await?;
    ensure!(matches!(got, ServerFrame::Message(m) if m.text == "I hear you"));

    // Nothing of the signalling was stored: a replay from the start has
    // the system lines and the messages only.
    let (mut again, _) = api.join(&c.id, &c.visitor_token, 0).await?;
    let replay = again.drain(QUIET).await;
    ensure!(signalling(&replay) == 0, "{replay:?}");
    let said = lines(&replay);
    ensure!(
        said.iter().any(|l| l == "Anna started a video call"),
        "{said:?}"
    );
    ensure!(
        said.iter().any(|l| l.ends_with("accepted the call")),
        "{said:?}"
    );
    ensure!(!replay
        .iter()
        .any(|f| matches!(f, ServerFrame::Message(m) if m.text.contains("v=0"))));
    // And this new socket learnt the call (a second window: state only).
    ensure!(replay.iter().any(
        |f| matches!(f, ServerFrame::Call { call, .. } if call.status == CallStatus::Connected)
    ));

    // Anna ends it: both see the line with its duration, and room
    // information counts it.
    c.anna
        .send(&ClientFrame::CallEnd {
            call_id: id.clone(),
            reason: None,
        })
        .await?;
    let ended = c.visitor.drain(QUIET).await;
    ensure!(ended
        .iter()
        .any(|f| matches!(f, ServerFrame::Call { call, .. } if call.status == CallStatus::Ended)));
    let said = lines(&ended);
    ensure!(
        said.iter()
            .any(|l| l.starts_with("Anna ended the call after ") && l.ends_with(" s")),
        "{said:?}"
    );
    let room: serde_json::Value = api
        .expect(
            "GET",
            &format!("/api/v1/agent/conversations/{}/room", c.id),
            &c.anna_token,
            None,
        )
        .await?;
    ensure!(
        room["calls"]["count"] == 1 && room["calls"]["answered"] == 1,
        "{room}"
    );

    // Closed, the chat's call counts in the workspace's reports: in the
    // totals and on Anna's line, with its connected time.
    let closed = api
        .act(&c.anna_token, &c.id, "close", json!({ "comment": "Done" }))
        .await?;
    ensure!(closed.status == 200, "close: {}", closed.body);
    let mark = api.login("mark@demo.test").await?;
    let mut report = serde_json::Value::Null;
    for _ in 0..50 {
        report = api
            .expect("GET", "/api/v1/reports", &mark.token, None)
            .await?;
        if report["totals"]["chats"].as_u64() >= Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let totals = &report["totals"];
    ensure!(
        totals["calls"] == 1 && totals["calls_answered"] == 1,
        "{report}"
    );
    ensure!(
        totals["call_ms"].as_i64() == room["calls"]["total_ms"].as_i64(),
        "{report}"
    );
    let anna = report["by_agent"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["label"].as_str() == Some("Anna")));
    ensure!(anna.is_some_and(|a| a["calls"] == 1), "{report}");
    Ok(())
}

#[tokio::test]
async fn refusals() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut c = chat(&api).await?;
    // A visitor cannot start a call, nor offer.
    c.visitor
        .send(&ClientFrame::CallStart {
            kind: CallKind::Audio,
        })
        .await?;
    ensure!(error_code(&mut c.visitor).await? == ErrorCode::Forbidden);
    // A supervisor reading the chat is not its agent.
    let mark = api.login("mark@demo.test").await?;
    let (mut supervisor, _) = api.join(&c.id, &mark.token, 0).await?;
    let _ = supervisor.drain(QUIET).await;
    supervisor
        .send(&ClientFrame::CallStart {
            kind: CallKind::Audio,
        })
        .await?;
    ensure!(error_code(&mut supervisor).await? == ErrorCode::Forbidden);

    let id = ring(&mut c, CallKind::Audio).await?;
    // One at a time.
    c.anna
        .send(&ClientFrame::CallStart {
            kind: CallKind::Video,
        })
        .await?;
    ensure!(error_code(&mut c.anna).await? == ErrorCode::CallBusy);
    // Only the visitor answers; nobody signals before.
    c.anna
        .send(&ClientFrame::CallAccept {
            call_id: id.clone(),
        })
        .await?;
    ensure!(error_code(&mut c.anna).await? == ErrorCode::Forbidden);
    c.visitor
        .send(&ClientFrame::CallAccept {
            call_id: id.clone(),
        })
        .await?;
    let _ = c.anna.drain(QUIET).await;
    let _ = c.visitor.drain(QUIET).await;
    c.visitor
        .send(&ClientFrame::CallOffer {
            call_id: id.clone(),
            sdp: "v=0".into(),
        })
        .await?;
    ensure!(error_code(&mut c.visitor).await? == ErrorCode::Forbidden);
    supervisor
        .send(&ClientFrame::CallCandidate {
            call_id: id.clone(),
            candidate: IceCandidate {
                candidate: "candidate:x".into(),
                sdp_mid: None,
                sdp_m_line_index: None,
            },
        })
        .await?;
    ensure!(error_code(&mut supervisor).await? == ErrorCode::Forbidden);
    ensure!(
        signalling(&c.anna.drain(QUIET).await) == 0,
        "nothing refused is relayed"
    );

    // Another conversation's visitor knows nothing of this call, on their
    // own socket, and cannot open this one's.
    let other = api.visitor().await?;
    let (_, mut theirs) = api.first_message(&other, "me too").await?;
    theirs
        .send(&ClientFrame::CallAccept {
            call_id: id.clone(),
        })
        .await?;
    ensure!(error_code(&mut theirs).await? == ErrorCode::NoCall);
    theirs
        .send(&ClientFrame::CallAnswer {
            call_id: id.clone(),
            sdp: "v=0".into(),
        })
        .await?;
    ensure!(error_code(&mut theirs).await? == ErrorCode::NoCall);
    let mut intruder = api.socket(&c.id, &other.token).await?;
    ensure!(intruder.closed().await? == shared::close::FORBIDDEN);

    // Closing ends the call; a closed conversation refuses a new one.
    let closed = api
        .act(&c.anna_token, &c.id, "close", json!({ "comment": "bye" }))
        .await?;
    ensure!(closed.status == 200, "{}", closed.body);
    let ended = c.visitor.drain(QUIET).await;
    ensure!(ended
        .iter()
        .any(|f| matches!(f, ServerFrame::Call { call, .. } if call.status == CallStatus::Ended)));
    let said = lines(&ended);
    ensure!(
        said.iter().any(|l| l.ends_with(": the chat was closed")),
        "{said:?}"
    );
    c.anna
        .send(&ClientFrame::CallStart {
            kind: CallKind::Audio,
        })
        .await?;
    ensure!(error_code(&mut c.anna).await? == ErrorCode::ConversationClosed);
    Ok(())
}

#[tokio::test]
async fn settings_turn_calls_off_ring_them_out_and_hand_out_turn_credentials() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mark = api.login("mark@demo.test").await?.token;
    let anna = api.login("anna@demo.test").await?.token;
    // An agent may not change them; bad settings are refused.
    ensure!(put_calls(&api, &anna, json!({ "enabled": false })).await? == 403);
    ensure!(put_calls(&api, &mark, json!({ "ring_timeout_ms": 10 })).await? == 400);
    ensure!(
        put_calls(
            &api,
            &mark,
            json!({ "turn_urls": ["turn:turn.example.test"] })
        )
        .await?
            == 400
    );
    ensure!(put_calls(&api, &mark, json!({ "stun_urls": ["https://x"] })).await? == 400);

    // Off for the demo site.
    ensure!(put_calls(&api, &mark, json!({ "off_sites": ["website"] })).await? == 200);
    let mut c = chat(&api).await?;
    c.anna
        .send(&ClientFrame::CallStart {
            kind: CallKind::Audio,
        })
        .await?;
    match c
        .anna
        .recv_until(|f| matches!(f, ServerFrame::Error { .. } | ServerFrame::Call { .. }))
        .await?
    {
        ServerFrame::Error { code, message, .. } => {
            ensure!(
                code == ErrorCode::CallsOff && message.contains("site"),
                "{message}"
            )
        }
        other => bail!("{other:?}"),
    }

    // On again, with STUN, TURN and a short ring.
    let secret = "a-turn-secret-of-sufficient-length";
    let body = json!({
        "ring_timeout_ms": 5_000,
        "stun_urls": ["stun:stun.example.test:3478"],
        "turn_urls": ["turn:turn.example.test:3478?transport=udp"],
        "turn_secret": secret,
    });
    ensure!(put_calls(&api, &mark, body).await? == 200);
    let settings: serde_json::Value = api
        .expect("GET", "/api/v1/admin/settings", &mark, None)
        .await?;
    ensure!(settings["calls"]["ring_timeout_ms"] == 5_000, "{settings}");
    // The site's public configuration never carries them.
    let site = api
        .raw(
            "GET",
            &format!("/api/v1/visitor/site?site_key={}", tests::SITE_KEY),
            None,
            None,
        )
        .await?;
    ensure!(
        !site.body.contains(secret) && !site.body.contains("turn.example"),
        "{}",
        site.body
    );

    c.anna
        .send(&ClientFrame::CallStart {
            kind: CallKind::Audio,
        })
        .await?;
    let (call, ice) = call_frame(&mut c.anna).await?;
    let ice = ice.unwrap_or_default();
    ensure!(ice.len() == 2, "{ice:?}");
    let turn = &ice[1];
    let username = turn.username.clone().unwrap_or_default();
    ensure!(username.ends_with(&format!(":{}", call.id)), "{username}");
    let (expected_user, expected) = chat_core::conversation::call::turn_credentials(
        secret,
        &call.id,
        username.split(':').next().unwrap_or("0").parse()?,
    );
    ensure!(expected_user == username && turn.credential.as_deref() == Some(expected.as_str()));
    let (_, visitor_ice) = call_frame(&mut c.visitor).await?;
    ensure!(
        visitor_ice.is_some_and(|i| i == ice),
        "the visitor gets the same servers"
    );

    // Nobody answers: missed after the ring timeout.
    let missed = c
        .visitor
        .recv_until(
            |f| matches!(f, ServerFrame::Call { call, .. } if call.status != CallStatus::Ringing),
        )
        .await;
    let missed = match missed {
        Ok(f) => f,
        Err(_) => {
            tokio::time::sleep(Duration::from_secs(6)).await;
            c.visitor
                .recv_until(|f| matches!(f, ServerFrame::Call { call, .. } if call.status != CallStatus::Ringing))
                .await?
        }
    };
    ensure!(
        matches!(&missed, ServerFrame::Call { call, .. } if call.status == CallStatus::Missed),
        "{missed:?}"
    );
    let said = lines(&c.anna.drain(QUIET).await);
    ensure!(
        said.iter().any(|l| l == "Nobody answered the call"),
        "{said:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_side_that_reconnects_learns_the_call_and_rejoins_it() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut c = chat(&api).await?;
    let id = ring(&mut c, CallKind::Video).await?;
    c.visitor
        .send(&ClientFrame::CallAccept {
            call_id: id.clone(),
        })
        .await?;
    let _ = call_frame(&mut c.anna).await?;
    c.anna
        .send(&ClientFrame::CallOffer {
            call_id: id.clone(),
            sdp: "v=0 first".into(),
        })
        .await?;
    let _ = c.visitor.drain(QUIET).await;
    // The visitor's page reloads: a new socket, resumed from where it was.
    drop(c.visitor);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut back, welcome) = api.join(&c.id, &c.visitor_token, 0).await?;
    let ServerFrame::Welcome { last_seq, .. } = welcome else {
        bail!("no welcome")
    };
    let frames = back.drain(QUIET).await;
    ensure!(
        signalling(&frames) == 0,
        "the old offer is not replayed: {frames:?}"
    );
    let Some((call, ice)) = frames.iter().find_map(|f| match f {
        ServerFrame::Call { call, ice_servers } => Some((call.clone(), ice_servers.clone())),
        _ => None,
    }) else {
        bail!("no call state after the welcome: {frames:?}")
    };
    ensure!(call.status == CallStatus::Connected && ice.is_some());
    ensure!(last_seq > 0);
    // The agent is told to offer again, and the new offer reaches the new socket.
    let rejoin = c
        .anna
        .recv_until(|f| matches!(f, ServerFrame::CallRejoin { .. }))
        .await?;
    ensure!(matches!(rejoin, ServerFrame::CallRejoin { call_id } if call_id == id));
    c.anna
        .send(&ClientFrame::CallOffer {
            call_id: id.clone(),
            sdp: "v=0 again".into(),
        })
        .await?;
    let again = back
        .recv_until(|f| matches!(f, ServerFrame::CallOffer { .. }))
        .await?;
    ensure!(matches!(again, ServerFrame::CallOffer { sdp, .. } if sdp == "v=0 again"));
    // The agent's app reloads too: it learns the call with its servers.
    drop(c.anna);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut anna, _) = api.join(&c.id, &c.anna_token, 0).await?;
    let frames = anna.drain(QUIET).await;
    ensure!(frames.iter().any(|f| matches!(
        f,
        ServerFrame::Call { call, ice_servers: Some(_) } if call.status == CallStatus::Connected
    )));
    anna.send(&ClientFrame::CallOffer {
        call_id: id.clone(),
        sdp: "v=0 third".into(),
    })
    .await?;
    let third = back
        .recv_until(|f| matches!(f, ServerFrame::CallOffer { .. }))
        .await?;
    ensure!(matches!(third, ServerFrame::CallOffer { sdp, .. } if sdp == "v=0 third"));
    Ok(())
}
