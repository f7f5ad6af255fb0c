//! CycloneDX and SPDX output: shape, determinism, and validity against the official schemas (through
//! `../shared/data/schemas/validate.py` when the shared data and Python's jsonschema are there).

use bulkhead_inventory::sbom::{SbomSubject, cyclonedx_json, spdx_json};
use bulkhead_inventory::{Inventory, OsInfo, Package, PackageKind, PackageLocation};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/schemas");

fn pkg(
    kind: PackageKind,
    ns: Option<&str>,
    name: &str,
    version: &str,
    purl: &str,
    lic: &[&str],
) -> Package {
    Package {
        kind: Some(kind),
        name: name.into(),
        version: version.into(),
        namespace: ns.map(str::to_string),
        licenses: lic.iter().map(|s| s.to_string()).collect(),
        purl: purl.into(),
        locations: vec![PackageLocation {
            path: "/lib/apk/db/installed".into(),
            layer: Some(0),
            layer_digest: Some("sha256:0123456789abcdef".into()),
        }],
        ..Package::default()
    }
}

fn inventory() -> Inventory {
    let mut musl = pkg(
        PackageKind::Apk,
        None,
        "musl",
        "1.2.5-r0",
        "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3",
        &["MIT"],
    );
    musl.source_name = Some("musl".into());
    musl.arch = Some("x86_64".into());
    let mut ssl = pkg(
        PackageKind::Apk,
        None,
        "libssl3",
        "3.3.2-r0",
        "pkg:apk/alpine/libssl3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3",
        &["Apache-2.0"],
    );
    ssl.source_name = Some("openssl".into());
    Inventory {
        os: Some(OsInfo {
            id: "alpine".into(),
            version_id: Some("3.20.3".into()),
            pretty_name: Some("Alpine Linux v3.20".into()),
            ..OsInfo::default()
        }),
        packages: vec![
            musl,
            ssl,
            pkg(
                PackageKind::Python,
                None,
                "requests",
                "2.32.3",
                "pkg:pypi/requests@2.32.3",
                &["Apache Software License"],
            ),
            pkg(
                PackageKind::Npm,
                Some("types"),
                "node",
                "20.1.0",
                "pkg:npm/%40types/node@20.1.0",
                &["MIT"],
            ),
            pkg(
                PackageKind::Maven,
                Some("org.apache.logging.log4j"),
                "log4j-core",
                "2.14.1",
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                &["MIT", "GPL-2.0-only OR Apache-2.0"],
            ),
            // The same purl twice: ids must stay unique. (Inventory::assemble keeps records apart that
            // differ only where the purl normalizes, such as PyPI names `PyYAML` and `pyyaml`.)
            pkg(
                PackageKind::Go,
                Some("github.com/x"),
                "y",
                "v1.0.0",
                "pkg:golang/github.com/x/y@v1.0.0",
                &[],
            ),
            pkg(
                PackageKind::Go,
                Some("github.com/x"),
                "y",
                "v1.0.0",
                "pkg:golang/github.com/x/y@v1.0.0",
                &[],
            ),
        ],
        notes: vec![],
    }
}

fn subject() -> SbomSubject {
    SbomSubject {
        name: "bulkhead-test/app:1".into(),
        digest: Some(
            "sha256:4f2b8a0f0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0011".into(),
        ),
        is_image: true,
        timestamp: "2026-11-29T09:00:00Z".into(),
        tool_version: "0.1.0".into(),
    }
}

