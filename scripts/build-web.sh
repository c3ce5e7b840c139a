#!/usr/bin/env bash
# Builds the visitor widget and the agent app to Wasm and lays out dist/, the
# folder wrangler serves as static assets:
#   dist/widget.js             the loader a site pastes (widget/web/loader.js)
#   dist/widget/frame.html     the chat, inside an iframe (widget/web/frame.html)
#   dist/widget/pkg/           widget.js + widget_bg.wasm (the chat) and, in
#                              call.<digest>/, widget_call.js + widget_call_bg.wasm
#                              (calls: a module of their own, imported when one rings)
#   dist/demo/index.html       a demo page with the script tag (widget/web/demo.html)
#   dist/agent/index.html      the agent app (agent-ui/web/index.html)
#   dist/agent/assets/         the agent app's static files, if agent-ui/web/assets exists
#   dist/agent/pkg/            agent_ui.js + agent_ui_bg.wasm (the app every agent
#                              loads) and __wasm_split.js + split_management.<digest>.wasm
#                              (Administration and Reports, fetched when opened)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source scripts/env.sh
for tool in "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN" "$WASM_SPLIT_BIN" "$ESBUILD_BIN"; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-tools.sh first"
done

# The widget on its own: built with the others, cargo would turn on for it
# the features they ask of chat-client (the call's state, which only its
# call module keeps).
cargo build --target wasm32-unknown-unknown --release -p widget \
  || die "building the widget for wasm32 failed (see above)"
cargo build --target wasm32-unknown-unknown --release -p widget-call -p agent-ui \
  || die "building the widget's call module and the agent app for wasm32 failed (see above)"
wasm_dir="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release"

rm -rf dist && mkdir -p dist/widget/pkg dist/agent/pkg dist/demo
optimize() { # wasm-file
  "$WASM_OPT_BIN" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types \
    -o "$1" "$1" \
    || die "wasm-opt failed on $1 (see above)"
}
bindgen() { # wasm-file out-dir out-name [wasm-bindgen options]
  "$WASM_BINDGEN_BIN" --target web --no-typescript --out-dir "$2" --out-name "$3" "${@:4}" "$1" \
    || die "wasm-bindgen failed on $1 (see above)"
  optimize "$2/$3_bg.wasm"
}
# The widget, and its calls as a wasm-bindgen module of their own
# (widget/call, imported by widget/src/call.rs only when a call rings for
# the visitor), so the usable chat carries none of a call's code, imports
# or data. The module's glue is minified; its two files go in a folder
# named by their digest, which the widget's glue names: a widget imports
# the module of its own build or fails clearly (and declines the call),
# never a cached module of another build.
bindgen "$wasm_dir/widget.wasm" dist/widget/pkg widget
call_pkg="$CARGO_TARGET_DIR/widget-call-pkg"
rm -rf "$call_pkg"
bindgen "$wasm_dir/widget_call.wasm" "$call_pkg" widget_call
"$ESBUILD_BIN" "$call_pkg/widget_call.js" --minify --format=esm --log-level=warning \
  --outfile="$call_pkg/widget_call.min.js" \
  || die "esbuild could not minify the call module's glue (see above)"
digest=$(cat "$call_pkg/widget_call.min.js" "$call_pkg/widget_call_bg.wasm" | sha256sum | cut -c1-16)
mkdir -p "dist/widget/pkg/call.$digest"
cp "$call_pkg/widget_call.min.js" "dist/widget/pkg/call.$digest/widget_call.js"
cp "$call_pkg/widget_call_bg.wasm" "dist/widget/pkg/call.$digest/"
# The widget's JavaScript glue reaches every visitor who opens the chat:
# minified, it is some 1.2 KB smaller gzipped; bundled with its snippet
# (the call module's import), one request fewer.
"$ESBUILD_BIN" dist/widget/pkg/widget.js --bundle --minify --format=esm --log-level=warning \
  --outfile=dist/widget/pkg/widget.min.js \
  || die "esbuild could not minify dist/widget/pkg/widget.js (see above)"
mv dist/widget/pkg/widget.min.js dist/widget/pkg/widget.js
rm -rf dist/widget/pkg/snippets
sed -i "s#\./call/widget_call\.js#./call.$digest/widget_call.js#" dist/widget/pkg/widget.js
grep -q "call.$digest/widget_call.js" dist/widget/pkg/widget.js \
  || die "the widget's glue does not name ./call/widget_call.js as widget/src/call.rs does"

# The agent app in two parts (agent-ui/src/on_demand.rs): wasm-split-cli
# moves what only the split points reach (Administration, Reports) into
# split_management.wasm and writes __wasm_split.js, which fetches it when
# a split point is first called. The main part then goes through
# wasm-bindgen as usual, keeping the exports the other part links to.
split_dir="$CARGO_TARGET_DIR/agent-ui-split"
rm -rf "$split_dir"
"$WASM_SPLIT_BIN" "$wasm_dir/agent_ui.wasm" "$split_dir" --out-name agent_ui \
  || die "wasm-split-cli failed on $wasm_dir/agent_ui.wasm (see above)"
[ -f "$split_dir/split_management.wasm" ] \
  || die "wasm-split-cli made no split_management.wasm: is the agent app built with --emit-relocs (agent-ui/build.rs)?"
bindgen "$split_dir/agent_ui.wasm" dist/agent/pkg agent_ui --keep-lld-exports
part=dist/agent/pkg/split_management.wasm
cp "$split_dir/__wasm_split.js" "$split_dir/split_management.wasm" dist/agent/pkg/
optimize "$part"
# The part's name carries a digest of both parts: a tab opened before a
# deploy that opens Administration after it asks for the part of its own
# build, and gets it or a clear failure, never another build's part (which
# would link to the wrong functions of the main part).
digest=$(cat dist/agent/pkg/agent_ui_bg.wasm "$part" | sha256sum | cut -c1-16)
mv "$part" "dist/agent/pkg/split_management.$digest.wasm"
sed -i "s#\"\./split_management\.wasm\"#\"./split_management.$digest.wasm\"#" dist/agent/pkg/__wasm_split.js
grep -q "split_management.$digest.wasm" dist/agent/pkg/__wasm_split.js \
  || die "__wasm_split.js does not name split_management.wasm as expected: check the wasm-split-cli version"

cp widget/web/loader.js dist/widget.js
cp widget/web/frame.html dist/widget/frame.html
cp widget/web/demo.html dist/demo/index.html
cp agent-ui/web/index.html dist/agent/index.html
# The agent app may have no static files besides index.html.
if [ -d agent-ui/web/assets ]; then
  cp -r agent-ui/web/assets dist/agent/
fi
