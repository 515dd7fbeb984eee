#!/usr/bin/env bash
# Try virtbus: builds it, starts a private D-Bus bus and virtbus on it (embedded test driver
# at /org/libvirt/Test, QEMU driver at /org/libvirt/QEMU, its files under the user's XDG
# folders), and prints the address to use from other terminals. Stays in the
# foreground with the service's log; Ctrl-C stops the service and the bus.
# Usage: scripts/demo.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/ensure-dbus-daemon.sh
. scripts/ensure-dbus-daemon.sh
ensure_dbus_daemon

cargo build --release --locked -p virtbus
bin=$PWD/target/release/virtbus

# A fixed place, so that other terminals find the address; unix socket paths are short.
dir=$PWD/target/demo
if [ "${#dir}" -gt 90 ]; then
    dir=$(mktemp -d /tmp/virtbus-demo.XXXXXX)
fi
mkdir -p "$dir"
socket=$dir/bus
address=unix:path=$socket

if [ -S "$socket" ] && dbus-send --bus="$address" --print-reply --reply-timeout=1000 \
    --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.Peer.Ping \
    >/dev/null 2>&1; then
    echo "a demo bus is already running at $address; stop it first" >&2
    exit 1
fi
rm -f "$socket"

# A bus of our own: no service activation, so nothing but virtbus can own org.libvirt.
cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>$address</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF

bus_pid=
svc_pid=
cleanup() {
    if [ -n "$svc_pid" ]; then
        kill "$svc_pid" 2>/dev/null || true
        wait "$svc_pid" 2>/dev/null || true
    fi
    if [ -n "$bus_pid" ]; then
        kill "$bus_pid" 2>/dev/null || true
        wait "$bus_pid" 2>/dev/null || true
    fi
    rm -f "$socket" "$dir/env"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile 2>"$dir/bus.log" &
bus_pid=$!
for _ in $(seq 100); do
    [ -S "$socket" ] && break
    sleep 0.05
done
if [ ! -S "$socket" ]; then
    echo "dbus-daemon did not start:" >&2
    cat "$dir/bus.log" >&2
    exit 1
fi

# A private bus without polkitd: nobody to ask, and the demo's caller owns it.
"$bin" --address "$address" --authorization none &
svc_pid=$!
owned=
for _ in $(seq 100); do
    if dbus-send --bus="$address" --print-reply --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.libvirt 2>/dev/null |
        grep -q 'boolean true'; then
        owned=1
        break
    fi
    kill -0 "$svc_pid" 2>/dev/null || break
    sleep 0.05
done
if [ -z "$owned" ]; then
    echo "virtbus did not take the name org.libvirt" >&2
    exit 1
fi

echo "export DBUS_SESSION_BUS_ADDRESS='$address'" >"$dir/env"
cat <<MSG

virtbus is serving org.libvirt on a private bus (embedded test driver: /org/libvirt/Test;
QEMU driver, qemu:///session: /org/libvirt/QEMU).
In another terminal:

    . $dir/env
    busctl --user tree org.libvirt

Ctrl-C here stops virtbus and the bus.

MSG

set +e
wait "$svc_pid"
status=$?
svc_pid=
echo "virtbus exited with status $status" >&2
exit "$status"
