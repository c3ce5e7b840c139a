# Sourced first by every script (after `set -euo pipefail` and the `cd` to
# the repository root): messages, and a trap so that a step that fails
# without its own message still says which script, line and command failed.
# shellcheck shell=bash

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

set -o errtrace
trap 'printf "error: %s, line %s: \`%s\` failed (exit status %s)\n" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" "$?" >&2' ERR
