//! The inbox socket as a pure machine: [`Feed`] owns the socket's
//! [`Connection`] (link and backoff, as for conversations), the lists
//! ([`Inbox`]) and the pending offers ([`Offers`]) it feeds, and the
//! keep-alive ping every 30 s while open. A `chat_client::web::Driver`
//! runs it; the screens get narrow handles on its parts ([`Lists`],
//! [`OfferList`]).
//!
//! Every (re)connect starts with a snapshot, and the server sends another
//! whenever the agent's role or departments change: each one replaces the
//! lists and the offers wholesale.

use crate::inbox::Inbox;
use crate::offers::Offers;
use chat_client::link::{Connection, Link};
use chat_client::machine::{Machine, Millis, Output, SocketEvent};
use leptos::prelude::*;
use shared::inbox::{InboxClientFrame, InboxFrame};
use shared::AgentId;
use std::collections::VecDeque;

/// Ping this often while the socket is open, so idle proxies keep it.
pub const PING_EVERY_MS: Millis = 30_000;

/// The inbox socket and what it brought.
#[derive(Clone, Debug)]
pub struct Feed {
    connection: Connection,
    inbox: Inbox,
    offers: Offers,
    next_ping: Option<Millis>,
    out: VecDeque<Output<InboxClientFrame>>,
}

impl Feed {
    /// Nothing heard yet for agent `me`; it asks for a socket at once.
    pub fn new(me: &AgentId) -> Self {
        Feed {
            connection: Connection::new(),
            inbox: Inbox::new(me),
            offers: Offers::default(),
            next_ping: None,
            out: VecDeque::from([Output::Connect]),
        }
    }

    /// Where the socket is.
    pub fn link(&self) -> Link {
        self.connection.link()
    }

    /// The lists.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }

    /// The pending offers.
    pub fn offers(&self) -> &Offers {
        &self.offers
    }

    /// Closes the socket for good (sign out).
    pub fn stop(&mut self) {
        if self.connection.stop() {
            self.out.push_back(Output::Disconnect);
        }
        self.next_ping = None;
    }
}

impl Machine for Feed {
    type Frame = InboxFrame;
    type Sent = InboxClientFrame;

    fn on_socket(&mut self, now: Millis, event: SocketEvent<InboxFrame>) {
        let live = matches!(self.link(), Link::Connecting | Link::Open);
        match event {
            SocketEvent::Opened => {}
            SocketEvent::Received(_) if !live => {}
            SocketEvent::Received(frame) => {
                if let InboxFrame::Snapshot { .. } = frame {
                    self.connection.greeted();
                    self.next_ping
                        .get_or_insert(now.saturating_add(PING_EVERY_MS));
                }
                self.offers.apply(&frame);
                self.inbox.apply(frame);
            }
            SocketEvent::Closed { code, jitter } => {
                self.next_ping = None;
                if let Some(reason) = self.connection.closed(now, code, jitter) {
                    self.out.push_back(Output::Refused(reason));
                }
            }
            SocketEvent::Timeout => {
                if self.connection.timeout(now) {
                    self.out.push_back(Output::Connect);
                }
                if self.next_ping.is_some_and(|at| now >= at) && self.connection.is_open() {
                    self.out.push_back(Output::Transmit(InboxClientFrame::Ping));
                    self.next_ping = Some(now.saturating_add(PING_EVERY_MS));
                }
            }
        }
    }

    fn poll_output(&mut self) -> Option<Output<InboxClientFrame>> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Millis> {
        [self.connection.poll_timeout(), self.next_ping]
            .into_iter()
            .flatten()
            .min()
    }
}

/// The lists of a [`Feed`] in a signal: read them, or change them with an
/// HTTP answer (a take, a priority). Cheap to copy.
#[derive(Clone, Copy)]
pub struct Lists(pub RwSignal<Feed>);

impl Lists {
    /// Reads the lists, subscribing the caller.
    pub fn with<R>(&self, f: impl FnOnce(&Inbox) -> R) -> R {
        self.0.with(|feed| f(feed.inbox()))
    }

    /// Changes the lists, if the desk is still there.
    pub fn update(&self, f: impl FnOnce(&mut Inbox)) {
        self.0.try_update(|feed| f(&mut feed.inbox));
    }
}

/// The pending offers of a [`Feed`] in a signal. Cheap to copy.
#[derive(Clone, Copy)]
pub struct OfferList(pub RwSignal<Feed>);

impl OfferList {
    /// Reads the offers, subscribing the caller.
    pub fn with<R>(&self, f: impl FnOnce(&Offers) -> R) -> R {
        self.0.with(|feed| f(feed.offers()))
    }

    /// Changes the offers (one was answered), if the desk is still there.
    pub fn update(&self, f: impl FnOnce(&mut Offers)) {
        self.0.try_update(|feed| f(&mut feed.offers));
    }
}

