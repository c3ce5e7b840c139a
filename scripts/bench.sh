#!/usr/bin/env bash
# Builds everything and prints the benchmark figures (see tests/src/bin/bench/main.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/install-tools.sh
bash scripts/build.sh
source scripts/env.sh
cargo run --release -p tests --bin bench || die "the benchmark (tests/src/bin/bench/main.rs) failed (see above)"
cargo run --release -p tests --bin route-bench || die "the routing benchmark (tests/src/bin/route_bench.rs) failed (see above)"
cargo run --release -p tests --bin start-bench || die "the start benchmark (tests/src/bin/start_bench/) failed (see above)"
cargo run --release -p tests --bin search-bench || die "the message search benchmark (tests/src/bin/search_bench.rs) failed (see above)"
cargo run --release -p tests --bin contacts-bench || die "the contacts benchmark (tests/src/bin/contacts_bench.rs) failed (see above)"
cargo run --release -p tests --bin flood-bench || die "the flood benchmark (tests/src/bin/flood_bench.rs) failed (see above)"
cargo run --release -p transcript --example transcript-bench || die "the transcript benchmark (transcript/examples/transcript_bench.rs) failed (see above)"
node tests/browser/widget_weight.mjs || die "the widget weight benchmark (tests/browser/widget_weight.mjs) failed (see above)"
node tests/browser/call_timing.mjs || die "the call timing benchmark (tests/browser/call_timing.mjs) failed (see above)"
