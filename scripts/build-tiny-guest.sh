#!/usr/bin/env bash
# Builds the tiny real guest the QEMU driver's tests boot: the Debian cloud kernel and an
# initramfs made of busybox-static and four kernel modules (evdev, button, pvpanic,
# pvpanic-mmio). Its /init starts busybox acpid, which powers the guest off when the ACPI power
# button is pressed, prints GUEST-READY on the serial console (ttyS0) once acpid listens, and,
# when the kernel command line holds `virtbus.shell=1`, runs a root shell on the second serial
# port (ttyS1) so a test can make the guest power off, reboot or panic by itself.
#
# Packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x`: nothing is
# installed on the host. Idempotent: when the folder already holds a complete build nothing is
# done. Prints the folder (holding vmlinuz and initrd.gz) on stdout.
#
# Usage: scripts/build-tiny-guest.sh [FOLDER]
#   FOLDER defaults to $VIRTBUS_TINY_GUEST_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/virtbus/tiny-guest.
# Boot it with:
#   qemu-system-x86_64 -accel tcg -nodefaults -display none -m 128 -no-shutdown \
#     -kernel FOLDER/vmlinuz -initrd FOLDER/initrd.gz -append "console=ttyS0 quiet panic=-1" \
#     -serial file:serial.log [-serial unix:shell.sock,server=on,wait=off -device pvpanic]
set -euo pipefail

out=${1:-${VIRTBUS_TINY_GUEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/virtbus/tiny-guest}}
# Bump when the content of the build changes, so that older caches are rebuilt.
build_version=3

built() {
    [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.gz" ] \
        && [ "$(cat "$out/build-version" 2>/dev/null)" = "$build_version" ]
}
if built; then
    echo "$out"
    exit 0
fi
# Several test binaries may ask for the guest at once: one builds, the others wait and reuse.
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if built; then
    echo "$out"
    exit 0
fi

for tool in apt-get apt-cache dpkg-deb gzip flock; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-tiny-guest: $tool is needed (a Debian or Ubuntu host)" >&2
        exit 1
    fi
done

# The versioned kernel package behind the metapackage (e.g. linux-image-6.1.0-57-cloud-amd64).
kernel_package() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null \
        | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
kernel_pkg=$(kernel_package)
if [ -z "$kernel_pkg" ] && [ "$(id -u)" -eq 0 ]; then
    apt-get update >&2
    kernel_pkg=$(kernel_package)
fi
if [ -z "$kernel_pkg" ]; then
    echo "build-tiny-guest: apt-cache knows no linux-image-cloud-amd64 (run apt-get update)" >&2
    exit 1
fi

work=$(mktemp -d "$(dirname "$out")/.tiny-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# apt-get download writes into the current folder; as root it warns that the _apt user cannot
# read the private build folder and downloads unsandboxed, which is harmless.
apt-get download "$kernel_pkg" busybox-static >&2
dpkg-deb -x linux-image-*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox

busybox_bin=busybox/bin/busybox
root=initramfs
mkdir -p "$root"/{bin,dev,proc,sys,tmp,var/log,lib/modules,etc/acpi/PWRF}
cp "$busybox_bin" "$root/bin/busybox"
for module in evdev button pvpanic pvpanic-mmio; do
    path=$(find kernel/lib/modules -name "$module.ko*" | head -n 1)
    if [ -z "$path" ]; then
        echo "build-tiny-guest: module $module not found in $kernel_pkg" >&2
        exit 1
    fi
    case "$path" in
    *.ko) cp "$path" "$root/lib/modules/$module.ko" ;;
    *.ko.xz) xz -dc "$path" >"$root/lib/modules/$module.ko" ;;
    *.ko.zst) zstd -dc "$path" >"$root/lib/modules/$module.ko" ;;
    *.ko.gz) gzip -dc "$path" >"$root/lib/modules/$module.ko" ;;
    esac
done

# busybox acpid runs /etc/acpi/<event>/<code> for each ACPI event: PWRF/00000080 is the power
# button.
cat >"$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "GUEST: power button pressed, powering off" >/dev/console
poweroff -f
EOF
chmod 755 "$root/etc/acpi/PWRF/00000080"

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in evdev button pvpanic pvpanic-mmio; do
    insmod "/lib/modules/$module.ko" 2>/dev/null
done
acpid -c /etc/acpi -l /var/log/acpid.log
# GUEST-READY only once acpid holds the input devices open (the power button is one of them):
# a press before that would be lost. At most 5 s.
tries=0
while [ "$tries" -lt 100 ]; do
    acpid_pid=$(pidof acpid)
    if [ -n "$acpid_pid" ] && ls -l "/proc/$acpid_pid/fd" 2>/dev/null | grep -q /dev/input/event; then
        break
    fi
    usleep 50000
    tries=$((tries + 1))
done
case " $(cat /proc/cmdline) " in
*" virtbus.shell=1 "*)
    setsid sh -c 'exec sh -i </dev/ttyS1 >/dev/ttyS1 2>&1' &
    ;;
esac
echo GUEST-READY >/dev/console
while :; do sleep 3600; done
EOF
chmod 755 "$root/init"

(cd "$root" && find . | "../$busybox_bin" cpio -o -H newc 2>/dev/null | gzip -9) >initrd.gz

mkdir result
cp kernel/boot/vmlinuz-* result/vmlinuz
mv initrd.gz result/initrd.gz
echo "$kernel_pkg" >result/kernel-package
echo "$build_version" >result/build-version

# Replace any older or partial build in one rename.
rm -rf "$out"
mv result "$out"
echo "$out"
