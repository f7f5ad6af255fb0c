//! The engine source against a real Docker engine: the image is streamed through the Engine API export
//! and compared with a `docker save` tarball of the same image. The engine is started through
//! `scripts/engine.sh` when it is not running; without one, the tests say so loudly and skip (the
//! no-engine error test runs everywhere).

mod common;

use bulkhead_image::{HiddenReason, ReadOptions, Source, read_file, read_image};
use common::Grab;
use std::path::{Path, PathBuf};
use std::process::Command;

const BASE: &str = "bulkhead-test/busybox:latest";
const LAYERED: &str = "bulkhead-test/img-reader-layers:latest";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn docker() -> String {
    if let Ok(d) = std::env::var("BULKHEAD_DOCKER") {
        return d;
    }
    if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker".into()
    } else {
        "docker".into()
    }
}

fn engine_up() -> bool {
    Command::new(docker())
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn image_ok(name: &str) -> bool {
    Command::new(docker())
        .args(["image", "inspect", name])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Makes sure an engine runs (starting it with the project's script) and the test base image exists.
fn ensure_engine(test: &str) -> bool {
    if engine_up() && image_ok(BASE) {
        return true;
    }
    let script = repo_root().join("scripts/engine.sh");
    let st = Command::new("bash").arg(&script).status();
    if !(matches!(st, Ok(s) if s.success()) && engine_up() && image_ok(BASE)) {
        eprintln!(
            "\n!!! SKIPPED {test}: no Docker engine could be started with {} ({st:?}) !!!\n",
            script.display()
        );
        return false;
    }
    true
}

/// A three-layer image on the base: a secret written then deleted, a directory made opaque, a user added.
fn build_layered() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM bulkhead-test/busybox:latest\n\
         RUN echo TOKEN=deleted-later > /secret.txt && mkdir -p /d && echo a > /d/a\n\
         RUN rm /secret.txt && rm -rf /d && mkdir /d && echo b > /d/b\n\
         RUN echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd\n",
    )
    .unwrap();
    let b = Command::new(docker())
        .args(["build", "-q", "-t", LAYERED, "."])
        .current_dir(dir.path())
        .env("DOCKER_BUILDKIT", "1")
        .output()
        .unwrap();
    assert!(
        b.status.success(),
        "docker build failed:\n{}\n{}",
        String::from_utf8_lossy(&b.stdout),
        String::from_utf8_lossy(&b.stderr)
    );
}

fn save(name: &str, dir: &Path) -> PathBuf {
    let out = dir.join("image.tar");
    let s = Command::new(docker())
        .args(["save", "-o", out.to_str().unwrap(), name])
        .output()
        .unwrap();
    assert!(
        s.status.success(),
        "docker save: {}",
        String::from_utf8_lossy(&s.stderr)
    );
    out
}

#[test]
fn engine_export_reads_like_the_saved_tarball() {
    if !ensure_engine("engine_export_reads_like_the_saved_tarball") {
        return;
    }
    build_layered();
    let source = Source::parse(&format!("docker:{LAYERED}"));
    assert_eq!(source, Source::Daemon(LAYERED.into()));
    let (image, outputs) = read_image(
        &source,
        &ReadOptions::default(),
        &Grab::new(&["/etc/", "/secret.txt", "/d/"]),
    )
    .unwrap();
    assert_eq!(image.source_kind, "daemon");
    assert!(image.notes.is_empty(), "{:#?}", image.notes);
    assert!(
        image.repo_tags.iter().any(|t| t == LAYERED),
        "{:?}",
        image.repo_tags
    );
    let config = image.config.as_ref().unwrap();
    assert_eq!(config.cmd, ["/bin/sh"]);
    assert_eq!(image.layers.len(), config.diff_ids.len());
    assert!(image.layers.len() >= 5);
    for l in &image.layers {
        assert!(l.digest.is_some() && l.diff_id.is_some(), "{l:?}");
    }
    assert!(image.fs.get("/bin/busybox").is_some());
    assert!(
        image
            .fs
            .content("/etc/passwd")
            .unwrap()
            .ends_with(b"app:x:1000:1000::/home/app:/bin/sh\n")
    );

    // The deleted secret: hidden, and its visitor output filed under the layer that wrote it.
    let n = image.layers.len();
    let wrote = image
        .layers
        .iter()
        .position(|l| {
            l.created_by
                .as_deref()
                .is_some_and(|c| c.contains("TOKEN=deleted-later"))
        })
        .unwrap();
    assert_eq!(wrote, n - 3);
    let secret = outputs.iter().find(|o| o.path == "/secret.txt").unwrap();
    assert_eq!(secret.layer, wrote);
    assert_eq!(secret.output, "TOKEN=deleted-later\n");
    assert!(image.fs.get("/secret.txt").is_none());
    assert!(image.fs.hidden.iter().any(|h| h.path == "/secret.txt"
        && h.layer == wrote
        && h.reason == HiddenReason::Deleted(wrote + 1)));
    // The re-made directory: the old child is hidden, the new one visible.
    assert!(image.fs.get("/d/a").is_none());
    assert_eq!(image.fs.get("/d/b").unwrap().layer, wrote + 1);
    // Every output's layer index is a real layer, and the passwd of the last layer is the visible one.
    assert!(outputs.iter().all(|o| o.layer < n));
    assert!(
        outputs
            .iter()
            .any(|o| o.path == "/etc/passwd" && o.layer == n - 1)
    );
    assert!(image.fs.is_visible(n - 1, "/etc/passwd"));

    // Contents on demand are not available from the engine: the error says what to do.
    let err = read_file(&source, &image, "/etc/passwd")
        .unwrap_err()
        .to_string();
    assert!(err.contains("docker save"), "{err}");

    // The same image through `docker save`.
    let dir = tempfile::tempdir().unwrap();
    let tar = save(LAYERED, dir.path());
    let archive = Source::parse(tar.to_str().unwrap());
    let (saved, saved_outputs) = read_image(
        &archive,
        &ReadOptions::default(),
        &Grab::new(&["/etc/", "/secret.txt", "/d/"]),
    )
    .unwrap();
    assert!(saved.notes.is_empty(), "{:#?}", saved.notes);
    assert_eq!(saved.id, image.id);
    assert_eq!(saved.fs.entries, image.fs.entries);
    assert_eq!(saved.fs.hidden.len(), image.fs.hidden.len());
    assert_eq!(saved.layers, image.layers);
    assert_eq!(saved_outputs.len(), outputs.len());
    assert_eq!(
        read_file(&archive, &saved, "/etc/passwd")
            .unwrap()
            .as_deref(),
        saved.fs.content("/etc/passwd")
    );
}

#[test]
fn missing_image_says_to_pull_or_build_it() {
    if !ensure_engine("missing_image_says_to_pull_or_build_it") {
        return;
    }
    let err = read_image(
        &Source::Daemon("bulkhead-test/no-such-image:never".into()),
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no such image `bulkhead-test/no-such-image:never`"),
        "{err}"
    );
    assert!(
        err.contains("docker pull") && err.contains("docker save"),
        "{err}"
    );
}

/// Runs one read in a child process of this test binary, with `env` set; returns its stdout.
fn child(image: &str, env: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_read",
        "--ignored",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env("BULKHEAD_CHILD_IMAGE", image);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Not a test by itself: the body of [`child`].
#[test]
#[ignore = "run by other tests in a child process"]
fn child_read() {
    let Ok(image) = std::env::var("BULKHEAD_CHILD_IMAGE") else {
        return;
    };
    match read_image(
        &Source::Daemon(image),
        &ReadOptions::default(),
        &Grab::new(&["/"]),
    ) {
        Ok((img, outputs)) => println!(
            "CHILD-OK entries={} layers={} outputs={}",
            img.fs.entries.len(),
            img.layers.len(),
            outputs.len()
        ),
        Err(e) => println!("CHILD-ERR {e}"),
    }
}

#[test]
fn engine_export_writes_no_temp_files() {
    if !ensure_engine("engine_export_writes_no_temp_files") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = child(BASE, &[("TMPDIR", tmp.path())]);
    assert!(out.contains("CHILD-OK"), "{out}");
    assert!(out.contains("outputs="), "{out}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "the read wrote {left:?} to TMPDIR");
}

#[test]
fn no_engine_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("no-engine.sock");
    let host = format!("unix://{}", sock.display());
    let out = child("busybox", &[("DOCKER_HOST", Path::new(&host))]);
    assert!(
        out.contains("CHILD-ERR cannot reach a Docker engine"),
        "{out}"
    );
    assert!(out.contains("DOCKER_HOST") && out.contains(&host), "{out}");
}
