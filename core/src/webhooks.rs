//! Webhooks: every rule of them, pure. Which requests make a valid webhook,
//! which webhooks get an event, what an event's body says, how a delivery
//! is signed, when it is tried again and when it gives up.
//!
//! The shells (the conversation and workspace objects, which emit events,
//! and the webhook object, which delivers them) feed facts, times and ids
//! in as values; nothing here reads a clock, draws a random number or
//! performs a request.
//!
//! A delivery moves through one small state machine:
//!
//! ```text
//! pending ──2xx──▶ delivered
//!    │ ▲
//!    │ └── any other answer, or no answer, while the next attempt falls
//!    │     before the expiry: pending again, `next_attempt_at` later
//!    └──── the next attempt would fall after the expiry: failed
//! delivered / failed / pending ──redeliver──▶ pending, due now, a new expiry
//! ```

use crate::conversation::lifecycle::TransferTarget;
use crate::conversation::Meta;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use shared::admin::{Delivery, DeliveryStatus, Webhook, WebhookEvent, WebhookRequest};
use shared::frame::{
    ConversationStatus, ConversationView, Message, MessageKind, Participant, Side,
};

/// At most this many webhooks per workspace.
pub const MAX_WEBHOOKS: usize = 20;
/// A webhook's name, at most this many characters.
pub const MAX_NAME_CHARS: usize = 100;
/// A webhook's URL, at most this many bytes.
pub const MAX_URL_BYTES: usize = 2_000;
/// A delivery is retried for this long (from its event, or from a
/// redeliver) before it is marked failed.
pub const EXPIRY_MS: i64 = 24 * 60 * 60 * 1000;
/// The first retry's delay in production; each later one doubles.
pub const DEFAULT_RETRY_BASE_MS: i64 = 30_000;
/// No retry waits longer than this.
pub const MAX_RETRY_DELAY_MS: i64 = 60 * 60 * 1000;
/// A receiver that has not answered in this long has failed the attempt.
pub const ATTEMPT_TIMEOUT_MS: i64 = 10_000;
/// At most this many characters of a receiver's failure are kept.
pub const MAX_ERROR_CHARS: usize = 300;

/// Why a [`WebhookRequest`] is refused: a sentence for people.
pub type Invalid = String;

/// Checks a webhook request and answers it tidied (name trimmed, events
/// sorted without repeats). `others` is how many webhooks the workspace
/// has besides the one being made or edited.
pub fn validate(req: &WebhookRequest, others: usize) -> Result<WebhookRequest, Invalid> {
    let name = req.name.trim();
    if name.is_empty() {
        return Err("a webhook needs a name".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "a webhook's name is at most {MAX_NAME_CHARS} characters"
        ));
    }
    let url = req.url.trim();
    check_url(url)?;
    if req.events.is_empty() {
        return Err("a webhook needs at least one event".into());
    }
    if req.events.contains(&WebhookEvent::Unknown) {
        return Err("unknown event: the events are chat_queued, chat_taken, visitor_message, agent_message, chat_transferred, chat_on_hold, chat_closed and offline_message".into());
    }
    if others >= MAX_WEBHOOKS {
        return Err(format!("a workspace has at most {MAX_WEBHOOKS} webhooks"));
    }
    let mut events = req.events.clone();
    events.sort();
    events.dedup();
    Ok(WebhookRequest {
        name: name.to_owned(),
        url: url.to_owned(),
        events,
        active: req.active,
    })
}

