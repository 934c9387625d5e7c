#!/usr/bin/env bash
# Runs a command with the project's toolchain on PATH (setting it up first when needed).
set -euo pipefail
# shellcheck source=toolchain.sh
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
exec "$@"
