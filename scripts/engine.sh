#!/usr/bin/env bash
# Make a Docker engine available for bulkhead's engine-backed tests.
#
#   1. installs docker.io and busybox-static with apt-get when they are missing;
#   2. reuses a running engine (`docker info` answers), otherwise starts
#      `dockerd --iptables=false --ip6tables=false` in the background and waits
#      for its socket;
#   3. builds the tiny test base image `bulkhead-test/busybox:latest` from
#      scripts/busybox-image/ (FROM scratch + static busybox + /etc/passwd,
#      /etc/group, adduser/addgroup) when it is missing or was built from
#      another recipe, then runs a container from it as a smoke test.
#
# Idempotent: running it twice reuses the engine and the image.
# Exit status: 0 when the engine answers and the base image exists, non-zero
# (with the reason and, where there is one, the tail of dockerd's log) otherwise.
# On success it writes ${TMPDIR:-/tmp}/bulkhead-engine.env (BULKHEAD_DOCKER and,
# when needed, DOCKER_HOST) for callers to source.
#
# Environment:
#   BULKHEAD_DOCKER          docker client to use (default: /usr/bin/docker when
#                            present, else `docker` from PATH)
#   BULKHEAD_ENGINE_TIMEOUT  seconds to wait for a started dockerd (default 60)
#   BULKHEAD_TEST_IMAGE      base image name (default bulkhead-test/busybox:latest)
#   BULKHEAD_NO_INSTALL=1    never run apt-get; fail instead
set -euo pipefail

IMAGE="${BULKHEAD_TEST_IMAGE:-bulkhead-test/busybox:latest}"
TIMEOUT="${BULKHEAD_ENGINE_TIMEOUT:-60}"
STATE_DIR="${TMPDIR:-/tmp}"
LOG_FILE="$STATE_DIR/bulkhead-dockerd.log"
PID_FILE="$STATE_DIR/bulkhead-dockerd.pid"
DEFAULT_HOST="unix:///var/run/docker.sock"
# The image recipe (Dockerfile, /etc files, adduser/addgroup) lives beside
# this script; the image carries a hash of it and of the busybox binary in a
# label, and is rebuilt when they change.
RECIPE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/busybox-image"

LOG_TAG=engine
APT_LOG="$STATE_DIR/bulkhead-apt.log"
# With recommends: docker.io recommends apparmor, whose parser dockerd needs to load its container
# profile on kernels with AppArmor on.
APT_RECOMMENDS=1
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- 1. packages --------------------------------------------------------------
need=()
if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ] && [ ! -x /usr/bin/dockerd ]; then
    need+=(docker.io)
fi
if [ ! -x /usr/bin/docker ] && ! command -v docker >/dev/null 2>&1; then
    [[ " ${need[*]-} " == *" docker.io "* ]] || need+=(docker.io)
fi
busybox_bin=""
for cand in /bin/busybox /usr/bin/busybox; do
    if [ -x "$cand" ] && file_out="$(LC_ALL=C file -L "$cand" 2>/dev/null)" && [[ "$file_out" == *"statically linked"* ]]; then
        busybox_bin="$cand"
        break
    fi
done
if [ -z "$busybox_bin" ] && command -v dpkg-query >/dev/null 2>&1 && pkg_installed busybox-static && [ -x /bin/busybox ]; then
    busybox_bin=/bin/busybox # `file` may be missing; the package is the static one
fi
[ -z "$busybox_bin" ] && need+=(busybox-static)
if [ "${#need[@]}" -gt 0 ]; then
    apt_install "${need[@]}"
    [ -x /bin/busybox ] && busybox_bin=/bin/busybox
else
    step "docker.io and busybox-static already installed"
fi
[ -n "$busybox_bin" ] || fail "no static busybox found after installing busybox-static"
[ -f "$RECIPE_DIR/Dockerfile" ] || fail "missing $RECIPE_DIR/Dockerfile"
RECIPE="$(cd "$RECIPE_DIR" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
    cat - "$busybox_bin" | sha256sum | cut -c1-16)"

