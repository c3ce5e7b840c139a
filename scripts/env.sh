# Sourced by the other scripts: where the tools and the build output live.
# CARGO_TARGET_DIR may point outside the clone so a reused machine keeps its
# build cache between clones.
# shellcheck shell=bash
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PWD/node_modules/.bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$cargo_bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/node_modules/.bin/wasm-opt}"
export WASM_SPLIT_BIN="${WASM_SPLIT_BIN:-$cargo_bin/wasm-split-cli}"
export ESBUILD_BIN="${ESBUILD_BIN:-$PWD/node_modules/.bin/esbuild}"
unset cargo_bin
