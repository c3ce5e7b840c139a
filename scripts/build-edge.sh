#!/usr/bin/env bash
# Builds the worker (edge crate) to edge/build/ with worker-build, using the
# wasm-bindgen, wasm-opt and esbuild this project installs (worker-build
# would otherwise try to download them).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cd edge
worker-build --release
