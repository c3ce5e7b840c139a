#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the worker and the apps,
# then the native unit tests, the integration tests against `wrangler dev`,
# and the browser test in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
bash scripts/build.sh
source scripts/env.sh

echo "==> unit and integration tests (cargo)"
cargo test --workspace --exclude tests
cargo test -p tests -- --test-threads=3

echo "==> browser test (headless Chromium)"
node --test tests/browser/
