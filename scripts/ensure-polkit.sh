# Sourced by scripts/test.sh: defines ensure_polkit, which makes what tests/authz.rs needs
# when it is missing: polkitd (Debian package polkitd) and the service account "virtbus" with
# group "libvirt" (data/sysusers.d/virtbus.conf). Idempotent; installs only as root.

ensure_polkit() {
    local missing=()
    [ -x /usr/lib/polkit-1/polkitd ] || missing+=(polkitd)
    id -u virtbus >/dev/null 2>&1 || missing+=("user virtbus")
    getent group libvirt >/dev/null 2>&1 || missing+=("group libvirt")
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "tests/authz.rs needs: ${missing[*]}; run scripts/test.sh as root on Debian, or install polkitd and run systemd-sysusers data/sysusers.d/virtbus.conf" >&2
        exit 1
    fi
    if [ ! -x /usr/lib/polkit-1/polkitd ]; then
        echo "+ installing polkitd"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends polkitd
    fi
    if ! id -u virtbus >/dev/null 2>&1 || ! getent group libvirt >/dev/null 2>&1; then
        echo "+ creating the virtbus account (data/sysusers.d/virtbus.conf)"
        if command -v systemd-sysusers >/dev/null 2>&1; then
            systemd-sysusers "$PWD/data/sysusers.d/virtbus.conf"
        else
            getent group libvirt >/dev/null || groupadd --system libvirt
            id -u virtbus >/dev/null 2>&1 || useradd --system --user-group \
                --home-dir /var/lib/virtbus --no-create-home --shell /usr/sbin/nologin virtbus
        fi
    fi
}
