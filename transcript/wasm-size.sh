#!/usr/bin/env bash
# What the transcript crate adds to a Wasm module (the worker's target):
# builds two tiny cdylibs for wasm32-unknown-unknown with the workspace's
# release settings, one that calls `transcript::render` (every path: text,
# JPEG, PNG) and one that does not, and prints both sizes raw, after
# `wasm-opt -Oz` and gzipped. The wrappers are written under
# $CARGO_TARGET_DIR, nothing in the repository changes.
#
#   CARGO_TARGET_DIR=... bash transcript/wasm-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
: "${CARGO_TARGET_DIR:?set CARGO_TARGET_DIR}"

root="$(pwd)"
dir="$CARGO_TARGET_DIR/transcript-wasm-size"
mkdir -p "$dir/src"
cp Cargo.lock "$dir/Cargo.lock"
cat >"$dir/Cargo.toml" <<EOF
[package]
name = "transcript-wasm-size"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]

[features]
render = []

[dependencies]
transcript = { path = "$root/transcript" }

[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"

[workspace]
EOF
cat >"$dir/src/lib.rs" <<'EOF'
//! A Wasm export that renders a transcript from bytes the host passes in
//! (so nothing is folded away at compile time), or with the `render`
//! feature off, only touches the bytes: the difference is the crate's cost.

#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len);
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

#[no_mangle]
pub unsafe extern "C" fn render(ptr: *const u8, len: usize, with_attachments: u32) -> usize {
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut t = transcript::Transcript::default();
    t.header.title = text.clone();
    t.messages.push(transcript::Message {
        text,
        attachments: vec![transcript::Attachment { bytes: Some(bytes.to_vec()), ..Default::default() }],
        ..Default::default()
    });
    if cfg!(feature = "render") {
        let options = transcript::Options { with_attachments: with_attachments != 0 };
        transcript::render(&t, &options).map_or(0, |pdf| pdf.len())
    } else {
        t.header.title.len() + t.messages.len() + with_attachments as usize
    }
}
EOF

wasm_opt="$root/node_modules/.bin/wasm-opt"
report() {
  local wasm="$1" label="$2"
  local raw opt gz
  raw=$(stat -c %s "$wasm")
  if [ -x "$wasm_opt" ]; then
    "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext "$wasm" -o "$wasm.opt"
  else
    cp "$wasm" "$wasm.opt"
  fi
  opt=$(stat -c %s "$wasm.opt")
  gz=$(gzip -9 -c "$wasm.opt" | wc -c)
  printf '%-28s %10s %12s %10s\n' "$label" "$((raw / 1024)) KB" "$((opt / 1024)) KB" "$((gz / 1024)) KB"
  echo "$gz" >"$wasm.gz-size"
}

out="$dir/target/wasm32-unknown-unknown/release/transcript_wasm_size.wasm"
say "building the wrappers for wasm32-unknown-unknown"
printf '%-28s %10s %12s %10s\n' "" "raw" "wasm-opt -Oz" "gzip -9"
(cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --quiet --release --target wasm32-unknown-unknown)
cp "$out" "$dir/without.wasm"
report "$dir/without.wasm" "without transcript::render"
(cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --quiet --release --target wasm32-unknown-unknown --features render)
cp "$out" "$dir/with.wasm"
report "$dir/with.wasm" "with transcript::render"
echo "transcript::render costs $(( ($(cat "$dir/with.wasm.gz-size") - $(cat "$dir/without.wasm.gz-size")) / 1024 )) KB gzipped (of which the font is about 66 KB)"
