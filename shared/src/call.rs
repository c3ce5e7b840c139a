//! Audio and video calls from a conversation: what both sides and
//! supervisors see of a call ([`CallState`]), the ICE servers its two
//! participants get ([`IceServer`]), a trickled ICE candidate
//! ([`IceCandidate`]), the workspace's call settings ([`CallSettings`])
//! and what a conversation asks its workspace before a call rings
//! ([`CallPolicyRequest`], answered with a [`CallPolicy`]). The frames
//! that carry them are in [`crate::frame`]; the rules are in
//! `chat_core::conversation::call`.
//!
//! Media flows peer to peer (WebRTC); the conversation only relays the
//! signalling (offer, answer, candidates) between the call's agent and
//! its visitor, and keeps the call's state.

use crate::frame::Participant;
use serde::{Deserialize, Serialize};

/// Largest SDP (offer or answer) a client may send, in bytes. A browser's
/// audio and video offer is a few KB; a larger one is refused with
/// `too_large`.
pub const MAX_SDP_BYTES: usize = 12 * 1024;

/// Largest ICE candidate line, in bytes.
pub const MAX_CANDIDATE_BYTES: usize = 1024;

/// Largest `sdp_mid` of a candidate, in bytes.
pub const MAX_MID_BYTES: usize = 64;

/// How long TURN credentials handed out for a call stay valid, in seconds
/// from the call's start: its ringing and a long call.
pub const TURN_CREDENTIAL_TTL_S: i64 = 4 * 60 * 60;

/// Shortest and longest time a call may ring before it counts as missed,
/// in milliseconds.
pub const RING_TIMEOUT_RANGE_MS: (i64, i64) = (5_000, 300_000);

/// How long a call rings when the workspace does not say, in milliseconds.
pub const DEFAULT_RING_TIMEOUT_MS: i64 = 45_000;

/// Most STUN or TURN URLs a workspace lists (each).
pub const MAX_ICE_URLS: usize = 8;

/// Longest STUN or TURN URL, in bytes.
pub const MAX_ICE_URL_BYTES: usize = 256;

/// Shortest TURN shared secret, in bytes.
pub const MIN_TURN_SECRET_BYTES: usize = 16;

/// Audio only, or audio and video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// Audio only.
    Audio,
    /// Audio and video.
    Video,
    /// A kind this build does not know (sent by a newer client).
    #[serde(other)]
    Unknown,
}

/// Where a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    /// Started by the agent; the visitor's widget rings.
    Ringing,
    /// The visitor accepted: media flows peer to peer.
    Connected,
    /// Hung up (or cancelled while ringing, or ended by the chat's close).
    Ended,
    /// The visitor declined it.
    Declined,
    /// Nobody answered before the workspace's ring timeout.
    Missed,
    /// A status this build does not know (sent by a newer server).
    #[serde(other)]
    Unknown,
}

impl CallStatus {
    /// Whether the call is still on (ringing or connected): only one such
    /// call per conversation.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Ringing | Self::Connected)
    }
}

/// Why a participant ends a call, when it is not simply "End call".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEndReason {
    /// Their browser did not allow the microphone or camera (or has none):
    /// the call cannot go on, and both sides are told why.
    MediaDenied,
    /// A reason this build does not know (sent by a newer client): a
    /// plain end.
    #[serde(other)]
    Unknown,
}

/// Whether a participant's microphone and camera are on, as they say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaState {
    /// Microphone on (not muted).
    pub audio: bool,
    /// Camera on.
    pub video: bool,
}

impl MediaState {
    /// What a call of `kind` starts with.
    pub fn of(kind: CallKind) -> Self {
        Self {
            audio: true,
            video: kind == CallKind::Video,
        }
    }
}

