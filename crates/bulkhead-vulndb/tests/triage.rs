//! Ignore files (.bulkheadignore.yaml, .trivyignore) and OpenVEX documents.

use bulkhead_inventory::{Inventory, Package, PackageKind};
use bulkhead_vulndb::matcher::VulnMatch;
use bulkhead_vulndb::severity::VulnSeverity;
use bulkhead_vulndb::triage::Triage;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/triage")
        .join(name)
}

fn m(package: usize, id: &str, aliases: &[&str]) -> VulnMatch {
    VulnMatch {
        package,
        id: id.into(),
        aliases: aliases.iter().map(|s| s.to_string()).collect(),
        summary: None,
        severity: VulnSeverity::High,
        cvss_score: None,
        severity_source: String::new(),
        installed_version: "1.0".into(),
        fixed_versions: vec![],
        ecosystem: "PyPI".into(),
        matched_name: "x".into(),
        references: vec![],
        published: None,
        modified: None,
    }
}

fn inventory() -> Inventory {
    let p = |name: &str, version: &str| Package {
        kind: Some(PackageKind::Python),
        name: name.into(),
        version: version.into(),
        purl: format!("pkg:pypi/{name}@{version}"),
        ..Package::default()
    };
    Inventory {
        packages: vec![
            p("requests", "2.19.1"),
            p("lxml", "4.0"),
            p("urllib3", "1.0"),
            p("urllib3", "1.1"),
        ],
        ..Inventory::default()
    }
}

fn triage() -> Triage {
    let mut t = Triage::new();
    t.today = "2026-11-29".into();
    t
}

#[test]
fn yaml_ignore_entries_apply_by_alias_package_and_until_expiry() {
    let mut t = triage();
    t.load_ignore_file(&fixture("bulkheadignore.yaml")).unwrap();
    assert_eq!(t.ignores.len(), 3);
    assert!(
        t.ignores[0].origin.ends_with("bulkheadignore.yaml:3"),
        "{}",
        t.ignores[0].origin
    );
    let out = t.apply(
        vec![
            m(0, "GHSA-xxxx", &["CVE-2020-0001"]),
            m(0, "PYSEC-9", &[]),
            m(0, "GHSA-only-lxml", &[]),
            m(1, "GHSA-only-lxml", &[]),
        ],
        &inventory(),
    );
    let kept: Vec<_> = out
        .kept
        .iter()
        .map(|m| (m.package, m.id.as_str()))
        .collect();
    assert_eq!(
        kept,
        vec![(0, "PYSEC-9"), (0, "GHSA-only-lxml")],
        "expired entry and other package stay"
    );
    let sup: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| {
            (
                s.vulnerability.id.as_str(),
                s.suppressed_by.statement.as_str(),
            )
        })
        .collect();
    assert_eq!(
        sup,
        vec![
            (
                "GHSA-xxxx",
                "the parser only sees our own configuration files (until 2099-12-31)"
            ),
            ("GHSA-only-lxml", "lxml is only used at build time"),
        ]
    );
    assert_eq!(out.warnings.len(), 1);
    assert!(
        out.warnings[0].contains("expired on 2020-01-31"),
        "{}",
        out.warnings[0]
    );
}

