#!/usr/bin/env bash
# A minimal Debian 12 root filesystem made with debootstrap (from Debian's package mirror), for the
# inventory tests and benchmarks that compare bulkhead with Syft on a real Debian image.
#
#   bash scripts/debian-rootfs.sh [DIR]      (default: ${TMPDIR:-/tmp}/bulkhead-debian-rootfs)
#
# Idempotent: an existing rootfs (with var/lib/dpkg/status) is kept. Prints the directory on success.
set -euo pipefail
DIR="${1:-${TMPDIR:-/tmp}/bulkhead-debian-rootfs}"
MIRROR="${BULKHEAD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ -s "$DIR/var/lib/dpkg/status" ]; then
    echo "$DIR"
    exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "[debian-rootfs] installing debootstrap" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq debootstrap >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null && apt-get install -y -qq debootstrap >/dev/null
    }
fi
rm -rf "$DIR.partial"
echo "[debian-rootfs] debootstrap --variant=minbase bookworm $DIR ($MIRROR)" >&2
if debootstrap --variant=minbase bookworm "$DIR.partial" "$MIRROR" >"${TMPDIR:-/tmp}/bulkhead-debootstrap.log" 2>&1; then
    mv "$DIR.partial" "$DIR"
    echo "$DIR"
else
    echo "[debian-rootfs] debootstrap failed; see ${TMPDIR:-/tmp}/bulkhead-debootstrap.log" >&2
    exit 1
fi
