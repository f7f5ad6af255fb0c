//! `bulkhead check --diff` / `--fix` on compose files: the hardening keys are added in place, what remains is
//! reported; and the fixed service runs on the real Docker engine with those settings in effect.

mod image_support;

use image_support::{docker, engine, rule_ids};
use std::path::Path;
use std::process::{Command, Output};

const COMPOSE: &str = "# app stack\nservices:\n  app:\n    image: bulkhead-test/busybox:latest\n    command: sleep 3600\n    labels:\n      bulkhead.test: cpfix\n    ports:\n      - \"18080:80\"\n\n  # the cache\n  cache:\n    image: bulkhead-test/busybox:latest\n    security_opt:\n      - label:disable\n";

const FIXED: [&str; 5] = ["CP003", "CP004", "CP005", "CP016", "CP020"];

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulkhead"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn diff_then_fix_compose_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.yaml");
    std::fs::write(&path, COMPOSE).unwrap();
    let o = run(
        &[
            "check",
            "--diff",
            "--profile",
            "production",
            "--fail-on",
            "never",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let diff = text(&o.stdout);
    for line in [
        "+    cap_drop: [ALL]",
        "+    read_only: true",
        "+    tmpfs: [/tmp, /run]",
        "+    security_opt: [\"no-new-privileges:true\"]",
        "+    pids_limit: 100",
        "+      - \"127.0.0.1:18080:80\"",
        "+      - \"no-new-privileges:true\"",
    ] {
        assert!(diff.lines().any(|l| l == line), "missing {line}:\n{diff}");
    }
    // --diff writes nothing.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), COMPOSE);

    let o = run(
        &[
            "check",
            "--fix",
            "--profile",
            "production",
            "--format",
            "json",
            "--fail-on",
            "never",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("Fixed 9 finding(s) in 1 file(s)."),
        "{}",
        text(&o.stderr)
    );
    let fixed = std::fs::read_to_string(&path).unwrap();
    // Comments, blank lines and order are kept; the new keys end each service.
    assert!(
        fixed.contains("    pids_limit: 100\n\n  # the cache\n  cache:\n"),
        "{fixed}"
    );
    assert!(
        fixed.starts_with("# app stack\nservices:\n  app:\n"),
        "{fixed}"
    );
    let v: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    let ids = rule_ids(&v);
    for gone in FIXED {
        assert!(!ids.iter().any(|i| i == gone), "{gone} remains: {ids:?}");
    }
    // What the fixes do not cover is still reported (mutable tag, memory limit).
    assert!(ids.iter().any(|i| i == "CP022" || i == "CP018"), "{ids:?}");
}

fn cleanup() {
    let o = Command::new(docker())
        .args(["ps", "-aq", "--filter", "label=bulkhead.test=cpfix"])
        .output();
    if let Ok(o) = o {
        for id in text(&o.stdout).split_whitespace() {
            let _ = Command::new(docker()).args(["rm", "-f", id]).output();
        }
    }
}

fn inspect(id: &str, fmt: &str) -> String {
    let o = Command::new(docker())
        .args(["inspect", "--format", fmt, id])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout).trim().to_string()
}

fn assert_hardened(id: &str) {
    assert_eq!(inspect(id, "{{.State.Running}}"), "true");
    assert_eq!(inspect(id, "{{.HostConfig.ReadonlyRootfs}}"), "true");
    assert_eq!(inspect(id, "{{json .HostConfig.CapDrop}}"), "[\"ALL\"]");
    assert!(
        inspect(id, "{{json .HostConfig.SecurityOpt}}").contains("no-new-privileges"),
        "{}",
        inspect(id, "{{json .HostConfig.SecurityOpt}}")
    );
    assert_eq!(inspect(id, "{{.HostConfig.PidsLimit}}"), "100");
    assert!(inspect(id, "{{json .HostConfig.Tmpfs}}").contains("/tmp"));
    // The root filesystem is read-only, /tmp is writable.
    let w = Command::new(docker())
        .args([
            "exec",
            id,
            "sh",
            "-c",
            "touch /x 2>/dev/null && echo root-writable; touch /tmp/x && echo tmp-ok",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&w.stdout).trim(), "tmp-ok", "{}", text(&w.stderr));
}

/// The fixed service runs on the engine: with docker-compose v1 when it is installed, else with the
/// `docker run` flags the fixed service stands for.
#[test]
fn fixed_service_runs_on_the_engine() {
    if !engine() {
        eprintln!("\n!!! SKIPPED fixed_service_runs_on_the_engine: no Docker engine !!!\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.yaml");
    // No published port: the test engine runs without iptables.
    let input = "services:\n  app:\n    image: bulkhead-test/busybox:latest\n    command: sleep 3600\n    labels:\n      bulkhead.test: cpfix\n";
    std::fs::write(&path, input).unwrap();
    let o = run(
        &[
            "check",
            "--fix",
            "--profile",
            "production",
            "--fail-on",
            "never",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let fixed = std::fs::read_to_string(&path).unwrap();
    for key in [
        "cap_drop: [ALL]",
        "read_only: true",
        "pids_limit: 100",
        "no-new-privileges:true",
    ] {
        assert!(fixed.contains(key), "{fixed}");
    }
    cleanup();
    let compose_v1 = Command::new("docker-compose")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if compose_v1 {
        let up = Command::new("docker-compose")
            .args(["-f", "compose.yaml", "-p", "bulkheadcpfix", "up", "-d"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let ids = Command::new(docker())
            .args(["ps", "-q", "--filter", "label=bulkhead.test=cpfix"])
            .output()
            .unwrap();
        let id = text(&ids.stdout).trim().to_string();
        let ok = up.status.success() && !id.is_empty();
        if ok {
            assert_hardened(&id);
        }
        let _ = Command::new("docker-compose")
            .args([
                "-f",
                "compose.yaml",
                "-p",
                "bulkheadcpfix",
                "down",
                "-t",
                "1",
            ])
            .current_dir(dir.path())
            .output();
        cleanup();
        assert!(
            ok,
            "docker-compose up failed:\n{}\n{fixed}",
            text(&up.stderr)
        );
    } else {
        eprintln!(
            "note: docker-compose is not installed; running the fixed service with docker run"
        );
        let o = Command::new(docker())
            .args([
                "run",
                "-d",
                "--label",
                "bulkhead.test=cpfix",
                "--cap-drop",
                "ALL",
                "--read-only",
                "--tmpfs",
                "/tmp",
                "--tmpfs",
                "/run",
                "--security-opt",
                "no-new-privileges:true",
                "--pids-limit",
                "100",
                "bulkhead-test/busybox:latest",
                "sleep",
                "3600",
            ])
            .output()
            .unwrap();
        let id = text(&o.stdout).trim().to_string();
        let ok = o.status.success() && !id.is_empty();
        if ok {
            assert_hardened(&id);
        }
        cleanup();
        assert!(ok, "docker run failed: {}", text(&o.stderr));
    }
}

#[test]
fn fix_keeps_crlf_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compose.yaml");
    let input = "services:\r\n  web:\r\n    image: nginx:1.27\r\n  # next\r\n  db:\r\n    image: postgres:17\r\n";
    std::fs::write(&path, input).unwrap();
    let o = run(
        &[
            "check",
            "--fix",
            "--profile",
            "production",
            "--fail-on",
            "never",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert_ne!(fixed, input);
    assert_eq!(
        fixed.matches('\n').count(),
        fixed.matches("\r\n").count(),
        "{fixed:?}"
    );
    assert!(
        fixed.contains("    pids_limit: 100\r\n  # next\r\n  db:\r\n"),
        "{fixed:?}"
    );
    assert!(fixed.ends_with("    pids_limit: 100\r\n"), "{fixed:?}");
}