#[test]
fn bad_ignore_files_name_file_line_and_what_is_expected() {
    let mut t = triage();
    let err = t
        .load_ignore_file(&fixture("missing-reason.yaml"))
        .unwrap_err();
    assert!(err.contains("missing-reason.yaml:2"), "{err}");
    assert!(err.contains("no `reason`"), "{err}");
    let err = t.load_ignore_file(&fixture("bad-date.yaml")).unwrap_err();
    assert!(
        err.contains("bad-date.yaml:2") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
    let err = t.load_ignore_file(&fixture("nope.yaml")).unwrap_err();
    assert!(err.contains("nope.yaml: cannot read"), "{err}");
}

#[test]
fn trivyignore_lines_comments_and_expiry() {
    let mut t = triage();
    t.load_ignore_file(&fixture("trivyignore")).unwrap();
    assert_eq!(t.ignores.len(), 2);
    assert_eq!(
        t.ignores[0].reason,
        "the XML parser never sees untrusted input"
    );
    let out = t.apply(
        vec![
            m(0, "CVE-2020-0002", &[]),
            m(0, "GHSA-zz", &["CVE-2020-0003"]),
        ],
        &inventory(),
    );
    assert_eq!(out.kept.len(), 1);
    assert_eq!(out.kept[0].id, "GHSA-zz", "exp:2020-01-01 has passed");
    assert_eq!(out.suppressed[0].suppressed_by.kind, "ignore");
}

#[test]
fn openvex_not_affected_and_fixed_suppress_affected_does_not() {
    let mut t = triage();
    t.load_vex(&fixture("openvex.json")).unwrap();
    assert_eq!(t.vex.len(), 4);
    let out = t.apply(
        vec![
            m(0, "GHSA-req", &["CVE-2021-1111"]), // requests@2.19.1 subcomponent: not_affected
            m(1, "GHSA-lx", &["CVE-2021-1111"]),  // lxml is not a subcomponent
            m(0, "CVE-2021-2222", &[]),           // under_investigation: kept
            m(2, "CVE-2021-3333", &[]), // urllib3@1.0: fixed, then affected for 1.0 -> kept
            m(3, "CVE-2021-3333", &[]), // urllib3@1.1: fixed (versionless product)
        ],
        &inventory(),
    );
    let kept: Vec<_> = out
        .kept
        .iter()
        .map(|m| (m.package, m.id.as_str()))
        .collect();
    assert_eq!(
        kept,
        vec![(1, "GHSA-lx"), (0, "CVE-2021-2222"), (2, "CVE-2021-3333")]
    );
    let sup: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| (s.vulnerability.package, s.suppressed_by.statement.as_str()))
        .collect();
    assert_eq!(
        sup,
        vec![
            (
                0,
                "not_affected: vulnerable_code_not_in_execute_path (we never follow redirects)"
            ),
            (3, "fixed"),
        ]
    );
}

/// Subcomponents narrow only the product entry they belong to: a statement naming lxml directly and
/// requests as a subcomponent of the image covers both.
#[test]
fn vex_subcomponents_belong_to_their_own_product() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.json");
    std::fs::write(
        &p,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{
            "vulnerability": {"name": "CVE-2021-1111"},
            "products": [
                {"@id": "pkg:pypi/lxml@4.0"},
                {"@id": "pkg:oci/app", "subcomponents": [{"@id": "pkg:pypi/requests@2.19.1"}]}
            ],
            "status": "not_affected", "justification": "vulnerable_code_not_present"}]}"#,
    )
    .unwrap();
    let mut t = triage();
    t.load_vex(&p).unwrap();
    let out = t.apply(
        vec![
            m(0, "CVE-2021-1111", &[]), // requests: subcomponent of pkg:oci/app
            m(1, "CVE-2021-1111", &[]), // lxml: a product of its own
            m(2, "CVE-2021-1111", &[]), // urllib3: named nowhere
        ],
        &inventory(),
    );
    let kept: Vec<_> = out.kept.iter().map(|m| m.package).collect();
    let sup: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| s.vulnerability.package)
        .collect();
    assert_eq!(kept, vec![2]);
    assert_eq!(sup, vec![0, 1]);
}