/// `https://` anywhere, or `http://` to this machine (for development).
fn check_url(text: &str) -> Result<(), Invalid> {
    if text.len() > MAX_URL_BYTES {
        return Err(format!("a webhook's URL is at most {MAX_URL_BYTES} bytes"));
    }
    let url = url::Url::parse(text).map_err(|e| format!("the URL is not valid: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err("the URL needs a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL may not carry a user name or password".into());
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if matches!(host, "localhost" | "127.0.0.1" | "[::1]") => Ok(()),
        "http" => Err("the URL must start with https:// (http:// only to localhost)".into()),
        _ => Err("the URL must start with https://".into()),
    }
}

/// The active webhooks subscribed to `event`.
pub fn subscribers(webhooks: &[Webhook], event: WebhookEvent) -> impl Iterator<Item = &Webhook> {
    webhooks
        .iter()
        .filter(move |w| w.active && w.events.contains(&event))
}

/// Every event some active webhook wants, sorted: what the emitters are
/// told, so a conversation knows whether its messages are wanted.
pub fn wanted(webhooks: &[Webhook]) -> Vec<WebhookEvent> {
    let mut all: Vec<WebhookEvent> = webhooks
        .iter()
        .filter(|w| w.active)
        .flat_map(|w| w.events.iter().copied())
        .collect();
    all.sort();
    all.dedup();
    all
}

/// What an emitter knows of its workspace's webhooks is trusted this
/// long; after that, its next event goes to the outbox whatever it says,
/// and the hand-off's answer refreshes it. A change of the webhooks is
/// told at once to the workspace and to every open conversation; this
/// only bounds how long one that missed it stays wrong.
pub const WANTED_TTL_MS: i64 = 10 * 60_000;

/// What an emitter (a conversation, or the workspace handing a new one
/// what it knows) knows of its workspace's webhooks: the events some
/// active webhook wanted, and when that was learnt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// The events wanted then, as [`wanted`] answers them.
    pub wanted: Vec<WebhookEvent>,
    /// When that was learnt.
    pub at: i64,
}

impl Known {
    /// Whether this is recent enough to decide by at `now`.
    pub fn fresh(&self, now: i64) -> bool {
        now - self.at <= WANTED_TTL_MS && self.at <= now
    }

    /// Whether `event` goes to the outbox at `now`, by what is known:
    /// when it is wanted, and whenever nothing recent is known (the
    /// hand-off then says what is wanted). No webhook can miss an event
    /// for longer than [`WANTED_TTL_MS`] after it starts to want it.
    pub fn queues(known: Option<&Known>, event: WebhookEvent, now: i64) -> bool {
        match known {
            Some(k) if k.fresh(now) => k.wanted.contains(&event),
            _ => true,
        }
    }
}

/// One event, as it is posted: `{"id", "event", "workspace",
/// "occurred_at", "data"}`. Its id is given by the emitter when the change
/// happens and never changes, so a hand-off retried is recognised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Its id.
    pub id: String,
    /// What happened.
    pub event: WebhookEvent,
    /// The workspace's slug.
    pub workspace: String,
    /// When (ms since the epoch).
    pub occurred_at: i64,
    /// What happened, per event (see `docs/protocol.md`).
    pub data: serde_json::Value,
}

impl Event {
    /// The JSON posted, exactly as signed.
    pub fn body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Someone, as events name them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their id (a visitor id or an agent id).
    pub id: String,
    /// Their name.
    pub name: String,
}

impl From<&Participant> for Person {
    fn from(p: &Participant) -> Self {
        Person {
            id: p.id.clone(),
            name: p.name.clone(),
        }
    }
}

/// The conversation an event is about, as it stands after the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// Its id.
    pub id: String,
    /// Its department.
    pub department: String,
    /// Its status: `queued`, `active`, `on_hold`, `closed`.
    pub status: ConversationStatus,
    /// Its visitor.
    pub visitor: Person,
    /// Its agent, once taken.
    pub agent: Option<Person>,
}

impl From<&ConversationView> for Chat {
    fn from(v: &ConversationView) -> Self {
        Chat {
            id: v.id.0.clone(),
            department: v.department.clone(),
            status: v.status,
            visitor: Person::from(&v.visitor),
            agent: v.assignee.as_ref().map(Person::from),
        }
    }
}

