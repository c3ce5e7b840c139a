#!/usr/bin/env bash
# Builds everything and prints the benchmark figures (see tests/src/bin/bench.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
bash scripts/build.sh
source scripts/env.sh
cargo run --release -p tests --bin bench
cargo run --release -p tests --bin route-bench
