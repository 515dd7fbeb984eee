#!/usr/bin/env bash
# The cost of per-call authorization: N calls of a read (GetState of the test domain, by user
# nobody with group libvirt) and of a write (Suspend and Resume in turn, by root) on a
# private system bus with a real polkitd, the service running as user virtbus with
# --authorization polkit, then none. Two ways of calling:
#   same: one connection makes every call (after the first, polkit's answer is cached);
#   new:  a new connection for every call (a new caller each time: polkit is asked each time).
# Needs root, polkitd, the virtbus account (scripts/ensure-polkit.sh) and /usr/bin/python3
# with python3-dbus. polkitd reads actions only from /usr/share/polkit-1/actions: the
# project's actions file is put there for the run and libvirt's, if any, put back after.
# Every process started is stopped by its pid.
# Usage: bench/authz/run.sh [BINARY] (default target/release/virtbus); N=2000 by default.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=$(realpath "${1:-target/release/virtbus}")
n=${N:-2000}
actions=/usr/share/polkit-1/actions/org.libvirt.api.policy
saved=$actions.virtbus-bench-saved
dir=$(mktemp -d /tmp/virtbus-authz-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -e "$saved" ]; then mv "$saved" "$actions"; else rm -f "$actions"; fi
    rm -rf "$dir"
}
trap cleanup EXIT
[ -e "$actions" ] && mv "$actions" "$saved"
cp polkit/org.libvirt.api.policy "$actions"

chmod 755 "$dir"
mkdir "$dir/system.d"
cp data/org.libvirt.conf "$dir/system.d/"
sed -e '/<user>/d' -e '/<fork\/>/d' -e '/<standard_system_servicedirs\/>/d' \
    -e '/<servicehelper>/d' -e '/<pidfile>/d' -e '/<syslog\/>/d' \
    -e "s|<listen>.*</listen>|<listen>unix:path=$dir/bus</listen>|" \
    -e "s|<includedir>system.d</includedir>|<includedir>/usr/share/dbus-1/system.d</includedir><includedir>$dir/system.d</includedir>|" \
    /usr/share/dbus-1/system.conf > "$dir/bus.conf"
dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile 2> "$dir/bus.log" &
pids+=($!)
sleep 0.3
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/bus
(cd / && exec /usr/lib/polkit-1/polkitd --no-debug) > "$dir/polkitd.log" 2>&1 &
pids+=($!)
sleep 0.5
for auth in polkit none; do
    (cd / && exec setpriv --reuid=virtbus --regid=virtbus --clear-groups "$bin" \
        --address "unix:path=$dir/bus" --connections test --authorization "$auth" \
        --log-level warn) > "$dir/virtbus-$auth.log" 2>&1 &
    svc=$!
    pids+=("$svc")
    sleep 1
    for mode in same new; do
        echo -n "$auth "
        timeout 300 setpriv --reuid=nobody --regid=nogroup --groups=libvirt \
            /usr/bin/python3 bench/authz/calls.py "unix:path=$dir/bus" "$mode" "$n" read
        echo -n "$auth "
        timeout 300 /usr/bin/python3 bench/authz/calls.py "unix:path=$dir/bus" "$mode" "$n" write
    done
    kill "$svc"
    wait "$svc" 2>/dev/null || true
done
