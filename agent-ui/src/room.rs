//! "Room information" as the agent reads and edits it: the facts of
//! `GET /api/v1/agent/conversations/{id}/room` as labelled lines (durations
//! in words, times left for the view to say in the browser's time zone),
//! who may edit, and the edit form's draft (topic, tags picked from the
//! workspace's list or, where it allows, typed, and priority) turned into
//! the [`RoomEdit`] of only what changed. Pure: no browser, no signals.

use crate::priority;
use shared::api::Role;
use shared::frame::{ConversationStatus, ConversationView};
use shared::room::{Labels, RoomEdit, RoomInfo, MAX_TOPIC_CHARS};
use shared::routing::Priority;

/// How long something took, from milliseconds: "under 1 s", "42 s",
/// "4 min 5 s", "2 h 5 min".
pub fn duration(ms: i64) -> String {
    let seconds = ms.max(0) / 1_000;
    let (h, m, s) = (seconds / 3_600, seconds / 60 % 60, seconds % 60);
    match (h, m, s) {
        (0, 0, 0) => "under 1 s".into(),
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// What a fact's value is; times are drawn by the view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Words.
    Text(String),
    /// A moment, in milliseconds since the epoch.
    Time(i64),
    /// Nothing to say yet: the words that say so, drawn muted.
    Missing(&'static str),
}

/// One line of the definition list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    /// The term.
    pub label: &'static str,
    /// Its value.
    pub value: Value,
}

fn fact(label: &'static str, value: Value) -> Fact {
    Fact { label, value }
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// Text, or `missing` when it is blank.
fn or_missing(s: &str, missing: &'static str) -> Value {
    if s.trim().is_empty() {
        Value::Missing(missing)
    } else {
        text(s)
    }
}

fn took(ms: Option<i64>, missing: &'static str) -> Value {
    ms.map_or(Value::Missing(missing), |ms| text(duration(ms)))
}

/// Every fact of a room, in the order the dialog lists them;
/// `department` is the department's name (its id when unknown). The
/// closing facts show once it is closed.
pub fn facts(info: &RoomInfo, department: &str) -> Vec<Fact> {
    let c = &info.conversation;
    let mut facts = vec![
        fact("Contact", or_missing(&c.visitor.name, "Unknown")),
        fact(
            "Status",
            or_missing(crate::history::status_word(c.status), "Unknown"),
        ),
        fact(
            "Agent",
            c.assignee
                .as_ref()
                .map_or(Value::Missing("Not taken yet"), |a| text(&a.name)),
        ),
    ];
    if !c.members.is_empty() {
        let names: Vec<&str> = c.members.iter().map(|m| m.name.as_str()).collect();
        facts.push(fact("Invited", text(names.join(", "))));
    }
    let time = |ms: i64, missing| {
        if ms > 0 {
            Value::Time(ms)
        } else {
            Value::Missing(missing)
        }
    };
    facts.extend([
        fact("Department", or_missing(department, "Unknown")),
        fact("Created", time(info.created_at, "Unknown")),
        fact("Queued", time(info.queued_at, "Never")),
        fact(
            "Taken",
            info.taken_at.map_or(Value::Missing("Not yet"), Value::Time),
        ),
        fact("Queue time", took(info.queue_time_ms, "Not taken yet")),
        fact(
            "First response time",
            took(info.first_response_ms, "No answer yet"),
        ),
        fact(
            "Average response time",
            took(info.average_response_ms, "No answer yet"),
        ),
        fact("Topic", or_missing(&info.topic, "None")),
        fact("Priority", text(priority::label(info.priority))),
        fact(
            "Tags",
            if info.tags.is_empty() {
                Value::Missing("None")
            } else {
                text(info.tags.join(", "))
            },
        ),
    ]);
    if c.status == ConversationStatus::Closed || info.closed_at.is_some() {
        facts.extend([
            fact(
                "Disposition",
                or_missing(info.disposition.as_deref().unwrap_or_default(), "None"),
            ),
            fact(
                "Closing comment",
                or_missing(info.closing_comment.as_deref().unwrap_or_default(), "None"),
            ),
            fact(
                "Closed",
                info.closed_at
                    .map_or(Value::Missing("Unknown"), Value::Time),
            ),
        ]);
    }
    if let Some(r) = &info.rating {
        let score = format!("{} out of 5", r.score);
        let words = r
            .comment
            .as_ref()
            .map_or(score.clone(), |c| format!("{score}: {c}"));
        facts.push(fact("Rating", text(words)));
    }
    facts
}

/// Whether the edit form shows: to those who work the chat (its agent or an
/// invited one) and to supervisors, while it is open. The server checks
/// again, and its refusal is shown.
pub fn may_edit(role: Role, me: &str, c: &ConversationView) -> bool {
    let open = matches!(
        c.status,
        ConversationStatus::Queued | ConversationStatus::Active | ConversationStatus::OnHold
    );
    let works = c.assignee.iter().chain(&c.members).any(|p| p.id == me);
    open && (works || matches!(role, Role::Manager | Role::Admin))
}

/// The edit form's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// The topic as typed.
    pub topic: String,
    /// The tags picked, in the order picked.
    pub tags: Vec<String>,
    /// The priority chosen.
    pub priority: Priority,
}

fn same_tag(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Draft {
    /// The room's current values.
    pub fn of(info: &RoomInfo) -> Self {
        Draft {
            topic: info.topic.clone(),
            tags: info.tags.clone(),
            priority: info.priority,
        }
    }

    /// Whether `tag` is picked.
    pub fn has(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| same_tag(t, tag))
    }

    /// Picks `tag`, or drops it when `on` is false.
    pub fn set_tag(&mut self, tag: &str, on: bool) {
        if on && !self.has(tag) {
            self.tags.push(tag.trim().to_owned());
        } else if !on {
            self.tags.retain(|t| !same_tag(t, tag));
        }
    }

    /// Adds a typed tag: one of the list (spelt as listed), or, where the
    /// workspace allows free tags, any. `Err` is the sentence to show.
    pub fn add_typed(&mut self, typed: &str, labels: &Labels) -> Result<(), String> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err("Type a tag to add.".into());
        }
        match labels.tags.iter().find(|l| same_tag(l, typed)) {
            Some(listed) => {
                let listed = listed.clone();
                self.set_tag(&listed, true);
                Ok(())
            }
            None if labels.restrict_tags => Err(format!(
                "\"{typed}\" is not one of this workspace's tags: pick one from the list."
            )),
            None => {
                self.set_tag(typed, true);
                Ok(())
            }
        }
    }

    /// What to send: only what differs from `info`; `Ok(None)` when nothing
    /// does. `Err` is a sentence for a topic the server would refuse.
    pub fn edit(&self, info: &RoomInfo) -> Result<Option<RoomEdit>, String> {
        let topic = self.topic.trim();
        let chars = topic.chars().count();
        if chars > MAX_TOPIC_CHARS {
            return Err(format!(
                "A topic has at most {MAX_TOPIC_CHARS} characters; this one has {chars}."
            ));
        }
        let tags_changed = self.tags.len() != info.tags.len()
            || self.tags.iter().zip(&info.tags).any(|(a, b)| a != b);
        let edit = RoomEdit {
            topic: (topic != info.topic.trim()).then(|| topic.to_owned()),
            tags: tags_changed.then(|| self.tags.clone()),
            priority: (self.priority != info.priority).then_some(self.priority),
        };
        Ok((edit != RoomEdit::default()).then_some(edit))
    }
}

