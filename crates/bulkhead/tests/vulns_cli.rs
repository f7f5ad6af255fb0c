//! Vulnerability scanning end to end through the CLI: `bulkhead db import/status`, `bulkhead image` with
//! the database (JSON, SARIF, human), gating (`--fail-on`, `--exit-code`, `--severity`, `--ignore-unfixed`),
//! triage (`.bulkheadignore.yaml`, OpenVEX, `--show-suppressed`), `bulkhead sbom --vulns` (CycloneDX), and
//! the database's failure modes (missing, corrupt, stale, an import killed midway).
//!
//! The image and the advisories are written by hand (tests/fixtures/vulns): an Alpine 3.9 image with an old
//! musl and a current zlib, a Python distribution and an npm package.

mod image_support;

use image_support::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vulns")
}

const APK_INSTALLED: &[u8] =
    b"P:musl\nV:1.1.20-r4\nA:x86_64\no:musl\n\nP:zlib\nV:1.2.11-r1\nA:x86_64\no:zlib\n\n";
const PY_METADATA: &[u8] = b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.1\n";
const NPM_PACKAGE: &[u8] = b"{\"name\": \"left-pad\", \"version\": \"1.0.0\"}";
const PY_META_PATH: &str = "usr/lib/python3.11/site-packages/demo_pkg-1.1.dist-info/METADATA";

/// The image tarball and a database built from the fixtures, once per test process.
struct Setup {
    image: PathBuf,
    db: PathBuf,
    dir: PathBuf,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = scratch("vulns-cli");
        let base = layer(&[
            Entry::Dir("etc", 0o755),
            Entry::File(
                "etc/os-release",
                0o644,
                b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.9.6\n",
            ),
            Entry::File("etc/alpine-release", 0o644, b"3.9.6\n"),
            Entry::Dir("lib", 0o755),
            Entry::Dir("lib/apk", 0o755),
            Entry::Dir("lib/apk/db", 0o755),
            Entry::File("lib/apk/db/installed", 0o644, APK_INSTALLED),
        ]);
        let app = layer(&[
            Entry::Dir(
                "usr/lib/python3.11/site-packages/demo_pkg-1.1.dist-info",
                0o755,
            ),
            Entry::File(PY_META_PATH, 0o644, PY_METADATA),
            Entry::Dir("app/node_modules/left-pad", 0o755),
            Entry::File("app/node_modules/left-pad/package.json", 0o644, NPM_PACKAGE),
        ]);
        let config = config_json("1000", &[&base, &app], &["ADD rootfs /", "COPY app /"]);
        let image = dir.join("app.tar");
        write_tar(
            &image,
            &docker_save_members(&config, &[base, app], "vulns/app:1"),
        );
        let db = dir.join("vuln.db");
        let r = bulkhead(&[
            "db",
            "import",
            fixtures().join("advisories").to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ]);
        r.expect_code(0);
        Setup { image, db, dir }
    })
}

fn image_json(extra: &[&str]) -> (Ran, serde_json::Value) {
    let s = setup();
    let mut a = vec![
        "image",
        s.image.to_str().unwrap(),
        "--db",
        s.db.to_str().unwrap(),
        "-f",
        "json",
        "--no-config",
    ];
    a.extend_from_slice(extra);
    let r = bulkhead_in(&a, &s.dir, None);
    let v = r.json();
    (r, v)
}

/// `(package name, id, aliases, severity, fixed)` of one reported vulnerability.
type Row = (String, String, Vec<String>, String, Vec<String>);

