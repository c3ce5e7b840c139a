//! A conversation's audio and video calls: who may start, answer, end and
//! signal, the call's states (ringing, connected, then ended, declined or
//! missed, with who and when), its timers, and which sockets its frames
//! reach.
//!
//! The call lives in the conversation's row ([`super::Meta::call`]), so it
//! survives an eviction, with the socket each side holds it on. Offers,
//! answers and candidates go from one bound socket to the other and are
//! never stored: a supervisor's socket gets the call's state, never its
//! signalling nor its ICE servers.
//!
//! Rejoining: a side whose socket closed during a call has
//! [`REJOIN_GRACE_MS`] to come back. Its next `hello` binds the new socket
//! and gets the call (with its ICE servers); when the visitor comes back,
//! the agent's socket gets `call_rejoin` and offers again; when the agent
//! comes back, its app sees a connected call it has no connection for and
//! offers again. Past the grace period the call ends.
//!
//! Starting asks the workspace whether calls are on for the conversation's
//! site and department ([`super::Output::AskCallPolicy`]); the answer
//! ([`super::Input::CallPolicy`]) rings the call or refuses it.

use super::{refusal, ConnId, ConnState, Conversation, Output, Record, Refusal};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use shared::call::{
    CallEndReason, CallKind, CallPolicy, CallPolicyRequest, CallSettings, CallState, CallStatus,
    IceCandidate, IceServer, MediaState, MAX_CANDIDATE_BYTES, MAX_ICE_URLS, MAX_ICE_URL_BYTES,
    MAX_MID_BYTES, MAX_SDP_BYTES, MIN_TURN_SECRET_BYTES, RING_TIMEOUT_RANGE_MS,
    TURN_CREDENTIAL_TTL_S,
};
use shared::frame::{ClientFrame, ConversationStatus, ErrorCode, Participant, ServerFrame, Side};

/// How long a call waits for a side whose socket closed, in milliseconds.
pub const REJOIN_GRACE_MS: i64 = 60_000;

/// A call, as the conversation keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// What every socket sees.
    pub state: CallState,
    /// What its two participants connect with (TURN credentials made for
    /// this call).
    #[serde(default)]
    pub ice_servers: Vec<IceServer>,
    /// The agent's socket in the call.
    #[serde(default)]
    pub agent_conn: Option<ConnId>,
    /// The visitor's socket in the call, once accepted.
    #[serde(default)]
    pub visitor_conn: Option<ConnId>,
    /// When a side's socket closed during the call (it may rejoin until
    /// [`REJOIN_GRACE_MS`] later).
    #[serde(default)]
    pub lost_at: Option<i64>,
}

/// A start waiting for the workspace's [`CallPolicy`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    conn: ConnId,
    agent: Participant,
    kind: CallKind,
}

/// TURN REST credentials for a call: username `<expiry>:<call id>`,
/// credential the base64 HMAC-SHA1 of the username under the shared
/// secret; `expiry` in seconds since the epoch.
pub fn turn_credentials(secret: &str, call_id: &str, expiry: i64) -> (String, String) {
    let username = format!("{expiry}:{call_id}");
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(username.as_bytes());
    let credential = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, credential)
}

