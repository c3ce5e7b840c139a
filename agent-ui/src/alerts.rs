//! What deserves the agent's attention, decided from what the desk already
//! knows: a new chat in the agent's queues, an offer made to them, and a
//! message in a chat that is not the one they are looking at (or any chat
//! while the tab is hidden). Pure: the desk feeds it the inbox's lists,
//! each conversation's state and what is on screen, and performs the
//! [`Alert`]s it returns (a tone and a browser notification,
//! `crate::notify`).
//!
//! Nothing that was already there when the desk connected alerts: the
//! first snapshot of the inbox and the first caught-up state of each
//! conversation are where "new" starts. A reconnect's snapshot and replay
//! then alert only for what came while the socket was away. Muted, it still
//! keeps count (the tab title's unread number) but alerts for nothing.

use chat_client::ChatState;
use shared::frame::Side;
use shared::ids::Seq;
use shared::inbox::{ConversationSummary, PendingOffer};
use shared::ConversationId;
use std::collections::{BTreeMap, BTreeSet};

/// How much of a message a notification shows.
const BODY_CHARS: usize = 140;

/// What the agent has in front of them.
#[derive(Clone, Copy, Debug)]
pub struct Screen<'a> {
    /// The conversation in the pane.
    pub open: Option<&'a ConversationId>,
    /// The tab is visible.
    pub visible: bool,
    /// "Mute notifications" is on.
    pub muted: bool,
}

/// Why an alert is raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A chat entered one of the agent's queues.
    Queued,
    /// A chat was offered to the agent.
    Offered,
    /// Someone wrote in a chat the agent is not looking at.
    Message,
}

/// One thing to tell the agent about: play the tone, show a notification
/// that opens `conversation` when clicked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Why.
    pub reason: Reason,
    /// The chat it is about.
    pub conversation: ConversationId,
    /// The notification's title.
    pub title: String,
    /// The notification's text.
    pub body: String,
}

/// What has been seen so far. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Alerts {
    /// The first snapshot is in.
    primed: bool,
    /// The queued chats of the latest snapshot or change.
    queued: BTreeSet<ConversationId>,
    /// The pending offers likewise.
    offers: BTreeSet<ConversationId>,
    /// Queued chats that came after the first snapshot and that the agent
    /// has not opened yet.
    unseen: BTreeSet<ConversationId>,
    /// The last sequence number seen of each conversation, once its replay
    /// caught up.
    seen: BTreeMap<ConversationId, Seq>,
}

impl Alerts {
    /// Nothing seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The inbox's lists as they are now; `ready` is false until the
    /// socket's first snapshot and while it reconnects (the lists are then
    /// old news). Returns what to alert for.
    pub fn lists(
        &mut self,
        ready: bool,
        queued: &[ConversationSummary],
        offers: &[PendingOffer],
        screen: Screen<'_>,
    ) -> Vec<Alert> {
        if !ready {
            return Vec::new();
        }
        let now_queued: BTreeSet<_> = queued.iter().map(|c| c.id.clone()).collect();
        let now_offered: BTreeSet<_> = offers.iter().map(|o| o.conversation.id.clone()).collect();
        let mut alerts = Vec::new();
        if self.primed {
            for offer in offers
                .iter()
                .filter(|o| !self.offers.contains(&o.conversation.id))
            {
                let c = &offer.conversation;
                alerts.push(Alert {
                    reason: Reason::Offered,
                    conversation: c.id.clone(),
                    title: format!("Chat offered to you: {}", c.visitor.name),
                    body: excerpt(&c.preview),
                });
            }
            for c in queued.iter().filter(|c| !self.queued.contains(&c.id)) {
                if screen.open != Some(&c.id) {
                    self.unseen.insert(c.id.clone());
                }
                // An offer of the same chat says it already.
                if now_offered.contains(&c.id) && !self.offers.contains(&c.id) {
                    continue;
                }
                alerts.push(Alert {
                    reason: Reason::Queued,
                    conversation: c.id.clone(),
                    title: format!("New chat: {}", c.visitor.name),
                    body: excerpt(&c.preview),
                });
            }
        }
        self.primed = true;
        self.unseen.retain(|id| now_queued.contains(id));
        self.queued = now_queued;
        self.offers = now_offered;
        if screen.muted {
            alerts.clear();
        }
        alerts
    }