/// The latest statement holds, by timestamp (the statement's, else its document's), not by position.
#[test]
fn vex_latest_statement_by_timestamp_decides() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.json");
    let older = dir.path().join("older.json");
    std::fs::write(
        &newer,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2026-03-01T10:00:00+02:00",
            "statements": [
              {"vulnerability": {"name": "CVE-2021-1111"}, "products": [{"@id": "pkg:pypi/requests"}],
               "status": "not_affected", "justification": "vulnerable_code_not_present"},
              {"timestamp": "2026-01-01T00:00:00Z",
               "vulnerability": {"name": "CVE-2021-2222"}, "products": [{"@id": "pkg:pypi/requests"}],
               "status": "not_affected", "justification": "vulnerable_code_not_present"}]}"#,
    )
    .unwrap();
    // Loaded after `newer`: its CVE-2021-1111 statement (07:00Z) is older than `newer`'s document time
    // (10:00+02:00 = 08:00Z); its CVE-2021-2222 statement (09:00Z) is newer than 2026-01-01.
    std::fs::write(
        &older,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2026-03-01T09:00:00Z",
            "statements": [
              {"timestamp": "2026-03-01T07:00:00Z",
               "vulnerability": {"name": "CVE-2021-1111"}, "products": [{"@id": "pkg:pypi/requests"}],
               "status": "affected"},
              {"vulnerability": {"name": "CVE-2021-2222"}, "products": [{"@id": "pkg:pypi/requests"}],
               "status": "under_investigation"}]}"#,
    )
    .unwrap();
    let mut t = triage();
    t.load_vex(&newer).unwrap();
    t.load_vex(&older).unwrap();
    let out = t.apply(
        vec![m(0, "CVE-2021-1111", &[]), m(0, "CVE-2021-2222", &[])],
        &inventory(),
    );
    let kept: Vec<_> = out.kept.iter().map(|m| m.id.as_str()).collect();
    let sup: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| s.vulnerability.id.as_str())
        .collect();
    assert_eq!(sup, vec!["CVE-2021-1111"], "07:00Z is older than 08:00Z");
    assert_eq!(
        kept,
        vec!["CVE-2021-2222"],
        "09:00Z is newer than 2026-01-01"
    );

    std::fs::write(
        &older,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "yesterday", "statements": []}"#,
    )
    .unwrap();
    let err = triage().load_vex(&older).unwrap_err();
    assert!(err.contains("timestamp `yesterday`"), "{err}");
}

/// Package purls are percent-encoded (`%40scope`, `%2B` in versions); a statement may spell them either way.
#[test]
fn vex_purls_match_encoded_or_not() {
    let pkg = |name: &str, namespace: Option<&str>, version: &str, purl: &str| Package {
        kind: Some(PackageKind::Npm),
        name: name.into(),
        namespace: namespace.map(str::to_string),
        version: version.into(),
        purl: purl.into(),
        ..Package::default()
    };
    let inv = Inventory {
        packages: vec![
            pkg(
                "core",
                Some("babel"),
                "7.0.0",
                "pkg:npm/%40babel/core@7.0.0",
            ),
            pkg("left-pad", None, "1.0.0+b1", "pkg:npm/left-pad@1.0.0%2Bb1"),
            pkg("right-pad", None, "1.0.0", "pkg:npm/right-pad@1.0.0"),
        ],
        ..Inventory::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.json");
    std::fs::write(
        &p,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{
            "vulnerability": {"name": "CVE-2021-1111"},
            "products": [{"@id": "pkg:npm/@babel/core@7.0.0"}, {"@id": "pkg:npm/left-pad@1.0.0+b1"},
                         {"@id": "pkg:npm/right-pad@1.0.1"}],
            "status": "not_affected", "justification": "vulnerable_code_not_present"}]}"#,
    )
    .unwrap();
    let mut t = triage();
    t.load_vex(&p).unwrap();
    let out = t.apply(
        vec![
            m(0, "CVE-2021-1111", &[]),
            m(1, "CVE-2021-1111", &[]),
            m(2, "CVE-2021-1111", &[]),
        ],
        &inv,
    );
    let sup: Vec<_> = out
        .suppressed
        .iter()
        .map(|s| s.vulnerability.package)
        .collect();
    let kept: Vec<_> = out.kept.iter().map(|m| m.package).collect();
    assert_eq!(sup, vec![0, 1]);
    assert_eq!(
        kept,
        vec![2],
        "another version of right-pad is not this one"
    );
}

