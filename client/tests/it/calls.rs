//! The call as both apps show it: `ChatState`'s call fed the server's call
//! frames (read from their JSON as the socket gets them), the views and
//! events that follow, and the frames the presses send.

use crate::frames::{anna, bert, vera, welcome};
use chat_client::call::{CallAction, CallEvent, Phase};
use chat_client::wire::Decode;
use chat_client::ChatState;
use serde_json::json;
use shared::call::{CallEndReason, CallKind, CallStatus, IceCandidate, MediaState};
use shared::frame::{ClientFrame, ErrorCode, Participant, ServerFrame};

fn welcomed(me: Participant) -> ChatState {
    let mut s = ChatState::new();
    s.apply(welcome(me, 0, vec![]));
    s
}

/// A `call` frame as the server writes it, read back as the apps read it.
fn call(status: &str, ice: bool, extra: serde_json::Value) -> ServerFrame {
    let mut v = json!({
        "type": "call",
        "call": {
            "id": "c1.1", "kind": "video", "status": status,
            "agent": { "side": "agent", "id": "a-1", "name": "Anna" },
            "visitor": { "side": "visitor", "id": "v-1", "name": "Vera" },
            "started_at": 1_000,
            "agent_media": { "audio": true, "video": true },
            "visitor_media": { "audio": true, "video": true },
        },
    });
    if ice {
        v["ice_servers"] = json!([{ "urls": ["stun:stun.example.test"] }]);
    }
    if let Some(extra) = extra.as_object() {
        for (k, val) in extra {
            v["call"][k] = val.clone();
        }
    }
    ServerFrame::decode(&v.to_string()).expect("a call frame reads")
}

fn events(s: &mut ChatState) -> Vec<CallEvent> {
    std::iter::from_fn(|| s.call_mut().poll_event()).collect()
}

