//! The daemon rules on the real local engine: the expected findings are derived independently from
//! `docker info`, `docker network inspect bridge`, `ps`, `stat` and `/etc/docker/daemon.json`, then
//! compared with what the rules find on a snapshot taken with the crate's collector and this host's
//! facts (`bulkhead_engine::host::host_facts`).

mod support;

use bulkhead_core::Severity;
use bulkhead_engine::rules::{EngineCheckContext, EngineCheckOptions, check_rules, registry};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use support::*;

/// `stat -c '%U:%G %a' PATH`, when the path exists.
fn stat(path: &str) -> Option<(String, String, u32)> {
    let o = Command::new("stat")
        .args(["-L", "-c", "%U %G %a", path])
        .output()
        .ok()?;
    if !o.status.success() {
        return None;
    }
    let t = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let mut it = t.split_whitespace();
    let (u, g, m) = (it.next()?, it.next()?, it.next()?);
    Some((
        u.to_string(),
        g.to_string(),
        u32::from_str_radix(m, 8).ok()?,
    ))
}

/// Whether `path` breaks `root:<groups> <max mode>`.
fn bad_perms(path: &str, groups: &[&str], max: u32) -> bool {
    match stat(path) {
        Some((u, g, m)) => {
            u != "root" || !(g == "root" || groups.contains(&g.as_str())) || m & 0o777 & !max != 0
        }
        None => false,
    }
}

/// dockerd's arguments as `ps` shows them (split on spaces; flags here carry no spaces).
fn dockerd_args() -> Option<Vec<String>> {
    let o = Command::new("ps")
        .args(["-C", "dockerd", "-o", "args="])
        .output()
        .ok()?;
    let t = String::from_utf8_lossy(&o.stdout);
    let line = t.lines().next()?.trim().to_string();
    if line.is_empty() {
        return None;
    }
    Some(
        line.split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect(),
    )
}

fn flag_bool(args: &[String], json: &Value, key: &str) -> Option<bool> {
    let flag = format!("--{key}");
    let mut v = None;
    for a in args {
        if *a == flag {
            v = Some(true);
        } else if let Some(x) = a.strip_prefix(&format!("{flag}=")) {
            v = Some(x == "true");
        }
    }
    v.or_else(|| json.get(key).and_then(Value::as_bool))
}