/// Every reported vulnerability, sorted.
fn vulns(v: &serde_json::Value) -> Vec<Row> {
    let mut out: Vec<_> = v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let strs = |k: &str| -> Vec<String> {
                x[k].as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            };
            (
                x["package"]["name"].as_str().unwrap().to_string(),
                x["id"].as_str().unwrap().to_string(),
                strs("aliases"),
                x["severity"].as_str().unwrap().to_string(),
                strs("fixed_versions"),
            )
        })
        .collect();
    out.sort();
    out
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn import_reports_skips_and_status_counts_per_ecosystem() {
    let s = setup();
    let dir = scratch("vulns-import");
    let db = dir.join("v.db");
    let r = bulkhead(&[
        "db",
        "import",
        fixtures().join("advisories").to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    r.expect_code(0);
    assert!(
        r.stderr.contains("broken.json"),
        "the malformed file is named:\n{}",
        r.stderr
    );
    assert!(r.stderr.contains("1 skipped"), "{}", r.stderr);
    let st = bulkhead(&["db", "status", "--db", s.db.to_str().unwrap(), "-f", "json"]);
    st.expect_code(0);
    let v = st.json();
    let eco: Vec<String> = v["ecosystems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}={}",
                e["ecosystem"].as_str().unwrap(),
                e["release"].as_str().unwrap(),
                e["advisories"]
            )
        })
        .collect();
    // Alpine: CVE-2019-14697 (musl) and CVE-2018-25032 (zlib); CVE-2000-0001 (fixed in "0") is no advisory.
    assert_eq!(eco, s_vec(&["Alpine:v3.9=2", "PyPI:=4", "npm:=1"]));
    assert_eq!(v["withdrawn"], 1);
    let human = bulkhead(&["db", "status", "--db", s.db.to_str().unwrap()]);
    human.expect_code(0);
    assert!(
        human.stdout.contains("Alpine") && human.stdout.contains("v3.9"),
        "{}",
        human.stdout
    );
}

fn s_vec(v: &[&str]) -> Vec<String> {
    s(v)
}

#[test]
fn image_reports_each_vulnerability_once_with_severity_and_fix() {
    let (r, v) = image_json(&["--fail-on", "never"]);
    r.expect_code(0);
    assert_eq!(
        vulns(&v),
        vec![
            (
                "demo-pkg".into(),
                "GHSA-0000-0000-0001".into(),
                s(&["CVE-0000-1001", "PYSEC-0000-1"]),
                "CRITICAL".into(),
                s(&["1.5"])
            ),
            (
                "demo-pkg".into(),
                "PYSEC-0000-2".into(),
                vec![],
                "UNKNOWN".into(),
                vec![]
            ),
            (
                "left-pad".into(),
                "GHSA-0000-0000-0002".into(),
                s(&["CVE-0000-2002"]),
                "LOW".into(),
                vec![]
            ),
            (
                "musl".into(),
                "ALPINE-CVE-2019-14697".into(),
                s(&["CVE-2019-14697"]),
                "UNKNOWN".into(),
                s(&["1.1.20-r5"])
            ),
        ]
    );
    let scan = &v["vulnerability_scan"];
    assert_eq!(scan["namespace"], "Alpine:v3.9");
    assert_eq!(scan["total"], 4);
    assert_eq!(scan["by_severity"]["CRITICAL"], 1);
    // The package is located at the file that records it, in its layer.
    let demo = v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "GHSA-0000-0000-0001")
        .unwrap();
    assert_eq!(
        demo["package"]["locations"][0]["path"],
        format!("/{PY_META_PATH}")
    );
    assert_eq!(demo["package"]["purl"], "pkg:pypi/demo-pkg@1.1");
    assert_eq!(demo["cvss_score"], 9.8);
}

#[test]
fn gating_follows_fail_on_exit_code_severity_and_unfixed() {
    // Profile default (staging: high): the CRITICAL one trips it.
    image_json(&[]).0.expect_code(1);
    // Trivy's idiom: --exit-code N with --severity.
    let (r, v) = image_json(&["--exit-code", "3", "--severity", "CRITICAL"]);
    r.expect_code(3);
    assert_eq!(vulns(&v).len(), 1);
    let (r, v) = image_json(&["--exit-code", "3", "--severity", "MEDIUM"]);
    r.expect_code(0);
    assert!(vulns(&v).is_empty());
    assert_eq!(v["vulnerability_scan"]["filtered"], 4);
    let (r, v) = image_json(&["--fail-on", "never", "--ignore-unfixed"]);
    r.expect_code(0);
    let ids: Vec<String> = vulns(&v).into_iter().map(|x| x.1).collect();
    assert_eq!(
        ids,
        s(&["GHSA-0000-0000-0001", "ALPINE-CVE-2019-14697"]),
        "the unfixed PYSEC-0000-2 and left-pad go"
    );
    let (r, _) = image_json(&["--severity", "LOW,CRITICAL", "--fail-on", "low"]);
    r.expect_code(1);
    // Unrated vulnerabilities never reach a severity threshold; `info` takes everything.
    image_json(&["--severity", "UNKNOWN", "--fail-on", "low"])
        .0
        .expect_code(0);
    image_json(&["--severity", "UNKNOWN", "--fail-on", "info"])
        .0
        .expect_code(1);
    let st = setup();
    let bad = bulkhead(&[
        "image",
        st.image.to_str().unwrap(),
        "--db",
        st.db.to_str().unwrap(),
        "--severity",
        "SEVERE",
    ]);
    bad.expect_code(2);
    assert!(
        bad.stderr.contains("`SEVERE` is not a severity"),
        "{}",
        bad.stderr
    );
}

