//! A conversation's call as both apps show it, and what they send for it:
//! pure, beside [`crate::ChatState`], fed the call frames of the socket.
//!
//! [`CallClient::view`] is what a screen draws (an invitation, a call
//! ringing out, a call connected since when, one that ended); its events
//! ([`CallClient::poll_event`]) are what the media layer does next (make
//! an offer, apply an answer, add a candidate, hang up its peer
//! connection). [`CallClient::action`] turns a person's press into the
//! frame to send, or nothing when it makes no sense now.
//!
//! Rejoining: after a new socket's `welcome` the server sends the live
//! call. An agent who holds no peer connection for a connected call (its
//! app reloaded) gets [`CallEvent::MakeOffer`]; when the visitor's side
//! comes back the server says `call_rejoin` and the agent's app gets the
//! same event (an ICE restart); the visitor's side waits for the offer.

use shared::call::{
    CallEndReason, CallKind, CallState, CallStatus, IceCandidate, IceServer, MediaState,
};
use shared::frame::{ClientFrame, Participant, ServerFrame, Side};
use std::collections::VecDeque;

/// Where the call stands for this person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No call, or the last one is over and dismissed.
    Idle,
    /// This agent asked to start a call; the server has not answered.
    Starting,
    /// This agent's call rings at the visitor's.
    Outgoing,
    /// The visitor is invited: "Accept" or "Decline".
    Incoming,
    /// Accepted: media flows (or is being set up).
    Connected,
    /// Over: ended, declined or missed.
    Ended(CallStatus),
    /// Someone else's call (a supervisor watching): its state only.
    Watching,
}

/// What a screen shows of the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallView {
    /// Where it stands.
    pub phase: Phase,
    /// Audio or video, when there is a call.
    pub kind: Option<CallKind>,
    /// The other side (the visitor for the agent, the agent for the visitor).
    pub peer: Option<Participant>,
    /// When it rang, was accepted or ended, by phase (ms since the epoch).
    pub since: Option<i64>,
    /// How long it has been connected (or was, once over), in ms.
    pub duration_ms: i64,
    /// What this side sends.
    pub mine: Option<MediaState>,
    /// What the other side sends.
    pub theirs: Option<MediaState>,
}

/// What the media layer does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallEvent {
    /// The visitor is invited: ring (the site's sound).
    Ring,
    /// The agent makes an offer (the call was accepted, or a side came
    /// back: restart ICE).
    MakeOffer,
    /// The visitor applies the agent's offer and answers it.
    Offer(String),
    /// The agent applies the visitor's answer.
    Answer(String),
    /// Add the other side's candidate.
    Candidate(IceCandidate),
    /// The call is over: close the peer connection, stop the tracks.
    HangUp,
}

/// What a person presses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallAction {
    /// "Start call" (agent).
    Start(CallKind),
    /// "Accept" (visitor).
    Accept,
    /// "Decline" (visitor).
    Decline,
    /// "End call" (either side).
    End,
    /// Microphone or camera switched.
    Media(MediaState),
    /// The media layer's offer (agent).
    Offer(String),
    /// The media layer's answer (visitor).
    Answer(String),
    /// The media layer's ICE candidate.
    Candidate(IceCandidate),
    /// This side could not get its microphone or camera (the browser
    /// refused, or there is none): the call ends, and both sides are told
    /// why.
    MediaDenied,
    /// Forget a call that is over (the screen closed its notice).
    Dismiss,
}

/// The call state of one conversation's client.
#[derive(Clone, Debug, Default)]
pub struct CallClient {
    call: Option<CallState>,
    /// Given only to the call's participants: `Some` means this socket is
    /// in the call.
    ice_servers: Option<Vec<IceServer>>,
    starting: bool,
    /// Why the server refused this agent's last start (its error's
    /// sentence), until the next start or dismissal.
    refusal: Option<String>,
    /// Whether the media layer holds a peer connection for the call.
    peer: bool,
    dismissed: bool,
    events: VecDeque<CallEvent>,
}

impl CallClient {
    /// No call yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The call as the server last said, if any.
    pub fn call(&self) -> Option<&CallState> {
        self.call.as_ref()
    }

    /// The ICE servers for `RTCPeerConnection`, while this side is in the
    /// call.
    pub fn ice_servers(&self) -> Option<&[IceServer]> {
        self.ice_servers.as_deref()
    }

    /// Why the server refused this agent's last start ("calls are turned
    /// off for this site"), if it did.
    pub fn refusal(&self) -> Option<&str> {
        self.refusal.as_deref()
    }

    /// The next thing the media layer does, if any.
    pub fn poll_event(&mut self) -> Option<CallEvent> {
        self.events.pop_front()
    }

    /// The media layer made (or dropped) its peer connection.
    pub fn set_peer(&mut self, held: bool) {
        self.peer = held;
    }

    /// Applies a call frame (others are ignored); `me` is who the server
    /// welcomed this client as.
    pub fn apply(&mut self, me: Option<&Participant>, frame: &ServerFrame) {
        match frame {
            ServerFrame::Call { call, ice_servers } => self.state(me, call, ice_servers),
            ServerFrame::CallOffer { call_id, sdp } if self.is_current(call_id) => {
                self.events.push_back(CallEvent::Offer(sdp.clone()))
            }
            ServerFrame::CallAnswer { call_id, sdp } if self.is_current(call_id) => {
                self.events.push_back(CallEvent::Answer(sdp.clone()))
            }
            ServerFrame::CallCandidate { call_id, candidate } if self.is_current(call_id) => self
                .events
                .push_back(CallEvent::Candidate(candidate.clone())),
            ServerFrame::CallRejoin { call_id } if self.is_current(call_id) => {
                self.events.push_back(CallEvent::MakeOffer)
            }
            ServerFrame::Error { code, message, .. } if self.starting && is_call_refusal(*code) => {
                self.starting = false;
                self.refusal = Some(message.clone());
            }
            _ => {}
        }
    }

