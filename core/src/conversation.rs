//! One conversation: its participants' sockets, its messages' sequence
//! numbers, client-id dedupe, receipt watermarks, typing and assignment.
//!
//! Drain contract: after every [`Conversation::handle`], call
//! [`Conversation::poll_output`] until it returns `None` and perform each
//! output in order. [`Output::Store`] always comes before the frames that
//! report what it stored; if a store fails the shell must stop draining,
//! drop this value and rebuild it from storage with [`Conversation::restore`].

use serde::{Deserialize, Serialize};
use shared::files::Attachment;
use shared::frame::{
    Audience, ClientFrame, ConversationStatus, ConversationView, ErrorCode, Message, Participant,
    SendKind, ServerFrame, Side, Watermark,
};
use shared::ids::{ClientMsgId, ConversationId, Seq};
use shared::inbox::ConversationSummary;
use shared::{close, MAX_TEXT_CHARS, PROTOCOL_VERSION};
use std::collections::{BTreeMap, HashMap, VecDeque};

pub mod call;
pub mod lifecycle;
mod messages;
mod rights;
pub mod room;
pub mod transcript;
pub mod visitor;

/// A socket, numbered by the shell. Numbers survive hibernation because the
/// shell keeps them in the socket's attachment.
pub type ConnId = u64;

/// How long to wait before telling the workspace again about a queued
/// conversation it has not confirmed, in milliseconds.
pub const ANNOUNCE_RETRY_MS: i64 = 2_000;

/// What the conversation remembers about one socket. The shell stores it with
/// the socket (a hibernatable WebSocket's attachment) and hands it back in
/// [`Snapshot::conns`] after an eviction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnState {
    /// Who is on the other end, as the worker authenticated them.
    pub who: Participant,
    /// True once the socket's `hello` was answered.
    pub ready: bool,
    /// False for an agent whose role may not reply: they read, never write.
    #[serde(default = "yes")]
    pub may_reply: bool,
    /// True for an agent whose role may read any conversation: they keep
    /// reading when another agent works it.
    #[serde(default)]
    pub may_monitor: bool,
}

impl ConnState {
    /// Whether this socket may receive lines meant for agents only.
    fn is_agent(&self) -> bool {
        self.who.side == Side::Agent
    }

    /// Whether this socket gets `message`: [`Reader::may_read`] without
    /// building a reader (it runs for every socket on every message).
    fn may_read(&self, message: &Message) -> bool {
        let to = message.to.as_ref().map(|p| p.id.as_str());
        match self.who.side {
            Side::Agent => reads(
                Some((&self.who.id, self.may_monitor)),
                message.kind.audience(),
                &message.author.id,
                to,
            ),
            _ => reads(None, message.kind.audience(), &message.author.id, to),
        }
    }

    /// Who this socket reads as.
    pub fn reader(&self) -> Reader {
        match self.who.side {
            Side::Agent => Reader::Agent {
                id: self.who.id.clone(),
                monitor: self.may_monitor,
            },
            _ => Reader::Visitor,
        }
    }
}

/// Who reads a conversation, for choosing which stored messages they get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The visitor: messages and system lines only.
    Visitor,
    /// An agent: everything but whispers addressed to someone else, unless
    /// they are a supervisor (`monitor`).
    Agent {
        /// Their participant id.
        id: String,
        /// Whether they may monitor (supervisors read every whisper).
        monitor: bool,
    },
    /// The workspace's own systems (an API token): everything the
    /// workspace's agents read (notes and forward comments included), never
    /// a whisper, which is between a supervisor and one agent.
    Workspace,
}

impl Reader {
    /// Whether this reader gets `message`. The one rule for live frames,
    /// replays and every read of stored messages.
    pub fn may_read(&self, message: &Message) -> bool {
        self.may_read_parts(
            message.kind.audience(),
            &message.author.id,
            message.to.as_ref().map(|p| p.id.as_str()),
        )
    }

    /// [`Reader::may_read`] from a stored row's audience, author and
    /// addressee.
    pub fn may_read_parts(&self, audience: Audience, author: &str, to: Option<&str>) -> bool {
        match self {
            Reader::Visitor => reads(None, audience, author, to),
            Reader::Agent { id, monitor } => reads(Some((id, *monitor)), audience, author, to),
            Reader::Workspace => !matches!(audience, Audience::Whisper),
        }
    }
}

/// The rule itself: `agent` is `(id, may monitor)`, `None` for a visitor.
fn reads(agent: Option<(&str, bool)>, audience: Audience, author: &str, to: Option<&str>) -> bool {
    match (agent, audience) {
        (_, Audience::Everyone) => true,
        (None, _) => false,
        (Some(_), Audience::Agents) => true,
        (Some((id, monitor)), Audience::Whisper) => monitor || id == author || Some(id) == to,
    }
}