    /// The state of conversation `id` as it is now; `caught_up` once its
    /// socket is greeted and the replay after the welcome is in. Returns
    /// what to alert for: at most one alert, for the newest message from
    /// someone else that came since the last call.
    pub fn messages(
        &mut self,
        id: &ConversationId,
        caught_up: bool,
        state: &ChatState,
        screen: Screen<'_>,
    ) -> Vec<Alert> {
        if !caught_up {
            return Vec::new();
        }
        let last = state.last_seq();
        let Some(seen) = self.seen.insert(id.clone(), last) else {
            // The first look: everything there is old news.
            return Vec::new();
        };
        if last <= seen {
            // A new socket whose replay is behind what was seen: keep the
            // higher mark.
            self.seen.insert(id.clone(), seen.max(last));
            return Vec::new();
        }
        let looking = screen.visible && screen.open == Some(id);
        if looking || screen.muted {
            return Vec::new();
        }
        let mut new = state
            .messages()
            .filter(|m| m.seq > seen && m.author.side != Side::System && !state.is_own(m));
        let Some(first) = new.next() else {
            return Vec::new();
        };
        let (count, newest) = new.fold((1usize, first), |(n, _), m| (n + 1, m));
        let title = if count == 1 {
            format!("New message from {}", newest.author.name)
        } else {
            format!("{count} new messages from {}", newest.author.name)
        };
        vec![Alert {
            reason: Reason::Message,
            conversation: id.clone(),
            title,
            body: excerpt(&newest.text),
        }]
    }

    /// The agent opened conversation `id`: a new chat counts as seen.
    pub fn opened(&mut self, id: &ConversationId) {
        self.unseen.remove(id);
    }

    /// New queued chats the agent has not opened yet, for the tab title.
    pub fn unseen(&self) -> usize {
        self.unseen.len()
    }
}