/// What a conversation's change means for webhooks: the events it makes,
/// each with its `data`, from the stored conversation before (none when
/// new) and after. Message events come from [`message_event`].
pub fn conversation_events(
    before: Option<&Meta>,
    after: &Meta,
) -> Vec<(WebhookEvent, serde_json::Value)> {
    let mut out = Vec::new();
    let chat = Chat::from(&after.view);
    let was = before.map(|m| m.view.status);
    let status = after.view.status;
    let entered = |s: ConversationStatus| status == s && was != Some(s);
    let data = |v: serde_json::Value| v;
    if let Some(t) = after
        .transfers
        .get(before.map_or(0, |b| b.transfers.len())..)
        .and_then(|new| new.last())
    {
        let to = match &t.to {
            TransferTarget::Agent { agent } => serde_json::json!({
                "type": "agent", "agent": Person::from(agent),
            }),
            TransferTarget::Department { department, name } => serde_json::json!({
                "type": "department", "department": department, "name": name,
            }),
        };
        out.push((
            WebhookEvent::ChatTransferred,
            data(serde_json::json!({
                "chat": chat, "by": Person::from(&t.by), "to": to, "comment": t.comment,
            })),
        ));
    }
    if entered(ConversationStatus::Queued) {
        out.push((
            WebhookEvent::ChatQueued,
            serde_json::json!({
                "chat": chat, "queued_at": after.queued_at, "preview": after.preview,
                "details": after.details,
            }),
        ));
    }
    let before_agent = before.and_then(|b| b.view.assignee.as_ref().map(|a| a.id.as_str()));
    if let Some(agent) = &after.view.assignee {
        if status == ConversationStatus::Active && before_agent != Some(agent.id.as_str()) {
            out.push((
                WebhookEvent::ChatTaken,
                serde_json::json!({ "chat": chat, "agent": Person::from(agent) }),
            ));
        }
    }
    if entered(ConversationStatus::OnHold) {
        out.push((
            WebhookEvent::ChatOnHold,
            serde_json::json!({ "chat": chat }),
        ));
    }
    out.extend(call_events(before, after, &chat));
    let rated_after_close = was == Some(ConversationStatus::Closed)
        && status == ConversationStatus::Closed
        && after.rating.is_some()
        && before.and_then(|b| b.rating.as_ref()) != after.rating.as_ref();
    if entered(ConversationStatus::Closed) || rated_after_close {
        let closing = after.closing.as_ref();
        out.push((
            WebhookEvent::ChatClosed,
            serde_json::json!({
                "chat": chat,
                "update": if rated_after_close { Some("rating") } else { None },
                "closed_at": closing.map(|c| c.at),
                "closed_by": closing.map(|c| Person::from(&c.by)),
                "comment": closing.map(|c| c.comment.as_str()),
                "tags": closing.map(|c| c.tags.clone()).unwrap_or_default(),
                "disposition": closing.and_then(|c| c.disposition.clone()),
                "rating": after.rating,
            }),
        ));
    }
    out
}

/// What a change of the conversation's call means: `call_started` when a
/// new call rings, `call_ended` (with how it ended and its duration) when
/// it stops being live.
fn call_events(
    before: Option<&Meta>,
    after: &Meta,
    chat: &Chat,
) -> Vec<(WebhookEvent, serde_json::Value)> {
    let mut out = Vec::new();
    let Some(call) = after.call.as_ref().map(|c| &c.state) else {
        return out;
    };
    let was = before
        .and_then(|b| b.call.as_ref())
        .filter(|c| c.state.id == call.id)
        .map(|c| c.state.status);
    if was.is_none() {
        out.push((
            WebhookEvent::CallStarted,
            serde_json::json!({
                "chat": chat, "call_id": call.id, "kind": call.kind,
                "agent": Person::from(&call.agent), "started_at": call.started_at,
            }),
        ));
    }
    let live_before = was.is_none_or(|s| s.is_live());
    if live_before && !call.status.is_live() {
        let ended_at = call.ended_at.unwrap_or(call.started_at);
        out.push((
            WebhookEvent::CallEnded,
            serde_json::json!({
                "chat": chat, "call_id": call.id, "kind": call.kind,
                "status": call.status, "agent": Person::from(&call.agent),
                "started_at": call.started_at, "answered_at": call.answered_at,
                "ended_at": call.ended_at,
                "ended_by": call.ended_by.as_ref().map(Person::from),
                "duration_ms": call.duration_ms(ended_at),
            }),
        ));
    }
    out
}

