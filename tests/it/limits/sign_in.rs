//! Sign-in attempts: per address, per account, and the growing wait
//! after each failure.

use super::*;

fn sign_in(email: &str, password: &str) -> serde_json::Value {
    serde_json::json!({ "workspace": "demo", "email": email, "password": password })
}

#[tokio::test]
async fn sign_in_attempts_from_one_address_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let (refused, passed) = until_refused(41, 4, |i| {
        let body = sign_in(&format!("nobody{i}@demo.test"), "wrong password");
        let worker = &worker;
        async move {
            let r = request(
                worker,
                "203.0.113.8",
                "POST",
                "/api/v1/agent/login",
                None,
                Some(body),
            )
            .await?;
            // A wrong password is a refusal of its own: it counts as tried.
            Ok(if r.status == 401 {
                Reply { status: 200, ..r }
            } else {
                r
            })
        }
    })
    .await?;
    assert!(passed >= 20, "{passed} passed before the refusal");
    refused.limited(
        "too_many_requests",
        60,
        "too many sign-in attempts from your network",
    );
    let ben = sign_in("ben@demo.test", &tests::password("ben@demo.test"));
    let elsewhere = request(
        &worker,
        "203.0.113.9",
        "POST",
        "/api/v1/agent/login",
        None,
        Some(ben),
    )
    .await?;
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
    other.still_chats().await
}

#[tokio::test]
async fn sign_in_attempts_for_one_account_are_limited() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    // Right passwords from many addresses: no failure, so no delay; the
    // account's own count still runs out.
    let sam = sign_in("sam@demo.test", &tests::password("sam@demo.test"));
    let (refused, passed) = until_refused(21, 1, |i| {
        let ip = format!("10.3.0.{}", i + 1);
        let (worker, body) = (&worker, sam.clone());
        async move { request(worker, &ip, "POST", "/api/v1/agent/login", None, Some(body)).await }
    })
    .await?;
    assert!(passed >= 10, "{passed} passed before the refusal");
    refused.limited(
        "too_many_requests",
        60,
        "too many sign-in attempts for this account",
    );
    let ben = sign_in("ben@demo.test", &tests::password("ben@demo.test"));
    let another = request(
        &worker,
        "10.3.1.1",
        "POST",
        "/api/v1/agent/login",
        None,
        Some(ben),
    )
    .await?;
    assert_eq!(another.status, 200, "{}", another.body);
    other.still_chats().await
}

#[tokio::test]
async fn failed_sign_ins_make_the_account_wait_longer_each_time() -> Result<()> {
    let worker = Worker::start_limited("standard").await?;
    let mut other = bystander(&worker).await?;
    let right = sign_in("anna@demo.test", &tests::password("anna@demo.test"));
    let wrong = sign_in("anna@demo.test", "not her password");
    let login = |ip: &'static str, body: &serde_json::Value| {
        request(
            &worker,
            ip,
            "POST",
            "/api/v1/agent/login",
            None,
            Some(body.clone()),
        )
    };
    for _ in 0..3 {
        assert_eq!(login("203.0.113.10", &wrong).await?.status, 401);
    }
    // The fourth attempt waits a second, right password or not, from any
    // address.
    let waiting = login("203.0.113.11", &right).await?;
    waiting.limited(
        "too_many_requests",
        1,
        "too many failed sign-ins for this account",
    );
    // Another account is not affected.
    let ben = sign_in("ben@demo.test", &tests::password("ben@demo.test"));
    assert_eq!(login("203.0.113.10", &ben).await?.status, 200);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // A fourth failure doubles the wait.
    assert_eq!(login("203.0.113.10", &wrong).await?.status, 401);
    login("203.0.113.10", &right)
        .await?
        .limited("too_many_requests", 2, "try again in 2 seconds");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(login("203.0.113.10", &right).await?.status, 200);
    // A success forgets the failures: the next mistake costs no wait.
    assert_eq!(login("203.0.113.10", &wrong).await?.status, 401);
    assert_eq!(login("203.0.113.10", &right).await?.status, 200);
    other.still_chats().await
}
