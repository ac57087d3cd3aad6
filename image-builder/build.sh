#!/bin/bash
# Bake the SecMon appliance image with diskimage-builder.
#
#   image-builder/build.sh [-o IMAGE.qcow2] [-t qcow2|raw] [--keep-dist] [-x]
#
# Needs: root (or a working sudo), loop devices (losetup), qemu-img, disk-image-create and debootstrap
# (Debian: python3-diskimage-builder qemu-utils debootstrap), a JDK >= 25 (JAVA_HOME) to build the agent and its
# jlink runtime. Works in containers without device-mapper/kpartx and without sudo (stand-ins in tools/).
# Takes about 3 minutes on 2 cores with a nearby Debian mirror.
#
# Environment (all optional):
#   SECMON_IMAGE_MIRROR   Debian mirror (default: the one this host's apt uses, else deb.debian.org)
#   SECMON_IMAGE_SECURITY Debian security mirror (default: this host's, else security.debian.org)
#   SECMON_IMAGE_SIZE     image size in GB (default 3)
#   DIB_*                 passed through to diskimage-builder (e.g. DIB_DEBUG_TRACE=1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out=$repo/target/image/secmon-appliance.qcow2
type=qcow2
keep_dist=0
trace=
while [ $# -gt 0 ]; do
    case $1 in
        -o) out=$(realpath -m "$2"); shift 2 ;;
        -t) type=$2; shift 2 ;;
        --keep-dist) keep_dist=1; shift ;;
        -x) trace=-x; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
say() { echo "[image] $*"; }
die() { echo "[image] error: $*" >&2; exit 1; }

# ---- prerequisites ----------------------------------------------------------------------------------------------
# Debian's diskimage-builder runs on the system python3: put /usr/bin ahead of any pyenv/virtualenv python3
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
for t in disk-image-create qemu-img debootstrap losetup partx; do
    command -v $t >/dev/null || die "$t not found (Debian: apt-get install python3-diskimage-builder qemu-utils debootstrap util-linux)"
done
tools=$repo/target/image/tools
mkdir -p "$tools" "$(dirname "$out")"
rm -f "$tools"/*
if [ "$(id -u)" = 0 ] && ! command -v sudo >/dev/null; then
    ln -s "$here/tools/sudo" "$tools/sudo"
    say "no sudo on this root-only host: using the stand-in in image-builder/tools"
elif ! sudo -n true 2>/dev/null; then
    die "run as root or with password-less sudo: diskimage-builder mounts, chroots and partitions"
fi
# the kernel's device-mapper answers `dmsetup version` (the library alone is not enough)
if ! command -v kpartx >/dev/null || ! dmsetup version >/dev/null 2>&1; then
    ln -s "$here/tools/kpartx" "$tools/kpartx"
    ln -s "$here/tools/dmsetup" "$tools/dmsetup"
    say "no device-mapper here: partitions through partx (image-builder/tools/kpartx)"
fi
losetup -f >/dev/null 2>&1 || die "no free loop device (losetup -f); a container needs --privileged or loop devices"
export PATH=$tools:$PATH

# ---- Debian mirrors: the ones this host uses (a closed network often allows only those) -------------------------
mirror=${SECMON_IMAGE_MIRROR:-$("$repo/scripts/debian-mirror")}
security=${SECMON_IMAGE_SECURITY:-$("$repo/scripts/debian-mirror" -security)}
export DIB_RELEASE=bookworm
export DIB_DISTRIBUTION_MIRROR=$mirror
# explicit: diskimage-builder 3.13's default security path for bookworm ("bookworm/updates") does not exist
export DIB_APT_SOURCES_CONF="default:deb $mirror bookworm main
updates:deb $mirror bookworm-updates main
security:deb $security bookworm-security main"
say "Debian bookworm from $mirror (security: $security)"

# ---- the agent: jars, plugins and a jlink runtime ---------------------------------------------------------------
dist=$repo/target/image/dist
if [ $keep_dist = 0 ] || [ ! -x "$dist/runtime/bin/java" ]; then
    "$repo/scripts/make-dist" agent "$dist"
fi
export SECMON_DIST_DIR=$dist

# ---- bake -------------------------------------------------------------------------------------------------------
export ELEMENTS_PATH=$here/elements${ELEMENTS_PATH:+:$ELEMENTS_PATH}
export DIB_IMAGE_SIZE=${SECMON_IMAGE_SIZE:-3}
export DIB_NO_TMPFS=${DIB_NO_TMPFS:-1}
start=$(date +%s)
say "disk-image-create secmon-appliance -> $out"
disk-image-create $trace -a amd64 -t "$type" --no-tmpfs -o "${out%.*}" secmon-appliance
say "built $out ($(du -h "$out" | cut -f1), $(( $(date +%s) - start )) s)"
