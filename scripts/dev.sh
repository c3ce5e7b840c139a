#!/usr/bin/env bash
# Quick start: installs what is missing, builds everything, runs the worker
# under `wrangler dev` on loopback, seeds the demo workspace and prints where
# to open the demo page and the agent app. Ctrl-C stops it.
#   PORT=8787  the port to listen on
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
bash scripts/build.sh
source scripts/env.sh
port="${PORT:-8787}"

# Local secrets: made once, kept out of git.
if [ ! -f .dev.vars ]; then
  printf 'AUTH_SECRET=%s\nSETUP_TOKEN=%s\n' "$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" \
    "$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" > .dev.vars
fi
setup_token=$(sed -n 's/^SETUP_TOKEN=//p' .dev.vars)

wrangler dev --ip 127.0.0.1 --port "$port" --show-interactive-dev-session=false &
wrangler_pid=$!
trap 'kill $wrangler_pid 2>/dev/null; wait $wrangler_pid 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
  kill -0 $wrangler_pid 2>/dev/null || { echo "wrangler dev exited" >&2; exit 1; }
  sleep 0.25
done
curl -fsS -X POST "http://127.0.0.1:$port/api/v1/admin/setup" \
  -H "authorization: Bearer $setup_token" -H 'content-type: application/json' \
  --data @scripts/demo-workspace.json >/dev/null

cat <<MSG

  Live chat is running on http://127.0.0.1:$port

  Demo page (visitor widget):  http://127.0.0.1:$port/demo/
  Agent app:                   http://127.0.0.1:$port/agent/

  Demo workspace "demo", site key demo.website (department Support):
MSG
python3 - <<'PY'
import json
for a in json.load(open("scripts/demo-workspace.json"))["agents"]:
    print(f"    {a['role']:<8} {a['email']:<18} password {a['password']:<16} departments {', '.join(a['departments'])}")
PY
echo
echo "  Sign in to the agent app and set your status to Available: while nobody"
echo "  is available, the widget offers visitors the offline message form."
echo "  Ctrl-C stops the worker; conversations are kept under .wrangler/state."
wait $wrangler_pid
