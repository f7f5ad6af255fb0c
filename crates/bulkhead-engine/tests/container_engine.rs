//! The container rules (`CT`) on the real engine: one container per weakness, a hardened one and a few
//! near misses, each named `ct-<weakness>` and labelled `bulkhead.test=ct`; the test asserts the exact set
//! of `CT` rule ids reported per container and that nothing above `low` is reported on the hardened one.
//!
//! With `BULKHEAD_CT_CAPTURE=1` it also rewrites `tests/fixtures/container/engine.json`, the trimmed
//! snapshot the rules' unit tests read.

mod support;

use bulkhead_core::Severity;
use bulkhead_engine::rules::{EngineCheckContext, EngineCheckOptions, check_rules, registry};
use bulkhead_engine::snapshot::Snapshot;
use std::collections::{BTreeMap, BTreeSet};
use support::{BASE_IMAGE, cleanup, docker_ok, docker_run, engine, snapshot};

const SUITE: &str = "ct";

/// What every container started with no hardening flag gets.
const DEFAULTS: &[&str] = &[
    "CT003", "CT010", "CT011", "CT012", "CT022", "CT023", "CT024", "CT027", "CT029",
];

/// One test container: name, `docker run` flags, command (default `sleep 3600`), whether to start it,
/// rule ids it adds to [`DEFAULTS`], and rule ids its flags remove from them.
struct Case {
    name: &'static str,
    flags: Vec<String>,
    cmd: Vec<&'static str>,
    start: bool,
    add: &'static [&'static str],
    remove: &'static [&'static str],
}

fn case(
    name: &'static str,
    flags: &[&str],
    add: &'static [&'static str],
    remove: &'static [&'static str],
) -> Case {
    Case {
        name,
        flags: flags.iter().map(|s| s.to_string()).collect(),
        cmd: vec!["sleep", "3600"],
        start: true,
        add,
        remove,
    }
}

