//! Agents' inbox sockets: who is connected (the router's "online" comes
//! from these sockets, not from a counter), what each inbox shows, and the
//! frames that keep it live.

use super::{InboxSocket, Output, Person, Principal, Workspace};
use crate::inbox::{self, AgentView, Visibility};
use crate::router;
use shared::close;
use shared::ids::AgentId;
use shared::inbox::{ConversationSummary, InboxFrame, PendingOffer};

impl Workspace {
    /// The rules' view of a person.
    pub(super) fn view<'a>(&'a self, person: &'a Person) -> AgentView<'a> {
        AgentView {
            id: person.id.as_str(),
            role: person.role,
            departments: &person.departments,
            grants: &self.grants,
        }
    }

    /// How many live inbox sockets an agent has.
    pub(super) fn open_sockets(&self, agent: &AgentId) -> u32 {
        self.sockets.values().filter(|p| p.agent == *agent).count() as u32
    }

    pub(super) fn inbox_opened(&mut self, now: i64, socket: InboxSocket) {
        let person = match self.authenticate(&socket.who) {
            Ok(p) => p.clone(),
            Err(r) => {
                self.out.push_back(Output::CloseInbox {
                    socket: socket.socket,
                    code: close::UNAUTHORIZED,
                    reason: r.message,
                });
                return;
            }
        };
        self.sockets.insert(socket.socket, socket.who.clone());
        let frame = self.snapshot(&person);
        self.out.push_back(Output::Inbox {
            sockets: vec![socket.socket],
            frame,
        });
        let open = self.open_sockets(&person.id);
        self.settle(
            now,
            router::Input::Sockets {
                agent: person.id,
                open,
            },
        );
    }

    pub(super) fn inbox_closed(&mut self, now: i64, socket: super::SocketId) {
        let Some(who) = self.sockets.remove(&socket) else {
            return;
        };
        let open = self.open_sockets(&who.agent);
        self.settle(
            now,
            router::Input::Sockets {
                agent: who.agent,
                open,
            },
        );
    }

    /// Everything one agent's inbox shows: their queues, their chats, the
    /// offers waiting for them.
    pub(super) fn snapshot(&self, person: &Person) -> InboxFrame {
        let view = self.view(person);
        let (mut queued, mut mine) = (Vec::new(), Vec::new());
        for summary in self.index.values() {
            match inbox::visibility(&view, summary) {
                Visibility::Queued => queued.push(summary.clone()),
                Visibility::Mine => mine.push(summary.clone()),
                Visibility::Hidden => {}
            }
        }
        queued.sort_by_key(|s| s.queued_at);
        mine.sort_by_key(|s| s.queued_at);
        let offers = self
            .router
            .offers_for(&person.id)
            .into_iter()
            .filter_map(|(id, expires_at)| {
                self.index.get(&id).map(|conversation| PendingOffer {
                    conversation: conversation.clone(),
                    expires_at,
                })
            })
            .collect();
        InboxFrame::Snapshot {
            queued,
            mine,
            offers,
        }
    }

    /// Sends a frame to every inbox socket of one agent.
    pub(super) fn tell_agent(&mut self, agent: &AgentId, frame: InboxFrame) {
        let sockets: Vec<super::SocketId> = self
            .sockets
            .iter()
            .filter(|(_, p)| p.agent == *agent)
            .map(|(s, _)| *s)
            .collect();
        if !sockets.is_empty() {
            self.out.push_back(Output::Inbox { sockets, frame });
        }
    }

    /// Tells every inbox how a conversation now shows for its agent: an
    /// upsert where it shows, a removal where it showed before, nothing to
    /// agents who never saw it. One frame of each kind, for all the
    /// sockets it goes to.
    pub(super) fn broadcast(
        &mut self,
        before: Option<&ConversationSummary>,
        after: &ConversationSummary,
    ) {
        let (mut shown, mut removed) = (Vec::new(), Vec::new());
        for (socket, who) in &self.sockets {
            let Some(person) = self.people.get(&who.agent) else {
                continue;
            };
            let view = self.view(person);
            let was_shown =
                before.is_some_and(|b| inbox::visibility(&view, b) != Visibility::Hidden);
            match inbox::visibility(&view, after) {
                Visibility::Hidden if was_shown => removed.push(*socket),
                Visibility::Hidden => {}
                Visibility::Queued | Visibility::Mine => shown.push(*socket),
            }
        }
        if !shown.is_empty() {
            self.out.push_back(Output::Inbox {
                sockets: shown,
                frame: InboxFrame::Upsert {
                    conversation: after.clone(),
                },
            });
        }
        if !removed.is_empty() {
            self.out.push_back(Output::Inbox {
                sockets: removed,
                frame: InboxFrame::Remove {
                    id: after.id.clone(),
                },
            });
        }
    }

    /// After a change to people or grants: sockets whose token is no longer
    /// good close; the others get their inbox again, as the person may now
    /// see it.
    pub(super) fn recheck_sockets(&mut self) {
        let sockets: Vec<(super::SocketId, Principal)> =
            self.sockets.iter().map(|(s, p)| (*s, p.clone())).collect();
        for (socket, who) in sockets {
            match self.authenticate(&who).cloned() {
                Ok(person) => {
                    let frame = self.snapshot(&person);
                    self.out.push_back(Output::Inbox {
                        sockets: vec![socket],
                        frame,
                    });
                }
                Err(r) => {
                    self.sockets.remove(&socket);
                    self.out.push_back(Output::CloseInbox {
                        socket,
                        code: close::UNAUTHORIZED,
                        reason: r.message,
                    });
                }
            }
        }
    }
}