fn yes() -> bool {
    true
}

/// The conversation's own fields, stored as one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// State as participants see it.
    pub view: ConversationView,
    /// The visitor's first message, for queue previews.
    pub preview: String,
    /// When the conversation entered the queue (0 while new).
    pub queued_at: i64,
    /// True once the workspace confirmed it knows the conversation is queued.
    pub announced: bool,
    /// Every forward, oldest first.
    #[serde(default)]
    pub transfers: Vec<crate::conversation::lifecycle::Transfer>,
    /// How it ended, once closed.
    #[serde(default)]
    pub closing: Option<crate::conversation::lifecycle::Closing>,
    /// When the visitor opened it (0 for conversations stored before it
    /// was kept).
    #[serde(default)]
    pub created_at: i64,
    /// When an agent first took it.
    #[serde(default)]
    pub taken_at: Option<i64>,
    /// What it is about, as its agents describe it.
    #[serde(default)]
    pub topic: String,
    /// Its tags, from the workspace's list.
    #[serde(default)]
    pub tags: Vec<String>,
    /// What the visitor's pre-chat form (or verified user) told.
    #[serde(
        default,
        skip_serializing_if = "shared::site::VisitorDetails::is_empty"
    )]
    pub details: shared::site::VisitorDetails,
    /// The visitor's rating, once closed; a later one replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<shared::site::Rating>,
    /// How many transcript emails its visitor asked for.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub visitor_transcripts: u8,
    /// When an agent first opened it while it waited in the queue (a
    /// preview): a chat someone saw and nobody took counts as missed in
    /// reports (`crate::reports`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_queued_at: Option<i64>,
    /// The site its visitor came from (empty for conversations stored
    /// before it was kept): calls may be off for it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub site: String,
    /// Its current or last call ([`call`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<Box<call::Call>>,
    /// Its calls in sum.
    #[serde(default, skip_serializing_if = "shared::room::CallSummary::is_zero")]
    pub calls: shared::room::CallSummary,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// Everything the shell loads from storage to rebuild a conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The stored conversation row; `None` before [`Input::Init`].
    pub meta: Option<Meta>,
    /// The highest stored sequence number.
    pub last_seq: Seq,
    /// Every stored watermark.
    pub watermarks: Vec<Watermark>,
    /// `(author id, client id, seq, sent_at)` of every stored message that
    /// has a client id.
    pub client_ids: Vec<(String, ClientMsgId, Seq, i64)>,
    /// The sockets still open, with what was remembered about each.
    pub conns: Vec<(ConnId, ConnState)>,
    /// The participant id of the last text message's author.
    pub last_author: Option<String>,
    /// The highest stored sequence number a visitor may see (internal lines
    /// excluded).
    pub last_visitor_seq: Seq,
    /// The highest stored sequence number every agent may see (whispers
    /// excluded).
    pub last_agents_seq: Seq,
    /// `(seq, author id, addressee id)` of every stored whisper.
    pub whispers: Vec<(Seq, String, Option<String>)>,
}

/// One stored message as the shell reads it back to rebuild the
/// conversation: everything but its body.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StoredLine {
    /// Its sequence number.
    pub seq: i64,
    /// Its author's participant id (`system` for the conversation's own).
    pub author_id: String,
    /// The id its sender gave it, if any.
    pub client_id: Option<String>,
    /// When it was stored.
    pub sent_at: i64,
    /// Its audience's code ([`shared::frame::Audience::code`]).
    pub internal: i64,
    /// A whisper's addressee.
    pub recipient: Option<String>,
}

impl Snapshot {
    /// Fills what a snapshot says of messages from every stored line (in
    /// any order), in one pass.
    pub fn with_lines(mut self, lines: Vec<StoredLine>) -> Snapshot {
        let everyone = shared::frame::Audience::Everyone.code();
        let whisper = shared::frame::Audience::Whisper.code();
        let mut last_text: Option<(i64, String)> = None;
        for line in lines {
            let seq = line.seq.max(0) as Seq;
            self.last_seq = self.last_seq.max(seq);
            if line.internal == everyone {
                self.last_visitor_seq = self.last_visitor_seq.max(seq);
                let later = match &last_text {
                    Some((s, _)) => *s < line.seq,
                    None => true,
                };
                if line.author_id != "system" && later {
                    last_text = Some((line.seq, line.author_id.clone()));
                }
            }
            if line.internal != whisper {
                self.last_agents_seq = self.last_agents_seq.max(seq);
            } else {
                self.whispers
                    .push((seq, line.author_id.clone(), line.recipient));
            }
            if let Some(client_id) = line.client_id {
                self.client_ids
                    .push((line.author_id, ClientMsgId(client_id), seq, line.sent_at));
            }
        }
        self.whispers.sort();
        self.last_author = last_text.map(|(_, author)| author);
        self
    }
}