#[test]
fn vex_documents_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.json");
    std::fs::write(&p, r#"{"statements": []}"#).unwrap();
    let err = triage().load_vex(&p).unwrap_err();
    assert!(err.contains("not an OpenVEX document"), "{err}");
    std::fs::write(
        &p,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "X"}, "status": "maybe"}]}"#,
    )
    .unwrap();
    let err = triage().load_vex(&p).unwrap_err();
    assert!(err.contains("statement 1 has status `maybe`"), "{err}");
    std::fs::write(&p, "{ not json").unwrap();
    let err = triage().load_vex(&p).unwrap_err();
    assert!(err.contains("line 1"), "{err}");
}

/// A product that names an image (`pkg:oci/...`) without subcomponents applies to that image only: by
/// repository name, or by digest when the purl carries one.
#[test]
fn vex_image_products_apply_to_their_own_image() {
    use bulkhead_vulndb::triage::ImageIdentity;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.json");
    std::fs::write(
        &p,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a", "timestamp": "2026-11-01T00:00:00Z", "version": 1,
            "statements": [
              {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:oci/app?repository_url=registry.example/team/app"}], "status": "not_affected", "justification": "component_not_present"},
              {"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:oci/other@sha256%3Aabc123"}], "status": "not_affected", "justification": "component_not_present"}
            ]}"#,
    )
    .unwrap();
    let run = |image: Option<ImageIdentity>| {
        let mut t = triage();
        t.load_vex(&p).unwrap();
        t.image = image;
        let out = t.apply(vec![m(0, "CVE-1", &[]), m(0, "CVE-2", &[])], &inventory());
        let mut kept: Vec<String> = out.kept.into_iter().map(|m| m.id).collect();
        kept.sort();
        kept
    };
    let named = |names: &[&str], digests: &[&str]| {
        Some(ImageIdentity {
            names: names.iter().map(|s| s.to_string()).collect(),
            digests: digests.iter().map(|s| s.to_string()).collect(),
        })
    };
    assert_eq!(
        run(named(&["registry.example/team/app:1.2"], &["sha256:fff"])),
        vec!["CVE-2"]
    );
    assert_eq!(
        run(named(&["/tmp/build.tar", "app:latest"], &[])),
        vec!["CVE-2"],
        "repo tags count"
    );
    assert_eq!(
        run(named(&["registry.example/team/web:1.2"], &["sha256:fff"])),
        vec!["CVE-1", "CVE-2"],
        "another image"
    );
    assert_eq!(
        run(named(&["whatever:1"], &["sha256:abc123"])),
        vec!["CVE-1"],
        "by digest"
    );
    assert!(
        run(None).is_empty(),
        "without a known image every image product applies"
    );
}

/// Subcomponents listed under an image product count inside that image only.
#[test]
fn vex_subcomponents_of_another_image_do_not_apply() {
    use bulkhead_vulndb::triage::ImageIdentity;
    let mut t = triage();
    t.load_vex(&fixture("openvex.json")).unwrap();
    // openvex.json: CVE-2021-1111 not_affected for pkg:pypi/requests@2.19.1 inside pkg:oci/app@sha256:abc.
    t.image = Some(ImageIdentity {
        names: vec!["registry.example/web:2".into()],
        digests: vec![],
    });
    let out = t.apply(vec![m(0, "GHSA-req", &["CVE-2021-1111"])], &inventory());
    assert_eq!(
        out.kept.len(),
        1,
        "the statement is about image `app`, not `web`"
    );
    t.image = Some(ImageIdentity {
        names: vec!["registry.example/app:2".into()],
        digests: vec!["sha256:abc".into()],
    });
    let out = t.apply(vec![m(0, "GHSA-req", &["CVE-2021-1111"])], &inventory());
    assert_eq!(out.suppressed.len(), 1, "the image with that digest");
}
