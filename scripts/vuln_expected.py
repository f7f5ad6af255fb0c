#!/usr/bin/env python3
"""Expected vulnerability ids for the cross-check images, computed without bulkhead.

    python3 scripts/vuln_expected.py --advisories ../shared/data/advisories IMAGE.tar [IMAGE.tar ...]

For every `docker save` tarball it rebuilds the image's file system from its layers (whiteouts
honoured), takes the package inventory itself (Python dist-info/egg-info, npm package.json under
node_modules, Go buildinfo, cargo-auditable `.dep-v0` sections, apk's lib/apk/db/installed), and
matches it against the advisory data with comparators of its own:

* OSV (rustsec-osv, pypa-advisory-database, golang-vulndb): ECOSYSTEM/SEMVER ranges evaluated as the
  OSV spec says (events sorted by version; introduced/fixed/last_affected/limit), plus `versions`
  list membership; GIT ranges never count; withdrawn records never match; PyPI names compared in
  PEP 503 form, versions with `packaging` (PEP 440); crates.io and Go with SemVer 2.0 (Go: the `v`
  prefix dropped, stdlib's `go1.19.8` read as 1.19.8, only the package named `stdlib` for the Go
  toolchain version, never `toolchain`).
* nodejs-security-wg npm records: id NSWG-ECO-<id>, `vulnerable_versions` evaluated as a
  node-semver range (||, hyphen ranges, ~, ^, x-ranges, prerelease exclusion).
* Alpine secdb (alpine-secdb-legacy/vX.Y of the image's /etc/alpine-release): a package is matched
  by its origin (`o:`) name, and is affected by a CVE when the installed version is below the
  lowest secfixes version that lists that CVE for the package in that release (apk version order;
  a CVE listed under two versions was fixed by the first); the key "0" never applies. Id ALPINE-<CVE>.

Output (stdout): {"<image>": {"<kind>/<name>@<version>": ["<id>", ...]}} where kind is one of
python, npm, go, cargo, apk (the kinds of bulkhead's JSON), the Python name is PEP 503
normalized, and Go versions carry no `v`. Packages with no advisory are listed with [].
Needs PyYAML and packaging (pip install pyyaml packaging).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import struct
import sys
import tarfile
import zlib
from pathlib import Path, PurePosixPath

import yaml
from packaging.version import InvalidVersion, Version

# ----------------------------------------------------------------------------------------------
# Image file system
# ----------------------------------------------------------------------------------------------


def _open_layer(raw: bytes) -> tarfile.TarFile:
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return tarfile.open(fileobj=io.BytesIO(raw), mode="r:")


def read_image(path: Path) -> dict[str, bytes]:
    """Regular files of the flattened image: path (no leading '/') -> content."""
    files: dict[str, bytes] = {}
    with tarfile.open(path, mode="r:*") as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        if not manifest:
            raise SystemExit(f"{path}: manifest.json lists no image")
        for layer_name in manifest[0]["Layers"]:
            member = outer.extractfile(layer_name)
            if member is None:
                raise SystemExit(f"{path}: layer {layer_name} missing")
            with _open_layer(member.read()) as layer:
                for entry in layer:
                    name = str(PurePosixPath("/" + entry.name))[1:]
                    parent, _, base = name.rpartition("/")
                    if base == ".wh..wh..opq":
                        prefix = parent + "/"
                        for key in [k for k in files if k.startswith(prefix)]:
                            del files[key]
                        continue
                    if base.startswith(".wh."):
                        gone = (parent + "/" if parent else "") + base[4:]
                        for key in [k for k in files if k == gone or k.startswith(gone + "/")]:
                            del files[key]
                        continue
                    if entry.isfile():
                        data = layer.extractfile(entry)
                        files[name] = data.read() if data else b""
                    elif entry.isdir():
                        pass
                    else:
                        files.pop(name, None)
    return files


# ----------------------------------------------------------------------------------------------
# Inventory
# ----------------------------------------------------------------------------------------------


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _rfc822_fields(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        if ":" in line and not line[0].isspace():
            key, _, value = line.partition(":")
            out.setdefault(key.strip().lower(), value.strip())
    return out


def python_packages(files: dict[str, bytes]) -> set[tuple[str, str]]:
    found = set()
    for name, data in files.items():
        if not re.search(r"/(site|dist)-packages/[^/]+\.(dist-info/METADATA|egg-info/PKG-INFO)$", "/" + name):
            continue
        fields = _rfc822_fields(data.decode("utf-8", "replace"))
        if fields.get("name") and fields.get("version"):
            found.add((pep503(fields["name"]), fields["version"]))
    return found


def npm_packages(files: dict[str, bytes]) -> set[tuple[str, str]]:
    found = set()
    for name, data in files.items():
        if not re.search(r"(^|/)node_modules/(@[^/]+/)?[^/@][^/]*/package\.json$", name):
            continue
        try:
            doc = json.loads(data)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("name"), str) and isinstance(doc.get("version"), str):
            found.add((doc["name"], doc["version"]))
    return found


GO_MAGIC = b"\xff Go buildinf:"


def _uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def go_buildinfo(data: bytes) -> tuple[str, str] | None:
    """(go version, module info text) of a Go >= 1.18 binary (inline buildinfo strings)."""
    pos = data.find(GO_MAGIC)
    while pos != -1:
        if pos % 16 == 0 and len(data) > pos + 32 and data[pos + 15] & 2:
            n, p = _uvarint(data, pos + 32)
            version = data[p : p + n].decode("utf-8", "replace")
            n2, p2 = _uvarint(data, p + n)
            mod = data[p2 : p2 + n2]
            if len(mod) >= 33 and mod[-17] == ord("\n"):
                mod = mod[16:-16]
            if version.startswith("go"):
                return version, mod.decode("utf-8", "replace")
        pos = data.find(GO_MAGIC, pos + 1)
    return None


def go_packages(files: dict[str, bytes]) -> set[tuple[str, str]]:
    found = set()
    for data in files.values():
        if data[:4] != b"\x7fELF":
            continue
        info = go_buildinfo(data)
        if not info:
            continue
        version, mod = info
        found.add(("stdlib", version[2:]))
        deps: dict[str, str] = {}
        for line in mod.splitlines():
            cols = line.split("\t")
            if cols[0] == "dep" and len(cols) >= 3:
                deps[cols[1]] = cols[2]
            elif cols[0] == "=>" and len(cols) >= 3 and deps:
                last = list(deps)[-1]
                del deps[last]
                deps[cols[1]] = cols[2]
        for path, ver in deps.items():
            found.add((path, ver.removeprefix("v")))
    return found


def elf_section(data: bytes, wanted: str) -> bytes | None:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None  # only ELF64 little-endian here
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    if shoff == 0 or shstrndx >= shnum:
        return None

    def header(i: int) -> tuple[int, int, int]:
        base = shoff + i * shentsize
        name = struct.unpack_from("<I", data, base)[0]
        offset, size = struct.unpack_from("<QQ", data, base + 0x18)
        return name, offset, size

    _, str_off, str_size = header(shstrndx)
    strtab = data[str_off : str_off + str_size]
    for i in range(shnum):
        name_off, offset, size = header(i)
        end = strtab.find(b"\0", name_off)
        if strtab[name_off:end].decode("ascii", "replace") == wanted:
            return data[offset : offset + size]
    return None


def cargo_packages(files: dict[str, bytes]) -> set[tuple[str, str]]:
    """crates.io packages recorded by cargo-auditable (.dep-v0, zlib JSON) in ELF binaries."""
    found = set()
    for data in files.values():
        section = elf_section(data, ".dep-v0")
        if section is None:
            continue
        doc = json.loads(zlib.decompress(section))
        for pkg in doc.get("packages", []):
            if pkg.get("source") == "crates.io":
                found.add((pkg["name"], pkg["version"]))
    return found


def apk_packages(files: dict[str, bytes]) -> set[tuple[str, str, str]]:
    """(name, version, origin) from lib/apk/db/installed."""
    db = files.get("lib/apk/db/installed")
    if db is None:
        return set()
    found = set()
    for block in db.decode("utf-8", "replace").split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if len(line) > 2 and line[1] == ":":
                fields.setdefault(line[0], line[2:])
        if "P" in fields and "V" in fields:
            found.add((fields["P"], fields["V"], fields.get("o", fields["P"])))
    return found


# ----------------------------------------------------------------------------------------------
# Version comparators
# ----------------------------------------------------------------------------------------------

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def semver_key(text: str):
    """Sort key for SemVer 2.0 (precedence; build metadata ignored)."""
    m = _SEMVER.match(text.strip())
    if not m:
        raise ValueError(f"not SemVer: {text!r}")
    major, minor, patch, pre = m.groups()
    if pre is None:
        pre_key = (1,)  # a release sorts after all its prereleases
    else:
        ids = []
        for ident in pre.split("."):
            ids.append((0, int(ident), "") if ident.isdigit() else (1, 0, ident))
        pre_key = (0, tuple(ids))
    return (int(major), int(minor), int(patch), pre_key)


def pep440_key(text: str):
    return Version(text)


# apk version order: a version is a sequence of tokens whose *kinds* are ordered; where two
# versions first differ in kind, the rules below decide, otherwise token values decide.
DIGIT_OR_ZERO, DIGIT, LETTER, SUFFIX, SUFFIX_NO, REVISION_NO, END = range(7)
_PRE = ["alpha", "beta", "pre", "rc"]
_POST = ["cvs", "svn", "git", "hg", "p"]


def apk_tokens(text: str) -> list[tuple[int, int]]:
    tokens: list[tuple[int, int]] = []
    i, kind, n = 0, DIGIT, len(text)
    while i < n:
        if kind == DIGIT_OR_ZERO and text[i] == "0":
            j = i
            while j < n and text[j] == "0":
                j += 1
            # a component with leading zeros: the more zeros, the older ("1.00" < "1.0" < "1.01");
            # digits after them are a component of their own, and a zero-only component followed by
            # another one counts as an empty component 0 first ("1.0.5" < "1.05" < "1.1")
            tokens.append((kind, -(j - i)))
            i = j
            if i < n and text[i].isdigit():
                kind = DIGIT
                continue
            if i < n and text[i] == ".":
                tokens.append((DIGIT, 0))
                kind = DIGIT
        elif kind in (DIGIT, DIGIT_OR_ZERO, SUFFIX_NO, REVISION_NO):
            j = i
            while j < n and text[j].isdigit():
                j += 1
            if j == i:
                raise ValueError(f"bad apk version {text!r}")
            tokens.append((kind, int(text[i:j])))
            i = j
        elif kind == LETTER:
            tokens.append((kind, ord(text[i])))
            i += 1
        elif kind == SUFFIX:
            for value, word in [(k - len(_PRE), w) for k, w in enumerate(_PRE)] + [
                (k + 1, w) for k, w in enumerate(_POST)
            ]:
                if text.startswith(word, i):
                    tokens.append((kind, value))
                    i += len(word)
                    break
            else:
                raise ValueError(f"bad apk suffix in {text!r}")
        if i >= n:
            break
        # the kind of the next token
        c = text[i]
        prev = kind
        if prev in (DIGIT, DIGIT_OR_ZERO) and c.islower():
            kind = LETTER
        elif prev == LETTER and c.isdigit():
            kind = DIGIT
        elif prev == SUFFIX and c.isdigit():
            kind = SUFFIX_NO
        elif c == ".":
            kind, i = DIGIT_OR_ZERO, i + 1
        elif c == "_":
            kind, i = SUFFIX, i + 1
        elif c == "-" and text[i + 1 : i + 2] == "r":
            kind, i = REVISION_NO, i + 2
        else:
            raise ValueError(f"bad apk version {text!r}")
    tokens.append((END, 0))
    return tokens


def apk_compare(a: str, b: str) -> int:
    ta, tb = apk_tokens(a), apk_tokens(b)
    for (ka, va), (kb, vb) in zip(ta, tb):
        if ka == kb:
            if va != vb:
                return -1 if va < vb else 1
            if ka == END:
                return 0
            continue
        # same so far, then different kinds of token: a pre-release suffix is older than
        # anything, otherwise the version that goes on with a "smaller" kind is the newer one
        if ka == SUFFIX and va < 0:
            return -1
        if kb == SUFFIX and vb < 0:
            return 1
        return -1 if ka > kb else 1
    return 0


# ----------------------------------------------------------------------------------------------
# node-semver ranges (nodejs-security-wg npm records)
# ----------------------------------------------------------------------------------------------

_PARTIAL = re.compile(r"^v?([0-9xX*]+)(?:\.([0-9xX*]+))?(?:\.([0-9xX*]+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def _partial(text: str):
    m = _PARTIAL.match(text)
    if not m:
        raise ValueError(f"bad version in range: {text!r}")
    parts = []
    for g in m.groups()[:3]:
        parts.append(None if g is None or g in ("x", "X", "*") else int(g))
    # anything after a wildcard is a wildcard
    for k in range(3):
        if parts[k] is None:
            parts[k + 1 :] = [None] * (2 - k)
            break
    return parts, m.group(4)


def _ver(parts, pre=None) -> str:
    return f"{parts[0]}.{parts[1]}.{parts[2]}" + (f"-{pre}" if pre else "")


def _expand(op: str, text: str) -> list[tuple[str, str]]:
    """One comparator (maybe ~, ^, x-range) -> list of primitive (op, version)."""
    if text in ("", "*", "x", "X"):
        return [(">=", "0.0.0")]
    (ma, mi, pa), pre = _partial(text)
    if op == "~":
        if ma is None:
            return [(">=", "0.0.0")]
        if mi is None:
            return [(">=", _ver([ma, 0, 0])), ("<", _ver([ma + 1, 0, 0], "0"))]
        return [(">=", _ver([ma, mi, pa or 0], pre)), ("<", _ver([ma, mi + 1, 0], "0"))]
    if op == "^":
        if ma is None:
            return [(">=", "0.0.0")]
        lo = _ver([ma, mi or 0, pa or 0], pre)
        if ma > 0 or mi is None:
            hi = [ma + 1, 0, 0]
        elif mi > 0 or pa is None:
            hi = [0, mi + 1, 0]
        else:
            hi = [0, 0, pa + 1]
        return [(">=", lo), ("<", _ver(hi, "0"))]
    if ma is None:
        return [("<", "0.0.0-0")] if op in ("<", ">") else [(">=", "0.0.0")]
    if mi is None or pa is None:  # x-range
        lo = [ma, mi or 0, 0]
        hi = [ma + 1, 0, 0] if mi is None else [ma, mi + 1, 0]
        if op in ("", "="):
            return [(">=", _ver(lo)), ("<", _ver(hi, "0"))]
        if op == ">":
            return [(">=", _ver(hi))]
        if op == ">=":
            return [(">=", _ver(lo))]
        if op == "<":
            return [("<", _ver(lo, "0"))]
        if op == "<=":
            return [("<", _ver(hi, "0"))]
    return [(op or "=", _ver([ma, mi, pa], pre))]


def _comparator_set(text: str) -> list[tuple[str, str]]:
    text = text.strip()
    m = re.match(r"^(\S+)\s+-\s+(\S+)$", text)
    if m:  # hyphen range
        (la, li, lp), lpre = _partial(m.group(1))
        lo = _ver([la or 0, li or 0, lp or 0], lpre)
        (ha, hi, hp), hpre = _partial(m.group(2))
        if ha is None:
            return [(">=", lo)]
        if hi is None:
            return [(">=", lo), ("<", _ver([ha + 1, 0, 0], "0"))]
        if hp is None:
            return [(">=", lo), ("<", _ver([ha, hi + 1, 0], "0"))]
        return [(">=", lo), ("<=", _ver([ha, hi, hp], hpre))]
    # operators may be separated from their version by blanks ("<= 1.2.3")
    text = re.sub(r"(<=|>=|<|>|=|~>|~|\^)\s+", r"\1", text)
    out: list[tuple[str, str]] = []
    for word in text.split():
        m = re.match(r"^(<=|>=|<|>|=|~>|~|\^)?(.*)$", word)
        op = m.group(1) or ""
        op = "~" if op == "~>" else op
        out.extend(_expand(op, m.group(2)))
    return out or [(">=", "0.0.0")]


def npm_range_satisfied(version: str, rng: str) -> bool:
    v = semver_key(version)
    v_pre = _SEMVER.match(version).group(4)
    for alt in rng.split("||"):
        comps = _comparator_set(alt)
        ok = True
        for op, bound in comps:
            b = semver_key(bound)
            ok = {
                "<": v < b,
                "<=": v <= b,
                ">": v > b,
                ">=": v >= b,
                "=": v == b,
            }[op]
            if not ok:
                break
        if ok and v_pre:
            # a prerelease only matches a set naming a prerelease of the same x.y.z
            ok = any(
                _SEMVER.match(bound).group(4) and semver_key(bound)[:3] == v[:3] and bound.split("-")[1] != "0"
                for _, bound in comps
            )
        if ok:
            return True
    return False


# ----------------------------------------------------------------------------------------------
# Advisory data
# ----------------------------------------------------------------------------------------------


class OsvIndex:
    """OSV records by (ecosystem, package name)."""

    def __init__(self) -> None:
        self.by_pkg: dict[tuple[str, str], list[tuple[str, dict]]] = {}

    def add(self, record: dict) -> None:
        if record.get("withdrawn"):
            return
        for affected in record.get("affected", []) or []:
            pkg = affected.get("package") or {}
            eco, name = pkg.get("ecosystem"), pkg.get("name")
            if not eco or not name:
                continue
            if eco == "PyPI":
                name = pep503(name)
            self.by_pkg.setdefault((eco, name), []).append((record["id"], affected))

    def match(self, eco: str, name: str, version: str, key) -> list[str]:
        hits = set()
        for rid, affected in self.by_pkg.get((eco, name), []):
            if rid in hits:
                continue
            if version in [str(v) for v in affected.get("versions", []) or []]:
                hits.add(rid)
                continue
            for rng in affected.get("ranges", []) or []:
                if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
                    continue
                if osv_range_affects(rng.get("events", []), version, key, rid):
                    hits.add(rid)
                    break
        return sorted(hits)


def osv_range_affects(events: list[dict], version: str, key, rid: str) -> bool:
    v = key(version)
    items = []
    limits = []
    for ev in events:
        for kind, text in ev.items():
            text = str(text)
            if kind == "introduced" and text == "0":
                items.append((None, kind))
                continue
            try:
                k = key(text)
            except (ValueError, InvalidVersion):
                print(f"warning: {rid}: cannot read {kind} {text!r}; event ignored", file=sys.stderr)
                continue
            if kind == "limit":
                limits.append(k)
            elif kind in ("introduced", "fixed", "last_affected"):
                items.append((k, kind))
    # sort by version, "0" first
    items.sort(key=lambda it: (0,) if it[0] is None else (1, it[0]))
    affected = False
    for k, kind in items:
        if kind == "introduced":
            if k is None or v >= k:
                affected = True
        elif kind == "fixed":
            if v >= k:
                affected = False
        elif kind == "last_affected":
            if v > k:
                affected = False
    if affected and limits and not any(v < lim for lim in limits):
        affected = False
    return affected


def load_osv(adv: Path) -> OsvIndex:
    index = OsvIndex()
    for path in sorted((adv / "rustsec-osv").rglob("*.json")):
        index.add(json.loads(path.read_text()))
    for path in sorted((adv / "golang-vulndb" / "data" / "osv").glob("*.json")):
        index.add(json.loads(path.read_text()))
    for path in sorted((adv / "pypa-advisory-database" / "vulns").rglob("*.yaml")):
        # BaseLoader keeps every scalar a string: "2.10" must not become the float 2.1
        index.add(yaml.load(path.read_text(), Loader=yaml.BaseLoader))
    return index


def load_nswg(adv: Path) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((adv / "nodejs-security-wg" / "vuln" / "npm").glob("*.json")):
        doc = json.loads(path.read_text())
        if not isinstance(doc.get("module_name"), str) or not isinstance(doc.get("vulnerable_versions"), str):
            continue
        out.setdefault(doc["module_name"], []).append((f"NSWG-ECO-{doc['id']}", doc["vulnerable_versions"]))
    return out


def load_secdb(adv: Path, release: str) -> dict[str, list[tuple[str, str]]]:
    """origin -> [(fixed version, CVE id)] for the branch vX.Y."""
    branch = "v" + ".".join(release.split(".")[:2])
    folder = adv / "alpine-secdb-legacy" / branch
    if not folder.is_dir():
        raise SystemExit(f"no secdb for Alpine {release} ({folder} missing)")
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
        for item in doc.get("packages", []) or []:
            pkg = item.get("pkg", {})
            for fixed, ids in (pkg.get("secfixes") or {}).items():
                if fixed == "0":
                    continue
                for entry in ids or []:
                    for word in str(entry).split():
                        if word.startswith("CVE-"):
                            out.setdefault(pkg["name"], []).append((fixed, word))
    return out


# ----------------------------------------------------------------------------------------------


def expected_for(image: Path, adv: Path, osv: OsvIndex, nswg) -> dict[str, list[str]]:
    files = read_image(image)
    result: dict[str, list[str]] = {}
    for name, ver in python_packages(files):
        result[f"python/{name}@{ver}"] = osv.match("PyPI", name, ver, pep440_key)
    for name, ver in cargo_packages(files):
        result[f"cargo/{name}@{ver}"] = osv.match("crates.io", name, ver, semver_key)
    for name, ver in go_packages(files):
        result[f"go/{name}@{ver}"] = osv.match("Go", name, ver, semver_key)
    for name, ver in npm_packages(files):
        result[f"npm/{name}@{ver}"] = sorted(
            rid for rid, rng in nswg.get(name, []) if npm_range_satisfied(ver, rng)
        )
    apks = apk_packages(files)
    if apks:
        release = files.get("etc/alpine-release", b"").decode().strip()
        secdb = load_secdb(adv, release)
        for name, ver, origin in apks:
            lowest: dict[str, str] = {}
            for fixed, cve in secdb.get(origin, []):
                try:
                    if cve not in lowest or apk_compare(fixed, lowest[cve]) < 0:
                        lowest[cve] = fixed
                except ValueError as err:  # the secdb has a few malformed versions ("1.18.-r2")
                    print(f"warning: {image.name}: {origin} {fixed}: {err}; fix ignored", file=sys.stderr)
            ids = set()
            for cve, fixed in lowest.items():
                try:
                    if apk_compare(ver, fixed) < 0:
                        ids.add(f"ALPINE-{cve}")
                except ValueError as err:
                    print(f"warning: {image.name}: {origin} {fixed} / {ver}: {err}; fix ignored", file=sys.stderr)
            result[f"apk/{name}@{ver}"] = sorted(ids)
    return dict(sorted(result.items()))


def self_test() -> None:
    """Hand-written cases from the format specifications; raises AssertionError on a mismatch."""
    apk_order = [
        "1.0_alpha1", "1.0_beta", "1.0_rc1", "1.0", "1.0-r1", "1.0_p1", "1.0a", "1.0.1",
        "1.1.1d-r0", "1.1.1g-r0", "1.1.18-r3", "1.1.18-r4", "1.2", "1.10", "2.0",
    ]
    for i, a in enumerate(apk_order):
        for j, b in enumerate(apk_order):
            want = (i > j) - (i < j)
            assert apk_compare(a, b) == want, (a, b, apk_compare(a, b), want)
    assert apk_compare("1.29.3-r10", "1.29.3-r10") == 0
    for lower, higher in [("1.00", "1.0"), ("1.001", "1.01"), ("1.0.1", "1.05"), ("1.0.5", "1.05"), ("1.05", "1.1"),
                          ("1.0", "1.0.0"), ("1.0_rc1", "1.0"), ("1.2_git20190101", "1.2_p1"), ("0.9", "0.10")]:
        assert apk_compare(lower, higher) < 0 and apk_compare(higher, lower) > 0, (lower, higher)
    assert apk_compare("1.2.3-r9", "1.2.3-r10") < 0
    semver_order = ["0.9.9", "1.0.0-0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2",
                    "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "v2.0.0"]
    keys = [semver_key(v) for v in semver_order]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), semver_order
    assert semver_key("1.0.0+build") == semver_key("1.0.0")
    cases = [
        ("1.2.3", "<= 1.2.3", True), ("1.2.4", "<= 1.2.3", False), ("2.0.5", "<1.6.5 || < 2.1.7 > 2.0.0", True),
        ("2.0.0", "<1.6.5 || < 2.1.7 > 2.0.0", False), ("4.2.0", "<5.0.3 >=5.0.0 || < 4.2.1", True),
        ("5.0.3", "<5.0.3 >=5.0.0 || < 4.2.1", False), ("2.1.9", "2.0.x || 2.1.x", True),
        ("2.2.0", "2.0.x || 2.1.x", False), ("0.8.5", "~0.8.0", True), ("0.9.0", "~0.8.0", False),
        ("1.9.9", "^1.2.3", True), ("2.0.0", "^1.2.3", False), ("0.2.5", "^0.2.3", True), ("0.3.0", "^0.2.3", False),
        ("1.5.0", "1.2.3 - 2.3.4", True), ("2.3.5", "1.2.3 - 2.3.4", False), ("3.0.0", "*", True),
        ("4.4.0", "<3.11 || >= 4 <4.5", True), ("3.11.0", "<3.11 || >= 4 <4.5", False),
        ("1.0.0", "<= 1.0", True), ("1.0.1", "<= 1.0", True), ("1.1.0", "<= 1.0", False),
        ("1.7.0-alpha1", "<= 1.7.0-alpha2", True), ("1.7.0-beta", "<= 1.7.0-alpha2", False),
        ("1.7.0-alpha1", "< 1.8.0", False),
    ]
    for version, rng, want in cases:
        assert npm_range_satisfied(version, rng) == want, (version, rng, want)
    ev = [{"introduced": "2.0.0"}, {"fixed": "2.0.7"}, {"introduced": "0"}, {"fixed": "1.26.18"}]
    assert osv_range_affects(ev, "1.24.1", pep440_key, "t") and osv_range_affects(ev, "2.0.6", pep440_key, "t")
    assert not osv_range_affects(ev, "1.26.18", pep440_key, "t") and not osv_range_affects(ev, "2.0.7", pep440_key, "t")
    ev = [{"introduced": "1.0.0"}, {"last_affected": "1.4.0"}]
    assert osv_range_affects(ev, "1.4.0", semver_key, "t") and not osv_range_affects(ev, "1.4.1", semver_key, "t")
    assert not osv_range_affects(ev, "0.9.0", semver_key, "t")
    assert pep503("Jinja2") == "jinja2" and pep503("zope.interface") == "zope-interface"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--advisories", required=True, type=Path)
    ap.add_argument("--summary", action="store_true", help="also print a per-image summary on stderr")
    ap.add_argument("--self-test", action="store_true", help="check the comparators on hand-written cases first")
    ap.add_argument("images", nargs="*", type=Path)
    args = ap.parse_args()
    if args.self_test:
        self_test()
        print("self-test passed", file=sys.stderr)
    osv = load_osv(args.advisories)
    nswg = load_nswg(args.advisories)
    out = {}
    for image in args.images:
        name = image.name.removesuffix(".tar")
        out[name] = expected_for(image, args.advisories, osv, nswg)
        if args.summary:
            hit = {k: v for k, v in out[name].items() if v}
            total = sum(len(v) for v in hit.values())
            print(f"{name}: {len(out[name])} packages, {len(hit)} affected, {total} ids", file=sys.stderr)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