#[cfg(test)]
mod tests {
    use super::Feed;
    use crate::fixtures::summary;
    use chat_client::link::{CloseReason, Link};
    use chat_client::machine::{Machine, Output, SocketEvent};
    use shared::frame::ConversationStatus::{Active, Queued};
    use shared::inbox::{InboxClientFrame, InboxFrame, PendingOffer};
    use shared::AgentId;

    fn drain(feed: &mut Feed) -> Vec<Output<InboxClientFrame>> {
        std::iter::from_fn(|| feed.poll_output()).collect()
    }

    fn offer(id: &str) -> PendingOffer {
        PendingOffer {
            conversation: summary(id, Queued, None, 1),
            expires_at: 30_000,
        }
    }

    fn snapshot(queued: &[&str], mine: &[&str], offers: &[&str]) -> InboxFrame {
        InboxFrame::Snapshot {
            queued: queued
                .iter()
                .map(|id| summary(id, Queued, None, 1))
                .collect(),
            mine: mine
                .iter()
                .map(|id| summary(id, Active, Some("me"), 1))
                .collect(),
            offers: offers.iter().map(|id| offer(id)).collect(),
        }
    }

    /// (queued, in progress, offers) as ids.
    fn lists(feed: &Feed) -> (Vec<String>, Vec<String>, Vec<String>) {
        let ids =
            |l: Vec<shared::inbox::ConversationSummary>| l.into_iter().map(|c| c.id.0).collect();
        (
            ids(feed.inbox().queued()),
            ids(feed.inbox().in_progress()),
            feed.offers()
                .list()
                .iter()
                .map(|o| o.conversation.id.0.clone())
                .collect(),
        )
    }

    #[track_caller]
    fn check(feed: &Feed, queued: &[&str], mine: &[&str], offers: &[&str]) {
        let (q, m, o) = lists(feed);
        assert_eq!(
            (q, m, o),
            (
                queued.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                mine.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                offers.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        );
    }

    #[test]
    fn a_second_snapshot_replaces_every_list() {
        let mut feed = Feed::new(&AgentId::from("me"));
        assert_eq!(drain(&mut feed), [Output::Connect]);
        feed.on_socket(0, SocketEvent::Opened);
        feed.on_socket(
            0,
            SocketEvent::Received(snapshot(&["q1", "q2"], &["m1"], &["o1"])),
        );
        assert_eq!(feed.link(), Link::Open);
        check(&feed, &["q1", "q2"], &["m1"], &["o1"]);
        feed.on_socket(
            1,
            SocketEvent::Received(InboxFrame::Offer {
                conversation: summary("o2", Queued, None, 1),
                expires_at: 9,
            }),
        );
        check(&feed, &["q1", "q2"], &["m1"], &["o1", "o2"]);
        // The agent's departments changed: the server sends the lists again
        // on the same socket, and nothing of the old ones stays.
        feed.on_socket(2, SocketEvent::Received(snapshot(&["q3"], &["m2"], &[])));
        check(&feed, &["q3"], &["m2"], &[]);
        feed.on_socket(3, SocketEvent::Received(snapshot(&[], &[], &["o3"])));
        check(&feed, &[], &[], &["o3"]);
        assert_eq!(drain(&mut feed), []);
    }

    #[test]
    fn pings_while_open_and_reconnects_after_a_loss() {
        let mut feed = Feed::new(&AgentId::from("me"));
        drain(&mut feed);
        feed.on_socket(1_000, SocketEvent::Received(snapshot(&[], &[], &[])));
        assert_eq!(feed.poll_timeout(), Some(31_000));
        feed.on_socket(31_000, SocketEvent::Timeout);
        assert_eq!(drain(&mut feed), [Output::Transmit(InboxClientFrame::Ping)]);
        assert_eq!(feed.poll_timeout(), Some(61_000));
        feed.on_socket(
            40_000,
            SocketEvent::Closed {
                code: 1006,
                jitter: 0.0,
            },
        );
        assert_eq!(feed.link(), Link::Reconnecting { at: 40_500 });
        assert_eq!(feed.poll_timeout(), Some(40_500));
        feed.on_socket(40_500, SocketEvent::Timeout);
        assert_eq!(drain(&mut feed), [Output::Connect]);
        assert_eq!(feed.poll_timeout(), None, "no ping before the snapshot");
    }

    #[test]
    fn a_revoked_token_is_reported_once_and_final() {
        let mut feed = Feed::new(&AgentId::from("me"));
        drain(&mut feed);
        feed.on_socket(0, SocketEvent::Received(snapshot(&["q1"], &[], &[])));
        feed.on_socket(
            5,
            SocketEvent::Closed {
                code: 4401,
                jitter: 0.0,
            },
        );
        assert_eq!(
            drain(&mut feed),
            [Output::Refused(CloseReason::Unauthorized)]
        );
        assert_eq!(feed.poll_timeout(), None);
        feed.on_socket(10, SocketEvent::Received(snapshot(&[], &[], &[])));
        check(&feed, &["q1"], &[], &[]);
        feed.stop();
        assert_eq!(drain(&mut feed), [], "nothing left to close");
    }
}
