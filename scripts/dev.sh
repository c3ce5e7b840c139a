#!/usr/bin/env bash
# Quick start: installs what building and running need (not Chromium, which
# only the tests use), builds everything, runs the worker under `wrangler dev`
# on loopback, seeds the demo workspace and prints where to open the demo
# page and the agent app. Ctrl-C stops it.
#   PORT=8787           the port to listen on
#   HEALTH_TIMEOUT=60   seconds to wait for the worker to answer
# wrangler's output is shown and kept in .wrangler/dev-$PORT.log.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/install-tools.sh
bash scripts/build.sh
source scripts/env.sh
port="${PORT:-8787}"
health_timeout="${HEALTH_TIMEOUT:-60}"

# Local secrets: made once, kept out of git.
random_secret() { head -c 32 /dev/urandom | base64 | tr -d '/+='; }
if [ ! -f .dev.vars ]; then
  printf 'AUTH_SECRET=%s\nSETUP_TOKEN=%s\n' "$(random_secret)" "$(random_secret)" > .dev.vars
fi
# Added to an older .dev.vars too: the code that guards sign-up.
if ! grep -q '^SIGNUP_CODE=' .dev.vars; then
  printf 'SIGNUP_CODE=%s\n' "$(random_secret | head -c 12)" >> .dev.vars
fi
setup_token=$(sed -n 's/^SETUP_TOKEN=//p' .dev.vars)
[ -n "$setup_token" ] || die ".dev.vars has no SETUP_TOKEN line: add one, or delete .dev.vars to have new secrets made"
signup_code=$(sed -n 's/^SIGNUP_CODE=//p' .dev.vars)
[ -n "$signup_code" ] || die ".dev.vars has an empty SIGNUP_CODE line: set one, or delete the line to have one made"

mkdir -p .wrangler
log=".wrangler/dev-$port.log"
: > "$log"
wrangler dev --ip 127.0.0.1 --port "$port" --show-interactive-dev-session=false >"$log" 2>&1 &
wrangler_pid=$!
# Show wrangler's output here as it comes; stops when wrangler does.
tail -n +1 -f --pid="$wrangler_pid" "$log" &
tail_pid=$!

stop() {
  if kill -0 "$wrangler_pid" 2>/dev/null; then # still running (Ctrl-C may have stopped it already)
    kill "$wrangler_pid"
    # Its exit status is that of a stopped process: nothing to report.
    wait "$wrangler_pid" || :
  fi
  if kill -0 "$tail_pid" 2>/dev/null; then
    kill "$tail_pid"
    wait "$tail_pid" || :
  fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# It says what failed, if anything did.
SIGNUP_CODE="$signup_code" node scripts/dev-seed.mjs "$port" "$wrangler_pid" "$health_timeout" "$log" || exit

cat <<MSG

  Live chat is running on http://127.0.0.1:$port

  Demo page (visitor widget):  http://127.0.0.1:$port/demo/
  Agent app:                   http://127.0.0.1:$port/agent/
  Create a workspace:          http://127.0.0.1:$port/agent/?signup
                               sign-up code $signup_code (SIGNUP_CODE in .dev.vars)

  Demo workspace "demo", site key demo.website (department Support),
  signed up by its administrator and then imported from
  scripts/demo-workspace.json:
    admin    admin@demo.test    password admin-demo-pass  (Administration)
MSG
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
const { agents } = JSON.parse(require("fs").readFileSync("scripts/demo-workspace.json", "utf8"));
for (const a of agents) {
  console.log(`    ${a.role.padEnd(8)} ${a.email.padEnd(18)} password ${a.password.padEnd(16)} departments ${a.departments.join(", ")}`);
}'
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
const { sites } = JSON.parse(require("fs").readFileSync("scripts/demo-workspace.json", "utf8"));
for (const s of sites) {
  console.log(`\n  Site ${s.id}: allowed origins ${(s.allowed_origins || []).join(", ") || "(the worker only)"}`);
  if (s.secret) console.log(`    secret ${s.secret} (X-Site-Secret, and the key of setUser hashes:`
    + ` HMAC-SHA256(secret, user id) in lowercase hex)`);
}'
cat <<MSG

  Sign in to the agent app and set your status to Available: while nobody
  is available, the widget offers visitors the offline message form.
  Ctrl-C stops the worker; conversations are kept under .wrangler/state.
MSG
if wait "$wrangler_pid"; then
  say "wrangler dev stopped"
else
  die "wrangler dev stopped with exit status $?; see $log"
fi