/// Something that happened to the conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input<'a> {
    /// The worker creates the conversation for a visitor.
    Init {
        /// Its id.
        id: ConversationId,
        /// The queue it will wait in.
        department: String,
        /// Its visitor.
        visitor: Participant,
        /// What its pre-chat form told.
        details: shared::site::VisitorDetails,
        /// The site its visitor came from.
        site: String,
    },
    /// The workspace answered [`Output::AskCallPolicy`].
    CallPolicy(Result<shared::call::CallPolicy, Refusal>),
    /// Its visitor rates it (answered with [`Output::Reply`]).
    Rate {
        /// Who, as the worker authenticated them.
        who: Participant,
        /// The score and comment.
        rating: shared::site::RatingRequest,
    },
    /// Its visitor asks for the transcript by email (answered with
    /// [`Output::Reply`]; the shell then builds and sends it).
    VisitorTranscript {
        /// Who, as the worker authenticated them.
        who: Participant,
    },
    /// A socket was accepted for someone the worker authenticated. Agents
    /// arrive here only if the workspace allowed them to see this
    /// conversation.
    Connect {
        /// The socket.
        conn: ConnId,
        /// Who it is.
        who: Participant,
        /// Whether they may write here (an agent's role may forbid it).
        may_reply: bool,
        /// Whether they may keep reading once another agent works it.
        may_monitor: bool,
    },
    /// A text frame arrived on a socket.
    Frame {
        /// The socket.
        conn: ConnId,
        /// The frame's text, unparsed.
        text: &'a str,
    },
    /// A binary frame arrived; the protocol has none.
    Binary {
        /// The socket.
        conn: ConnId,
    },
    /// A socket closed.
    Disconnect {
        /// The socket.
        conn: ConnId,
    },
    /// The workspace assigns the conversation to an agent ("Take it").
    Assign {
        /// The agent.
        agent: Participant,
    },
    /// The workspace confirmed an [`Output::Announce`].
    Announced,
    /// The workspace changes the conversation's lifecycle (hold, resume,
    /// move to the queue, forward, close); answered with [`Output::Reply`].
    Lifecycle(lifecycle::Action),
    /// The alarm set by [`Output::SetAlarm`] rang.
    Alarm,
    /// The workspace re-checked an agent (their role, departments or
    /// session changed): their sockets close (`access` is `None`) or follow
    /// the new rights. Answered with [`Output::Reply`].
    Revise {
        /// The agent's participant id.
        agent: String,
        /// `(may_reply, may_monitor)`, or `None` to close.
        access: Option<(bool, bool)>,
        /// The close code.
        code: u16,
        /// Why, for people.
        reason: String,
    },
    /// A file was uploaded and its bytes kept (after
    /// [`Conversation::check_attach`]): a message carrying it, with the same
    /// rules as a [`ClientFrame::Send`] of the upload's kind. Answered with
    /// [`Output::Attached`].
    Attach {
        /// Who uploaded it, its kind, client id and caption.
        upload: Upload,
        /// The file, as kept.
        attachment: Attachment,
    },
    /// The workspace says where the conversation waits in its queue.
    Queue {
        /// 1 = next; 0: not waiting.
        position: usize,
        /// Estimated wait, in milliseconds.
        estimated_wait_ms: i64,
    },
}

/// A row to write, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// Replace the conversation row.
    Meta(Meta),
    /// Insert a message.
    Message(Message),
    /// Replace one participant's watermarks.
    Watermark(Watermark),
}

/// Why [`Input::Init`] or [`Input::Assign`] was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code.
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
}

