//! Vulnerability cross-check: images with known-vulnerable packages, scanned by `bulkhead image --db`,
//! must be reported with exactly the advisory ids that an independent computation finds in the real
//! advisory data.
//!
//! * `scripts/vuln-images.sh` builds the images (py, npm, go, rust, alpine, alpine-patched) and saves
//!   them as `docker save` tarballs (cached by recipe hash; needs a Docker engine when cold).
//! * `scripts/vuln_expected.py` reads each tarball itself and computes the expected ids per package
//!   from `../shared/data/advisories` with comparators of its own (PEP 440, SemVer, Go, apk,
//!   node-semver ranges).
//! * `bulkhead db import ../shared/data/advisories --db <tmp>/vuln.db`, then
//!   `bulkhead image <tarball> --db <tmp>/vuln.db --format json` for each image; the ids per package of
//!   its `vulnerabilities` array must equal the expected ones, modulo aliases (an expected id is found
//!   when it is an entry's `id` or one of its `aliases`).
//!
//! Data: RustSec advisory database (CC0), PyPA advisory database (CC-BY-4.0), Go vulnerability
//! database (CC-BY-4.0), Node.js security WG vulnerabilities (MIT), Alpine secdb; see the SOURCE.txt of
//! each folder under ../shared/data/advisories.
//!
//! Skips, saying so, when ../shared/data is absent, when no Docker engine can be had to build the
//! images, or when the binary has no `db` subcommand yet (then the images and the expectation have
//! still been built and checked).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const IMAGES: [&str; 6] = ["py", "npm", "go", "rust", "alpine", "alpine-patched"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout)
            .chars()
            .take(4000)
            .collect::<String>(),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(cmd: &mut Command, what: &str) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not start {what}: {e}"))
}

/// Where the script writes its tarballs (the same default as the script's).
fn images_dir() -> PathBuf {
    match std::env::var_os("BULKHEAD_VULN_IMAGES") {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir().join("bulkhead-vuln-images"),
    }
}

/// The key both sides agree on: `<kind>/<name>@<version>`, with Python names in PEP 503 form and Go
/// versions without `v` (stdlib's `go1.19.8` as `1.19.8`).
fn package_key(kind: &str, name: &str, version: &str) -> String {
    match kind {
        "python" => {
            let mut norm = String::new();
            let mut sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !norm.is_empty() {
                        norm.push('-');
                    }
                    sep = false;
                    norm.extend(c.to_lowercase());
                }
            }
            format!("python/{norm}@{version}")
        }
        "go" => {
            let v = version.strip_prefix("go").unwrap_or(version);
            let v = v.strip_prefix('v').unwrap_or(v);
            format!("go/{name}@{v}")
        }
        _ => format!("{kind}/{name}@{version}"),
    }
}

/// One reported vulnerability: its id and the ids it stands for.
struct Entry {
    id: String,
    aliases: Vec<String>,
}

impl Entry {
    fn covers(&self, id: &str) -> bool {
        self.id == id || self.aliases.iter().any(|a| a == id)
    }
}

/// The `vulnerabilities` array of a report, by package key.
fn reported(report: &Value, image: &str) -> BTreeMap<String, Vec<Entry>> {
    let Some(vulns) = report.get("vulnerabilities").and_then(Value::as_array) else {
        panic!("{image}: the JSON report has no \"vulnerabilities\" array");
    };
    let mut out: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for v in vulns {
        let text = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
        let pkg = v.get("package").unwrap_or(&Value::Null);
        let (Some(id), Some(kind), Some(name), Some(version)) = (
            text(v, "id"),
            text(pkg, "kind"),
            text(pkg, "name"),
            text(pkg, "version"),
        ) else {
            panic!("{image}: a vulnerability lacks id or package kind/name/version: {v}");
        };
        let aliases = v
            .get("aliases")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        out.entry(package_key(&kind, &name, &version))
            .or_default()
            .push(Entry { id, aliases });
    }
    out
}