fn cases(prop_dir: &str) -> Vec<Case> {
    let mut v = vec![
        case(
            "ct-hardened",
            &[
                "--read-only",
                "--tmpfs",
                "/tmp:rw,noexec,size=50m",
                "--cap-drop",
                "ALL",
                "--cap-add",
                "NET_BIND_SERVICE",
                "--security-opt",
                "no-new-privileges",
                "--user",
                "1000:1000",
                "--memory",
                "256m",
                "--cpus",
                "0.5",
                "--pids-limit",
                "100",
                "--network",
                "ct-app-net",
                "-p",
                "127.0.0.1:3000:3000",
                "--health-cmd",
                "true",
                "--health-interval",
                "2s",
            ],
            &[],
            &[
                "CT003", "CT010", "CT011", "CT012", "CT022", "CT023", "CT024", "CT027",
            ],
        ),
        case(
            "ct-near-miss",
            &[
                "--cap-drop",
                "all",
                "--cap-add",
                "cap_net_bind_service",
                "--security-opt",
                "no-new-privileges=true",
                "-p",
                "127.0.0.1:8080:8080",
                "-v",
                "/etc/ssl/certs:/etc/ssl/certs:ro",
                "--user",
                "1000",
                "--restart",
                "on-failure:5",
                "--memory",
                "64m",
                "--cpu-shares",
                "512",
                "--pids-limit",
                "50",
            ],
            &[],
            &["CT003", "CT010", "CT011", "CT022", "CT024", "CT027"],
        ),
        case("ct-defaults", &[], &[], &[]),
        case(
            "ct-privileged",
            &["--privileged", "--user", "1000"],
            &["CT005"],
            &["CT003", "CT022", "CT027"],
        ),
        case(
            "ct-cap-add",
            &[
                "--cap-add",
                "SYS_ADMIN",
                "--cap-add",
                "net_raw",
                "--user",
                "1000",
            ],
            &["CT004"],
            &["CT027"],
        ),
        case(
            "ct-seccomp",
            &["--security-opt", "seccomp=unconfined"],
            &["CT020"],
            &[],
        ),
        case(
            "ct-selinux",
            &["--security-opt", "label=disable"],
            &["CT002"],
            &[],
        ),
        // The daemon here has no AppArmor: asking for `unconfined` changes nothing and is not reported.
        case(
            "ct-apparmor",
            &["--security-opt", "apparmor=unconfined"],
            &[],
            &[],
        ),
        case("ct-host-net", &["--network", "host"], &["CT009"], &[]),
        case("ct-host-pid", &["--pid", "host"], &["CT015"], &[]),
        case("ct-host-ipc", &["--ipc", "host"], &["CT016"], &[]),
        case("ct-host-uts", &["--uts", "host"], &["CT019"], &[]),
        case("ct-host-userns", &["--userns", "host"], &["CT025"], &[]),
        case(
            "ct-docker-sock",
            &["-v", "/var/run/docker.sock:/var/run/docker.sock"],
            &["CT026"],
            &[],
        ),
        case("ct-host-root", &["-v", "/:/host"], &["CT006"], &[]),
        case("ct-host-etc", &["-v", "/etc:/host-etc:ro"], &["CT006"], &[]),
        case(
            "ct-device",
            &["--device", "/dev/null:/dev/xnull"],
            &["CT017"],
            &[],
        ),
        case(
            "ct-ports",
            &["-p", "80:80", "-p", "8081:8081"],
            &["CT008", "CT013"],
            &[],
        ),
        case(
            "ct-publish-all",
            &["--expose", "8082", "-P"],
            &["CT013"],
            &[],
        ),
        // `/docker` is the engine's own parent under cgroupfs: no host cgroup is left behind.
        case(
            "ct-cgroup",
            &["--cgroup-parent", "/docker"],
            &["CT021"],
            &[],
        ),
        case("ct-restart", &["--restart", "always"], &["CT014"], &[]),
        case(
            "ct-unhealthy",
            &[
                "--health-cmd",
                "false",
                "--health-interval",
                "1s",
                "--health-retries",
                "1",
            ],
            &[],
            &[],
        ),
        case(
            "ct-secret-env",
            &["-e", "DB_PASSWORD=Xk9mQ2vL8pR4tW7", "-e", "LOG_LEVEL=debug"],
            &["CT028"],
            &[],
        ),
        case("ct-non-root", &["--user", "1000:1000"], &[], &["CT027"]),
    ];
    let mut sshd = case("ct-sshd", &[], &["CT007"], &[]);
    sshd.cmd = vec![
        "sh",
        "-c",
        "printf '#!/bin/sh\\nsleep 3600\\n' > /tmp/sshd && chmod +x /tmp/sshd && exec /tmp/sshd",
    ];
    v.push(sshd);
    let mut prop = case("ct-propagation", &[], &["CT018"], &[]);
    prop.flags = vec![
        "--mount".into(),
        format!("type=bind,source={prop_dir},target=/x,bind-propagation=rshared"),
    ];
    // The host's / is not a shared mount here, so the engine refuses to start it: audited stopped.
    prop.start = false;
    v.push(prop);
    v
}

