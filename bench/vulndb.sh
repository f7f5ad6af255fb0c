#!/usr/bin/env bash
# Vulnerability database figures (docs/PERFORMANCE.md):
#   1. `bulkhead db import` of everything under ../shared/data/advisories (OSV JSON/YAML, Alpine secdb,
#      Debian DSA/DLA lists, Node.js WG, RubySec, FriendsOfPHP), wall time and peak RSS;
#   2. matching 10,000 real package names from that database (crates/bulkhead-vulndb/examples/match_bench.rs);
#   3. what the vulnerability scan adds to `bulkhead image` once the layers are read, on the images of
#      scripts/vuln-images.sh when they exist (else on an Alpine minirootfs from ../shared), as reported by
#      the image command itself ("vulnerabilities matched in N ms"), and the whole command with and without
#      `--scanners vuln`.
#
#   bash bench/vulndb.sh [WORK_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-${TMPDIR:-/tmp}/bulkhead-vulndb-bench}"
DATA="$ROOT/../shared/data"
BIN="$ROOT/target/release/bulkhead"
mkdir -p "$WORK"
[ -d "$DATA/advisories" ] || { echo "SKIP: $DATA/advisories is absent"; exit 0; }
(cd "$ROOT" && cargo build --release -q -p bulkhead && cargo build --release -q -p bulkhead-vulndb --example match_bench)
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }

DB="$WORK/vuln.db"
rm -f "$DB"
echo "== import of $DATA/advisories"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$BIN" db import "$DATA/advisories" --db "$DB" 2>&1 | tail -4
ls -l "$DB" | awk '{printf "database size %.1f MiB\n", $5/1048576}'

echo "== matching 10,000 packages"
for _ in 1 2 3; do "$ROOT/target/release/examples/match_bench" "$DB" 10000; done

echo "== vulnerability scan inside bulkhead image"
IMAGES="${BULKHEAD_VULN_IMAGES:-${TMPDIR:-/tmp}/bulkhead-vuln-images}"
targets=()
for t in "$IMAGES"/*.tar; do [ -f "$t" ] && targets+=("$t"); done
if [ ${#targets[@]} -eq 0 ]; then
    ALP="$DATA/rootfs/alpine/alpine-minirootfs-3.10.9-x86_64.tar.gz"
    mkdir -p "$WORK/alpine" && tar -xzf "$ALP" -C "$WORK/alpine" 2>/dev/null || true
    targets=("dir:$WORK/alpine")
fi
for t in "${targets[@]}"; do
    line=$("$BIN" image "$t" --db "$DB" --fail-on never --no-config 2>&1 >/dev/null | grep 'read in' || true)
    with=$( { /usr/bin/time -f %e "$BIN" image "$t" --db "$DB" -f json --fail-on never --no-config >/dev/null; } 2>&1 | tail -1)
    without=$( { /usr/bin/time -f %e "$BIN" image "$t" --db "$DB" -f json --fail-on never --no-config --scanners config,secret >/dev/null; } 2>&1 | tail -1)
    echo "$(basename "$t"): $line; whole command ${with}s with vulnerabilities, ${without}s without"
done
