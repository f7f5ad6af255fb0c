#!/usr/bin/env bash
# Build the images of the vulnerability cross-check and save them as `docker save` tarballs.
#
#   bash scripts/vuln-images.sh            # all images
#   bash scripts/vuln-images.sh py go      # some of them
#
# Images (recipes in scripts/vuln-images/<name>/; no registry pulls):
#   py      bulkhead-test/busybox + old pure-Python wheels from PyPI (py/requirements.txt), installed
#           with `pip install --no-deps --target /usr/local/lib/python3.11/site-packages`
#   npm     bulkhead-test/busybox + old npm packages (npm/packages.txt), `npm pack`ed and unpacked
#           into /app/node_modules/<name>/
#   go      FROM scratch + a binary built by Go 1.19 (Debian 12's toolchain) with -mod=vendor; the
#           two vendored modules are small stand-ins under real module paths and versions
#   rust    FROM scratch + a binary built with `cargo auditable` from old crates.io crates
#           (rust/Cargo.lock pins them); the crate list is embedded in its .dep-v0 section
#   alpine  `docker import` of ../shared/data/rootfs/alpine/alpine-minirootfs-<alpine/VERSION>
#   alpine-patched  the same for alpine-patched/VERSION (a release whose packages carry every fix
#           of its secdb: the image must be reported with no vulnerability at all)
#
# Output: ${BULKHEAD_VULN_IMAGES:-${TMPDIR:-/tmp}/bulkhead-vuln-images}/<name>.tar, each next to a
# <name>.recipe file holding the content hash it was built from. An image whose recipe hash is
# unchanged is not rebuilt. The hash covers
# the recipe folder, this script, the busybox base recipe and the toolchain versions.
# Cold, on 2 cores: about 30 s plus the downloads (~15 MB from PyPI, npm and crates.io): Go 1.19
# builds its standard library (~12 s), cargo 12 small crates (~5 s), pip/npm/docker the rest. Disk:
# ~50 MB of tarballs, ~80 MB of Go/cargo/npm caches and build trees under
# ${TMPDIR:-/tmp}/bulkhead-vuln-build, ~45 MB of images in the engine (bulkhead-vuln/<name>:latest).
# Warm (all recipes unchanged): well under a second, no engine and no network needed.
#
# Needs: a Docker engine (scripts/engine.sh is run when something must be built), python3 with pip,
# npm, Go 1.19 (golang-1.19-go is installed with apt when missing), cargo and cargo-auditable
# (`cargo install cargo-auditable --locked` when missing). BULKHEAD_NO_INSTALL=1 forbids installing.
# It also makes sure python3 can import yaml and packaging (scripts/vuln_expected.py needs them).
# Exit status: 0 when every requested tarball exists and matches its recipe; 3 when an image must be
# built and no Docker engine can be had; otherwise 1 with the image that failed and the end of its
# build log.
set -euo pipefail
shopt -s inherit_errexit

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$SCRIPTS")"
RECIPES="$SCRIPTS/vuln-images"
STATE_DIR="${TMPDIR:-/tmp}"
OUT="${BULKHEAD_VULN_IMAGES:-$STATE_DIR/bulkhead-vuln-images}"
BUILD="$STATE_DIR/bulkhead-vuln-build"
ALPINE_DIR="${BULKHEAD_ALPINE_ROOTFS:-$ROOT/../shared/data/rootfs/alpine}"
BASE_IMAGE="${BULKHEAD_TEST_IMAGE:-bulkhead-test/busybox:latest}"
CARGO_AUDITABLE_VERSION=0.7.7
ALL=(py npm go rust alpine alpine-patched)

LOG_TAG=vuln-images
# shellcheck disable=SC2034 # read by lib.sh
APT_LOG="$STATE_DIR/bulkhead-apt.log"
# shellcheck source=scripts/lib.sh
. "$SCRIPTS/lib.sh"

if [ "$#" -gt 0 ]; then
    IMAGES=("$@")
    for name in "${IMAGES[@]}"; do
        [[ " ${ALL[*]} " == *" $name "* ]] || fail "unknown image '$name' (known: ${ALL[*]})"
    done
else
    IMAGES=("${ALL[@]}")
fi
mkdir -p "$OUT" "$BUILD"
# One run at a time per build dir: concurrent runs (two test binaries, two checkouts) wait here.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$BUILD/lock"
    flock -w 900 9 || fail "another vuln-images.sh run holds $BUILD/lock for more than 15 minutes"
fi

# --- toolchains (looked up lazily: a warm run needs none of them) ----------------------------------
GO=""
find_go() {
    [ -n "$GO" ] && return 0
    local cand
    for cand in "$(command -v go || true)" /usr/lib/go-1.19/bin/go; do
        if [ -n "$cand" ] && [ -x "$cand" ] && [[ "$("$cand" version 2>/dev/null)" == "go version go1.19."* ]]; then
            GO="$cand"
            return 0
        fi
    done
    apt_install golang-1.19-go
    GO=/usr/lib/go-1.19/bin/go
    [[ "$("$GO" version 2>/dev/null)" == "go version go1.19."* ]] || fail "no Go 1.19 toolchain after installing golang-1.19-go"
}

