#!/usr/bin/env bash
# Builds the worker (edge crate) to edge/build/ with worker-build, using the
# wasm-bindgen, wasm-opt and esbuild this project installs (worker-build
# would otherwise try to download them).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source scripts/env.sh
for tool in worker-build "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN" "$ESBUILD_BIN"; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-tools.sh first"
done

(cd edge && worker-build --release) || die "building the worker (worker-build --release in edge/) failed (see above)"
[ -f edge/build/worker/shim.mjs ] || die "worker-build finished but edge/build/worker/shim.mjs, which wrangler.toml runs, is not there"
# Smaller to upload and to start: the same size pass as the apps' Wasm.
# LIVECHAT_WASM_NAMES=1 keeps the functions' names, for a CPU profile
# (../shared/tools/profile-worker.mjs) that shows Rust names.
names=()
[ "${LIVECHAT_WASM_NAMES:-}" = 1 ] && names=(-g)
"$WASM_OPT_BIN" -Oz "${names[@]}" --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  edge/build/index_bg.wasm -o edge/build/index_bg.wasm \
  || die "wasm-opt failed on edge/build/index_bg.wasm (see above)"
