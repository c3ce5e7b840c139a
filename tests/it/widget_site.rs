//! A site's widget settings against the real worker: the site's
//! configuration, allowed origins on every kind of visitor route (and the
//! secret that stands in for an Origin), the frame page's
//! `frame-ancestors`, signed identities across devices, the pre-chat form,
//! ratings and a visitor's transcript emails.

use anyhow::Result;
use chat_core::site::identity_hash;
use serde_json::{json, Value};
use shared::api::{ConversationStarted, VisitorSession};
use shared::frame::ErrorCode;
use shared::site::{IdentityStatus, SiteConfig};
use tests::{demo_workspace, Answer, Socket, Worker, SETUP_TOKEN, SITE_KEY};

/// The demo site's secret and one origin it allows
/// (`scripts/demo-workspace.json`).
const SECRET: &str = "demo-site-secret-0123456789";
const ALLOWED: &str = "http://127.0.0.1:8790";
const EVIL: &str = "https://evil.example";

/// A request with exactly these headers (no default `Origin`).
async fn send(
    worker: &Worker,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Result<(u16, reqwest::header::HeaderMap, String)> {
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse()?, worker.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Ok((status, headers, resp.text().await?))
}

#[track_caller]
fn refused_origin(status: u16, body: &str) {
    assert_eq!(status, 403, "{body}");
    let answer = Answer {
        status,
        body: body.to_owned(),
    };
    assert_eq!(
        answer.code().ok(),
        Some(ErrorCode::OriginNotAllowed),
        "{body}"
    );
}

fn session_body(user: Option<Value>) -> Value {
    match user {
        Some(u) => json!({ "site_key": SITE_KEY, "user": u }),
        None => json!({ "site_key": SITE_KEY }),
    }
}

#[tokio::test]
async fn the_site_config_is_public_settings_only() -> Result<()> {
    let worker = Worker::start().await?;
    let mut setup = demo_workspace()?;
    setup.sites[0].prechat = Some(serde_json::from_value(json!({
        "name": "optional", "email": "optional", "departments": ["support", "sales"],
        "fields": [{ "id": "order", "label": "Order number", "required": false }],
        "skippable": true
    }))?);
    worker.api().setup(&setup).await?;
    let path = format!("/api/v1/visitor/site?site_key={SITE_KEY}");
    let own = worker.origin();
    let (status, headers, body) = send(&worker, "GET", &path, &[("origin", &own)], None).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("max-age=60")
    );
    let config: SiteConfig = serde_json::from_str(&body)?;
    assert_eq!(config.site_key, SITE_KEY);
    assert_eq!(config.name, "Acme website");
    assert_eq!(config.department, "support");
    assert!(!config.online, "nobody is available");
    assert_eq!(config.theme.color, "#2563eb");
    let prechat = config.prechat.expect("the site has a pre-chat form");
    let names: Vec<&str> = prechat
        .departments
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(names, ["Support", "Sales"]);
    assert!(!body.contains(SECRET), "the secret leaked: {body}");
    assert!(!body.contains("allowed_origins"), "{body}");
    // From an allowed page too (the loader asks from the host page).
    // The frame's own GETs carry no Origin: a browser marks them
    // same-origin instead (a header no page can set).
    let (status, _, body) = send(
        &worker,
        "GET",
        &path,
        &[("sec-fetch-site", "same-origin")],
        None,
    )
    .await?;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = send(
        &worker,
        "GET",
        &path,
        &[("sec-fetch-site", "cross-site")],
        None,
    )
    .await?;
    assert_eq!(status, 403, "{body}");
    // The loader reads it cross-origin: the answer names that origin.
    let (status, headers, body) = send(&worker, "GET", &path, &[("origin", ALLOWED)], None).await?;
    assert_eq!(status, 200, "{body}");
    let allow = |h: &reqwest::header::HeaderMap| {
        h.get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(allow(&headers).as_deref(), Some(ALLOWED));
    // A refused page may read why (the loader prints it), nothing more.
    let (status, headers, body) = send(&worker, "GET", &path, &[("origin", EVIL)], None).await?;
    assert_eq!(status, 403, "{body}");
    assert_eq!(allow(&headers).as_deref(), Some(EVIL));
    assert!(!body.contains("Acme website"), "{body}");
    let (status, _, body) = send(
        &worker,
        "GET",
        "/api/v1/visitor/site?site_key=demo.nosuch",
        &[("origin", &own)],
        None,
    )
    .await?;
    assert_eq!(status, 404, "{body}");
    Ok(())
}

#[tokio::test]
async fn origins_are_checked_on_every_visitor_route() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let own = worker.origin();
    let evil = [("origin", EVIL)];

    // Session: refused from another origin, allowed from the site's own,
    // the worker's, and without an Origin only with the site's secret.
    let session = "/api/v1/visitor/session";
    let (status, _, body) = send(&worker, "POST", session, &evil, Some(session_body(None))).await?;
    refused_origin(status, &body);
    assert!(body.contains(EVIL) && body.contains(SITE_KEY), "{body}");
    for headers in [
        vec![("origin", ALLOWED)],
        vec![("origin", own.as_str())],
        vec![("x-site-secret", SECRET)],
    ] {
        let (status, _, body) =
            send(&worker, "POST", session, &headers, Some(session_body(None))).await?;
        assert_eq!(status, 200, "{headers:?}: {body}");
    }
    for headers in [vec![], vec![("x-site-secret", "demo-site-secret-WRONG")]] {
        let (status, _, body) =
            send(&worker, "POST", session, &headers, Some(session_body(None))).await?;
        refused_origin(status, &body);
        assert!(body.contains("without an Origin"), "{body}");
    }
    // Site configuration and availability.
    for path in [
        format!("/api/v1/visitor/site?site_key={SITE_KEY}"),
        format!("/api/v1/visitor/availability?site_key={SITE_KEY}"),
    ] {
        let (status, _, body) = send(&worker, "GET", &path, &evil, None).await?;
        refused_origin(status, &body);
    }

    // A conversation's routes, with a genuine visitor token.
    let visitor = api.visitor().await?;
    let bearer = format!("Bearer {}", visitor.token);
    let (status, _, body) = send(
        &worker,
        "POST",
        "/api/v1/visitor/conversations",
        &[("origin", EVIL), ("authorization", &bearer)],
        Some(json!({})),
    )
    .await?;
    refused_origin(status, &body);
    let (id, _socket) = api.first_message(&visitor, "hello").await?;
    for (method, path, body) in [
        (
            "GET",
            format!("/api/v1/visitor/conversations/{id}/queue"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/visitor/conversations/{id}/rating"),
            Some(json!({ "score": 5 })),
        ),
        (
            "POST",
            format!("/api/v1/visitor/conversations/{id}/transcript"),
            Some(json!({ "email": "ada@example.com" })),
        ),
        (
            "POST",
            format!("/api/v1/conversations/{id}/files?name=a.txt&client_id=f-1"),
            None,
        ),
    ] {
        let (status, _, answer) = send(
            &worker,
            method,
            &path,
            &[("origin", EVIL), ("authorization", &bearer)],
            body,
        )
        .await?;
        refused_origin(status, &answer);
    }

    // The socket upgrade: refused with an HTTP answer, no socket opens.
    let url = worker.ws_url(&format!(
        "/api/v1/conversations/{id}/ws?token={}",
        visitor.token
    ));
    let refused = Socket::connect_from(&url, Some(EVIL)).await;
    let err = format!("{:#}", refused.err().expect("refused"));
    assert!(err.contains("403"), "{err}");
    assert!(Socket::connect_from(&url, Some(ALLOWED)).await.is_ok());
    assert!(
        Socket::connect_from(&url, None).await.is_err(),
        "no Origin, no secret"
    );
    // An agent's socket is not a visitor's: no origin rule.
    let anna = api.login("anna@demo.test").await?;
    let agent_url = worker.ws_url(&format!("/api/v1/agent/inbox?token={}", anna.token));
    assert!(Socket::connect_from(&agent_url, Some(EVIL)).await.is_ok());

    // Offline messages.
    let offline = json!({ "site_key": SITE_KEY, "name": "Ada", "email": "ada@example.com",
                          "message": "Call me" });
    let (status, _, body) = send(
        &worker,
        "POST",
        "/api/v1/visitor/offline",
        &evil,
        Some(offline.clone()),
    )
    .await?;
    refused_origin(status, &body);
    let (status, _, body) = send(
        &worker,
        "POST",
        "/api/v1/visitor/offline",
        &[("origin", ALLOWED)],
        Some(offline),
    )
    .await?;
    assert_eq!(status, 200, "{body}");
    Ok(())
}

/// The worker keeps a site's options in memory for a few seconds; a
/// change an administrator makes counts from the next request on.
#[tokio::test]
async fn a_change_of_a_sites_origins_or_secret_counts_from_the_next_request() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mark = api.login("mark@demo.test").await?.token;
    let session = "/api/v1/visitor/session";
    let ask = |headers: Vec<(&'static str, String)>| {
        let worker = &worker;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            send(worker, "POST", session, &headers, Some(session_body(None))).await
        }
    };
    let from_page = || vec![("origin", ALLOWED.to_owned())];
    let with_secret = |s: &str| vec![("x-site-secret", s.to_owned())];
    // Both pass, and the options they read are kept.
    assert_eq!(ask(from_page()).await?.0, 200);
    assert_eq!(ask(with_secret(SECRET)).await?.0, 200);

    // A new secret: the old one is refused at once, the new one passes.
    let rotated: Value = api
        .expect("POST", "/api/v1/admin/sites/website/secret", &mark, None)
        .await?;
    let fresh = rotated["secret"].as_str().unwrap_or_default().to_owned();
    assert!(fresh.len() >= 32, "{rotated}");
    let (status, _, body) = ask(with_secret(SECRET)).await?;
    refused_origin(status, &body);
    assert_eq!(ask(with_secret(&fresh)).await?.0, 200);

    // The page's origin taken off the list: refused at once.
    let settings: Value = api
        .expect("GET", "/api/v1/admin/settings", &mark, None)
        .await?;
    let mut sites = settings["sites"].clone();
    sites[0]["allowed_origins"] = json!(["https://shop.example"]);
    let _: Value = api
        .expect("PUT", "/api/v1/admin/settings/sites", &mark, Some(&sites))
        .await?;
    let (status, _, body) = ask(from_page()).await?;
    refused_origin(status, &body);
    let shop = vec![("origin", "https://shop.example".to_owned())];
    assert_eq!(ask(shop).await?.0, 200);
    Ok(())
}

