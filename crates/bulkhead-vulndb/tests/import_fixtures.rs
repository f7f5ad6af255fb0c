//! The importers over small hand-written fixtures (`tests/fixtures/import/<format>/{good,bad}`): the exact
//! advisories, skips and ignore counts, as insta snapshots.

use bulkhead_vulndb::Advisory;
use bulkhead_vulndb::import::{Format, ImportError, ImportOutcome, import_path, import_zip};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

#[derive(Serialize)]
struct View {
    files: usize,
    formats: Vec<String>,
    skipped: Vec<String>,
    ignored: Vec<String>,
    advisories: Vec<Advisory>,
}

/// The outcome with paths relative to `base`, ready for a snapshot.
fn view(o: &ImportOutcome, base: &Path) -> View {
    let base = format!("{}/", base.display());
    View {
        files: o.files,
        formats: o
            .formats
            .iter()
            .map(|(f, n)| format!("{f:?}: {n}"))
            .collect(),
        skipped: o
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.path.replace(&base, ""), s.reason))
            .collect(),
        ignored: o
            .ignored
            .iter()
            .map(|(r, n)| format!("{n} × {r}"))
            .collect(),
        advisories: o.advisories.clone(),
    }
}

fn run(sub: &str) -> (ImportOutcome, View) {
    let dir = fixtures().join(sub);
    match import_path(&dir) {
        Ok(o) => {
            let v = view(&o, &dir);
            (o, v)
        }
        Err(e) => panic!("{sub}: {e}"),
    }
}

#[test]
fn osv_good() {
    let (o, v) = run("osv/good");
    // README.md and the hidden directory are not read.
    assert_eq!(o.files, 5);
    assert!(o.skipped.is_empty());
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn osv_bad() {
    let (o, v) = run("osv/bad");
    assert_eq!(o.files, 4);
    assert_eq!(o.skipped.len(), 4);
    assert!(o.advisories.is_empty());
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn secdb_good() {
    let (o, v) = run("secdb/good");
    assert_eq!(o.files_of(Format::AlpineSecdb), 2);
    // The YAML (v3.18) and JSON (v3.19) records of CVE-2020-28928 are one advisory.
    let musl = o
        .advisories
        .iter()
        .find(|a| a.id == "ALPINE-CVE-2020-28928");
    assert_eq!(musl.map(|a| a.affected.len()), Some(2));
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn secdb_bad() {
    let (o, v) = run("secdb/bad");
    assert_eq!(o.skipped.len(), 1);
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn debian_good() {
    let (o, v) = run("debian/good");
    assert_eq!(o.files_of(Format::DebianTracker), 1);
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn debian_bad_lines_are_skipped_and_the_rest_kept() {
    let (o, v) = run("debian/bad");
    assert_eq!(o.advisories.len(), 2);
    assert_eq!(o.skipped.len(), 2);
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn nodejs_good() {
    let (o, v) = run("nodejs/good");
    assert_eq!(o.ignored_count("Node.js core advisory: no npm package"), 1);
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn nodejs_bad() {
    let (o, v) = run("nodejs/bad");
    assert_eq!(o.skipped.len(), 2);
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn rubysec_good() {
    let (_, v) = run("rubysec/good");
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn rubysec_bad() {
    let (o, v) = run("rubysec/bad");
    assert_eq!(o.skipped.len(), 2);
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn friendsofphp_good() {
    let (o, v) = run("friendsofphp/good");
    // Two files naming CVE-2020-5555 for two packages are one advisory.
    assert_eq!(o.advisories.len(), 2);
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn friendsofphp_bad() {
    let (o, v) = run("friendsofphp/bad");
    assert_eq!(o.skipped.len(), 2);
    insta::assert_yaml_snapshot!(v);
}

#[test]
fn whole_fixture_tree_in_one_call() {
    let (o, _) = run("");
    let formats: Vec<Format> = o.formats.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        formats,
        [
            Format::Osv,
            Format::AlpineSecdb,
            Format::DebianTracker,
            Format::NodejsWg,
            Format::RubySec,
            Format::FriendsOfPhp
        ]
    );
    let ids: Vec<&str> = o.advisories.iter().map(|a| a.id.as_str()).collect();
    for id in [
        "GHSA-aaaa-bbbb-cccc",
        "ALPINE-CVE-2020-28928",
        "DSA-5378-1",
        "NSWG-ECO-7",
        "GHSA-abcd-efgh-ijkl",
        "CVE-2020-5555",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
}

#[test]
fn a_single_file_and_errors() {
    let file = fixtures().join("osv/good/ALSA-2024:0001.json");
    let o = import_path(&file).unwrap_or_default();
    assert_eq!(o.advisories.len(), 1);
    assert_eq!(o.files, 1);
    match import_path(&fixtures().join("does/not/exist")) {
        Err(ImportError::Io { path, .. }) => assert!(path.ends_with("does/not/exist")),
        other => panic!("expected an Io error, got {other:?}"),
    }
    match import_path(&fixtures().join("osv/good/README.md")) {
        Err(ImportError::Unrecognized { .. }) => {}
        other => panic!("expected Unrecognized, got {other:?}"),
    }
}

#[test]
fn zip_export() {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let good = std::fs::read(fixtures().join("osv/good/GHSA-aaaa-bbbb-cccc.json"));
        let members: [(&str, Vec<u8>); 3] = [
            ("GHSA-aaaa-bbbb-cccc.json", good.unwrap_or_default()),
            ("broken.json", b"{\"id\": ".to_vec()),
            ("notes.txt", b"hello".to_vec()),
        ];
        for (name, bytes) in members {
            assert!(w.start_file(name, opts).is_ok());
            assert!(w.write_all(&bytes).is_ok());
        }
        assert!(w.finish().is_ok());
    }
    buf.set_position(0);
    let o = match import_zip("all.zip", buf) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(o.files, 2);
    assert_eq!(o.advisories.len(), 1);
    assert_eq!(o.skipped.len(), 1);
    assert!(o.skipped[0].path.starts_with("all.zip!broken.json"));
    assert_eq!(o.ignored_count("zip member that is not JSON or YAML"), 1);
    // Not a zip at all.
    assert!(import_zip("junk.zip", std::io::Cursor::new(b"PK but not".to_vec())).is_err());
}

#[test]
fn hostile_files_are_skipped_without_panic() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let deep_json = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let deep_obj = format!(
        "{{\"id\": \"X-1\", \"affected\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
                  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
                  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
                  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
                  id: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n";
    let files: [(&str, &[u8]); 6] = [
        ("deep.json", deep_json.as_bytes()),
        ("deep-obj.json", deep_obj.as_bytes()),
        ("laughs.yaml", laughs.as_bytes()),
        ("binary.yaml", b"\xff\xfe\x00garbage\x80"),
        ("empty.json", b""),
        ("nul.yml", b"\x00\x00\x00"),
    ];
    for (name, bytes) in files {
        assert!(std::fs::write(dir.path().join(name), bytes).is_ok());
    }
    let o = match import_path(dir.path()) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(o.files, 6);
    assert!(o.advisories.is_empty());
    assert_eq!(
        o.skipped.len() + o.ignored.iter().map(|(_, n)| n).sum::<usize>(),
        6,
        "{o:?}"
    );
    for s in &o.skipped {
        eprintln!("{}: {}", s.path, s.reason);
        assert!(!s.reason.is_empty());
    }
}
