//! A fixed Dockerfile still builds and runs as a non-root user, on the real Docker engine.
//! The engine is started through `scripts/engine.sh` when it is not running; without one, the test says so
//! loudly and skips.

mod image_support;

use image_support::{docker, engine as ensure_engine, repo_root};
use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Runs `bulkhead check --fix` in `dir` (it must succeed) and returns the fixed Dockerfile.
fn fix_in(dir: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_bulkhead"))
        .args(["check", "--fix", "--fail-on", "never", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(dir.join("Dockerfile")).unwrap()
}

fn build_and_id(dir: &Path, tag: &str) -> String {
    let b = Command::new(docker())
        .args(["build", "-q", "-t", tag, "."])
        .current_dir(dir)
        .env("DOCKER_BUILDKIT", "1")
        .output()
        .unwrap();
    assert!(
        b.status.success(),
        "docker build failed for {}:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&b.stdout),
        String::from_utf8_lossy(&b.stderr)
    );
    let r = Command::new(docker())
        .args(["run", "--rm", "--entrypoint", "id", tag, "-u"])
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "docker run failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    String::from_utf8_lossy(&r.stdout).trim().to_string()
}

#[test]
fn fixed_dockerfile_builds_and_runs_as_non_root() {
    if !ensure_engine() {
        return;
    }
    let example = repo_root().join("examples/busybox-app");
    let tmp = tempfile::tempdir().unwrap();
    let before = tmp.path().join("before");
    let after = tmp.path().join("after");
    copy_dir(&example, &before);
    copy_dir(&example, &after);
    let tag = format!("bulkhead-test/fix-{}", std::process::id());

    // As written, the image runs as root: the test can fail.
    assert_eq!(build_and_id(&before, &format!("{tag}-before")), "0");

    let fixed = fix_in(&after);
    assert!(fixed.contains("USER "), "no USER added:\n{fixed}");

    let uid = build_and_id(&after, &format!("{tag}-after"));
    assert_ne!(uid, "0", "fixed image still runs as root:\n{fixed}");
    assert!(
        uid.parse::<u32>().is_ok(),
        "unexpected id -u output {uid:?}"
    );

    // Nothing high is left after the fix.
    let o = Command::new(env!("CARGO_BIN_EXE_bulkhead"))
        .args(["check", "--select", "DF001", "."])
        .current_dir(&after)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    for t in [format!("{tag}-before"), format!("{tag}-after")] {
        let _ = Command::new(docker()).args(["rmi", "-f", &t]).output();
    }
}

/// The Alpine fix on a real Alpine userland: the official minirootfs from `../shared`, imported with
/// `docker import` (skipped, loudly, without `../shared`).
#[test]
fn fixed_alpine_dockerfile_builds_with_real_adduser_and_runs_as_non_root() {
    let rootfs =
        repo_root().join("../shared/data/rootfs/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    if !rootfs.is_file() {
        eprintln!(
            "\n!!! SKIPPED: {} is absent; the Alpine fix test needs ../shared !!!\n",
            rootfs.display()
        );
        return;
    }
    if !ensure_engine() {
        return;
    }
    let base = "bulkhead-test/alpine:3.20";
    let have = Command::new(docker())
        .args(["image", "inspect", base])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        let o = Command::new(docker())
            .args(["import", rootfs.to_str().unwrap(), base])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "docker import failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("Dockerfile"),
        format!("FROM {base}\nWORKDIR /srv\nCOPY app.sh /srv/app.sh\nRUN chmod 0755 /srv/app.sh\nCMD /srv/app.sh\n"),
    )
    .unwrap();
    std::fs::write(dir.join("app.sh"), "#!/bin/sh\nexec sleep 3600\n").unwrap();
    let tag = format!("bulkhead-test/fix-alpine-{}", std::process::id());
    assert_eq!(build_and_id(dir, &format!("{tag}-before")), "0");
    let fixed = fix_in(dir);
    assert!(
        fixed.contains("adduser") && fixed.contains("USER app"),
        "Alpine fix not applied:\n{fixed}"
    );
    assert!(
        fixed.contains("CMD [\"/srv/app.sh\"]"),
        "exec-form fix not applied:\n{fixed}"
    );
    assert_eq!(
        build_and_id(dir, &format!("{tag}-after")),
        "10001",
        "fixed Dockerfile:\n{fixed}"
    );
    for t in [format!("{tag}-before"), format!("{tag}-after")] {
        let _ = Command::new(docker()).args(["rmi", "-f", &t]).output();
    }
}

/// What DF024 and DF023 claim, on the real engine: a BuildKit secret written to a file that the same RUN
/// does not delete is in the image, and a token on a RUN command line is in the image history. bulkhead
/// reports both.
#[test]
fn secret_left_in_a_layer_and_token_in_history_are_real_and_reported() {
    if !ensure_engine() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let token = "ghp_Zq8Xw2Lk5Vb9Nm3Hj7Gf4Ds1Ap6Ty0Ru2Ei8";
    std::fs::write(
        dir.join("token.txt"),
        "npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    )
    .unwrap();
    std::fs::write(
        dir.join("Dockerfile"),
        format!(
            "FROM bulkhead-test/busybox:latest\n\
             RUN --mount=type=secret,id=npm sh -c 'echo \"//registry.npmjs.org/:_authToken=$(cat /run/secrets/npm)\" > /root/.npmrc'\n\
             RUN echo {token} > /dev/null\n\
             USER 1000\n"
        ),
    )
    .unwrap();
    let tag = format!("bulkhead-test/leak-{}", std::process::id());
    let b = Command::new(docker())
        .args([
            "build",
            "-q",
            "--secret",
            "id=npm,src=token.txt",
            "-t",
            &tag,
            ".",
        ])
        .current_dir(dir)
        .env("DOCKER_BUILDKIT", "1")
        .output()
        .unwrap();
    assert!(
        b.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&b.stderr)
    );
    let cat = Command::new(docker())
        .args([
            "run",
            "--rm",
            "--user",
            "0",
            "--entrypoint",
            "cat",
            &tag,
            "/root/.npmrc",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&cat.stdout).contains("npm_aBcD"),
        "the secret mount's value stayed in the layer"
    );
    let h = Command::new(docker())
        .args(["history", "--no-trunc", &tag])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&h.stdout).contains(token),
        "the RUN command line is in the history"
    );
    let _ = Command::new(docker()).args(["rmi", "-f", &tag]).output();
    let o = Command::new(env!("CARGO_BIN_EXE_bulkhead"))
        .args([
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--no-context",
            "Dockerfile",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("DF024") && out.contains("DF023"), "{out}");
    assert!(!out.contains(token), "the token is redacted");
}
