//! Contacts against the real worker: a contact is filed when a chat starts,
//! found by name, email or phone as one types, edited by an agent with
//! `edit_contact` and refused to one without; visitors read none; a closed
//! chat's visible text is searchable in the contact's history, an internal
//! line (a forward's comment) never is.

use anyhow::{bail, Result};
use shared::api::{Permission, Role, RoleGrants, VisitorSession};
use shared::contacts::{ContactDetail, ContactHistory, ContactPage};
use shared::frame::{ConversationStatus, ErrorCode};
use std::time::Duration;
use tests::{Answer, Api, Worker};

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn get(api: &Api, token: &str, path: &str) -> Result<Answer> {
    api.raw("GET", path, Some(token), None).await
}

async fn search(api: &Api, token: &str, q: &str) -> Result<Vec<String>> {
    let answer = get(
        api,
        token,
        &format!("/api/v1/agent/contacts?q={}", encode(q)),
    )
    .await?;
    if answer.status != 200 {
        bail!("search {q:?}: {} {}", answer.status, answer.body);
    }
    let page: ContactPage = answer.json()?;
    Ok(page.contacts.into_iter().map(|c| c.id).collect())
}

async fn patch(api: &Api, token: &str, id: &str, body: serde_json::Value) -> Result<Answer> {
    api.raw(
        "PATCH",
        &format!("/api/v1/agent/contacts/{id}"),
        Some(token),
        Some(body.to_string()),
    )
    .await
}

async fn history(api: &Api, token: &str, contact: &str, q: &str) -> Result<Vec<String>> {
    let path = format!("/api/v1/agent/contacts/{contact}/history?q={}", encode(q));
    let answer = get(api, token, &path).await?;
    if answer.status != 200 {
        bail!("history {q:?}: {} {}", answer.status, answer.body);
    }
    let found: ContactHistory = answer.json()?;
    Ok(found.conversations.into_iter().map(|c| c.id.0).collect())
}

fn id(v: &VisitorSession) -> &str {
    v.visitor_id.as_str()
}

