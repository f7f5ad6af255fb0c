# Helpers shared by the project's scripts (engine.sh, registry.sh, debian-rootfs.sh). Source it after
# setting LOG_TAG (the bracketed prefix of messages) and APT_LOG (where apt's output goes).
# APT_RECOMMENDS=1 installs packages with their recommends (docker.io needs apparmor's parser).

step() { printf '[%s] %s\n' "$LOG_TAG" "$*"; }
fail() {
    printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        return 1
    fi
}

APT_UPDATED=0
apt_install() {
    [ "${BULKHEAD_NO_INSTALL:-0}" = 1 ] && fail "missing $*, and BULKHEAD_NO_INSTALL=1 forbids installing it"
    command -v apt-get >/dev/null 2>&1 || fail "missing $*, and there is no apt-get to install it"
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 NEEDRESTART_MODE=a
    if [ "$APT_UPDATED" = 0 ]; then
        step "apt-get update"
        if ! as_root apt-get update -qq </dev/null >"$APT_LOG" 2>&1; then
            tail -n 15 "$APT_LOG" >&2 || true
            fail "apt-get update failed (log: $APT_LOG)"
        fi
        APT_UPDATED=1
    fi
    step "apt-get install $*"
    local recommends=--no-install-recommends
    [ "${APT_RECOMMENDS:-0}" = 1 ] && recommends=
    if ! as_root apt-get install -y -qq $recommends "$@" </dev/null >>"$APT_LOG" 2>&1; then
        tail -n 15 "$APT_LOG" >&2 || true
        fail "apt-get install $* failed (log: $APT_LOG)"
    fi
}

pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}
