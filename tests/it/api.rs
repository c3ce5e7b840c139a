//! The HTTP API for a site's own systems (API tokens) against the real
//! worker: every route, its successes and its refusals, each answer's body
//! validated against the OpenAPI document the worker serves for that
//! path, method and status; the document itself checked as OpenAPI 3.1
//! and against the routes the worker answers. Scopes, revoked tokens,
//! another workspace's ids, a close that frees the agent and reaches the
//! visitor's socket, tags checked against the workspace's list.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use shared::admin::{ApiScope, ApiTokenCreated};
use shared::api::{RoutingSetup, WorkspaceSetup};
use shared::contacts::{ContactDetail, ContactPage};
use shared::frame::{ConversationStatus, ErrorCode, MessageKind, SendKind, ServerFrame};
use shared::inbox::ConversationSummary;
use shared::integration::{ConversationDetail, ConversationList, ROUTES};
use shared::routing::Algorithm;
use std::time::Duration;
use tests::openapi::{check_document, response_schema};
use tests::{Answer, Api, Socket, Worker};

/// An API client that checks every answer against the document.
struct Checked {
    api: Api,
    doc: Value,
}

impl Checked {
    /// `method` on `template` (the document's path) at `path`; the answer
    /// must be documented for its status and match that schema.
    async fn call(
        &self,
        method: &str,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Answer> {
        let answer = self
            .api
            .raw(
                &method.to_uppercase(),
                path,
                token,
                body.map(|b| b.to_string()),
            )
            .await?;
        let status = answer.status;
        let documented = &self.doc["paths"][template][method]["responses"];
        if status < 500 && documented.get(status.to_string()).is_none() {
            bail!(
                "{method} {path}: {status} is not documented: {}",
                answer.body
            );
        }
        let schema = response_schema(&self.doc, method, template, status)?;
        let validator = jsonschema::draft202012::new(&schema)
            .map_err(|e| anyhow::anyhow!("{method} {template} {status}: {e}"))?;
        let value: Value = serde_json::from_str(&answer.body)
            .with_context(|| format!("{method} {path}: {status} {}", answer.body))?;
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            bail!(
                "{method} {path} {status} does not match the document: {errors:?}\n{}",
                answer.body
            );
        }
        Ok(answer)
    }

    async fn expect(
        &self,
        method: &str,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        status: u16,
    ) -> Result<Answer> {
        let answer = self.call(method, template, path, token, body).await?;
        if answer.status != status {
            bail!(
                "{method} {path}: expected {status}, got {} {}",
                answer.status,
                answer.body
            );
        }
        Ok(answer)
    }
}

/// An API token of `workspace` made by its manager Mark.
async fn token(api: &Api, workspace: &str, scopes: &[ApiScope]) -> Result<ApiTokenCreated> {
    let mark = api.login_to(workspace, "mark@demo.test").await?;
    api.post(
        "/api/v1/admin/api-tokens",
        Some(&mark.token),
        &json!({ "name": "CRM", "scopes": scopes }),
    )
    .await
}

const ALL: &[ApiScope] = &[
    ApiScope::ConversationsRead,
    ApiScope::ConversationsWrite,
    ApiScope::ContactsRead,
    ApiScope::ContactsWrite,
    ApiScope::OfflineRead,
    ApiScope::ReportsRead,
];

/// A second workspace, "apib": the demo's people and site, one chat per
/// agent at most.
async fn workspace_b(api: &Api) -> Result<()> {
    let mut setup: WorkspaceSetup = tests::demo_workspace()?;
    setup.workspace = "apib".into();
    setup.routing = Some(RoutingSetup {
        algorithm: Algorithm::ManualSelection,
        capacity: Some(1),
        offer_timeout_ms: 30_000,
        grace_ms: 60_000,
        departments: vec![],
    });
    api.setup(&setup).await
}

async fn send(socket: &mut Socket, client_id: &str, text: &str, kind: SendKind) -> Result<()> {
    socket
        .send(&shared::frame::ClientFrame::Send {
            client_id: client_id.into(),
            text: text.into(),
            kind,
        })
        .await?;
    match socket
        .recv_until(|f| matches!(f, ServerFrame::Ack { .. } | ServerFrame::Error { .. }))
        .await?
    {
        ServerFrame::Ack { .. } => Ok(()),
        other => bail!("not stored: {other:?}"),
    }
}

