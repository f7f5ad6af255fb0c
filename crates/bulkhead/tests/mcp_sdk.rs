//! `bulkhead mcp` driven by the official MCP Python SDK (`tests/mcp/mcp_client_test.py`) over stdio and over
//! streamable HTTP, against the real Docker engine. The engine is started through `scripts/engine.sh` when it
//! is not running; without one, or without the `mcp` Python package outside CI, the tests say so loudly and
//! skip. The two transports use their own containers, network, host port and label, so they can run at once.

mod image_support;

use image_support::{docker, engine, repo_root};
use std::process::{Command, Stdio};

/// Whether `python3 -c 'import mcp'` works; in CI its absence is a failure, elsewhere a loud skip.
fn sdk_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import mcp"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "the MCP Python SDK is missing (`python3 -c 'import mcp'` fails); .ci/run installs it with pip"
        );
        eprintln!(
            "\n!!! SKIP: the MCP Python SDK is not installed (pip install mcp); the MCP client tests did not run !!!\n"
        );
    }
    ok
}

/// Runs the SDK client script over `transport`; it must pass every check.
fn run_client(transport: &str) {
    if !engine() {
        eprintln!(
            "\n!!! SKIP: no Docker engine; the MCP client test over {transport} did not run !!!\n"
        );
        return;
    }
    if !sdk_available() {
        return;
    }
    let script = repo_root().join("tests/mcp/mcp_client_test.py");
    let out = Command::new("python3")
        .arg(&script)
        .args([env!("CARGO_BIN_EXE_bulkhead"), transport])
        .env("BULKHEAD_DOCKER", docker())
        .env("PYTHONUNBUFFERED", "1")
        // Every failing check is listed, not only the first.
        .env("MCP_TEST_KEEP_GOING", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The timing and coverage lines are worth seeing in the test output.
    for line in stdout
        .lines()
        .filter(|l| l.contains("TIMING") || l.contains("checks"))
    {
        eprintln!("{transport}: {line}");
    }
    // The passing checks are left out of the failure message; the rest (failures, notes) is kept.
    let not_ok: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("ok ")).collect();
    assert!(
        out.status.success(),
        "the MCP client test over {transport} failed ({}):\n{}\n{stderr}",
        out.status,
        not_ok.join("\n")
    );
    assert!(
        stdout.contains("checks passed"),
        "the script ended without its summary:\n{stdout}\n{stderr}"
    );
}

#[test]
fn mcp_sdk_stdio() {
    run_client("stdio");
}

#[test]
fn mcp_sdk_http() {
    run_client("http");
}