/// Mismatches of one image, one line per package.
fn compare(
    image: &str,
    expected: &BTreeMap<String, BTreeSet<String>>,
    got: &BTreeMap<String, Vec<Entry>>,
) -> Vec<String> {
    let keys: BTreeSet<&String> = expected
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(k, _)| k)
        .chain(got.keys())
        .collect();
    let none = Vec::new();
    let mut problems = Vec::new();
    for key in keys {
        let want = expected.get(key).cloned().unwrap_or_default();
        let entries = got.get(key).unwrap_or(&none);
        let missing: Vec<&String> = want
            .iter()
            .filter(|id| !entries.iter().any(|e| e.covers(id)))
            .collect();
        let unexpected: Vec<&String> = entries
            .iter()
            .filter(|e| !want.iter().any(|id| e.covers(id)))
            .map(|e| &e.id)
            .collect();
        let doubled: Vec<&String> = want
            .iter()
            .filter(|id| entries.iter().filter(|e| e.covers(id)).count() > 1)
            .collect();
        if missing.is_empty() && unexpected.is_empty() && doubled.is_empty() {
            continue;
        }
        let mut line = format!("{image}: {key}:");
        if !expected.contains_key(key) {
            line.push_str(" (package not in the expected inventory)");
        }
        if entries.is_empty() {
            line.push_str(" (no vulnerability reported for this package)");
        }
        if !missing.is_empty() {
            line.push_str(&format!(" missing {missing:?}"));
        }
        if !unexpected.is_empty() {
            line.push_str(&format!(" unexpected {unexpected:?}"));
        }
        if !doubled.is_empty() {
            line.push_str(&format!(" reported in more than one entry {doubled:?}"));
        }
        problems.push(line);
    }
    problems
}

#[test]
fn images_are_reported_with_exactly_the_expected_advisories() {
    let data = shared_data();
    let advisories = data.join("advisories");
    if !advisories.is_dir() {
        eprintln!(
            "SKIP vuln_crosscheck: {} is absent (the advisory data lives in ../shared/data)",
            advisories.display()
        );
        return;
    }
    let root = repo_root();

    // 1. the images
    let built = run(
        Command::new("bash")
            .arg(root.join("scripts/vuln-images.sh"))
            .current_dir(&root),
        "scripts/vuln-images.sh",
    );
    if built.status.code() == Some(3) {
        eprintln!(
            "SKIP vuln_crosscheck: no Docker engine to build the images\n{}",
            String::from_utf8_lossy(&built.stderr)
        );
        return;
    }
    assert!(
        built.status.success(),
        "scripts/vuln-images.sh failed:\n{}",
        show(&built)
    );
    let dir = images_dir();
    let tarballs: Vec<PathBuf> = IMAGES
        .iter()
        .map(|n| dir.join(format!("{n}.tar")))
        .collect();
    for t in &tarballs {
        assert!(
            t.is_file(),
            "scripts/vuln-images.sh wrote no {}",
            t.display()
        );
    }

    // 2. the expectation, computed from the advisory data without bulkhead
    let exp = run(
        Command::new("python3")
            .arg(root.join("scripts/vuln_expected.py"))
            .arg("--self-test")
            .arg("--summary")
            .arg("--advisories")
            .arg(&advisories)
            .args(&tarballs)
            .current_dir(&root),
        "python3 scripts/vuln_expected.py",
    );
    assert!(
        exp.status.success(),
        "scripts/vuln_expected.py failed:\n{}",
        show(&exp)
    );
    eprint!("{}", String::from_utf8_lossy(&exp.stderr));
    let expected: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> =
        serde_json::from_slice(&exp.stdout)
            .unwrap_or_else(|e| panic!("vuln_expected.py printed no valid JSON ({e})"));
    for image in IMAGES {
        let ids: usize = expected
            .get(image)
            .map_or(0, |p| p.values().map(BTreeSet::len).sum());
        // alpine-patched is the negative control: every package is at its secdb fix
        if image != "alpine-patched" {
            assert!(ids > 0, "{image}: the expectation found no advisory at all");
        }
    }

    // 3. bulkhead: the database, then each image
    let tmp = tempfile::tempdir().expect("temporary directory");
    let db = tmp.path().join("vuln.db");
    let bin = env!("CARGO_BIN_EXE_bulkhead");
    let import = run(
        Command::new(bin)
            .args(["db", "import"])
            .arg(&advisories)
            .arg("--db")
            .arg(&db)
            .env("NO_COLOR", "1"),
        "bulkhead db import",
    );
    assert!(
        import.status.success(),
        "bulkhead db import failed:\n{}",
        show(&import)
    );

    let mut problems = Vec::new();
    for (image, tarball) in IMAGES.iter().zip(&tarballs) {
        let o = run(
            Command::new(bin)
                .arg("image")
                .arg(tarball)
                .arg("--db")
                .arg(&db)
                .args(["--format", "json", "--fail-on", "never", "--no-secrets"])
                .env("NO_COLOR", "1"),
            "bulkhead image",
        );
        assert!(
            o.status.success(),
            "bulkhead image {} failed:\n{}",
            tarball.display(),
            show(&o)
        );
        let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!("bulkhead image {image}: no valid JSON ({e}):\n{}", show(&o))
        });
        let got = reported(&report, image);
        let empty = BTreeMap::new();
        let want = expected.get(*image).unwrap_or(&empty);
        let found = compare(image, want, &got);
        eprintln!(
            "vuln_crosscheck {image}: expected {} ids over {} packages; bulkhead reported {} entries; {} package(s) differ",
            want.values().map(BTreeSet::len).sum::<usize>(),
            want.values().filter(|ids| !ids.is_empty()).count(),
            got.values().map(Vec::len).sum::<usize>(),
            found.len()
        );
        problems.extend(found);
    }
    assert!(
        problems.is_empty(),
        "bulkhead's vulnerabilities differ from the expectation of scripts/vuln_expected.py:\n{}",
        problems.join("\n")
    );
}

