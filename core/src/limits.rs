//! Every limit that keeps one abuser from slowing others down, as pure
//! rules: the per-socket token buckets of a conversation (frames, messages,
//! typing), the number of sockets one visitor holds on a conversation, the
//! length of a workspace's queue, and sign-in's growing delay per account.
//! Limits keyed by IP address, site or account across the whole worker are
//! counted by the platform's Rate Limiting binding (`[[ratelimits]]` in
//! `wrangler.toml`); this module names them ([`Keyed`]) and says what a
//! refusal answers, but keeps no count of them.
//!
//! Nothing here reads a clock: time comes in as milliseconds since the
//! epoch, like everywhere in the core.
//!
//! The tests are in `limits/tests.rs`.

use crate::conversation::Refusal;
use serde::{Deserialize, Serialize};
use shared::frame::{ClientFrame, ErrorCode, ServerFrame};

/// A rate: `burst` at once, then one more every `every_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// How many may come at once after a quiet spell.
    pub burst: u32,
    /// Then one more every this many milliseconds.
    pub every_ms: i64,
}

/// The deployment's limits. [`Limits::standard`] is what a deployment runs
/// with; the worker's `LIMITS` variable may say `off` (load benchmarks and
/// the test suites that open many sessions from one address) or override
/// single fields as JSON (`{"messages": {"burst": 5, "every_ms": 1000}}`;
/// `null` lifts a limit). `Default` is no limit at all: what a core runs
/// with until its shell gives it the deployment's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default = "Limits::standard", deny_unknown_fields)]
pub struct Limits {
    /// Every frame on a conversation socket, whatever it is.
    pub frames: Option<Rate>,
    /// `send` frames on a conversation socket.
    pub messages: Option<Rate>,
    /// `typing` frames on a conversation socket.
    pub typing: Option<Rate>,
    /// Refused frames in a row after which the socket is closed
    /// ([`shared::close::TOO_MANY`]): a client that keeps sending into
    /// refusals is not listening.
    pub close_after_refusals: Option<u32>,
    /// How long a participant whose socket was closed that way may open
    /// no other on the conversation: a flooder that reconnects at once
    /// would otherwise bring a new backlog of frames each time.
    pub pause_after_close_ms: Option<i64>,
    /// Open sockets one visitor may hold on one conversation.
    pub sockets_per_visitor: Option<u32>,
    /// Conversations waiting for an agent (queued or offered) in one
    /// workspace beyond which no new conversation starts.
    pub queue: Option<u32>,
    /// Sign-in's growing delay per account.
    pub sign_in: Option<SignInPolicy>,
    /// Whether the worker consults the platform's Rate Limiting bindings
    /// (per IP address, site and account; see [`Keyed`]).
    pub keyed: bool,
    /// How long the worker holds a `429` before answering it (never
    /// longer than its `Retry-After`; see [`Limits::hold_ms`]).
    pub refusal_hold_ms: Option<i64>,
}

impl Limits {
    /// The limits a deployment runs with.
    pub fn standard() -> Limits {
        Limits {
            // A person's messages, receipts, typing and pings come nowhere
            // near this; a script sending as fast as it can meets it at once.
            frames: Some(Rate {
                burst: 60,
                every_ms: 50,
            }),
            // Twenty messages at once (a burst of short lines, a resume's
            // re-sends), then one a second: faster than anyone types.
            messages: Some(Rate {
                burst: 20,
                every_ms: 1_000,
            }),
            // The apps send `typing: true` at most every 3 s.
            typing: Some(Rate {
                burst: 10,
                every_ms: 1_000,
            }),
            close_after_refusals: Some(50),
            // Nobody typing or any app's retries comes near fifty refusals
            // in a row; a script that does waits a minute.
            pause_after_close_ms: Some(60_000),
            sockets_per_visitor: Some(10),
            queue: Some(500),
            sign_in: Some(SignInPolicy::standard()),
            keyed: true,
            // A client told to wait that asks again at once, over and
            // over, gets one answer a second instead of hundreds: a held
            // answer costs the worker no CPU, a refusal does.
            refusal_hold_ms: Some(1_000),
        }
    }

    /// How long to hold a `429` whose `Retry-After` is `retry_after_secs`
    /// before answering it: [`Limits::refusal_hold_ms`], at most the wait
    /// the answer asks for (a client that waits as told loses nothing),
    /// none without a hold or a `Retry-After`.
    pub fn hold_ms(&self, retry_after_secs: Option<u64>) -> i64 {
        match (self.refusal_hold_ms, retry_after_secs) {
            (Some(hold), Some(secs)) => {
                let asked = i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
                hold.clamp(0, asked)
            }
            _ => 0,
        }
    }

