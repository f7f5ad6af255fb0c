#!/usr/bin/env bash
# Make local Docker registries (distribution, Debian's docker-registry) available
# for bulkhead's registry-pull tests.
#
#   1. installs docker-registry (and apache2-utils for htpasswd, curl) with
#      apt-get when they are missing;
#   2. starts up to three instances on loopback, all sharing one filesystem
#      storage directory, so an image pushed to the plain instance can be read
#      through the other two:
#        plain  127.0.0.1:5000  no auth (Docker pushes to it as an insecure
#                               registry without any configuration)
#        basic  127.0.0.1:5001  htpasswd basic auth (user/password below)
#        token  127.0.0.1:5002  bearer-token auth: the registry sends clients
#                               to the realm http://127.0.0.1:5003/token and
#                               trusts tokens signed by the key this script
#                               generates (openssl, EC P-256). No token server
#                               is started here: the tests run one themselves
#                               (it needs the key), so without a test running
#                               only the 401 challenge can be seen.
#   3. waits for each /v2/ to answer the way its auth mode says it should and
#      writes a pid file per instance.
#
# Idempotent: instances already answering are reused; a started one that is
# not answering yet is waited for.
# Exit status: 0 when every requested instance answers, non-zero (with the
# reason and the tail of the instance's log) otherwise.
# On success it writes ${TMPDIR:-/tmp}/bulkhead-registry.env for callers to
# source (addresses, credentials, token key paths, storage directory).
#
# Environment:
#   BULKHEAD_REGISTRY_INSTANCES  which instances to start (default "plain basic token")
#   BULKHEAD_REGISTRY_ADDR       plain instance address (default 127.0.0.1:5000)
#   BULKHEAD_REGISTRY_BASIC_ADDR basic-auth instance address (default 127.0.0.1:5001)
#   BULKHEAD_REGISTRY_TOKEN_ADDR token-auth instance address (default 127.0.0.1:5002)
#   BULKHEAD_REGISTRY_TOKEN_REALM token realm URL (default http://127.0.0.1:5003/token)
#   BULKHEAD_REGISTRY_USER / BULKHEAD_REGISTRY_PASSWORD  htpasswd account
#                                (default bulkhead / bulkhead-registry-pw)
#   BULKHEAD_REGISTRY_TIMEOUT    seconds to wait for a started instance (default 30)
#   BULKHEAD_NO_INSTALL=1        never run apt-get; fail instead
#
# Stop the instances with: kill $(cat ${TMPDIR:-/tmp}/bulkhead-registry/*.pid)
set -euo pipefail

INSTANCES="${BULKHEAD_REGISTRY_INSTANCES:-plain basic token}"
PLAIN_ADDR="${BULKHEAD_REGISTRY_ADDR:-127.0.0.1:5000}"
BASIC_ADDR="${BULKHEAD_REGISTRY_BASIC_ADDR:-127.0.0.1:5001}"
TOKEN_ADDR="${BULKHEAD_REGISTRY_TOKEN_ADDR:-127.0.0.1:5002}"
TOKEN_REALM="${BULKHEAD_REGISTRY_TOKEN_REALM:-http://127.0.0.1:5003/token}"
TOKEN_SERVICE="bulkhead-test-registry"
TOKEN_ISSUER="bulkhead-test-token-issuer"
REG_USER="${BULKHEAD_REGISTRY_USER:-bulkhead}"
REG_PASSWORD="${BULKHEAD_REGISTRY_PASSWORD:-bulkhead-registry-pw}"
TIMEOUT="${BULKHEAD_REGISTRY_TIMEOUT:-30}"
TMP_BASE="${TMPDIR:-/tmp}"
STATE_DIR="$TMP_BASE/bulkhead-registry"
STORAGE_DIR="$STATE_DIR/storage"
ENV_FILE="$TMP_BASE/bulkhead-registry.env"

LOG_TAG=registry
APT_LOG="$TMP_BASE/bulkhead-apt.log"
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want() { [[ " $INSTANCES " == *" $1 "* ]]; }

# --- 1. packages --------------------------------------------------------------
need=()
REGISTRY_BIN="$(command -v docker-registry || true)"
[ -z "$REGISTRY_BIN" ] && [ -x /usr/bin/docker-registry ] && REGISTRY_BIN=/usr/bin/docker-registry
[ -z "$REGISTRY_BIN" ] && need+=(docker-registry)
command -v curl >/dev/null 2>&1 || need+=(curl)
if want basic && ! command -v htpasswd >/dev/null 2>&1; then need+=(apache2-utils); fi
if want token && ! command -v openssl >/dev/null 2>&1; then need+=(openssl); fi
installed_registry=0
if [ "${#need[@]}" -gt 0 ]; then
    apt_install "${need[@]}"
    [[ " ${need[*]} " == *" docker-registry "* ]] && installed_registry=1
    REGISTRY_BIN="$(command -v docker-registry || echo /usr/bin/docker-registry)"