/// Validate with the shared validate.py; None when it cannot run here (reported loudly).
fn validate(schema: &str, doc: &Value) -> Option<(bool, String)> {
    let script = Path::new(SCHEMAS).join("validate.py");
    if !script.is_file() {
        eprintln!(
            "SKIPPED: {schema} schema validation: {} not found (no ../shared beside the repo)",
            script.display()
        );
        return None;
    }
    let ok = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED: {schema} schema validation: python3 with jsonschema is not installed");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.json");
    std::fs::write(&file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .arg(schema)
        .arg(&file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}

#[test]
fn cyclonedx_is_valid_1_6() {
    let doc = cyclonedx_json(&inventory(), &subject());
    assert_eq!(doc["specVersion"], "1.6");
    let comps = doc["components"].as_array().unwrap();
    // OS + 7 packages, bom-refs unique.
    assert_eq!(comps.len(), 8);
    let refs: std::collections::HashSet<_> = comps
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), 8);
    assert_eq!(comps[0]["type"], "operating-system");
    let ssl = comps.iter().find(|c| c["name"] == "libssl3").unwrap();
    assert!(
        ssl["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "bulkhead:source-package" && p["value"] == "openssl")
    );
    let req = comps.iter().find(|c| c["name"] == "requests").unwrap();
    assert_eq!(
        req["licenses"][0]["license"]["name"],
        "Apache Software License"
    );
    let log4j = comps.iter().find(|c| c["name"] == "log4j-core").unwrap();
    assert_eq!(
        log4j["licenses"][0]["expression"],
        "(MIT) AND (GPL-2.0-only OR Apache-2.0)"
    );
    assert!(
        doc["serialNumber"]
            .as_str()
            .unwrap()
            .starts_with("urn:uuid:")
    );
    if let Some((ok, text)) = validate("cyclonedx-1.6", &doc) {
        assert!(ok, "CycloneDX 1.6 validation failed:\n{text}");
    }
}

#[test]
fn spdx_is_valid_2_3() {
    let doc = spdx_json(&inventory(), &subject());
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    let pkgs = doc["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 9, "subject + OS + 7 packages");
    let ids: std::collections::HashSet<_> =
        pkgs.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 9);
    let req = pkgs.iter().find(|p| p["name"] == "requests").unwrap();
    assert_eq!(req["licenseDeclared"], "LicenseRef-Apache-Software-License");
    assert_eq!(
        doc["hasExtractedLicensingInfos"][0]["extractedText"],
        "Apache Software License"
    );
    let rels = doc["relationships"].as_array().unwrap();
    assert_eq!(
        rels.iter()
            .filter(|r| r["relationshipType"] == "CONTAINS")
            .count(),
        8
    );
    for schema in ["spdx-2.3", "spdx-2.3.1"] {
        if let Some((ok, text)) = validate(schema, &doc) {
            assert!(ok, "{schema} validation failed:\n{text}");
        }
    }
}

#[test]
fn documents_are_deterministic_and_change_with_content() {
    let a = cyclonedx_json(&inventory(), &subject());
    assert_eq!(a, cyclonedx_json(&inventory(), &subject()));
    let mut inv = inventory();
    inv.packages.pop();
    let b = cyclonedx_json(&inv, &subject());
    assert_ne!(a["serialNumber"], b["serialNumber"]);
    assert_eq!(
        spdx_json(&inventory(), &subject()),
        spdx_json(&inventory(), &subject())
    );
}

#[test]
fn empty_directory_inventory() {
    let s = SbomSubject {
        digest: None,
        is_image: false,
        name: "./rootfs".into(),
        ..subject()
    };
    let doc = cyclonedx_json(&Inventory::default(), &s);
    assert_eq!(doc["metadata"]["component"]["type"], "file");
    assert_eq!(doc["components"].as_array().unwrap().len(), 0);
    if let Some((ok, text)) = validate("cyclonedx-1.6", &doc) {
        assert!(ok, "{text}");
    }
    let doc = spdx_json(&Inventory::default(), &s);
    if let Some((ok, text)) = validate("spdx-2.3", &doc) {
        assert!(ok, "{text}");
    }
}

#[test]
fn sbom_snapshots() {
    insta::assert_snapshot!(
        "cyclonedx",
        serde_json::to_string_pretty(&cyclonedx_json(&inventory(), &subject())).unwrap()
    );
    insta::assert_snapshot!(
        "spdx",
        serde_json::to_string_pretty(&spdx_json(&inventory(), &subject())).unwrap()
    );
}
