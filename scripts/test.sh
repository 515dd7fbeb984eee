#!/usr/bin/env bash
# The project's one test command: installs what the tests need when it is missing, then runs
# the format check, clippy and every test of the workspace. Exits non-zero if any step fails.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/ensure-dbus-daemon.sh
. scripts/ensure-dbus-daemon.sh
ensure_dbus_daemon

failed=()
step() {
    echo "+ $*"
    if ! "$@"; then
        failed+=("$*")
    fi
}

step cargo fmt --all -- --check
step cargo clippy --workspace --all-targets --locked -- -D warnings
step cargo test --workspace --locked --no-fail-fast

if [ "${#failed[@]}" -ne 0 ]; then
    echo "scripts/test.sh: FAILED:" >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "scripts/test.sh: all checks passed"