need_cargo_auditable() {
    command -v cargo >/dev/null 2>&1 || fail "cargo is missing (install Rust with rustup)"
    if ! command -v cargo-auditable >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo-auditable" ]; then
        [ "${BULKHEAD_NO_INSTALL:-0}" = 1 ] && fail "cargo-auditable is missing, and BULKHEAD_NO_INSTALL=1 forbids installing it"
        step "cargo install cargo-auditable --locked --version $CARGO_AUDITABLE_VERSION"
        cargo install --quiet cargo-auditable --locked --version "$CARGO_AUDITABLE_VERSION" ||
            fail "cargo install cargo-auditable failed"
    fi
}

need_pip() {
    python3 -m pip --version >/dev/null 2>&1 && return 0
    apt_install python3-pip
    python3 -m pip --version >/dev/null 2>&1 || fail "python3 -m pip does not work after installing python3-pip"
}

need_npm() {
    command -v npm >/dev/null 2>&1 && return 0
    apt_install npm
}

# --- recipe hashes ---------------------------------------------------------------------------------
hash_dir() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); }

recipe_hash() {
    local name="$1"
    {
        echo "image $name"
        sha256sum "$SCRIPTS/vuln-images.sh" | cut -d' ' -f1
        hash_dir "$RECIPES/$name"
        case "$name" in
        py | npm) hash_dir "$SCRIPTS/busybox-image" ;;
        go) "$GO" version ;;
        rust) rustc --version && cargo --version ;;
        alpine | alpine-patched) sha256sum "$ALPINE_DIR/alpine-minirootfs-$(cat "$RECIPES/$name/VERSION")-x86_64.tar.gz" ;;
        esac
    } | sha256sum | cut -c1-16
}

# --- engine ----------------------------------------------------------------------------------------
DOCKER=""
need_engine() {
    [ -n "$DOCKER" ] && return 0
    bash "$SCRIPTS/engine.sh" >"$BUILD/engine.log" 2>&1 || {
        tail -n 15 "$BUILD/engine.log" >&2
        printf '[%s] ERROR: no Docker engine: scripts/engine.sh failed (log: %s)\n' "$LOG_TAG" "$BUILD/engine.log" >&2
        exit 3
    }
    # shellcheck disable=SC1091
    . "$STATE_DIR/bulkhead-engine.env"
    DOCKER="${BULKHEAD_DOCKER:-docker}"
}

docker_build() { # <context dir> <tag> <log>
    if DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$2" "$1" >>"$3" 2>&1; then
        return 0
    fi
    DOCKER_BUILDKIT=0 "$DOCKER" build -q -t "$2" "$1" >>"$3" 2>&1
}

# --- the images ------------------------------------------------------------------------------------
# Each build_<name> fills the context dir $1 (a Dockerfile and rootfs/) and logs to $2; a docker
# import image sets IMPORTED=1 and tags the image itself.
build_py() {
    need_pip
    local site="$1/rootfs/usr/local/lib/python3.11/site-packages"
    mkdir -p "$site"
    python3 -m pip install --disable-pip-version-check --no-input --no-deps --no-compile \
        --only-binary=:all: --target "$site" -r "$RECIPES/py/requirements.txt" >>"$2" 2>&1 || return 1
    rm -rf "${site:?}/bin" # console scripts, not needed
    printf 'FROM %s\nCOPY rootfs/ /\n' "$BASE_IMAGE" >"$1/Dockerfile"
}

