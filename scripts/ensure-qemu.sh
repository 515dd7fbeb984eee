# Sourced by scripts/test.sh: defines ensure_qemu, which installs qemu-system-x86 (the QEMU
# driver's tests run real guests under TCG) when qemu-system-x86_64 is not on PATH, then builds
# the tiny guest of scripts/build-tiny-guest.sh into its cache folder (nothing done when it is
# already there) and exports its folder as VIRTBUS_TINY_GUEST_DIR.

ensure_qemu() {
    if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
        if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
            echo "qemu-system-x86_64 is not installed; install it (Debian: apt-get install qemu-system-x86) and run again" >&2
            exit 1
        fi
        echo "+ installing qemu-system-x86"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qemu-system-x86
        if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
            echo "installed qemu-system-x86 but qemu-system-x86_64 is still not on PATH" >&2
            exit 1
        fi
    fi
    local folder
    folder=$("$(dirname "${BASH_SOURCE[0]}")/build-tiny-guest.sh")
    export VIRTBUS_TINY_GUEST_DIR="$folder"
}