#[tokio::test]
async fn every_route_answers_as_its_openapi_document_says() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();

    // The document: served without a token, the committed one, OpenAPI
    // 3.1, and exactly the routes below (which the worker answers).
    let (status, kind, bytes) = api.bytes("/api/v1/openapi.json", None).await?;
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/json"), "{kind}");
    let doc: Value = serde_json::from_slice(&bytes)?;
    assert_eq!(
        doc,
        tests::openapi::document()?,
        "the worker serves the current document"
    );
    let routes: Vec<(&str, &str)> = ROUTES.iter().map(|(m, p, _)| (*m, *p)).collect();
    check_document(&doc, &routes)?;
    let api_b = api.clone();
    let c = Checked { api, doc };
    c.expect(
        "get",
        "/api/v1/openapi.json",
        "/api/v1/openapi.json",
        None,
        None,
        200,
    )
    .await?;

    // No token, or not one of ours: 401 on every route that needs one.
    for (method, template, scope) in ROUTES {
        if scope.is_none() {
            continue;
        }
        let path = template.replace("{id}", "x1");
        let body = matches!(*method, "post" | "put" | "patch").then(|| json!({}));
        let a = c
            .expect(method, template, &path, None, body.clone(), 401)
            .await?;
        assert_eq!(a.code()?, ErrorCode::Unauthorized);
        let a = c
            .expect(method, template, &path, Some("lct_demo_00ff"), body, 401)
            .await?;
        assert_eq!(a.code()?, ErrorCode::Unauthorized);
    }

    let full = token(&c.api, "demo", ALL).await?;
    let t = Some(full.token.as_str());

    // A chat: the visitor writes, Anna takes it and writes a note, Mark
    // whispers to her.
    let visitor = c.api.visitor().await?;
    let (id, mut live) = c.api.first_message(&visitor, "My invoice is wrong").await?;
    let anna = c.api.login("anna@demo.test").await?;
    let mark = c.api.login("mark@demo.test").await?;
    assert_eq!(c.api.take(&anna.token, &id).await?.status, 200);
    let (mut anna_socket, _) = c.api.join(&id, &anna.token, 0).await?;
    let (mut mark_socket, _) = c.api.join(&id, &mark.token, 0).await?;
    send(&mut anna_socket, "n-1", "VIP customer", SendKind::Note).await?;
    send(&mut mark_socket, "w-1", "offer a refund", SendKind::Whisper).await?;
    send(&mut anna_socket, "a-1", "Let me look", SendKind::Text).await?;
    let other_visitor = c.api.visitor().await?;
    let (queued, _other_live) = c.api.first_message(&other_visitor, "Hello?").await?;

    // Conversations: the list, its filters, pages and refusals.
    let conv = "/api/v1/conversations";
    let list: ConversationList = c.expect("get", conv, conv, t, None, 200).await?.json()?;
    let ids: Vec<&str> = list.conversations.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, [queued.as_str(), id.as_str()], "newest first");
    let active: ConversationList = c
        .expect(
            "get",
            conv,
            &format!("{conv}?status=active&department=support"),
            t,
            None,
            200,
        )
        .await?
        .json()?;
    assert_eq!(active.conversations.len(), 1);
    assert_eq!(
        active.conversations[0]
            .agent
            .as_ref()
            .map(|a| a.name.as_str()),
        Some("Anna")
    );
    assert_eq!(active.conversations[0].contact, visitor.visitor_id.0);
    let first: ConversationList = c
        .expect("get", conv, &format!("{conv}?limit=1"), t, None, 200)
        .await?
        .json()?;
    let cursor = first.next_cursor.clone().context("a second page")?;
    let second: ConversationList = c
        .expect(
            "get",
            conv,
            &format!("{conv}?limit=1&cursor={cursor}"),
            t,
            None,
            200,
        )
        .await?
        .json()?;
    assert_eq!(second.conversations[0].id.as_str(), id);
    assert_eq!(second.next_cursor, None);
    for bad in [
        "status=new",
        "limit=0",
        "from=x",
        "cursor=nope",
        "colour=red",
        "from=5&to=5",
    ] {
        let a = c
            .expect("get", conv, &format!("{conv}?{bad}"), t, None, 400)
            .await?;
        assert_eq!(a.code()?, ErrorCode::BadRequest, "{bad}");
    }

    // One conversation: its messages as agents read them, never a whisper.
    let one = "/api/v1/conversations/{id}";
    let read: ConversationDetail = c
        .expect("get", one, &format!("{conv}/{id}"), t, None, 200)
        .await?
        .json()?;
    let texts: Vec<&str> = read.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts.contains(&"My invoice is wrong") && texts.contains(&"VIP customer"),
        "{texts:?}"
    );
    assert!(
        !texts.contains(&"offer a refund"),
        "a whisper never reaches the API: {texts:?}"
    );
    assert!(read.messages.iter().all(|m| m.kind != MessageKind::Whisper));
    assert_eq!(read.room.conversation.status, ConversationStatus::Active);
    let paged: ConversationDetail = c
        .expect(
            "get",
            one,
            &format!("{conv}/{id}?after=0&limit=1"),
            t,
            None,
            200,
        )
        .await?
        .json()?;
    assert_eq!(paged.messages.len(), 1);
    assert_eq!(paged.next_after, Some(paged.messages[0].seq));
    c.expect("get", one, &format!("{conv}/{id}?limit=5000"), t, None, 400)
        .await?;
    c.expect("get", one, &format!("{conv}/c_nothing"), t, None, 404)
        .await?;
    c.expect("get", one, &format!("{conv}/bad%20id"), t, None, 404)
        .await?;

    // Tags, checked against the workspace's list once it restricts them.
    let tags = "/api/v1/conversations/{id}/tags";
    let tagged: ConversationSummary = c
        .expect(
            "put",
            tags,
            &format!("{conv}/{id}/tags"),
            t,
            Some(json!({ "tags": ["Anything"] })),
            200,
        )
        .await?
        .json()?;
    assert_eq!(tagged.id.as_str(), id);
    let restrict = c
        .api
        .raw(
            "PUT",
            "/api/v1/admin/settings/labels",
            Some(&mark.token),
            Some(json!({ "tags": ["Billing", "VIP"], "dispositions": ["Solved"], "restrict_tags": true }).to_string()),
        )
        .await?;
    assert_eq!(restrict.status, 200, "{}", restrict.body);
    let refused = c
        .expect(
            "put",
            tags,
            &format!("{conv}/{id}/tags"),
            t,
            Some(json!({ "tags": ["Nonsense"] })),
            400,
        )
        .await?;
    assert!(refused.body.contains("Nonsense"), "{}", refused.body);
    c.expect(
        "put",
        tags,
        &format!("{conv}/{id}/tags"),
        t,
        Some(json!({ "tags": ["billing"] })),
        200,
    )
    .await?;
    let room: ConversationDetail = c
        .expect("get", one, &format!("{conv}/{id}"), t, None, 200)
        .await?
        .json()?;
    assert_eq!(room.room.tags, ["Billing"], "stored as the list spells it");
    c.expect(
        "put",
        tags,
        &format!("{conv}/{id}/tags"),
        t,
        Some(json!({ "tag": "x" })),
        400,
    )
    .await?;
    c.expect(
        "put",
        tags,
        &format!("{conv}/c_nothing/tags"),
        t,
        Some(json!({ "tags": [] })),
        404,
    )
    .await?;

    // Close: refusals first, then the close the visitor sees.
    let close = "/api/v1/conversations/{id}/close";
    let path = format!("{conv}/{id}/close");
    c.expect(
        "post",
        close,
        &path,
        t,
        Some(json!({ "comment": " " })),
        400,
    )
    .await?;
    let a = c
        .expect(
            "post",
            close,
            &path,
            t,
            Some(json!({ "comment": "Done", "disposition": "Lost" })),
            400,
        )
        .await?;
    assert!(a.body.contains("Lost"), "{}", a.body);
    c.expect("post", close, &path, t, Some(json!("text")), 400)
        .await?;
    let _ = live.drain(Duration::from_millis(300)).await;
    let closed: ConversationSummary = c
        .expect(
            "post",
            close,
            &path,
            t,
            Some(json!({ "comment": "Refunded by the CRM", "tags": ["VIP"], "disposition": "Solved" })),
            200,
        )
        .await?
        .json()?;
    assert_eq!(closed.status, ConversationStatus::Closed);
    let frames = live.drain(Duration::from_millis(800)).await;
    assert!(
        frames.iter().any(|f| matches!(f, ServerFrame::State { conversation } if conversation.status == ConversationStatus::Closed)),
        "the visitor's socket sees the close: {frames:?}"
    );
    assert!(
        frames.iter().any(|f| matches!(f, ServerFrame::Message(m)
            if m.kind == MessageKind::System && m.text.ends_with("closed the chat: Refunded by the CRM"))),
        "the usual system line: {frames:?}"
    );
    c.expect(
        "post",
        close,
        &path,
        t,
        Some(json!({ "comment": "again" })),
        404,
    )
    .await?;
    let read: ConversationDetail = c
        .expect("get", one, &format!("{conv}/{id}"), t, None, 200)
        .await?
        .json()?;
    assert_eq!(read.room.conversation.status, ConversationStatus::Closed);
    assert_eq!(
        read.room.closing_comment.as_deref(),
        Some("Refunded by the CRM")
    );
    assert_eq!(read.room.disposition.as_deref(), Some("Solved"));
    // The closed chat is listed from the contacts store once filed there.
    let mut found = false;
    for _ in 0..40 {
        let closed: ConversationList = c
            .expect("get", conv, &format!("{conv}?status=closed"), t, None, 200)
            .await?
            .json()?;
        if closed
            .conversations
            .iter()
            .any(|x| x.id.as_str() == id && x.closed_at.is_some())
        {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "the closed chat is listed as closed");

    // Contacts: search, read, create, update, and their refusals.
    let contacts = "/api/v1/contacts";
    let contact = "/api/v1/contacts/{id}";
    let page: ContactPage = c
        .expect("get", contacts, contacts, t, None, 200)
        .await?
        .json()?;
    assert!(page.contacts.iter().any(|x| x.id == visitor.visitor_id.0));
    c.expect(
        "get",
        contacts,
        &format!("{contacts}?limit=99"),
        t,
        None,
        400,
    )
    .await?;
    c.expect(
        "get",
        contacts,
        &format!("{contacts}?sort=name"),
        t,
        None,
        400,
    )
    .await?;
    let detail: ContactDetail = c
        .expect(
            "get",
            contact,
            &format!("{contacts}/{}", visitor.visitor_id.0),
            t,
            None,
            200,
        )
        .await?
        .json()?;
    assert!(detail.conversations.iter().any(|x| x.id.as_str() == id));
    c.expect(
        "get",
        contact,
        &format!("{contacts}/v_nobody"),
        t,
        None,
        404,
    )
    .await?;
    let made: ContactDetail = c
        .expect(
            "post",
            contacts,
            contacts,
            t,
            Some(json!({ "name": "Ada Lovelace", "email": "ada@example.com" })),
            201,
        )
        .await?
        .json()?;
    assert_eq!(made.contact.name, "Ada Lovelace");
    let signed = json!({ "name": "Grace", "site": "website", "user_id": "42" });
    let grace: ContactDetail = c
        .expect("post", contacts, contacts, t, Some(signed.clone()), 201)
        .await?
        .json()?;
    assert!(grace.contact.id.starts_with('u'), "{}", grace.contact.id);
    assert_eq!(
        c.expect("post", contacts, contacts, t, Some(signed), 409)
            .await?
            .code()?,
        ErrorCode::Conflict
    );
    for bad in [
        json!({ "name": "A", "email": "nope" }),
        json!({ "name": "" }),
        json!({ "name": "A", "colour": "red" }),
        json!({ "name": "A", "site": "nosuch", "user_id": "1" }),
        json!({ "name": "A", "user_id": "1" }),
        json!({ "name": "A", "manager": "a_nobody" }),
    ] {
        let a = c
            .expect("post", contacts, contacts, t, Some(bad.clone()), 400)
            .await?;
        assert_eq!(a.code()?, ErrorCode::BadRequest, "{bad}");
    }
    let ada = format!("{contacts}/{}", made.contact.id);
    let edited: ContactDetail = c
        .expect(
            "patch",
            contact,
            &ada,
            t,
            Some(json!({ "phone": "+1 555 0100", "custom_fields": { "plan": "gold" } })),
            200,
        )
        .await?
        .json()?;
    assert_eq!(edited.contact.phone.as_deref(), Some("+1 555 0100"));
    c.expect(
        "patch",
        contact,
        &ada,
        t,
        Some(json!({ "phone": "call me" })),
        400,
    )
    .await?;
    c.expect(
        "patch",
        contact,
        &format!("{contacts}/v_nobody"),
        t,
        Some(json!({ "name": "B" })),
        404,
    )
    .await?;
    let found: ContactPage = c
        .expect(
            "get",
            contacts,
            &format!("{contacts}?q=5550100"),
            t,
            None,
            200,
        )
        .await?
        .json()?;
    assert_eq!(found.contacts.len(), 1);

    // Offline messages.
    let offline = "/api/v1/offline-messages";
    let left = c
        .api
        .raw(
            "POST",
            "/api/v1/visitor/offline",
            None,
            Some(json!({ "site_key": "demo.website", "name": "Ana", "email": "ana@example.com", "message": "Call me" }).to_string()),
        )
        .await?;
    assert_eq!(left.status, 200, "{}", left.body);
    let messages: Vec<shared::api::OfflineMessage> = c
        .expect("get", offline, offline, t, None, 200)
        .await?
        .json()?;
    assert!(messages.iter().any(|m| m.message == "Call me"));
    c.expect(
        "get",
        offline,
        &format!("{offline}?department=x"),
        t,
        None,
        400,
    )
    .await?;

    // Reports: the closed chat is counted once filed, under Anna's name,
    // as its manager reads the same period; one table as CSV; a bad
    // period says why.
    let reports = "/api/v1/reports";
    let period = format!(
        "{reports}?from={}&to={}",
        tests::now_ms() - 3_600_000,
        tests::now_ms() + 3_600_000
    );
    let anna_id = anna.agent.id.0.clone();
    let mut counted = None;
    for _ in 0..50 {
        let report: shared::admin::Report = c
            .expect("get", reports, &period, t, None, 200)
            .await?
            .json()?;
        if report.by_agent.iter().any(|r| r.key == anna_id) {
            counted = Some(report);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let report = counted.context("the closed chat reaches the report")?;
    let row = report.by_agent.iter().find(|r| r.key == anna_id).unwrap();
    assert!(row.answered >= 1, "{row:?}");
    assert!(row.label.starts_with("Anna"), "named: {row:?}");
    let as_manager: shared::admin::Report = c
        .api
        .raw("GET", &period, Some(&mark.token), None)
        .await?
        .json()?;
    assert_eq!(
        as_manager, report,
        "a token reads what its workspace's manager reads"
    );
    let csv = c
        .api
        .raw(
            "GET",
            &format!("{period}&format=csv&table=by_agent"),
            t,
            None,
        )
        .await?;
    assert_eq!(csv.status, 200, "{}", csv.body);
    // A header, a line per agent, the totals.
    assert_eq!(
        csv.body.lines().count(),
        report.by_agent.len() + 2,
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .lines()
            .last()
            .unwrap_or_default()
            .starts_with("total,"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains(&row.label), "{}", csv.body);
    let bad = c
        .expect(
            "get",
            reports,
            &format!("{reports}?from=5&to=1"),
            t,
            None,
            400,
        )
        .await?;
    assert_eq!(bad.code()?, ErrorCode::BadRequest);

    // Scopes: a token that reads contacts reads them, and nothing else.
    let reader = token(&c.api, "demo", &[ApiScope::ContactsRead]).await?;
    let r = Some(reader.token.as_str());
    c.expect("get", contacts, contacts, r, None, 200).await?;
    c.expect("get", contact, &ada, r, None, 200).await?;
    for (method, template, path, body) in [
        (
            "post",
            contacts,
            contacts.to_string(),
            Some(json!({ "name": "B" })),
        ),
        ("patch", contact, ada.clone(), Some(json!({ "name": "B" }))),
        ("get", conv, conv.to_string(), None),
        ("get", one, format!("{conv}/{id}"), None),
        (
            "post",
            close,
            format!("{conv}/{queued}/close"),
            Some(json!({ "comment": "x" })),
        ),
        (
            "put",
            tags,
            format!("{conv}/{queued}/tags"),
            Some(json!({ "tags": [] })),
        ),
        ("get", offline, offline.to_string(), None),
        ("get", reports, reports.to_string(), None),
    ] {
        let a = c.expect(method, template, &path, r, body, 403).await?;
        assert_eq!(a.code()?, ErrorCode::Forbidden, "{method} {path}");
    }

    // A revoked token is refused at once.
    let revoke = c
        .api
        .raw(
            "DELETE",
            &format!("/api/v1/admin/api-tokens/{}", reader.info.id),
            Some(&mark.token),
            None,
        )
        .await?;
    assert_eq!(revoke.status, 200, "{}", revoke.body);
    c.expect("get", contacts, contacts, r, None, 401).await?;

    // Another workspace: its token never reaches the demo's ids, and the
    // demo's never reaches its own.
    workspace_b(&api_b).await?;
    let b = token(&c.api, "apib", ALL).await?;
    let tb = Some(b.token.as_str());
    let b_visitor = c.api.visitor_of("apib.website").await?;
    let (b_id, _b_live) = c.api.first_message(&b_visitor, "Hi from B").await?;
    for (token, conversation, visitor_id) in [
        (tb, id.as_str(), visitor.visitor_id.0.as_str()),
        (t, b_id.as_str(), b_visitor.visitor_id.0.as_str()),
    ] {
        c.expect(
            "get",
            one,
            &format!("{conv}/{conversation}"),
            token,
            None,
            404,
        )
        .await?;
        c.expect(
            "post",
            close,
            &format!("{conv}/{conversation}/close"),
            token,
            Some(json!({ "comment": "x" })),
            404,
        )
        .await?;
        c.expect(
            "put",
            tags,
            &format!("{conv}/{conversation}/tags"),
            token,
            Some(json!({ "tags": [] })),
            404,
        )
        .await?;
        c.expect(
            "get",
            contact,
            &format!("{contacts}/{visitor_id}"),
            token,
            None,
            404,
        )
        .await?;
        c.expect(
            "patch",
            contact,
            &format!("{contacts}/{visitor_id}"),
            token,
            Some(json!({ "name": "X" })),
            404,
        )
        .await?;
    }
    let b_report: shared::admin::Report = c
        .expect("get", reports, &period, tb, None, 200)
        .await?
        .json()?;
    assert_eq!(
        b_report.totals.chats, 0,
        "another workspace's report: {b_report:?}"
    );
    let b_list: ConversationList = c.expect("get", conv, conv, tb, None, 200).await?.json()?;
    let b_ids: Vec<&str> = b_list.conversations.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(b_ids, [b_id.as_str()]);
    Ok(())
}

#[tokio::test]
async fn a_close_by_the_api_frees_the_agent() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    workspace_b(&api).await?;
    let b = token(&api, "apib", ALL).await?;
    let anna = api.login_to("apib", "anna@demo.test").await?;
    assert_eq!(api.status(&anna.token, "available").await?.status, 200);
    let first = api.visitor_of("apib.website").await?;
    let (one, mut live) = api.first_message(&first, "first").await?;
    let second = api.visitor_of("apib.website").await?;
    let (two, _) = api.first_message(&second, "second").await?;
    assert_eq!(api.take(&anna.token, &one).await?.status, 200);
    let full = api.take(&anna.token, &two).await?;
    assert_ne!(full.status, 200, "one chat at most: {}", full.body);
    let _ = live.drain(Duration::from_millis(300)).await;
    let closed = api
        .raw(
            "POST",
            &format!("/api/v1/conversations/{one}/close"),
            Some(&b.token),
            Some(json!({ "comment": "Handled by phone" }).to_string()),
        )
        .await?;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let frames = live.drain(Duration::from_millis(800)).await;
    assert!(
        frames.iter().any(|f| matches!(f, ServerFrame::Message(m) if m.text.ends_with("closed the chat: Handled by phone"))),
        "{frames:?}"
    );
    let taken = api.take(&anna.token, &two).await?;
    assert_eq!(taken.status, 200, "the slot is free again: {}", taken.body);
    Ok(())
}