fn start_all(prop_dir: &str) -> Vec<Case> {
    docker_ok(&[
        "network",
        "create",
        "--label",
        "bulkhead.test=ct",
        "ct-app-net",
    ]);
    let cases = cases(prop_dir);
    for c in &cases {
        let mut a: Vec<String> = vec![
            if c.start { "run" } else { "create" }.into(),
            "--label".into(),
            format!("{}={SUITE}", support::LABEL),
            "--name".into(),
            c.name.into(),
        ];
        if c.start {
            a.push("-d".into());
        }
        a.extend(c.flags.iter().cloned());
        a.push(BASE_IMAGE.into());
        a.extend(c.cmd.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        docker_ok(&refs);
    }
    cases
}

/// Waits (at most 30 s) until the health checks have settled: `ct-unhealthy` unhealthy, `ct-hardened`
/// healthy.
fn wait_health() {
    for _ in 0..60 {
        let u = docker_run(&["inspect", "-f", "{{.State.Health.Status}}", "ct-unhealthy"]);
        let h = docker_run(&["inspect", "-f", "{{.State.Health.Status}}", "ct-hardened"]);
        if u.as_deref() == Ok("unhealthy") && h.as_deref() == Ok("healthy") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    panic!("health checks did not settle in 30 s");
}

/// The snapshot trimmed to this suite's containers and the fields the rules read.
fn trimmed(snap: &Snapshot) -> serde_json::Value {
    let mut s = snap.clone();
    s.containers
        .retain(|c| c.labels().get(support::LABEL).map(String::as_str) == Some(SUITE));
    let images: BTreeSet<String> = s
        .containers
        .iter()
        .filter_map(|c| c.inspect.image.clone())
        .collect();
    s.images.retain(|k, _| images.contains(k));
    s.networks.clear();
    s.volumes.clear();
    s.swarm = None;
    s.host_files = None;
    s.problems.clear();
    s.host = "unix:///var/run/docker.sock".into();
    let mut v = serde_json::to_value(&s).expect("snapshot serializes");
    if let Some(info) = v.get_mut("info").and_then(|i| i.as_object_mut()) {
        info.retain(|k, _| {
            ["SecurityOptions", "ServerVersion", "OperatingSystem"].contains(&k.as_str())
        });
    }
    v["version"] = serde_json::Value::Null;
    for c in v["containers"].as_array_mut().into_iter().flatten() {
        if let Some(i) = c["inspect"].as_object_mut() {
            i.retain(|k, _| {
                [
                    "Id",
                    "Name",
                    "Image",
                    "State",
                    "Config",
                    "HostConfig",
                    "Mounts",
                    "AppArmorProfile",
                    "Path",
                    "Args",
                ]
                .contains(&k.as_str())
            });
        }
    }
    for (_, i) in v["images"].as_object_mut().into_iter().flatten() {
        if let Some(o) = i.as_object_mut() {
            o.retain(|k, _| ["Id", "RepoTags", "RepoDigests", "Config"].contains(&k.as_str()));
        }
    }
    strip_nulls(&mut v);
    v
}

fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            o.retain(|_, x| !x.is_null());
            o.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Removes the suite's containers and network when the test ends, also when it fails half-way.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        cleanup(SUITE);
    }
}

#[test]
fn container_rules_on_the_engine() {
    if !engine() {
        return;
    }
    cleanup(SUITE);
    let _cleanup = Cleanup;
    let prop_dir = tempfile::tempdir().expect("temp dir");
    let cases = start_all(&prop_dir.path().display().to_string());
    wait_health();
    let snap = snapshot();
    cleanup(SUITE);
    if std::env::var("BULKHEAD_CT_CAPTURE").is_ok_and(|v| v == "1") {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/container/engine.json");
        let text = serde_json::to_string_pretty(&trimmed(&snap)).expect("json");
        std::fs::write(&path, text + "\n").expect("write fixture");
        eprintln!("wrote {}", path.display());
    }

    let opts = EngineCheckOptions::default();
    let ctx = EngineCheckContext::new(&snap, &opts);
    let findings = check_rules(&ctx, &registry());
    let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &findings {
        let Some(rest) = f
            .location
            .object
            .as_deref()
            .and_then(|o| o.strip_prefix("container "))
        else {
            continue;
        };
        let name = rest.split(" / ").next().unwrap_or("").to_string();
        if name.starts_with("ct-") && f.rule_id.starts_with("CT") {
            got.entry(name).or_default().insert(f.rule_id.clone());
        }
    }
    let mut failures = Vec::new();
    for c in &cases {
        let mut want: BTreeSet<String> = DEFAULTS.iter().map(|s| s.to_string()).collect();
        for r in c.remove {
            want.remove(*r);
        }
        want.extend(c.add.iter().map(|s| s.to_string()));
        let have = got.get(c.name).cloned().unwrap_or_default();
        if have != want {
            failures.push(format!("{}: want {want:?}, got {have:?}", c.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let loud: Vec<_> = findings
        .iter()
        .filter(|f| {
            f.location
                .object
                .as_deref()
                .is_some_and(|o| o.starts_with("container ct-hardened /"))
                && f.severity > Severity::Low
        })
        .collect();
    assert!(loud.is_empty(), "hardened container: {loud:#?}");
}
