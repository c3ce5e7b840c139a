#!/usr/bin/env bash
# Builds the visitor widget and the agent app to Wasm and lays out dist/, the
# folder wrangler serves as static assets:
#   dist/widget.js             the loader a site pastes (widget/web/loader.js)
#   dist/widget/frame.html     the chat, inside an iframe (widget/web/frame.html)
#   dist/widget/pkg/           widget.js + widget_bg.wasm
#   dist/demo/index.html       a demo page with the script tag (widget/web/demo.html)
#   dist/agent/index.html      the agent app (agent-ui/web/index.html)
#   dist/agent/assets/         the agent app's static files, if agent-ui/web/assets exists
#   dist/agent/pkg/            agent_ui.js + agent_ui_bg.wasm
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source scripts/env.sh
for tool in "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN"; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-tools.sh first"
done

cargo build --target wasm32-unknown-unknown --release -p widget -p agent-ui \
  || die "building the widget and the agent app for wasm32 failed (see above)"
wasm_dir="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release"

rm -rf dist && mkdir -p dist/widget/pkg dist/agent/pkg dist/demo
bindgen() { # crate-file out-dir out-name
  "$WASM_BINDGEN_BIN" --target web --no-typescript --out-dir "$2" --out-name "$3" "$wasm_dir/$1.wasm" \
    || die "wasm-bindgen failed on $wasm_dir/$1.wasm (see above)"
  "$WASM_OPT_BIN" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types \
    -o "$2/$3_bg.wasm" "$2/$3_bg.wasm" \
    || die "wasm-opt failed on $2/$3_bg.wasm (see above)"
}
bindgen widget dist/widget/pkg widget
bindgen agent_ui dist/agent/pkg agent_ui

cp widget/web/loader.js dist/widget.js
cp widget/web/frame.html dist/widget/frame.html
cp widget/web/demo.html dist/demo/index.html
cp agent-ui/web/index.html dist/agent/index.html
# The agent app may have no static files besides index.html.
if [ -d agent-ui/web/assets ]; then
  cp -r agent-ui/web/assets dist/agent/
fi