#[test]
fn package_keys_agree_with_the_expectation_script() {
    assert_eq!(
        package_key("python", "Jinja2", "2.10"),
        "python/jinja2@2.10"
    );
    assert_eq!(
        package_key("python", "zope.interface__x", "5"),
        "python/zope-interface-x@5"
    );
    assert_eq!(package_key("go", "stdlib", "go1.19.8"), "go/stdlib@1.19.8");
    assert_eq!(
        package_key("go", "golang.org/x/text", "v0.3.7"),
        "go/golang.org/x/text@0.3.7"
    );
    assert_eq!(
        package_key("apk", "musl", "1.1.18-r3"),
        "apk/musl@1.1.18-r3"
    );
}

#[test]
fn comparison_is_modulo_aliases_and_names_each_difference() {
    let expected: BTreeMap<String, BTreeSet<String>> = [
        (
            "npm/lodash@4.17.4".to_owned(),
            ["NSWG-ECO-368", "NSWG-ECO-493"].map(String::from).into(),
        ),
        (
            "npm/ms@0.7.0".to_owned(),
            ["NSWG-ECO-46"].map(String::from).into(),
        ),
        ("npm/clean@1.0.0".to_owned(), BTreeSet::new()),
    ]
    .into();
    let entry = |id: &str, aliases: &[&str]| Entry {
        id: id.to_owned(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
    };
    let mut got: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    got.insert(
        "npm/lodash@4.17.4".to_owned(),
        vec![
            entry("CVE-2018-3721", &["NSWG-ECO-368"]),
            entry("NSWG-ECO-493", &[]),
        ],
    );
    got.insert("npm/ms@0.7.0".to_owned(), vec![entry("NSWG-ECO-46", &[])]);
    assert!(compare("npm", &expected, &got).is_empty());

    got.insert("npm/clean@1.0.0".to_owned(), vec![entry("NSWG-ECO-1", &[])]);
    if let Some(v) = got.get_mut("npm/lodash@4.17.4") {
        v.retain(|e| e.id != "NSWG-ECO-493");
    }
    if let Some(v) = got.get_mut("npm/ms@0.7.0") {
        v.push(entry("GHSA-x", &["NSWG-ECO-46"]));
    }
    let problems = compare("npm", &expected, &got);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].contains("npm/clean@1.0.0")
            && problems[0].contains("unexpected [\"NSWG-ECO-1\"]")
    );
    assert!(problems[1].contains("missing [\"NSWG-ECO-493\"]"));
    assert!(problems[2].contains("more than one entry [\"NSWG-ECO-46\"]"));
}