# --- 2. docker client ---------------------------------------------------------
if [ -n "${BULKHEAD_DOCKER:-}" ]; then
    DOCKER="$BULKHEAD_DOCKER"
elif [ -x /usr/bin/docker ]; then
    # Debian's client matches Debian's dockerd; a newer client elsewhere on
    # PATH may lack the legacy builder or need a buildx plugin.
    DOCKER=/usr/bin/docker
else
    DOCKER="$(command -v docker)" || fail "no docker client found"
fi
client_version="$("$DOCKER" --version 2>/dev/null | head -n1 || true)"
step "docker client: $DOCKER (${client_version:-unknown version})"

# The end of dockerd's log, errors first: its info lines drown them.
show_log() {
    [ -f "$LOG_FILE" ] || return 0
    printf '[engine] dockerd log %s (errors, then the last lines):\n' "$LOG_FILE" >&2
    awk '!/^time="/ || /level=(error|fatal)/' "$LOG_FILE" | tail -n 10 >&2 || true
    printf '[engine] ...\n' >&2
    tail -n 8 "$LOG_FILE" >&2 || true
}

engine_up() { timeout 20 "$DOCKER" info >/dev/null 2>&1; }

# --- 3. engine ----------------------------------------------------------------
started_here=0
if engine_up; then
    step "engine already running at ${DOCKER_HOST:-$DEFAULT_HOST}: reusing it"
else
    if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "$DEFAULT_HOST" ]; then
        step "DOCKER_HOST=$DOCKER_HOST does not answer; falling back to $DEFAULT_HOST"
        export DOCKER_HOST="$DEFAULT_HOST"
    fi
    if engine_up; then
        step "engine already running at $DEFAULT_HOST: reusing it"
    else
        # A dockerd that is still starting (ours from an earlier run, or
        # someone else's) is waited for rather than doubled.
        running_pid=""
        for comm in /proc/[0-9]*/comm; do
            if [ "$(cat "$comm" 2>/dev/null)" = dockerd ]; then
                running_pid="${comm#/proc/}"
                running_pid="${running_pid%/comm}"
                break
            fi
        done
        if [ -n "$running_pid" ]; then
            step "dockerd (pid $running_pid) is running but not answering yet: waiting for it"
        else
            dockerd_bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
            step "starting $dockerd_bin --iptables=false --ip6tables=false (log: $LOG_FILE)"
            mkdir -p "$STATE_DIR"
            # A dead dockerd may leave its pidfile behind; dockerd refuses to
            # start over a pidfile whose process still exists, and ignores
            # stale ones, so nothing to clean here.
            sudo_cmd=()
            if [ "$(id -u)" -ne 0 ]; then
                command -v sudo >/dev/null 2>&1 || fail "dockerd must be started as root, and there is no sudo"
                sudo_cmd=(sudo -n)
            fi
            # setsid: the daemon gets its own session, so it outlives this
            # script and the process group of whoever ran it.
            "${sudo_cmd[@]}" setsid "$dockerd_bin" --iptables=false --ip6tables=false \
                </dev/null >"$LOG_FILE" 2>&1 &
            running_pid=$!
            echo "$running_pid" >"$PID_FILE"
            started_here=1
            step "dockerd started (pid $running_pid, pidfile $PID_FILE)"
        fi
        step "waiting up to ${TIMEOUT}s for the engine"
        deadline=$((SECONDS + TIMEOUT))
        until engine_up; do
            if [ "$started_here" = 1 ] && ! kill -0 "$running_pid" 2>/dev/null; then
                show_log
                fail "dockerd exited before its socket answered"
            fi
            if [ "$SECONDS" -ge "$deadline" ]; then
                show_log
                fail "the Docker engine did not answer within ${TIMEOUT}s"
            fi
            sleep 1
        done
        step "engine is up"
    fi