/// Something the shell must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Write a record durably before performing any later output.
    Store(Record),
    /// Keep this state with the socket (it survives hibernation).
    Remember {
        /// The socket.
        conn: ConnId,
        /// What to keep.
        state: ConnState,
    },
    /// Send a frame on a socket.
    Send {
        /// The socket.
        conn: ConnId,
        /// The frame.
        frame: ServerFrame,
    },
    /// Send one frame to several sockets (serialise it once).
    Broadcast {
        /// The sockets.
        conns: Vec<ConnId>,
        /// The frame.
        frame: ServerFrame,
    },
    /// Send every stored message with a sequence number above `after` that
    /// `reader` may read ([`Reader::may_read`]), in order, as
    /// [`ServerFrame::Message`] frames.
    Replay {
        /// The socket.
        conn: ConnId,
        /// The client's last seen sequence number.
        after: Seq,
        /// Who reads.
        reader: Reader,
    },
    /// Close a socket.
    Close {
        /// The socket.
        conn: ConnId,
        /// A close code from [`shared::close`].
        code: u16,
        /// A sentence for people.
        reason: String,
    },
    /// Tell the workspace the conversation is queued or changed, and feed
    /// [`Input::Announced`] back once it confirmed.
    Announce(ConversationSummary),
    /// The visitor wrote in a conversation on hold: the workspace routes it
    /// again (same agent first).
    Reroute(ConversationSummary),
    /// Ring [`Input::Alarm`] at this time (milliseconds since the epoch).
    SetAlarm {
        /// When.
        at: i64,
    },
    /// The answer to [`Input::Init`] or [`Input::Assign`].
    Reply(Result<ConversationView, Refusal>),
    /// The answer to [`Input::Attach`].
    Attached(Result<Attached, Refusal>),
    /// Ask the workspace whether calls are on for this conversation, and
    /// feed its answer back as [`Input::CallPolicy`].
    AskCallPolicy(shared::call::CallPolicyRequest),
}

/// An upload, as the worker authenticated it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// Who uploads.
    pub who: Participant,
    /// Whether their role may write in chats (visitors always may).
    pub may_reply: bool,
    /// Whether they may monitor (supervisors).
    pub may_monitor: bool,
    /// Picked by the client; a retried upload reuses it.
    pub client_id: ClientMsgId,
    /// A file to the conversation, or a note's or a whisper's file.
    pub kind: SendKind,
    /// A caption, possibly empty.
    #[serde(default)]
    pub text: String,
}

/// What [`Input::Attach`] stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attached {
    /// A new message, stored (it precedes this answer's frames).
    New(Box<Message>),
    /// The same client id was stored before as `seq`: nothing new.
    Again {
        /// Where.
        seq: Seq,
    },
}

/// What [`Conversation::admit`] found.
enum Admitted {
    Again { seq: Seq, sent_at: i64 },
    New { to: Option<Participant> },
}

/// A message's text: 1 to [`MAX_TEXT_CHARS`] characters, or empty beside a
/// file.
fn check_text(text: &str, with_file: bool) -> Result<(), Refusal> {
    let chars = text.chars().count();
    if (text.trim().is_empty() && !with_file) || chars > MAX_TEXT_CHARS {
        return Err(refusal(
            ErrorCode::InvalidMessage,
            &format!("a message has 1 to {MAX_TEXT_CHARS} characters, this one has {chars}"),
        ));
    }
    Ok(())
}

/// One conversation's state machine. See the module docs for the drain
/// contract.
#[derive(Debug, Default)]
pub struct Conversation {
    meta: Option<Meta>,
    last_seq: Seq,
    watermarks: BTreeMap<String, Watermark>,
    client_ids: HashMap<(String, ClientMsgId), (Seq, i64)>,
    conns: BTreeMap<ConnId, ConnState>,
    last_author: Option<String>,
    last_visitor_seq: Seq,
    last_agents_seq: Seq,
    whispers: Vec<(Seq, String, Option<String>)>,
    queue: Option<(usize, i64)>,
    out: VecDeque<Output>,
    /// The deployment's limits ([`Conversation::set_limits`]) and what
    /// each socket has spent of them.
    limits: crate::limits::Limits,
    budgets: HashMap<ConnId, crate::limits::SocketBudget>,
    /// Participants whose socket was closed for flooding, and until when
    /// they may open no other (in memory, like the budgets).
    paused: HashMap<String, i64>,
    /// A call start waiting for the workspace's answer.
    call_start: Option<call::Pending>,
}

impl Conversation {
    /// Rebuilds a conversation from what the shell stored.
    pub fn restore(snapshot: Snapshot) -> Self {
        Self {
            meta: snapshot.meta,
            last_seq: snapshot.last_seq,
            watermarks: snapshot
                .watermarks
                .into_iter()
                .map(|w| (w.participant.id.clone(), w))
                .collect(),
            client_ids: snapshot
                .client_ids
                .into_iter()
                .map(|(author, cid, seq, sent_at)| ((author, cid), (seq, sent_at)))
                .collect(),
            conns: snapshot.conns.into_iter().collect(),
            last_author: snapshot.last_author,
            last_visitor_seq: snapshot.last_visitor_seq,
            last_agents_seq: snapshot.last_agents_seq,
            whispers: snapshot.whispers,
            queue: None,
            out: VecDeque::new(),
            limits: crate::limits::Limits::off(),
            budgets: HashMap::new(),
            paused: HashMap::new(),
            call_start: None,
        }
    }

