//! The conversation sockets the agent keeps open: one
//! [`chat_client::web::Socket`] and one [`ChatState`] per conversation in
//! "Chats in Progress" (so their unread counts stay live while closed) and
//! for the conversation on screen. [`Chats`] is the narrow capability the
//! screens get: open, read, send, retry, type, mark read.
//!
//! Receipts: an agent only previews a queued conversation, so receipts
//! (delivered and read) go out only once the conversation is assigned to
//! them; a preview never moves the visitor's checkmarks.

use crate::format;
use crate::pace::{AckWatch, TypingPace, ACK_TIMEOUT_MS, TYPING_IDLE_MS};
use chat_client::web::{ws_origin, Socket};
use chat_client::ChatState;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use shared::frame::{ClientFrame, ConversationStatus, ServerFrame};
use shared::{ClientMsgId, ConversationId, Seq};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// The state of a conversation socket, for a banner in the pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Opening for the first time.
    Connecting,
    /// Open and greeted.
    Open,
    /// Lost; reconnecting with backoff.
    Reconnecting,
    /// Refused by the server with this close code (4400..=4499); not retried.
    Refused(u16),
}

/// What views may read of one conversation. Reference counted, so it
/// outlives any one view.
#[derive(Clone)]
pub struct ChatView {
    /// Messages, outbox, receipts, typing.
    pub state: ArcRwSignal<ChatState>,
    /// The socket's state.
    pub link: ArcRwSignal<Link>,
}

/// Per-connection bookkeeping that is neither shown nor sent.
#[derive(Default)]
struct Local {
    typing: TypingPace,
    typing_timer: Option<Timeout>,
    acks: AckWatch,
    ack_timer: Option<Timeout>,
    /// Highest receipts sent on the current socket.
    delivered_sent: Seq,
    read_sent: Seq,
    /// The `last_seq` of the latest `welcome`: until the replay reaches it,
    /// receipts wait, so a long history costs one receipt, not one per
    /// message.
    replay_until: Seq,
}

impl Local {
    fn replaying(&self, state: &ChatState) -> bool {
        state.last_seq() < self.replay_until
    }
}

#[derive(Clone)]
struct Conn {
    view: ChatView,
    socket: Socket,
    local: Rc<RefCell<Local>>,
}

impl Conn {
    /// Closes the socket for good and cancels its timers.
    fn shut(self) {
        self.socket.close();
        let mut local = self.local.borrow_mut();
        local.typing_timer = None;
        local.ack_timer = None;
    }
}

/// The agent's open conversations. Cheap to copy; lives as long as the
/// signed-in screen that created it, which must call [`Chats::close_all`]
/// when it goes.
#[derive(Clone, Copy)]
pub struct Chats {
    conns: StoredValue<BTreeMap<ConversationId, Conn>, LocalStorage>,
    /// Bumped when a connection is added or dropped, so reads re-run.
    version: RwSignal<u64>,
    token: StoredValue<String>,
    unauthorized: RwSignal<bool>,
}

impl Chats {
    /// No connections yet. `token` is the agent's bearer token.
    pub fn new(token: String) -> Self {
        Self {
            conns: StoredValue::new_local(BTreeMap::new()),
            version: RwSignal::new(0),
            token: StoredValue::new(token),
            unauthorized: RwSignal::new(false),
        }
    }

    /// True once a socket was refused with 4401: the token is no longer good.
    pub fn unauthorized(&self) -> bool {
        self.unauthorized.get()
    }

    /// Keeps exactly the connections in `wanted`, opening and closing sockets.
    pub fn keep(&self, wanted: &BTreeSet<ConversationId>) {
        let gone: Vec<Conn> = self
            .conns
            .try_update_value(|conns| {
                let ids: Vec<_> = conns
                    .keys()
                    .filter(|id| !wanted.contains(*id))
                    .cloned()
                    .collect();
                ids.iter().filter_map(|id| conns.remove(id)).collect()
            })
            .unwrap_or_default();
        let changed = !gone.is_empty();
        for conn in gone {
            conn.shut();
        }
        for id in wanted {
            self.open(id);
        }
        if changed {
            self.version.update(|v| *v += 1);
        }
    }