else
    step "docker-registry, curl$(want basic && echo ', htpasswd')$(want token && echo ', openssl') already installed"
fi
[ -x "$REGISTRY_BIN" ] || fail "no docker-registry binary after installing docker-registry"
# The package ships a service on :5000; on a systemd host the install starts it
# and it would hold the plain instance's port. Stop the one we just installed.
if [ "$installed_registry" = 1 ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    if as_root systemctl stop docker-registry >/dev/null 2>&1; then
        step "stopped the packaged docker-registry service (it listens on :5000)"
    fi
fi
step "registry: $REGISTRY_BIN ($("$REGISTRY_BIN" --version 2>/dev/null | head -n1 || echo unknown version))"

mkdir -p "$STATE_DIR" "$STORAGE_DIR"
chmod 700 "$STATE_DIR"
# Test processes run this script concurrently: one at a time past this point,
# so an instance is never started twice and the env file never read half-written.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/lock"
    flock -w 120 9 || fail "another registry.sh held $STATE_DIR/lock for 120s"
fi

# --- 2. per-instance configuration ---------------------------------------------
# Status and auth challenge of GET /v2/: "<code> <www-authenticate scheme+realm>".
probe() {
    local out code challenge
    out="$(curl -s -o /dev/null -D - --max-time 3 "http://$1/v2/" 2>/dev/null | tr -d '\r')" || return 1
    code="$(printf '%s\n' "$out" | awk 'NR==1 {print $2}')"
    challenge="$(printf '%s\n' "$out" | awk -F': ' 'tolower($1)=="www-authenticate" {print $2}')"
    printf '%s %s' "${code:-000}" "$challenge"
}

# Whether the answer of an instance's /v2/ is the one its auth mode gives.
answers_as() {
    local name="$1" addr="$2" got
    got="$(probe "$addr")" || return 1
    case "$name" in
        plain) [[ "$got" == "200 "* ]] ;;
        basic) [[ "$got" == "401 Basic"* ]] ;;
        token) [[ "$got" == "401 Bearer realm=\"$TOKEN_REALM\""* ]] ;;
    esac
}

secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

write_config() {
    local name="$1" addr="$2" file="$STATE_DIR/config-$1.yml"
    {
        printf 'version: 0.1\n'
        printf 'log:\n  level: warn\n  accesslog:\n    disabled: true\n'
        printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$STORAGE_DIR"
        printf '  delete:\n    enabled: true\n'
        printf '  maintenance:\n    uploadpurging:\n      enabled: false\n'
        printf 'http:\n  addr: %s\n  secret: %s\n' "$addr" "$(secret)"
        printf '  headers:\n    X-Content-Type-Options: [nosniff]\n'
        case "$name" in
            basic)
                printf 'auth:\n  htpasswd:\n    realm: bulkhead-test\n    path: %s\n' "$STATE_DIR/htpasswd"
                ;;
            token)
                printf 'auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n' \
                    "$TOKEN_REALM" "$TOKEN_SERVICE" "$TOKEN_ISSUER" "$STATE_DIR/token.crt"
                ;;
        esac
    } >"$file"
    printf '%s' "$file"
}

prepare_basic() {
    # bcrypt, the only hash distribution's htpasswd accepts. Rewritten each
    # start so a changed password takes effect.
    htpasswd -Bbn "$REG_USER" "$REG_PASSWORD" >"$STATE_DIR/htpasswd.new" 2>/dev/null ||
        fail "htpasswd could not hash the password"
    mv "$STATE_DIR/htpasswd.new" "$STATE_DIR/htpasswd"
}

prepare_token() {
    # The tests' token server signs with token.key.der (PKCS#8, P-256); the
    # registry trusts the self-signed certificate of the same key.
    if [ -s "$STATE_DIR/token.crt" ] && [ -s "$STATE_DIR/token.key.der" ]; then
        return 0
    fi
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
        -subj "/CN=$TOKEN_ISSUER" -keyout "$STATE_DIR/token.key.pem" -out "$STATE_DIR/token.crt" \
        >/dev/null 2>&1 || fail "openssl could not make the token signing key"
    openssl pkcs8 -topk8 -nocrypt -in "$STATE_DIR/token.key.pem" -outform DER \
        -out "$STATE_DIR/token.key.der" >/dev/null 2>&1 || fail "openssl could not convert the token key to PKCS#8 DER"
    openssl x509 -in "$STATE_DIR/token.crt" -outform DER -out "$STATE_DIR/token.crt.der" \
        >/dev/null 2>&1 || fail "openssl could not convert the token certificate to DER"
    chmod 600 "$STATE_DIR/token.key.pem" "$STATE_DIR/token.key.der"
}