    /// No limit at all.
    pub fn off() -> Limits {
        Limits::default()
    }

    /// The limits a deployment's `LIMITS` setting names: none or empty for
    /// [`Limits::standard`], `off`, or JSON overriding some fields of the
    /// standard ones.
    pub fn from_setting(setting: Option<&str>) -> Result<Limits, String> {
        match setting.map(str::trim) {
            None | Some("") | Some("on") | Some("standard") => Ok(Limits::standard()),
            Some("off") => Ok(Limits::off()),
            Some(json) => serde_json::from_str(json).map_err(|e| format!("LIMITS: {e}")),
        }
    }
}

/// A refusal for going over a limit, with when to try again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limited {
    /// The refusal (`too_many_requests`, or `queue_full`).
    pub refusal: Refusal,
    /// Milliseconds until a new try may pass.
    pub retry_after_ms: i64,
}

impl Limited {
    /// A `too_many_requests` refusal.
    pub fn too_many(message: impl Into<String>, retry_after_ms: i64) -> Limited {
        Limited {
            refusal: Refusal {
                code: ErrorCode::TooManyRequests,
                message: message.into(),
            },
            retry_after_ms: retry_after_ms.max(0),
        }
    }

    /// Whole seconds to wait, rounded up, at least one: an HTTP
    /// `Retry-After`.
    pub fn retry_after_secs(&self) -> u64 {
        (self.retry_after_ms.max(1) as u64).div_ceil(1000)
    }
}

/// "2 seconds", "1 minute", for the sentences of refusals.
pub fn wait_words(ms: i64) -> String {
    let secs = (ms.max(1) as u64).div_ceil(1000);
    match secs {
        1 => "1 second".into(),
        s if s < 120 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

/// A token bucket as one number (the generic cell rate algorithm): the time
/// at which the bucket would be full again. Cheap to keep per socket, exact
/// in integer milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bucket {
    full_at: i64,
}

impl Bucket {
    /// Takes one from the bucket at `now`, or answers how many
    /// milliseconds until one is there.
    pub fn take(&mut self, now: i64, rate: Rate) -> Result<(), i64> {
        let every = rate.every_ms.max(0);
        let room = every.saturating_mul(i64::from(rate.burst.max(1)));
        let full_at = self.full_at.max(now);
        let after = full_at.saturating_add(every);
        if after - now > room {
            return Err(after - now - room);
        }
        self.full_at = after;
        Ok(())
    }
}

/// What to do with a frame, by the limits of its socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Handle it.
    Pass,
    /// Do not handle it; nothing is said (a typing frame, a ping or a
    /// receipt over its limit: there is nothing a person could do about it).
    Drop,
    /// Do not handle it; answer this `error` frame (a `send` over its
    /// limit, with its client id, so the client shows it as not sent).
    Refuse(Box<ServerFrame>),
    /// Close the socket with [`shared::close::TOO_MANY`] and this reason.
    Close(String),
}

/// What one conversation socket has spent. Kept in memory by the core for
/// each open socket: an object evicted while nobody sends loses nothing
/// worth keeping (every bucket refills within seconds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SocketBudget {
    frames: Bucket,
    messages: Bucket,
    typing: Bucket,
    /// Whether the last typing frame passed said `active: true`: its
    /// `active: false` always passes, so nobody is left "typing".
    typing_shown: bool,
    refused_in_a_row: u32,
}

impl SocketBudget {
    /// Whether a frame passes (`None`: one that could not be read, which
    /// counts as a frame too).
    pub fn admit(&mut self, now: i64, limits: &Limits, frame: Option<&ClientFrame>) -> Verdict {
        let over_frames = limits.frames.and_then(|r| self.frames.take(now, r).err());
        let verdict = match frame {
            Some(ClientFrame::Typing { active }) => {
                let over = over_frames
                    .or_else(|| limits.typing.and_then(|r| self.typing.take(now, r).err()));
                match over {
                    // Dropped, not refused: typing is a passing state the
                    // apps send on their own, and an answer to each would
                    // double a flood. Its end still passes once.
                    Some(_) if *active || !self.typing_shown => Verdict::Drop,
                    _ => {
                        self.typing_shown = *active;
                        Verdict::Pass
                    }
                }
            }
            Some(ClientFrame::Send { client_id, .. }) => {
                let over = over_frames.or_else(|| {
                    limits
                        .messages
                        .and_then(|r| self.messages.take(now, r).err())
                });
                match over {
                    None => Verdict::Pass,
                    Some(wait) => Verdict::Refuse(Box::new(ServerFrame::Error {
                        code: ErrorCode::TooManyRequests,
                        message: format!(
                            "too many messages at once: this one was not sent; try again in {}",
                            wait_words(wait)
                        ),
                        client_id: Some(client_id.clone()),
                    })),
                }
            }
            _ => match over_frames {
                None => Verdict::Pass,
                Some(_) => Verdict::Drop,
            },
        };
        if verdict == Verdict::Pass {
            self.refused_in_a_row = 0;
            return verdict;
        }
        self.refused_in_a_row = self.refused_in_a_row.saturating_add(1);
        match limits.close_after_refusals {
            Some(n) if self.refused_in_a_row > n => {
                Verdict::Close("too many frames: this connection sent faster than allowed".into())
            }
            _ => verdict,
        }
    }
}