#[tokio::test]
async fn a_contact_is_filed_at_start_found_as_one_types_and_edited() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let visitor = api.visitor().await?;
    let (chat, _socket) = api
        .first_message(&visitor, "Hello, about my invoice")
        .await?;
    // Another contact, never found by the searches below.
    let other = api.visitor().await?;
    api.first_message(&other, "hi").await?;

    let answer = get(
        &api,
        &anna.token,
        &format!("/api/v1/agent/contacts/{}", id(&visitor)),
    )
    .await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let detail: ContactDetail = answer.json()?;
    assert_eq!(detail.contact.name, visitor.name);
    assert!(detail.may_edit);
    assert_eq!(
        detail
            .contact
            .last_chat
            .as_ref()
            .unwrap()
            .conversation
            .as_str(),
        chat
    );
    let listed: Vec<(&str, ConversationStatus, &str)> = detail
        .conversations
        .iter()
        .map(|c| (c.id.as_str(), c.status, c.preview.as_str()))
        .collect();
    assert_eq!(
        listed,
        [(
            chat.as_str(),
            ConversationStatus::Queued,
            "Hello, about my invoice"
        )]
    );
    // The contact of the conversation is the same one.
    let of_chat = get(
        &api,
        &anna.token,
        &format!("/api/v1/agent/conversations/{chat}/contact"),
    )
    .await?;
    assert_eq!(of_chat.status, 200, "{}", of_chat.body);
    assert_eq!(of_chat.json::<ContactDetail>()?.contact.id, id(&visitor));

    let edited = patch(
        &api,
        &anna.token,
        id(&visitor),
        serde_json::json!({
            "name": "Zelda Quuxley",
            "email": "zelda.q@example.org",
            "phone": "+1 (555) 867-5309",
            "username": "zq",
            "manager": ben.agent.id,
            "custom_fields": { "plan": "gold" }
        }),
    )
    .await?;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let after: ContactDetail = edited.json()?;
    assert_eq!(after.contact.name, "Zelda Quuxley");
    assert_eq!(after.contact.manager, Some(ben.agent.id.clone()));
    assert_eq!(after.contact.custom_fields["plan"], "gold");

    // Found by any prefix of name, email or phone, by another agent.
    let me = vec![id(&visitor).to_owned()];
    for q in [
        "zel",
        "Zelda Qu",
        "quux",
        "zelda.q@exa",
        "example.org",
        "867-53",
        "5558675",
        "+1 555",
    ] {
        assert_eq!(search(&api, &ben.token, q).await?, me, "{q:?}");
    }
    assert!(search(&api, &ben.token, "zelda nobody").await?.is_empty());
    let everyone = search(&api, &ben.token, "").await?;
    assert!(
        everyone.len() >= 2 && everyone.contains(&me[0]),
        "{everyone:?}"
    );

    // An edit of what search does not read writes the record's row alone
    // (its index line stays as it was) and search finds it as before; a
    // new name is found, and the old one no longer.
    let rows = api.object_rows("contacts", "demo").await?;
    let plan = serde_json::json!({ "custom_fields": { "plan": "silver" } });
    let answer = patch(&api, &anna.token, id(&visitor), plan).await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(api.object_rows("contacts", "demo").await? - rows, 1);
    assert_eq!(search(&api, &ben.token, "zel").await?, me);
    // (Her email still says "zelda": only the name is looked for.)
    for (name, found) in [("Yvonne Quuxley", "yvonne"), ("Zelda Quuxley", "zelda qu")] {
        let body = serde_json::json!({ "name": name });
        let answer = patch(&api, &anna.token, id(&visitor), body).await?;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(search(&api, &ben.token, found).await?, me, "{name}");
    }
    assert!(search(&api, &ben.token, "yvo").await?.is_empty());

    // Hostile queries are words, never syntax: no error, no injection.
    for q in [
        "\"",
        "zel\"*",
        "*",
        "NEAR(zel quux)",
        "name:zel",
        "{name}:zel",
        "zel OR 1",
        "^zel",
        "'; DROP TABLE contacts;--",
        &"z".repeat(5000),
    ] {
        let answer = get(
            &api,
            &ben.token,
            &format!("/api/v1/agent/contacts?q={}", encode(q)),
        )
        .await?;
        assert_eq!(answer.status, 200, "{q:?}: {}", answer.body);
    }
    assert_eq!(
        search(&api, &ben.token, "name:zel").await?,
        Vec::<String>::new()
    );
    assert_eq!(search(&api, &ben.token, "zel\"*").await?, me);

    // Invalid edits say why; nothing changes.
    for (body, why) in [
        (serde_json::json!({ "email": "not an address" }), "email"),
        (serde_json::json!({ "name": "" }), "name"),
        (serde_json::json!({ "phone": "call me" }), "phone"),
        (serde_json::json!({ "manager": "a_nobody" }), "manager"),
        (
            serde_json::json!({ "custom_fields": { "bad key": "x" } }),
            "key",
        ),
        (serde_json::json!({ "nickname": "z" }), "nickname"),
    ] {
        let refused = patch(&api, &anna.token, id(&visitor), body.clone()).await?;
        assert_eq!(
            (refused.status, refused.code()?),
            (400, ErrorCode::BadRequest),
            "{body}"
        );
        assert!(refused.body.contains(why), "{body}: {}", refused.body);
    }
    let refused = api
        .raw(
            "PATCH",
            &format!("/api/v1/agent/contacts/{}", id(&visitor)),
            Some(&anna.token),
            Some("{".into()),
        )
        .await?;
    assert_eq!(refused.status, 400);
    let bad_page = get(&api, &anna.token, "/api/v1/agent/contacts?limit=1000").await?;
    assert_eq!(bad_page.status, 400, "{}", bad_page.body);
    let unknown = get(&api, &anna.token, "/api/v1/agent/contacts/v_nobody").await?;
    assert_eq!(
        (unknown.status, unknown.code()?),
        (404, ErrorCode::NotFound)
    );

    // A visitor's token reads no contact, not even their own.
    for path in [
        "/api/v1/agent/contacts?q=zel".to_owned(),
        format!("/api/v1/agent/contacts/{}", id(&visitor)),
        format!("/api/v1/agent/contacts/{}/history", id(&visitor)),
        format!("/api/v1/agent/conversations/{chat}/contact"),
    ] {
        let refused = get(&api, &visitor.token, &path).await?;
        assert_eq!(refused.status, 401, "{path}: {}", refused.body);
    }
    let refused = patch(
        &api,
        &visitor.token,
        id(&visitor),
        serde_json::json!({ "name": "Me" }),
    )
    .await?;
    assert_eq!(refused.status, 401);
    Ok(())
}

