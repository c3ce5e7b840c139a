//! Reads the call's frames of the conversation socket with serde, into
//! `shared::frame::ServerFrame` for `CallClient::apply`. Only the frames
//! whose type starts with `call` come here, so this reader knows only
//! those: an enum of their own with the same tag and fields (serde's
//! reader of the whole `ServerFrame` would carry every other frame's
//! reader for nothing). The tests hold it to `ServerFrame`'s own
//! encoding of each of them.

use serde::Deserialize;
use shared::call::{CallState, IceCandidate, IceServer};
use shared::frame::ServerFrame;

/// The call frames, as `ServerFrame` spells them.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Frame {
    Call {
        call: CallState,
        #[serde(default)]
        ice_servers: Option<Vec<IceServer>>,
    },
    CallOffer {
        call_id: String,
        sdp: String,
    },
    CallAnswer {
        call_id: String,
        sdp: String,
    },
    CallCandidate {
        call_id: String,
        candidate: IceCandidate,
    },
    CallRejoin {
        call_id: String,
    },
}

/// A call frame from its text, or `None` when it does not read.
pub fn read(text: &str) -> Option<ServerFrame> {
    Some(match serde_json::from_str(text).ok()? {
        Frame::Call { call, ice_servers } => ServerFrame::Call { call, ice_servers },
        Frame::CallOffer { call_id, sdp } => ServerFrame::CallOffer { call_id, sdp },
        Frame::CallAnswer { call_id, sdp } => ServerFrame::CallAnswer { call_id, sdp },
        Frame::CallCandidate { call_id, candidate } => {
            ServerFrame::CallCandidate { call_id, candidate }
        }
        Frame::CallRejoin { call_id } => ServerFrame::CallRejoin { call_id },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::call::{CallKind, CallStatus, MediaState};
    use shared::frame::{Participant, Side};

    fn who(side: Side, id: &str) -> Participant {
        Participant {
            side,
            id: id.into(),
            name: id.into(),
        }
    }

    fn call(status: CallStatus) -> CallState {
        CallState {
            id: "c.1".into(),
            kind: CallKind::Video,
            status,
            agent: who(Side::Agent, "anna"),
            visitor: who(Side::Visitor, "v1"),
            started_at: 1_000,
            rings_until: Some(31_000),
            answered_at: (status == CallStatus::Connected).then_some(2_000),
            ended_at: None,
            ended_by: None,
            agent_media: MediaState::of(CallKind::Video),
            visitor_media: MediaState {
                audio: false,
                video: true,
            },
        }
    }

    /// The server's encoding of `frame` reads back as the same frame.
    #[track_caller]
    fn check(frame: ServerFrame) {
        let text = serde_json::to_string(&frame).expect("a frame encodes");
        assert_eq!(read(&text), Some(frame), "{text}");
    }

    #[test]
    fn every_call_frame_reads_as_the_server_writes_it() {
        check(ServerFrame::Call {
            call: call(CallStatus::Ringing),
            ice_servers: Some(vec![
                IceServer {
                    urls: vec!["stun:stun.test:3478".into()],
                    username: None,
                    credential: None,
                },
                IceServer {
                    urls: vec!["turn:turn.test:3478".into(), "turns:turn.test:5349".into()],
                    username: Some("1700000000:c.1".into()),
                    credential: Some("c2VjcmV0".into()),
                },
            ]),
        });
        check(ServerFrame::Call {
            call: call(CallStatus::Connected),
            ice_servers: Some(Vec::new()),
        });
        let mut ended = call(CallStatus::Ended);
        ended.ended_at = Some(9_000);
        ended.ended_by = Some(who(Side::Agent, "anna"));
        check(ServerFrame::Call {
            call: ended,
            ice_servers: None,
        });
        check(ServerFrame::CallOffer {
            call_id: "c.1".into(),
            sdp: "v=0\r\n".into(),
        });
        check(ServerFrame::CallAnswer {
            call_id: "c.1".into(),
            sdp: "v=0\r\n".into(),
        });
        check(ServerFrame::CallCandidate {
            call_id: "c.1".into(),
            candidate: IceCandidate {
                candidate: "candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
            },
        });
        check(ServerFrame::CallCandidate {
            call_id: "c.1".into(),
            candidate: IceCandidate {
                candidate: "candidate:2".into(),
                sdp_mid: None,
                sdp_m_line_index: None,
            },
        });
        check(ServerFrame::CallRejoin {
            call_id: "c.1".into(),
        });
    }

    #[test]
    fn anything_else_is_dropped() {
        for text in [
            "",
            "not json",
            "{}",
            r#"{"type":"pong","nonce":1}"#,
            r#"{"type":"call"}"#,
            r#"{"type":"call_offer","call_id":"c.1"}"#,
            r#"{"type":"call_candidate","call_id":"c.1","candidate":{}}"#,
            r#"{"type":"call_later","call_id":"c.1"}"#,
        ] {
            assert_eq!(read(text), None, "{text}");
        }
        // A newer server's kind or status reads as unknown, not as nothing.
        let text = serde_json::to_string(&ServerFrame::Call {
            call: call(CallStatus::Ringing),
            ice_servers: None,
        })
        .expect("a frame encodes")
        .replace(r#""kind":"video""#, r#""kind":"screen""#);
        let Some(ServerFrame::Call { call, .. }) = read(&text) else {
            panic!("a call with a new kind reads");
        };
        assert_eq!(call.kind, CallKind::Unknown);
    }
}