    fn is_current(&self, call_id: &str) -> bool {
        self.call.as_ref().is_some_and(|c| c.id == call_id)
    }

    fn state(&mut self, me: Option<&Participant>, call: &CallState, ice: &Option<Vec<IceServer>>) {
        let before = self
            .call
            .as_ref()
            .filter(|c| c.id == call.id)
            .map(|c| c.status);
        let agent = me.is_some_and(|m| m.side == Side::Agent && m.id == call.agent.id);
        if agent {
            self.starting = false;
        }
        if before.is_none() {
            self.dismissed = false;
        }
        self.ice_servers = ice.clone().filter(|_| call.status.is_live());
        let in_call = self.ice_servers.is_some();
        match (before, call.status) {
            (b, CallStatus::Ringing) if b != Some(CallStatus::Ringing) && in_call && !agent => {
                self.events.push_back(CallEvent::Ring)
            }
            (b, CallStatus::Connected)
                if agent && in_call && (b != Some(CallStatus::Connected) || !self.peer) =>
            {
                self.events.push_back(CallEvent::MakeOffer)
            }
            (Some(b), s) if b.is_live() && !s.is_live() => self.events.push_back(CallEvent::HangUp),
            _ => {}
        }
        if !call.status.is_live() {
            self.peer = false;
        }
        self.call = Some(call.clone());
    }

    /// What to draw at `now`, for `me`.
    pub fn view(&self, me: Option<&Participant>, now: i64) -> CallView {
        let idle = CallView {
            phase: if self.starting {
                Phase::Starting
            } else {
                Phase::Idle
            },
            kind: None,
            peer: None,
            since: None,
            duration_ms: 0,
            mine: None,
            theirs: None,
        };
        let Some(call) = self.call.as_ref().filter(|_| !self.dismissed) else {
            return idle;
        };
        if !call.status.is_live() && self.starting {
            return idle;
        }
        let agent = me.is_some_and(|m| m.side == Side::Agent && m.id == call.agent.id);
        let visitor = me.is_some_and(|m| m.side == Side::Visitor);
        let phase = match call.status {
            CallStatus::Ringing if agent => Phase::Outgoing,
            CallStatus::Ringing if visitor && self.ice_servers.is_some() => Phase::Incoming,
            CallStatus::Connected if self.ice_servers.is_some() => Phase::Connected,
            CallStatus::Ringing | CallStatus::Connected => Phase::Watching,
            s => Phase::Ended(s),
        };
        let since = match call.status {
            CallStatus::Ringing => Some(call.started_at),
            CallStatus::Connected => call.answered_at,
            _ => call.ended_at,
        };
        let (mine, theirs, peer) = if visitor {
            (call.visitor_media, call.agent_media, call.agent.clone())
        } else {
            (call.agent_media, call.visitor_media, call.visitor.clone())
        };
        CallView {
            phase,
            kind: Some(call.kind),
            peer: Some(peer),
            since,
            duration_ms: call.duration_ms(now),
            mine: (agent || visitor).then_some(mine),
            theirs: Some(theirs),
        }
    }

    /// The frame a press sends, or `None` when it makes no sense now
    /// (the server checks again).
    pub fn action(&mut self, me: Option<&Participant>, action: CallAction) -> Option<ClientFrame> {
        let live = self.call.as_ref().filter(|c| c.status.is_live());
        let id = live.map(|c| c.id.clone());
        let status = live.map(|c| c.status);
        let agent = me.is_some_and(|m| m.side == Side::Agent);
        let in_call = self.ice_servers.is_some();
        match action {
            CallAction::Start(kind) if agent && live.is_none() && !self.starting => {
                self.starting = true;
                self.refusal = None;
                Some(ClientFrame::CallStart { kind })
            }
            CallAction::Accept if !agent && status == Some(CallStatus::Ringing) && in_call => {
                Some(ClientFrame::CallAccept { call_id: id? })
            }
            CallAction::Decline if !agent && status == Some(CallStatus::Ringing) => {
                Some(ClientFrame::CallDecline { call_id: id? })
            }
            CallAction::End if in_call => Some(ClientFrame::CallEnd {
                call_id: id?,
                reason: None,
            }),
            CallAction::MediaDenied if in_call => Some(ClientFrame::CallEnd {
                call_id: id?,
                reason: Some(CallEndReason::MediaDenied),
            }),
            CallAction::Media(media) if in_call => Some(ClientFrame::CallMedia {
                call_id: id?,
                media,
            }),
            CallAction::Offer(sdp) if agent && status == Some(CallStatus::Connected) && in_call => {
                self.peer = true;
                Some(ClientFrame::CallOffer { call_id: id?, sdp })
            }
            CallAction::Answer(sdp)
                if !agent && status == Some(CallStatus::Connected) && in_call =>
            {
                self.peer = true;
                Some(ClientFrame::CallAnswer { call_id: id?, sdp })
            }
            CallAction::Candidate(candidate)
                if status == Some(CallStatus::Connected) && in_call =>
            {
                Some(ClientFrame::CallCandidate {
                    call_id: id?,
                    candidate,
                })
            }
            CallAction::Dismiss => {
                self.refusal = None;
                if live.is_none() {
                    self.dismissed = true;
                }
                None
            }
            _ => None,
        }
    }
}

/// Whether an error code answers a call start.
fn is_call_refusal(code: shared::frame::ErrorCode) -> bool {
    use shared::frame::ErrorCode::*;
    matches!(
        code,
        CallsOff | CallBusy | NoCall | Forbidden | ConversationClosed | Internal | BadFrame
    )
}
