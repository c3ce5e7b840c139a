//! The conversation pane: who the visitor is, the messages, and what the
//! agent may do. A queued conversation is a read-only preview with
//! "Take it"; once it is the agent's, the reply box and the lifecycle
//! actions ([`ConversationActions`]) appear. Queued or worked, its header
//! has the "Priority" menu ([`PrioritySelect`]).

use crate::api;
use crate::app::SignOut;
use crate::chats::Chats;
use crate::components::call_panel::{CallArea, StartCall};
use crate::components::canned_panel::CannedPanel;
use crate::components::chat_history::ChatHistory;
use crate::components::composer::Composer;
use crate::components::conversation_actions::ConversationActions;
use crate::components::files_panel::FilesPanel;
use crate::components::message_list::MessageList;
use crate::components::priority_select::PrioritySelect;
use crate::components::room_information::RoomInformation;
use crate::components::search_messages::SearchMessages;
use crate::feed::Lists;
use crate::session::Session;
use chat_client::link::{CloseReason, Link};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Role;
use shared::frame::{ConversationStatus, ConversationView, Participant, SendKind};
use shared::inbox::ConversationSummary;
use shared::{ClientMsgId, ConversationId, ErrorCode};

/// What the pane's header and footer show, from the best knowledge at hand.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Heading {
    visitor: String,
    department: String,
    status: ConversationStatus,
    /// The agent working it, when it is not this agent.
    other_agent: Option<String>,
    /// Assigned to this agent, or they were invited to it, and open: they
    /// may write.
    mine: bool,
    /// Assigned to this agent: its lifecycle actions are theirs.
    owner: bool,
}

impl Heading {
    /// The socket's view is the newest, except right after a take, when the
    /// take's answer already says "yours" and the socket's `state` frame is
    /// still on its way.
    fn new(
        live: Option<&ConversationView>,
        listed: Option<&ConversationSummary>,
        me: &str,
    ) -> Option<Self> {
        let open = |status: ConversationStatus| {
            matches!(
                status,
                ConversationStatus::Active | ConversationStatus::OnHold
            )
        };
        let owned = |status: ConversationStatus, assignee: Option<&Participant>| {
            open(status) && assignee.is_some_and(|a| a.id == me)
        };
        let works = |status, assignee: Option<&Participant>, members: &[Participant]| {
            owned(status, assignee) || (open(status) && members.iter().any(|m| m.id == me))
        };
        let live_mine = live.is_some_and(|c| works(c.status, c.assignee.as_ref(), &c.members));
        let listed_mine = listed.is_some_and(|c| works(c.status, c.assignee.as_ref(), &c.members));
        let live_closed = live.is_some_and(|c| c.status == ConversationStatus::Closed);
        let from_live = |c: &ConversationView| {
            (
                c.visitor.clone(),
                c.department.clone(),
                c.status,
                c.assignee.clone(),
                c.members.clone(),
            )
        };
        let from_list = |c: &ConversationSummary| {
            (
                c.visitor.clone(),
                c.department.clone(),
                c.status,
                c.assignee.clone(),
                c.members.clone(),
            )
        };
        let (visitor, department, status, assignee, members) = match (live, listed) {
            (_, Some(l)) if listed_mine && !live_mine && !live_closed => from_list(l),
            (Some(c), _) => from_live(c),
            (None, Some(l)) => from_list(l),
            (None, None) => return None,
        };
        let mine = works(status, assignee.as_ref(), &members);
        let owner = owned(status, assignee.as_ref());
        Some(Heading {
            visitor: visitor.name,
            department,
            status,
            other_agent: assignee.filter(|a| a.id != me).map(|a| a.name),
            mine,
            owner,
        })
    }

    fn status_label(&self) -> &'static str {
        match self.status {
            ConversationStatus::New => "New",
            ConversationStatus::Queued => "Waiting in the queue",
            ConversationStatus::Active => "In progress",
            ConversationStatus::OnHold => "On hold",
            ConversationStatus::Closed => "Closed",
            ConversationStatus::Unknown => "",
        }
    }
}

