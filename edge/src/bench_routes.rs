//! Routes only where the benchmark's routes are on (`ENABLE_BENCH_ECHO`):
//! the echo floor, the tables an object holds, the rows it wrote, and a
//! conversation put back in its earlier tables, for the benchmarks and
//! the tests.

use super::*;

/// A benchmark route's check: the routes are on (`ENABLE_BENCH_ECHO`)
/// and `id` is a valid id; otherwise it is refused as an unknown route.
pub(crate) fn bench_route(env: &Env, id: &str) -> Result<()> {
    let enabled = env
        .var("ENABLE_BENCH_ECHO")
        .map(|v| v.to_string() == "true")
        .unwrap_or(false);
    if !enabled || !is_valid_id(id) {
        return Err(Error::refused(ErrorCode::NotFound, "no such route"));
    }
    Ok(())
}

/// The tables a conversation object holds (only where the benchmark's
/// routes are on): the tests' proof that an id nobody created stored
/// nothing.
pub(crate) async fn stored(env: &Env, id: &str) -> Result<Response> {
    bench_route(env, id)?;
    http::call(&conversation(env, id)?, "/stored", &serde_json::json!({})).await
}

/// Puts a conversation's storage back in its earlier tables (only where
/// the benchmark's routes are on): the tests' way to check its migration.
pub(crate) async fn earlier_layout(env: &Env, id: &str) -> Result<Response> {
    bench_route(env, id)?;
    http::call(
        &conversation(env, id)?,
        "/earlier-layout",
        &serde_json::json!({}),
    )
    .await
}

/// The tables a workspace object holds (only where the benchmark's routes
/// are on): the tests' proof that a name nobody set up stored nothing.
pub(crate) async fn stored_workspace(env: &Env, name: &str) -> Result<Response> {
    bench_route(env, name)?;
    http::call(&workspace(env, name)?, "/stored", &serde_json::json!({})).await
}

/// The rows one object wrote since it was loaded, for the benchmark's
/// cost figures: `kind` is `conversation`, `workspace`, `contacts` or
/// `reports`, `name` the object's (a conversation's id, a workspace's
/// slug for the others).
pub(crate) async fn rows(env: &Env, kind: &str, name: &str) -> Result<Response> {
    let binding = match kind {
        "conversation" => "CONVERSATION",
        "workspace" => "WORKSPACE",
        "contacts" => "CONTACTS",
        "reports" => "REPORTS",
        _ => return Err(Error::refused(ErrorCode::NotFound, "no such route")),
    };
    bench_route(env, name)?;
    let stub = env.durable_object(binding)?.get_by_name(name)?;
    Ok(stub.fetch_with_str("https://object/rows").await?)
}

/// The echo floor's socket.
pub(crate) async fn echo(env: &Env, room: &str) -> Result<Response> {
    bench_route(env, room)?;
    let stub = env.durable_object("ECHO")?.get_by_name(room)?;
    http::forward_socket(&stub, "/ws", &[]).await
}
