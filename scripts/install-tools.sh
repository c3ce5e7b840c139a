#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping what is there:
# the wasm32 target, the wasm-bindgen CLI matching Cargo.lock, worker-build,
# the npm packages from package-lock.json (wrangler/workerd, esbuild,
# binaryen's wasm-opt, playwright-core), and Debian's Chromium for the
# browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate version in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$("$WASM_BINDGEN_BIN" --version 2>/dev/null | awk '{print $NF}')" != "$bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (a few minutes)"
  # --locked first; its lock may name a crate version the registry no
  # longer serves, in which case resolve afresh.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --locked \
    || cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

worker_build_version=$(awk '/^name = "worker"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$worker_build_version" ]; then
  say "installing worker-build $worker_build_version (a few minutes)"
  cargo install worker-build --version "$worker_build_version" --locked \
    || cargo install worker-build --version "$worker_build_version"
fi

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund
fi

if ! command -v chromium >/dev/null 2>&1; then
  say "installing Chromium (Debian package) for the browser tests"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