/// A call, as its participants and the conversation's other agents see
/// it: never its media, its signalling nor its credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallState {
    /// The call's id, unique in the workspace.
    pub id: String,
    /// Audio or video.
    pub kind: CallKind,
    /// Where it is.
    pub status: CallStatus,
    /// The agent who started it.
    pub agent: Participant,
    /// The conversation's visitor.
    pub visitor: Participant,
    /// When it started ringing, in milliseconds since the Unix epoch.
    pub started_at: i64,
    /// While it rings: when it stops ringing and counts as missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rings_until: Option<i64>,
    /// When the visitor accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<i64>,
    /// When it ended (any way).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<i64>,
    /// Who ended, declined or cancelled it (`system` when it rang out or
    /// the chat closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<Participant>,
    /// The agent's microphone and camera.
    pub agent_media: MediaState,
    /// The visitor's microphone and camera.
    pub visitor_media: MediaState,
}

impl CallState {
    /// How long it has been (or was) connected at `now`, in milliseconds:
    /// 0 if the visitor never accepted.
    pub fn duration_ms(&self, now: i64) -> i64 {
        match self.answered_at {
            Some(from) => (self.ended_at.unwrap_or(now) - from).max(0),
            None => 0,
        }
    }
}

/// An ICE server, in the shape of the browser's `RTCIceServer`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    /// `stun:` or `turn:`/`turns:` URLs.
    pub urls: Vec<String>,
    /// For TURN: `<expiry in Unix seconds>:<call id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// For TURN: base64 of HMAC-SHA1(shared secret, username).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// A trickled ICE candidate, in the shape of `RTCIceCandidateInit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCandidate {
    /// The candidate line (`candidate:...`); empty for the end of
    /// candidates.
    pub candidate: String,
    /// The media stream's identification tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    /// The media line's index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_m_line_index: Option<u16>,
}

/// The workspace's call settings (`PUT /api/v1/admin/settings/calls`,
/// and `calls` in a workspace setup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSettings {
    /// Whether agents may start calls at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Sites (ids) whose conversations may not have calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub off_sites: Vec<String>,
    /// Departments (ids) whose conversations may not have calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub off_departments: Vec<String>,
    /// How long a call rings before it is missed, in milliseconds
    /// ([`RING_TIMEOUT_RANGE_MS`]).
    #[serde(default = "default_ring")]
    pub ring_timeout_ms: i64,
    /// STUN server URLs (`stun:host:port`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stun_urls: Vec<String>,
    /// TURN server URLs (`turn:host:port?transport=udp`, `turns:...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turn_urls: Vec<String>,
    /// The secret shared with the TURN servers (their REST API scheme):
    /// each call gets credentials made from it, never the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_secret: Option<String>,
}

fn yes() -> bool {
    true
}

fn default_ring() -> i64 {
    DEFAULT_RING_TIMEOUT_MS
}

impl Default for CallSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            off_sites: Vec::new(),
            off_departments: Vec::new(),
            ring_timeout_ms: DEFAULT_RING_TIMEOUT_MS,
            stun_urls: Vec::new(),
            turn_urls: Vec::new(),
            turn_secret: None,
        }
    }
}

impl CallSettings {
    /// Calls on everywhere, no STUN or TURN: left out of a setup.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// What a conversation asks its workspace before a call rings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallPolicyRequest {
    /// The site its visitor came from (empty when not known).
    #[serde(default)]
    pub site: String,
    /// Its department.
    pub department: String,
}

/// The workspace's answer: whether a call may ring, for how long, and
/// what its participants connect with. Only between the worker's
/// objects: the TURN secret never reaches a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallPolicy {
    /// Why calls are off here, if they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off: Option<String>,
    /// How long a call rings, in milliseconds.
    pub ring_timeout_ms: i64,
    /// STUN server URLs.
    #[serde(default)]
    pub stun_urls: Vec<String>,
    /// TURN server URLs.
    #[serde(default)]
    pub turn_urls: Vec<String>,
    /// The TURN shared secret, for the call's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_secret: Option<String>,
}
