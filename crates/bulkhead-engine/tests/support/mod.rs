//! Shared helpers of the engine-backed tests: start the engine through `scripts/engine.sh` (once per test
//! process; skip loudly without one), run labelled test containers, clean up by label only, and snapshot the
//! engine with the crate's own collector.
#![allow(dead_code)]

use bulkhead_engine::collect::{CollectOptions, collect};
use bulkhead_engine::rules::{EngineCheckContext, EngineCheckOptions, check_rules, registry};
use bulkhead_engine::snapshot::Snapshot;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The label every resource a test creates carries (`bulkhead.test=<suite>`); cleanup removes only those.
pub const LABEL: &str = "bulkhead.test";

/// The tiny test image `scripts/engine.sh` builds (FROM scratch + static busybox).
pub const BASE_IMAGE: &str = "bulkhead-test/busybox:latest";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn docker() -> String {
    if let Ok(d) = std::env::var("BULKHEAD_DOCKER") {
        return d;
    }
    if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker".into()
    } else {
        "docker".into()
    }
}

/// `docker ARGS`: status success and stdout, or the failure text.
pub fn docker_run(args: &[&str]) -> Result<String, String> {
    let o = Command::new(docker())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
    } else {
        Err(format!(
            "docker {} failed:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

/// `docker ARGS` that must succeed.
pub fn docker_ok(args: &[&str]) -> String {
    docker_run(args).unwrap_or_else(|e| panic!("{e}"))
}

/// Whether an engine with the test image is up, starting it with `scripts/engine.sh` when needed.
pub fn engine() -> bool {
    static UP: OnceLock<bool> = OnceLock::new();
    *UP.get_or_init(|| {
        let ok = || {
            docker_run(&["info", "--format", "{{.ServerVersion}}"]).is_ok()
                && docker_run(&["image", "inspect", BASE_IMAGE]).is_ok()
        };
        if ok() {
            return true;
        }
        let script = repo_root().join("scripts/engine.sh");
        let st = Command::new("bash").arg(&script).status();
        let up = matches!(st, Ok(s) if s.success()) && ok();
        if !up {
            eprintln!(
                "\n!!! SKIPPED: no Docker engine could be started with {} ({st:?}); the engine audit tests did not run !!!\n",
                script.display()
            );
        }
        up
    })
}

/// Remove every container, network, volume, service and secret labelled `bulkhead.test=<suite>`.
pub fn cleanup(suite: &str) {
    let filter = format!("label={LABEL}={suite}");
    if let Ok(ids) = docker_run(&["service", "ls", "-q", "--filter", &filter]) {
        for id in ids.split_whitespace() {
            let _ = docker_run(&["service", "rm", id]);
        }
    }
    if let Ok(ids) = docker_run(&["ps", "-aq", "--filter", &filter]) {
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if !ids.is_empty() {
            let mut a = vec!["rm", "-f", "-v"];
            a.extend(ids);
            let _ = docker_run(&a);
        }
    }
    for kind in ["network", "volume", "secret", "config"] {
        if let Ok(ids) = docker_run(&[kind, "ls", "-q", "--filter", &filter]) {
            for id in ids.split_whitespace() {
                let _ = docker_run(&[kind, "rm", id]);
            }
        }
    }
}

/// The local engine's snapshot (stopped containers included), taken with the crate's collector.
pub fn snapshot() -> Snapshot {
    let conn = bulkhead_engine::connect::connect(None).expect("connect to the engine");
    collect(&conn, &CollectOptions { all: true }).expect("snapshot the engine")
}

/// Every finding of every rule on `snap`, as `(rule id, object)` pairs, for objects whose text contains
/// `filter`, sorted.
pub fn findings(snap: &Snapshot, filter: &str) -> Vec<(String, String)> {
    let opts = EngineCheckOptions::default();
    let ctx = EngineCheckContext::new(snap, &opts);
    let mut v: Vec<(String, String)> = check_rules(&ctx, &registry())
        .into_iter()
        .map(|f| (f.rule_id, f.location.object.unwrap_or_default()))
        .filter(|(_, o)| o.contains(filter))
        .collect();
    v.sort();
    v
}