#[test]
fn ignore_file_and_vex_suppress_with_their_reasons() {
    let s = setup();
    let dir = scratch("vulns-triage");
    std::fs::write(
        dir.join(".bulkheadignore.yaml"),
        "vulnerabilities:\n  - id: CVE-0000-1001\n    reason: templates come from our own repository\n    expires: 2099-01-01\n",
    )
    .unwrap();
    let vex = dir.join("app.vex.json");
    std::fs::write(
        &vex,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.invalid/vex/1", "author": "sec",
            "timestamp": "2026-11-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-0000-2002"},
                            "products": [{"@id": "pkg:oci/app", "subcomponents": [{"@id": "pkg:npm/left-pad@1.0.0"}]}],
                            "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#,
    )
    .unwrap();
    let image = s.image.to_str().unwrap();
    let db = s.db.to_str().unwrap();
    // The ignore file is found in the current directory.
    let r = bulkhead_in(
        &[
            "image",
            image,
            "--db",
            db,
            "-f",
            "json",
            "--vex",
            vex.to_str().unwrap(),
            "--fail-on",
            "high",
            "--no-config",
        ],
        &dir,
        None,
    );
    r.expect_code(0);
    let v = r.json();
    let ids: Vec<String> = vulns(&v).into_iter().map(|x| x.1).collect();
    assert_eq!(ids, s_vec(&["PYSEC-0000-2", "ALPINE-CVE-2019-14697"]));
    let sup = v["vulnerability_scan"]["suppressed"].as_array().unwrap();
    assert_eq!(sup.len(), 2);
    assert!(sup.iter().any(|x| x["suppressed_by"]["statement"]
        == "templates come from our own repository (until 2099-01-01)"));
    assert!(sup.iter().any(|x| x["suppressed_by"]["kind"] == "vex"
        && x["suppressed_by"]["statement"] == "not_affected: vulnerable_code_not_in_execute_path"));
    let h = bulkhead_in(
        &[
            "image",
            image,
            "--db",
            db,
            "--vex",
            vex.to_str().unwrap(),
            "--show-suppressed",
            "--fail-on",
            "never",
            "--no-config",
            "--color",
            "never",
        ],
        &dir,
        None,
    );
    h.expect_code(0);
    assert!(h.stdout.contains("suppressed by vex"), "{}", h.stdout);
    assert!(h.stdout.contains("suppressed by ignore"), "{}", h.stdout);
    assert!(h.stdout.contains("2 suppressed"), "{}", h.stdout);
}

