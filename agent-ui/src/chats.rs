//! The conversation sockets the agent keeps open: one client
//! [`Session`] (the conversation, its link, typing, acks and receipts), run
//! by a [`Driver`], per conversation in "Chats in Progress" (so their unread
//! counts stay live while closed) and for the conversation on screen.
//! [`Chats`] is the narrow capability the screens get: open, read, send,
//! retry, type, say whether the agent sees it.
//!
//! The sessions decide everything about the sockets, receipts included (an
//! agent's receipts wait until the conversation is assigned to them, so a
//! preview never moves the visitor's checkmarks). What this module adds is
//! what a refusal means for the desk ([`after_refusal`]), and each
//! conversation's call media ([`CallMedia`]), which performs the call's
//! events after every change of its session.

use crate::call_media::CallMedia;
use chat_client::call::CallAction;
use chat_client::link::CloseReason;
use chat_client::session::{Input, Party, Session};
use chat_client::web::{self, ws_origin, Driver};
use leptos::prelude::*;
use shared::frame::SendKind;
use shared::{ClientMsgId, ConversationId};
use std::collections::{BTreeMap, BTreeSet};

/// What the desk does when the server closes a socket for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterRefusal {
    /// 4401: the token was revoked or expired; back to the sign-in screen,
    /// saying the session ended.
    SignOut,
    /// 4403 on a conversation: the agent may no longer open it; its pane
    /// closes with a notice.
    ClosePane,
    /// Anything else: the pane (or the sidebar) says the socket is closed.
    Show,
}

/// What a refusal of a conversation socket (`conversation` true) or of the
/// inbox socket means for the desk.
pub fn after_refusal(reason: CloseReason, conversation: bool) -> AfterRefusal {
    match reason {
        CloseReason::Unauthorized => AfterRefusal::SignOut,
        CloseReason::Forbidden if conversation => AfterRefusal::ClosePane,
        _ => AfterRefusal::Show,
    }
}

/// One conversation's session, for the views to read. Reference counted, so
/// it outlives any one view.
pub type ChatView = ArcRwSignal<Session>;

#[derive(Clone)]
struct Conn {
    session: ArcRwSignal<Session>,
    driver: Driver<Session>,
    media: CallMedia,
}

impl Conn {
    /// Closes the socket for good (and the call's media with it).
    fn shut(self) {
        self.media.release();
        self.driver.act(|s, now| s.handle(now, Input::Stop));
    }

    fn refused(&self) -> bool {
        self.session
            .with_untracked(|s| matches!(s.link(), chat_client::link::Link::Closed(_)))
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
    /// The latest refusal of a conversation socket, for the desk to act on.
    refusal: RwSignal<Option<(ConversationId, AfterRefusal)>>,
}

impl Chats {
    /// No connections yet. `token` is the agent's bearer token.
    pub fn new(token: String) -> Self {
        Self {
            conns: StoredValue::new_local(BTreeMap::new()),
            version: RwSignal::new(0),
            token: StoredValue::new(token),
            refusal: RwSignal::new(None),
        }
    }

    /// The latest refusal that asks the desk to act (sign out, close a
    /// pane). Re-runs the caller on every new one.
    pub fn refusal(&self) -> Option<(ConversationId, AfterRefusal)> {
        self.refusal.get()
    }

