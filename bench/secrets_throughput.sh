#!/usr/bin/env bash
# Secret-engine throughput (bulkhead-secrets): MB/s per core on a generated corpus, wall seconds of a
# whole-tree scan of ../shared/data, and the full-size robustness checks (50 MB single line, floods
# of `=`), all in release. Prints Markdown.
#
#   bench/secrets_throughput.sh                      # 200 MB corpus, median of 3 runs
#   bench/secrets_throughput.sh --size-mb 50 --runs 1
#   bench/secrets_throughput.sh --rules real         # only the real rule set (or: reference)
#   DATA=/path/to/tree bench/secrets_throughput.sh   # tree to scan (default ../shared/data)
#
# The tree part is skipped, saying so, when the directory is absent (a fresh clone has no ../shared).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="${DATA:-$ROOT/../shared/data}"
ARGS=("$@")

say() { printf '%s\n' "$*" >&2; }

say "building the benchmark (release)"
cargo bench -p bulkhead-secrets --bench secrets_throughput --no-run >&2

echo "### Secret engine throughput"
echo
echo "Command: \`bench/secrets_throughput.sh ${ARGS[*]:-}\` ($(nproc) cores, $(rustc --version | cut -d' ' -f2))"
echo
cargo bench -q -p bulkhead-secrets --bench secrets_throughput -- --data "$DATA" "${ARGS[@]}"

echo
echo "### Bounded time on hostile input (release, full size)"
echo
echo "Command: \`cargo test --release -p bulkhead-secrets --test engine_robust -- --ignored --nocapture\`"
echo
echo "| input | time |"
echo "|---|---|"
cargo test --release -p bulkhead-secrets --test engine_robust -- --ignored --nocapture --test-threads 1 2>&1 |
    sed -e 's/^test .* \.\.\. //' |
    sed -n 's/^\([^ ].*\): \([0-9.]*[mµn]*s\)$/| \1 | \2 |/p'