    /// The deployment's limits on sockets (none until set).
    pub fn set_limits(&mut self, limits: crate::limits::Limits) {
        self.limits = limits;
    }

    /// Whether `participant` may open a socket now: refused for a while
    /// after one of theirs was closed for flooding. A shell asks before it
    /// accepts a socket, so a refused one costs no socket at all.
    pub fn may_connect(&self, now: i64, participant: &str) -> Result<(), crate::limits::Limited> {
        crate::limits::reopen(now, self.paused.get(participant).copied())
    }

    /// The conversation as its participants see it, once created.
    pub fn view(&self) -> Option<&ConversationView> {
        self.meta.as_ref().map(|m| &m.view)
    }

    /// The highest stored sequence number.
    pub fn last_seq(&self) -> Seq {
        self.last_seq
    }

    /// The highest stored sequence number `reader` may read: where their
    /// replay ends.
    pub fn last_seq_for(&self, reader: &Reader) -> Seq {
        match reader {
            Reader::Visitor => self.last_visitor_seq,
            Reader::Workspace => self.last_agents_seq,
            Reader::Agent { .. } => self
                .whispers
                .iter()
                .rev()
                .find(|(_, author, to)| {
                    reader.may_read_parts(Audience::Whisper, author, to.as_deref())
                })
                .map_or(0, |(seq, _, _)| *seq)
                .max(self.last_agents_seq),
        }
    }

    /// The next thing to do, or `None` when drained.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Feeds one input at time `now` (milliseconds since the epoch).
    pub fn handle(&mut self, now: i64, input: Input<'_>) {
        match input {
            Input::Init {
                id,
                department,
                visitor,
                details,
                site,
            } => self.init(now, id, department, visitor, details, site),
            Input::CallPolicy(policy) => self.call_policy(now, policy),
            Input::Rate { who, rating } => self.rate(now, &who, rating),
            Input::VisitorTranscript { who } => self.visitor_transcript(&who),
            Input::Connect {
                conn,
                who,
                may_reply,
                may_monitor,
            } => self.connect(now, conn, who, may_reply, may_monitor),
            Input::Frame { conn, text } => match ClientFrame::parse(text) {
                Ok(frame) => {
                    if self.within_limits(now, conn, Some(&frame)) {
                        self.frame(now, conn, frame)
                    }
                }
                Err(err) => {
                    if self.within_limits(now, conn, None) {
                        self.send(conn, ServerFrame::error(err.code(), err.message()))
                    }
                }
            },
            Input::Binary { conn } => self.send(
                conn,
                ServerFrame::error(
                    ErrorCode::BadFrame,
                    "binary frames are not part of the protocol",
                ),
            ),
            Input::Disconnect { conn } => {
                self.budgets.remove(&conn);
                self.call_on_disconnect(now, conn);
                if let Some(state) = self.conns.remove(&conn) {
                    let still_here = self.conns.values().any(|c| c.who.id == state.who.id);
                    if state.ready && !still_here {
                        let id = state.who.id.clone();
                        self.broadcast_except(
                            &id,
                            ServerFrame::Typing {
                                who: state.who,
                                active: false,
                            },
                        );
                    }
                }
            }
            Input::Assign { agent } => self.assign(now, agent),
            Input::Lifecycle(action) => {
                self.lifecycle(now, action);
                self.call_follows_chat(now);
            }
            Input::Announced => {
                if let Some(meta) = self.meta.as_mut() {
                    if !meta.announced {
                        meta.announced = true;
                        let meta = meta.clone();
                        self.out.push_back(Output::Store(Record::Meta(meta)));
                    }
                }
            }
            Input::Revise {
                agent,
                access,
                code,
                reason,
            } => self.revise(&agent, access, code, &reason),
            Input::Queue {
                position,
                estimated_wait_ms,
            } => self.queue_position(position, estimated_wait_ms),
            Input::Attach { upload, attachment } => self.attach(now, upload, attachment),
            Input::Alarm => {
                let pending = self
                    .meta
                    .as_ref()
                    .is_some_and(|m| !m.announced && m.view.status != ConversationStatus::New);
                if pending {
                    self.announce(now);
                }
                self.call_alarm(now);
            }
        }
    }