/// What the DM rules must find on this engine, from the engine's own reports.
fn expected(info: &Value) -> BTreeSet<(String, String)> {
    let mut e = BTreeSet::new();
    let mut add = |id: &str, obj: &str| {
        e.insert((id.to_string(), obj.to_string()));
    };
    let sec: Vec<String> = info["SecurityOptions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let has = |s: &str| sec.iter().any(|o| o.contains(s));
    let rootless = has("name=rootless");
    let json: Value = std::fs::read_to_string("/etc/docker/daemon.json")
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let args = dockerd_args();
    let a = args.clone().unwrap_or_default();
    if !rootless && !has("name=userns") {
        add("DM001", "daemon / Info.SecurityOptions");
    }
    let icc = docker_ok(&[
        "network",
        "inspect",
        "bridge",
        "-f",
        "{{index .Options \"com.docker.network.bridge.enable_icc\"}}",
    ]);
    if icc == "true" {
        add(
            "DM002",
            "daemon / network bridge Options.com.docker.network.bridge.enable_icc",
        );
    }
    let cidrs: Vec<&str> = info["RegistryConfig"]["InsecureRegistryCIDRs"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if cidrs.iter().any(|c| *c != "127.0.0.0/8" && *c != "::1/128") {
        add(
            "DM003",
            "daemon / Info.RegistryConfig.InsecureRegistryCIDRs",
        );
    }
    let swarm_active = info["Swarm"]["LocalNodeState"] == "active";
    if info["LiveRestoreEnabled"] == false && !swarm_active {
        add("DM005", "daemon / Info.LiveRestoreEnabled");
    }
    if !rootless && args.is_some() && flag_bool(&a, &json, "userland-proxy") != Some(false) {
        add("DM006", "daemon / userland-proxy");
    }
    if has("profile=unconfined") {
        add("DM007", "daemon / Info.SecurityOptions");
    }
    if !has("name=no-new-privileges")
        && args.is_some()
        && flag_bool(&a, &json, "no-new-privileges") != Some(true)
    {
        add("DM008", "daemon / no-new-privileges");
    }
    if info["ExperimentalBuild"] == true {
        add("DM009", "daemon / Info.ExperimentalBuild");
    }
    if matches!(
        info["LoggingDriver"].as_str(),
        Some("none" | "json-file" | "local")
    ) {
        add("DM010", "daemon / Info.LoggingDriver");
    }
    if !rootless {
        if bad_perms("/var/run/docker.sock", &["docker"], 0o660) {
            add("DM011", "daemon / /var/run/docker.sock");
        }
        if bad_perms("/etc/docker/daemon.json", &[], 0o644) {
            add("DM012", "daemon / /etc/docker/daemon.json");
        }
        if bad_perms("/etc/docker", &[], 0o755) {
            add("DM013", "daemon / /etc/docker");
        }
        for f in bulkhead_engine::host::UNIT_FILES
            .iter()
            .chain(bulkhead_engine::host::ENV_FILES)
        {
            if bad_perms(f, &[], 0o644) {
                add("DM015", &format!("daemon / {f}"));
            }
        }
        if flag_bool(&a, &json, "iptables") == Some(false) {
            add("DM017", "daemon / iptables");
        }
    }
    if std::env::var("DOCKER_CONTENT_TRUST").ok().as_deref() != Some("1") {
        add("DM016", "client / DOCKER_CONTENT_TRUST");
    }
    if info["Driver"] == "aufs" {
        add("DM018", "daemon / Info.Driver");
    }
    if info["Debug"] == true {
        add("DM019", "daemon / Info.Debug");
    }
    e
}

#[test]
fn daemon_findings_match_the_engine() {
    if !engine() {
        return;
    }
    let info_json = || -> Value {
        serde_json::from_str(&docker_ok(&["info", "--format", "{{json .}}"]))
            .expect("docker info JSON")
    };
    // Other suites may turn Swarm mode on or off meanwhile: take the engine's state before and after the
    // snapshot and retry until they agree.
    for attempt in 0..5 {
        let before = info_json();
        let mut snap = snapshot();
        assert!(
            snap.host.starts_with("unix://"),
            "the test engine is local: {}",
            snap.host
        );
        snap.host_files = Some(bulkhead_engine::host::host_facts());
        let after = info_json();
        if before["Swarm"]["LocalNodeState"] != after["Swarm"]["LocalNodeState"] && attempt < 4 {
            continue;
        }
        let want = expected(&before);
        let opts = EngineCheckOptions::default();
        let ctx = EngineCheckContext::new(&snap, &opts);
        let all = check_rules(&ctx, &registry());
        let got: BTreeSet<(String, String)> = all
            .iter()
            .filter(|f| f.rule_id.starts_with("DM"))
            .map(|f| {
                (
                    f.rule_id.clone(),
                    f.location.object.clone().unwrap_or_default(),
                )
            })
            .collect();
        eprintln!("DM findings on this engine: {got:?}");
        assert_eq!(got, want, "DM findings differ from what the engine reports");
        // This engine (Docker 20.10 started by scripts/engine.sh as root, --iptables=false, no
        // daemon.json) has a known profile: assert it too, so a broken expectation cannot hide.
        if before["SecurityOptions"]
            .to_string()
            .contains("name=seccomp,profile=default")
            && dockerd_args().is_some_and(|a| a.iter().any(|x| x == "--iptables=false"))
        {
            for id in ["DM001", "DM002", "DM006", "DM008", "DM017"] {
                assert!(
                    got.iter().any(|(r, _)| r == id),
                    "{id} expected on this engine: {got:?}"
                );
            }
            for id in ["DM003", "DM004", "DM007", "DM009", "DM011", "DM013"] {
                assert!(
                    !got.iter().any(|(r, _)| r == id),
                    "{id} not expected on this engine: {got:?}"
                );
            }
        }
        // Severity of the log-driver finding follows the driver.
        if let Some(f) = all.iter().find(|f| f.rule_id == "DM010") {
            let want = if before["LoggingDriver"] == "none" {
                Severity::Medium
            } else {
                Severity::Info
            };
            assert_eq!(f.severity, want);
        }
        // Every finding carries a remediation naming a concrete change.
        for f in all.iter().filter(|f| f.rule_id.starts_with("DM")) {
            assert!(!f.remediation.is_empty() && !f.message.is_empty(), "{f:?}");
        }
        return;
    }
}

#[test]
fn host_facts_match_stat_and_ps() {
    if !engine() {
        return;
    }
    let h = bulkhead_engine::host::host_facts();
    let mut checked = 0;
    for f in &h.files {
        match stat(&f.path) {
            Some((u, g, m)) => {
                assert!(f.exists, "{} exists", f.path);
                assert_eq!(f.mode.map(|x| x & 0o777), Some(m & 0o777), "{}", f.path);
                assert_eq!(f.owner.as_deref(), Some(u.as_str()), "{}", f.path);
                assert_eq!(f.group.as_deref(), Some(g.as_str()), "{}", f.path);
                checked += 1;
            }
            None => assert!(!f.exists, "{} should be absent", f.path),
        }
    }
    // The socket and /etc/docker exist on this engine's host.
    assert!(checked >= 2, "{h:?}");
    assert_eq!(h.daemon_args, dockerd_args());
    // daemon.json's content is kept exactly when it exists.
    if let Ok(text) = std::fs::read_to_string("/etc/docker/daemon.json") {
        let f = h.files.iter().find(|f| f.path == "/etc/docker/daemon.json");
        assert_eq!(f.and_then(|f| f.content.as_deref()), Some(text.as_str()));
    }
}
