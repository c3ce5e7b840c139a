#!/usr/bin/env bash
# Builds everything: the worker (edge/build/) and the widget, agent app and
# demo page (dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/build-edge.sh
bash scripts/build-web.sh
