//! Availability, business hours and offline messages.

use anyhow::Result;
use shared::api::{Availability, OfflineMessage, OpeningHours};
use shared::frame::ErrorCode;
use tests::Worker;

async fn availability(api: &tests::Api, key: &str) -> Result<Availability> {
    api.raw(
        "GET",
        &format!("/api/v1/visitor/availability?site_key={key}"),
        None,
        None,
    )
    .await?
    .json()
}

#[tokio::test]
async fn nobody_there_means_the_offline_form_and_messages_are_kept() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    // Nobody available yet.
    assert!(!availability(&api, "demo.website").await?.online);
    let anna = api.login("anna@demo.test").await?;
    let _inbox = api.inbox(&anna.token).await?;
    assert!(
        !availability(&api, "demo.website").await?.online,
        "signed in but offline"
    );
    assert_eq!(api.status(&anna.token, "available").await?.status, 200);
    let a = availability(&api, "demo.website").await?;
    assert!(a.online);
    assert_eq!(a.department, "support");
    assert_eq!(api.status(&anna.token, "away").await?.status, 200);
    assert!(!availability(&api, "demo.website").await?.online);

    // Offline messages: checked, stored, listed for the department's agents only.
    let leave = |body: serde_json::Value| {
        let api = api.clone();
        async move {
            api.raw(
                "POST",
                "/api/v1/visitor/offline",
                None,
                Some(body.to_string()),
            )
            .await
        }
    };
    let bad = leave(serde_json::json!({ "site_key": "demo.website", "name": "Ana", "email": "nope", "message": "hi" })).await?;
    assert_eq!((bad.status, bad.code()?), (400, ErrorCode::BadRequest));
    assert!(bad.body.contains("email"), "{}", bad.body);
    let nosite = leave(serde_json::json!({ "site_key": "demo.nosite", "name": "Ana", "email": "ana@example.com", "message": "hi" })).await?;
    assert_eq!(nosite.status, 404);
    let ok = leave(serde_json::json!({ "site_key": "demo.website", "name": "Ana", "email": "ana@example.com", "message": "<b>Call me</b> tomorrow" })).await?;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let listed: Vec<OfflineMessage> = api
        .raw(
            "GET",
            "/api/v1/agent/offline-messages",
            Some(&anna.token),
            None,
        )
        .await?
        .json()?;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].message.as_str()),
        ("Ana", "<b>Call me</b> tomorrow")
    );
    let sam = api.login("sam@demo.test").await?;
    let for_sales: Vec<OfflineMessage> = api
        .raw(
            "GET",
            "/api/v1/agent/offline-messages",
            Some(&sam.token),
            None,
        )
        .await?
        .json()?;
    assert!(for_sales.is_empty(), "Sam works Sales only");
    // A supervisor reads every department's, even those they do not work.
    let mut setup = tests::demo_workspace()?;
    setup.workspace = "supervised".into();
    for person in &mut setup.agents {
        if person.email == "mark@demo.test" {
            person.departments = vec!["sales".into()];
        }
    }
    api.setup(&setup).await?;
    let ok = leave(serde_json::json!({ "site_key": "supervised.website", "name": "Bo", "email": "bo@example.com", "message": "Hours?" })).await?;
    assert_eq!(ok.status, 200, "{}", ok.body);
    for (email, expected) in [("mark@demo.test", 1), ("sam@demo.test", 0)] {
        let person = api.login_to("supervised", email).await?;
        let listed: Vec<OfflineMessage> = api
            .raw(
                "GET",
                "/api/v1/agent/offline-messages",
                Some(&person.token),
                None,
            )
            .await?
            .json()?;
        assert_eq!(listed.len(), expected, "{email}: {listed:?}");
    }
    let anon = api
        .raw("GET", "/api/v1/agent/offline-messages", None, None)
        .await?;
    assert_eq!(anon.status, 401);
    Ok(())
}

#[tokio::test]
async fn outside_business_hours_nobody_is_online() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mut setup = tests::demo_workspace()?;
    // Support opens on another day of the week than today (UTC).
    let today = ((std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        / 86_400
        + 4)
        % 7) as u8;
    let other_day = (today + 3) % 7;
    setup.departments[0].hours = vec![OpeningHours {
        day: other_day,
        open: "09:00".into(),
        close: "17:00".into(),
    }];
    api.setup(&setup).await?;
    let anna = api.login("anna@demo.test").await?;
    let _inbox = api.inbox(&anna.token).await?;
    assert_eq!(api.status(&anna.token, "available").await?.status, 200);
    assert!(
        !availability(&api, "demo.website").await?.online,
        "closed today"
    );
    // Open all day, every day: online.
    setup.departments[0].hours = (0..7)
        .map(|day| OpeningHours {
            day,
            open: "00:00".into(),
            close: "24:00".into(),
        })
        .collect();
    api.setup(&setup).await?;
    assert!(availability(&api, "demo.website").await?.online);
    // Bad hours are refused with a reason.
    setup.departments[0].hours = vec![OpeningHours {
        day: 9,
        open: "25:00".into(),
        close: "17:00".into(),
    }];
    let refused = api
        .raw(
            "POST",
            "/api/v1/admin/setup",
            Some(tests::SETUP_TOKEN),
            Some(serde_json::to_string(&setup)?),
        )
        .await?;
    assert_eq!(
        (refused.status, refused.code()?),
        (400, ErrorCode::BadRequest)
    );
    Ok(())
}
