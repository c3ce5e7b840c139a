//! Webhooks: signed deliveries of every event to a receiver on 127.0.0.1,
//! retries, a restart in the middle, the delivery log and Redeliver, who
//! may manage them, and refused requests.

use anyhow::{bail, Result};
use shared::admin::{Delivery, DeliveryStatus, Webhook};
use shared::frame::{ClientFrame, SendKind, ServerFrame};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tests::webhook_receiver::{Behaviour, Received, Receiver};
use tests::{Api, Socket, Worker};

const HOOKS: &str = "/api/v1/admin/webhooks";

const ALL_EVENTS: [&str; 8] = [
    "chat_queued",
    "chat_taken",
    "visitor_message",
    "agent_message",
    "chat_transferred",
    "chat_on_hold",
    "chat_closed",
    "offline_message",
];

async fn create(api: &Api, token: &str, url: &str, events: &[&str]) -> Result<Webhook> {
    api.post(
        HOOKS,
        Some(token),
        &serde_json::json!({ "name": "CRM", "url": url, "events": events }),
    )
    .await
}

async fn deliveries(api: &Api, token: &str, hook: &str) -> Result<Vec<Delivery>> {
    let answer = api
        .raw(
            "GET",
            &format!("{HOOKS}/{hook}/deliveries"),
            Some(token),
            None,
        )
        .await?;
    if answer.status != 200 {
        bail!("deliveries: {} {}", answer.status, answer.body);
    }
    answer.json()
}

async fn say(socket: &mut Socket, client_id: &str, text: &str, kind: SendKind) -> Result<()> {
    socket
        .send(&ClientFrame::Send {
            client_id: client_id.into(),
            text: text.into(),
            kind,
        })
        .await?;
    socket
        .recv_until(
            |f| matches!(f, ServerFrame::Ack { client_id: c, .. } if c.as_str() == client_id),
        )
        .await?;
    Ok(())
}

async fn act(
    api: &Api,
    token: &str,
    chat: &str,
    action: &str,
    body: serde_json::Value,
) -> Result<()> {
    let answer = api.act(token, chat, action, body).await?;
    if answer.status != 200 {
        bail!("{action}: {} {}", answer.status, answer.body);
    }
    Ok(())
}

async fn leave_offline(api: &Api, message: &str) -> Result<()> {
    let answer = api
        .raw(
            "POST",
            "/api/v1/visitor/offline",
            None,
            Some(
                serde_json::json!({
                    "site_key": "demo.website", "name": "Ana",
                    "email": "ana@example.com", "message": message,
                })
                .to_string(),
            ),
        )
        .await?;
    if answer.status != 200 {
        bail!("offline: {} {}", answer.status, answer.body);
    }
    Ok(())
}

