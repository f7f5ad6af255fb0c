#!/usr/bin/env bash
# Time `bulkhead audit` (and, with MCP=1, `bulkhead mcp` through bench/mcp_timing.py) against an engine
# running 200 containers.
#
#   bash bench/audit_200.sh [N_CONTAINERS] [RUNS]
#   MCP=1 bash bench/audit_200.sh            also time the MCP server (needs `pip install mcp`)
#
# Starts N (default 200) containers from bulkhead-test/busybox:latest running `sleep 3600`, labelled
# bulkhead.test=bench and spread over 4 user networks, builds bulkhead in release mode, times
# `bulkhead audit -f json` RUNS times (default 3, wall time), prints each time and the best/median,
# then removes everything labelled bulkhead.test=bench (also on interruption, and leftovers at start).
#
# Environment: CARGO_TARGET_DIR (default target/), BULKHEAD_DOCKER (docker client), BULKHEAD_BIN (skip the
# build and use this binary).
set -euo pipefail

N="${1:-200}"
RUNS="${2:-3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKER="${BULKHEAD_DOCKER:-docker}"
IMAGE="bulkhead-test/busybox:latest"
LABEL="bulkhead.test=bench"
NETS=(bench-front bench-back bench-data bench-ops)

cleanup() {
    local ids
    ids="$("$DOCKER" ps -aq --filter "label=$LABEL")"
    if [ -n "$ids" ]; then
        # shellcheck disable=SC2086
        "$DOCKER" rm -f $ids >/dev/null
    fi
    ids="$("$DOCKER" network ls -q --filter "label=$LABEL")"
    if [ -n "$ids" ]; then
        # shellcheck disable=SC2086
        "$DOCKER" network rm $ids >/dev/null
    fi
}

bash "$ROOT/scripts/engine.sh" >/dev/null
# shellcheck disable=SC1091
[ -f "${TMPDIR:-/tmp}/bulkhead-engine.env" ] && . "${TMPDIR:-/tmp}/bulkhead-engine.env"
DOCKER="${BULKHEAD_DOCKER:-$DOCKER}"

cleanup
trap cleanup EXIT

if [ -z "${BULKHEAD_BIN:-}" ]; then
    echo "building bulkhead (release)..." >&2
    (cd "$ROOT" && cargo build --release -q -p bulkhead)
    BULKHEAD_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/bulkhead"
fi

for net in "${NETS[@]}"; do
    "$DOCKER" network create --label "$LABEL" "$net" >/dev/null
done

echo "creating $N containers..." >&2
ids=()
for i in $(seq 1 "$N"); do
    net="${NETS[$((i % ${#NETS[@]}))]}"
    ids+=("$("$DOCKER" create --name "bench-$i" --label "$LABEL" --network "$net" "$IMAGE" sleep 3600)")
done
echo "starting them..." >&2
printf '%s\n' "${ids[@]}" | xargs -n 50 "$DOCKER" start >/dev/null
running="$("$DOCKER" ps -q --filter "label=$LABEL" | wc -l)"
total="$("$DOCKER" ps -q | wc -l)"
echo "$running bench containers running ($total on the engine)" >&2

times=()
for r in $(seq 1 "$RUNS"); do
    start=$(date +%s.%N)
    # exit status 1 means findings: expected
    "$BULKHEAD_BIN" audit -f json -o /dev/null || [ $? -eq 1 ]
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    times+=("$t")
    printf 'run %d: %.2f s\n' "$r" "$t"
done
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$N" '
    { t[NR] = $1 }
    END { printf "bulkhead audit, %d running containers: best %.2f s, median %.2f s over %d runs\n", n, t[1], t[int((NR + 1) / 2)], NR }'
if [ "${MCP:-0}" = 1 ]; then
    echo "MCP server, same engine:" >&2
    python3 "$ROOT/bench/mcp_timing.py" "$BULKHEAD_BIN" 10
fi