/// The event a stored message makes, if any: a visitor's or an agent's
/// line to the conversation (a text or a file), never a note, a whisper,
/// a forward's comment or a system line.
pub fn message_event(
    view: &ConversationView,
    m: &Message,
) -> Option<(WebhookEvent, serde_json::Value)> {
    if m.kind != MessageKind::Text {
        return None;
    }
    let event = match m.author.side {
        Side::Visitor => WebhookEvent::VisitorMessage,
        Side::Agent => WebhookEvent::AgentMessage,
        _ => return None,
    };
    Some((
        event,
        serde_json::json!({
            "chat": Chat::from(view),
            "message": {
                "seq": m.seq,
                "author": Person::from(&m.author),
                "text": m.text,
                "sent_at": m.sent_at,
                "attachment": m.attachment.as_ref().map(|a| serde_json::json!({
                    "id": a.id, "name": a.name, "mime": a.mime, "size": a.size,
                })),
            },
        }),
    ))
}

/// The event of an offline message left by a visitor.
pub fn offline_event(m: &shared::api::OfflineMessage) -> (WebhookEvent, serde_json::Value) {
    (
        WebhookEvent::OfflineMessage,
        serde_json::json!({ "offline_message": m }),
    )
}

/// What is signed: `"<timestamp>.<body>"`, the timestamp in seconds.
pub fn signing_string(timestamp_secs: i64, body: &str) -> String {
    format!("{timestamp_secs}.{body}")
}

/// `X-LiveChat-Signature`: `v1=` and the hex HMAC-SHA256 of
/// [`signing_string`] under the webhook's secret.
pub fn signature(secret: &str, timestamp_secs: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(signing_string(timestamp_secs, body).as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + digest.len() * 2);
    out.push_str("v1=");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// When attempts are made again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The delay after the first failed attempt; each later one doubles.
    pub base_ms: i64,
    /// The longest delay.
    pub max_delay_ms: i64,
    /// How long a delivery is tried.
    pub expiry_ms: i64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::with_base(DEFAULT_RETRY_BASE_MS)
    }
}

impl Schedule {
    /// The production schedule with another first delay (tests use a few
    /// hundred milliseconds). The longest delay is 128 first delays, and
    /// never more than an hour.
    pub fn with_base(base_ms: i64) -> Schedule {
        let base_ms = base_ms.max(1);
        Schedule {
            base_ms,
            max_delay_ms: base_ms.saturating_mul(128).min(MAX_RETRY_DELAY_MS),
            expiry_ms: EXPIRY_MS,
        }
    }

    /// The wait after `attempts` failed attempts (1 or more).
    pub fn delay(&self, attempts: u32) -> i64 {
        let doublings = attempts.saturating_sub(1).min(40);
        self.base_ms
            .saturating_mul(1_i64 << doublings)
            .min(self.max_delay_ms)
    }
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered with this HTTP status.
    Answered(u16),
    /// No answer: the connection failed or timed out.
    NoAnswer(String),
}

/// A new delivery of `event` to `webhook`, due now.
pub fn new_delivery(id: String, webhook: &str, event: &Event) -> Delivery {
    Delivery {
        id,
        webhook: webhook.to_owned(),
        event: event.event,
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_status: None,
        last_error: None,
        created_at: event.occurred_at,
        next_attempt_at: Some(event.occurred_at),
        delivered_at: None,
        body: event.body(),
    }
}

/// What to do with a pending delivery that is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Post it.
    Attempt,
    /// Its time is up: mark it failed without trying.
    Expire,
}

/// A due delivery: attempt it unless it expired (`expires_at` passed,
/// for instance while its webhook was paused).
pub fn due(expires_at: i64, now: i64) -> Due {
    if now > expires_at {
        Due::Expire
    } else {
        Due::Attempt
    }
}

/// A delivery after an attempt: delivered on 2xx; otherwise pending
/// again after the schedule's delay, or failed when that would fall after
/// `expires_at`.
pub fn record_attempt(
    d: &mut Delivery,
    expires_at: i64,
    attempt: Attempt,
    now: i64,
    schedule: &Schedule,
) {
    d.attempts = d.attempts.saturating_add(1);
    let ok = match attempt {
        Attempt::Answered(status) => {
            d.last_status = Some(status);
            d.last_error = if (200..300).contains(&status) {
                None
            } else {
                Some(format!("the receiver answered {status}"))
            };
            (200..300).contains(&status)
        }
        Attempt::NoAnswer(why) => {
            d.last_status = None;
            d.last_error = Some(why.chars().take(MAX_ERROR_CHARS).collect());
            false
        }
    };
    if ok {
        d.status = DeliveryStatus::Delivered;
        d.delivered_at = Some(now);
        d.next_attempt_at = None;
        return;
    }
    let next = now.saturating_add(schedule.delay(d.attempts));
    if next > expires_at {
        expire(d);
    } else {
        d.status = DeliveryStatus::Pending;
        d.next_attempt_at = Some(next);
    }
}

