#!/usr/bin/env bash
# Runs every test: installs what is missing (Chromium included), then the
# native tests of every workspace crate, builds the worker and the apps, and
# runs the integration tests against the local worker (wrangler's runtime) and the browser tests in
# headless Chromium. (A plain `cargo test` runs only the native tests of the
# default members; see the README.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/install-tools.sh --for-tests
source scripts/env.sh

say "native tests of every crate (cargo test --workspace --exclude tests)"
cargo test --workspace --exclude tests || die "native tests failed (see above)"

bash scripts/build.sh

say "the deployment's bundle (wrangler deploy --dry-run)"
bundle=$(mktemp -d)
wrangler deploy --dry-run --outdir "$bundle" || die "wrangler deploy --dry-run failed: the deployment would not bundle (see above)"
rm -rf "$bundle"

say "integration tests against wrangler dev (cargo test -p tests)"
cargo test -p tests -- --test-threads=3 || die "integration tests failed (see above)"

say "browser tests in headless Chromium (node --test tests/browser/)"
node --test tests/browser/ || die "browser tests failed (see above)"