#[tokio::test]
async fn the_frame_page_names_its_site_s_origins_as_ancestors() -> Result<()> {
    let worker = Worker::start().await?;
    let csp = |h: &reqwest::header::HeaderMap| {
        h.get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (status, headers, body) = send(
        &worker,
        "GET",
        &format!("/widget/frame.html?site={SITE_KEY}"),
        &[],
        None,
    )
    .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        csp(&headers),
        "frame-ancestors 'self' http://127.0.0.1:8790 http://localhost:8790"
    );
    assert!(body.contains("<html") || body.contains("<!doctype") || body.contains("<!DOCTYPE"));
    assert!(headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html")));
    let (status, headers, _) = send(&worker, "GET", "/widget/frame.html", &[], None).await?;
    assert_eq!(status, 200);
    assert_eq!(csp(&headers), "frame-ancestors 'self'");
    let (status, _, _) = send(
        &worker,
        "GET",
        "/widget/frame.html?site=demo.nosuch",
        &[],
        None,
    )
    .await?;
    assert_eq!(status, 404);
    // The widget's Wasm is still a plain static asset.
    let (status, _, _) = send(&worker, "GET", "/widget/pkg/widget.js", &[], None).await?;
    assert_eq!(status, 200);
    Ok(())
}

async fn session(worker: &Worker, user: Value) -> Result<VisitorSession> {
    worker
        .api()
        .post("/api/v1/visitor/session", None, &session_body(Some(user)))
        .await
}

#[tokio::test]
async fn a_signed_user_is_the_same_visitor_on_every_device() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let hash = identity_hash(SECRET, "42");
    let ada = json!({ "id": "42", "name": "Ada Lovelace", "email": "ada@example.com",
                      "hash": hash });
    let first = session(&worker, ada.clone()).await?;
    assert_eq!(first.identity.status, IdentityStatus::Verified);
    assert_eq!(first.identity.reason, None);
    assert_eq!(first.conversation_id, None, "nothing open yet");
    let (id, _socket) = api.first_message(&first, "from my laptop").await?;

    // A second device: the same visitor, resuming the open conversation.
    let second = session(&worker, ada.clone()).await?;
    assert_eq!(second.identity.status, IdentityStatus::Verified);
    assert_eq!(second.visitor_id, first.visitor_id);
    assert_eq!(
        second.conversation_id.as_ref().map(|c| c.as_str()),
        Some(id.as_str())
    );
    let (_, welcome) = api.join(&id, &second.token, 0).await?;
    assert!(matches!(
        welcome,
        shared::frame::ServerFrame::Welcome { .. }
    ));

    // The contact is the user's, named as setUser says.
    let anna = api.login("anna@demo.test").await?;
    let contact_path = format!("/api/v1/agent/contacts/{}", first.visitor_id);
    let detail: Value = api
        .raw("GET", &contact_path, Some(&anna.token), None)
        .await?
        .json()?;
    assert_eq!(detail["contact"]["name"], "Ada Lovelace");
    assert_eq!(detail["contact"]["email"], "ada@example.com");
    assert_eq!(detail["contact"]["username"], "42");

    // A wrong hash, or none: a fresh anonymous visitor with the reason, who
    // never reaches the user's contact or conversation.
    for (user, why) in [
        (
            json!({ "id": "42", "name": "Mallory", "email": "m@evil.example",
                    "hash": identity_hash("another-secret-0123", "42") }),
            "does not match",
        ),
        (
            json!({ "id": "42", "name": "Mallory", "email": "m@evil.example" }),
            "no hash",
        ),
        (
            json!({ "id": "42", "name": "Mallory", "hash": "zz" }),
            "does not match",
        ),
    ] {
        let other = session(&worker, user).await?;
        assert_eq!(other.identity.status, IdentityStatus::Unverified);
        let reason = other.identity.reason.clone().unwrap_or_default();
        assert!(
            reason.contains(why) && reason.starts_with("setUser"),
            "{reason}"
        );
        assert_ne!(other.visitor_id, first.visitor_id);
        assert_eq!(other.conversation_id, None);
        let (other_id, _s) = api.first_message(&other, "am I Ada?").await?;
        assert_ne!(other_id, id);
    }
    let detail: Value = api
        .raw("GET", &contact_path, Some(&anna.token), None)
        .await?
        .json()?;
    assert_eq!(detail["contact"]["name"], "Ada Lovelace");
    assert_eq!(detail["contact"]["email"], "ada@example.com");
    // No user at all: anonymous, no reason.
    let anonymous = api.visitor().await?;
    assert_eq!(anonymous.identity.status, IdentityStatus::Anonymous);
    Ok(())
}