    fn init(
        &mut self,
        now: i64,
        id: ConversationId,
        department: String,
        visitor: Participant,
        details: shared::site::VisitorDetails,
        site: String,
    ) {
        if let Some(meta) = &self.meta {
            let reply = if meta.view.visitor.id == visitor.id && meta.view.id == id {
                Ok(meta.view.clone())
            } else {
                Err(refusal(
                    ErrorCode::Forbidden,
                    "conversation belongs to someone else",
                ))
            };
            self.out.push_back(Output::Reply(reply));
            return;
        }
        let meta = Meta {
            view: ConversationView {
                id,
                status: ConversationStatus::New,
                department,
                visitor,
                assignee: None,
                members: Vec::new(),
            },
            preview: String::new(),
            queued_at: 0,
            announced: false,
            transfers: Vec::new(),
            closing: None,
            created_at: now,
            taken_at: None,
            topic: String::new(),
            tags: Vec::new(),
            details,
            rating: None,
            visitor_transcripts: 0,
            seen_queued_at: None,
            site,
            call: None,
            calls: Default::default(),
        };
        let view = meta.view.clone();
        self.meta = Some(meta.clone());
        self.out.push_back(Output::Store(Record::Meta(meta)));
        self.out.push_back(Output::Reply(Ok(view)));
    }

    fn connect(
        &mut self,
        now: i64,
        conn: ConnId,
        mut who: Participant,
        may_reply: bool,
        may_monitor: bool,
    ) {
        let Some(meta) = &self.meta else {
            self.close(conn, close::NOT_FOUND, "no such conversation");
            return;
        };
        match who.side {
            Side::Visitor if who.id != meta.view.visitor.id => {
                self.close(conn, close::FORBIDDEN, "not your conversation");
                return;
            }
            // The visitor's name is the conversation's, not the token's.
            Side::Visitor => who = meta.view.visitor.clone(),
            // A colleague's chat in progress is not theirs to read (the
            // workspace may have allowed the preview a moment before a take).
            Side::Agent
                if !may_monitor
                    && matches!(
                        meta.view.status,
                        ConversationStatus::Active | ConversationStatus::OnHold
                    )
                    && !works_on(&meta.view, &who.id) =>
            {
                self.close(conn, close::FORBIDDEN, "another agent is working this chat");
                return;
            }
            Side::Agent => {}
            Side::System => {
                self.close(conn, close::FORBIDDEN, "not a participant");
                return;
            }
        }
        if let Err(limited) = self.may_connect(now, &who.id) {
            self.close(conn, close::TOO_MANY, &limited.refusal.message);
            return;
        }
        if who.side == Side::Visitor && self.visitor_sockets_full(&who.id, conn) {
            return;
        }
        self.note_seen_queued(now, &who);
        let state = ConnState {
            may_reply: may_reply || who.side == Side::Visitor,
            may_monitor: may_monitor && who.side == Side::Agent,
            who,
            ready: false,
        };
        self.conns.insert(conn, state.clone());
        self.out.push_back(Output::Remember { conn, state });
    }

    /// An agent opened the conversation while it waited: the first time is
    /// kept, for reports (a chat seen and never taken is missed).
    fn note_seen_queued(&mut self, now: i64, who: &Participant) {
        let Some(meta) = self.meta.as_mut() else {
            return;
        };
        if who.side == Side::Agent
            && meta.view.status == ConversationStatus::Queued
            && meta.seen_queued_at.is_none()
        {
            meta.seen_queued_at = Some(now);
            let meta = meta.clone();
            self.out.push_back(Output::Store(Record::Meta(meta)));
        }
    }

    fn frame(&mut self, now: i64, conn: ConnId, frame: ClientFrame) {
        let Some(state) = self.conns.get(&conn).cloned() else {
            // A frame from a socket we refused: it is being closed.
            return;
        };
        if let ClientFrame::Hello { version, last_seq } = frame {
            self.hello(conn, state, version, last_seq);
            return;
        }
        if !state.ready {
            self.send(
                conn,
                ServerFrame::error(ErrorCode::NotReady, "send hello before anything else"),
            );
            return;
        }
        match frame {
            ClientFrame::Hello { .. } => {}
            ClientFrame::Send {
                client_id,
                text,
                kind,
            } => self.message(now, Some(conn), state, client_id, text, kind, None),
            ClientFrame::Receipt { kind, seq } => self.receipt(conn, state.who, kind, seq),
            ClientFrame::Typing { active } => {
                if self.may_write(&state).is_ok() {
                    self.broadcast_except(
                        &state.who.id.clone(),
                        ServerFrame::Typing {
                            who: state.who,
                            active,
                        },
                    );
                }
            }
            ClientFrame::Ping { nonce } => self.send(conn, ServerFrame::Pong { nonce }),
            ClientFrame::End => {
                self.visitor_ends(now, conn, state.who);
                self.call_follows_chat(now);
            }
            call_frame => self.call_frame(now, conn, state, call_frame),
        }
    }