#[tokio::test]
async fn editing_needs_edit_contact_and_reading_needs_the_queue_or_monitor() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = tests::demo_workspace()?;
    setup.workspace = "grants".into();
    setup.grants = vec![RoleGrants {
        role: Role::Agent,
        permissions: vec![
            Permission::ViewQueue,
            Permission::TakeChat,
            Permission::Reply,
        ],
    }];
    api.setup(&setup).await?;
    let visitor = api.visitor_of("grants.website").await?;
    api.first_message(&visitor, "hello").await?;
    let anna = api.login_to("grants", "anna@demo.test").await?;
    let mark = api.login_to("grants", "mark@demo.test").await?;
    let path = format!("/api/v1/agent/contacts/{}", id(&visitor));
    let read = get(&api, &anna.token, &path).await?;
    assert_eq!(read.status, 200, "{}", read.body);
    assert!(!read.json::<ContactDetail>()?.may_edit);
    let refused = patch(
        &api,
        &anna.token,
        id(&visitor),
        serde_json::json!({ "name": "Anna's pick" }),
    )
    .await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (403, ErrorCode::Forbidden),
        "{}",
        refused.body
    );
    // A manager keeps the default grants: edits.
    let edited = patch(
        &api,
        &mark.token,
        id(&visitor),
        serde_json::json!({ "name": "Named by Mark" }),
    )
    .await?;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let seen: ContactDetail = get(&api, &anna.token, &path).await?.json()?;
    assert_eq!(seen.contact.name, "Named by Mark");

    // A role that sees no queue and monitors nothing reads no contact.
    setup.grants = vec![RoleGrants {
        role: Role::Agent,
        permissions: vec![
            Permission::TakeChat,
            Permission::Reply,
            Permission::EditContact,
        ],
    }];
    api.setup(&setup).await?;
    for path in [path.clone(), "/api/v1/agent/contacts".to_owned()] {
        let refused = get(&api, &anna.token, &path).await?;
        assert_eq!(
            (refused.status, refused.code()?),
            (403, ErrorCode::Forbidden),
            "{path}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_closed_chats_text_is_searchable_but_never_an_internal_line() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (chat, _socket) = api
        .first_message(&visitor, "My parcel zebra42 is lost")
        .await?;
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let sam = api.login("sam@demo.test").await?;
    let mut ben_inbox = api.inbox(&ben.token).await?;
    ben_inbox.drain_inbox(Duration::from_millis(200)).await;
    assert_eq!(api.status(&ben.token, "available").await?.status, 200);
    assert_eq!(api.take(&anna.token, &chat).await?.status, 200);
    let forwarded = api
        .act(
            &anna.token,
            &chat,
            "forward",
            serde_json::json!({ "agent": ben.agent.id, "comment": "secretword about this customer" }),
        )
        .await?;
    assert_eq!(forwarded.status, 200, "{}", forwarded.body);
    let closed = api
        .act(
            &ben.token,
            &chat,
            "close",
            serde_json::json!({ "comment": "Found it" }),
        )
        .await?;
    assert_eq!(closed.status, 200, "{}", closed.body);

    let contact = id(&visitor);
    let mut found = Vec::new();
    for _ in 0..20 {
        found = history(&api, &ben.token, contact, "zebr").await?;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found, [chat.clone()]);
    assert_eq!(
        history(&api, &ben.token, contact, "parcel LOST").await?,
        [chat.clone()]
    );
    assert!(
        history(&api, &ben.token, contact, "secretword")
            .await?
            .is_empty(),
        "an internal line was searchable"
    );
    assert!(history(&api, &ben.token, contact, "customer")
        .await?
        .is_empty());
    assert_eq!(
        history(&api, &ben.token, contact, "").await?,
        [chat.clone()]
    );
    assert_eq!(
        history(&api, &ben.token, contact, "\"zebra42\" *").await?,
        [chat.clone()]
    );
    assert!(
        history(&api, &ben.token, contact, "zebra42 OR lost")
            .await?
            .is_empty(),
        "OR is a word"
    );
    // Closed, with its agent and times.
    let detail: ContactDetail = get(
        &api,
        &anna.token,
        &format!("/api/v1/agent/contacts/{contact}"),
    )
    .await?
    .json()?;
    let line = &detail.conversations[0];
    assert_eq!(line.status, ConversationStatus::Closed);
    assert_eq!(line.agent.as_ref().map(|a| a.name.as_str()), Some("Ben"));
    assert!(line.closed_at.unwrap() >= line.created_at);
    // An agent of another department reads the contact, not the chat.
    assert!(history(&api, &sam.token, contact, "").await?.is_empty());
    let seen: ContactDetail = get(
        &api,
        &sam.token,
        &format!("/api/v1/agent/contacts/{contact}"),
    )
    .await?
    .json()?;
    assert!(seen.conversations.is_empty());
    let refused = get(
        &api,
        &sam.token,
        &format!("/api/v1/agent/conversations/{chat}/contact"),
    )
    .await?;
    assert_eq!(refused.status, 403, "{}", refused.body);
    Ok(())
}