/// The open conversation `id`.
#[component]
pub fn Conversation(id: ConversationId, inbox: Lists, visible: ReadSignal<bool>) -> impl IntoView {
    let chats = expect_context::<Chats>();
    let session = expect_context::<Session>();
    let sign_out = expect_context::<SignOut>();
    let chat = chats.open(&id);
    let link = Memo::new({
        let chat = chat.clone();
        move |_| chat.with(|s| s.link())
    });
    let taken_elsewhere = RwSignal::new(false);
    let take_error = RwSignal::new(None::<String>);
    let taking = RwSignal::new(false);

    let heading = Memo::new({
        let (chat, id, me) = (chat.clone(), id.clone(), session.agent.id.0.clone());
        move |_| {
            let live = chat.with(|s| s.state().conversation().cloned());
            inbox.with(|i| Heading::new(live.as_ref(), i.get(&id), &me))
        }
    });

    // Everything on screen in a visible tab counts as read: the session
    // sends read receipts while it is told so.
    Effect::new({
        let id = id.clone();
        move |_| chats.viewing(&id, visible.get())
    });
    on_cleanup({
        let id = id.clone();
        move || {
            chats.viewing(&id, false);
            chats.stop_typing(&id);
        }
    });

    let take = {
        let (id, token) = (id.clone(), session.token.clone());
        move |_| {
            if taking.get_untracked() {
                return;
            }
            taking.set(true);
            take_error.set(None);
            let (id, token) = (id.clone(), token.clone());
            // The pane may be gone when the answer comes (the server closed
            // it meanwhile): its own signals are set only if still there.
            spawn_local(async move {
                match api::take(&token, &id).await {
                    Ok(taken) => inbox.update(|i| i.upsert(taken.conversation)),
                    Err(e) if e.code() == Some(ErrorCode::AlreadyTaken) => {
                        taken_elsewhere.try_set(true);
                        inbox.update(|i| i.remove(&id));
                    }
                    Err(e) if e.is_unauthorized() => sign_out.ended(),
                    Err(e) => {
                        take_error.try_set(Some(api::message(&e)));
                    }
                }
                taking.try_set(false);
            });
        }
    };
    let queued = move || {
        !taken_elsewhere.get()
            && heading.with(|h| {
                h.as_ref()
                    .is_some_and(|h| h.status == ConversationStatus::Queued)
            })
    };
    let supervisor = matches!(session.agent.role, Role::Manager | Role::Admin);
    let footer = Memo::new(move |_| {
        heading.with(|h| Footer::new(h.as_ref(), taken_elsewhere.get(), supervisor))
    });
    // The status of a conversation that is this agent's, for its actions.
    let mine =
        Memo::new(move |_| heading.with(|h| h.as_ref().filter(|h| h.owner).map(|h| h.status)));
    let is_mine = Memo::new(move |_| mine.with(Option::is_some));
    let actions = {
        let id = id.clone();
        move || {
            is_mine.get().then(|| {
                let status =
                    Signal::derive(move || mine.get().unwrap_or(ConversationStatus::Active));
                view! { <ConversationActions id=id.clone() status/> }
            })
        }
    };
    // The priority as the inbox lists it; the menu shows while the
    // conversation waits or is worked.
    let listed_priority = Memo::new({
        let id = id.clone();
        move |_| inbox.with(|i| i.get(&id).map(|c| c.priority))
    });
    let prioritizable = Memo::new(move |_| {
        !taken_elsewhere.get()
            && listed_priority.with(Option::is_some)
            && heading.with(|h| {
                h.as_ref().is_some_and(|h| {
                    matches!(
                        h.status,
                        ConversationStatus::Queued
                            | ConversationStatus::Active
                            | ConversationStatus::OnHold
                    )
                })
            })
    });
    let priority_menu = {
        let id = id.clone();
        move || {
            prioritizable.get().then(|| {
                let current = Signal::derive(move || listed_priority.get().unwrap_or_default());
                view! { <PrioritySelect id=id.clone() current inbox/> }
            })
        }
    };
    let closed = Memo::new(move |_| {
        heading.with(|h| {
            h.as_ref()
                .is_some_and(|h| h.status == ConversationStatus::Closed)
        })
    });
    // What the "Canned responses" panel puts in the reply box.
    let insert = RwSignal::new(None::<String>);
    let retry = Callback::new({
        let id = id.clone();
        move |client_id: ClientMsgId| chats.retry(&id, &client_id)
    });

    view! {
        <section class="conversation" aria-label="Conversation">
            <header class="pane-head">
                <div>
                    <h1>{move || heading.with(|h| h.as_ref().map(|h| h.visitor.clone()).unwrap_or_default())}</h1>
                    <p class="muted">
                        {move || heading.with(|h| h.as_ref().map(|h| {
                            [h.department.as_str(), h.status_label()]
                                .into_iter()
                                .filter(|s| !s.is_empty())
                                .collect::<Vec<_>>()
                                .join(" · ")
                        }).unwrap_or_default())}
                    </p>
                </div>
                <div class="pane-tools">
                    {priority_menu}
                    <ChatHistory id=id.clone()/>
                    <CannedPanel insert/>
                    <RoomInformation id=id.clone() inbox/>
                    <SearchMessages id=id.clone()/>
                    {
                        let id = id.clone();
                        move || closed.get().then(|| view! {
                            <crate::components::transcript_tools::TranscriptTools id=id.clone()/>
                        })
                    }
                    <crate::components::contact_info::ContactInfo id=id.clone()/>
                    <FilesPanel id=id.clone()/>
                    <StartCall id=id.clone() chat=chat.clone() owned=mine.into()/>
                    {actions}
                    <Show when=queued>
                        <button type="button" class="primary" on:click=take.clone() disabled=move || taking.get()>
                            "Take it"
                        </button>
                    </Show>
                </div>
            </header>
            {move || link_banner(link.get())}
            <Show when=move || taken_elsewhere.get()>
                <p class="notice" role="alert">"This chat was taken by another agent."</p>
            </Show>
            {move || take_error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <CallArea id=id.clone() chat=chat.clone()/>
            <MessageList session=chat.clone() retry/>
            {move || footer.get().view(&id, insert)}
        </section>
    }
}

/// A line about the socket when it is not simply open. (A socket refused
/// with 4401 or 4403 does not stay on screen: the desk signs out or closes
/// the pane.)
fn link_banner(link: Link) -> Option<impl IntoView> {
    let text = match link {
        Link::Open | Link::Closed(CloseReason::Stopped) => return None,
        Link::Connecting => "Connecting…",
        Link::Reconnecting { .. } => "Connection lost. Reconnecting…",
        Link::Closed(CloseReason::Forbidden) => "You may not open this conversation.",
        Link::Closed(CloseReason::NotFound) => "This conversation does not exist.",
        Link::Closed(CloseReason::Unauthorized) => "Your session has ended.",
        Link::Closed(CloseReason::UnsupportedVersion) => {
            "This app was updated. Reload the page to continue."
        }
        Link::Closed(CloseReason::Refused(_)) => "The server refused this conversation.",
    };
    Some(view! { <p class="banner" role="status">{text}</p> })
}

/// What the bottom of the pane shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Footer {
    /// The reply box: the conversation is the agent's (or they were
    /// invited to it): replies and notes.
    Reply,
    /// A supervisor reading someone else's chat: notes, and whispers to
    /// its agent when it has one.
    Supervise {
        /// Whether an agent works it (someone to whisper to).
        whisper: bool,
    },
    /// A line saying why the agent may not write.
    Note(String),
}

