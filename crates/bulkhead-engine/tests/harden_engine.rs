//! The hardening plans proven on the real engine: a weak container (root, `NET_ADMIN`, a port on every
//! interface, a password in its environment, no limits, unbounded restarts) is snapshotted, its plan is
//! run with `docker run`, and the hardened container must be running and free of every `CT` finding the
//! plan's changes claim to address. The same for the plan of the test image itself. Everything created
//! is named `harden-*` and labelled `bulkhead.test=harden`.

mod support;

use bulkhead_engine::harden::{HardenPlan, for_container, for_image};
use bulkhead_engine::snapshot::Snapshot;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use support::{BASE_IMAGE, LABEL, cleanup, docker_ok, docker_run, engine, findings, snapshot};

const SUITE: &str = "harden";
const PASSWORD: &str = "Xk9mQ2vL8pR4tW7zqHarden";

/// Removes the suite's resources when the test ends, passing or not.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        cleanup(SUITE);
    }
}

/// Rule ids of the findings on one container.
fn rules_on(snap: &Snapshot, name: &str) -> BTreeSet<String> {
    findings(snap, &format!("container {name} /"))
        .into_iter()
        .map(|(r, _)| r)
        .collect()
}

fn claimed(p: &HardenPlan) -> BTreeSet<String> {
    p.changes.iter().filter_map(|c| c.rule.clone()).collect()
}

/// `docker run` with the plan's argv, the container renamed, the suite's label added before the image and
/// `extra` appended; credentials passed by name are removed from the environment docker sees.
fn run_plan(p: &HardenPlan, name: &str, extra: &[&str]) {
    let mut args = p.run_args.clone();
    if let Some(v) = args
        .iter()
        .position(|a| a == "--name")
        .and_then(|i| args.get_mut(i + 1))
    {
        *v = name.to_string();
    }
    let image_at = args
        .iter()
        .rposition(|a| a == &p.image)
        .expect("the image in the argv");
    args.insert(image_at, format!("{LABEL}={SUITE}"));
    args.insert(image_at, "--label".into());
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut cmd = Command::new(support::docker());
    cmd.arg("run").args(&args).stdin(Stdio::null());
    for w in p.run_args.windows(2) {
        if w[0] == "--env" && !w[1].contains('=') {
            cmd.env_remove(&w[1]);
        }
    }
    let out = cmd.output().expect("run docker");
    assert!(
        out.status.success(),
        "docker run {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The plan's compose file, run with docker-compose v1 when installed (the replacement container is
/// removed first: same port): the service must run and be free of the claimed rules too.
fn compose_up(p: &HardenPlan, claims: &BTreeSet<String>) {
    let v1 = Command::new("docker-compose")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !v1 {
        eprintln!("SKIP the compose half: docker-compose is not installed");
        return;
    }
    docker_ok(&["rm", "-f", "harden-fixed"]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), &p.compose_service).expect("write compose");
    let compose = |args: &[&str]| {
        let mut c = Command::new("docker-compose");
        c.current_dir(dir.path())
            .args(["-f", "compose.yaml", "-p", "bulkheadharden"])
            .args(args)
            .stdin(Stdio::null());
        for w in p.run_args.windows(2) {
            if w[0] == "--env" && !w[1].contains('=') {
                c.env_remove(&w[1]);
            }
        }
        c.output().expect("run docker-compose")
    };
    let up = compose(&["up", "-d"]);
    assert!(
        up.status.success(),
        "docker-compose up:\n{}\n{}",
        String::from_utf8_lossy(&up.stderr),
        p.compose_service
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    let name = p
        .run_args
        .windows(2)
        .find(|w| w[0] == "--name")
        .map(|w| w[1].clone())
        .unwrap_or_default();
    let snap = snapshot();
    let up_and_running = snap.container(&name).is_some_and(|c| c.running());
    let after = rules_on(&snap, &name);
    let _ = compose(&["down"]);
    assert!(up_and_running, "compose service {name} is not running");
    let left: Vec<&String> = claims.intersection(&after).collect();
    assert!(
        left.is_empty(),
        "compose service: still reported {left:?} (all: {after:?})"
    );
}

fn running(name: &str) -> bool {
    docker_run(&["inspect", "-f", "{{.State.Running}}", name]).as_deref() == Ok("true")
}

fn image_of<'a>(
    snap: &'a Snapshot,
    c: &bulkhead_engine::Container,
) -> Option<&'a bollard::models::ImageInspect> {
    let id = c.inspect.image.as_deref()?;
    snap.images
        .get(id)
        .or_else(|| snap.images.get(id.trim_start_matches("sha256:")))
}

