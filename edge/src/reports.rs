//! The worker's side of reports: `GET /api/v1/reports` (JSON, or one
//! table as CSV), the benchmark's bulk load and refold, and the filing a
//! closed conversation makes. The rules (what a fact is, how facts add up, the
//! period, hours and days in a time zone, CSV) are in
//! `chat_core::reports`; the sums are made by the workspace's
//! [`crate::reports_object::ReportsObject`].

use crate::auth::Kind;
use crate::error::{Error, Result};
use crate::http::{self, json};
use crate::reports_object::MAX_SEED_BYTES;
use crate::workspace_object::Asking;
use chat_core::reports::{self, Fact, Grouped, Query, Table};
use shared::admin::ApiScope;
use shared::api::Directory;
use shared::frame::ErrorCode;
use std::collections::HashMap;
use worker::{Env, Request, Response, Stub};

/// The workspace's reports store.
pub fn store(env: &Env, workspace: &str) -> Result<Stub> {
    Ok(env.durable_object("REPORTS")?.get_by_name(workspace)?)
}

/// `GET /api/v1/reports?from=&to=&department=&agent=&tz=`, and with
/// `&format=csv&table=by_agent|by_department|by_day|by_hour` that table
/// as `text/csv`. Needs a person who may `manage_workspace`, or an API
/// token with `reports_read`.
pub async fn get(req: &Request, env: &Env) -> Result<Response> {
    let (workspace, directory) = reader(req, env).await?;
    let url = req.url()?;
    let param = |name: &str| http::param(&url, name);
    let query =
        Query::parse(param, http::now()).map_err(|m| Error::refused(ErrorCode::BadRequest, m))?;
    let csv_table = match param("format").as_deref() {
        None | Some("json") => None,
        Some("csv") => {
            let name = param("table").unwrap_or_default();
            Some(Table::parse(&name).ok_or_else(|| {
                Error::refused(
                    ErrorCode::BadRequest,
                    "table: by_agent, by_department, by_day or by_hour",
                )
            })?)
        }
        Some(_) => return Err(Error::refused(ErrorCode::BadRequest, "format: json or csv")),
    };
    let departments: HashMap<String, String> = directory
        .departments
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let agents: HashMap<String, String> = directory
        .agents
        .into_iter()
        .map(|a| (a.id.0, a.name))
        .collect();
    let grouped: Grouped = http::ask(&store(env, &workspace)?, "/query", &query).await?;
    let report = reports::report(&query, grouped, &agents, &departments);
    let Some(table) = csv_table else {
        return json(&report);
    };
    let mut response = Response::ok(reports::csv(&report, table))?;
    let headers = response.headers_mut();
    headers.set("content-type", "text/csv; charset=utf-8")?;
    headers.set(
        "content-disposition",
        &format!(
            "attachment; filename=\"{}\"",
            table.file_name(&report, query.tz_minutes)
        ),
    )?;
    headers.set("cache-control", "private, no-store")?;
    Ok(response)
}

/// Who reads the report: an API token (`lct_…`) with `reports_read`, or
/// a person's token whose role may manage the workspace. Answers the
/// workspace and its departments and agents as they are now, to name
/// the report's rows.
async fn reader(req: &Request, env: &Env) -> Result<(String, Directory)> {
    let api_token = http::bearer(req).is_some_and(|t| t.starts_with("lct_"));
    if api_token {
        let caller = crate::admin::api_caller(req, env, ApiScope::ReportsRead).await?;
        let directory = http::ask(
            &crate::workspace(env, &caller.workspace)?,
            "/api-directory",
            &serde_json::json!({}),
        )
        .await?;
        return Ok((caller.workspace, directory));
    }
    let admin = crate::admin::authorize(req, env).await?;
    let claims = crate::claims(req, env, Kind::Agent)?;
    let ask = Asking {
        who: crate::principal(&claims),
        conversation: None,
        action: None,
    };
    let directory = http::ask(
        &crate::workspace(env, &admin.workspace)?,
        "/directory",
        &ask,
    )
    .await?;
    Ok((admin.workspace, directory))
}

/// Files a closed conversation's fact with its workspace's store.
pub async fn file(env: &Env, workspace: &str, fact: &Fact) -> Result<()> {
    let _: serde_json::Value = http::ask(&store(env, workspace)?, "/file", fact).await?;
    Ok(())
}

/// `POST /api/v1/bench/reports/{workspace}`: the benchmark's bulk load of
/// facts, each filed as a conversation files it, only where benchmarks
/// are enabled. Answers how many and the rows written.
pub async fn seed(mut req: Request, env: &Env, workspace: &str) -> Result<Response> {
    crate::bench_routes::bench_route(env, workspace)?;
    let batch: Vec<Fact> = http::read_json_max(&mut req, MAX_SEED_BYTES).await?;
    http::call(&store(env, workspace)?, "/seed", &batch).await
}

/// `POST /api/v1/bench/reports/{workspace}/refold`: the store forgets its
/// kept sums and folds its facts into them again, as a store made before
/// sums were kept does once; only where benchmarks are enabled.
pub async fn refold(env: &Env, workspace: &str) -> Result<Response> {
    crate::bench_routes::bench_route(env, workspace)?;
    http::call(&store(env, workspace)?, "/refold", &serde_json::json!({})).await
}