/// The ICE servers of a call started at `now` under `policy`.
pub fn ice_servers(policy: &CallPolicy, call_id: &str, now: i64) -> Vec<IceServer> {
    let mut out = Vec::new();
    if !policy.stun_urls.is_empty() {
        out.push(IceServer {
            urls: policy.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if let (false, Some(secret)) = (policy.turn_urls.is_empty(), &policy.turn_secret) {
        let expiry = now / 1000 + TURN_CREDENTIAL_TTL_S;
        let (username, credential) = turn_credentials(secret, call_id, expiry);
        out.push(IceServer {
            urls: policy.turn_urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
    }
    out
}

/// Whether a conversation of the asked site and department may have
/// calls under `settings`, and how its peers connect.
pub fn policy(settings: &CallSettings, ask: &CallPolicyRequest) -> CallPolicy {
    let off = if !settings.enabled {
        Some("calls are turned off for this workspace")
    } else if settings.off_sites.contains(&ask.site) {
        Some("calls are turned off for this site")
    } else if settings.off_departments.contains(&ask.department) {
        Some("calls are turned off for this department")
    } else {
        None
    };
    CallPolicy {
        off: off.map(str::to_owned),
        ring_timeout_ms: settings.ring_timeout_ms,
        stun_urls: settings.stun_urls.clone(),
        turn_urls: settings.turn_urls.clone(),
        turn_secret: settings.turn_secret.clone(),
    }
}

/// Checks a workspace's call settings (part of its setup). Ids of sites
/// and departments that do not exist are allowed (they match nothing).
pub fn check_settings(calls: &CallSettings) -> Result<(), String> {
    let (min, max) = RING_TIMEOUT_RANGE_MS;
    if !(min..=max).contains(&calls.ring_timeout_ms) {
        return Err(format!(
            "calls: ring_timeout_ms is {min} to {max} (5 s to 5 min)"
        ));
    }
    for (what, urls, schemes) in [
        ("stun_urls", &calls.stun_urls, &["stun:", "stuns:"][..]),
        ("turn_urls", &calls.turn_urls, &["turn:", "turns:"][..]),
    ] {
        if urls.len() > MAX_ICE_URLS {
            return Err(format!("calls: at most {MAX_ICE_URLS} {what}"));
        }
        for u in urls.iter() {
            let ok = u.len() <= MAX_ICE_URL_BYTES
                && schemes
                    .iter()
                    .any(|s| u.starts_with(s) && u.len() > s.len())
                && !u.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(format!(
                    "calls: \"{}\" is not a {} URL (at most {MAX_ICE_URL_BYTES} bytes)",
                    u.chars().take(80).collect::<String>(),
                    schemes.join(" or ")
                ));
            }
        }
    }
    match (&calls.turn_secret, calls.turn_urls.is_empty()) {
        (None, false) => Err("calls: TURN URLs need a turn_secret".into()),
        (Some(s), _) if s.len() < MIN_TURN_SECRET_BYTES || s.len() > 256 => Err(format!(
            "calls: a turn_secret has {MIN_TURN_SECRET_BYTES} to 256 bytes"
        )),
        _ => Ok(()),
    }
}

/// The audit log's summary of new call settings (never the secret).
pub fn settings_summary(calls: &CallSettings) -> String {
    let list = |l: &[String]| {
        if l.is_empty() {
            "none".to_owned()
        } else {
            l.join(", ")
        }
    };
    format!(
        "Calls: {}; off for sites: {}; off for departments: {}; ring {} s; STUN: {}; TURN: {}{}",
        if calls.enabled { "on" } else { "off" },
        list(&calls.off_sites),
        list(&calls.off_departments),
        calls.ring_timeout_ms / 1000,
        list(&calls.stun_urls),
        list(&calls.turn_urls),
        if calls.turn_secret.is_some() {
            " (with a secret)"
        } else {
            ""
        },
    )
}

/// A duration for people: "45 s", "3 min 12 s", "1 h 5 min".
pub fn duration_words(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

fn system() -> Participant {
    Participant {
        side: Side::System,
        id: "system".into(),
        name: String::new(),
    }
}

fn no_call() -> Refusal {
    refusal(ErrorCode::NoCall, "no such call is ringing or running")
}

impl Conversation {
    /// The call now ringing or running, if any.
    pub fn live_call(&self) -> Option<&Call> {
        self.meta
            .as_ref()
            .and_then(|m| m.call.as_deref())
            .filter(|c| c.state.status.is_live())
    }

    /// A call frame from a ready socket.
    pub(super) fn call_frame(
        &mut self,
        now: i64,
        conn: ConnId,
        state: ConnState,
        frame: ClientFrame,
    ) {
        let result = match frame {
            ClientFrame::CallStart { kind } => self.ask_to_start(conn, &state, kind),
            ClientFrame::CallAccept { call_id } => self.accept(now, conn, &state, &call_id),
            ClientFrame::CallDecline { call_id } => self.decline(now, &state, &call_id),
            ClientFrame::CallEnd { call_id, reason } => self.hang_up(now, &state, &call_id, reason),
            ClientFrame::CallOffer { call_id, sdp } => {
                self.relay(conn, &state, &call_id, Signal::Offer(sdp))
            }
            ClientFrame::CallAnswer { call_id, sdp } => {
                self.relay(conn, &state, &call_id, Signal::Answer(sdp))
            }
            ClientFrame::CallCandidate { call_id, candidate } => {
                self.relay(conn, &state, &call_id, Signal::Candidate(candidate))
            }
            ClientFrame::CallMedia { call_id, media } => self.media(&state, &call_id, media),
            _ => Ok(()),
        };
        if let Err(r) = result {
            self.send(conn, ServerFrame::error(r.code, r.message));
        }
    }

    /// Whether `state`'s participant may start a call now.
    fn may_start(&self, state: &ConnState) -> Result<(), Refusal> {
        if state.who.side != Side::Agent {
            return Err(refusal(
                ErrorCode::Forbidden,
                "a visitor cannot start a call",
            ));
        }
        let meta = self.open_meta()?;
        let assigned = meta
            .view
            .assignee
            .as_ref()
            .is_some_and(|a| a.id == state.who.id);
        if !assigned || !state.may_reply {
            return Err(refusal(
                ErrorCode::Forbidden,
                "only the agent assigned to this chat can start a call",
            ));
        }
        if meta.view.status != ConversationStatus::Active {
            return Err(refusal(
                ErrorCode::Forbidden,
                "a call starts only while the chat is in progress",
            ));
        }
        if self.live_call().is_some() || self.call_start.is_some() {
            return Err(refusal(
                ErrorCode::CallBusy,
                "this conversation already has a call",
            ));
        }
        Ok(())
    }

    fn ask_to_start(
        &mut self,
        conn: ConnId,
        state: &ConnState,
        kind: CallKind,
    ) -> Result<(), Refusal> {
        if kind == CallKind::Unknown {
            return Err(refusal(ErrorCode::BadFrame, "a call is audio or video"));
        }
        self.may_start(state)?;
        let Some(meta) = &self.meta else {
            return Err(refusal(ErrorCode::NotFound, "no such conversation"));
        };
        let ask = CallPolicyRequest {
            site: meta.site.clone(),
            department: meta.view.department.clone(),
        };
        self.call_start = Some(Pending {
            conn,
            agent: state.who.clone(),
            kind,
        });
        self.out.push_back(Output::AskCallPolicy(ask));
        Ok(())
    }

    /// The workspace answered [`Output::AskCallPolicy`]: the call rings,
    /// or its agent learns why not.
    pub(super) fn call_policy(&mut self, now: i64, policy: Result<CallPolicy, Refusal>) {
        let Some(pending) = self.call_start.take() else {
            return;
        };
        let conn = pending.conn;
        let started = self.ring(now, pending, policy);
        if let Err(r) = started {
            if self.conns.contains_key(&conn) {
                self.send(conn, ServerFrame::error(r.code, r.message));
            }
        }
    }

    fn ring(
        &mut self,
        now: i64,
        pending: Pending,
        policy: Result<CallPolicy, Refusal>,
    ) -> Result<(), Refusal> {
        let policy = policy?;
        // The chat may have changed while the workspace answered.
        let state = self.conns.get(&pending.conn).cloned().ok_or_else(no_call)?;
        self.may_start(&state)?;
        if let Some(why) = policy.off {
            return Err(refusal(ErrorCode::CallsOff, &why));
        }
        let Some(meta) = self.meta.as_mut() else {
            return Err(refusal(ErrorCode::NotFound, "no such conversation"));
        };
        meta.calls.count += 1;
        let id = format!("{}.{}", meta.view.id.0, meta.calls.count);
        let call = Call {
            state: CallState {
                id: id.clone(),
                kind: pending.kind,
                status: CallStatus::Ringing,
                agent: pending.agent.clone(),
                visitor: meta.view.visitor.clone(),
                started_at: now,
                rings_until: Some(now + policy.ring_timeout_ms),
                answered_at: None,
                ended_at: None,
                ended_by: None,
                agent_media: MediaState::of(pending.kind),
                visitor_media: MediaState::of(pending.kind),
            },
            ice_servers: ice_servers(&policy, &id, now),
            agent_conn: Some(pending.conn),
            visitor_conn: None,
            lost_at: None,
        };
        meta.call = Some(Box::new(call));
        let what = match pending.kind {
            CallKind::Video => "a video call",
            _ => "an audio call",
        };
        self.changed_call(now, format!("{} started {what}", pending.agent.name));
        self.out.push_back(Output::SetAlarm {
            at: now + policy.ring_timeout_ms,
        });
        Ok(())
    }

    /// The live call with this id, for a participant's frame.
    fn call_of(&self, call_id: &str) -> Result<&Call, Refusal> {
        self.live_call()
            .filter(|c| c.state.id == call_id)
            .ok_or_else(no_call)
    }

    fn accept(
        &mut self,
        now: i64,
        conn: ConnId,
        state: &ConnState,
        call_id: &str,
    ) -> Result<(), Refusal> {
        self.ringing_for_visitor(now, state, call_id, "answers")?;
        let name = state.who.name.clone();
        self.with_call(|c| {
            c.state.status = CallStatus::Connected;
            c.state.answered_at = Some(now);
            c.state.rings_until = None;
            c.visitor_conn = Some(conn);
        });
        if let Some(meta) = self.meta.as_mut() {
            meta.calls.answered += 1;
        }
        self.changed_call(now, format!("{name} accepted the call"));
        Ok(())
    }

    /// Whether `state`'s participant, the visitor, may answer (`verb`: what
    /// they do) the call `call_id`, which must still ring.
    fn ringing_for_visitor(
        &mut self,
        now: i64,
        state: &ConnState,
        call_id: &str,
        verb: &str,
    ) -> Result<(), Refusal> {
        if state.who.side != Side::Visitor {
            return Err(refusal(
                ErrorCode::Forbidden,
                &format!("only the conversation's visitor {verb} a call"),
            ));
        }
        self.call_alarm(now);
        let call = self.call_of(call_id)?;
        if call.state.status != CallStatus::Ringing {
            return Err(refusal(
                ErrorCode::CallBusy,
                "this call was already answered",
            ));
        }
        Ok(())
    }

    fn decline(&mut self, now: i64, state: &ConnState, call_id: &str) -> Result<(), Refusal> {
        self.ringing_for_visitor(now, state, call_id, "declines")?;
        let line = format!("{} declined the call", state.who.name);
        self.finish(now, CallStatus::Declined, state.who.clone(), line);
        Ok(())
    }

    fn hang_up(
        &mut self,
        now: i64,
        state: &ConnState,
        call_id: &str,
        reason: Option<CallEndReason>,
    ) -> Result<(), Refusal> {
        let call = self.call_of(call_id)?;
        let is_agent = state.who.side == Side::Agent && call.state.agent.id == state.who.id;
        let is_visitor = state.who.side == Side::Visitor;
        if !is_agent && !is_visitor {
            return Err(refusal(
                ErrorCode::Forbidden,
                "only the call's participants end it",
            ));
        }
        let who = &state.who.name;
        if reason == Some(CallEndReason::MediaDenied) {
            let why = format!("{who}'s browser did not allow the microphone or camera");
            let (status, line) = match (call.state.status, is_visitor) {
                (CallStatus::Ringing, true) => {
                    self.ringing_for_visitor(now, state, call_id, "declines")?;
                    (
                        CallStatus::Declined,
                        format!("{who} could not accept the call: {why}"),
                    )
                }
                (CallStatus::Ringing, false) => {
                    (CallStatus::Ended, format!("The call was cancelled: {why}"))
                }
                _ => {
                    let took = duration_words(call.state.duration_ms(now));
                    (
                        CallStatus::Ended,
                        format!("The call ended after {took}: {why}"),
                    )
                }
            };
            self.finish(now, status, state.who.clone(), line);
            return Ok(());
        }
        match (call.state.status, is_visitor) {
            (CallStatus::Ringing, true) => self.decline(now, state, call_id),
            (CallStatus::Ringing, false) => {
                let line = format!("{} cancelled the call", state.who.name);
                self.finish(now, CallStatus::Ended, state.who.clone(), line);
                Ok(())
            }
            _ => {
                let words = duration_words(call.state.duration_ms(now));
                let line = format!("{} ended the call after {words}", state.who.name);
                self.finish(now, CallStatus::Ended, state.who.clone(), line);
                Ok(())
            }
        }
    }

    /// A participant's microphone or camera changed.
    fn media(
        &mut self,
        state: &ConnState,
        call_id: &str,
        media: MediaState,
    ) -> Result<(), Refusal> {
        let call = self.call_of(call_id)?;
        let agent = state.who.side == Side::Agent && call.state.agent.id == state.who.id;
        let visitor = state.who.side == Side::Visitor;
        if !agent && !visitor {
            return Err(refusal(ErrorCode::Forbidden, "you are not in this call"));
        }
        self.with_call(|c| {
            if agent {
                c.state.agent_media = media;
            } else {
                c.state.visitor_media = media;
            }
        });
        self.store_meta();
        self.tell_call();
        Ok(())
    }

    /// Relays an offer, answer or candidate to the call's other side.
    fn relay(
        &mut self,
        conn: ConnId,
        state: &ConnState,
        call_id: &str,
        signal: Signal,
    ) -> Result<(), Refusal> {
        signal.check()?;
        let call = self.call_of(call_id)?;
        if call.state.status != CallStatus::Connected {
            return Err(refusal(
                ErrorCode::NoCall,
                "the call is not accepted yet: nothing to signal",
            ));
        }
        let from_agent = state.who.side == Side::Agent && call.state.agent.id == state.who.id;
        let from_visitor = state.who.side == Side::Visitor;
        let bound = match (from_agent, from_visitor) {
            (true, _) => call.agent_conn,
            (_, true) => call.visitor_conn,
            _ => return Err(refusal(ErrorCode::Forbidden, "you are not in this call")),
        };
        match &signal {
            Signal::Offer(_) if !from_agent => {
                return Err(refusal(
                    ErrorCode::Forbidden,
                    "only the call's agent makes offers",
                ))
            }
            Signal::Answer(_) if !from_visitor => {
                return Err(refusal(
                    ErrorCode::Forbidden,
                    "only the call's visitor answers offers",
                ))
            }
            _ => {}
        }
        if bound != Some(conn) {
            return Err(refusal(
                ErrorCode::Forbidden,
                "this call runs in another window",
            ));
        }
        let to = if from_agent {
            call.visitor_conn
        } else {
            call.agent_conn
        };
        let id = call.state.id.clone();
        if let Some(to) = to.filter(|c| self.conns.contains_key(c)) {
            let frame = match signal {
                Signal::Offer(sdp) => ServerFrame::CallOffer { call_id: id, sdp },
                Signal::Answer(sdp) => ServerFrame::CallAnswer { call_id: id, sdp },
                Signal::Candidate(candidate) => ServerFrame::CallCandidate {
                    call_id: id,
                    candidate,
                },
            };
            self.send(to, frame);
        }
        Ok(())
    }

    /// After a socket's `hello`: a live call is told to it; a participant
    /// whose socket in the call is gone rejoins on this one.
    pub(super) fn call_on_hello(&mut self, conn: ConnId) {
        let Some(call) = self.live_call().cloned() else {
            return;
        };
        let Some(state) = self.conns.get(&conn).cloned() else {
            return;
        };
        let gone = |c: Option<ConnId>| c.is_none_or(|c| !self.conns.contains_key(&c) || c == conn);
        let agent = state.who.side == Side::Agent && state.who.id == call.state.agent.id;
        let visitor = state.who.side == Side::Visitor;
        let connected = call.state.status == CallStatus::Connected;
        let rejoins =
            (agent && gone(call.agent_conn)) || (visitor && connected && gone(call.visitor_conn));
        if rejoins {
            self.with_call(|c| {
                if agent {
                    c.agent_conn = Some(conn);
                } else {
                    c.visitor_conn = Some(conn);
                }
                if c.agent_conn.is_some() && c.visitor_conn.is_some() {
                    c.lost_at = None;
                }
            });
            self.store_meta();
            if visitor {
                if let Some(to) = call.agent_conn.filter(|c| self.conns.contains_key(c)) {
                    self.send(
                        to,
                        ServerFrame::CallRejoin {
                            call_id: call.state.id.clone(),
                        },
                    );
                }
            }
        }

        let ice = self.ice_for(conn);
        self.send(
            conn,
            ServerFrame::Call {
                call: self.live_call().map_or(call.state, |c| c.state.clone()),
                ice_servers: ice,
            },
        );
    }

    /// A socket closed: if it held the call, the call waits for it to
    /// rejoin.
    pub(super) fn call_on_disconnect(&mut self, now: i64, conn: ConnId) {
        let Some(call) = self.live_call() else { return };
        if call.agent_conn != Some(conn) && call.visitor_conn != Some(conn) {
            return;
        }
        self.with_call(|c| {
            if c.agent_conn == Some(conn) {
                c.agent_conn = None;
            }
            if c.visitor_conn == Some(conn) {
                c.visitor_conn = None;
            }
            c.lost_at.get_or_insert(now);
        });
        self.store_meta();
        self.out.push_back(Output::SetAlarm {
            at: now + REJOIN_GRACE_MS,
        });
    }

    /// The alarm rang: a call that rang out is missed, one whose side did
    /// not come back ends; a call still waiting re-arms the alarm (it
    /// shares the object's one alarm with other timers).
    pub(super) fn call_alarm(&mut self, now: i64) {
        let Some(call) = self.live_call() else { return };
        let rings_out = call
            .state
            .rings_until
            .filter(|_| call.state.status == CallStatus::Ringing);
        let lost = call
            .lost_at
            .filter(|_| call.agent_conn.is_none() || call.visitor_conn.is_none())
            .map(|at| at + REJOIN_GRACE_MS);
        match (rings_out, lost) {
            (Some(at), _) if now >= at => {
                self.finish(
                    now,
                    CallStatus::Missed,
                    system(),
                    "Nobody answered the call".into(),
                );
            }
            (_, Some(at)) if now >= at => {
                let words = duration_words(call.state.duration_ms(now));
                let line = format!("The call ended after {words}: the connection was lost");
                self.finish(now, CallStatus::Ended, system(), line);
            }
            (ring, lost) => {
                if let Some(at) = [ring, lost].into_iter().flatten().min() {
                    self.out.push_back(Output::SetAlarm { at });
                }
            }
        }
    }

    /// After a lifecycle step: the call ends when the chat closed or its
    /// agent no longer works it (hold, queue, forward).
    pub(super) fn call_follows_chat(&mut self, now: i64) {
        let Some(call) = self.live_call() else { return };
        let Some(meta) = &self.meta else { return };
        let why = if meta.view.status == ConversationStatus::Closed {
            "the chat was closed"
        } else if meta.view.status != ConversationStatus::Active
            || meta
                .view
                .assignee
                .as_ref()
                .is_none_or(|a| a.id != call.state.agent.id)
        {
            "the chat left its agent"
        } else {
            return;
        };
        let line = match call.state.status {
            CallStatus::Ringing => format!("The call was cancelled: {why}"),
            _ => format!(
                "The call ended after {}: {why}",
                duration_words(call.state.duration_ms(now))
            ),
        };
        self.finish(now, CallStatus::Ended, system(), line);
    }

    /// Ends the live call with `status`, by `by`, with its system line.
    fn finish(&mut self, now: i64, status: CallStatus, by: Participant, line: String) {
        let mut took = 0;
        self.with_call(|c| {
            c.state.status = status;
            c.state.ended_at = Some(now);
            c.state.ended_by = Some(by);
            c.state.rings_until = None;
            took = c.state.duration_ms(now);
        });
        if let Some(meta) = self.meta.as_mut() {
            meta.calls.total_ms += took;
        }
        self.changed_call(now, line);
    }

    fn with_call(&mut self, change: impl FnOnce(&mut Call)) {
        if let Some(call) = self.meta.as_mut().and_then(|m| m.call.as_deref_mut()) {
            change(call);
        }
    }

    fn store_meta(&mut self) {
        if let Some(meta) = &self.meta {
            self.out
                .push_back(Output::Store(Record::Meta(meta.clone())));
        }
    }

    /// The call changed: stored, its line written, its state told.
    fn changed_call(&mut self, now: i64, line: String) {
        self.store_meta();
        self.system_line(now, line);
        self.tell_call();
    }

    /// The ICE servers `conn` may have: the call's participants' sockets
    /// only (while it rings, every visitor socket: any may accept).
    fn ice_for(&self, conn: ConnId) -> Option<Vec<IceServer>> {
        let call = self.live_call()?;
        let state = self.conns.get(&conn)?;
        let participant = call.agent_conn == Some(conn)
            || call.visitor_conn == Some(conn)
            || (call.state.status == CallStatus::Ringing && state.who.side == Side::Visitor);
        participant.then(|| call.ice_servers.clone())
    }

    /// Tells every ready socket the call's state.
    fn tell_call(&mut self) {
        let Some(call) = self.meta.as_ref().and_then(|m| m.call.clone()) else {
            return;
        };
        let ready: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.ready)
            .map(|(id, _)| *id)
            .collect();
        for conn in ready {
            let ice_servers = self.ice_for(conn);
            self.send(
                conn,
                ServerFrame::Call {
                    call: call.state.clone(),
                    ice_servers,
                },
            );
        }
    }
}

/// What a participant relays.
enum Signal {
    Offer(String),
    Answer(String),
    Candidate(IceCandidate),
}

impl Signal {
    fn check(&self) -> Result<(), Refusal> {
        let too_large = |what: &str, max: usize| {
            Err(refusal(
                ErrorCode::TooLarge,
                &format!("{what} is larger than the {max} bytes a call relays"),
            ))
        };
        match self {
            Signal::Offer(sdp) | Signal::Answer(sdp) if sdp.len() > MAX_SDP_BYTES => {
                too_large("this SDP", MAX_SDP_BYTES)
            }
            Signal::Offer(sdp) | Signal::Answer(sdp) if sdp.trim().is_empty() => {
                Err(refusal(ErrorCode::BadFrame, "an SDP cannot be empty"))
            }
            Signal::Candidate(c) if c.candidate.len() > MAX_CANDIDATE_BYTES => {
                too_large("this candidate", MAX_CANDIDATE_BYTES)
            }
            Signal::Candidate(c) if c.sdp_mid.as_ref().is_some_and(|m| m.len() > MAX_MID_BYTES) => {
                too_large("this candidate's sdp_mid", MAX_MID_BYTES)
            }
            _ => Ok(()),
        }
    }
}