fi
server_version="$("$DOCKER" version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)"
storage_driver="$("$DOCKER" info --format '{{.Driver}}' 2>/dev/null || echo unknown)"
step "engine version $server_version, storage driver $storage_driver"

# --- 4. base image ------------------------------------------------------------
have_recipe="$("$DOCKER" image inspect --format '{{ index .Config.Labels "org.bulkhead.test.recipe" }}' "$IMAGE" 2>/dev/null || true)"
if [ "$have_recipe" = "$RECIPE" ]; then
    step "base image $IMAGE already present"
else
    old_id=""
    if [ -n "$have_recipe" ]; then
        step "base image $IMAGE has recipe '$have_recipe', want '$RECIPE': rebuilding"
        old_id="$("$DOCKER" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
    fi
    step "building base image $IMAGE from $busybox_bin and $RECIPE_DIR"
    ctx="$(mktemp -d "$STATE_DIR/bulkhead-busybox-ctx.XXXXXX")"
    trap 'rm -rf "$ctx"' EXIT
    cp -R "$RECIPE_DIR/." "$ctx/"
    cp "$busybox_bin" "$ctx/busybox"
    build_log="$STATE_DIR/bulkhead-busybox-build.log"
    if DOCKER_BUILDKIT=1 "$DOCKER" build -q --label "org.bulkhead.test.recipe=$RECIPE" -t "$IMAGE" "$ctx" >"$build_log" 2>&1; then
        step "built $IMAGE with BuildKit"
    elif DOCKER_BUILDKIT=0 "$DOCKER" build -q --label "org.bulkhead.test.recipe=$RECIPE" -t "$IMAGE" "$ctx" >>"$build_log" 2>&1; then
        step "built $IMAGE with the legacy builder (BuildKit failed; see $build_log)"
    else
        printf '[engine] last lines of %s:\n' "$build_log" >&2
        tail -n 25 "$build_log" >&2 || true
        fail "could not build $IMAGE"
    fi
    # The image of the previous recipe, now untagged: remove it unless
    # something still uses it.
    if [ -n "$old_id" ] && [ "$("$DOCKER" image inspect --format '{{len .RepoTags}}' "$old_id" 2>/dev/null || echo 1)" = 0 ]; then
        if "$DOCKER" image rm "$old_id" >/dev/null 2>&1; then
            step "removed the previous base image ${old_id#sha256:}"
        fi
    fi
fi

# --- 5. smoke test ------------------------------------------------------------
uid="$("$DOCKER" run --rm --network none "$IMAGE" id -u 2>&1)" ||
    fail "could not run a container from $IMAGE: $uid"
[ "$uid" = 0 ] || fail "unexpected 'id -u' output from $IMAGE: $uid"
app_uid="$("$DOCKER" run --rm --network none "$IMAGE" sh -c 'adduser -D -u 10001 app && su app -c "id -u"' 2>&1)" ||
    fail "adduser does not work in $IMAGE: $app_uid"
[ "$app_uid" = 10001 ] || fail "unexpected uid after 'adduser -D -u 10001 app' in $IMAGE: $app_uid"
step "container smoke test passed ($IMAGE: id -u = 0; adduser -D -u 10001 app works)"

# For callers (scripts/test.sh sources it): how to reach the engine.
ENV_FILE="$STATE_DIR/bulkhead-engine.env"
{
    printf 'export BULKHEAD_DOCKER=%q\n' "$DOCKER"
    if [ -n "${DOCKER_HOST:-}" ]; then printf 'export DOCKER_HOST=%q\n' "$DOCKER_HOST"; fi
} >"$ENV_FILE"
if [ -n "${DOCKER_HOST:-}" ]; then
    step "engine address: export DOCKER_HOST=$DOCKER_HOST (also in $ENV_FILE)"
else
    step "engine address: default socket ($DEFAULT_HOST); no DOCKER_HOST needed"
fi
if [ "$started_here" = 1 ]; then
    step "this run started dockerd (pid $(cat "$PID_FILE")); stop it with: kill \$(cat $PID_FILE)"
fi
step "ready"