/// A broken VEX document or ignore file is an error (exit 2) even when other scanners run too: warning and
/// going on would pass a gate with vulnerabilities that were never scanned.
#[test]
fn broken_triage_files_fail_instead_of_skipping_the_scan() {
    let s = setup();
    let dir = scratch("vulns-bad-triage");
    let vex = dir.join("bad.vex.json");
    std::fs::write(&vex, r#"{"statements": []}"#).unwrap();
    let image = s.image.to_str().unwrap();
    let db = s.db.to_str().unwrap();
    let r = bulkhead_in(
        &[
            "image",
            image,
            "--db",
            db,
            "--vex",
            vex.to_str().unwrap(),
            "--fail-on",
            "critical",
            "--no-config",
        ],
        &dir,
        None,
    );
    r.expect_code(2);
    assert!(r.stderr.contains("not an OpenVEX document"), "{}", r.stderr);
    // A broken default ignore file in the current directory, likewise; not when vulnerabilities are not
    // scanned at all.
    std::fs::write(dir.join(".trivyignore"), "CVE-0000-1001 exp:someday\n").unwrap();
    let r = bulkhead_in(
        &[
            "image",
            image,
            "--db",
            db,
            "--fail-on",
            "critical",
            "--no-config",
        ],
        &dir,
        None,
    );
    r.expect_code(2);
    assert!(r.stderr.contains("exp:someday"), "{}", r.stderr);
    let r = bulkhead_in(
        &[
            "image",
            image,
            "--scanners",
            "config",
            "--fail-on",
            "never",
            "--no-config",
        ],
        &dir,
        None,
    );
    r.expect_code(0);
}

#[test]
fn sarif_has_one_result_per_vulnerability_at_the_package_file() {
    let s = setup();
    let r = bulkhead_in(
        &[
            "image",
            s.image.to_str().unwrap(),
            "--db",
            s.db.to_str().unwrap(),
            "-f",
            "sarif",
            "--fail-on",
            "never",
            "--no-config",
        ],
        &s.dir,
        None,
    );
    r.expect_code(0);
    let v = r.json();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let vuln: Vec<&serde_json::Value> = results
        .iter()
        .filter(|x| x["ruleId"].as_str().is_some_and(|id| !id.starts_with("IM")))
        .collect();
    assert_eq!(vuln.len(), 4, "{results:#?}");
    let demo = vuln
        .iter()
        .find(|x| x["ruleId"] == "GHSA-0000-0000-0001")
        .unwrap();
    assert_eq!(demo["level"], "error");
    let uri = demo["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("demo_pkg-1.1.dist-info/METADATA"), "{uri}");
    assert!(
        demo["message"]["text"]
            .as_str()
            .unwrap()
            .contains("fixed in 1.5")
    );
    validate("sarif", &r.stdout);
}

#[test]
fn sbom_cyclonedx_carries_vulnerabilities_that_point_at_components() {
    let s = setup();
    let r = bulkhead(&[
        "sbom",
        s.image.to_str().unwrap(),
        "--vulns",
        "--db",
        s.db.to_str().unwrap(),
    ]);
    r.expect_code(0);
    let v = r.json();
    let refs: Vec<&str> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    let vs = v["vulnerabilities"].as_array().unwrap();
    assert_eq!(vs.len(), 4);
    for x in vs {
        let r = x["affects"][0]["ref"].as_str().unwrap();
        assert!(refs.contains(&r), "{r} is a component");
    }
    let demo = vs
        .iter()
        .find(|x| x["id"] == "GHSA-0000-0000-0001")
        .unwrap();
    assert_eq!(demo["ratings"][0]["severity"], "critical");
    assert_eq!(demo["ratings"][0]["method"], "CVSSv31");
    assert_eq!(demo["recommendation"], "Upgrade to 1.5 or later.");
    validate("cyclonedx", &r.stdout);
    // An ignore entry is not a remediation, even when its reason starts with the word `fixed`.
    let dir = scratch("vulns-sbom-ignore");
    let ignore = dir.join("ignore.yaml");
    std::fs::write(
        &ignore,
        "vulnerabilities:\n  - id: CVE-0000-1001\n    reason: fixed-size buffers only, never user input\n",
    )
    .unwrap();
    let r = bulkhead(&[
        "sbom",
        s.image.to_str().unwrap(),
        "--vulns",
        "--db",
        s.db.to_str().unwrap(),
        "--ignorefile",
        ignore.to_str().unwrap(),
    ]);
    r.expect_code(0);
    let v = r.json();
    let ignored: Vec<&serde_json::Value> = v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x.get("analysis").is_some())
        .collect();
    assert_eq!(ignored.len(), 1, "{}", r.stdout);
    assert_ne!(ignored[0]["analysis"]["state"], "resolved");
    // Without --vulns the SBOM is the inventory alone.
    let plain = bulkhead(&["sbom", s.image.to_str().unwrap()]).json();
    assert!(plain.get("vulnerabilities").is_none());
}

/// Validate with ../shared/data/schemas/validate.py when it and python's jsonschema are there.
fn validate(schema: &str, doc: &str) {
    let validator = repo_root().join("../shared/data/schemas/validate.py");
    if !validator.exists() {
        eprintln!("SKIP schema validation: {} is absent", validator.display());
        return;
    }
    let dir = scratch(&format!("vulns-validate-{schema}"));
    let file = dir.join(format!("doc.{schema}.json"));
    std::fs::write(&file, doc).unwrap();
    let schema_name = if schema == "cyclonedx" {
        "cyclonedx-1.6"
    } else {
        schema
    };
    let out = std::process::Command::new("python3")
        .arg(&validator)
        .arg(schema_name)
        .arg(&file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if text.contains("No module named") {
        eprintln!("SKIP schema validation: {text}");
        return;
    }
    assert!(out.status.success(), "{schema} validation failed:\n{text}");
}

#[test]
fn missing_corrupt_and_stale_databases() {
    let s = setup();
    let dir = scratch("vulns-bad-db");
    let image = s.image.to_str().unwrap();
    let missing = dir.join("none.db");
    // Other analyzers still run; the report says vulnerabilities were not scanned and how to fix it.
    let r = bulkhead(&[
        "image",
        image,
        "--db",
        missing.to_str().unwrap(),
        "-f",
        "json",
        "--fail-on",
        "never",
        "--no-config",
    ]);
    r.expect_code(0);
    assert!(r.stderr.contains("bulkhead db update"), "{}", r.stderr);
    assert_eq!(r.json()["vulnerability_scan"]["scanned"], false);
    // Vulnerabilities were the only thing asked for: exit 2.
    let r = bulkhead(&[
        "image",
        image,
        "--db",
        missing.to_str().unwrap(),
        "--scanners",
        "vuln",
    ]);
    r.expect_code(2);
    assert!(
        r.stderr.contains(missing.to_str().unwrap()) && r.stderr.contains("bulkhead db update"),
        "{}",
        r.stderr
    );
    let corrupt = dir.join("corrupt.db");
    std::fs::write(&corrupt, vec![7u8; 8192]).unwrap();
    let r = bulkhead(&[
        "image",
        image,
        "--db",
        corrupt.to_str().unwrap(),
        "--scanners",
        "vuln",
    ]);
    r.expect_code(2);
    assert!(
        r.stderr.contains(corrupt.to_str().unwrap()) && r.stderr.contains("bulkhead db update"),
        "{}",
        r.stderr
    );
    // Stale: the build time set 10 days back.
    let stale = dir.join("stale.db");
    std::fs::copy(&s.db, &stale).unwrap();
    let conn = rusqlite::Connection::open(&stale).unwrap();
    let old = bulkhead_inventory::sbom::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - 10 * 86_400,
    );
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'built_at'", [&old])
        .unwrap();
    drop(conn);
    let r = bulkhead(&[
        "image",
        image,
        "--db",
        stale.to_str().unwrap(),
        "-f",
        "json",
        "--fail-on",
        "never",
        "--no-config",
    ]);
    r.expect_code(0);
    let notes = r.json()["vulnerability_scan"]["notes"].to_string();
    assert!(notes.contains("10 days old"), "{notes}");
    let r = bulkhead(&[
        "image",
        image,
        "--db",
        stale.to_str().unwrap(),
        "-f",
        "json",
        "--fail-on",
        "never",
        "--no-config",
        "--db-max-age",
        "30",
    ]);
    assert!(
        !r.json()["vulnerability_scan"]["notes"]
            .to_string()
            .contains("days old")
    );
}

/// An import killed midway (SIGKILL while it writes) leaves the previous database as it was, and the next
/// import cleans the abandoned temporary file.
#[test]
fn killed_import_leaves_the_previous_database_usable() {
    let s = setup();
    let dir = scratch("vulns-kill");
    let db = dir.join("vuln.db");
    std::fs::copy(&s.db, &db).unwrap();
    let before = std::fs::read(&db).unwrap();
    // Enough records that writing them takes a while.
    let many = dir.join("many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..40_000 {
        std::fs::write(
            many.join(format!("PYSEC-9999-{i}.json")),
            format!(
                r#"{{"id": "PYSEC-9999-{i}", "modified": "2026-01-01T00:00:00Z", "affected": [{{"package": {{"ecosystem": "PyPI", "name": "pkg{i}"}}, "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "1.{i}"}}]}}]}}]}}"#
            ),
        )
        .unwrap();
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bulkhead"))
        .args([
            "db",
            "import",
            many.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let temp_exists = || {
        std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".vuln.db.tmp-"))
    };
    let started = std::time::Instant::now();
    while !temp_exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed"
        );
        assert!(
            started.elapsed().as_secs() < 120,
            "no temporary database appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(temp_exists(), "the killed import left its temporary file");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database is byte-identical"
    );
    let st = bulkhead(&["db", "status", "--db", db.to_str().unwrap(), "-f", "json"]);
    st.expect_code(0);
    assert_eq!(st.json()["advisories"], 7);
    // The next import completes and removes the abandoned file.
    let r = bulkhead(&[
        "db",
        "import",
        fixtures().join("advisories/osv").to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    r.expect_code(0);
    assert!(!temp_exists());
}

/// `bulkhead db update --source` against a real HTTP server on 127.0.0.1 (Python's http.server, which
/// sends Last-Modified and answers If-Modified-Since with 304) serving `<Ecosystem>/all.zip` exports built
/// from the fixtures.
#[test]
fn db_update_from_a_local_mirror() {
    use std::io::Write;
    let dir = scratch("vulns-update");
    let mirror = dir.join("mirror");
    let osv = fixtures().join("advisories/osv");
    for (eco, files) in [
        ("PyPI", vec!["PYSEC-0000-1.json", "PYSEC-0000-2.json"]),
        ("npm", vec!["GHSA-0000-0000-0002.json"]),
    ] {
        std::fs::create_dir_all(mirror.join(eco)).unwrap();
        let mut z =
            zip::ZipWriter::new(std::fs::File::create(mirror.join(eco).join("all.zip")).unwrap());
        for f in files {
            z.start_file(f, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(&std::fs::read(osv.join(f)).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = match std::process::Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&mirror)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("SKIP db_update_from_a_local_mirror: python3 is not available ({e})");
            return;
        }
    };
    let base = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed().as_secs() < 20,
            "the HTTP server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let db = dir.join("vuln.db");
    let update = |extra: &[&str]| {
        let mut a = vec![
            "db",
            "update",
            "--source",
            &base,
            "--db",
            db.to_str().unwrap(),
            "--no-progress",
        ];
        a.extend_from_slice(extra);
        bulkhead(&a)
    };
    let first = update(&["--ecosystem", "PyPI,npm"]);
    first.expect_code(0);
    assert!(
        first.stderr.contains("PyPI") && first.stderr.contains("updated: 2 advisories"),
        "{}",
        first.stderr
    );
    let st = bulkhead(&["db", "status", "--db", db.to_str().unwrap(), "-f", "json"]).json();
    let sources: Vec<String> = st["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sources, s(&["osv:PyPI", "osv:npm"]));
    assert_eq!(st["advisories"], 3);
    let second = update(&["--ecosystem", "PyPI,npm"]);
    second.expect_code(0);
    assert!(
        second.stderr.contains("unchanged since the last update"),
        "{}",
        second.stderr
    );
    // One ecosystem the mirror lacks: it fails, the others are kept, exit 1.
    let partial = update(&["--ecosystem", "PyPI,Go"]);
    partial.expect_code(1);
    assert!(
        partial.stderr.contains("Go") && partial.stderr.contains("FAILED"),
        "{}",
        partial.stderr
    );
    assert_eq!(
        bulkhead(&["db", "status", "--db", db.to_str().unwrap(), "-f", "json"]).json()["advisories"],
        3
    );
    let bad = update(&["--ecosystem", "Hackage"]);
    bad.expect_code(2);
    assert!(
        bad.stderr.contains("unknown ecosystem `Hackage`"),
        "{}",
        bad.stderr
    );
    let _ = server.kill();
    let _ = server.wait();
}