build_npm() {
    need_npm
    local dl="$1/dl" spec tgz name
    mkdir -p "$dl" "$1/rootfs/app/node_modules"
    while read -r spec; do
        [ -z "$spec" ] || [[ "$spec" == \#* ]] && continue
        tgz="$(cd "$dl" && npm pack --loglevel=error --cache "$BUILD/npm-cache" "$spec" 2>>"$2" | tail -n1)"
        if [ -z "$tgz" ] || [ ! -f "$dl/$tgz" ]; then
            echo "npm pack $spec produced no tarball" >>"$2"
            return 1
        fi
        name="${spec%@*}"
        mkdir -p "$1/rootfs/app/node_modules/$name" || return 1
        tar -xzf "$dl/$tgz" -C "$1/rootfs/app/node_modules/$name" --strip-components=1 --no-same-owner >>"$2" 2>&1 ||
            return 1
        [ -f "$1/rootfs/app/node_modules/$name/package.json" ] || {
            echo "$tgz has no package.json at its top" >>"$2"
            return 1
        }
    done <"$RECIPES/npm/packages.txt"
    printf '{"name": "bulkhead-vuln-fixture", "version": "1.0.0", "private": true}\n' >"$1/rootfs/app/package.json"
    printf 'FROM %s\nCOPY rootfs/ /\nWORKDIR /app\n' "$BASE_IMAGE" >"$1/Dockerfile"
}

build_go() {
    find_go
    cp -R "$RECIPES/go" "$1/src" || return 1
    mkdir -p "$1/rootfs/usr/local/bin" || return 1
    (cd "$1/src" && GOFLAGS=-mod=vendor GOTOOLCHAIN=local GOPROXY=off CGO_ENABLED=0 \
        GOCACHE="$BUILD/go-cache" GOPATH="$BUILD/go-path" \
        "$GO" build -trimpath -o "$1/rootfs/usr/local/bin/app" .) >>"$2" 2>&1 || return 1
    "$GO" version -m "$1/rootfs/usr/local/bin/app" >>"$2" 2>&1 || return 1
    printf 'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["/usr/local/bin/app"]\n' >"$1/Dockerfile"
}

build_rust() {
    need_cargo_auditable
    cp -R "$RECIPES/rust" "$1/src" || return 1
    mkdir -p "$1/rootfs/usr/local/bin" || return 1
    (cd "$1/src" && CARGO_TARGET_DIR="$BUILD/rust-target" cargo auditable build --release --locked) >>"$2" 2>&1 ||
        return 1
    cp "$BUILD/rust-target/release/bulkhead-vuln-fixture" "$1/rootfs/usr/local/bin/app" || return 1
    printf 'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["/usr/local/bin/app"]\n' >"$1/Dockerfile"
}

build_alpine_from() { # <recipe name> <tag> <log>
    local tarball
    tarball="$ALPINE_DIR/alpine-minirootfs-$(cat "$RECIPES/$1/VERSION")-x86_64.tar.gz"
    [ -f "$tarball" ] || {
        echo "missing $tarball" >>"$3"
        return 1
    }
    "$DOCKER" import "$tarball" "$2" >>"$3" 2>&1
}

# scripts/vuln_expected.py (run by the cross-check test after this script) needs PyYAML and packaging.
if ! python3 -c 'import yaml, packaging.version' >/dev/null 2>&1; then
    [ "${BULKHEAD_NO_INSTALL:-0}" = 1 ] && fail "python3 lacks yaml or packaging, and BULKHEAD_NO_INSTALL=1 forbids installing them"
    need_pip
    step "pip install pyyaml packaging (for scripts/vuln_expected.py)"
    python3 -m pip install -q --disable-pip-version-check pyyaml packaging >"$BUILD/pip-deps.log" 2>&1 ||
        apt_install python3-yaml python3-packaging
    python3 -c 'import yaml, packaging.version' || fail "python3 still cannot import yaml and packaging"
fi

failed=()
for name in "${IMAGES[@]}"; do
    case "$name" in
    alpine | alpine-patched)
        rootfs_tgz="$ALPINE_DIR/alpine-minirootfs-$(cat "$RECIPES/$name/VERSION")-x86_64.tar.gz"
        [ -f "$rootfs_tgz" ] || fail "$rootfs_tgz is missing (needed for $name)"
        ;;
    go) find_go ;;
    esac
    want="$(recipe_hash "$name")"
    tar_path="$OUT/$name.tar"
    if [ -f "$tar_path" ] && [ "$(cat "$OUT/$name.recipe" 2>/dev/null || true)" = "$want" ]; then
        step "$name: up to date ($tar_path, recipe $want)"
        continue
    fi
    need_engine
    step "$name: building (recipe $want)"
    started=$SECONDS
    ctx="$BUILD/ctx-$name"
    log="$BUILD/$name.log"
    rm -rf "$ctx" "$OUT/$name.recipe"
    mkdir -p "$ctx"
    : >"$log"
    tag="bulkhead-vuln/$name:latest"
    old_id="$("$DOCKER" image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
    ok=1
    case "$name" in
    alpine | alpine-patched) build_alpine_from "$name" "$tag" "$log" || ok=0 ;;
    *) { "build_$name" "$ctx" "$log" && docker_build "$ctx" "$tag" "$log"; } || ok=0 ;;
    esac
    if [ "$ok" = 1 ] && "$DOCKER" save -o "$tar_path.tmp" "$tag" >>"$log" 2>&1; then
        mv "$tar_path.tmp" "$tar_path"
        echo "$want" >"$OUT/$name.recipe"
        rm -rf "$ctx"
        # the image of the previous recipe, now untagged, is removed unless something still uses it
        if [ -n "$old_id" ] && [ "$("$DOCKER" image inspect --format '{{len .RepoTags}}' "$old_id" 2>/dev/null || echo 1)" = 0 ]; then
            "$DOCKER" image rm "$old_id" >/dev/null 2>&1 || true
        fi
        step "$name: wrote $tar_path ($(du -h "$tar_path" | cut -f1), $((SECONDS - started)) s)"
    else
        rm -f "$tar_path.tmp"
        printf '[%s] %s: build failed; last lines of %s:\n' "$LOG_TAG" "$name" "$log" >&2
        tail -n 20 "$log" >&2 || true
        failed+=("$name")
    fi
done
[ "${#failed[@]}" = 0 ] || fail "could not build: ${failed[*]} (the other images are in $OUT)"
step "all images ready in $OUT: ${IMAGES[*]}"