    /// The conversation's view, connecting first if it is not open yet.
    /// Does not subscribe the caller to anything.
    pub fn open(&self, id: &ConversationId) -> ChatView {
        if let Some(conn) = self.conn(id) {
            return conn.view;
        }
        let conn = self.connect(id);
        let view = conn.view.clone();
        self.conns.update_value(|conns| {
            conns.insert(id.clone(), conn);
        });
        self.version.update(|v| *v += 1);
        view
    }

    /// Messages from the visitor the agent has not seen, in `id`; 0 when it
    /// is not open. Re-runs the caller when it changes.
    pub fn unread(&self, id: &ConversationId) -> usize {
        self.version.track();
        self.conn(id)
            .map(|c| c.view.state.with(ChatState::unread))
            .unwrap_or(0)
    }

    /// Sends a new message, kept in the outbox until it is acked.
    pub fn send_message(&self, id: &ConversationId, text: String) {
        let Some(conn) = self.conn(id) else { return };
        if let Some(frame) = conn
            .view
            .state
            .try_update(|s| s.compose(format::client_id(), text))
        {
            // When closed, the message goes out after the next `welcome`.
            conn.socket.send(&frame);
        }
        let stop = conn.local.borrow_mut().typing.stop();
        if let Some(active) = stop {
            conn.socket.send(&ClientFrame::Typing { active });
        }
        watch_acks(&conn.view, &conn.local, conn.socket.is_open());
    }

    /// Sends a failed message again, with its original client id.
    pub fn retry(&self, id: &ConversationId, client_id: &ClientMsgId) {
        let Some(conn) = self.conn(id) else { return };
        if let Some(frame) = conn.view.state.try_update(|s| s.retry(client_id)).flatten() {
            conn.socket.send(&frame);
        }
        watch_acks(&conn.view, &conn.local, conn.socket.is_open());
    }

    /// A keystroke in the reply box: tells the visitor the agent is typing
    /// (at most every 3 s) and that they stopped after 4 s without one.
    pub fn keystroke(&self, id: &ConversationId) {
        let Some(conn) = self.conn(id) else { return };
        let typing = conn.local.borrow_mut().typing.input(format::now());
        if let Some(active) = typing {
            conn.socket.send(&ClientFrame::Typing { active });
        }
        let weak = Rc::downgrade(&conn.local);
        let socket = conn.socket.clone();
        let timer = Timeout::new(TYPING_IDLE_MS as u32, move || {
            let Some(local) = weak.upgrade() else { return };
            let idle = local.borrow_mut().typing.idle(format::now());
            if let Some(active) = idle {
                socket.send(&ClientFrame::Typing { active });
            }
        });
        // Replacing the timer cancels the previous one.
        conn.local.borrow_mut().typing_timer = Some(timer);
    }

    /// The agent left the conversation: tell the visitor they stopped typing.
    pub fn stop_typing(&self, id: &ConversationId) {
        let Some(conn) = self.conn(id) else { return };
        let stop = {
            let mut local = conn.local.borrow_mut();
            local.typing_timer = None;
            local.typing.stop()
        };
        if let Some(active) = stop {
            conn.socket.send(&ClientFrame::Typing { active });
        }
    }

    /// The conversation is on screen in a visible tab: say everything in it
    /// was read, once per new message.
    pub fn mark_read(&self, id: &ConversationId) {
        let Some(conn) = self.conn(id) else { return };
        let frame = conn.view.state.with_untracked(|s| {
            let ready = assigned_to_me(s) && !conn.local.borrow().replaying(s);
            ready.then(|| s.read_receipt()).flatten()
        });
        let Some(frame @ ClientFrame::Receipt { seq, .. }) = frame else {
            return;
        };
        if seq > conn.local.borrow().read_sent && conn.socket.send(&frame) {
            let mut local = conn.local.borrow_mut();
            local.read_sent = seq;
            // Read implies delivered.
            local.delivered_sent = local.delivered_sent.max(seq);
        }
    }

    /// Closes every socket (sign out).
    pub fn close_all(&self) {
        let all = self
            .conns
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        for conn in all.into_values() {
            conn.shut();
        }
    }

    fn conn(&self, id: &ConversationId) -> Option<Conn> {
        self.conns.try_with_value(|c| c.get(id).cloned()).flatten()
    }

