//! Writes the HTTP API's OpenAPI document (`docs/openapi.json`) from the
//! paths in `tests/src/openapi.rs` and the `shared` wire types. The worker
//! serves that file; `cargo test -p tests --lib` fails while it is stale.

fn main() -> anyhow::Result<()> {
    let path = tests::root().join(tests::openapi::PATH);
    std::fs::write(&path, tests::openapi::text()?)?;
    println!("wrote {}", path.display());
    Ok(())
}
