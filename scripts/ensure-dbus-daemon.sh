# Sourced by scripts/test.sh and scripts/demo.sh: defines ensure_dbus_daemon, which installs
# dbus-daemon (the tests and the demo start private buses with it) when it is not on PATH.

ensure_dbus_daemon() {
    if command -v dbus-daemon >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "dbus-daemon is not installed; install it (Debian: apt-get install dbus-daemon) and run again" >&2
        exit 1
    fi
    echo "+ installing dbus-daemon"
    apt-get update
    # Debian 12 and later ship it in "dbus-daemon"; older releases in "dbus".
    local pkg=dbus-daemon
    if ! apt-cache show dbus-daemon >/dev/null 2>&1; then
        pkg=dbus
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg"
    if ! command -v dbus-daemon >/dev/null 2>&1; then
        echo "installed $pkg but dbus-daemon is still not on PATH" >&2
        exit 1
    fi
}
