//! `bulkhead sbom` on the official Alpine minirootfs (from `../shared`; skipped without it): CycloneDX and
//! SPDX documents valid against their schemas, one component per installed package with Alpine purls, the
//! table and JSON formats, `-o`.

use crate::image_support::*;
use std::path::Path;
use std::process::Command;

/// `(name, version)` of every package in the minirootfs' `lib/apk/db/installed`.
fn apk_packages(tarball: &Path) -> Vec<(String, String)> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(tarball).unwrap());
    let mut archive = tar::Archive::new(gz);
    let mut db = String::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let p = e.path().unwrap().to_string_lossy().into_owned();
        if p.trim_start_matches("./") == "lib/apk/db/installed" {
            std::io::Read::read_to_string(&mut e, &mut db).unwrap();
            break;
        }
    }
    let mut out = Vec::new();
    let mut name = None;
    for line in db.lines() {
        if let Some(n) = line.strip_prefix("P:") {
            name = Some(n.to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("V:"), name.take()) {
            out.push((n, v.to_string()));
        }
    }
    let p_lines = db.lines().filter(|l| l.starts_with("P:")).count();
    assert_eq!(out.len(), p_lines, "every P: line has a V: line");
    assert!(p_lines > 5, "no packages in {}", tarball.display());
    out
}

#[test]
fn sbom_of_the_alpine_minirootfs() {
    let Some(data) = shared_data() else {
        eprintln!(
            "\n!!! SKIPPED: ../shared/data is absent; the Alpine SBOM test did not run !!!\n"
        );
        return;
    };
    let tarball = data.join("rootfs/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    if !tarball.is_file() {
        eprintln!(
            "\n!!! SKIPPED: {} is absent; the Alpine SBOM test did not run !!!\n",
            tarball.display()
        );
        return;
    }
    let packages = apk_packages(&tarball);
    // An image imported from the tarball when there is an engine; the tarball itself otherwise (read as
    // one root filesystem layer).
    let spec = if engine() {
        let tag = "bulkhead-test/image-cli-alpine:3.20.3";
        let have = Command::new(docker())
            .args(["image", "inspect", tag])
            .output()
            .is_ok_and(|o| o.status.success());
        if !have {
            docker_ok(&["import", tarball.to_str().unwrap(), tag], &scratch_root());
        }
        tag.to_string()
    } else {
        tarball.display().to_string()
    };
    let dir = scratch("sbom");
    let cdx = dir.join("bom.cdx.json");
    let spdx = dir.join("bom.spdx.json");
    let runs = bulkhead_all(&[
        args(&[
            "sbom",
            "-f",
            "cyclonedx",
            "-o",
            cdx.to_str().unwrap(),
            &spec,
        ]),
        args(&["sbom", "-f", "spdx", "-o", spdx.to_str().unwrap(), &spec]),
        args(&["sbom", "-f", "table", &spec]),
        args(&["sbom", "-f", "json", &spec]),
        args(&["sbom", &spec]),
    ]);
    for r in &runs {
        r.expect_code(0);
    }
    let purl_ok = |p: &str| p.starts_with("pkg:apk/alpine/") && p.contains("distro=alpine-3.20.3");

    // CycloneDX, written with -o.
    assert!(runs[0].stdout.is_empty(), "-o leaves stdout empty");
    assert!(
        runs[0]
            .stderr
            .contains(&format!("{} package(s)", packages.len())),
        "{}",
        runs[0].stderr
    );
    let bom: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cdx).expect("-o writes the BOM")).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    let components = bom["components"].as_array().unwrap();
    let purls: Vec<&str> = components
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    assert_eq!(purls.len(), packages.len(), "one component per P: line");
    assert!(purls.iter().all(|p| purl_ok(p)), "{purls:?}");
    for (name, version) in &packages {
        let want = format!("pkg:apk/alpine/{name}@{version}?");
        assert!(
            purls.iter().any(|p| p.starts_with(&want)),
            "{want} missing from {purls:?}"
        );
    }
    assert!(
        components.iter().any(|c| c["type"] == "operating-system"
            && c["name"] == "alpine"
            && c["version"] == "3.20.3"),
        "no operating-system component"
    );
    validate("cyclonedx-1.6", &cdx);

    // SPDX.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spdx).expect("-o writes the SPDX document"))
            .unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    let spdx_purls: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["externalRefs"].as_array().into_iter().flatten())
        .filter(|r| r["referenceType"] == "purl")
        .filter_map(|r| r["referenceLocator"].as_str())
        .collect();
    assert_eq!(spdx_purls.len(), packages.len());
    assert!(spdx_purls.iter().all(|p| purl_ok(p)), "{spdx_purls:?}");
    validate("spdx-2.3", &spdx);

    // Table: one row per package, musl among them with its version.
    let table = &runs[2].stdout;
    let musl = packages
        .iter()
        .find(|(n, _)| n == "musl")
        .expect("musl in the db");
    assert!(
        table.lines().any(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.first() == Some(&"apk")
                && cols.get(1) == Some(&"musl")
                && cols.get(2) == Some(&musl.1.as_str())
        }),
        "no musl row in:\n{table}"
    );
    assert_eq!(
        table.lines().filter(|l| l.starts_with("apk ")).count(),
        packages.len()
    );

    // JSON, and CycloneDX on stdout by default.
    let json = runs[3].json();
    assert_eq!(json["packages"].as_array().unwrap().len(), packages.len());
    assert_eq!(json["os"]["id"], "alpine");
    assert_eq!(runs[4].json()["bomFormat"], "CycloneDX");
}