/// The start of `text` for a notification: at most [`BODY_CHARS`]
/// characters, on one line.
fn excerpt(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(BODY_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::{excerpt, Alert, Alerts, Reason, Screen};
    use crate::fixtures::summary;
    use chat_client::ChatState;
    use shared::frame::ConversationStatus::Queued;
    use shared::frame::{
        ConversationStatus, ConversationView, Message, MessageKind, Participant, ServerFrame, Side,
    };
    use shared::inbox::{ConversationSummary, PendingOffer};
    use shared::ConversationId;

    fn id(s: &str) -> ConversationId {
        ConversationId::from(s)
    }

    fn queued(ids: &[&str]) -> Vec<ConversationSummary> {
        ids.iter().map(|i| summary(i, Queued, None, 1)).collect()
    }

    fn offers(ids: &[&str]) -> Vec<PendingOffer> {
        ids.iter()
            .map(|i| PendingOffer {
                conversation: summary(i, Queued, None, 1),
                expires_at: 30_000,
            })
            .collect()
    }

    const AWAY: Screen<'static> = Screen {
        open: None,
        visible: true,
        muted: false,
    };

    /// (reason, conversation) of each alert.
    fn what(alerts: Vec<Alert>) -> Vec<(Reason, String)> {
        alerts
            .into_iter()
            .map(|a| (a.reason, a.conversation.0))
            .collect()
    }

    #[test]
    fn new_queued_chats_and_offers_alert_once() {
        let mut a = Alerts::new();
        // Before the first snapshot, nothing is known.
        assert_eq!(what(a.lists(false, &queued(&["q0"]), &[], AWAY)), []);
        // The first snapshot is where "new" starts.
        assert_eq!(
            what(a.lists(true, &queued(&["q1"]), &offers(&["o1"]), AWAY)),
            []
        );
        assert_eq!(a.unseen(), 0);
        // A chat joins the queue.
        let got = a.lists(true, &queued(&["q1", "q2"]), &offers(&["o1"]), AWAY);
        assert_eq!(got[0].title, "New chat: Ada");
        assert_eq!(got[0].body, "first message of q2");
        assert_eq!(what(got), [(Reason::Queued, "q2".into())]);
        assert_eq!(a.unseen(), 1);
        // The same lists again: nothing new.
        assert_eq!(
            what(a.lists(true, &queued(&["q1", "q2"]), &offers(&["o1"]), AWAY)),
            []
        );
        // An offer; and a chat both queued and offered alerts as an offer.
        let got = a.lists(
            true,
            &queued(&["q1", "q2", "q3"]),
            &offers(&["o1", "q3"]),
            AWAY,
        );
        assert_eq!(got[0].title, "Chat offered to you: Ada");
        assert_eq!(what(got), [(Reason::Offered, "q3".into())]);
        assert_eq!(a.unseen(), 2);
        // Opened, or gone from the queue: seen.
        a.opened(&id("q2"));
        assert_eq!(a.unseen(), 1);
        assert_eq!(what(a.lists(true, &queued(&["q1"]), &[], AWAY)), []);
        assert_eq!(a.unseen(), 0);
        // A chat back in the queue is news again.
        assert_eq!(
            what(a.lists(true, &queued(&["q1", "q2"]), &[], AWAY)),
            [(Reason::Queued, "q2".into())]
        );
    }

    #[test]
    fn a_reconnect_alerts_only_for_what_came_meanwhile() {
        let mut a = Alerts::new();
        a.lists(true, &queued(&["q1"]), &[], AWAY);
        // Reconnecting: the old lists are no news.
        assert_eq!(what(a.lists(false, &queued(&["q1"]), &[], AWAY)), []);
        assert_eq!(
            what(a.lists(true, &queued(&["q1", "q2"]), &offers(&["o9"]), AWAY)),
            [
                (Reason::Offered, "o9".into()),
                (Reason::Queued, "q2".into())
            ]
        );
    }

    #[test]
    fn a_chat_on_screen_is_not_unseen_and_mute_silences_but_counts() {
        let mut a = Alerts::new();
        a.lists(true, &[], &[], AWAY);
        let q1 = id("q1");
        let looking = Screen {
            open: Some(&q1),
            ..AWAY
        };
        assert_eq!(what(a.lists(true, &queued(&["q1"]), &[], looking)).len(), 1);
        assert_eq!(a.unseen(), 0);
        let muted = Screen {
            muted: true,
            ..AWAY
        };
        assert_eq!(
            what(a.lists(true, &queued(&["q1", "q2"]), &offers(&["o1"]), muted)),
            []
        );
        assert_eq!(a.unseen(), 1, "the title still counts it");
        // Unmuted later: what came while muted is not alerted again.
        assert_eq!(
            what(a.lists(true, &queued(&["q1", "q2"]), &offers(&["o1"]), AWAY)),
            []
        );
    }

    fn who(side: Side, id: &str, name: &str) -> Participant {
        Participant {
            side,
            id: id.into(),
            name: name.into(),
        }
    }

    /// A conversation seen by agent "me", assigned to them.
    fn chat() -> ChatState {
        let mut s = ChatState::new();
        s.apply(ServerFrame::Welcome {
            version: 1,
            conversation: ConversationView {
                id: "k1".into(),
                status: ConversationStatus::Active,
                department: "support".into(),
                visitor: who(Side::Visitor, "v1", "Ada"),
                assignee: Some(who(Side::Agent, "me", "Me")),
                members: Vec::new(),
            },
            you: who(Side::Agent, "me", "Me"),
            last_seq: 0,
            receipts: vec![],
        });
        s
    }

    fn say(s: &mut ChatState, seq: u64, author: Participant, text: &str) {
        let kind = if author.side == Side::System {
            MessageKind::System
        } else {
            MessageKind::Text
        };
        s.apply(ServerFrame::Message(Message {
            seq,
            client_id: None,
            author,
            kind,
            to: None,
            attachment: None,
            text: text.into(),
            sent_at: 0,
        }));
    }

    #[test]
    fn messages_alert_when_their_chat_is_not_in_view() {
        let mut a = Alerts::new();
        let k1 = id("k1");
        let mut s = chat();
        let ada = who(Side::Visitor, "v1", "Ada");
        say(&mut s, 1, ada.clone(), "old");
        // Still replaying: nothing decided yet.
        assert_eq!(what(a.messages(&k1, false, &s, AWAY)), []);
        // Caught up: what is there is old news.
        assert_eq!(what(a.messages(&k1, true, &s, AWAY)), []);
        say(&mut s, 2, ada.clone(), "are you there?");
        let got = a.messages(&k1, true, &s, AWAY);
        assert_eq!(got[0].title, "New message from Ada");
        assert_eq!(got[0].body, "are you there?");
        assert_eq!(what(got), [(Reason::Message, "k1".into())]);
        assert_eq!(what(a.messages(&k1, true, &s, AWAY)), [], "once");

        // On screen in a visible tab: no alert; hidden tab: an alert.
        let looking = Screen {
            open: Some(&k1),
            ..AWAY
        };
        say(&mut s, 3, ada.clone(), "hello?");
        assert_eq!(what(a.messages(&k1, true, &s, looking)), []);
        say(&mut s, 4, ada.clone(), "hello??");
        let hidden = Screen {
            visible: false,
            ..looking
        };
        assert_eq!(what(a.messages(&k1, true, &s, hidden)).len(), 1);

        // One's own messages and system lines alert for nothing.
        say(&mut s, 5, who(Side::Agent, "me", "Me"), "here");
        say(
            &mut s,
            6,
            who(Side::System, "system", "System"),
            "Me joined",
        );
        assert_eq!(what(a.messages(&k1, true, &s, AWAY)), []);

        // Several at once (after a reconnect's replay): one alert that
        // counts them and shows the newest; a colleague's note counts too.
        say(&mut s, 7, ada.clone(), "one");
        say(&mut s, 8, who(Side::Agent, "ben", "Ben"), "two");
        let got = a.messages(&k1, true, &s, AWAY);
        assert_eq!(got[0].title, "2 new messages from Ben");
        assert_eq!(got[0].body, "two");

        // Muted: nothing, and nothing later either.
        say(&mut s, 9, ada.clone(), "three");
        let muted = Screen {
            muted: true,
            ..AWAY
        };
        assert_eq!(what(a.messages(&k1, true, &s, muted)), []);
        assert_eq!(what(a.messages(&k1, true, &s, AWAY)), []);
    }

    #[test]
    fn a_new_socket_replays_without_alerting_again() {
        let mut a = Alerts::new();
        let k1 = id("k1");
        let ada = who(Side::Visitor, "v1", "Ada");
        let mut s = chat();
        say(&mut s, 1, ada.clone(), "a");
        say(&mut s, 2, ada.clone(), "b");
        a.messages(&k1, true, &s, AWAY);
        // The pane closed and opened again: a new state, replayed in part.
        let mut again = chat();
        say(&mut again, 1, ada.clone(), "a");
        assert_eq!(what(a.messages(&k1, true, &again, AWAY)), []);
        say(&mut again, 2, ada.clone(), "b");
        assert_eq!(what(a.messages(&k1, true, &again, AWAY)), []);
        say(&mut again, 3, ada, "c");
        assert_eq!(what(a.messages(&k1, true, &again, AWAY)).len(), 1);
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("hi\nthere  you"), "hi there you");
        let long = "x".repeat(200);
        assert_eq!(excerpt(&long).chars().count(), 141);
        assert!(excerpt(&long).ends_with('…'));
        assert_eq!(excerpt(&"é".repeat(140)), "é".repeat(140));
    }
}
