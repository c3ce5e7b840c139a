#!/usr/bin/env bash
# Installs what building and running the product needs, skipping what is
# there: a C compiler for Rust's linking (Debian's gcc, only if `cc` is
# missing), the wasm32 target, the wasm-bindgen CLI matching Cargo.lock,
# worker-build, wasm-split-cli (splits the agent app's Wasm), and the npm packages from package-lock.json (wrangler/workerd,
# esbuild, binaryen's wasm-opt, playwright-core).
#   --for-tests  also Debian's Chromium, which only the browser tests use
# It expects rustup, Node 20.3 or later with npm, and (when something from
# Debian is missing) apt-get, as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source scripts/env.sh

for_tests=false
case "${1-}" in
  "") ;;
  --for-tests) for_tests=true ;;
  *) die "unknown argument '$1' (usage: scripts/install-tools.sh [--for-tests])" ;;
esac

# What the scripts do not install: say so before anything else runs.
command -v rustup >/dev/null || die "rustup is missing: install it from https://rustup.rs, then open a new shell"
command -v cargo >/dev/null || die "cargo is missing: run \`rustup default stable\`"
command -v node >/dev/null || die "Node is missing: install Node 20.3 or later (with npm)"
command -v npm >/dev/null || die "npm is missing: install it with Node 20.3 or later"
node -e 'const [a, b] = process.versions.node.split(".").map(Number);
         process.exit(a > 20 || (a === 20 && b >= 3) ? 0 : 1)' \
  || die "Node $(node --version) is too old: wrangler needs Node 20.3 or later"

# Installs Debian packages, as root or through sudo.
apt_install() {
  command -v apt-get >/dev/null || die "$* must be installed, and apt-get is missing: install them with this system's package manager"
  local as_root=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "installing $* needs root: run this as root, or install sudo"
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update -qq || die "apt-get update failed (see above)"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || die "apt-get install $* failed (see above)"
}

# The version a tool prints as the last word of `--version`; nothing if the
# tool is not installed.
installed_version() {
  if command -v "$1" >/dev/null; then
    "$1" --version | awk '{ v = $NF } END { print v }'
  fi
}

# The version of a package in Cargo.lock.
locked_version() {
  local v
  v=$(awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  [ -n "$v" ] || die "Cargo.lock names no package '$1'"
  printf '%s\n' "$v"
}

# cargo install at a version: with the crate's own lock first; that lock may
# name a dependency version the registry no longer serves, in which case
# resolve afresh.
cargo_install() { # crate version [cargo install options]
  cargo install "$1" --version "$2" "${@:3}" --locked && return
  say "cargo install $1 --locked failed (see above); trying again with dependencies resolved afresh"
  cargo install "$1" --version "$2" "${@:3}" || die "cargo install $1 --version $2 failed (see above)"
}

if ! command -v cc >/dev/null; then
  say "installing gcc (Rust links native code and build scripts with cc)"
  apt_install gcc libc6-dev
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate version in Cargo.lock exactly.
bindgen_version=$(locked_version wasm-bindgen)
if [ "$(installed_version "$WASM_BINDGEN_BIN")" != "$bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (a few minutes)"
  cargo_install wasm-bindgen-cli "$bindgen_version"
  got=$(installed_version "$WASM_BINDGEN_BIN")
  [ "$got" = "$bindgen_version" ] \
    || die "wasm-bindgen-cli $bindgen_version was installed, but $WASM_BINDGEN_BIN says '${got:-(not found)}': set WASM_BINDGEN_BIN to the installed binary"
fi

worker_build_version=$(locked_version worker)
if [ "$(installed_version worker-build)" != "$worker_build_version" ]; then
  say "installing worker-build $worker_build_version (a few minutes)"
  cargo_install worker-build "$worker_build_version"
  got=$(installed_version worker-build)
  [ "$got" = "$worker_build_version" ] \
    || die "worker-build $worker_build_version was installed, but worker-build on PATH says '${got:-(not found)}'"
fi

# wasm-split-cli prints no version: cargo's list of installed crates says
# which one is there. Any release reading wasm_split_helpers 0.2's markers
# will do; this one is the version the build was checked with.
split_cli_version=0.2.4
if [ ! -x "$WASM_SPLIT_BIN" ] \
  || ! cargo install --list | grep -qx "wasm_split_cli_support v$split_cli_version:"; then
  say "installing wasm-split-cli $split_cli_version (a few minutes)"
  cargo_install wasm_split_cli_support "$split_cli_version" --features build-binary
  [ -x "$WASM_SPLIT_BIN" ] \
    || die "wasm_split_cli_support $split_cli_version was installed, but $WASM_SPLIT_BIN is missing: set WASM_SPLIT_BIN to the installed wasm-split-cli"
fi

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund
fi
for tool in wrangler esbuild wasm-opt; do
  [ -x "node_modules/.bin/$tool" ] || die "node_modules/.bin/$tool is missing after npm ci: remove node_modules and run this again"
done

if $for_tests; then
  # The browser tests start ${CHROMIUM:-/usr/bin/chromium} (tests/browser/harness.mjs).
  chromium="${CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    [ -z "${CHROMIUM-}" ] || die "CHROMIUM=$CHROMIUM is not an executable file"
    say "installing Chromium (Debian package) for the browser tests"
    apt_install chromium
    [ -x "$chromium" ] || die "the chromium package is installed, but $chromium is not there: set CHROMIUM to its path"
  fi
fi