/// The tags the form offers as checkboxes: the workspace's list, then the
/// room's own tags that are not in it (so they can be removed), then the
/// ones typed in this form.
pub fn tag_choices(labels: &Labels, info: &RoomInfo, draft: &Draft) -> Vec<String> {
    let mut choices: Vec<String> = Vec::new();
    for t in labels.tags.iter().chain(&info.tags).chain(&draft.tags) {
        if !t.trim().is_empty() && !choices.iter().any(|c| same_tag(c, t)) {
            choices.push(t.clone());
        }
    }
    choices
}

#[cfg(test)]
mod tests {
    use super::{duration, facts, may_edit, tag_choices, Draft, Fact, Value};
    use shared::api::Role;
    use shared::frame::{ConversationStatus, ConversationView, Participant, Side};
    use shared::room::{Labels, RoomEdit, RoomInfo, TransferInfo};
    use shared::routing::Priority;
    use shared::ConversationId;

    #[track_caller]
    fn check_duration(ms: i64, expected: &str) {
        assert_eq!(duration(ms), expected);
    }

    #[test]
    fn durations_in_words() {
        check_duration(-3, "under 1 s");
        check_duration(999, "under 1 s");
        check_duration(1_000, "1 s");
        check_duration(42_400, "42 s");
        check_duration(60_000, "1 min");
        check_duration(245_000, "4 min 5 s");
        check_duration(3_600_000, "1 h");
        check_duration(3_659_000, "1 h");
        check_duration(7_500_000, "2 h 5 min");
        check_duration(49 * 3_600_000, "49 h");
    }

