//! The administration API against the real worker: who may call it, in
//! which workspace, sign-up and ownership, refusals that change nothing,
//! deactivation, invitations and password resets by email, the audit log
//! and API tokens.

use anyhow::{ensure, Result};
use serde_json::{json, Value};
use shared::admin::{
    ApiTokenCreated, ApiTokenInfo, AuditPage, InvitationInfo, LinkSent, PersonInfo, RotatedSecret,
    Settings, SignupInfo,
};
use shared::api::{AgentProfile, LoginResponse};
use shared::close;
use std::time::Duration;
use tests::{Api, Worker, SETUP_TOKEN};

async fn status(
    api: &Api,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Result<u16> {
    Ok(api
        .send(method, path, Some(token), body.as_ref())
        .await?
        .status)
}

async fn person_id(api: &Api, token: &str, email: &str) -> Result<String> {
    let people: Vec<PersonInfo> = api
        .expect("GET", "/api/v1/admin/people", token, None)
        .await?;
    people
        .into_iter()
        .find(|p| p.email == email)
        .map(|p| p.id.0)
        .ok_or_else(|| anyhow::anyhow!("no {email}"))
}

/// The link's token from the newest email to `to`.
async fn mailed_token(api: &Api, workspace: &str, to: &str, key: &str) -> Result<String> {
    let mail = api.mail(workspace).await?;
    let text = mail
        .iter()
        .find(|m| m["to"] == to)
        .and_then(|m| m["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    let start = text
        .find(&format!("?{key}="))
        .ok_or_else(|| anyhow::anyhow!("no link in {text:?}"))?;
    Ok(text[start + key.len() + 2..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned())
}

#[tokio::test]
async fn roles_workspaces_sign_up_and_ownership() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let anna = api.login("anna@demo.test").await?.token;
    let mark = api.login("mark@demo.test").await?.token;
    // An agent is refused every administrative route; a manager is not.
    for (method, path, body) in [
        ("GET", "/api/v1/admin/settings", None),
        ("GET", "/api/v1/admin/people", None),
        ("GET", "/api/v1/admin/invitations", None),
        ("GET", "/api/v1/admin/audit", None),
        ("GET", "/api/v1/admin/api-tokens", None),
        (
            "PUT",
            "/api/v1/admin/settings/labels",
            Some(json!({ "tags": ["x"] })),
        ),
        ("POST", "/api/v1/admin/sites/website/secret", None),
        (
            "POST",
            "/api/v1/admin/invitations",
            Some(json!({ "email": "x@demo.test", "role": "agent" })),
        ),
    ] {
        let refused = status(&api, method, path, &anna, body.clone()).await?;
        ensure!(refused == 403, "{method} {path} for an agent: {refused}");
        if method == "GET" {
            let allowed = status(&api, method, path, &mark, body).await?;
            ensure!(allowed == 200, "{method} {path} for a manager: {allowed}");
        }
    }
    ensure!(status(&api, "GET", "/api/v1/admin/settings", "nonsense", None).await? == 401);

    // Sign-up: the code guards it, a slug is taken once.
    let info: SignupInfo =
        serde_json::from_str(&api.send("GET", "/api/v1/signup", None, None).await?.body)?;
    ensure!(info.open && info.code_required);
    let request = |code: &str, workspace: &str| {
        json!({ "code": code, "workspace": workspace, "workspace_name": "Acme",
                "name": "Ada", "email": "ada@acme.test", "password": "ada-password" })
    };
    let wrong = api
        .send(
            "POST",
            "/api/v1/signup",
            None,
            Some(&request("nope", "acme")),
        )
        .await?;
    ensure!(
        wrong.status == 403 && wrong.body.contains("code"),
        "{wrong:?}"
    );
    let missing = api
        .send(
            "POST",
            "/api/v1/signup",
            None,
            Some(&json!({ "workspace": "acme", "workspace_name": "A",
            "name": "Ada", "email": "ada@acme.test", "password": "ada-password" })),
        )
        .await?;
    ensure!(missing.status == 403, "{missing:?}");
    let taken = api
        .send(
            "POST",
            "/api/v1/signup",
            None,
            Some(&request(tests::SIGNUP_CODE, "demo")),
        )
        .await?;
    ensure!(
        taken.status == 409 && taken.code()? == shared::ErrorCode::Conflict,
        "{taken:?}"
    );
    let short = api
        .send(
            "POST",
            "/api/v1/signup",
            None,
            Some(&json!({ "code": tests::SIGNUP_CODE,
            "workspace": "acme", "workspace_name": "Acme", "name": "Ada",
            "email": "ada@acme.test", "password": "short" })),
        )
        .await?;
    ensure!(short.status == 400, "{short:?}");
    let ada = api.sign_up("acme", "ada@acme.test", "ada-password").await?;
    ensure!(ada.agent.role == shared::api::Role::Admin);
    let again = api
        .send(
            "POST",
            "/api/v1/signup",
            None,
            Some(&request(tests::SIGNUP_CODE, "acme")),
        )
        .await?;
    ensure!(again.status == 409, "{again:?}");
    let settings: Settings = api
        .expect("GET", "/api/v1/admin/settings", &ada.token, None)
        .await?;
    ensure!(settings.workspace == "acme" && settings.name == "acme Ltd");
    ensure!(settings.departments.len() == 1 && settings.departments[0].id == "general");
    // The same person signs in with the password chosen.
    let login: LoginResponse = api
        .post(
            "/api/v1/agent/login",
            None,
            &json!({ "workspace": "acme",
            "email": "ada@acme.test", "password": "ada-password" }),
        )
        .await?;
    ensure!(login.agent.id == ada.agent.id);

    // The operator's setup token cannot rewrite a signed-up workspace.
    let mut demo = tests::demo_workspace()?;
    demo.workspace = "acme".into();
    let refused = api
        .send(
            "POST",
            "/api/v1/admin/setup",
            Some(SETUP_TOKEN),
            Some(&serde_json::to_value(&demo)?),
        )
        .await?;
    ensure!(
        refused.status == 403 && refused.body.contains("sign-up"),
        "{refused:?}"
    );
    // ... but still redefines the workspaces it made.
    api.setup(&tests::demo_workspace()?).await?;

    // Across workspaces: demo's ids from acme's token are not found.
    let anna_id = person_id(&api, &mark, "anna@demo.test").await?;
    let path = format!("/api/v1/admin/people/{anna_id}");
    ensure!(
        status(
            &api,
            "PATCH",
            &path,
            &ada.token,
            Some(json!({ "active": false }))
        )
        .await?
            == 404
    );
    ensure!(
        status(
            &api,
            "POST",
            &format!("{path}/password-reset"),
            &ada.token,
            None
        )
        .await?
            == 404
    );
    ensure!(
        status(
            &api,
            "POST",
            "/api/v1/admin/sites/website/secret",
            &ada.token,
            None
        )
        .await?
            == 404
    );
    let me: AgentProfile = api.expect("GET", "/api/v1/agent/me", &anna, None).await?;
    ensure!(me.email == "anna@demo.test", "Anna is untouched");
    let people: Vec<PersonInfo> = api
        .expect("GET", "/api/v1/admin/people", &ada.token, None)
        .await?;
    ensure!(
        people.len() == 1,
        "acme lists only its own people: {people:?}"
    );

    // The demo is imported into acme by its administrator, who stays.
    let done: shared::api::SetupDone = api
        .expect(
            "PUT",
            "/api/v1/admin/workspace",
            &ada.token,
            Some(&serde_json::to_value(&demo)?),
        )
        .await?;
    ensure!(done.agents.len() == 5, "{done:?}");
    let still: AgentProfile = api
        .expect("GET", "/api/v1/agent/me", &ada.token, None)
        .await?;
    ensure!(
        still.id == ada.agent.id,
        "the import ended no session of Ada's"
    );
    let mut other = demo.clone();
    other.workspace = "demo".into();
    let wrong = api
        .send(
            "PUT",
            "/api/v1/admin/workspace",
            Some(&ada.token),
            Some(&serde_json::to_value(&other)?),
        )
        .await?;
    ensure!(wrong.status == 400, "{wrong:?}");
    Ok(())
}

#[tokio::test]
async fn refused_changes_change_nothing_and_changes_are_audited() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mark = api.login("mark@demo.test").await?;
    let before: Settings = api
        .expect("GET", "/api/v1/admin/settings", &mark.token, None)
        .await?;
    // The site queues in Support: Support cannot go.
    let refused = api
        .send(
            "PUT",
            "/api/v1/admin/settings/departments",
            Some(&mark.token),
            Some(&json!([{ "id": "sales", "name": "Sales" }])),
        )
        .await?;
    ensure!(
        refused.status == 400 && refused.body.contains("support"),
        "{refused:?}"
    );
    let bad = api
        .send(
            "PUT",
            "/api/v1/admin/settings/routing",
            Some(&mark.token),
            Some(&json!({ "algorithm": "auto_selection", "offer_timeout_ms": 5 })),
        )
        .await?;
    ensure!(bad.status == 400, "{bad:?}");
    let after: Settings = api
        .expect("GET", "/api/v1/admin/settings", &mark.token, None)
        .await?;
    ensure!(before == after, "a refused change changed the settings");
    let page: AuditPage = api
        .expect("GET", "/api/v1/admin/audit", &mark.token, None)
        .await?;
    ensure!(
        page.entries.iter().all(|e| e.what == "workspace.setup"),
        "{page:?}"
    );

    // Applied changes answer the settings and are logged.
    let labels: Settings = api
        .expect(
            "PUT",
            "/api/v1/admin/settings/labels",
            &mark.token,
            Some(&json!({ "tags": ["Billing", "VIP"], "dispositions": ["Solved"] })),
        )
        .await?;
    ensure!(labels.labels.tags == vec!["Billing".to_owned(), "VIP".to_owned()]);
    let rotated: RotatedSecret = api
        .expect(
            "POST",
            "/api/v1/admin/sites/website/secret",
            &mark.token,
            None,
        )
        .await?;
    ensure!(rotated.secret.len() >= 32);
    let now: Settings = api
        .expect("GET", "/api/v1/admin/settings", &mark.token, None)
        .await?;
    ensure!(now.sites[0].secret.as_deref() == Some(rotated.secret.as_str()));
    let page: AuditPage = api
        .expect(
            "GET",
            &format!("/api/v1/admin/audit?who={}", mark.agent.id.0),
            &mark.token,
            None,
        )
        .await?;
    let whats: Vec<&str> = page.entries.iter().map(|e| e.what.as_str()).collect();
    ensure!(
        whats == vec!["site.secret.rotate", "labels.update"],
        "{whats:?}"
    );
    ensure!(
        page.entries[1].summary.contains("Billing and VIP"),
        "{:?}",
        page.entries[1]
    );
    ensure!(page.entries[0].who_name == "Mark");
    let page: AuditPage = api
        .expect("GET", "/api/v1/admin/audit?what=labels", &mark.token, None)
        .await?;
    ensure!(page.entries.len() == 1);
    let at = page.entries[0].at;
    let page: AuditPage = api
        .expect(
            "GET",
            &format!("/api/v1/admin/audit?from={}&what=site", at),
            &mark.token,
            None,
        )
        .await?;
    ensure!(page.entries.len() == 1 && page.next_before.is_none());
    let page: AuditPage = api
        .expect(
            "GET",
            &format!("/api/v1/admin/audit?to={at}&what=labels"),
            &mark.token,
            None,
        )
        .await?;
    ensure!(page.entries.is_empty());
    ensure!(
        status(
            &api,
            "GET",
            "/api/v1/admin/audit?from=soon",
            &mark.token,
            None
        )
        .await?
            == 400
    );

    // Paging: more than a page of entries.
    for i in 0..101 {
        let tags = json!({ "tags": [format!("t{i}")] });
        status(
            &api,
            "PUT",
            "/api/v1/admin/settings/labels",
            &mark.token,
            Some(tags),
        )
        .await?;
    }
    let first: AuditPage = api
        .expect("GET", "/api/v1/admin/audit?what=labels", &mark.token, None)
        .await?;
    ensure!(first.entries.len() == 100);
    let before = first
        .next_before
        .ok_or_else(|| anyhow::anyhow!("no next page"))?;
    let second: AuditPage = api
        .expect(
            "GET",
            &format!("/api/v1/admin/audit?what=labels&before={before}"),
            &mark.token,
            None,
        )
        .await?;
    ensure!(
        second.entries.len() == 2 && second.next_before.is_none(),
        "{second:?}"
    );
    ensure!(second.entries[0].id < first.entries[99].id);
    Ok(())
}

#[tokio::test]
async fn a_deactivated_agent_is_signed_out_at_once() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let mark = api.login("mark@demo.test").await?.token;
    let anna = api.login("anna@demo.test").await?.token;
    let mut inbox = api.inbox(&anna).await?;
    inbox.drain_inbox(Duration::from_millis(300)).await;
    let id = person_id(&api, &mark, "anna@demo.test").await?;
    let path = format!("/api/v1/admin/people/{id}");
    let edited: PersonInfo = api
        .expect(
            "PATCH",
            &path,
            &mark,
            Some(&json!({ "active": false, "capacity": 3 })),
        )
        .await?;
    ensure!(!edited.active && edited.capacity == Some(3));
    ensure!(inbox.closed().await? == close::UNAUTHORIZED);
    ensure!(status(&api, "GET", "/api/v1/agent/me", &anna, None).await? == 401);
    let login = api
        .send(
            "POST",
            "/api/v1/agent/login",
            None,
            Some(&json!({ "workspace": "demo",
            "email": "anna@demo.test", "password": tests::password("anna@demo.test") })),
        )
        .await?;
    ensure!(
        login.status == 403 && login.body.contains("this account is deactivated"),
        "{login:?}"
    );
    // The last manager stays.
    let mark_id = person_id(&api, &mark, "mark@demo.test").await?;
    let last = api
        .send(
            "PATCH",
            &format!("/api/v1/admin/people/{mark_id}"),
            Some(&mark),
            Some(&json!({ "role": "agent" })),
        )
        .await?;
    ensure!(
        last.status == 400 && last.body.contains("last active person"),
        "{last:?}"
    );
    let back: PersonInfo = api
        .expect("PATCH", &path, &mark, Some(&json!({ "active": true })))
        .await?;
    ensure!(back.active);
    let fresh = api.login("anna@demo.test").await?;
    ensure!(status(&api, "GET", "/api/v1/agent/me", &fresh.token, None).await? == 200);
    Ok(())
}

#[tokio::test]
async fn invitations_resets_and_api_tokens() -> Result<()> {
    let worker = Worker::start().await?;
    let api = worker.api();
    let ada = api
        .sign_up("acme", "ada@acme.test", "ada-password")
        .await?
        .token;
    let sent: LinkSent = api
        .expect(
            "POST",
            "/api/v1/admin/invitations",
            &ada,
            Some(
                &json!({ "email": "nora@acme.test", "name": "Nora", "role": "agent",
                          "departments": ["general"] }),
            ),
        )
        .await?;
    ensure!(sent.link.contains("/agent/?invite=acme."), "{sent:?}");
    let token = mailed_token(&api, "acme", "nora@acme.test", "invite").await?;
    ensure!(sent.link.ends_with(&token));
    let twice = api
        .send(
            "POST",
            "/api/v1/admin/invitations",
            Some(&ada),
            Some(&json!({ "email": "nora@acme.test", "role": "agent" })),
        )
        .await?;
    ensure!(twice.status == 400, "{twice:?}");
    let listed: Vec<Value> = api
        .expect("GET", "/api/v1/admin/invitations", &ada, None)
        .await?;
    ensure!(listed.len() == 1);
    let info: InvitationInfo = api
        .send("GET", &format!("/api/v1/invitations/{token}"), None, None)
        .await?
        .json()?;
    ensure!(info.email == "nora@acme.test" && info.workspace_name == "acme Ltd");
    let accept = format!("/api/v1/invitations/{token}/accept");
    let short = api
        .send(
            "POST",
            &accept,
            None,
            Some(&json!({ "name": "Nora", "password": "short" })),
        )
        .await?;
    ensure!(short.status == 400);
    let nora: LoginResponse = api
        .post(
            &accept,
            None,
            &json!({ "name": "Nora N", "password": "nora-password" }),
        )
        .await?;
    ensure!(nora.agent.name == "Nora N" && nora.agent.departments == vec!["general".to_owned()]);
    let used = api
        .send(
            "POST",
            &accept,
            None,
            Some(&json!({ "name": "X", "password": "another-pass" })),
        )
        .await?;
    ensure!(
        used.status == 400 && used.body.contains("already used"),
        "{used:?}"
    );
    // A token's workspace part cannot be bent to another workspace.
    let bent = token.replacen("acme.", "demo.", 1);
    let other = api
        .send("GET", &format!("/api/v1/invitations/{bent}"), None, None)
        .await?;
    ensure!(other.status == 404, "{other:?}");
    // A withdrawn invitation no longer works.
    let withdrawn: LinkSent = api
        .expect(
            "POST",
            "/api/v1/admin/invitations",
            &ada,
            Some(&json!({ "email": "olga@acme.test", "role": "agent" })),
        )
        .await?;
    ensure!(
        status(
            &api,
            "DELETE",
            &format!("/api/v1/admin/invitations/{}", withdrawn.id),
            &ada,
            None
        )
        .await?
            == 200
    );
    let olga = mailed_token(&api, "acme", "olga@acme.test", "invite").await?;
    let gone = api
        .send(
            "POST",
            &format!("/api/v1/invitations/{olga}/accept"),
            None,
            Some(&json!({ "name": "Olga", "password": "olga-password" })),
        )
        .await?;
    ensure!(
        gone.status == 400 && gone.body.contains("withdrawn"),
        "{gone:?}"
    );

    // A password reset ends Nora's older sessions.
    let reset: LinkSent = api
        .expect(
            "POST",
            &format!("/api/v1/admin/people/{}/password-reset", nora.agent.id.0),
            &ada,
            None,
        )
        .await?;
    ensure!(reset.email == "nora@acme.test" && reset.link.contains("?reset="));
    ensure!(status(&api, "GET", "/api/v1/agent/me", &nora.token, None).await? == 200);
    let token = mailed_token(&api, "acme", "nora@acme.test", "reset").await?;
    let path = format!("/api/v1/password-resets/{token}");
    let renewed: LoginResponse = api
        .post(&path, None, &json!({ "password": "nora-new-password" }))
        .await?;
    ensure!(status(&api, "GET", "/api/v1/agent/me", &nora.token, None).await? == 401);
    ensure!(status(&api, "GET", "/api/v1/agent/me", &renewed.token, None).await? == 200);
    let again = api
        .send(
            "POST",
            &path,
            None,
            Some(&json!({ "password": "yet-another-pass" })),
        )
        .await?;
    ensure!(
        again.status == 400 && again.body.contains("already used"),
        "{again:?}"
    );

    // API tokens: shown once, listed without the secret, revoked.
    let made: ApiTokenCreated = api
        .expect(
            "POST",
            "/api/v1/admin/api-tokens",
            &ada,
            Some(&json!({ "name": "CRM", "scopes": ["contacts_read", "reports_read"] })),
        )
        .await?;
    ensure!(made.token.starts_with("lct_acme_"), "{made:?}");
    let list: Vec<ApiTokenInfo> = api
        .expect("GET", "/api/v1/admin/api-tokens", &ada, None)
        .await?;
    ensure!(list.len() == 1 && made.token.starts_with(&list[0].prefix));
    ensure!(!serde_json::to_string(&list)?.contains(&made.token));
    let unknown = api
        .send(
            "POST",
            "/api/v1/admin/api-tokens",
            Some(&ada),
            Some(&json!({ "name": "x", "scopes": ["everything"] })),
        )
        .await?;
    ensure!(unknown.status == 400, "{unknown:?}");
    ensure!(
        status(
            &api,
            "DELETE",
            &format!("/api/v1/admin/api-tokens/{}", made.info.id),
            &ada,
            None
        )
        .await?
            == 200
    );
    // An API token is no agent token.
    ensure!(status(&api, "GET", "/api/v1/admin/settings", &made.token, None).await? == 401);
    let page: AuditPage = api.expect("GET", "/api/v1/admin/audit", &ada, None).await?;
    let whats: Vec<&str> = page.entries.iter().map(|e| e.what.as_str()).collect();
    ensure!(
        whats
            == vec![
                "api_token.revoke",
                "api_token.create",
                "person.password_reset",
                "person.password_reset",
                "invitation.revoke",
                "person.invite",
                "person.join",
                "person.invite",
                "workspace.create"
            ],
        "{whats:?}"
    );
    Ok(())
}