    /// Keeps exactly the connections in `wanted`, opening and closing
    /// sockets. A connection refused for good stays refused here: only
    /// [`Chats::open`] tries it again.
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
            if self.conn(id).is_none() {
                self.add(id);
            }
        }
        if changed {
            self.version.update(|v| *v += 1);
        }
    }

    /// The conversation's session, connecting first if it is not open yet,
    /// or again if it was refused. Does not subscribe the caller to anything.
    pub fn open(&self, id: &ConversationId) -> ChatView {
        match self.conn(id) {
            Some(conn) if !conn.refused() => conn.session,
            _ => self.add(id),
        }
    }

    /// Messages from the visitor the agent has not seen, in `id`; 0 when it
    /// is not open. Re-runs the caller when it changes.
    pub fn unread(&self, id: &ConversationId) -> usize {
        self.version.track();
        self.conn(id)
            .map(|c| c.session.with(|s| s.state().unread()))
            .unwrap_or(0)
    }

    /// The conversations with a socket. Re-runs the caller when one is
    /// added or dropped.
    pub fn ids(&self) -> Vec<ConversationId> {
        self.version.track();
        self.conns
            .try_with_value(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Reads conversation `id`'s session, if it has a socket. Re-runs the
    /// caller when the session changes.
    pub fn with_session<R>(&self, id: &ConversationId, f: impl FnOnce(&Session) -> R) -> Option<R> {
        self.conn(id).map(|c| c.session.with(f))
    }

    /// Sends a new message (or a note, or a whisper), with a fresh id from
    /// the browser's `crypto`; it waits in the outbox until acked. False
    /// when the browser gave no id (nothing was sent).
    pub fn send_message(&self, id: &ConversationId, text: String, kind: SendKind) -> bool {
        let Some(client_id) = web::client_id() else {
            return false;
        };
        self.feed(
            id,
            Input::Compose {
                client_id,
                text,
                kind,
            },
        );
        true
    }

    /// An upload was stored: its message takes the pending line's place.
    pub fn stored(&self, id: &ConversationId, message: shared::frame::Message) {
        self.feed(id, Input::Stored(message));
    }

    /// Sends a failed message again, with its original client id.
    pub fn retry(&self, id: &ConversationId, client_id: &ClientMsgId) {
        self.feed(id, Input::Retry(client_id.clone()));
    }

    /// The reply box changed; `empty` when nothing is left in it.
    pub fn typed(&self, id: &ConversationId, empty: bool) {
        self.feed(id, Input::Typed { empty });
    }

    /// The agent left the conversation: tell the visitor they stopped typing.
    pub fn stop_typing(&self, id: &ConversationId) {
        self.feed(id, Input::StopTyping);
    }

    /// Whether the conversation is on screen in a visible tab: read
    /// receipts go out only while it is.
    pub fn viewing(&self, id: &ConversationId, viewing: bool) {
        self.feed(id, Input::Viewing(viewing));
    }

    /// The call media of conversation `id`, if it has a socket.
    pub fn media(&self, id: &ConversationId) -> Option<CallMedia> {
        self.conn(id).map(|c| c.media)
    }

    /// A press on a call control of conversation `id` (or what its media
    /// has to send).
    pub fn call(&self, id: &ConversationId, action: CallAction) {
        self.feed(id, Input::Call(action));
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

    fn feed(&self, id: &ConversationId, input: Input) {
        if let Some(conn) = self.conn(id) {
            conn.driver.act(move |s, now| s.handle(now, input));
        }
    }

    fn conn(&self, id: &ConversationId) -> Option<Conn> {
        self.conns.try_with_value(|c| c.get(id).cloned()).flatten()
    }

    /// Connects to conversation `id`, replacing any earlier connection.
    fn add(&self, id: &ConversationId) -> ChatView {
        let conn = self.connect(id);
        let session = conn.session.clone();
        let old = self
            .conns
            .try_update_value(|conns| conns.insert(id.clone(), conn))
            .flatten();
        if let Some(old) = old {
            old.shut();
        }
        self.version.update(|v| *v += 1);
        session
    }

    fn connect(&self, id: &ConversationId) -> Conn {
        let token = self.token.get_value();
        let url = format!(
            "{}/api/v1/conversations/{}/ws?token={}",
            ws_origin(),
            js_sys::encode_uri_component(id.as_str()),
            js_sys::encode_uri_component(&token),
        );
        let session = ArcRwSignal::new(Session::new(Party::Agent));
        let refusal = self.refusal;
        let media = CallMedia::new({
            let (chats, id) = (*self, id.clone());
            move |action| chats.call(&id, action)
        });
        let driver = Driver::new(
            url,
            {
                let (session, media) = (session.clone(), media.clone());
                move |f| {
                    session.try_update(|s| f(s));
                    media.after_change(&session);
                }
            },
            {
                let id = id.clone();
                move |reason| {
                    let after = after_refusal(reason, true);
                    if after != AfterRefusal::Show {
                        refusal.try_set(Some((id.clone(), after)));
                    }
                }
            },
        );
        Conn {
            session,
            driver,
            media,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{after_refusal, AfterRefusal};
    use chat_client::link::CloseReason;

    #[track_caller]
    fn check(reason: CloseReason, conversation: bool, expected: AfterRefusal) {
        assert_eq!(after_refusal(reason, conversation), expected);
    }

    #[test]
    fn refusals() {
        use AfterRefusal::*;
        use CloseReason::*;
        check(Unauthorized, true, SignOut);
        check(Unauthorized, false, SignOut);
        check(Forbidden, true, ClosePane);
        check(Forbidden, false, Show);
        check(NotFound, true, Show);
        check(UnsupportedVersion, true, Show);
        check(Refused(4400), false, Show);
    }
}
