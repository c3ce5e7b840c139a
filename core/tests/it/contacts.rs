//! Contacts' rules: who reads and edits, valid edits, what a search query
//! becomes (hostile text included), the history's text search, and how a
//! conversation's start and close change a record.

use chat_core::contacts::{
    check_patch, closed, closed_conversation, directory_line, directory_match, edit, may_edit,
    may_read, phone_digits, searchable_text, started, started_conversation, words, Closed, Grant,
    Page, Started, TextQuery, MAX_CUSTOM_FIELDS, MAX_QUERY_WORDS, MAX_TEXT_CHARS, MAX_WORD_CHARS,
};
use chat_core::permissions::Grants;
use shared::api::{Permission, Role};
use shared::contacts::{ContactConversation, ContactPatch};
use shared::frame::{ConversationStatus, ErrorCode, Participant, Side};
use shared::ids::{AgentId, ConversationId};
use shared::inbox::ConversationSummary;
use std::collections::BTreeMap;

#[test]
fn who_reads_and_who_edits() {
    let none = Grants::new();
    assert!(may_read(&none, Role::Agent));
    assert!(may_edit(&none, Role::Agent));
    assert!(may_read(&none, Role::Manager));
    assert!(!may_read(&none, Role::Unknown));
    let narrowed = Grants::from([(Role::Agent, vec![Permission::ViewQueue])]);
    assert!(may_read(&narrowed, Role::Agent));
    assert!(!may_edit(&narrowed, Role::Agent), "edit needs edit_contact");
    let monitor_only = Grants::from([(Role::Agent, vec![Permission::Monitor])]);
    assert!(may_read(&monitor_only, Role::Agent));
    let blind = Grants::from([(
        Role::Agent,
        vec![Permission::EditContact, Permission::Reply],
    )]);
    assert!(!may_read(&blind, Role::Agent));
    assert!(!may_edit(&blind, Role::Agent), "editing needs reading");
}

#[track_caller]
fn check_edit(patch: ContactPatch, ok: bool) {
    let result = check_patch(&patch);
    assert_eq!(result.is_ok(), ok, "{patch:?}: {result:?}");
}

fn field(key: &str, value: &str) -> Option<BTreeMap<String, String>> {
    Some(BTreeMap::from([(key.to_owned(), value.to_owned())]))
}

#[test]
fn valid_edits() {
    let p = ContactPatch::default;
    check_edit(p(), true);
    check_edit(
        ContactPatch {
            name: Some("Anna Smith".into()),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            name: Some("  ".into()),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            name: Some("x".repeat(101)),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            name: Some("é".repeat(100)),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            name: Some("a\nb".into()),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            email: Some("anna@example.com".into()),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            email: Some("".into()),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            email: Some("anna".into()),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            email: Some(format!("{}@example.com", "a".repeat(250))),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            phone: Some("+1 (555) 010-0100".into()),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            phone: Some("".into()),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            phone: Some("12".into()),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            phone: Some("555 CALL ME".into()),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            phone: Some("1".repeat(33)),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            username: Some("anna_s".into()),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            username: Some("u".repeat(65)),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            manager: Some("a_123".into()),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            manager: Some("".into()),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            manager: Some("not an id!".into()),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            custom_fields: field("plan", "gold"),
            ..p()
        },
        true,
    );
    check_edit(
        ContactPatch {
            custom_fields: field("", "gold"),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            custom_fields: field("has space", "x"),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            custom_fields: field(&"k".repeat(33), "x"),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            custom_fields: field("plan", &"v".repeat(257)),
            ..p()
        },
        false,
    );
    check_edit(
        ContactPatch {
            custom_fields: field("plan", "two\nlines"),
            ..p()
        },
        false,
    );
    let many = (0..=MAX_CUSTOM_FIELDS)
        .map(|i| (format!("k{i}"), "v".to_owned()))
        .collect();
    check_edit(
        ContactPatch {
            custom_fields: Some(many),
            ..p()
        },
        false,
    );
}