    fn connect(&self, id: &ConversationId) -> Conn {
        let token = self.token.get_value();
        let url = format!(
            "{}/api/v1/conversations/{}/ws?token={}",
            ws_origin(),
            js_sys::encode_uri_component(id.as_str()),
            js_sys::encode_uri_component(&token),
        );
        let view = ChatView {
            state: ArcRwSignal::new(ChatState::new()),
            link: ArcRwSignal::new(Link::Connecting),
        };
        let local = Rc::new(RefCell::new(Local::default()));

        let on_open = {
            let (view, local) = (view.clone(), local.clone());
            move || {
                {
                    let mut local = local.borrow_mut();
                    local.delivered_sent = 0;
                    local.read_sent = 0;
                    local.typing.reset();
                }
                view.link.set(Link::Open);
                vec![view.state.with_untracked(ChatState::hello)]
            }
        };
        let on_frame = {
            let (view, local) = (view.clone(), local.clone());
            move |frame: ServerFrame| {
                match &frame {
                    ServerFrame::Welcome { last_seq, .. } => {
                        local.borrow_mut().replay_until = *last_seq
                    }
                    ServerFrame::Message(_) => {}
                    // Anything else is live: the replay is over, even if the
                    // welcome counted a message this agent is not sent.
                    _ => local.borrow_mut().replay_until = 0,
                }
                let replies = view
                    .state
                    .try_update(|s| s.apply(frame))
                    .unwrap_or_default();
                let replies = receipts_policy(&view, &local, replies);
                // Frames only arrive on an open socket.
                watch_acks(&view, &local, true);
                replies
            }
        };
        let on_close = {
            let (view, local) = (view.clone(), local.clone());
            let unauthorized = self.unauthorized;
            move |code: u16| {
                view.state.update(ChatState::disconnected);
                let refused = (4400..=4499).contains(&code);
                view.link.set(if refused {
                    Link::Refused(code)
                } else {
                    Link::Reconnecting
                });
                watch_acks(&view, &local, false);
                if code == shared::close::UNAUTHORIZED {
                    unauthorized.try_set(true);
                }
            }
        };
        let socket = Socket::connect::<ServerFrame>(url, on_open, on_frame, on_close);
        Conn {
            view,
            socket,
            local,
        }
    }
}

/// True when the welcomed agent is the conversation's assignee.
fn assigned_to_me(s: &ChatState) -> bool {
    let (Some(me), Some(c)) = (s.me(), s.conversation()) else {
        return false;
    };
    matches!(
        c.status,
        ConversationStatus::Active | ConversationStatus::OnHold
    ) && c.assignee.as_ref().is_some_and(|a| a.id == me.id)
}

/// Drops receipts while the agent only previews or a replay is under way;
/// otherwise makes sure the delivered watermark is sent once per new message
/// (also right after the take, when no message arrives).
fn receipts_policy(
    view: &ChatView,
    local: &RefCell<Local>,
    mut replies: Vec<ClientFrame>,
) -> Vec<ClientFrame> {
    let (ready, delivered) = view.state.with_untracked(|s| {
        let ready = assigned_to_me(s) && !local.borrow().replaying(s);
        (ready, s.delivered_receipt())
    });
    replies.retain(|f| !matches!(f, ClientFrame::Receipt { .. }));
    if !ready {
        return replies;
    }
    if let Some(frame @ ClientFrame::Receipt { seq, .. }) = delivered {
        let mut local = local.borrow_mut();
        if seq > local.delivered_sent {
            local.delivered_sent = seq;
            replies.push(frame);
        }
    }
    replies
}

/// Arms the ack timer when a send starts waiting while connected; when it
/// fires with the same wait still going, the waiting sends show as failed.
fn watch_acks(view: &ChatView, local: &Rc<RefCell<Local>>, open: bool) {
    let waiting = open && view.state.with_untracked(ChatState::has_unacked);
    let round = local.borrow_mut().acks.observe(waiting);
    let Some(round) = round else { return };
    let weak = Rc::downgrade(local);
    let state = view.state.clone();
    let timer = Timeout::new(ACK_TIMEOUT_MS, move || {
        let Some(local) = weak.upgrade() else { return };
        let expired = local.borrow_mut().acks.expired(round);
        if expired {
            state.update(ChatState::fail_unacked);
        }
    });
    local.borrow_mut().ack_timer = Some(timer);
}