#[test]
fn harden_plans_run_and_fix_what_they_claim() {
    if !engine() {
        return;
    }
    cleanup(SUITE);
    let _guard = Cleanup;
    let label = format!("{LABEL}={SUITE}");
    docker_ok(&["network", "create", "--label", &label, "harden-net"]);
    let env = format!("DB_PASSWORD={PASSWORD}");
    docker_ok(&[
        "run",
        "-d",
        "--label",
        &label,
        "--name",
        "harden-weak",
        "--cap-add",
        "NET_ADMIN",
        "-p",
        "38080:8080",
        "--network",
        "harden-net",
        "--restart",
        "always",
        "-e",
        &env,
        "-e",
        "LOG_LEVEL=debug",
        BASE_IMAGE,
        "httpd",
        "-f",
        "-p",
        "8080",
    ]);

    // The weak container: its plan claims rules that really are reported on it.
    let snap = snapshot();
    let weak = snap
        .container("harden-weak")
        .expect("harden-weak in the snapshot");
    let plan = for_container(weak, image_of(&snap, weak));
    let json = serde_json::to_string(&plan).expect("plan JSON");
    assert!(
        !json.contains(PASSWORD),
        "the password leaked into the plan"
    );
    let claims = claimed(&plan);
    for r in [
        "CT003", "CT004", "CT010", "CT011", "CT012", "CT013", "CT014", "CT022", "CT024", "CT027",
        "CT028",
    ] {
        assert!(claims.contains(r), "{r} not claimed: {:#?}", plan.changes);
    }
    let before = rules_on(&snap, "harden-weak");
    assert!(
        claims.is_subset(&before),
        "claims {claims:?}, reported {before:?}"
    );
    assert!(
        plan.run_args
            .windows(2)
            .any(|w| w == ["--network", "harden-net"])
    );
    assert!(
        plan.run_args
            .windows(2)
            .any(|w| w == ["--publish", "127.0.0.1:38080:8080/tcp"])
    );

    // Its replacement, started from the plan.
    docker_ok(&["rm", "-f", "harden-weak"]);
    run_plan(&plan, "harden-fixed", &[]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(
        running("harden-fixed"),
        "{}",
        docker_run(&["logs", "harden-fixed"]).unwrap_or_default()
    );

    // The image's plan, with a command that stays up (the image's own is an interactive shell).
    let snap = snapshot();
    let fixed = snap
        .container("harden-fixed")
        .expect("harden-fixed in the snapshot");
    let image = image_of(&snap, fixed)
        .expect("the test image in the snapshot")
        .clone();
    let image_plan = for_image(BASE_IMAGE, &image);
    let image_claims = claimed(&image_plan);
    for r in [
        "CT003", "CT010", "CT011", "CT012", "CT022", "CT024", "CT027",
    ] {
        assert!(
            image_claims.contains(r),
            "{r} not claimed: {:#?}",
            image_plan.changes
        );
    }
    run_plan(&image_plan, "harden-image", &["sleep", "3600"]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(running("harden-image"));

    let snap = snapshot();
    assert!(snap.container("harden-fixed").is_some_and(|c| c.running()));
    let after = rules_on(&snap, "harden-fixed");
    let left: Vec<&String> = claims.intersection(&after).collect();
    assert!(
        left.is_empty(),
        "container plan: still reported {left:?} (all: {after:?})"
    );
    let after = rules_on(&snap, "harden-image");
    let left: Vec<&String> = image_claims.intersection(&after).collect();
    assert!(
        left.is_empty(),
        "image plan: still reported {left:?} (all: {after:?})"
    );
    let fixed = snap.container("harden-fixed").expect("harden-fixed");
    let env = fixed
        .inspect
        .config
        .as_ref()
        .and_then(|c| c.env.clone())
        .unwrap_or_default();
    assert!(env.iter().any(|e| e == "LOG_LEVEL=debug"), "{env:?}");
    assert!(
        !env.iter().any(|e| e.starts_with("DB_PASSWORD=")),
        "{env:?}"
    );
    compose_up(&plan, &claims);
    eprintln!(
        "harden: weak container had {before:?}; plan fixed {claims:?}; left on the fixed one: {:?}",
        rules_on(&snap, "harden-fixed")
    );
}