#[test]
fn the_agent_starts_then_sees_it_ring_then_offers_once_accepted() {
    let mut s = welcomed(anna());
    assert_eq!(s.call().view(Some(&anna()), 0).phase, Phase::Idle);
    let start = s.call_action(CallAction::Start(CallKind::Video));
    assert_eq!(
        start,
        Some(ClientFrame::CallStart {
            kind: CallKind::Video
        })
    );
    assert_eq!(
        s.call_action(CallAction::Start(CallKind::Video)),
        None,
        "once"
    );
    assert_eq!(s.call().view(Some(&anna()), 0).phase, Phase::Starting);
    s.apply(call("ringing", true, json!({ "rings_until": 46_000 })));
    let v = s.call().view(Some(&anna()), 2_000);
    assert_eq!(v.phase, Phase::Outgoing);
    assert_eq!(v.peer.map(|p| p.name), Some("Vera".into()));
    assert_eq!(v.since, Some(1_000));
    assert!(events(&mut s).is_empty(), "the agent does not ring");
    // No offer before the visitor accepts.
    assert_eq!(s.call_action(CallAction::Offer("v=0".into())), None);
    s.apply(call("connected", true, json!({ "answered_at": 5_000 })));
    assert_eq!(events(&mut s), vec![CallEvent::MakeOffer]);
    let v = s.call().view(Some(&anna()), 65_000);
    assert_eq!(
        (v.phase, v.since, v.duration_ms),
        (Phase::Connected, Some(5_000), 60_000)
    );
    assert_eq!(
        s.call_action(CallAction::Offer("v=0".into())),
        Some(ClientFrame::CallOffer {
            call_id: "c1.1".into(),
            sdp: "v=0".into()
        })
    );
    // The visitor's answer and candidates reach the media layer.
    let answer =
        ServerFrame::decode(r#"{"type":"call_answer","call_id":"c1.1","sdp":"v=0 a"}"#).unwrap();
    s.apply(answer);
    let cand = ServerFrame::decode(
        r#"{"type":"call_candidate","call_id":"c1.1","candidate":{"candidate":"candidate:1","sdp_mid":"0"}}"#,
    )
    .unwrap();
    s.apply(cand);
    // Another call's signalling is ignored.
    s.apply(ServerFrame::decode(r#"{"type":"call_answer","call_id":"c9.1","sdp":"x"}"#).unwrap());
    assert_eq!(
        events(&mut s),
        vec![
            CallEvent::Answer("v=0 a".into()),
            CallEvent::Candidate(IceCandidate {
                candidate: "candidate:1".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: None,
            })
        ]
    );
    // The visitor came back: offer again.
    s.apply(ServerFrame::decode(r#"{"type":"call_rejoin","call_id":"c1.1"}"#).unwrap());
    assert_eq!(events(&mut s), vec![CallEvent::MakeOffer]);
    // Mute, then end.
    assert_eq!(
        s.call_action(CallAction::Media(MediaState {
            audio: false,
            video: true
        })),
        Some(ClientFrame::CallMedia {
            call_id: "c1.1".into(),
            media: MediaState {
                audio: false,
                video: true
            }
        })
    );
    assert_eq!(
        s.call_action(CallAction::End),
        Some(ClientFrame::CallEnd {
            call_id: "c1.1".into(),
            reason: None,
        })
    );
    assert_eq!(
        s.call_action(CallAction::MediaDenied),
        Some(ClientFrame::CallEnd {
            call_id: "c1.1".into(),
            reason: Some(CallEndReason::MediaDenied),
        }),
        "a side without media ends the call and says why"
    );
    s.apply(call(
        "ended",
        false,
        json!({ "answered_at": 5_000, "ended_at": 125_000, "ended_by": { "side": "agent", "id": "a-1", "name": "Anna" } }),
    ));
    assert_eq!(events(&mut s), vec![CallEvent::HangUp]);
    let v = s.call().view(Some(&anna()), 999_999);
    assert_eq!(
        (v.phase, v.duration_ms),
        (Phase::Ended(CallStatus::Ended), 120_000)
    );
    assert_eq!(s.call_action(CallAction::End), None, "nothing to end");
    s.call_action(CallAction::Dismiss);
    assert_eq!(s.call().view(Some(&anna()), 0).phase, Phase::Idle);
}

#[test]
fn a_refused_start_returns_to_idle() {
    let mut s = welcomed(anna());
    s.call_action(CallAction::Start(CallKind::Audio));
    s.apply(
        ServerFrame::decode(
            r#"{"type":"error","code":"calls_off","message":"calls are turned off for this site"}"#,
        )
        .unwrap(),
    );
    assert_eq!(s.call().view(Some(&anna()), 0).phase, Phase::Idle);
    assert_eq!(
        s.call().refusal(),
        Some("calls are turned off for this site")
    );
    assert!(s.call_action(CallAction::Start(CallKind::Audio)).is_some());
    assert_eq!(
        s.call().refusal(),
        None,
        "a new start forgets the last refusal"
    );
}

#[test]
fn the_visitor_is_invited_accepts_and_answers() {
    let mut s = welcomed(vera());
    s.apply(call("ringing", true, json!({ "rings_until": 46_000 })));
    assert_eq!(events(&mut s), vec![CallEvent::Ring]);
    let v = s.call().view(Some(&vera()), 2_000);
    assert_eq!(v.phase, Phase::Incoming);
    assert_eq!(v.peer.map(|p| p.name), Some("Anna".into()));
    assert_eq!(v.kind, Some(CallKind::Video));
    assert_eq!(s.call().ice_servers().map(|i| i.len()), Some(1));
    // A visitor starts nothing.
    assert_eq!(s.call_action(CallAction::Start(CallKind::Audio)), None);
    assert_eq!(
        s.call_action(CallAction::Accept),
        Some(ClientFrame::CallAccept {
            call_id: "c1.1".into()
        })
    );
    s.apply(call("connected", true, json!({ "answered_at": 5_000 })));
    assert!(events(&mut s).is_empty(), "the visitor waits for the offer");
    s.apply(
        ServerFrame::decode(r#"{"type":"call_offer","call_id":"c1.1","sdp":"v=0 o"}"#).unwrap(),
    );
    assert_eq!(events(&mut s), vec![CallEvent::Offer("v=0 o".into())]);
    assert_eq!(
        s.call_action(CallAction::Answer("v=0 a".into())),
        Some(ClientFrame::CallAnswer {
            call_id: "c1.1".into(),
            sdp: "v=0 a".into()
        })
    );
    assert_eq!(
        s.call_action(CallAction::Offer("x".into())),
        None,
        "no offers"
    );
}

#[test]
fn the_visitor_declines_or_it_rings_out() {
    let mut s = welcomed(vera());
    s.apply(call("ringing", true, json!({})));
    assert_eq!(
        s.call_action(CallAction::Decline),
        Some(ClientFrame::CallDecline {
            call_id: "c1.1".into()
        })
    );
    s.apply(call("missed", false, json!({ "ended_at": 46_000 })));
    assert_eq!(events(&mut s), vec![CallEvent::Ring, CallEvent::HangUp]);
    assert_eq!(
        s.call().view(Some(&vera()), 50_000).phase,
        Phase::Ended(CallStatus::Missed)
    );
    assert!(s.call().ice_servers().is_none());
}

#[test]
fn a_supervisor_watches_without_joining() {
    let mut s = welcomed(bert());
    s.apply(call("connected", false, json!({ "answered_at": 5_000 })));
    assert!(events(&mut s).is_empty());
    let v = s.call().view(Some(&bert()), 10_000);
    assert_eq!(v.phase, Phase::Watching);
    assert_eq!(v.mine, None);
    assert_eq!(s.call_action(CallAction::End), None);
    assert_eq!(
        s.call_action(CallAction::Candidate(IceCandidate {
            candidate: String::new(),
            sdp_mid: None,
            sdp_m_line_index: None
        })),
        None
    );
}

#[test]
fn an_agent_back_on_a_new_socket_offers_again() {
    let mut s = welcomed(anna());
    // After the welcome, the live call: connected, and no peer connection
    // in this (reloaded) app.
    s.apply(call("connected", true, json!({ "answered_at": 5_000 })));
    assert_eq!(events(&mut s), vec![CallEvent::MakeOffer]);
    s.call_mut().set_peer(true);
    s.apply(call("connected", true, json!({ "answered_at": 5_000 })));
    assert!(
        events(&mut s).is_empty(),
        "a connection held: nothing to redo"
    );
}

#[test]
fn call_error_codes_read() {
    for (name, code) in [
        ("calls_off", ErrorCode::CallsOff),
        ("call_busy", ErrorCode::CallBusy),
        ("no_call", ErrorCode::NoCall),
    ] {
        assert_eq!(chat_client::wire::code(name), code);
        assert_eq!(serde_json::to_value(code).unwrap(), json!(name));
    }
}