fn visitor(id: &str) -> Participant {
    Participant {
        side: Side::Visitor,
        id: id.into(),
        name: "Visitor 1234".into(),
    }
}

fn agent(id: &str, name: &str) -> Participant {
    Participant {
        side: Side::Agent,
        id: id.into(),
        name: name.into(),
    }
}

fn grant(may_edit: bool) -> Grant {
    Grant {
        agent: AgentId::from("a_me"),
        may_edit,
        sees_all: false,
        departments: vec!["sales".into()],
        contact: Some("v_1".into()),
        live: vec![],
        hidden: vec![],
    }
}

fn start(conversation: &str, at: i64) -> Started {
    Started {
        visitor: visitor("v_1"),
        conversation: ConversationId::from(conversation),
        department: "sales".into(),
        at,
        details: Default::default(),
    }
}

#[test]
fn an_edit_applies_trimmed_and_clears_with_empty_strings() {
    let contact = started(None, &start("c1", 10));
    let patch = ContactPatch {
        name: Some("  Anna Smith ".into()),
        email: Some(" anna@example.com ".into()),
        phone: Some("+1 555 0100".into()),
        manager: Some("a_boss".into()),
        custom_fields: field("plan", " gold "),
        ..Default::default()
    };
    let edited = edit(&grant(true), contact.clone(), patch).unwrap();
    assert_eq!(edited.name, "Anna Smith");
    assert_eq!(edited.email.as_deref(), Some("anna@example.com"));
    assert_eq!(edited.manager, Some(AgentId::from("a_boss")));
    assert_eq!(edited.custom_fields["plan"], "gold");
    assert_eq!(edited.created_at, 10);
    let cleared = edit(
        &grant(true),
        edited,
        ContactPatch {
            email: Some("".into()),
            manager: Some("".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(cleared.email, None);
    assert_eq!(cleared.manager, None);
    assert_eq!(
        cleared.phone.as_deref(),
        Some("+1 555 0100"),
        "absent fields stay"
    );

    let refused = edit(&grant(false), contact.clone(), ContactPatch::default()).unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let bad = ContactPatch {
        email: Some("nope".into()),
        ..Default::default()
    };
    let refused = edit(&grant(true), contact, bad).unwrap_err();
    assert_eq!(refused.code, ErrorCode::BadRequest);
    assert!(refused.message.contains("email"), "{}", refused.message);
}

#[track_caller]
fn check_query(typed: &str, expected: Option<&str>) {
    assert_eq!(directory_match(typed).as_deref(), expected, "{typed:?}");
}

#[test]
fn directory_queries() {
    check_query("", None);
    check_query("   ", None);
    check_query("anna", Some(r#""anna"*"#));
    check_query("Ann Smi", Some(r#""ann"* AND "smi"*"#));
    check_query("anna@exa", Some(r#""anna"* AND "exa"*"#));
    check_query("José", Some(r#""josé"*"#));
    // Phones: the digits run together too.
    check_query(
        "555-01",
        Some(r#"("555"* AND "01"*) OR (digits : "55501"*)"#),
    );
    check_query(
        "+1 (555) 0100",
        Some(r#"("1"* AND "555"* AND "0100"*) OR (digits : "15550100"*)"#),
    );
    check_query("5550100", Some(r#""5550100"*"#));
    check_query("12 ab", Some(r#""12"* AND "ab"*"#));
}

#[test]
fn hostile_queries_stay_words() {
    // Nothing the user types reaches FTS5 as syntax: operators, quotes,
    // stars, column filters, NEAR groups and carets become quoted words or
    // vanish.
    check_query("\"", None);
    check_query("\"\"\"", None);
    check_query("*", None);
    check_query("^", None);
    check_query("-", None);
    check_query("a\"b", Some(r#""a"* AND "b"*"#));
    check_query("an* OR bob", Some(r#""an"* AND "or"* AND "bob"*"#));
    check_query(
        "NEAR(a b, 2)",
        Some(r#""near"* AND "a"* AND "b"* AND "2"*"#),
    );
    check_query("name:anna", Some(r#""name"* AND "anna"*"#));
    check_query("{name email}: x", Some(r#""name"* AND "email"* AND "x"*"#));
    check_query("AND", Some(r#""and"*"#));
    check_query("NOT anna", Some(r#""not"* AND "anna"*"#));
    check_query("(((", None);
    check_query("a\0b", Some(r#""a"* AND "b"*"#));
    check_query(
        "'; DROP TABLE contacts; --",
        Some(r#""drop"* AND "table"* AND "contacts"*"#),
    );
    // Very long input: a bounded query whatever the size.
    let long = "x".repeat(1_000_000);
    let q = directory_match(&long).unwrap();
    assert_eq!(q, format!("\"{}\"*", "x".repeat(MAX_WORD_CHARS)));
    let many = "ab ".repeat(10_000);
    assert_eq!(words(&many).len(), MAX_QUERY_WORDS);
    // Whatever comes in, what goes out is quoted words, AND, OR, one
    // column filter of ours and parentheses.
    for typed in [
        "\"*\"",
        "a\"*",
        "x:y:z",
        "🙂 émoji",
        "٣٤٥ عربى",
        "a\u{202e}b",
        "\\\"\\",
    ] {
        if let Some(q) = directory_match(typed) {
            let unquoted: String = q
                .split('"')
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .map(|(_, s)| s)
                .collect();
            let rest = unquoted
                .replace("AND", "")
                .replace("OR", "")
                .replace("digits :", "");
            assert!(
                rest.chars().all(|c| matches!(c, ' ' | '*' | '(' | ')')),
                "{typed:?} gave {q:?}"
            );
        }
    }
}

#[test]
fn page_limits() {
    assert_eq!(
        Page::parse(None, None),
        Ok(Page {
            limit: 20,
            offset: 0
        })
    );
    assert_eq!(
        Page::parse(Some("50"), Some("1000")),
        Ok(Page {
            limit: 50,
            offset: 1000
        })
    );
    assert!(Page::parse(Some("0"), None).is_err());
    assert!(Page::parse(Some("51"), None).is_err());
    assert!(Page::parse(Some("-1"), None).is_err());
    assert!(Page::parse(Some("ten"), None).is_err());
    assert!(Page::parse(None, Some("1001")).is_err());
    assert!(Page::parse(None, Some("99999999999999999999")).is_err());
}

#[test]
fn history_text_search() {
    let text = searchable_text(["Hello, my ORDER #4411 never arrived", "Refund issued."]);
    assert_eq!(text, " hello my order 4411 never arrived refund issued");
    let matches = |q: &str| TextQuery::parse(q).matches(&text, "");
    assert!(matches("ord"));
    assert!(matches("refund 44"));
    assert!(matches("ARRIVED never"));
    assert!(!matches("rder"), "words match from their start");
    assert!(!matches("order shipping"), "every word must match");
    assert!(matches("\"order\" *"));
    assert!(TextQuery::parse("").is_empty());
    assert!(TextQuery::parse("").matches(&text, ""));
    assert!(TextQuery::parse("topic").matches("", "The topic line"));
    // Bounded, whatever the length of the conversation.
    let long = vec!["word"; 10_000];
    let kept = searchable_text(long.iter().copied());
    assert!(kept.chars().count() <= MAX_TEXT_CHARS);
    assert!(kept.starts_with(" word word"));
}

fn summary(
    id: &str,
    status: ConversationStatus,
    assignee: Option<Participant>,
) -> ConversationSummary {
    ConversationSummary {
        id: ConversationId::from(id),
        status,
        department: "sales".into(),
        visitor: visitor("v_1"),
        assignee,
        members: Vec::new(),
        preview: "my order".into(),
        queued_at: 20,
        priority: Default::default(),
    }
}

#[test]
fn start_and_close_file_the_contact() {
    let first = started(None, &start("c1", 10));
    assert_eq!(first.id, "v_1");
    assert_eq!(first.name, "Visitor 1234");
    assert_eq!(first.created_at, 10);
    assert_eq!(
        first.last_chat.as_ref().unwrap().conversation.as_str(),
        "c1"
    );
    let mut renamed = first.clone();
    renamed.name = "Anna".into();
    let second = started(Some(renamed), &start("c2", 30));
    assert_eq!(second.name, "Anna", "a start keeps an agent's edits");
    assert_eq!(second.created_at, 10);
    assert_eq!(
        second.last_chat.as_ref().unwrap().conversation.as_str(),
        "c2"
    );

    let line = started_conversation(&start("c1", 10));
    assert_eq!(line.status, ConversationStatus::New);
    let close = Closed {
        summary: summary("c1", ConversationStatus::Closed, Some(agent("a_1", "Ben"))),
        at: 50,
        text: " my order".into(),
    };
    let after = closed(Some(second.clone()), &close);
    assert_eq!(
        after.last_chat, second.last_chat,
        "an older chat's close keeps the last chat"
    );
    let filed = closed_conversation(Some(line), &close);
    assert_eq!(filed.status, ConversationStatus::Closed);
    assert_eq!(filed.created_at, 10, "the start time filed at start stays");
    assert_eq!(filed.closed_at, Some(50));
    assert_eq!(filed.agent.unwrap().name, "Ben");
    // A close whose start was never filed creates the contact.
    let created = closed(None, &close);
    assert_eq!(created.created_at, 20);
    assert_eq!(created.last_chat.unwrap().conversation.as_str(), "c1");
}

fn line(id: &str, department: &str, agent_id: Option<&str>, at: i64) -> ContactConversation {
    ContactConversation {
        id: ConversationId::from(id),
        department: department.into(),
        agent: agent_id.map(|a| agent(a, "Someone")),
        status: ConversationStatus::Closed,
        created_at: at,
        closed_at: Some(at + 1),
        preview: String::new(),
    }
}

#[test]
fn which_conversations_an_agent_sees() {
    let stored = vec![
        line("mine_elsewhere", "support", Some("a_me"), 1),
        line("sales_closed", "sales", Some("a_other"), 2),
        line("support_closed", "support", Some("a_other"), 3),
        line("live_mine", "sales", None, 4),
        line("live_colleague", "sales", None, 5),
    ];
    let mut g = grant(false);
    g.live = vec![summary(
        "live_mine",
        ConversationStatus::Active,
        Some(agent("a_me", "Me")),
    )];
    g.hidden = vec![ConversationId::from("live_colleague")];
    let ids = |g: &Grant| -> Vec<String> {
        g.conversations(stored.clone())
            .into_iter()
            .map(|c| c.id.0)
            .collect()
    };
    assert_eq!(ids(&g), ["live_mine", "sales_closed", "mine_elsewhere"]);
    let live = g.conversations(stored.clone());
    assert_eq!(
        live[0].status,
        ConversationStatus::Active,
        "open ones as the workspace lists them"
    );
    assert_eq!(live[0].preview, "my order");
    g.sees_all = true;
    assert_eq!(
        ids(&g),
        [
            "live_mine",
            "support_closed",
            "sales_closed",
            "mine_elsewhere"
        ],
        "a monitor sees every closed one; an open one the workspace hides stays hidden"
    );
    // One that started but never began (no message, not open) is not listed.
    let mut empty = line("empty", "sales", None, 9);
    empty.status = ConversationStatus::New;
    assert_eq!(g.sees(&empty), None);
    // An open conversation the store has not heard of yet is listed too.
    g.live
        .push(summary("unfiled", ConversationStatus::Queued, None));
    assert!(ids(&g).contains(&"unfiled".to_owned()));
}

#[test]
fn phone_digits_run_together() {
    assert_eq!(
        phone_digits("+1 (555) 867-5309"),
        "15558675309 5558675309 558675309 58675309 8675309 675309 75309 5309 309"
    );
    assert_eq!(phone_digits("12"), "");
    assert_eq!(phone_digits(""), "");
}

#[test]
fn the_index_line_changes_only_with_what_it_finds() {
    let contact = started(None, &start("c1", 10));
    let line = directory_line(&contact);
    assert_eq!(line[0], contact.name);
    // A second chat changes the record, not what search finds.
    let again = started(Some(contact.clone()), &start("c2", 20));
    assert_ne!(again, contact);
    assert_eq!(directory_line(&again), line);
    // A phone changes the line, digits and all.
    let mut phoned = again.clone();
    phoned.phone = Some("+1 555 867 5309".into());
    let changed = directory_line(&phoned);
    assert_ne!(changed, line);
    assert_eq!(changed[2], "+1 555 867 5309");
    assert_eq!(changed[3], phone_digits("+1 555 867 5309"));
}

#[test]
fn history_keeps_what_the_agent_sees_and_the_text_matches() {
    let stored = vec![
        (
            line("refund_chat", "sales", None, 1),
            searchable_text(["I want a refund"]),
        ),
        (
            line("shipping_chat", "sales", None, 2),
            searchable_text(["Where is my parcel"]),
        ),
        (
            line("other_department", "support", None, 3),
            searchable_text(["refund please"]),
        ),
    ];
    let g = grant(false);
    let ids = |q: &str| -> Vec<String> {
        chat_core::contacts::history(&g, stored.clone(), q)
            .into_iter()
            .map(|c| c.id.0)
            .collect()
    };
    assert_eq!(ids(""), ["shipping_chat", "refund_chat"]);
    assert_eq!(ids("refu"), ["refund_chat"]);
    assert_eq!(ids("parcel where"), ["shipping_chat"]);
    assert!(ids("\" OR 1=1 --").is_empty());
}

mod workspace {
    //! The workspace's answer to "what may this person do with contacts".

    use crate::wsim::{demo, WsSim};
    use chat_core::contacts::Asked;
    use chat_core::workspace::AgentAction;
    use shared::api::{Permission, Role, RoleGrants};
    use shared::frame::ErrorCode;
    use shared::ids::ConversationId;

    fn asked(contact: Option<&str>, conversation: Option<&str>) -> Asked {
        Asked {
            contact: contact.map(Into::into),
            conversation: conversation.map(ConversationId::from),
            ..Asked::default()
        }
    }

    #[test]
    fn grants_follow_roles_departments_and_open_chats() {
        let mut sim = WsSim::new();
        sim.connect("anna");
        sim.available("anna");
        let mine = sim.queue("c1", "support");
        sim.act(
            "anna",
            AgentAction::Take {
                conversation: mine.clone(),
            },
        )
        .expect("taken");
        let waiting = sim.queue("c2", "sales");

        // Anna, by the conversation she works: its visitor, and it as live.
        let g = sim
            .core
            .contacts_access(&sim.who("anna"), &asked(None, Some("c1")), None)
            .unwrap();
        assert_eq!(g.contact.as_deref(), Some("v-c1"));
        assert!(g.may_edit && !g.sees_all);
        assert_eq!(g.departments, ["support"]);
        assert_eq!(g.live.iter().map(|s| &s.id).collect::<Vec<_>>(), [&mine]);
        // Sam (sales) may not open Anna's chat, so not its contact through it;
        // by the contact's id he reads the record, and the chat stays hidden.
        let refused = sim
            .core
            .contacts_access(&sim.who("sam"), &asked(None, Some("c1")), None)
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);
        let g = sim
            .core
            .contacts_access(&sim.who("sam"), &asked(Some("v-c1"), None), None)
            .unwrap();
        assert!(g.live.is_empty());
        assert_eq!(g.hidden.iter().collect::<Vec<_>>(), [&mine]);
        let g = sim
            .core
            .contacts_access(&sim.who("sam"), &asked(Some("v-c2"), None), None)
            .unwrap();
        assert_eq!(
            g.live.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
            [waiting]
        );
        // Mark monitors: everything.
        let g = sim
            .core
            .contacts_access(&sim.who("mark"), &asked(Some("v-c1"), None), None)
            .unwrap();
        assert!(g.sees_all && g.hidden.is_empty());
        // Unknown conversation, unknown manager, ended token.
        let unknown = sim
            .core
            .contacts_access(&sim.who("anna"), &asked(None, Some("nope")), None)
            .unwrap_err();
        assert_eq!(unknown.code, ErrorCode::NotFound);
        let edit = Asked {
            edit: true,
            manager: Some("a_nobody".into()),
            ..Asked::default()
        };
        let bad = sim
            .core
            .contacts_access(&sim.who("anna"), &edit, None)
            .unwrap_err();
        assert_eq!(bad.code, ErrorCode::BadRequest);
        let edit = Asked {
            edit: true,
            manager: Some(sim.id("ben").0),
            ..Asked::default()
        };
        assert!(sim
            .core
            .contacts_access(&sim.who("anna"), &edit, None)
            .is_ok());
        let mut stale = sim.who("anna");
        stale.generation += 1;
        let ended = sim
            .core
            .contacts_access(&stale, &Asked::default(), None)
            .unwrap_err();
        assert_eq!(ended.code, ErrorCode::Unauthorized);
    }

    #[test]
    fn narrowed_grants_refuse_editing_then_reading() {
        let mut sim = WsSim::new();
        let mut setup = demo();
        setup.grants = vec![RoleGrants {
            role: Role::Agent,
            permissions: vec![Permission::ViewQueue],
        }];
        sim.setup(setup.clone()).expect("valid");
        let edit = Asked {
            edit: true,
            ..Asked::default()
        };
        let refused = sim
            .core
            .contacts_access(&sim.who("anna"), &edit, None)
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);
        let g = sim
            .core
            .contacts_access(&sim.who("anna"), &Asked::default(), None)
            .unwrap();
        assert!(!g.may_edit);
        setup.grants = vec![RoleGrants {
            role: Role::Agent,
            permissions: vec![Permission::EditContact],
        }];
        sim.setup(setup).expect("valid");
        let refused = sim
            .core
            .contacts_access(&sim.who("anna"), &Asked::default(), None)
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);
    }
}

#[test]
fn a_prechat_form_fills_what_the_record_lacks() {
    use chat_core::contacts::anonymous_name;
    use shared::site::VisitorDetails;
    let mut s = start("c1", 10);
    s.visitor.name = anonymous_name("v_1");
    s.details = VisitorDetails {
        name: Some("Ada".into()),
        email: Some("ada@example.com".into()),
        fields: [("order".to_string(), "A-1".to_string())].into(),
        language: None,
    };
    let contact = started(None, &s);
    assert_eq!(contact.name, "Ada");
    assert_eq!(contact.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        contact.custom_fields.get("order").map(String::as_str),
        Some("A-1")
    );
    // A later form never overwrites what is there (an agent's edits stay).
    let mut again = start("c2", 20);
    again.details = VisitorDetails {
        name: Some("Eve".into()),
        email: Some("eve@example.com".into()),
        fields: [("order".to_string(), "B-2".to_string())].into(),
        language: None,
    };
    let contact = started(Some(contact), &again);
    assert_eq!(contact.name, "Ada");
    assert_eq!(contact.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        contact.custom_fields.get("order").map(String::as_str),
        Some("A-1")
    );
}

#[test]
fn a_verified_user_names_their_record() {
    use chat_core::contacts::{anonymous_name, identified};
    use shared::site::VisitorDetails;
    let none = VisitorDetails::default();
    let fresh = identified(None, "u1", "42", &none, 5);
    assert_eq!(fresh.name, anonymous_name("u1"));
    assert_eq!(fresh.username.as_deref(), Some("42"));
    assert_eq!(fresh.created_at, 5);
    let named = VisitorDetails {
        name: Some("Ada".into()),
        email: Some("ada@example.com".into()),
        ..VisitorDetails::default()
    };
    let updated = identified(Some(fresh), "u1", "42", &named, 9);
    assert_eq!(updated.name, "Ada");
    assert_eq!(updated.email.as_deref(), Some("ada@example.com"));
    assert_eq!(updated.created_at, 5);
    // Nothing given keeps what the record says.
    let kept = identified(Some(updated.clone()), "u1", "42", &none, 12);
    assert_eq!(kept, updated);
}
