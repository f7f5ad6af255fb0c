#!/usr/bin/env python3
"""End-to-end test of `bulkhead mcp` with the official MCP Python SDK, on the real Docker engine.

Usage: mcp_client_test.py BULKHEAD_BINARY stdio|http

Environment: BULKHEAD_DOCKER (docker CLI, default `docker`), MCP_TEST_KEEP_GOING=1 (report every failing
check instead of stopping at the first one).

Creates labelled fixtures (containers, a network, a --root directory) whose names carry the transport as a
suffix, so a stdio run and an http run can share the engine; removes them by label at start and end.
Prints one line per check; exits non-zero on the first failure (or, with MCP_TEST_KEEP_GOING, at the end).

bulkhead_hardenRun's results are checked last, once every other tool has been called.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

EXPECTED_TOOLS = {
    "docker_listContainers",
    "docker_inspectContainer",
    "docker_inspectImage",
    "docker_listNetworks",
    "docker_systemInfo",
    "docker_searchHub",
    "bulkhead_auditHost",
    "bulkhead_auditContainer",
    "bulkhead_scanImage",
    "bulkhead_checkDockerfile",
    "bulkhead_checkCompose",
    "bulkhead_hardenRun",
    "bulkhead_explainRule",
}
BASE_IMAGE = "bulkhead-test/busybox:latest"
SEVERITY_ORDER = ["info", "low", "medium", "high", "critical"]
UNREACHABLE = "unix:///nonexistent/docker.sock"


class CheckFailed(Exception):
    pass


class Checks:
    """One line per check; the first failure stops the run unless MCP_TEST_KEEP_GOING is set."""

    def __init__(self) -> None:
        self.n = 0
        self.failed: list[str] = []
        self.deferred: list[tuple[str, bool, object]] = []
        self.keep_going = os.environ.get("MCP_TEST_KEEP_GOING") == "1"

    def ok(self, name: str, cond: bool, detail: object = "") -> bool:
        self.n += 1
        if cond:
            print(f"ok {self.n:3} {name}", flush=True)
            return True
        d = str(detail)
        if len(d) > 3000:
            d = d[:3000] + "...<cut>"
        print(f"FAIL {self.n:3} {name}\n    {d}", flush=True)
        self.failed.append(name)
        if not self.keep_going:
            raise CheckFailed(name)
        return False

    def defer(self, name: str, cond: bool, detail: object = "") -> None:
        """A check evaluated at the end, so that the checks after it still run when it fails."""
        self.deferred.append((name, cond, detail))

    def run_deferred(self) -> None:
        for name, cond, detail in self.deferred:
            self.ok(name, cond, detail)

    def info(self, text: str) -> None:
        print(f"   -- {text}", flush=True)


C = Checks()


# ---------------------------------------------------------------- fixtures


class Fixtures:
    def __init__(self, transport: str) -> None:
        self.transport = transport
        self.docker = os.environ.get("BULKHEAD_DOCKER") or "docker"
        self.label = f"bulkhead.test=mcp-{transport}"
        self.net = f"mcp-net-{transport}"
        self.weak = f"mcp-weak-{transport}"
        self.hard = f"mcp-hard-{transport}"
        self.host_port = 18080 if transport == "stdio" else 18081
        alnum = string.ascii_letters + string.digits
        # Planted at run time: the repository holds no secret.
        self.db_password = "Pw" + "".join(secrets.choice(alnum) for _ in range(22))
        self.aws_secret = "".join(secrets.choice(alnum + "/+") for _ in range(40))
        # Shapes that a per-string check misses: a value with spaces, a label under a credential-like key,
        # a command-line argument after a credential flag.
        words = ["".join(secrets.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(3)]
        self.spaced_password = " ".join(words)
        self.label_token = "tok" + "".join(secrets.choice(alnum) for _ in range(18))
        self.arg_password = "Arg" + "".join(secrets.choice(alnum) for _ in range(17))
        self.java_password = "Jv" + "".join(secrets.choice(alnum) for _ in range(16))
        self.pg_label = "Pg" + "".join(secrets.choice(alnum) for _ in range(16))
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bulkhead-mcp-{transport}-"))
        self.root = self.tmp / "root"
        self.image_id = ""

    def run(self, *args: str, check: bool = True) -> str:
        p = subprocess.run([self.docker, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if check and p.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed: {p.stderr.strip()}")
        return p.stdout.strip()

    def cleanup(self) -> None:
        ids = self.run("ps", "-aq", "--filter", f"label={self.label}", check=False).split()
        if ids:
            self.run("rm", "-f", *ids, check=False)
        nets = self.run("network", "ls", "-q", "--filter", f"label={self.label}", check=False).split()
        if nets:
            self.run("network", "rm", *nets, check=False)

    def create(self) -> None:
        self.cleanup()
        self.image_id = self.run("image", "inspect", "--format", "{{.Id}}", BASE_IMAGE)
        self.run("network", "create", "--label", self.label, self.net)
        self.run(
            "run", "-d", "--name", self.weak, "--label", self.label, "--network", self.net,
            "-e", f"DB_PASSWORD={self.db_password}", "-e", f"AWS_SECRET_ACCESS_KEY={self.aws_secret}",
            "-e", f"SMTP_PASSWORD={self.spaced_password}", "--label", f"com.example.token={self.label_token}",
            "-e", f"JAVA_OPTS=-Dspring.datasource.password={self.java_password} -Xmx64m",
            "--label", f"pgpassword={self.pg_label}",
            "--cap-add", "NET_ADMIN", "-p", f"{self.host_port}:8080",
            BASE_IMAGE, "sh", "-c", "sleep 3600", "sleeper", "--password", self.arg_password,
        )
        self.run(
            "run", "-d", "--name", self.hard, "--label", self.label, "--network", self.net,
            "--user", "1000:1000", "--cap-drop", "ALL", "--read-only",
            "--security-opt", "no-new-privileges", "--memory", "64m", "--cpus", "0.5",
            "--pids-limit", "64", "--restart", "on-failure:3",
            self.image_id, "sleep", "3600",
        )
        self.root.mkdir(parents=True)
        (self.root / "app").mkdir()
        (self.root / "app" / "Dockerfile").write_text(
            "FROM ubuntu\nRUN apt-get update && apt-get install -y curl\nCMD [\"sleep\", \"1\"]\n"
        )
        (self.root / "compose.yaml").write_text(
            "services:\n"
            "  web:\n"
            "    image: nginx:1.27\n"
            "    privileged: true\n"
            "    ports:\n"
            "      - \"8080:80\"\n"
            "    environment:\n"
            f"      DB_PASSWORD: {self.db_password}\n"
        )
        self.run("save", "-o", str(self.root / "busybox.tar"), BASE_IMAGE)
        (self.tmp / "outside.txt").write_text("FROM scratch\n")
        (self.tmp / "outside.env").write_text(f"DB_PASSWORD={self.db_password}\n")
        (self.root / "envfile.yaml").write_text(
            "services:\n  app:\n    image: busybox:1.36\n    env_file: ../outside.env\n"
        )
        (self.root / "escape").symlink_to(self.tmp / "outside.txt")
        self.oci_layout_with_escaping_blob()
        # A Dockerfile whose .dockerignore links out of the root, and compose files including outside files
        # that exist and that do not.
        (self.root / "ign").mkdir()
        (self.root / "ign" / "Dockerfile").write_text("FROM busybox:1.36\nCOPY . /app\nUSER 1000\n")
        (self.root / "ign" / ".dockerignore").symlink_to(self.tmp / "outside.txt")
        (self.tmp / "exists.yaml").write_text("services:\n  x:\n    image: busybox:1.36\n")
        (self.root / "inc-exists.yaml").write_text("include:\n  - ../exists.yaml\nservices:\n  a:\n    image: busybox:1.36\n")
        (self.root / "inc-missing.yaml").write_text("include:\n  - ../missing.yaml\nservices:\n  a:\n    image: busybox:1.36\n")

    def oci_layout_with_escaping_blob(self) -> None:
        """An OCI layout under the root whose only layer blob is a symlink to a tarball outside it."""
        import hashlib
        import io
        import tarfile

        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            data = f"aws_secret_access_key = {self.aws_secret}\n".encode()
            info = tarfile.TarInfo("app/creds")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        layer = buf.getvalue()
        outside = self.tmp / "outside-layer.tar"
        outside.write_bytes(layer)
        lay = self.root / "lay"
        blobs = lay / "blobs" / "sha256"
        blobs.mkdir(parents=True)

        def blob(data: bytes) -> str:
            d = hashlib.sha256(data).hexdigest()
            (blobs / d).write_bytes(data)
            return d

        layer_digest = hashlib.sha256(layer).hexdigest()
        (blobs / layer_digest).symlink_to(outside)
        config = json.dumps({
            "architecture": "amd64", "os": "linux", "config": {},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer_digest}"]},
        }).encode()
        cfg = blob(config)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": f"sha256:{cfg}", "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": f"sha256:{layer_digest}", "size": len(layer)}],
        }).encode()
        man = blob(manifest)
        (lay / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
        (lay / "index.json").write_text(json.dumps({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{man}", "size": len(manifest)}],
        }))

    def remove_tmp(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- transport


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An HTTP server process (`bulkhead mcp --http`), its stderr captured to a file."""

    def __init__(self, binary: str, root: Path, extra: list[str], stderr_path: Path) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.stderr_path = stderr_path
        self.err = open(stderr_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "mcp", "--root", str(root), "--http", f"127.0.0.1:{self.port}", "--token", self.token, *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"HTTP server exited: {stderr_path.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError("HTTP server did not listen within 20 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


class Transport:
    """Opens SDK sessions over stdio (a server per session) or HTTP (one server, many sessions)."""

    def __init__(self, kind: str, binary: str, root: Path, extra: list[str], stderr_path: Path) -> None:
        self.kind = kind
        self.binary = binary
        self.root = root
        self.extra = extra
        self.stderr_path = stderr_path
        self.server = Server(binary, root, extra, stderr_path) if kind == "http" else None

    @asynccontextmanager
    async def session(self):
        if self.server is None:
            params = StdioServerParameters(command=self.binary, args=["mcp", "--root", str(self.root), *self.extra])
            with open(self.stderr_path, "a") as errlog:
                async with stdio_client(params, errlog=errlog) as (r, w):
                    async with ClientSession(r, w) as s:
                        yield s
        else:
            client = create_mcp_http_client(headers={"Authorization": f"Bearer {self.server.token}"})
            async with client:
                async with streamable_http_client(self.server.url, http_client=client) as (r, w):
                    async with ClientSession(r, w) as s:
                        yield s

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


# ---------------------------------------------------------------- helpers


SEEN: list[str] = []  # the text of every response, for the secret check


def record(obj) -> None:
    try:
        SEEN.append(obj.model_dump_json())
    except AttributeError:
        SEEN.append(str(obj))


def text_of(res) -> str:
    return "\n".join(getattr(c, "text", "") for c in res.content)


async def call(s: ClientSession, tool: str, args: dict):
    res = await s.call_tool(tool, args)
    record(res)
    return res


async def call_ok(s: ClientSession, tool: str, args: dict) -> dict:
    res = await call(s, tool, args)
    C.ok(f"{tool} {json.dumps(args)[:80]} succeeds", not res.is_error, text_of(res))
    sc = res.structured_content
    C.ok(f"{tool} returns structured content", isinstance(sc, dict), res)
    return sc or {}


async def call_err(s: ClientSession, tool: str, args: dict) -> str:
    """A call that must fail: as a tool error or as a JSON-RPC error. Returns the message."""
    try:
        res = await call(s, tool, args)
    except MCPError as e:
        SEEN.append(str(e.error))
        return f"[json-rpc {e.code}] {e.message} {e.data or ''}"
    C.ok(f"{tool} {json.dumps(args)[:80]} is an error", res.is_error, res)
    return text_of(res)


def rules_of(doc: dict) -> set[str]:
    return {f.get("rule") for f in doc.get("findings", [])}


def sev_at_least(sev: str, floor: str) -> bool:
    return SEVERITY_ORDER.index(sev.lower()) >= SEVERITY_ORDER.index(floor)


async def still_serving(s: ClientSession, after: str) -> None:
    sc = await call_ok(s, "bulkhead_explainRule", {"rule": "CT004"})
    C.ok(f"server still serves after {after}", sc.get("id") == "CT004", sc)


# ---------------------------------------------------------------- the checks


async def main_session(t: Transport, fx: Fixtures, harden: dict) -> None:
    async with t.session() as s:
        init = await s.initialize()
        record(init)
        C.ok("initialize: server name is bulkhead", init.server_info.name == "bulkhead", init.server_info)
        C.info(f"protocol {init.protocol_version}, server {init.server_info.name} {init.server_info.version}")

        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            tools = await s.list_tools()
            times.append((time.perf_counter() - t0) * 1000)
        med = statistics.median(times)
        C.info(f"TIMING tools/list round-trip over {t.kind}: median {med:.2f} ms of {[round(x, 2) for x in times]}")
        C.ok("tools/list median round-trip < 50 ms", med < 50, f"{med:.2f} ms")
        names = {x.name for x in tools.tools}
        record(tools)
        C.ok("tools/list has exactly the 13 tools", names == EXPECTED_TOOLS,
             f"extra {names - EXPECTED_TOOLS}, missing {EXPECTED_TOOLS - names}")

        # ---- Docker inspection
        sc = await call_ok(s, "docker_listContainers", {"all": True, "filter": f"mcp-weak-{fx.transport}"})
        cs = sc.get("containers", [])
        C.ok("docker_listContainers filter finds mcp-weak", [c.get("name") for c in cs] == [fx.weak], sc)
        C.ok("docker_listContainers shows the published port",
             any(f":{fx.host_port}->8080" in p for p in cs[0].get("ports", [])) if cs else False, cs)

        sc = await call_ok(s, "docker_inspectContainer", {"container": fx.weak})
        cfg, hc = sc.get("Config", {}), sc.get("HostConfig", {})
        C.ok("inspectContainer mcp-weak: Config.User empty/root", cfg.get("User", "") in ("", "root", "0"), cfg)
        C.ok("inspectContainer mcp-weak: CapAdd has NET_ADMIN",
             any("NET_ADMIN" in c for c in hc.get("CapAdd") or []), hc)
        env = cfg.get("Env") or []
        C.ok("inspectContainer mcp-weak: Env keeps the name DB_PASSWORD=",
             any(e.startswith("DB_PASSWORD=") for e in env), env)
        C.ok("inspectContainer mcp-weak: Env keeps the name AWS_SECRET_ACCESS_KEY=",
             any(e.startswith("AWS_SECRET_ACCESS_KEY=") for e in env), env)
        C.ok("inspectContainer mcp-weak: no planted value in Env",
             not any(fx.db_password in e or fx.aws_secret in e for e in env), env)
        full = await call_ok(s, "docker_inspectContainer", {"container": fx.weak, "full": True})
        C.ok("inspectContainer full=true has the whole document", "GraphDriver" in full or "State" in full, list(full))

        sc = await call_ok(s, "docker_inspectContainer", {"container": fx.hard})
        hc = sc.get("HostConfig", {})
        C.ok("inspectContainer mcp-hard: ReadonlyRootfs, CapDrop ALL, PidsLimit 64, User 1000:1000",
             hc.get("ReadonlyRootfs") is True and "ALL" in (hc.get("CapDrop") or []) and hc.get("PidsLimit") == 64
             and sc.get("Config", {}).get("User") == "1000:1000", sc)
        msg = await call_err(s, "docker_inspectContainer", {"container": "mcp-no-such-container"})
        C.ok("inspectContainer of a missing container says not found", "not found" in msg.lower(), msg)

        sc = await call_ok(s, "docker_inspectImage", {"image": BASE_IMAGE, "history": True})
        C.ok("inspectImage busybox: Id, Layers >= 1, RunsAsRoot, History",
             sc.get("Id") == fx.image_id and sc.get("Layers", 0) >= 1 and sc.get("RunsAsRoot") is True
             and isinstance(sc.get("History"), list) and sc["History"], sc)

        sc = await call_ok(s, "docker_listNetworks", {"filter": fx.net})
        nets = [n for n in sc.get("networks", []) if n.get("Name") == fx.net]
        attached = {c.get("Name") for c in nets[0].get("Containers", [])} if nets else set()
        C.ok("listNetworks has mcp-net with mcp-weak and mcp-hard attached",
             bool(nets) and {fx.weak, fx.hard} <= attached, sc)
        C.ok("listNetworks mcp-net: bridge driver, a subnet",
             bool(nets) and nets[0].get("Driver") == "bridge" and nets[0].get("Subnets"), nets)

        sc = await call_ok(s, "docker_systemInfo", {})
        C.ok("systemInfo has info.ServerVersion", bool(sc.get("info", {}).get("ServerVersion")), sc)
        C.ok("systemInfo has the security section", isinstance(sc.get("security", {}).get("seccomp"), bool), sc)

        t0 = time.perf_counter()
        res = await call(s, "docker_searchHub", {"term": "nginx", "limit": 3})
        took = time.perf_counter() - t0
        if res.is_error:
            m = text_of(res).lower()
            C.ok("searchHub offline: error names the engine/registry being unreachable",
                 "registry" in m or "engine" in m or "offline" in m, text_of(res))
            C.info(f"searchHub offline answer in {took:.1f} s: {text_of(res)[:160]}")
        else:
            C.ok("searchHub online: results", isinstance(res.structured_content.get("results"), list), res)
        msg = await call_err(s, "docker_searchHub", {"term": "nginx", "limit": 1000})
        C.ok("searchHub limit 1000 is refused naming the range", "limit" in msg and "100" in msg, msg)

        # ---- audits
        sc = await call_ok(s, "bulkhead_auditHost", {"container": fx.weak, "limit": 500})
        got = rules_of(sc)
        C.ok("auditHost container=mcp-weak: CT027 root user, CT004 NET_ADMIN, CT003 caps, CT028 secret in env",
             {"CT027", "CT004", "CT003", "CT028"} <= got, sorted(got))
        C.ok("auditHost container=mcp-weak: every finding is about mcp-weak",
             all(fx.weak in f.get("where", "") for f in sc.get("findings", [])),
             [f.get("where") for f in sc.get("findings", [])])
        weak_total = sc.get("counts", {}).get("total")
        sc = await call_ok(s, "bulkhead_auditHost", {"severity": "high", "limit": 500})
        sevs = [f.get("severity") for f in sc.get("findings", [])]
        C.ok("auditHost severity=high returns only high/critical",
             bool(sevs) and all(sev_at_least(x, "high") for x in sevs), sevs)
        sc = await call_ok(s, "bulkhead_auditHost", {"container": fx.weak, "rule": "CT028"})
        C.ok("auditHost rule=CT028 returns only CT028", rules_of(sc) == {"CT028"}, rules_of(sc))
        msg = await call_err(s, "bulkhead_auditHost", {"rule": "NOPE999"})
        C.ok("auditHost unknown rule is refused naming it", "NOPE999" in msg, msg)

        # pagination over a stable set (only our container's findings).
        seen_findings, offset, pages = [], 0, 0
        total = None
        while offset is not None and pages < 100:
            sc = await call_ok(s, "bulkhead_auditHost", {"container": fx.weak, "limit": 2, "offset": offset})
            page = sc.get("page", {})
            if pages == 0:
                total = sc.get("counts", {}).get("total")
                C.ok("auditHost limit=2: two findings and page.next_offset == 2",
                     len(sc.get("findings", [])) == 2 and page.get("next_offset") == 2, page)
            seen_findings += [(f["rule"], f["where"], f["message"]) for f in sc.get("findings", [])]
            offset = page.get("next_offset")
            pages += 1
        C.ok("pagination: walking next_offset covers counts.total exactly, no duplicates",
             len(seen_findings) == total == weak_total and len(set(seen_findings)) == total,
             f"walked {len(seen_findings)} in {pages} pages, total {total}, unpaged {weak_total}")

        sc = await call_ok(s, "bulkhead_auditContainer", {"container": fx.hard})
        above = [(f["rule"], f["severity"], f["message"]) for f in sc.get("findings", [])
                 if sev_at_least(f["severity"], "medium")]
        C.ok("auditContainer mcp-hard: nothing above low", not above, above)
        C.ok("auditContainer mcp-hard: config_user 1000:1000, running",
             sc.get("config_user") == "1000:1000" and sc.get("running") is True, sc)
        C.ok("auditContainer mcp-hard: no mutable-tag finding (image pinned by id)",
             "CT029" not in rules_of(sc), rules_of(sc))
        sc = await call_ok(s, "bulkhead_auditContainer", {"container": fx.weak})
        C.ok("auditContainer mcp-weak: CT027, CT004, CT028",
             {"CT027", "CT004", "CT028"} <= rules_of(sc), sorted(rules_of(sc)))
        C.ok("auditContainer mcp-weak: process users reported", bool(sc.get("process_users")), sc.get("process_users"))

        # ---- images
        sc = await call_ok(s, "bulkhead_scanImage", {"image": "docker-archive:busybox.tar"})
        img = sc.get("image", {})
        C.ok("scanImage docker-archive:busybox.tar: an archive with layers and its id",
             img.get("layers", 0) >= 1 and fx.image_id.split(":")[-1] in str(img.get("id")), img)
        C.ok("scanImage archive: counts and vulnerability_scan present",
             "findings" in sc.get("counts", {}) and isinstance(sc.get("vulnerability_scan"), dict), sc.get("counts"))
        C.ok("scanImage archive: paths shown relative to the root (no temp dir leaked)",
             str(fx.root) not in json.dumps(sc.get("findings")), sc.get("findings"))
        sc2 = await call_ok(s, "bulkhead_scanImage", {"image": BASE_IMAGE, "scanners": ["config", "secret"]})
        C.ok("scanImage engine name: same image id as the archive",
             sc2.get("image", {}).get("id") == img.get("id") and sc2["image"].get("layers") == img.get("layers"),
             (sc2.get("image"), img))
        C.ok("scanImage scanners=[config,secret]: the vuln scanner did not run",
             sc2.get("vulnerability_scan", {}).get("scanned") is False, sc2.get("vulnerability_scan"))
        msg = await call_err(s, "bulkhead_scanImage", {"image": BASE_IMAGE, "scanners": ["bogus"]})
        C.ok("scanImage scanners=[bogus] is refused naming it", "bogus" in msg, msg)

        # ---- Dockerfiles
        inline = (f"FROM ubuntu\nENV DB_PASSWORD={fx.db_password}\n"
                  "RUN curl -sSL https://example.com/install.sh | sh\n")
        sc = await call_ok(s, "bulkhead_checkDockerfile", {"content": inline})
        got = rules_of(sc)
        C.ok("checkDockerfile inline: DF001 root, DF002 secret in ENV, DF006 pipe to shell, DF009 unpinned",
             {"DF001", "DF002", "DF006", "DF009"} <= got, sorted(got))
        df002 = [f for f in sc.get("findings", []) if f["rule"] == "DF002"]
        C.ok("checkDockerfile inline: DF002 located at Dockerfile:2",
             bool(df002) and df002[0].get("where", "").startswith("Dockerfile:2"), df002)
        sc = await call_ok(s, "bulkhead_checkDockerfile", {"content": inline, "severity": "critical"})
        C.ok("checkDockerfile severity=critical keeps only critical",
             all(f["severity"] == "critical" for f in sc.get("findings", [])) and "DF002" in rules_of(sc), sc)
        sc = await call_ok(s, "bulkhead_checkDockerfile", {"path": "app/Dockerfile"})
        got = rules_of(sc)
        C.ok("checkDockerfile by path: file app/Dockerfile, DF001, DF009, DF021",
             sc.get("file") == "app/Dockerfile" and {"DF001", "DF009", "DF021"} <= got, (sc.get("file"), sorted(got)))
        C.ok("checkDockerfile by path: locations relative to the root",
             all(f.get("where", "").startswith("app/Dockerfile") for f in sc.get("findings", [])),
             [f.get("where") for f in sc.get("findings", [])])

        # ---- compose
        sc = await call_ok(s, "bulkhead_checkCompose", {"content": "services:\n  app:\n    image: busybox:1.36\n    privileged: true\n"})
        C.ok("checkCompose inline privileged: true -> CP001", "CP001" in rules_of(sc), sorted(rules_of(sc)))
        C.ok("checkCompose inline: analysed, file shown as inline",
             sc.get("analysed") is True and all("(inline)" in f for f in sc.get("files", [])), sc.get("files"))
        sc = await call_ok(s, "bulkhead_checkCompose", {"paths": ["compose.yaml"]})
        got = rules_of(sc)
        C.ok("checkCompose by path: CP001 privileged, CP016 port on all interfaces, CP017 secret in env",
             {"CP001", "CP016", "CP017"} <= got, sorted(got))
        C.ok("checkCompose by path: files == [compose.yaml]", sc.get("files") == ["compose.yaml"], sc.get("files"))

        # ---- rules, resources, prompt
        sc = await call_ok(s, "bulkhead_explainRule", {"rule": "CT004"})
        C.ok("explainRule CT004: id, title, fix, resource",
             sc.get("id") == "CT004" and sc.get("fix") and sc.get("resource") == "bulkhead://rules/CT004", sc)
        sc = await call_ok(s, "bulkhead_explainRule", {"rule": "DL3002"})
        C.ok("explainRule DL3002 (hadolint alias) resolves to a rule listing that alias",
             "DL3002" in (sc.get("aliases") or []), sc)
        C.info(f"DL3002 -> {sc.get('id')} {sc.get('name')}")
        msg = await call_err(s, "bulkhead_explainRule", {"rule": "ZZ999"})
        C.ok("explainRule ZZ999: error naming it", "ZZ999" in msg, msg)

        rs = await s.list_resources()
        record(rs)
        uris = {str(r.uri) for r in rs.resources}
        C.ok("resources/list has bulkhead://rules/CT004 (and DF001, CP001)",
             {"bulkhead://rules/CT004", "bulkhead://rules/DF001", "bulkhead://rules/CP001"} <= uris, len(uris))
        rr = await s.read_resource("bulkhead://rules/CT004")
        record(rr)
        c0 = rr.contents[0]
        C.ok("resources/read CT004 is markdown starting with '# CT004'",
             getattr(c0, "mime_type", None) == "text/markdown" and c0.text.startswith("# CT004"), c0)
        try:
            bad = await s.read_resource("bulkhead://rules/NOPE")
            C.ok("resources/read of an unknown rule fails", False, bad)
        except MCPError as e:
            C.ok("resources/read of an unknown rule fails naming it", "NOPE" in e.message, e.message)
        pr = await s.list_prompts()
        record(pr)
        C.ok("prompts/list has security_audit", [p.name for p in pr.prompts] == ["security_audit"], pr)
        p = await s.get_prompt("security_audit", {"severity": "high", "container": fx.weak})
        record(p)
        ptext = "\n".join(getattr(m.content, "text", "") for m in p.messages)
        C.ok("prompts/get security_audit mentions the container, severity and the tools",
             fx.weak in ptext and "high" in ptext and "bulkhead_auditHost" in ptext, ptext[:400])

        # ---- hardenRun: called here, its result checked last
        for key, args in (("container", {"container": fx.weak}), ("image", {"image": BASE_IMAGE})):
            res = await call(s, "bulkhead_hardenRun", args)
            harden[key] = res
        msg = await call_err(s, "bulkhead_hardenRun", {"container": fx.weak, "image": BASE_IMAGE})
        C.ok("hardenRun with both container and image is refused", "either" in msg, msg)

        # ---- paths outside the root
        for bad in ("../outside.txt", "/etc/passwd", "escape"):
            msg = await call_err(s, "bulkhead_checkDockerfile", {"path": bad})
            C.ok(f"checkDockerfile path {bad} refused naming the root", "root" in msg and "refused" in msg, msg)
            msg = await call_err(s, "bulkhead_checkCompose", {"paths": [bad]})
            C.ok(f"checkCompose paths [{bad}] refused naming the root", "root" in msg and "refused" in msg, msg)
            msg = await call_err(s, "bulkhead_scanImage", {"image": f"docker-archive:{bad}"})
            C.ok(f"scanImage docker-archive:{bad} refused naming the root", "root" in msg and "refused" in msg, msg)
        # env_file is read by the compose loader: a file outside the root must not be.
        res = await call(s, "bulkhead_checkCompose", {"paths": ["envfile.yaml"]})
        C.defer("checkCompose envfile.yaml with env_file: ../outside.env is refused naming the root",
                res.is_error and "root" in text_of(res), text_of(res)[:1500])
        inline_env = f"services:\n  app:\n    image: busybox:1.36\n    env_file: {fx.tmp / 'outside.env'}\n"
        res = await call(s, "bulkhead_checkCompose", {"content": inline_env})
        C.defer("checkCompose inline with an absolute env_file outside the root is refused naming the root",
                res.is_error and "root" in text_of(res), text_of(res)[:1500])
        inline_inc = f"include:\n  - {fx.tmp / 'outside.txt'}\nservices:\n  app:\n    image: busybox:1.36\n"
        msg = await call_err(s, "bulkhead_checkCompose", {"content": inline_inc})
        C.ok("checkCompose inline include of a file outside the root is refused naming the root",
             "root" in msg and "refused" in msg, msg)
        msg = await call_err(s, "bulkhead_checkDockerfile", {"path": "ign/Dockerfile"})
        C.ok("checkDockerfile whose .dockerignore links out of the root is refused", "outside" in msg and "refused" in msg, msg)
        m1 = await call_err(s, "bulkhead_checkCompose", {"paths": ["inc-exists.yaml"]})
        m2 = await call_err(s, "bulkhead_checkCompose", {"paths": ["inc-missing.yaml"]})
        C.ok("checkCompose including an outside file: refused, the same whether it exists or not",
             "refused" in m1 and m1 == m2 and "missing.yaml" not in m2, (m1, m2))
        msg = await call_err(s, "bulkhead_scanImage", {"image": "oci:lay", "scanners": ["config", "secret"]})
        C.ok("scanImage oci:lay whose layer blob is a symlink out of the root is refused",
             "outside" in msg and "refused" in msg, msg)
        await still_serving(s, "an OCI layout with an escaping blob")
        msg = await call_err(s, "bulkhead_scanImage", {"image": "../outside.txt"})
        C.ok("scanImage bare path ../outside.txt refused naming the root", "root" in msg and "refused" in msg, msg)
        await still_serving(s, "the refused paths")

        # ---- bad input
        msg = await call_err(s, "docker_noSuchTool", {})
        C.ok("unknown tool: error naming it", "docker_noSuchTool" in msg or "not found" in msg.lower(), msg)
        await still_serving(s, "an unknown tool")
        msg = await call_err(s, "docker_inspectContainer", {})
        C.ok("missing required argument: error naming `container`", "container" in msg, msg)
        await still_serving(s, "a missing argument")
        msg = await call_err(s, "bulkhead_auditHost", {"limit": "many"})
        C.ok("mistyped argument limit=\"many\": error naming the value and the expected type",
             "many" in msg and ("usize" in msg or "integer" in msg), msg)
        C.defer("mistyped argument limit=\"many\": the error names the argument `limit`", "limit" in msg, msg)
        await still_serving(s, "a mistyped argument")
        big = "FROM busybox\n" + ("RUN true\n" * (2 * 1024 * 1024 // 9))
        msg = await call_err(s, "bulkhead_checkDockerfile", {"content": big})
        C.ok("2 MiB inline Dockerfile: error naming the limit", "1048576" in msg or "MiB" in msg, msg[:300])
        await still_serving(s, "a 2 MiB Dockerfile")
        msg = await call_err(s, "bulkhead_checkDockerfile", {"content": "FROM busybox\n", "path": "app/Dockerfile"})
        C.ok("checkDockerfile with both content and path: error", "either" in msg, msg)
        msg = await call_err(s, "bulkhead_checkCompose", {"content": "services: {}\n", "paths": ["compose.yaml"]})
        C.ok("checkCompose with both content and paths: error", "either" in msg, msg)
        msg = await call_err(s, "bulkhead_checkDockerfile", {})
        C.ok("checkDockerfile with neither: error", "content" in msg and "path" in msg, msg)
        await still_serving(s, "both/neither arguments")


async def unreachable_engine(binary: str, kind: str, root: Path, log_dir: Path) -> None:
    t = Transport(kind, binary, root, ["--host", UNREACHABLE], log_dir / "unreachable.stderr")
    try:
        async with t.session() as s:
            await s.initialize()
            t0 = time.perf_counter()
            msg = await call_err(s, "docker_listContainers", {})
            took = time.perf_counter() - t0
            C.ok("unreachable engine: listContainers error names the address",
                 "/nonexistent/docker.sock" in msg, msg)
            C.ok("unreachable engine: the error comes fast (< 5 s)", took < 5, f"{took:.1f} s")
            msg = await call_err(s, "bulkhead_auditHost", {})
            C.ok("unreachable engine: auditHost error names the address", "/nonexistent/docker.sock" in msg, msg)
            sc = await call_ok(s, "bulkhead_explainRule", {"rule": "DL3002"})
            C.ok("unreachable engine: explainRule still works", bool(sc.get("id")), sc)
    finally:
        t.close()
        SEEN.append((log_dir / "unreachable.stderr").read_text(errors="replace"))


async def disconnect_mid_call(t: Transport, fx: Fixtures) -> None:
    """HTTP: abandon a session in the middle of a slow call; the server must keep serving new sessions."""
    assert t.server is not None

    async def abandon_once(delay: float) -> bool:
        started = asyncio.Event()
        inner: list[asyncio.Future] = []

        async def abandoned() -> None:
            async with t.session() as s:
                await s.initialize()
                inner.append(asyncio.ensure_future(s.call_tool("bulkhead_auditHost", {"all": True})))
                started.set()
                await inner[0]

        outer = asyncio.create_task(abandoned())
        await asyncio.wait_for(started.wait(), 30)
        await asyncio.sleep(delay)
        mid = not inner[0].done()
        outer.cancel()
        try:
            await asyncio.wait_for(outer, 15)
        except (asyncio.CancelledError, asyncio.TimeoutError, Exception):
            pass
        return mid

    mid = False
    for attempt, delay in enumerate((0.01, 0.005, 0.002, 0.001, 0.0)):
        mid = await abandon_once(delay)
        if mid:
            C.info(f"disconnect: session abandoned {delay * 1000:.0f} ms into bulkhead_auditHost (attempt {attempt + 1})")
            break
    C.ok("disconnect: a session was abandoned while bulkhead_auditHost was in flight", mid)

    # A raw connection dropped right after the request was sent.
    port = t.server.port
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
    with socket.create_connection(("127.0.0.1", port), timeout=5) as so:
        so.sendall((f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                    f"Accept: application/json, text/event-stream\r\nAuthorization: Bearer {t.server.token}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n{body}").encode())
    await asyncio.sleep(0.2)
    C.ok("disconnect: the server process is alive", t.server.proc.poll() is None)
    async with t.session() as s:
        await s.initialize()
        sc = await call_ok(s, "docker_inspectContainer", {"container": fx.weak})
        C.ok("disconnect: a fresh session works", sc.get("Name") == f"/{fx.weak}", sc.get("Name"))


def bearer_checks(t: Transport) -> None:
    assert t.server is not None
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}).encode()

    def post(headers: dict) -> tuple[int, str]:
        req = urllib.request.Request(t.server.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read(2000).decode(errors="replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    code, text = post({})
    C.ok("HTTP: no bearer token -> 401", code == 401, (code, text))
    code, text = post({"Authorization": "Bearer wrong-token"})
    C.ok("HTTP: wrong bearer token -> 401", code == 401, (code, text))
    code, text = post({"Authorization": f"Bearer {t.server.token}"})
    C.ok("HTTP: with the bearer token -> 200 and an initialize result", code == 200 and "bulkhead" in text, (code, text))
    code, text = post({"Authorization": f"Bearer {t.server.token}", "Host": "rebound.example"})
    C.ok("HTTP: a foreign Host header (DNS rebinding) -> 403", code == 403, (code, text))
    code, text = post({"Authorization": f"Bearer {t.server.token}", "Origin": "http://evil.example"})
    C.defer("HTTP: a foreign Origin header is refused (403; the MCP spec says servers MUST validate Origin)",
            code == 403, (code, text[:200]))


def raw_stdio(binary: str, root: Path) -> None:
    """stdio by hand: every stdout line is a JSON-RPC 2.0 message; the call log goes to stderr."""
    p = subprocess.Popen([binary, "mcp", "--root", str(root)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "bulkhead_explainRule", "arguments": {"rule": "CT004"}}},
        {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
            "name": "docker_listContainers", "arguments": {"all": True}}},
    ]
    try:
        lines_in = [json.dumps(m) for m in msgs]
        # A line that is not JSON between the requests: answered with a parse error, the session goes on.
        lines_in.insert(3, "{bad json")
        out, err = p.communicate(("\n".join(lines_in) + "\n").encode(), timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    lines = out.decode(errors="replace").splitlines()
    SEEN.append(out.decode(errors="replace"))
    SEEN.append(err.decode(errors="replace"))
    parsed, bad = [], []
    for line in lines:
        try:
            m = json.loads(line)
            (parsed if isinstance(m, dict) and m.get("jsonrpc") == "2.0" else bad).append(m if isinstance(m, dict) else line)
        except ValueError:
            bad.append(line)
    C.ok("raw stdio: every stdout line is a JSON-RPC 2.0 message", bool(lines) and not bad, bad[:5])
    ids = sorted(m.get("id") for m in parsed if m.get("id") is not None)
    C.ok("raw stdio: answers to requests 1..4", ids == [1, 2, 3, 4], ids)
    parse_errors = [m for m in parsed if m.get("id") is None and m.get("error", {}).get("code") == -32700]
    C.ok("raw stdio: the line that is not JSON gets one JSON-RPC parse error (-32700, id null)",
         len(parse_errors) == 1, [m for m in parsed if m.get("id") is None])
    results = {m.get("id"): m for m in parsed}
    C.ok("raw stdio: tools/call explainRule result", results.get(3, {}).get("result", {}).get(
        "structuredContent", {}).get("id") == "CT004", results.get(3))
    C.ok("raw stdio: the server exits when stdin closes", p.returncode is not None, p.returncode)
    log_lines = [json.loads(x) for x in err.decode(errors="replace").splitlines() if x.startswith("{")]
    C.ok("raw stdio: the call log (tool_call lines) is on stderr",
         {x.get("tool") for x in log_lines if x.get("event") == "tool_call"} >= {"bulkhead_explainRule", "docker_listContainers"},
         err.decode(errors="replace")[:500])


def harden_checks(harden: dict, fx: Fixtures) -> None:
    """bulkhead_hardenRun's result: the command, the compose service, the changes tied to rules, no secrets."""
    for key, res in harden.items():
        C.ok(f"hardenRun {key}: succeeds", res is not None and not res.is_error, res)
        sc = res.structured_content or {}
        C.ok(f"hardenRun {key}: has verify", isinstance(sc.get("verify"), str), sc)
        C.ok(f"hardenRun {key}: docker_run is a `docker run` string",
             isinstance(sc.get("docker_run"), str) and sc["docker_run"].startswith("docker run"), sc)
        args = sc.get("run_args")
        C.ok(f"hardenRun {key}: run_args list with --cap-drop ALL, --read-only, no-new-privileges",
             isinstance(args, list) and "--read-only" in args and any("no-new-privileges" in a for a in args)
             and any(a in ("--cap-drop=ALL", "ALL") for a in args), args)
        C.ok(f"hardenRun {key}: compose_service is YAML text",
             isinstance(sc.get("compose_service"), str) and "cap_drop" in sc.get("compose_service", ""), sc)
        ch = sc.get("changes")
        C.ok(f"hardenRun {key}: changes are {{rule, what, flag}}",
             isinstance(ch, list) and ch and all({"rule", "what", "flag"} <= set(c) for c in ch), ch)
        C.ok(f"hardenRun {key}: notes present", "notes" in sc, sc)
        if key == "container":
            C.ok("hardenRun container mcp-weak: changes address CT027 and CT004",
                 isinstance(ch, list) and {"CT027", "CT004"} <= {c.get("rule") for c in ch}, ch)
            C.ok("hardenRun container mcp-weak: docker_run does not carry the planted secrets",
                 fx.db_password not in str(sc) and fx.aws_secret not in str(sc), sc.get("docker_run"))


async def run(binary: str, kind: str) -> None:
    fx = Fixtures(kind)
    t = None
    try:
        fx.create()
        C.info(f"fixtures: {fx.weak}, {fx.hard}, {fx.net}, root {fx.root}")
        log_file = fx.tmp / "calls.log"
        stderr_path = fx.tmp / "server.stderr"
        t = Transport(kind, binary, fx.root, ["--log-file", str(log_file)], stderr_path)
        harden: dict = {}
        await main_session(t, fx, harden)
        await unreachable_engine(binary, kind, fx.root, fx.tmp)
        if kind == "http":
            bearer_checks(t)
            await disconnect_mid_call(t, fx)
        else:
            raw_stdio(binary, fx.root)
        t.close()
        log = log_file.read_text(errors="replace")
        SEEN.append(log)
        SEEN.append(stderr_path.read_text(errors="replace"))
        logged = {json.loads(x).get("tool") for x in log.splitlines() if x.strip()}
        C.ok("--log-file has a JSON line for every tool called", EXPECTED_TOOLS <= logged, EXPECTED_TOOLS - logged)
        everything = "\n".join(SEEN)
        C.info(f"secret check over {len(SEEN)} responses/logs, {len(everything)} characters")
        C.ok("SECRETS: the planted DB_PASSWORD value appears in no response, log or stderr",
             fx.db_password not in everything,
             everything[max(0, everything.find(fx.db_password) - 300):everything.find(fx.db_password) + 100])
        C.ok("SECRETS: the planted AWS secret key appears in no response, log or stderr",
             fx.aws_secret not in everything,
             everything[max(0, everything.find(fx.aws_secret) - 300):everything.find(fx.aws_secret) + 100])
        for what, planted in [("the spaced SMTP_PASSWORD value", fx.spaced_password),
                              ("the com.example.token label value", fx.label_token),
                              ("the --password argument", fx.arg_password),
                              ("the -D...password= inside JAVA_OPTS", fx.java_password),
                              ("the pgpassword label value", fx.pg_label)]:
            at = everything.find(planted)
            C.ok(f"SECRETS: {what} appears in no response, log or stderr", at < 0,
                 everything[max(0, at - 300):at + 100])
        C.run_deferred()
        harden_checks(harden, fx)
    finally:
        if t is not None:
            t.close()
        fx.cleanup()
        fx.remove_tmp()


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[2] not in ("stdio", "http"):
        print(__doc__, file=sys.stderr)
        return 2
    binary, kind = sys.argv[1], sys.argv[2]
    try:
        asyncio.run(run(binary, kind))
    except CheckFailed as e:
        print(f"\nFAILED at: {e}", flush=True)
        return 1
    if C.failed:
        print(f"\n{len(C.failed)} of {C.n} checks FAILED: {C.failed}", flush=True)
        return 1
    print(f"\nall {C.n} checks passed ({sys.argv[2]})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