show_log() {
    local log="$1"
    [ -f "$log" ] || return 0
    printf '[registry] last lines of %s:\n' "$log" >&2
    tail -n 12 "$log" >&2 || true
}

# --- 3. instances ---------------------------------------------------------------
# Wait for an instance to answer: 0 when it does, 1 when its process exits
# first; fails the script after the timeout.
wait_for() {
    local name="$1" addr="$2" pid="$3" log="$STATE_DIR/$1.log"
    local deadline=$((SECONDS + TIMEOUT))
    until answers_as "$name" "$addr"; do
        kill -0 "$pid" 2>/dev/null || return 1
        if [ "$SECONDS" -ge "$deadline" ]; then
            show_log "$log"
            fail "the $name registry did not answer at http://$addr/v2/ within ${TIMEOUT}s (last answer: $(probe "$addr" || echo none))"
        fi
        sleep 0.2
    done
}

start_instance() {
    local name="$1" addr="$2"
    local pid_file="$STATE_DIR/$name.pid" log="$STATE_DIR/$name.log"
    if answers_as "$name" "$addr"; then
        step "$name instance already answering at http://$addr/v2/: reusing it"
        return 0
    fi
    local got
    got="$(probe "$addr" || true)"
    if [ -n "$got" ] && [[ "$got" != "000 "* ]]; then
        fail "something else answers at http://$addr/v2/ ($got), not a $name registry: stop it (the packaged service: systemctl stop docker-registry) or choose another address (see the header of $0)"
    fi
    local pid=""
    if [ -f "$pid_file" ]; then
        pid="$(cat "$pid_file" 2>/dev/null || true)"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
            [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$(basename "$REGISTRY_BIN" | cut -c1-15)" ]; then
            step "$name instance (pid $pid) is running but not answering yet: waiting for it"
            if wait_for "$name" "$addr" "$pid"; then
                step "$name instance up at http://$addr/v2/ ($(probe "$addr"))"
                return 0
            fi
            step "$name instance (pid $pid) exited without answering: starting a new one"
        fi
    fi
    case "$name" in
        basic) prepare_basic ;;
        token) prepare_token ;;
    esac
    local config
    config="$(write_config "$name" "$addr")"
    step "starting $name instance on $addr (config $config, log $log)"
    # setsid: the registry gets its own session and outlives this script; fd 9
    # (the lock) is not passed on.
    setsid "$REGISTRY_BIN" serve "$config" </dev/null >"$log" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$pid_file"
    step "$name instance started (pid $pid, pidfile $pid_file)"
    if ! wait_for "$name" "$addr" "$pid"; then
        show_log "$log"
        fail "the $name registry exited before http://$addr/v2/ answered"
    fi
    step "$name instance up at http://$addr/v2/ ($(probe "$addr"))"
}

want plain && start_instance plain "$PLAIN_ADDR"
if want basic; then
    if command -v htpasswd >/dev/null 2>&1; then
        start_instance basic "$BASIC_ADDR"
    else
        fail "no htpasswd to set up the basic-auth instance"
    fi
fi
want token && start_instance token "$TOKEN_ADDR"

# --- 4. env file for callers -------------------------------------------------------
# Written aside and renamed: readers that do not take the lock see the old or
# the new file, never a partial one.
{
    printf 'export BULKHEAD_REGISTRY_STORAGE=%q\n' "$STORAGE_DIR"
    if want plain; then printf 'export BULKHEAD_REGISTRY=%q\n' "$PLAIN_ADDR"; fi
    if want basic; then
        printf 'export BULKHEAD_REGISTRY_BASIC=%q\n' "$BASIC_ADDR"
        printf 'export BULKHEAD_REGISTRY_BASIC_USER=%q\n' "$REG_USER"
        printf 'export BULKHEAD_REGISTRY_BASIC_PASSWORD=%q\n' "$REG_PASSWORD"
    fi
    if want token; then
        printf 'export BULKHEAD_REGISTRY_TOKEN=%q\n' "$TOKEN_ADDR"
        printf 'export BULKHEAD_REGISTRY_TOKEN_REALM=%q\n' "$TOKEN_REALM"
        printf 'export BULKHEAD_REGISTRY_TOKEN_SERVICE=%q\n' "$TOKEN_SERVICE"
        printf 'export BULKHEAD_REGISTRY_TOKEN_ISSUER=%q\n' "$TOKEN_ISSUER"
        printf 'export BULKHEAD_REGISTRY_TOKEN_KEY=%q\n' "$STATE_DIR/token.key.der"
        printf 'export BULKHEAD_REGISTRY_TOKEN_CERT=%q\n' "$STATE_DIR/token.crt.der"
    fi
} >"$ENV_FILE.$$"
mv -f "$ENV_FILE.$$" "$ENV_FILE"
step "addresses and credentials written to $ENV_FILE"
step "stop the instances with: kill \$(cat $STATE_DIR/*.pid)"
step "ready"