/// Whether a participant may open a socket at `now`, when their last one
/// was closed for flooding until `paused_until` (see
/// [`Limits::pause_after_close_ms`]): answered before any socket is
/// accepted, as `429` with `Retry-After`.
pub fn reopen(now: i64, paused_until: Option<i64>) -> Result<(), Limited> {
    match paused_until {
        Some(until) if until > now => Err(Limited::too_many(
            format!(
                "this connection was closed for sending faster than allowed: connect again in {}",
                wait_words(until - now)
            ),
            until - now,
        )),
        _ => Ok(()),
    }
}

/// Whether a visitor who holds `open` sockets on a conversation may open
/// one more.
pub fn visitor_socket(open: usize, limits: &Limits) -> Result<(), String> {
    match limits.sockets_per_visitor {
        Some(max) if open >= max as usize => Err(format!(
            "too many connections to this conversation: at most {max} at once"
        )),
        _ => Ok(()),
    }
}

/// How long a refused start should wait before trying again.
pub const QUEUE_RETRY_MS: i64 = 60_000;

/// Whether a new conversation may start while `waiting` conversations of
/// the workspace wait for an agent.
pub fn queue_room(waiting: usize, limits: &Limits) -> Result<(), Limited> {
    match limits.queue {
        Some(max) if waiting >= max as usize => Err(Limited {
            refusal: Refusal {
                code: ErrorCode::QueueFull,
                message: "all agents are busy and too many people are waiting: please try again in a few minutes".into(),
            },
            retry_after_ms: QUEUE_RETRY_MS,
        }),
        _ => Ok(()),
    }
}

/// Whether a workspace takes a new conversation: [`queue_room`] for the
/// conversations its router has waiting.
pub fn workspace_queue_room(
    workspace: &crate::workspace::Workspace,
    limits: &Limits,
) -> Result<(), Limited> {
    queue_room(workspace.router().waiting_count(), limits)
}

/// Sign-in's growing delay: after `free` failures in a row an account's
/// next attempt is heard only after a wait that doubles with each further
/// failure, from `first_delay_ms` up to `max_delay_ms`. Failures are
/// forgotten after `forget_ms` without one, or at a successful sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInPolicy {
    /// Failures in a row that cost no wait.
    pub free: u32,
    /// The first wait.
    pub first_delay_ms: i64,
    /// The longest wait.
    pub max_delay_ms: i64,
    /// Failures older than this are forgotten.
    pub forget_ms: i64,
}

impl SignInPolicy {
    /// Three free tries, then 1 s, 2 s, 4 s … up to 15 minutes; forgotten
    /// after a day.
    pub fn standard() -> SignInPolicy {
        SignInPolicy {
            free: 3,
            first_delay_ms: 1_000,
            max_delay_ms: 15 * 60_000,
            forget_ms: 24 * 60 * 60_000,
        }
    }

    /// The wait after `failures` failures in a row.
    pub fn delay(&self, failures: u32) -> i64 {
        if failures < self.free {
            return 0;
        }
        let doublings = (failures - self.free).min(40);
        self.first_delay_ms
            .saturating_mul(1_i64 << doublings)
            .min(self.max_delay_ms)
    }
}

/// An account's failed sign-ins, as the workspace keeps them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInFailures {
    /// Failures in a row.
    pub count: u32,
    /// When the last one was.
    pub last_at: i64,
}

impl SignInFailures {
    /// The failures that still count at `now`.
    fn current(self, now: i64, policy: &SignInPolicy) -> SignInFailures {
        if now - self.last_at > policy.forget_ms {
            SignInFailures::default()
        } else {
            self
        }
    }

