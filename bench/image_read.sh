#!/usr/bin/env bash
# Layer reading against the physical limit, and memory on a 1 GB image.
#
#   bash bench/image_read.sh [WORK_DIR]
#
# Builds bulkhead-bench/big:1 (a Debian rootfs when one is at $BULKHEAD_DEBIAN_ROOTFS or the one scripts/debian-rootfs.sh makes,
# plus ~100k small text files and ~800 MB of incompressible blobs, in 4 layers; about 1 GB uncompressed),
# saves it, converts it to an OCI layout with gzip layers, then measures on the same layers:
#   - gzip -dc | tar -x of every layer (the decompression + unpack limit on this machine);
#   - gzip -dc > /dev/null of every layer (decompression alone);
#   - bulkhead sbom (inventory only) and bulkhead image (inventory + every audit + secret scan),
#     wall time and peak RSS (/usr/bin/time -v).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-${TMPDIR:-/tmp}/bulkhead-image-bench}"
DOCKER="${BULKHEAD_DOCKER:-/usr/bin/docker}"
BIN="$ROOT/target/release/bulkhead"
DEB="${BULKHEAD_DEBIAN_ROOTFS:-${TMPDIR:-/tmp}/bulkhead-debian-rootfs}"
mkdir -p "$WORK"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -q -p bulkhead)
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }

if [ ! -f "$WORK/big.tar" ]; then
    CTX="$WORK/ctx"; rm -rf "$CTX"; mkdir -p "$CTX/small" "$CTX/blobs"
    cp "$(command -v busybox || echo /bin/busybox)" "$CTX/busybox"
    python3 - "$CTX" <<'PY'
import os, sys, random
ctx = sys.argv[1]
random.seed(7)
words = "alpha beta gamma delta service config value token index module handler request".split()
for d in range(100):
    os.makedirs(f"{ctx}/small/d{d}", exist_ok=True)
    for i in range(1000):
        with open(f"{ctx}/small/d{d}/f{i}.txt", "w") as f:
            f.write(" ".join(random.choice(words) for _ in range(120)) + "\n")
for i in range(8):
    with open(f"{ctx}/blobs/blob{i}.bin", "wb") as f:
        f.write(os.urandom(100 << 20))
PY
    {
        echo "FROM scratch"
        if [ -d "$DEB/var/lib/dpkg" ]; then echo "ADD debian.tar /"; fi
        echo "COPY busybox /bin/busybox"
        echo "COPY small /srv/small"
        echo "COPY blobs /srv/blobs"
        echo 'CMD ["/bin/busybox", "sleep", "1"]'
    } > "$CTX/Dockerfile"
    if [ -d "$DEB/var/lib/dpkg" ]; then tar -C "$DEB" -cf "$CTX/debian.tar" .; fi
    "$DOCKER" build -q -t bulkhead-bench/big:1 "$CTX" >/dev/null
    "$DOCKER" save -o "$WORK/big.tar" bulkhead-bench/big:1
    rm -rf "$CTX"
fi
if [ ! -d "$WORK/big-oci" ]; then
    python3 "$ROOT/bench/make_oci_layout.py" "$WORK/big.tar" "$WORK/big-oci" --compression gzip >/dev/null
fi
if [ ! -d "$WORK/big-oci-zstd" ] && command -v zstd >/dev/null; then
    python3 "$ROOT/bench/make_oci_layout.py" "$WORK/big.tar" "$WORK/big-oci-zstd" --compression zstd --level 3 >/dev/null
fi
layers_of() {
    python3 -c "import json,sys;m=json.load(open('$1/index.json'))['manifests'][0]['digest'].split(':')[1];print(' '.join(l['digest'].split(':')[1] for l in json.load(open('$1/blobs/sha256/'+m))['layers']))"
}
LAYERS=$(layers_of "$WORK/big-oci")
UNCOMP=$(tar -tvf "$WORK/big.tar" | awk '/layer.tar|blobs\/sha256/ {s+=$3} END {printf "%.0f", s/1048576}')
COMP=$(du -sm "$WORK/big-oci/blobs" | cut -f1)
echo "image: $WORK/big-oci ($(echo $LAYERS | wc -w) gzip layers, ${COMP} MiB compressed; docker save tar ${UNCOMP} MiB)"

t0=$(date +%s.%N)
for l in $LAYERS; do gzip -dc "$WORK/big-oci/blobs/sha256/$l" > /dev/null; done
t1=$(date +%s.%N)
echo "gzip -dc > /dev/null, all layers (serial):  $(echo "$t1 - $t0" | bc) s"

t0=$(date +%s.%N)
for l in $LAYERS; do
    D="$WORK/untar"; rm -rf "$D"; mkdir -p "$D"
    gzip -dc "$WORK/big-oci/blobs/sha256/$l" | tar -x -C "$D"
done
rm -rf "$WORK/untar"
t1=$(date +%s.%N)
echo "gzip -dc | tar -x, all layers (serial):     $(echo "$t1 - $t0" | bc) s"

t0=$(date +%s.%N)
for l in $LAYERS; do gzip -dc "$WORK/big-oci/blobs/sha256/$l" | tar -t > /dev/null; done
t1=$(date +%s.%N)
echo "gzip -dc | tar -t, all layers (serial):     $(echo "$t1 - $t0" | bc) s"
if [ -d "$WORK/big-oci-zstd" ]; then
    ZL=$(layers_of "$WORK/big-oci-zstd")
    t0=$(date +%s.%N)
    for l in $ZL; do zstd -dc -q "$WORK/big-oci-zstd/blobs/sha256/$l" | tar -t > /dev/null; done
    t1=$(date +%s.%N)
    echo "zstd -dc | tar -t, all layers (serial):     $(echo "$t1 - $t0" | bc) s"
    t0=$(date +%s.%N)
    for l in $ZL; do D="$WORK/untar"; rm -rf "$D"; mkdir -p "$D"; zstd -dc -q "$WORK/big-oci-zstd/blobs/sha256/$l" | tar -x -C "$D"; done
    rm -rf "$WORK/untar"
    t1=$(date +%s.%N)
    echo "zstd -dc | tar -x, all layers (serial):     $(echo "$t1 - $t0" | bc) s"
fi

measure() {
    local label="$1"; shift
    /usr/bin/time -v "$@" > /dev/null 2> "$WORK/time.txt" || true
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$WORK/time.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$WORK/time.txt" | awk '{print $NF}')
    echo "$label wall ${wall}, peak RSS $((rss / 1024)) MiB"
}
measure "bulkhead sbom  oci:big-oci (inventory):          " "$BIN" sbom "oci:$WORK/big-oci" -f json
[ -d "$WORK/big-oci-zstd" ] && measure "bulkhead sbom  oci:big-oci-zstd (inventory):     " "$BIN" sbom "oci:$WORK/big-oci-zstd" -f json
measure "bulkhead sbom  big.tar (docker save, inventory): " "$BIN" sbom "$WORK/big.tar" -f json
measure "bulkhead image oci:big-oci (audit+secrets+inv):  " "$BIN" image "oci:$WORK/big-oci" -f json --fail-on never
measure "bulkhead image big.tar (audit+secrets+inv):      " "$BIN" image "$WORK/big.tar" -f json --fail-on never
if command -v syft >/dev/null; then
    measure "syft scan big.tar (same image):                 " env SYFT_CHECK_FOR_APP_UPDATE=false syft scan "docker-archive:$WORK/big.tar" -o json -q
fi
