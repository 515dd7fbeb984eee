#!/usr/bin/env bash
# The project's one test command: installs what the tests need when it is missing, then runs
# the format check, clippy and every test of the workspace. Exits non-zero if any step fails.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/ensure-dbus-daemon.sh
. scripts/ensure-dbus-daemon.sh
ensure_dbus_daemon
. scripts/ensure-qemu.sh && ensure_qemu # qemu-system-x86 and the tiny guest (drivers/qemu tests)
. scripts/ensure-polkit.sh && ensure_polkit # polkitd and the virtbus account (tests/authz.rs)

failed=()
step() {
    echo "+ $*"
    if ! "$@"; then
        failed+=("$*")
    fi
}

step cargo fmt --all -- --check
step cargo clippy --workspace --all-targets --locked -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
step_test() {
    echo "+ cargo test --workspace --locked --no-fail-fast"
    if ! cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"; then
        failed+=("cargo test --workspace --locked --no-fail-fast")
    fi
}
step_test

if [ "${#failed[@]}" -ne 0 ]; then
    echo "scripts/test.sh: FAILED:"
    printf '  %s\n' "${failed[@]}"
else
    echo "scripts/test.sh: all checks passed"
fi
# The closing line: the totals of every test binary (cargo prints one line per binary, and
# the last of them is often a doc-test run with nothing in it).
awk '/^test result:/ { p += $4; f += $6 } END { printf "%d passed, %d failed\n", p, f }' "$log"
[ "${#failed[@]}" -eq 0 ]