fn events(log: &[Received]) -> Vec<String> {
    log.iter().map(|r| r.event.clone()).collect()
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[tokio::test]
async fn every_event_is_delivered_signed() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let receiver = Receiver::start(Behaviour::default()).await?;
    let mark = api.login("mark@demo.test").await?;
    let hook = create(&api, &mark.token, &receiver.url, &ALL_EVENTS).await?;
    assert!(hook.secret.len() >= 32, "{}", hook.secret);

    // Nobody is available yet: an offline message.
    leave_offline(&api, "Call me back").await?;
    let visitor = api.visitor().await?;
    let (chat, mut visitor_socket) = api.first_message(&visitor, "Hello there").await?;
    let anna = api.login("anna@demo.test").await?;
    let ben = api.login("ben@demo.test").await?;
    let _ben_inbox = api.inbox(&ben.token).await?;
    assert_eq!(api.status(&ben.token, "available").await?.status, 200);
    assert_eq!(api.take(&anna.token, &chat).await?.status, 200);
    let (mut anna_socket, _) = api.join(&chat, &anna.token, 0).await?;
    say(&mut anna_socket, "a-1", "How can I help?", SendKind::Text).await?;
    say(&mut anna_socket, "a-2", "secret note words", SendKind::Note).await?;
    act(
        &api,
        &anna.token,
        &chat,
        "forward",
        serde_json::json!({ "agent": ben.agent.id, "comment": "VIP" }),
    )
    .await?;
    let (mut ben_socket, _) = api.join(&chat, &ben.token, 0).await?;
    say(&mut ben_socket, "b-1", "Ben here", SendKind::Text).await?;
    act(&api, &ben.token, &chat, "hold", serde_json::json!({})).await?;
    act(&api, &ben.token, &chat, "resume", serde_json::json!({})).await?;
    act(
        &api,
        &ben.token,
        &chat,
        "close",
        serde_json::json!({ "comment": "Solved it", "tags": ["Billing"], "disposition": "Solved" }),
    )
    .await?;
    let rated = api
        .raw(
            "POST",
            &format!("/api/v1/visitor/conversations/{chat}/rating"),
            Some(&visitor.token),
            Some(serde_json::json!({ "score": 5 }).to_string()),
        )
        .await?;
    assert_eq!(rated.status, 200, "{}", rated.body);
    let _ = visitor_socket.drain(Duration::from_millis(10)).await;

    let want: BTreeMap<&str, usize> = [
        ("offline_message", 1),
        ("chat_queued", 1),
        ("visitor_message", 1),
        ("chat_taken", 2),
        ("agent_message", 2),
        ("chat_transferred", 1),
        ("chat_on_hold", 1),
        ("chat_closed", 2),
    ]
    .into();
    let total: usize = want.values().sum();
    let log = receiver
        .wait_for(Duration::from_secs(20), |log| log.len() >= total)
        .await;
    // A moment more: nothing else may come.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let log = if log.len() >= total {
        receiver.log()
    } else {
        log
    };
    let mut got: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &log {
        *got.entry(r.event.as_str()).or_default() += 1;
    }
    assert_eq!(got, want, "{:?}", events(&log));
    let mut ids = BTreeSet::new();
    for r in &log {
        assert!(r.signed_by(&hook.secret), "bad signature on {}", r.body);
        assert!(!r.signed_by("another secret"));
        let ts: i64 = r.timestamp.parse()?;
        assert!((ts - now_secs()).abs() < 300, "timestamp {ts}");
        let body = r.json();
        assert_eq!(body["event"], r.event.as_str());
        assert_eq!(body["workspace"], "demo");
        assert!(body["id"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(body["occurred_at"].as_i64().is_some());
        assert!(!r.body.contains("secret note words"), "a note went out");
        assert!(ids.insert(r.delivery.clone()), "delivery id repeated");
    }
    let of = |event: &str| -> Vec<serde_json::Value> {
        log.iter()
            .filter(|r| r.event == event)
            .map(Received::json)
            .collect()
    };
    assert_eq!(
        of("offline_message")[0]["data"]["offline_message"]["message"],
        "Call me back"
    );
    assert_eq!(of("chat_queued")[0]["data"]["chat"]["id"], chat.as_str());
    assert_eq!(of("chat_queued")[0]["data"]["preview"], "Hello there");
    assert_eq!(
        of("visitor_message")[0]["data"]["message"]["text"],
        "Hello there"
    );
    let agent_texts: BTreeSet<String> = of("agent_message")
        .iter()
        .filter_map(|b| b["data"]["message"]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        agent_texts,
        ["Ben here".to_owned(), "How can I help?".to_owned()].into()
    );
    let transfer = &of("chat_transferred")[0]["data"];
    assert_eq!(transfer["to"]["agent"]["id"], ben.agent.id.0.as_str());
    assert_eq!(transfer["comment"], "VIP");
    let closes = of("chat_closed");
    let close = closes
        .iter()
        .find(|b| b["data"]["update"].is_null())
        .expect("the close");
    assert_eq!(close["data"]["comment"], "Solved it");
    assert_eq!(close["data"]["tags"], serde_json::json!(["Billing"]));
    assert_eq!(close["data"]["disposition"], "Solved");
    let rating = closes
        .iter()
        .find(|b| b["data"]["update"] == "rating")
        .expect("the rating");
    assert_eq!(rating["data"]["rating"]["score"], 5);
    assert_eq!(rating["data"]["comment"], "Solved it");

    // The log lists them, delivered on the first attempt.
    let listed = deliveries(&api, &mark.token, &hook.id).await?;
    assert_eq!(listed.len(), total);
    assert!(listed.iter().all(|d| d.status == DeliveryStatus::Delivered
        && d.attempts == 1
        && d.last_status == Some(204)));
    Ok(())
}

#[tokio::test]
async fn retries_survive_a_restart_without_loss_or_duplicates_and_redeliver_sends_again(
) -> Result<()> {
    let mut worker = Worker::start().await?;
    let api = worker.api();
    let receiver = Receiver::start(Behaviour {
        fail_first: 2,
        delay: Duration::ZERO,
    })
    .await?;
    let mark = api.login("mark@demo.test").await?;
    let hook = create(&api, &mark.token, &receiver.url, &["offline_message"]).await?;
    const N: usize = 6;
    for i in 0..N {
        leave_offline(&api, &format!("Message {i}")).await?;
    }
    // The first attempts arrive (and fail); the worker stops meanwhile.
    receiver
        .wait_for(Duration::from_secs(10), |log| log.len() >= N)
        .await;
    worker.restart().await?;
    let api = worker.api();
    let mark = api.login("mark@demo.test").await?;
    receiver
        .wait_for(Duration::from_secs(30), |log| {
            log.iter().filter(|r| r.answered == 204).count() >= N
        })
        .await;
    // A moment more: no delivery may come twice.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let log = receiver.log();
    let mut per_key: BTreeMap<String, (usize, usize, BTreeSet<String>)> = BTreeMap::new();
    for r in &log {
        let e = per_key.entry(r.delivery.clone()).or_default();
        e.0 += 1;
        if r.answered == 204 {
            e.1 += 1;
        }
        e.2.insert(r.body.clone());
        assert!(r.signed_by(&hook.secret));
    }
    assert_eq!(per_key.len(), N, "one delivery per event: {per_key:?}");
    for (key, (attempts, delivered, bodies)) in &per_key {
        assert_eq!(*delivered, 1, "{key} delivered {delivered} times");
        assert!(*attempts >= 3, "{key}: {attempts} attempts");
        assert_eq!(bodies.len(), 1, "{key}: the body changed between attempts");
    }
    let messages: BTreeSet<String> = per_key
        .values()
        .filter_map(|(_, _, b)| {
            let body: serde_json::Value = serde_json::from_str(b.iter().next()?).ok()?;
            body["data"]["offline_message"]["message"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(messages, (0..N).map(|i| format!("Message {i}")).collect());

    // The log: delivered on the third attempt, the answers kept.
    let listed = deliveries(&api, &mark.token, &hook.id).await?;
    assert_eq!(listed.len(), N);
    for d in &listed {
        assert_eq!(d.status, DeliveryStatus::Delivered, "{d:?}");
        // An attempt cut short by the restart reached the receiver but
        // not the log: the log counts at most what was received.
        let received = per_key[&d.id].0;
        assert!(
            d.attempts >= 1 && d.attempts as usize <= received,
            "{d:?}: {received}"
        );
        assert_eq!(d.last_status, Some(204));
        assert!(d.delivered_at.is_some() && d.next_attempt_at.is_none());
    }

    // Redeliver: the same delivery id again.
    let first = &listed[0];
    let again: Delivery = api
        .post(
            &format!("{HOOKS}/{}/deliveries/{}/redeliver", hook.id, first.id),
            Some(&mark.token),
            &serde_json::json!({}),
        )
        .await?;
    assert_eq!(
        (again.id.as_str(), again.status),
        (first.id.as_str(), DeliveryStatus::Pending)
    );
    let before = log.len();
    let log = receiver
        .wait_for(Duration::from_secs(10), |log| log.len() > before)
        .await;
    assert_eq!(log.len(), before + 1);
    let resent = &log[before];
    assert_eq!(resent.delivery, first.id);
    assert_eq!(resent.answered, 204);
    assert_eq!(resent.body, first.body);
    assert!(resent.signed_by(&hook.secret));
    let mut listed = Vec::new();
    for _ in 0..40 {
        listed = deliveries(&api, &mark.token, &hook.id).await?;
        if listed.iter().all(|d| d.status == DeliveryStatus::Delivered) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let d = listed
        .iter()
        .find(|d| d.id == first.id)
        .expect("still listed");
    assert_eq!(
        (d.status, d.attempts),
        (DeliveryStatus::Delivered, first.attempts + 1)
    );
    Ok(())
}

#[tokio::test]
async fn only_this_workspaces_administrators_manage_its_webhooks() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut other = tests::demo_workspace()?;
    other.workspace = "other".into();
    api.setup(&other).await?;
    let mark = api.login("mark@demo.test").await?;
    let hook = create(
        &api,
        &mark.token,
        "https://example.com/hook",
        &["chat_closed"],
    )
    .await?;
    let body = serde_json::json!({ "name": "X", "url": "https://example.com/x", "events": ["chat_queued"] }).to_string();
    let routes = |id: &str| {
        vec![
            ("GET", HOOKS.to_owned(), None),
            ("POST", HOOKS.to_owned(), Some(body.clone())),
            ("PUT", format!("{HOOKS}/{id}"), Some(body.clone())),
            ("DELETE", format!("{HOOKS}/{id}"), None),
            ("GET", format!("{HOOKS}/{id}/deliveries"), None),
            (
                "POST",
                format!("{HOOKS}/{id}/deliveries/dlv_x/redeliver"),
                None,
            ),
        ]
    };
    let anna = api.login("anna@demo.test").await?;
    for (method, path, body) in routes(&hook.id) {
        let answer = api.raw(method, &path, Some(&anna.token), body).await?;
        assert_eq!(answer.status, 403, "{method} {path}: {}", answer.body);
        let answer = api.raw(method, &path, None, None).await?;
        assert_eq!(answer.status, 401, "{method} {path}: {}", answer.body);
    }
    let stranger = api.login_to("other", "mark@demo.test").await?;
    for (method, path, body) in routes(&hook.id).into_iter().skip(2) {
        let answer = api.raw(method, &path, Some(&stranger.token), body).await?;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
    }
    let theirs: Vec<Webhook> = api
        .raw("GET", HOOKS, Some(&stranger.token), None)
        .await?
        .json()?;
    assert!(theirs.is_empty());
    let ours: Vec<Webhook> = api
        .raw("GET", HOOKS, Some(&mark.token), None)
        .await?
        .json()?;
    assert_eq!(ours, vec![hook]);
    Ok(())
}

#[tokio::test]
async fn refused_requests_say_why_and_change_nothing() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mark = api.login("mark@demo.test").await?;
    let hook = create(
        &api,
        &mark.token,
        "https://example.com/hook",
        &["chat_closed"],
    )
    .await?;
    let cases = [
        (
            serde_json::json!({ "name": "", "url": "https://e.com", "events": ["chat_closed"] }),
            "name",
        ),
        (
            serde_json::json!({ "name": "A", "url": "http://e.com", "events": ["chat_closed"] }),
            "https://",
        ),
        (
            serde_json::json!({ "name": "A", "url": "not a url", "events": ["chat_closed"] }),
            "URL",
        ),
        (
            serde_json::json!({ "name": "A", "url": "https://e.com", "events": [] }),
            "event",
        ),
        (
            serde_json::json!({ "name": "A", "url": "https://e.com", "events": ["chat_exploded"] }),
            "unknown event",
        ),
    ];
    for (body, why) in &cases {
        for (method, path) in [
            ("POST", HOOKS.to_owned()),
            ("PUT", format!("{HOOKS}/{}", hook.id)),
        ] {
            let answer = api
                .raw(method, &path, Some(&mark.token), Some(body.to_string()))
                .await?;
            assert_eq!(answer.status, 400, "{method} {body}: {}", answer.body);
            assert!(
                answer.body.contains(why),
                "{method} {body}: {}",
                answer.body
            );
        }
    }
    let answer = api
        .raw("POST", HOOKS, Some(&mark.token), Some("{".into()))
        .await?;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let listed: Vec<Webhook> = api
        .raw("GET", HOOKS, Some(&mark.token), None)
        .await?
        .json()?;
    assert_eq!(listed, vec![hook.clone()]);
    // At most 20.
    for i in 1..20 {
        create(
            &api,
            &mark.token,
            &format!("https://example.com/{i}"),
            &["chat_queued"],
        )
        .await?;
    }
    let answer = api
        .raw(
            "POST",
            HOOKS,
            Some(&mark.token),
            Some(cases[0].0.to_string().replace("\"\"", "\"B\"")),
        )
        .await?;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("at most 20"), "{}", answer.body);
    let listed: Vec<Webhook> = api
        .raw("GET", HOOKS, Some(&mark.token), None)
        .await?
        .json()?;
    assert_eq!(listed.len(), 20);
    // An edit of one of the twenty is still allowed; a removal removes.
    let edited = api
        .raw(
            "PUT",
            &format!("{HOOKS}/{}", hook.id),
            Some(&mark.token),
            Some(serde_json::json!({ "name": "Renamed", "url": "https://example.com/r", "events": ["chat_taken"], "active": false }).to_string()),
        )
        .await?;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let edited: Webhook = edited.json()?;
    assert_eq!(
        (edited.name.as_str(), edited.active, edited.secret.as_str()),
        ("Renamed", false, hook.secret.as_str())
    );
    let removed = api
        .raw(
            "DELETE",
            &format!("{HOOKS}/{}", hook.id),
            Some(&mark.token),
            None,
        )
        .await?;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let listed: Vec<Webhook> = api
        .raw("GET", HOOKS, Some(&mark.token), None)
        .await?
        .json()?;
    assert_eq!(listed.len(), 19);
    assert!(listed.iter().all(|w| w.id != hook.id));
    // Each change made (and none refused) is in the audit log.
    let audit: shared::admin::AuditPage = api
        .raw("GET", "/api/v1/admin/audit", Some(&mark.token), None)
        .await?
        .json()?;
    let count = |what: &str| audit.entries.iter().filter(|e| e.what == what).count();
    assert_eq!(
        (
            count("webhook.create"),
            count("webhook.update"),
            count("webhook.remove")
        ),
        (20, 1, 1)
    );
    assert!(audit
        .entries
        .iter()
        .any(|e| e.what == "webhook.remove" && e.target == hook.id));
    Ok(())
}

#[tokio::test]
async fn a_conversation_queues_only_the_events_a_webhook_wants_and_a_new_webhook_is_heard_at_once(
) -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let receiver = Receiver::start(Behaviour::default()).await?;
    let mark = api.login("mark@demo.test").await?;

    // No webhook: the conversation's changes write nothing for webhooks.
    let visitor = api.visitor().await?;
    let (quiet, mut quiet_socket) = api.first_message(&visitor, "Nobody listens").await?;
    let quiet_rows = api.rows_written(&quiet).await?;

    // A webhook for queued chats and visitors' messages: the very next
    // conversation is heard, although the workspace had just learnt that
    // nothing was wanted.
    let _hook = create(
        &api,
        &mark.token,
        &receiver.url,
        &["chat_queued", "visitor_message"],
    )
    .await?;
    let visitor = api.visitor().await?;
    let (heard, _heard_socket) = api.first_message(&visitor, "Somebody listens").await?;
    let heard_queued = |log: &[Received]| {
        log.iter()
            .any(|r| r.event == "chat_queued" && r.body.contains(&heard))
    };
    receiver
        .wait_for(Duration::from_secs(10), heard_queued)
        .await;
    let log = receiver.log();
    assert!(heard_queued(&log), "{log:?}");
    assert!(!log.iter().any(|r| r.body.contains(&quiet)), "{log:?}");

    // The conversation that was open before was told too: its visitor's
    // next message is heard, its earlier one never queued.
    say(&mut quiet_socket, "v-2", "Anyone now?", SendKind::Text).await?;
    receiver
        .wait_for(Duration::from_secs(10), |log| {
            log.iter().any(|r| r.body.contains("Anyone now?"))
        })
        .await;
    let log = receiver.log();
    let quiet_events: Vec<&Received> = log.iter().filter(|r| r.body.contains(&quiet)).collect();
    assert_eq!(quiet_events.len(), 1, "{log:?}");
    assert_eq!(quiet_events[0].event, "visitor_message");
    assert!(quiet_events[0].body.contains("Anyone now?"));
    // The same steps wrote more rows where an event went to the outbox.
    let heard_rows = api.rows_written(&heard).await?;
    assert!(
        heard_rows > quiet_rows,
        "with a webhook {heard_rows} rows, without {quiet_rows}"
    );
    Ok(())
}

#[tokio::test]
async fn a_conversation_woken_after_a_restart_still_knows_that_no_webhook_wants_its_events(
) -> Result<()> {
    let mut worker = Worker::start().await?;
    let api = worker.api();
    let visitor = api.visitor().await?;
    let (chat, mut socket) = api.first_message(&visitor, "Before the restart").await?;
    let start = api.rows_written(&chat).await?;
    say(&mut socket, "v-2", "Still before", SendKind::Text).await?;
    let one_message = api.rows_written(&chat).await? - start;
    drop(socket);

    // The object is made again from storage: what it knew in memory is
    // gone.
    worker.restart().await?;
    let api = worker.api();
    let (mut socket, _) = api.join(&chat, &visitor.token, 0).await?;
    let start = api.rows_written(&chat).await?;
    say(&mut socket, "v-3", "After the restart", SendKind::Text).await?;
    let woken = api.rows_written(&chat).await? - start;
    // The same message writes the same rows: no outbox row, as before.
    assert_eq!(woken, one_message);
    Ok(())
}