    /// Whether an attempt at `now` is heard; refused attempts do not count
    /// as failures (so waiting is the only way through).
    pub fn check(self, now: i64, policy: &SignInPolicy) -> Result<(), Limited> {
        let current = self.current(now, policy);
        let until = current.last_at + policy.delay(current.count);
        if current.count == 0 || now >= until {
            return Ok(());
        }
        let wait = until - now;
        Err(Limited::too_many(
            format!(
                "too many failed sign-ins for this account: try again in {}",
                wait_words(wait)
            ),
            wait,
        ))
    }

    /// The record after a failure at `now`.
    pub fn failed(self, now: i64, policy: &SignInPolicy) -> SignInFailures {
        let current = self.current(now, policy);
        SignInFailures {
            count: current.count.saturating_add(1),
            last_at: now,
        }
    }
}

/// The limits counted by the platform's Rate Limiting binding, each a
/// binding of its own in `wrangler.toml` (its count and period are there;
/// the platform allows periods of 10 or 60 seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyed {
    /// New visitor sessions from one IP address.
    SessionsPerIp,
    /// New visitor sessions of one site.
    SessionsPerSite,
    /// New conversations from one IP address.
    ConversationsPerIp,
    /// New conversations of one site.
    ConversationsPerSite,
    /// Offline messages from one IP address.
    OfflinePerIp,
    /// Sign-in attempts from one IP address.
    SignInPerIp,
    /// Sign-in attempts for one account (workspace and email).
    SignInPerAccount,
    /// Conversation socket connections from one IP address.
    SocketsPerIp,
}

impl Keyed {
    /// Every one, in the order of the protocol's table.
    pub const ALL: [Keyed; 8] = [
        Keyed::SessionsPerIp,
        Keyed::SessionsPerSite,
        Keyed::ConversationsPerIp,
        Keyed::ConversationsPerSite,
        Keyed::OfflinePerIp,
        Keyed::SignInPerIp,
        Keyed::SignInPerAccount,
        Keyed::SocketsPerIp,
    ];

    /// Its binding's name in `wrangler.toml`.
    pub fn binding(self) -> &'static str {
        match self {
            Keyed::SessionsPerIp => "LIMIT_SESSIONS_IP",
            Keyed::SessionsPerSite => "LIMIT_SESSIONS_SITE",
            Keyed::ConversationsPerIp => "LIMIT_CONVERSATIONS_IP",
            Keyed::ConversationsPerSite => "LIMIT_CONVERSATIONS_SITE",
            Keyed::OfflinePerIp => "LIMIT_OFFLINE_IP",
            Keyed::SignInPerIp => "LIMIT_SIGN_IN_IP",
            Keyed::SignInPerAccount => "LIMIT_SIGN_IN_ACCOUNT",
            Keyed::SocketsPerIp => "LIMIT_SOCKETS_IP",
        }
    }

    /// Its binding's period in seconds, as `wrangler.toml` sets it: a
    /// refusal's `Retry-After` (the binding does not say how far into its
    /// window it is, so this is the longest wait).
    pub fn period_secs(self) -> u64 {
        match self {
            Keyed::SessionsPerSite | Keyed::ConversationsPerSite => 10,
            _ => 60,
        }
    }

    /// The key counted: the limit's own prefix and what it is counted by
    /// (an IP address, `workspace.site`, `workspace/email`).
    pub fn key(self, by: &str) -> String {
        let what = match self {
            Keyed::SessionsPerIp | Keyed::SessionsPerSite => "session",
            Keyed::ConversationsPerIp | Keyed::ConversationsPerSite => "conversation",
            Keyed::OfflinePerIp => "offline",
            Keyed::SignInPerIp | Keyed::SignInPerAccount => "sign-in",
            Keyed::SocketsPerIp => "socket",
        };
        // Emails are compared without case, as the workspace finds them.
        format!("{what}:{}", by.trim().to_lowercase())
    }

    /// The refusal when the binding says no.
    pub fn refusal(self) -> Limited {
        let what = match self {
            Keyed::SessionsPerIp => "too many new chats from your network",
            Keyed::SessionsPerSite => "too many new chats on this site right now",
            Keyed::ConversationsPerIp => "too many new chats from your network",
            Keyed::ConversationsPerSite => "too many new chats on this site right now",
            Keyed::OfflinePerIp => "too many messages left from your network",
            Keyed::SignInPerIp => "too many sign-in attempts from your network",
            Keyed::SignInPerAccount => "too many sign-in attempts for this account",
            Keyed::SocketsPerIp => "too many connections from your network",
        };
        let wait = self.period_secs() as i64 * 1000;
        Limited::too_many(format!("{what}: try again in {}", wait_words(wait)), wait)
    }
}

#[cfg(test)]
mod tests;