    fn hello(&mut self, conn: ConnId, mut state: ConnState, version: u32, client_seq: Seq) {
        if version != PROTOCOL_VERSION {
            self.send(
                conn,
                ServerFrame::error(
                    ErrorCode::UnsupportedVersion,
                    format!("this server speaks protocol version {PROTOCOL_VERSION}"),
                ),
            );
            self.close(
                conn,
                close::UNSUPPORTED_VERSION,
                "unsupported protocol version",
            );
            return;
        }
        let Some(meta) = &self.meta else { return };
        let internal = state.is_agent();
        let reader = state.reader();
        let last_seq = self.last_seq_for(&reader);
        let welcome = ServerFrame::Welcome {
            version: PROTOCOL_VERSION,
            conversation: meta.view.clone(),
            you: state.who.clone(),
            last_seq,
            receipts: self.watermarks.values().cloned().collect(),
        };
        let queued = meta.view.status == ConversationStatus::Queued;
        if !state.ready {
            state.ready = true;
            self.conns.insert(conn, state.clone());
            self.out.push_back(Output::Remember { conn, state });
        }
        self.send(conn, welcome);
        if client_seq < last_seq {
            self.out.push_back(Output::Replay {
                conn,
                after: client_seq,
                reader,
            });
        }
        if let Some((position, estimated_wait_ms)) = self.queue.filter(|_| queued && !internal) {
            self.send(
                conn,
                ServerFrame::Queue {
                    position,
                    estimated_wait_ms,
                },
            );
        }
        self.call_on_hello(conn);
    }

    fn assign(&mut self, now: i64, agent: Participant) {
        let Some(meta) = self.meta.as_mut() else {
            self.out.push_back(Output::Reply(Err(refusal(
                ErrorCode::NotFound,
                "no such conversation",
            ))));
            return;
        };
        match meta.view.status {
            ConversationStatus::Queued => {}
            ConversationStatus::Active
                if meta
                    .view
                    .assignee
                    .as_ref()
                    .is_some_and(|a| a.id == agent.id) =>
            {
                // The same take, retried.
                let view = meta.view.clone();
                self.out.push_back(Output::Reply(Ok(view)));
                return;
            }
            // On hold and its visitor wrote: the workspace's router gives
            // it to the next agent when its own is away or full.
            ConversationStatus::OnHold => {}
            ConversationStatus::Active => {
                self.out.push_back(Output::Reply(Err(refusal(
                    ErrorCode::AlreadyTaken,
                    "another agent took this conversation",
                ))));
                return;
            }
            _ => {
                self.out.push_back(Output::Reply(Err(refusal(
                    ErrorCode::ConversationClosed,
                    "the conversation is not waiting in a queue",
                ))));
                return;
            }
        }
        meta.view.status = ConversationStatus::Active;
        meta.view.assignee = Some(agent.clone());
        meta.taken_at.get_or_insert(now);
        let meta = meta.clone();
        let view = meta.view.clone();
        self.out.push_back(Output::Store(Record::Meta(meta)));
        self.system_line(now, format!("{} joined the chat", agent.name));
        self.broadcast_state();
        self.shut_out_colleagues();
        self.out.push_back(Output::Reply(Ok(view)));
    }

