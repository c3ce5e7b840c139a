//! A simulated shell: performs the core's outputs against an in-memory
//! store and in-memory sockets, exactly as the Durable Object does against
//! SQLite and WebSockets, and can "evict" the object (rebuild the core from
//! the store alone).

use chat_core::conversation::Meta;
use chat_core::{ConnId, ConnState, Conversation, Input, Output, Record, Snapshot};
use shared::frame::{ConversationView, Message, Participant, ServerFrame, Side, Watermark};
use shared::inbox::ConversationSummary;
use std::collections::{BTreeMap, HashMap};

pub fn visitor() -> Participant {
    Participant {
        side: Side::Visitor,
        id: "v1".into(),
        name: "Visitor 1234".into(),
    }
}

pub fn agent(id: &str, name: &str) -> Participant {
    Participant {
        side: Side::Agent,
        id: id.into(),
        name: name.into(),
    }
}

#[derive(Default)]
pub struct Sim {
    pub core: Conversation,
    pub meta: Option<Meta>,
    pub messages: BTreeMap<u64, Message>,
    pub watermarks: BTreeMap<String, Watermark>,
    /// Sockets still open, with their remembered state.
    pub conns: BTreeMap<ConnId, ConnState>,
    /// Frames sent to each socket, in order.
    pub inbox: HashMap<ConnId, Vec<ServerFrame>>,
    pub closed: HashMap<ConnId, u16>,
    pub announced: Vec<ConversationSummary>,
    pub rerouted: Vec<ConversationSummary>,
    pub alarm: Option<i64>,
    pub replies: Vec<Result<ConversationView, chat_core::conversation::Refusal>>,
    pub attached: Vec<Result<chat_core::conversation::Attached, chat_core::conversation::Refusal>>,
    /// What the core asked the workspace about calls, in order.
    pub asked_policy: Vec<shared::call::CallPolicyRequest>,
    /// Every output, for checking order.
    pub log: Vec<Output>,
    pub now: i64,
    /// When set, the next Store fails.
    pub fail_next_store: bool,
}

impl Sim {
    /// A conversation created for [`visitor`].
    pub fn new() -> Sim {
        let mut sim = Sim::default();
        sim.input(Input::Init {
            id: "c1".into(),
            department: "support".into(),
            visitor: visitor(),
            details: Default::default(),
            site: "web".into(),
        });
        sim.log.clear();
        sim.replies.clear();
        sim
    }

    pub fn input(&mut self, input: Input<'_>) {
        self.now += 10;
        self.core.handle(self.now, input);
        while let Some(out) = self.core.poll_output() {
            self.log.push(out.clone());
            match out {
                Output::Store(record) => {
                    if self.fail_next_store {
                        // As the shell does: stop, forget memory, reload.
                        self.fail_next_store = false;
                        self.evict();
                        return;
                    }
                    match record {
                        Record::Meta(m) => self.meta = Some(m),
                        Record::Message(m) => {
                            assert!(
                                self.messages.insert(m.seq, m).is_none(),
                                "a seq stored twice"
                            );
                        }
                        Record::Watermark(w) => {
                            self.watermarks.insert(w.participant.id.clone(), w);
                        }
                    }
                }
                Output::Remember { conn, state } => {
                    self.conns.insert(conn, state);
                }
                Output::Send { conn, frame } => self.inbox.entry(conn).or_default().push(frame),
                Output::Broadcast { conns, frame } => {
                    for conn in conns {
                        self.inbox.entry(conn).or_default().push(frame.clone());
                    }
                }
                Output::Replay {
                    conn,
                    after,
                    reader,
                } => {
                    let frames: Vec<ServerFrame> = self
                        .messages
                        .range(after + 1..)
                        .filter(|(_, m)| reader.may_read(m))
                        .map(|(_, m)| ServerFrame::Message(m.clone()))
                        .collect();
                    self.inbox.entry(conn).or_default().extend(frames);
                }
                Output::Close { conn, code, .. } => {
                    self.conns.remove(&conn);
                    self.closed.insert(conn, code);
                }
                Output::Announce(s) => self.announced.push(s),
                Output::Reroute(s) => self.rerouted.push(s),
                Output::SetAlarm { at } => self.alarm = Some(at),
                Output::Reply(r) => self.replies.push(r),
                Output::Attached(r) => self.attached.push(r),
                Output::AskCallPolicy(ask) => self.asked_policy.push(ask),
            }
        }
    }

    /// The object is evicted: memory is gone, storage and sockets stay.
    pub fn evict(&mut self) {
        let client_ids = self
            .messages
            .values()
            .filter_map(|m| {
                m.client_id
                    .clone()
                    .map(|c| (m.author.id.clone(), c, m.seq, m.sent_at))
            })
            .collect();
        self.core = Conversation::restore(Snapshot {
            meta: self.meta.clone(),
            last_seq: self.messages.keys().next_back().copied().unwrap_or(0),
            watermarks: self.watermarks.values().cloned().collect(),
            client_ids,
            conns: self.conns.iter().map(|(k, v)| (*k, v.clone())).collect(),
            last_visitor_seq: self
                .messages
                .values()
                .rev()
                .find(|m| m.kind.audience() == shared::frame::Audience::Everyone)
                .map_or(0, |m| m.seq),
            last_agents_seq: self
                .messages
                .values()
                .rev()
                .find(|m| m.kind.audience() != shared::frame::Audience::Whisper)
                .map_or(0, |m| m.seq),
            whispers: self
                .messages
                .values()
                .filter(|m| m.kind == shared::frame::MessageKind::Whisper)
                .map(|m| {
                    (
                        m.seq,
                        m.author.id.clone(),
                        m.to.as_ref().map(|t| t.id.clone()),
                    )
                })
                .collect(),
            last_author: self
                .messages
                .values()
                .rev()
                .find(|m| m.kind == shared::frame::MessageKind::Text)
                .map(|m| m.author.id.clone()),
        });
    }

    pub fn connect(&mut self, conn: ConnId, who: Participant) {
        self.input(Input::Connect {
            conn,
            who,
            may_reply: true,
            may_monitor: false,
        });
    }

    /// Connects someone whose role may read but not reply.
    pub fn connect_reader(&mut self, conn: ConnId, who: Participant) {
        self.input(Input::Connect {
            conn,
            who,
            may_reply: false,
            may_monitor: false,
        });
    }

    /// Connects a supervisor: may read any chat, and write when assigned.
    pub fn connect_monitor(&mut self, conn: ConnId, who: Participant) {
        self.input(Input::Connect {
            conn,
            who,
            may_reply: true,
            may_monitor: true,
        });
    }

    pub fn frame(&mut self, conn: ConnId, text: &str) {
        self.input(Input::Frame { conn, text });
    }

    pub fn send_json(&mut self, conn: ConnId, value: serde_json::Value) {
        let text = value.to_string();
        self.frame(conn, &text);
    }

    pub fn hello(&mut self, conn: ConnId, last_seq: u64) {
        self.send_json(
            conn,
            serde_json::json!({ "type": "hello", "version": 1, "last_seq": last_seq }),
        );
    }

    pub fn say(&mut self, conn: ConnId, client_id: &str, text: &str) {
        self.send_json(
            conn,
            serde_json::json!({ "type": "send", "client_id": client_id, "text": text }),
        );
    }

    /// Frames sent to `conn` since the last call.
    pub fn take(&mut self, conn: ConnId) -> Vec<ServerFrame> {
        self.inbox.remove(&conn).unwrap_or_default()
    }

    pub fn disconnect(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
        self.input(Input::Disconnect { conn });
    }
}