    fn person(side: Side, id: &str, name: &str) -> Participant {
        Participant {
            side,
            id: id.into(),
            name: name.into(),
        }
    }

    fn info(status: ConversationStatus, assignee: Option<&str>) -> RoomInfo {
        RoomInfo {
            calls: Default::default(),
            conversation: ConversationView {
                id: ConversationId::from("c1"),
                status,
                department: "support".into(),
                visitor: person(Side::Visitor, "v1", "Ada"),
                assignee: assignee.map(|a| person(Side::Agent, &a.to_lowercase(), a)),
                members: Vec::new(),
            },
            created_at: 1_000,
            queued_at: 2_000,
            taken_at: None,
            queue_time_ms: None,
            first_response_ms: None,
            average_response_ms: None,
            priority: Priority::Medium,
            topic: String::new(),
            tags: Vec::new(),
            disposition: None,
            closing_comment: None,
            closed_at: None,
            transfers: Vec::new(),
            visitor: Default::default(),
            rating: None,
        }
    }

    fn shown(facts: &[Fact]) -> Vec<(&'static str, Value)> {
        facts.iter().map(|f| (f.label, f.value.clone())).collect()
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn a_waiting_chat_says_what_has_not_happened_yet() {
        let waiting = info(ConversationStatus::Queued, None);
        use Value::{Missing, Time};
        assert_eq!(
            shown(&facts(&waiting, "Support")),
            [
                ("Contact", text("Ada")),
                ("Status", text("Waiting")),
                ("Agent", Missing("Not taken yet")),
                ("Department", text("Support")),
                ("Created", Time(1_000)),
                ("Queued", Time(2_000)),
                ("Taken", Missing("Not yet")),
                ("Queue time", Missing("Not taken yet")),
                ("First response time", Missing("No answer yet")),
                ("Average response time", Missing("No answer yet")),
                ("Topic", Missing("None")),
                ("Priority", text("Medium")),
                ("Tags", Missing("None")),
            ]
        );
    }

    #[test]
    fn a_rated_chat_shows_its_rating_last() {
        let mut rated = info(ConversationStatus::Closed, Some("Ben"));
        rated.rating = Some(shared::site::Rating {
            score: 4,
            comment: Some("Quick".into()),
            at: 9_000,
        });
        let facts = facts(&rated, "Support");
        assert_eq!(
            shown(&facts).last(),
            Some(&("Rating", text("4 out of 5: Quick")))
        );
        rated.rating.as_mut().unwrap().comment = None;
        let facts = super::facts(&rated, "Support");
        assert_eq!(shown(&facts).last(), Some(&("Rating", text("4 out of 5"))));
        rated.rating = None;
        let facts = super::facts(&rated, "Support");
        assert!(shown(&facts).iter().all(|(label, _)| *label != "Rating"));
    }

    #[test]
    fn a_closed_chat_has_every_fact() {
        let mut closed = info(ConversationStatus::Closed, Some("Ben"));
        closed.conversation.members = vec![person(Side::Agent, "cy", "Cy")];
        closed.taken_at = Some(5_000);
        closed.queue_time_ms = Some(3_000);
        closed.first_response_ms = Some(65_000);
        closed.average_response_ms = Some(30_500);
        closed.priority = Priority::Urgent;
        closed.topic = "Refund".into();
        closed.tags = vec!["billing".into(), "vip".into()];
        closed.disposition = Some("solved".into());
        closed.closing_comment = Some("Sent".into());
        closed.closed_at = Some(9_000);
        closed.transfers = vec![TransferInfo {
            at: 6_000,
            by: person(Side::Agent, "anna", "Anna"),
            to: "Ben".into(),
            comment: Some("VIP".into()),
        }];
        let all = shown(&facts(&closed, ""));
        use Value::{Missing, Time};
        assert_eq!(
            all,
            [
                ("Contact", text("Ada")),
                ("Status", text("Closed")),
                ("Agent", text("Ben")),
                ("Invited", text("Cy")),
                ("Department", Missing("Unknown")),
                ("Created", Time(1_000)),
                ("Queued", Time(2_000)),
                ("Taken", Time(5_000)),
                ("Queue time", text("3 s")),
                ("First response time", text("1 min 5 s")),
                ("Average response time", text("30 s")),
                ("Topic", text("Refund")),
                ("Priority", text("Urgent")),
                ("Tags", text("billing, vip")),
                ("Disposition", text("solved")),
                ("Closing comment", text("Sent")),
                ("Closed", Time(9_000)),
            ]
        );
    }

    #[test]
    fn who_may_edit() {
        let mut active = info(ConversationStatus::Active, Some("Anna"));
        assert!(may_edit(Role::Agent, "anna", &active.conversation));
        assert!(!may_edit(Role::Agent, "ben", &active.conversation));
        assert!(may_edit(Role::Manager, "mark", &active.conversation));
        assert!(may_edit(Role::Admin, "root", &active.conversation));
        assert!(!may_edit(Role::Unknown, "x", &active.conversation));
        active.conversation.members = vec![person(Side::Agent, "ben", "Ben")];
        assert!(may_edit(Role::Agent, "ben", &active.conversation));
        // Queued: nobody works it yet, supervisors may; closed: nobody.
        let queued = info(ConversationStatus::Queued, None);
        assert!(!may_edit(Role::Agent, "anna", &queued.conversation));
        assert!(may_edit(Role::Manager, "mark", &queued.conversation));
        let closed = info(ConversationStatus::Closed, Some("Anna"));
        assert!(!may_edit(Role::Agent, "anna", &closed.conversation));
        assert!(!may_edit(Role::Manager, "mark", &closed.conversation));
    }

    fn labels(restrict_tags: bool) -> Labels {
        Labels {
            tags: vec!["billing".into(), "shipping".into()],
            dispositions: Vec::new(),
            restrict_tags,
        }
    }

    #[test]
    fn only_what_changed_is_sent() {
        let mut room = info(ConversationStatus::Active, Some("Anna"));
        room.topic = "Refund".into();
        room.tags = vec!["billing".into()];
        let mut draft = Draft::of(&room);
        assert_eq!(draft.edit(&room), Ok(None));
        // Blanks around the topic are not a change.
        draft.topic = " Refund ".into();
        assert_eq!(draft.edit(&room), Ok(None));
        draft.topic = "Refund of order 12".into();
        draft.set_tag("Billing", false);
        draft.set_tag("shipping", true);
        draft.priority = Priority::High;
        assert_eq!(
            draft.edit(&room),
            Ok(Some(RoomEdit {
                topic: Some("Refund of order 12".into()),
                tags: Some(vec!["shipping".into()]),
                priority: Some(Priority::High),
            }))
        );
        // Clearing the topic is a change; a too long one is refused here.
        let mut draft = Draft::of(&room);
        draft.topic = "  ".into();
        assert_eq!(
            draft.edit(&room),
            Ok(Some(RoomEdit {
                topic: Some(String::new()),
                ..RoomEdit::default()
            }))
        );
        draft.topic = "x".repeat(201);
        assert_eq!(
            draft.edit(&room),
            Err("A topic has at most 200 characters; this one has 201.".into())
        );
    }

    #[test]
    fn typed_tags_follow_the_workspace_list() {
        let room = info(ConversationStatus::Active, Some("Anna"));
        let mut draft = Draft::of(&room);
        // Listed: spelt as listed, once.
        assert_eq!(draft.add_typed(" Billing ", &labels(true)), Ok(()));
        assert_eq!(draft.add_typed("BILLING", &labels(true)), Ok(()));
        assert_eq!(draft.tags, ["billing"]);
        // Not listed: refused where the list is the rule, kept elsewhere.
        assert_eq!(
            draft.add_typed("vip", &labels(true)),
            Err("\"vip\" is not one of this workspace's tags: pick one from the list.".into())
        );
        assert_eq!(
            draft.add_typed("", &labels(false)),
            Err("Type a tag to add.".into())
        );
        assert_eq!(draft.add_typed("vip", &labels(false)), Ok(()));
        assert_eq!(draft.tags, ["billing", "vip"]);
        assert!(draft.has("VIP"));
        draft.set_tag("Vip", false);
        assert_eq!(draft.tags, ["billing"]);
    }

    #[test]
    fn the_choices_keep_every_tag_in_sight() {
        let mut room = info(ConversationStatus::Active, Some("Anna"));
        room.tags = vec!["Billing".into(), "legacy".into()];
        let mut draft = Draft::of(&room);
        draft.add_typed("new one", &labels(false)).unwrap();
        assert_eq!(
            tag_choices(&labels(false), &room, &draft),
            ["billing", "shipping", "legacy", "new one"]
        );
    }
}