#[tokio::test]
async fn a_site_without_a_secret_verifies_nobody() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = demo_workspace()?;
    setup.sites[0].secret = None;
    api.setup(&setup).await?;
    let user = json!({ "id": "42", "hash": identity_hash(SECRET, "42") });
    let s = session(&worker, user).await?;
    assert_eq!(s.identity.status, IdentityStatus::Unverified);
    assert!(s.identity.reason.unwrap_or_default().contains("no secret"));
    Ok(())
}

async fn start(api: &tests::Api, visitor: &VisitorSession, body: Value) -> Result<Answer> {
    api.raw(
        "POST",
        "/api/v1/visitor/conversations",
        Some(&visitor.token),
        Some(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn the_prechat_form_is_checked_and_agents_see_its_answers() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = demo_workspace()?;
    setup.sites[0].prechat = Some(serde_json::from_value(json!({
        "name": "required", "email": "optional", "departments": ["support"],
        "fields": [{ "id": "order", "label": "Order number", "required": true }],
        "skippable": false
    }))?);
    api.setup(&setup).await?;
    let visitor = api.visitor().await?;
    for (body, field) in [
        (json!({ "fields": { "order": "A-1" } }), "name"),
        (json!({ "name": "Ada", "fields": {} }), "fields.order"),
        (
            json!({ "name": "Ada", "email": "nope", "fields": { "order": "1" } }),
            "email",
        ),
        (
            json!({ "name": "Ada", "fields": { "order": "1", "favourite colour": "red" } }),
            "fields.favourite colour",
        ),
        (
            json!({ "name": "Ada", "fields": { "order": "1" }, "department": "sales" }),
            "department",
        ),
        (
            json!({ "name": "Ada", "fields": { "order": "1" }, "language": "e s" }),
            "language",
        ),
    ] {
        let answer = start(&api, &visitor, body.clone()).await?;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(answer.code()?, ErrorCode::BadRequest);
        let message = answer.json::<Value>()?["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.starts_with(field), "{body}: {message}");
    }
    let answer = start(
        &api,
        &visitor,
        json!({ "name": " Ada ", "email": "ada@example.com", "fields": { "order": "A-17" },
                "language": "es" }),
    )
    .await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let id = answer.json::<ConversationStarted>()?.conversation_id.0;
    // The name is the conversation's visitor's; the answers are in room
    // information and on the contact.
    let (mut socket, welcome) = api.join(&id, &visitor.token, 0).await?;
    let shared::frame::ServerFrame::Welcome { conversation, .. } = welcome else {
        anyhow::bail!("no welcome");
    };
    assert_eq!(conversation.visitor.name, "Ada");
    socket
        .send(&shared::frame::ClientFrame::Send {
            client_id: "v-1".into(),
            text: "hi".into(),
            kind: Default::default(),
        })
        .await?;
    socket
        .recv_until(|f| matches!(f, shared::frame::ServerFrame::Ack { .. }))
        .await?;
    let mark = api.login("mark@demo.test").await?;
    let room = api
        .raw(
            "GET",
            &format!("/api/v1/agent/conversations/{id}/room"),
            Some(&mark.token),
            None,
        )
        .await?;
    assert_eq!(room.status, 200, "{}", room.body);
    let room: Value = room.json()?;
    assert_eq!(
        room["visitor"],
        json!({ "name": "Ada", "email": "ada@example.com", "fields": { "order": "A-17" },
                "language": "es" })
    );
    let contact: Value = api
        .raw(
            "GET",
            &format!("/api/v1/agent/contacts/{}", visitor.visitor_id),
            Some(&mark.token),
            None,
        )
        .await?
        .json()?;
    assert_eq!(contact["contact"]["name"], "Ada");
    assert_eq!(contact["contact"]["email"], "ada@example.com");
    assert_eq!(contact["contact"]["custom_fields"]["order"], "A-17");
    // A refused setup says why.
    let mut bad = demo_workspace()?;
    bad.sites[0].allowed_origins = vec!["https://shop.example/".into()];
    let refused = api
        .raw(
            "POST",
            "/api/v1/admin/setup",
            Some(SETUP_TOKEN),
            Some(serde_json::to_string(&bad)?),
        )
        .await?;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("https://shop.example/"),
        "{}",
        refused.body
    );
    Ok(())
}

#[tokio::test]
async fn a_closed_chat_is_rated_once_by_its_visitor_and_its_transcript_sent_three_times(
) -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (id, _socket) = api.first_message(&visitor, "my parcel is late").await?;
    let rating = format!("/api/v1/visitor/conversations/{id}/rating");
    let transcript = format!("/api/v1/visitor/conversations/{id}/transcript");
    let rate = |token: String, body: Value| {
        let api = api.clone();
        let path = rating.clone();
        async move {
            api.raw("POST", &path, Some(&token), Some(body.to_string()))
                .await
        }
    };
    // Not while open.
    let open = rate(visitor.token.clone(), json!({ "score": 5 })).await?;
    assert_eq!(open.status, 409, "{}", open.body);
    assert_eq!(open.code()?, ErrorCode::ConversationOpen);
    let early = api
        .raw(
            "POST",
            &transcript,
            Some(&visitor.token),
            Some(json!({ "email": "ada@example.com" }).to_string()),
        )
        .await?;
    assert_eq!(early.status, 409, "{}", early.body);

    let anna = api.login("anna@demo.test").await?;
    assert_eq!(api.take(&anna.token, &id).await?.status, 200);
    let closed = api
        .act(&anna.token, &id, "close", json!({ "comment": "Found it" }))
        .await?;
    assert_eq!(closed.status, 200, "{}", closed.body);

    // Someone else's conversation, an agent's token, bad scores.
    let stranger = api.visitor().await?;
    let other = rate(stranger.token.clone(), json!({ "score": 5 })).await?;
    assert_eq!(other.status, 403, "{}", other.body);
    let agent = rate(anna.token.clone(), json!({ "score": 5 })).await?;
    assert_eq!(agent.status, 401, "{}", agent.body);
    for bad in [
        json!({ "score": 0 }),
        json!({ "score": 6 }),
        json!({ "score": 300 }),
        json!({ "score": 3, "comment": "x".repeat(1_001) }),
        json!({}),
    ] {
        let answer = rate(visitor.token.clone(), bad.clone()).await?;
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
    }
    let ok = rate(
        visitor.token.clone(),
        json!({ "score": 2, "comment": "slow" }),
    )
    .await?;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json::<Value>()?, json!({ "ok": true }));
    let again = rate(
        visitor.token.clone(),
        json!({ "score": 5, "comment": "sorted, thanks" }),
    )
    .await?;
    assert_eq!(again.status, 200, "{}", again.body);
    let room: Value = api
        .raw(
            "GET",
            &format!("/api/v1/agent/conversations/{id}/room"),
            Some(&anna.token),
            None,
        )
        .await?
        .json()?;
    assert_eq!(room["rating"]["score"], 5);
    assert_eq!(room["rating"]["comment"], "sorted, thanks");

    // The transcript: three times, then 429; never someone else's.
    let ask = |token: String| {
        let api = api.clone();
        let path = transcript.clone();
        async move {
            api.raw(
                "POST",
                &path,
                Some(&token),
                Some(json!({ "email": "ada@example.com" }).to_string()),
            )
            .await
        }
    };
    let theirs = ask(stranger.token.clone()).await?;
    assert_eq!(theirs.status, 403, "{}", theirs.body);
    let bad_email = api
        .raw(
            "POST",
            &transcript,
            Some(&visitor.token),
            Some(json!({ "email": "nope" }).to_string()),
        )
        .await?;
    assert_eq!(bad_email.status, 400, "{}", bad_email.body);
    for _ in 0..3 {
        let sent = ask(visitor.token.clone()).await?;
        assert_eq!(sent.status, 200, "{}", sent.body);
    }
    let fourth = ask(visitor.token.clone()).await?;
    assert_eq!(fourth.status, 429, "{}", fourth.body);
    assert_eq!(fourth.code()?, ErrorCode::TooManyRequests);
    let sink = api
        .raw(
            "GET",
            "/api/v1/dev/mail?workspace=demo",
            Some(SETUP_TOKEN),
            None,
        )
        .await?;
    let mails: Vec<Value> = sink.json()?;
    assert_eq!(mails.len(), 3, "{}", sink.body);
    for mail in &mails {
        assert_eq!(mail["to"], "ada@example.com");
        let text = mail["text"].as_str().unwrap_or_default();
        assert!(text.contains("my parcel is late"), "{text}");
    }
    Ok(())
}