/// A delivery whose time is up.
pub fn expire(d: &mut Delivery) {
    d.status = DeliveryStatus::Failed;
    d.next_attempt_at = None;
    if d.last_error.is_none() {
        d.last_error = Some("expired before it could be delivered".into());
    }
}

/// "Redeliver": the same delivery (same id, so a receiver that already
/// has it recognises it), due now and tried for another
/// [`Schedule::expiry_ms`]; its attempts go on counting. Answers the new
/// expiry.
pub fn redeliver(d: &mut Delivery, now: i64, schedule: &Schedule) -> i64 {
    d.status = DeliveryStatus::Pending;
    d.next_attempt_at = Some(now);
    d.delivered_at = None;
    now.saturating_add(schedule.expiry_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ids::ConversationId;

    fn request(name: &str, url: &str, events: &[WebhookEvent]) -> WebhookRequest {
        WebhookRequest {
            name: name.into(),
            url: url.into(),
            events: events.to_vec(),
            active: true,
        }
    }

    #[track_caller]
    fn check(name: &str, url: &str, events: &[WebhookEvent], others: usize, refused: Option<&str>) {
        let answer = validate(&request(name, url, events), others);
        match (answer, refused) {
            (Ok(_), None) => {}
            (Err(e), Some(want)) => assert!(e.contains(want), "{e:?} lacks {want:?}"),
            (got, want) => panic!("{name} {url}: got {got:?}, want refusal {want:?}"),
        }
    }

    #[test]
    fn requests() {
        use WebhookEvent::*;
        let e = &[ChatClosed][..];
        check("CRM", "https://example.com/hook", e, 0, None);
        check("CRM", "https://example.com:8443/a?b=c", e, 19, None);
        check("Local", "http://localhost:8080/x", e, 0, None);
        check("Local", "http://127.0.0.1:9/x", e, 0, None);
        check("Local", "http://[::1]:9/x", e, 0, None);
        check("", "https://example.com", e, 0, Some("name"));
        check("   ", "https://example.com", e, 0, Some("name"));
        check(
            &"x".repeat(101),
            "https://example.com",
            e,
            0,
            Some("at most 100"),
        );
        check("CRM", "http://example.com/hook", e, 0, Some("https://"));
        check("CRM", "http://10.0.0.1/hook", e, 0, Some("https://"));
        check("CRM", "ftp://example.com/hook", e, 0, Some("https://"));
        check("CRM", "example.com/hook", e, 0, Some("not valid"));
        check("CRM", "https://u:p@example.com/", e, 0, Some("password"));
        check(
            "CRM",
            &format!("https://e.com/{}", "a".repeat(2000)),
            e,
            0,
            Some("2000"),
        );
        check(
            "CRM",
            "https://example.com",
            &[],
            0,
            Some("at least one event"),
        );
        check(
            "CRM",
            "https://example.com",
            &[Unknown],
            0,
            Some("unknown event"),
        );
        check("CRM", "https://example.com", e, 20, Some("at most 20"));
    }

    #[test]
    fn a_valid_request_is_tidied() {
        use WebhookEvent::*;
        let tidy = validate(
            &request(
                " CRM ",
                " https://e.com ",
                &[ChatClosed, ChatQueued, ChatClosed],
            ),
            0,
        )
        .unwrap();
        assert_eq!(tidy.name, "CRM");
        assert_eq!(tidy.url, "https://e.com");
        assert_eq!(tidy.events, vec![ChatQueued, ChatClosed]);
    }

    #[test]
    fn unknown_events_read_as_unknown() {
        let r: WebhookRequest = serde_json::from_str(
            r#"{"name":"a","url":"https://e.com","events":["chat_exploded"]}"#,
        )
        .unwrap();
        assert_eq!(r.events, vec![WebhookEvent::Unknown]);
        assert!(r.active);
    }

    fn hook(id: &str, events: &[WebhookEvent], active: bool) -> Webhook {
        Webhook {
            id: id.into(),
            name: id.into(),
            url: "https://e.com".into(),
            events: events.to_vec(),
            active,
            secret: "s".into(),
            created_at: 0,
        }
    }

    #[test]
    fn who_gets_an_event() {
        use WebhookEvent::*;
        let hooks = [
            hook("a", &[ChatClosed, VisitorMessage], true),
            hook("b", &[ChatClosed], false),
            hook("c", &[ChatQueued, ChatClosed], true),
        ];
        let ids = |e| {
            subscribers(&hooks, e)
                .map(|w| w.id.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(ChatClosed), ["a", "c"]);
        assert_eq!(ids(VisitorMessage), ["a"]);
        assert!(ids(OfflineMessage).is_empty());
        assert_eq!(wanted(&hooks), vec![ChatQueued, VisitorMessage, ChatClosed]);
        let all = Known {
            wanted: wanted(&hooks),
            at: 1_000,
        };
        let some = Known {
            wanted: wanted(&hooks[1..]),
            at: 1_000,
        };
        assert!(Known::queues(
            Some(&all),
            WebhookEvent::VisitorMessage,
            2_000
        ));
        assert!(!Known::queues(
            Some(&some),
            WebhookEvent::VisitorMessage,
            2_000
        ));
    }

    #[test]
    fn what_is_not_known_recently_goes_to_the_outbox() {
        use WebhookEvent::*;
        let nothing = Known {
            wanted: Vec::new(),
            at: 10_000,
        };
        // Nothing known: everything is queued, and the hand-off tells.
        assert!(Known::queues(None, ChatQueued, 10_000));
        // Known recently that nothing is wanted: nothing is queued.
        assert!(!Known::queues(Some(&nothing), ChatQueued, 10_000));
        assert!(!Known::queues(
            Some(&nothing),
            VisitorMessage,
            10_000 + WANTED_TTL_MS
        ));
        // Too old to say, or from a clock ahead of this one: queued.
        assert!(Known::queues(
            Some(&nothing),
            ChatQueued,
            10_001 + WANTED_TTL_MS
        ));
        assert!(Known::queues(Some(&nothing), ChatClosed, 9_999));
    }

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        assert_eq!(signing_string(1700000000, "{}"), "1700000000.{}");
        let sig = signature("Jefe", 1700000000, "{\"a\":1}");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sig, format!("v1={hex}"));
        assert_ne!(signature("k", 1, "a"), signature("k", 2, "a"));
        assert_ne!(signature("k", 1, "a"), signature("j", 1, "a"));
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let s = Schedule::default();
        let delays: Vec<i64> = (1..=10).map(|n| s.delay(n)).collect();
        assert_eq!(
            delays,
            [
                30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000,
                3_600_000, 3_600_000
            ]
        );
        let fast = Schedule::with_base(100);
        assert_eq!(fast.delay(1), 100);
        assert_eq!(fast.delay(3), 400);
        assert_eq!(fast.delay(50), 12_800);
        assert_eq!(Schedule::with_base(0).delay(1), 1);
    }

    fn event() -> Event {
        Event {
            id: "ev_1".into(),
            event: WebhookEvent::ChatClosed,
            workspace: "demo".into(),
            occurred_at: 1_000,
            data: serde_json::json!({"x": 1}),
        }
    }

    #[test]
    fn a_body_is_the_event_in_fixed_order() {
        assert_eq!(
            event().body(),
            r#"{"id":"ev_1","event":"chat_closed","workspace":"demo","occurred_at":1000,"data":{"x":1}}"#
        );
    }

    #[test]
    fn delivery_states() {
        let s = Schedule::with_base(1_000);
        let mut d = new_delivery("d1".into(), "w1", &event());
        assert_eq!(d.status, DeliveryStatus::Pending);
        assert_eq!(d.next_attempt_at, Some(1_000));
        let expires = 1_000 + s.expiry_ms;
        record_attempt(&mut d, expires, Attempt::Answered(500), 1_000, &s);
        assert_eq!(
            (d.status, d.attempts, d.next_attempt_at),
            (DeliveryStatus::Pending, 1, Some(2_000))
        );
        assert_eq!(d.last_status, Some(500));
        record_attempt(
            &mut d,
            expires,
            Attempt::NoAnswer("timed out".into()),
            2_000,
            &s,
        );
        assert_eq!(
            (d.attempts, d.next_attempt_at, d.last_status),
            (2, Some(4_000), None)
        );
        assert_eq!(d.last_error.as_deref(), Some("timed out"));
        record_attempt(&mut d, expires, Attempt::Answered(204), 4_000, &s);
        assert_eq!(
            (d.status, d.delivered_at, d.next_attempt_at),
            (DeliveryStatus::Delivered, Some(4_000), None)
        );
        assert_eq!(d.last_error, None);
        // A redeliver keeps the id and the count, and is due at once.
        let expires = redeliver(&mut d, 9_000, &s);
        assert_eq!(
            (d.id.as_str(), d.status, d.attempts),
            ("d1", DeliveryStatus::Pending, 3)
        );
        assert_eq!(
            (d.next_attempt_at, d.delivered_at, expires),
            (Some(9_000), None, 9_000 + EXPIRY_MS)
        );
        // 3xx and 4xx are failures too.
        record_attempt(&mut d, expires, Attempt::Answered(301), 9_000, &s);
        assert_eq!(d.status, DeliveryStatus::Pending);
    }

    #[test]
    fn a_delivery_fails_when_its_next_attempt_would_pass_the_expiry() {
        let s = Schedule::with_base(1_000);
        let mut d = new_delivery("d1".into(), "w1", &event());
        record_attempt(&mut d, 1_500, Attempt::Answered(503), 1_000, &s);
        assert_eq!(
            (d.status, d.next_attempt_at),
            (DeliveryStatus::Failed, None)
        );
        assert_eq!(due(1_500, 1_500), Due::Attempt);
        assert_eq!(due(1_500, 1_501), Due::Expire);
        let mut d = new_delivery("d2".into(), "w1", &event());
        expire(&mut d);
        assert_eq!(d.status, DeliveryStatus::Failed);
        assert!(d.last_error.is_some());
        // Over a day of retries with the production schedule: about 30.
        let s = Schedule::default();
        let mut d = new_delivery("d3".into(), "w1", &event());
        let expires = 1_000 + s.expiry_ms;
        let mut now = 1_000;
        while d.status == DeliveryStatus::Pending {
            record_attempt(&mut d, expires, Attempt::Answered(500), now, &s);
            now = d.next_attempt_at.unwrap_or(now);
        }
        assert_eq!(d.status, DeliveryStatus::Failed);
        assert!((25..=35).contains(&d.attempts), "{}", d.attempts);
    }

    fn person(side: Side, id: &str) -> Participant {
        Participant {
            side,
            id: id.into(),
            name: id.to_uppercase(),
        }
    }

    fn meta(status: ConversationStatus, assignee: Option<&str>) -> Meta {
        Meta {
            view: ConversationView {
                id: ConversationId("c1".into()),
                status,
                department: "sales".into(),
                visitor: person(Side::Visitor, "v1"),
                assignee: assignee.map(|a| person(Side::Agent, a)),
                members: vec![],
            },
            preview: "hello".into(),
            queued_at: 5,
            announced: false,
            transfers: vec![],
            closing: None,
            created_at: 1,
            taken_at: None,
            topic: String::new(),
            tags: vec![],
            details: Default::default(),
            rating: None,
            visitor_transcripts: 0,
            seen_queued_at: None,
            site: String::new(),
            call: None,
            calls: Default::default(),
        }
    }

    fn kinds(before: Option<&Meta>, after: &Meta) -> Vec<WebhookEvent> {
        conversation_events(before, after)
            .into_iter()
            .map(|(e, _)| e)
            .collect()
    }

    #[test]
    fn what_a_change_of_the_conversation_emits() {
        use crate::conversation::lifecycle::{Closing, Transfer};
        use ConversationStatus::*;
        use WebhookEvent::*;
        let new = meta(New, None);
        let queued = meta(Queued, None);
        let taken = meta(Active, Some("a1"));
        assert!(kinds(None, &new).is_empty());
        assert_eq!(kinds(Some(&new), &queued), [ChatQueued]);
        assert!(kinds(Some(&queued), &queued).is_empty());
        assert_eq!(kinds(Some(&queued), &taken), [ChatTaken]);
        assert!(kinds(Some(&taken), &taken).is_empty());
        let held = meta(OnHold, Some("a1"));
        assert_eq!(kinds(Some(&taken), &held), [ChatOnHold]);
        // Resumed by the same agent: nothing new taken.
        assert!(kinds(Some(&held), &taken).is_empty());
        let mut forwarded = meta(Active, Some("a2"));
        forwarded.transfers.push(Transfer {
            at: 9,
            by: person(Side::Agent, "a1"),
            to: TransferTarget::Agent {
                agent: person(Side::Agent, "a2"),
            },
            comment: Some("VIP".into()),
        });
        let events = conversation_events(Some(&taken), &forwarded);
        assert_eq!(
            events.iter().map(|e| e.0).collect::<Vec<_>>(),
            [ChatTransferred, ChatTaken]
        );
        assert_eq!(events[0].1["to"]["agent"]["id"], "a2");
        assert_eq!(events[0].1["comment"], "VIP");
        let mut closed = meta(Closed, Some("a2"));
        closed.transfers = forwarded.transfers.clone();
        closed.closing = Some(Closing {
            at: 20,
            by: person(Side::Agent, "a2"),
            comment: "Solved".into(),
            tags: vec!["billing".into()],
            disposition: Some("resolved".into()),
        });
        let events = conversation_events(Some(&forwarded), &closed);
        assert_eq!(events.len(), 1);
        let (kind, data) = &events[0];
        assert_eq!(*kind, ChatClosed);
        assert_eq!(data["comment"], "Solved");
        assert_eq!(data["tags"], serde_json::json!(["billing"]));
        assert_eq!(data["disposition"], "resolved");
        assert_eq!(data["rating"], serde_json::Value::Null);
        assert_eq!(data["update"], serde_json::Value::Null);
        assert_eq!(data["chat"]["status"], "closed");
        // The rating, later: a second chat_closed that says so.
        let mut rated = closed.clone();
        rated.rating = Some(shared::site::Rating {
            score: 5,
            comment: None,
            at: 30,
        });
        let events = conversation_events(Some(&closed), &rated);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].1["update"], "rating");
        assert_eq!(events[0].1["rating"]["score"], 5);
        assert_eq!(events[0].1["comment"], "Solved");
        assert!(kinds(Some(&rated), &rated).is_empty());
        // Back to the queue.
        assert_eq!(kinds(Some(&taken), &queued), [ChatQueued]);
    }

    #[test]
    fn which_messages_emit() {
        let view = meta(ConversationStatus::Active, Some("a1")).view;
        let msg = |kind, author: Participant| Message {
            seq: 3,
            client_id: None,
            author,
            kind,
            to: None,
            text: "hi".into(),
            sent_at: 7,
            attachment: None,
        };
        let kind = |m: &Message| message_event(&view, m).map(|e| e.0);
        use MessageKind::*;
        assert_eq!(
            kind(&msg(Text, person(Side::Visitor, "v1"))),
            Some(WebhookEvent::VisitorMessage)
        );
        assert_eq!(
            kind(&msg(Text, person(Side::Agent, "a1"))),
            Some(WebhookEvent::AgentMessage)
        );
        assert_eq!(kind(&msg(Note, person(Side::Agent, "a1"))), None);
        assert_eq!(kind(&msg(Whisper, person(Side::Agent, "a1"))), None);
        assert_eq!(kind(&msg(Internal, person(Side::Agent, "a1"))), None);
        assert_eq!(kind(&msg(System, person(Side::Agent, "system"))), None);
        let (_, data) = message_event(&view, &msg(Text, person(Side::Visitor, "v1"))).unwrap();
        assert_eq!(data["message"]["text"], "hi");
        assert_eq!(data["chat"]["id"], "c1");
    }
}
