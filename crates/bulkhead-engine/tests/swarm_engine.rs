//! The Swarm rules on the real local engine: a single-node swarm (initialised here only when the engine is
//! in none, and left at the end only then), a Swarm secret, a service using it, a service with a password
//! in its environment, an encrypted and a plain overlay network; the findings per service and network are
//! asserted exactly, and the password must appear in no finding.

mod support;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use support::*;

const SUITE: &str = "dmsw";

/// Removes what the test made (by label) and leaves the swarm when the test created it, even on panic.
struct Guard {
    created_swarm: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        cleanup(SUITE);
        // Overlay networks can stay busy while the removed services' tasks go away.
        for _ in 0..10 {
            let left = docker_run(&[
                "network",
                "ls",
                "-q",
                "--filter",
                &format!("label={LABEL}={SUITE}"),
            ])
            .unwrap_or_default();
            if left.trim().is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
            cleanup(SUITE);
        }
        if self.created_swarm {
            let _ = docker_run(&["swarm", "leave", "--force"]);
        }
    }
}

/// A random password-looking value (letters and digits, 20 characters).
fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut out = String::new();
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let mut x = h.finish();
    for i in 0..20 {
        if i % 10 == 0 {
            let mut h = RandomState::new().build_hasher();
            h.write_u64(x ^ i);
            x = h.finish();
        }
        out.push(ALPHABET[(x % ALPHABET.len() as u64) as usize] as char);
        x /= ALPHABET.len() as u64;
    }
    out
}

fn owned(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn swarm_findings_per_service_and_network() {
    if !engine() {
        return;
    }
    cleanup(SUITE);
    let state = docker_ok(&["info", "-f", "{{.Swarm.LocalNodeState}}"]);
    let mut guard = Guard {
        created_swarm: false,
    };
    if state == "inactive" {
        match docker_run(&[
            "swarm",
            "init",
            "--advertise-addr",
            "127.0.0.1",
            "--listen-addr",
            "127.0.0.1:2377",
        ]) {
            Ok(_) => guard.created_swarm = true,
            // Another suite initialised it meanwhile: use theirs, leave it alone.
            Err(e) if e.contains("already part of a swarm") => {}
            Err(e) => panic!("{e}"),
        }
    }
    if docker_ok(&["info", "-f", "{{.Swarm.ControlAvailable}}"]) != "true" {
        eprintln!(
            "\n!!! SKIPPED: this engine is a Swarm worker or its swarm is not usable; the Swarm engine test did not run !!!\n"
        );
        return;
    }
    let label = format!("{LABEL}={SUITE}");
    let password = random_password();

    let dir = tempfile::tempdir().expect("temp dir");
    let secret_file = dir.path().join("db_password");
    std::fs::write(&secret_file, random_password()).expect("write secret file");
    docker_ok(&[
        "secret",
        "create",
        "--label",
        &label,
        "dmsw-db-password",
        &secret_file.to_string_lossy(),
    ]);
    docker_ok(&[
        "network",
        "create",
        "-d",
        "overlay",
        "--opt",
        "encrypted",
        "--label",
        &label,
        "dmsw-enc",
    ]);
    docker_ok(&[
        "network",
        "create",
        "-d",
        "overlay",
        "--label",
        &label,
        "dmsw-plain",
    ]);
    docker_ok(&[
        "service",
        "create",
        "--detach",
        "--name",
        "dmsw-secret",
        "--label",
        &label,
        "--secret",
        "dmsw-db-password",
        "--env",
        "DB_PASSWORD_FILE=/run/secrets/dmsw-db-password",
        "--network",
        "dmsw-enc",
        "--publish",
        "mode=host,published=18443,target=443",
        BASE_IMAGE,
        "sleep",
        "3600",
    ]);
    let env = format!("DB_PASSWORD={password}");
    docker_ok(&[
        "service",
        "create",
        "--detach",
        "--name",
        "dmsw-envpw",
        "--label",
        &label,
        "--env",
        &env,
        "--env",
        "LOG_LEVEL=info",
        "--network",
        "dmsw-plain",
        "--publish",
        "published=18480,target=80",
        BASE_IMAGE,
        "sleep",
        "3600",
    ]);
    // The password really is in the service spec (what the rule must catch without repeating it).
    let spec_env = docker_ok(&[
        "service",
        "inspect",
        "dmsw-envpw",
        "-f",
        "{{json .Spec.TaskTemplate.ContainerSpec.Env}}",
    ]);
    assert!(spec_env.contains(&password));

    let snap = snapshot();

    assert_eq!(
        findings(&snap, "service dmsw-"),
        owned(&[
            (
                "SW001",
                "service dmsw-envpw / Spec.TaskTemplate.ContainerSpec.Env[0]"
            ),
            ("SW002", "service dmsw-envpw / Spec.EndpointSpec.Ports[0]"),
        ])
    );
    assert_eq!(
        findings(&snap, "network dmsw-"),
        owned(&[("SW003", "network dmsw-plain / Options.encrypted")])
    );

    // Cluster-wide findings, expected from the engine's own report of the swarm.
    let spec: serde_json::Value =
        serde_json::from_str(&docker_ok(&["info", "-f", "{{json .Swarm.Cluster.Spec}}"]))
            .expect("swarm spec");
    let managers = docker_ok(&["node", "ls", "--filter", "role=manager", "-q"])
        .split_whitespace()
        .count();
    let mut want = Vec::new();
    if spec["EncryptionConfig"]["AutoLockManagers"] != true {
        want.push(("SW004", "swarm / Spec.EncryptionConfig.AutoLockManagers"));
    }
    if managers == 1 || managers.is_multiple_of(2) {
        want.push(("SW005", "swarm / managers"));
    }
    if spec["CAConfig"]["NodeCertExpiry"].as_i64().unwrap_or(0) > 90 * 24 * 3600 * 1_000_000_000 {
        want.push(("SW006", "swarm / Spec.CAConfig.NodeCertExpiry"));
    }
    assert_eq!(findings(&snap, "swarm / "), owned(&want));
    if guard.created_swarm {
        // A fresh single-node swarm: autolock off, one manager, 90-day certificates.
        assert_eq!(
            findings(&snap, "swarm / "),
            owned(&[
                ("SW004", "swarm / Spec.EncryptionConfig.AutoLockManagers"),
                ("SW005", "swarm / managers"),
            ])
        );
    }
    // The ingress network: reported (low) exactly when it is not encrypted.
    let ingress_opts = docker_run(&["network", "inspect", "ingress", "-f", "{{json .Options}}"])
        .unwrap_or_default();
    let ingress = findings(&snap, "network ingress /");
    if !ingress_opts.is_empty() && !ingress_opts.contains("\"encrypted\"") {
        assert_eq!(
            ingress,
            owned(&[("SW003", "network ingress / Options.encrypted")])
        );
    }

    // The password appears nowhere in any finding (message, evidence, remediation, object).
    let opts = bulkhead_engine::rules::EngineCheckOptions::default();
    let ctx = bulkhead_engine::rules::EngineCheckContext::new(&snap, &opts);
    let all = bulkhead_engine::rules::check_rules(&ctx, &bulkhead_engine::rules::registry());
    let sw001 = all
        .iter()
        .find(|f| f.rule_id == "SW001")
        .expect("the SW001 finding");
    assert!(sw001.message.contains("DB_PASSWORD"), "{}", sw001.message);
    for f in &all {
        let text = serde_json::to_string(f).expect("finding JSON");
        assert!(!text.contains(&password), "password leaked in {text}");
    }
    drop(guard);
}
