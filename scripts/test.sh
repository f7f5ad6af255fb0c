#!/usr/bin/env bash
# bulkhead's one test command: engine, build, tests, doctests, clippy, rustfmt.
#
#   scripts/test.sh            run everything (from any directory)
#
# Steps, in order; the script stops at the first failing step and exits with
# its status:
#   1. scripts/engine.sh: a Docker engine and the bulkhead-test/busybox image.
#      When it fails the engine tests skip themselves (BULKHEAD_ENGINE is left
#      unset) and the rest still runs.
#   2. cargo build --workspace --all-targets
#   3. cargo nextest run --workspace --no-fail-fast (cargo test when
#      cargo-nextest is not installed)
#   4. cargo test --workspace --doc (nextest does not run doctests)
#   5. cargo clippy --workspace --all-targets -- -D warnings
#   6. cargo fmt --all --check
#
# Environment:
#   BULKHEAD_SKIP_ENGINE=1  do not try to get an engine (engine tests skip)
#   BULKHEAD_ENGINE         exported as 1 when the engine is up
#   BULKHEAD_DOCKER         exported: the docker client tests should run
#                           (/usr/bin/docker when present)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    BOLD=$'\033[1m' RED=$'\033[31m' YELLOW=$'\033[33m' GREEN=$'\033[32m' RESET=$'\033[0m'
else
    BOLD="" RED="" YELLOW="" GREEN="" RESET=""
fi

START=$SECONDS
banner() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
run_step() {
    local name="$1"
    shift
    banner "$name"
    printf '$ %s\n' "$*"
    local t0=$SECONDS rc=0
    "$@" || rc=$?
    if [ "$rc" -ne 0 ]; then
        printf '\n%sFAILED: %s (exit %d after %ds)%s\n' "$RED$BOLD" "$name" "$rc" $((SECONDS - t0)) "$RESET" >&2
        exit "$rc"
    fi
    printf '%s<== %s ok (%ds)%s\n' "$GREEN" "$name" $((SECONDS - t0)) "$RESET"
}

# --- engine -------------------------------------------------------------------
unset BULKHEAD_ENGINE
# BULKHEAD_DOCKER (the client the engine tests should call) comes from
# engine.sh's env file: it prefers Debian's /usr/bin/docker, which matches
# Debian's dockerd and has BuildKit built in, and which may only exist once
# engine.sh has installed docker.io. A newer client earlier on PATH
# (/usr/local/bin/docker here) has no buildx plugin, so
# `DOCKER_BUILDKIT=1 docker build` fails with it.
banner "Docker engine (scripts/engine.sh)"
if [ "${BULKHEAD_SKIP_ENGINE:-0}" = 1 ]; then
    printf '%sWARNING: BULKHEAD_SKIP_ENGINE=1: engine tests will be skipped%s\n' "$YELLOW$BOLD" "$RESET" >&2
elif "$ROOT/scripts/engine.sh"; then
    # shellcheck disable=SC1091 # written by engine.sh
    if [ -f "${TMPDIR:-/tmp}/bulkhead-engine.env" ]; then . "${TMPDIR:-/tmp}/bulkhead-engine.env"; fi
    export BULKHEAD_ENGINE=1
    printf '%s<== engine up: BULKHEAD_ENGINE=1, BULKHEAD_DOCKER=%s%s\n' "$GREEN" "${BULKHEAD_DOCKER:-docker}" "$RESET"
else
    if [ -z "${BULKHEAD_DOCKER:-}" ] && [ -x /usr/bin/docker ]; then export BULKHEAD_DOCKER=/usr/bin/docker; fi
    {
        printf '\n%s' "$YELLOW$BOLD"
        printf '############################################################\n'
        printf 'WARNING: no Docker engine: engine tests will be skipped\n'
        printf '############################################################%s\n' "$RESET"
    } >&2
fi

# --- cargo --------------------------------------------------------------------
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
# Keep CI logs free of progress-bar noise.
if [ "${CI:-}" = true ]; then
    export CARGO_TERM_PROGRESS_WHEN=never
fi
cargo --version

run_step "build" cargo build --workspace --all-targets --locked
if cargo nextest --version >/dev/null 2>&1; then
    run_step "tests (nextest)" cargo nextest run --workspace --no-fail-fast --locked
else
    printf '%scargo-nextest not installed: using cargo test%s\n' "$YELLOW" "$RESET"
    run_step "tests (cargo test)" cargo test --workspace --no-fail-fast --locked
fi
run_step "doctests" cargo test --workspace --doc --locked
run_step "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
run_step "rustfmt" cargo fmt --all --check

printf '\n%sAll checks passed in %ds%s (engine tests: %s)\n' "$GREEN$BOLD" $((SECONDS - START)) "$RESET" \
    "$([ "${BULKHEAD_ENGINE:-}" = 1 ] && echo run || echo skipped)"