impl Footer {
    fn new(heading: Option<&Heading>, taken_elsewhere: bool, supervisor: bool) -> Self {
        let note = |s: &str| Footer::Note(s.to_string());
        let open = |s: ConversationStatus| {
            matches!(
                s,
                ConversationStatus::Queued
                    | ConversationStatus::Active
                    | ConversationStatus::OnHold
            )
        };
        match heading {
            Some(h) if h.mine => Footer::Reply,
            Some(h) if supervisor && open(h.status) => Footer::Supervise {
                whisper: h.other_agent.is_some(),
            },
            _ if taken_elsewhere => note("Another agent is handling this chat."),
            Some(h) => match (h.status, &h.other_agent) {
                (ConversationStatus::Queued, _) => note("Preview: take the chat to reply."),
                (ConversationStatus::Closed, _) => note("This conversation is closed."),
                (_, Some(name)) => Footer::Note(format!("{name} is handling this chat.")),
                _ => note(""),
            },
            None => note(""),
        }
    }

    fn view(self, id: &ConversationId, insert: RwSignal<Option<String>>) -> AnyView {
        match self {
            Footer::Reply => {
                let modes = vec![SendKind::Text, SendKind::Note];
                view! { <Composer id=id.clone() modes insert/> }.into_any()
            }
            Footer::Supervise { whisper } => {
                let mut modes = vec![SendKind::Note];
                if whisper {
                    modes.push(SendKind::Whisper);
                }
                view! { <Composer id=id.clone() modes insert/> }.into_any()
            }
            Footer::Note(text) => view! { <p class="pane-foot muted">{text}</p> }.into_any(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Footer, Heading};
    use shared::frame::{ConversationStatus, ConversationView, Participant, Side};
    use shared::inbox::ConversationSummary;
    use shared::ConversationId;
    use ConversationStatus::*;

    fn person(side: Side, id: &str) -> Participant {
        Participant {
            side,
            id: id.into(),
            name: id.to_uppercase(),
        }
    }

    fn live(status: ConversationStatus, assignee: Option<&str>) -> ConversationView {
        ConversationView {
            id: ConversationId::from("c1"),
            status,
            department: "support".into(),
            visitor: person(Side::Visitor, "guest"),
            assignee: assignee.map(|a| person(Side::Agent, a)),
            members: Vec::new(),
        }
    }

    fn listed(status: ConversationStatus, assignee: Option<&str>) -> ConversationSummary {
        ConversationSummary {
            id: ConversationId::from("c1"),
            status,
            department: "support".into(),
            visitor: person(Side::Visitor, "guest"),
            assignee: assignee.map(|a| person(Side::Agent, a)),
            members: Vec::new(),
            preview: "hi".into(),
            queued_at: 0,
            priority: Default::default(),
        }
    }

    #[track_caller]
    fn check(
        live: Option<ConversationView>,
        listed: Option<ConversationSummary>,
        expected: Footer,
    ) {
        let heading = Heading::new(live.as_ref(), listed.as_ref(), "me");
        assert_eq!(Footer::new(heading.as_ref(), false, false), expected);
    }

    fn note(s: &str) -> Footer {
        Footer::Note(s.into())
    }

    #[test]
    fn who_may_write() {
        let preview = note("Preview: take the chat to reply.");
        check(
            Some(live(Queued, None)),
            Some(listed(Queued, None)),
            preview.clone(),
        );
        check(None, Some(listed(Queued, None)), preview);
        // Right after the take: the answer says mine before the socket does.
        check(
            Some(live(Queued, None)),
            Some(listed(Active, Some("me"))),
            Footer::Reply,
        );
        check(Some(live(Active, Some("me"))), None, Footer::Reply);
        check(
            Some(live(OnHold, Some("me"))),
            Some(listed(OnHold, Some("me"))),
            Footer::Reply,
        );
        check(
            Some(live(Active, Some("ann"))),
            None,
            note("ANN is handling this chat."),
        );
        // Closed on the socket wins over a stale list line.
        check(
            Some(live(Closed, Some("me"))),
            Some(listed(Active, Some("me"))),
            note("This conversation is closed."),
        );
        check(None, None, note(""));
        assert_eq!(
            Footer::new(
                Heading::new(Some(&live(Queued, None)), None, "me").as_ref(),
                true,
                false
            ),
            note("Another agent is handling this chat.")
        );
    }

    #[test]
    fn an_invited_agent_writes_and_a_supervisor_notes_or_whispers() {
        let mut invited = live(Active, Some("ann"));
        invited.members.push(person(Side::Agent, "me"));
        let heading = Heading::new(Some(&invited), None, "me").unwrap();
        assert!(
            heading.mine && !heading.owner,
            "writes, but the chat stays Ann's"
        );
        assert_eq!(Footer::new(Some(&heading), false, false), Footer::Reply);
        let watched = Heading::new(Some(&live(Active, Some("ann"))), None, "me");
        assert_eq!(
            Footer::new(watched.as_ref(), false, true),
            Footer::Supervise { whisper: true }
        );
        let waiting = Heading::new(Some(&live(Queued, None)), None, "me");
        assert_eq!(
            Footer::new(waiting.as_ref(), false, true),
            Footer::Supervise { whisper: false }
        );
        let closed = Heading::new(Some(&live(Closed, Some("ann"))), None, "me");
        assert_eq!(
            Footer::new(closed.as_ref(), false, true),
            note("This conversation is closed.")
        );
    }
}