    /// Once an agent works the chat, colleagues who were previewing it and
    /// may not monitor stop reading it.
    pub(crate) fn shut_out_colleagues(&mut self) {
        let Some(assignee) = self.meta.as_ref().and_then(|m| m.view.assignee.clone()) else {
            return;
        };
        let members: Vec<String> = self
            .meta
            .as_ref()
            .map(|m| m.view.members.iter().map(|p| p.id.clone()).collect())
            .unwrap_or_default();
        let out: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.is_agent()
                    && c.who.id != assignee.id
                    && !c.may_monitor
                    && !members.contains(&c.who.id)
            })
            .map(|(id, _)| *id)
            .collect();
        for conn in out {
            self.close(conn, close::FORBIDDEN, "another agent is working this chat");
        }
    }

    /// The workspace re-checked an agent's rights.
    fn revise(&mut self, agent: &str, access: Option<(bool, bool)>, code: u16, reason: &str) {
        let theirs: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.is_agent() && c.who.id == agent)
            .map(|(id, _)| *id)
            .collect();
        for conn in theirs {
            match access {
                None => self.close(conn, code, reason),
                Some((may_reply, may_monitor)) => {
                    if let Some(state) = self.conns.get_mut(&conn) {
                        state.may_reply = may_reply;
                        state.may_monitor = may_monitor;
                        let state = state.clone();
                        self.out.push_back(Output::Remember { conn, state });
                    }
                }
            }
        }
        if access.is_some() {
            self.shut_out_colleagues();
        }
        let reply = match &self.meta {
            Some(meta) => Ok(meta.view.clone()),
            None => Err(refusal(ErrorCode::NotFound, "no such conversation")),
        };
        self.out.push_back(Output::Reply(reply));
    }

    /// Where the conversation waits: told to the visitor's sockets.
    fn queue_position(&mut self, position: usize, estimated_wait_ms: i64) {
        let queued = self
            .meta
            .as_ref()
            .is_some_and(|m| m.view.status == ConversationStatus::Queued);
        self.queue = (queued && position > 0).then_some((position, estimated_wait_ms));
        let visitors: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.ready && c.who.side == Side::Visitor)
            .map(|(id, _)| *id)
            .collect();
        let (position, estimated_wait_ms) = self.queue.unwrap_or((0, 0));
        for conn in visitors {
            self.send(
                conn,
                ServerFrame::Queue {
                    position,
                    estimated_wait_ms,
                },
            );
        }
        let reply = match &self.meta {
            Some(meta) => Ok(meta.view.clone()),
            None => Err(refusal(ErrorCode::NotFound, "no such conversation")),
        };
        self.out.push_back(Output::Reply(reply));
    }

    /// The conversation as the workspace's lists show it.
    fn summary(&self) -> Option<ConversationSummary> {
        let meta = self.meta.as_ref()?;
        Some(ConversationSummary {
            id: meta.view.id.clone(),
            status: meta.view.status,
            department: meta.view.department.clone(),
            visitor: meta.view.visitor.clone(),
            assignee: meta.view.assignee.clone(),
            members: meta.view.members.clone(),
            preview: meta.preview.clone(),
            queued_at: meta.queued_at,
            priority: Default::default(),
        })
    }

    fn announce(&mut self, now: i64) {
        if let Some(summary) = self.summary() {
            self.out.push_back(Output::Announce(summary));
            self.out.push_back(Output::SetAlarm {
                at: now + ANNOUNCE_RETRY_MS,
            });
        }
    }

    fn broadcast_state(&mut self) {
        if let Some(meta) = &self.meta {
            let frame = ServerFrame::State {
                conversation: meta.view.clone(),
            };
            self.broadcast(frame);
        }
    }

    fn broadcast(&mut self, frame: ServerFrame) {
        let ready: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.ready)
            .map(|(id, _)| *id)
            .collect();
        for conn in ready {
            self.send(conn, frame.clone());
        }
    }

    fn broadcast_except(&mut self, participant: &str, frame: ServerFrame) {
        let ready: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.ready && c.who.id != participant)
            .map(|(id, _)| *id)
            .collect();
        for conn in ready {
            self.send(conn, frame.clone());
        }
    }

    fn send(&mut self, conn: ConnId, frame: ServerFrame) {
        self.out.push_back(Output::Send { conn, frame });
    }

    /// Whether a frame passes its socket's limits
    /// ([`crate::limits::SocketBudget`]); a refusal is answered here.
    fn within_limits(&mut self, now: i64, conn: ConnId, frame: Option<&ClientFrame>) -> bool {
        use crate::limits::Verdict;
        let budget = self.budgets.entry(conn).or_default();
        match budget.admit(now, &self.limits, frame) {
            Verdict::Pass => true,
            Verdict::Drop => false,
            Verdict::Refuse(error) => {
                self.send(conn, *error);
                false
            }
            Verdict::Close(reason) => {
                if let (Some(pause), Some(state)) =
                    (self.limits.pause_after_close_ms, self.conns.get(&conn))
                {
                    let who = state.who.id.clone();
                    self.paused.retain(|_, until| *until > now);
                    self.paused.insert(who, now.saturating_add(pause));
                }
                self.close(conn, close::TOO_MANY, &reason);
                false
            }
        }
    }

    /// Closes a visitor's new socket if they already hold as many as the
    /// limits allow.
    fn visitor_sockets_full(&mut self, visitor: &str, conn: ConnId) -> bool {
        let open = self
            .conns
            .iter()
            .filter(|(c, s)| **c != conn && s.who.id == visitor)
            .count();
        match crate::limits::visitor_socket(open, &self.limits) {
            Ok(()) => false,
            Err(reason) => {
                self.close(conn, close::TOO_MANY, &reason);
                true
            }
        }
    }

    fn close(&mut self, conn: ConnId, code: u16, reason: &str) {
        self.budgets.remove(&conn);
        self.conns.remove(&conn);
        self.out.push_back(Output::Close {
            conn,
            code,
            reason: reason.to_owned(),
        });
    }
}

/// Whether `agent` works on the conversation: its owner or invited.
pub fn works_on(view: &ConversationView, agent: &str) -> bool {
    view.assignee.as_ref().is_some_and(|a| a.id == agent)
        || view.members.iter().any(|m| m.id == agent)
}

fn refusal(code: ErrorCode, message: &str) -> Refusal {
    Refusal {
        code,
        message: message.to_owned(),
    }
}
