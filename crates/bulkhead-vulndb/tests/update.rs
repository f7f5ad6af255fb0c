//! `bulkhead db update` against a real HTTP server on 127.0.0.1 (written here on std::net) serving zips of
//! OSV JSON built in the test: conditional requests, 304s, failures that keep records, cut-off bodies,
//! atomicity, directory mirrors.
//!
//! Tests marked `[importer]` need `import::import_zip` to read OSV JSON members; the others seed the
//! database through the store and hold without it.

use bulkhead_vulndb::advisory::{Advisory, Affected};
use bulkhead_vulndb::ecosystem::Ecosystem;
use bulkhead_vulndb::store::{Builder, Db, SourceRecord, Status};
use bulkhead_vulndb::update::{
    EcosystemUpdate, Outcome, UpdateError, UpdateOptions, UpdateReport, export_url, update,
};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---------------------------------------------------------------------------------------------------------
// The server.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// 200 with the export (or 304 when If-None-Match matches its ETag).
    Serve,
    /// Answer this status with a short body.
    Status(u16),
    /// 200 with the full Content-Length, then close after half the body.
    CutOff,
    /// Say nothing for a few seconds, then close.
    Hang,
    /// 200 with the full Content-Length, half the body, then silence for a few seconds.
    Stall,
}

struct Export {
    body: Vec<u8>,
    etag: String,
    last_modified: String,
    mode: Mode,
}

#[derive(Clone, Debug)]
struct Seen {
    path: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    /// Status sent, and whether a body was (fully or partly) sent.
    status: u16,
    body_sent: bool,
}

#[derive(Default)]
struct State {
    exports: HashMap<String, Export>,
    seen: Vec<Seen>,
}

struct Server {
    base: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                std::thread::spawn(move || handle(stream, &state));
            }
        });
        Server { base, state }
    }

    /// Serve `body` as `/{ecosystem dir, percent-encoded}/all.zip`.
    fn put(&self, eco: Ecosystem, body: Vec<u8>, etag: &str) {
        let path = url_path(&self.base, eco);
        self.state.lock().unwrap().exports.insert(
            path,
            Export {
                body,
                etag: etag.to_string(),
                last_modified: "Sat, 01 Nov 2025 10:00:00 GMT".into(),
                mode: Mode::Serve,
            },
        );
    }

    fn mode(&self, eco: Ecosystem, mode: Mode) {
        let path = url_path(&self.base, eco);
        let mut state = self.state.lock().unwrap();
        let export = state.exports.entry(path).or_insert_with(|| Export {
            body: Vec::new(),
            etag: "\"none\"".into(),
            last_modified: "Sat, 01 Nov 2025 10:00:00 GMT".into(),
            mode,
        });
        export.mode = mode;
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    fn seen_for(&self, eco: Ecosystem) -> Vec<Seen> {
        let path = url_path(&self.base, eco);
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }

    fn opts(&self, ecosystems: &[Ecosystem]) -> UpdateOptions {
        UpdateOptions {
            source: self.base.clone(),
            ecosystems: ecosystems.to_vec(),
            progress: false,
            timeout: Duration::from_secs(10),
        }
    }
}

fn url_path(base: &str, eco: Ecosystem) -> String {
    export_url(base, eco)
        .strip_prefix(base)
        .unwrap()
        .to_string()
}

fn handle(mut stream: TcpStream, state: &Mutex<State>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let (status, head, body, mode) = {
        let st = state.lock().unwrap();
        match st.exports.get(&path) {
            None => (404, String::new(), b"no such export".to_vec(), Mode::Serve),
            Some(e) => match e.mode {
                Mode::Status(code) => (code, String::new(), b"oops".to_vec(), e.mode),
                Mode::Hang => (0, String::new(), Vec::new(), e.mode),
                Mode::Serve | Mode::CutOff | Mode::Stall => {
                    let validators =
                        format!("ETag: {}\r\nLast-Modified: {}\r\n", e.etag, e.last_modified);
                    if e.mode == Mode::Serve && headers.get("if-none-match") == Some(&e.etag) {
                        (304, validators, Vec::new(), e.mode)
                    } else {
                        (
                            200,
                            format!("{validators}Content-Type: application/zip\r\n"),
                            e.body.clone(),
                            e.mode,
                        )
                    }
                }
            },
        }
    };
    state.lock().unwrap().seen.push(Seen {
        path,
        if_none_match: headers.get("if-none-match").cloned(),
        if_modified_since: headers.get("if-modified-since").cloned(),
        status,
        body_sent: status == 200,
    });
    if mode == Mode::Hang {
        std::thread::sleep(Duration::from_secs(4));
        return;
    }
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Whatever",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n{head}Connection: close\r\n");
    if status != 304 {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let _ = stream.write_all(out.as_bytes());
    let sent = if matches!(mode, Mode::CutOff | Mode::Stall) {
        &body[..body.len() / 2]
    } else {
        &body[..]
    };
    let _ = stream.write_all(sent);
    let _ = stream.flush();
    if mode == Mode::Stall {
        std::thread::sleep(Duration::from_secs(4));
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

// ---------------------------------------------------------------------------------------------------------
// Zips and records.

fn osv_json(id: &str, ecosystem: &str, name: &str, fixed: &str) -> String {
    serde_json::json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2025-10-01T00:00:00Z",
        "published": "2025-09-01T00:00:00Z",
        "aliases": [format!("CVE-2099-{}", id.len())],
        "summary": format!("{name} does something bad"),
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    })
    .to_string()
}

fn zip_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in members {
        // `.bin` members are stored, to make exports of a chosen size.
        let opts = if name.ends_with(".bin") {
            opts.compression_method(zip::CompressionMethod::Stored)
        } else {
            opts
        };
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(body).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// An export of `ids` for one ecosystem (package `pkg-{id}`).
fn export(eco: &str, ids: &[&str]) -> Vec<u8> {
    let members: Vec<(String, Vec<u8>)> = ids
        .iter()
        .map(|id| {
            (
                format!("{id}.json"),
                osv_json(id, eco, &format!("pkg-{id}"), "1.2.3").into_bytes(),
            )
        })
        .collect();
    zip_of(&members)
}

fn advisory(id: &str, eco: &str) -> Advisory {
    Advisory {
        id: id.into(),
        summary: Some(format!("seeded {id}")),
        affected: vec![Affected {
            ecosystem: eco.into(),
            name: format!("pkg-{id}"),
            ..Affected::default()
        }],
        ..Advisory::default()
    }
}

const OLD: &str = "2001-01-01T00:00:00Z";

/// Build a database holding `osv:<eco>` sources as an earlier update would have, with `imported_at` set to
/// [`OLD`] so a refresh shows.
fn seed(db: &Path, sources: &[(Ecosystem, &str, &[&str])]) {
    let mut b = Builder::start(db, false).unwrap();
    for (eco, etag, ids) in sources {
        let advisories: Vec<Advisory> = ids.iter().map(|id| advisory(id, eco.osv_name())).collect();
        b.put_source(
            &SourceRecord {
                name: format!("osv:{}", eco.osv_name()),
                location: "seed".into(),
                kind: "osv-zip".into(),
                etag: Some(etag.to_string()),
                last_modified: Some("Fri, 31 Oct 2025 09:00:00 GMT".into()),
            },
            &advisories,
        )
        .unwrap();
    }
    b.commit().unwrap();
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute("UPDATE source SET imported_at = ?1", [OLD])
        .unwrap();
}

fn status(db: &Path) -> Status {
    Db::open(db).unwrap().status().unwrap()
}

fn source_of(st: &Status, eco: Ecosystem) -> &bulkhead_vulndb::store::SourceInfo {
    let name = format!("osv:{}", eco.osv_name());
    st.sources
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no source {name} in {:?}", st.sources))
}

fn has(db: &Path, id: &str) -> bool {
    Db::open(db).unwrap().advisory(id).unwrap().is_some()
}

fn outcome(report: &UpdateReport, eco: Ecosystem) -> &Outcome {
    &report
        .per_ecosystem
        .iter()
        .find(|u| u.ecosystem == eco)
        .unwrap()
        .outcome
}

fn failed_reason(o: &Outcome) -> &str {
    match o {
        Outcome::Failed(r) => r,
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn all_failed(r: Result<UpdateReport, UpdateError>) -> Vec<EcosystemUpdate> {
    match r {
        Err(UpdateError::AllFailed(v)) => v,
        Err(e) => panic!("expected AllFailed, got {e}"),
        Ok(rep) => panic!("expected AllFailed, got {:?}", rep.per_ecosystem),
    }
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------------------
// Tests that hold without the importer.

#[test]
fn unchanged_export_gets_304_and_only_refreshes_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    seed(
        &db,
        &[(Ecosystem::CratesIo, "\"v1\"", &["RUSTSEC-1", "RUSTSEC-2"])],
    );
    let server = Server::start();
    server.put(
        Ecosystem::CratesIo,
        export("crates.io", &["RUSTSEC-9"]),
        "\"v1\"",
    );
    let report = update(&db, &server.opts(&[Ecosystem::CratesIo])).unwrap();
    assert_eq!(outcome(&report, Ecosystem::CratesIo), &Outcome::NotModified);
    assert!(report.is_complete());
    let seen = server.seen_for(Ecosystem::CratesIo);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(
        seen[0].if_modified_since.as_deref(),
        Some("Fri, 31 Oct 2025 09:00:00 GMT")
    );
    assert_eq!(seen[0].status, 304);
    assert!(!seen[0].body_sent);
    let st = status(&db);
    let src = source_of(&st, Ecosystem::CratesIo);
    assert_ne!(src.imported_at, OLD, "imported_at must be refreshed");
    assert_eq!(src.advisories, 2);
    assert_eq!(src.etag.as_deref(), Some("\"v1\""));
    assert!(has(&db, "RUSTSEC-1") && has(&db, "RUSTSEC-2"));
    assert!(!has(&db, "RUSTSEC-9"));
    assert_eq!(report.status.advisories, 2);
}

#[test]
fn failing_ecosystem_keeps_its_records_and_the_others_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    seed(
        &db,
        &[
            (Ecosystem::CratesIo, "\"c1\"", &["RUSTSEC-1", "RUSTSEC-2"]),
            (Ecosystem::Go, "\"g1\"", &["GO-1"]),
        ],
    );
    let server = Server::start();
    server.mode(Ecosystem::CratesIo, Mode::Status(500));
    server.put(Ecosystem::Go, export("Go", &["GO-1"]), "\"g1\"");
    let report = update(&db, &server.opts(&[Ecosystem::CratesIo, Ecosystem::Go])).unwrap();
    let reason = failed_reason(outcome(&report, Ecosystem::CratesIo));
    assert!(reason.contains("HTTP 500"), "{reason}");
    assert!(
        reason.contains(&export_url(&server.base, Ecosystem::CratesIo)),
        "{reason}"
    );
    assert!(reason.contains("previous records are kept"), "{reason}");
    assert_eq!(outcome(&report, Ecosystem::Go), &Outcome::NotModified);
    assert!(!report.is_complete());
    assert_eq!(report.failures().count(), 1);
    let st = status(&db);
    let crates = source_of(&st, Ecosystem::CratesIo);
    assert_eq!(crates.imported_at, OLD, "a failed source is not touched");
    assert_eq!(crates.advisories, 2);
    assert_eq!(crates.etag.as_deref(), Some("\"c1\""));
    assert_ne!(source_of(&st, Ecosystem::Go).imported_at, OLD);
    assert!(has(&db, "RUSTSEC-1") && has(&db, "RUSTSEC-2") && has(&db, "GO-1"));
}

#[test]
fn cut_off_download_fails_and_keeps_the_previous_records() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    seed(
        &db,
        &[
            (Ecosystem::CratesIo, "\"c1\"", &["RUSTSEC-1"]),
            (Ecosystem::Go, "\"g1\"", &["GO-1"]),
        ],
    );
    let ids: Vec<String> = (0..200).map(|i| format!("RUSTSEC-NEW-{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let server = Server::start();
    server.put(Ecosystem::CratesIo, export("crates.io", &refs), "\"c2\"");
    server.mode(Ecosystem::CratesIo, Mode::CutOff);
    server.put(Ecosystem::Go, export("Go", &["GO-1"]), "\"g1\"");
    let report = update(&db, &server.opts(&[Ecosystem::CratesIo, Ecosystem::Go])).unwrap();
    let reason = failed_reason(outcome(&report, Ecosystem::CratesIo));
    assert!(reason.contains("cut off"), "{reason}");
    let st = status(&db);
    let crates = source_of(&st, Ecosystem::CratesIo);
    assert_eq!(crates.etag.as_deref(), Some("\"c1\""));
    assert_eq!(crates.imported_at, OLD);
    assert!(has(&db, "RUSTSEC-1"));
    assert!(!has(&db, "RUSTSEC-NEW-0"));
}

#[test]
fn cut_off_only_ecosystem_is_an_error_and_the_db_is_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    seed(&db, &[(Ecosystem::CratesIo, "\"c1\"", &["RUSTSEC-1"])]);
    let before = std::fs::read(&db).unwrap();
    let server = Server::start();
    // Over the in-memory limit (16 MiB), so the body is spooled to a temporary file.
    let mut members: Vec<(String, Vec<u8>)> = ["RUSTSEC-1", "RUSTSEC-2"]
        .iter()
        .map(|id| {
            (
                format!("{id}.json"),
                osv_json(id, "crates.io", "pkg", "1.0.0").into_bytes(),
            )
        })
        .collect();
    members.push(("padding.bin".into(), vec![b'x'; 17 * 1024 * 1024]));
    let big = zip_of(&members);
    assert!(big.len() > 17 * 1024 * 1024, "{}", big.len());
    server.put(Ecosystem::CratesIo, big, "\"c2\"");
    server.mode(Ecosystem::CratesIo, Mode::CutOff);
    let mut opts = server.opts(&[Ecosystem::CratesIo]);
    opts.progress = true;
    let failures = all_failed(update(&db, &opts));
    assert_eq!(failures.len(), 1);
    assert!(
        failed_reason(&failures[0].outcome).contains("cut off"),
        "{failures:?}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(dir_names(tmp.path()), vec!["vuln.db".to_string()]);
}

#[test]
fn empty_export_does_not_wipe_the_ecosystem() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    seed(
        &db,
        &[
            (Ecosystem::CratesIo, "\"c1\"", &["RUSTSEC-1"]),
            (Ecosystem::Go, "\"g1\"", &["GO-1"]),
        ],
    );
    let server = Server::start();
    server.put(Ecosystem::CratesIo, zip_of(&[]), "\"c2\"");
    server.put(Ecosystem::Go, export("Go", &["GO-1"]), "\"g1\"");
    let report = update(&db, &server.opts(&[Ecosystem::CratesIo, Ecosystem::Go])).unwrap();
    failed_reason(outcome(&report, Ecosystem::CratesIo));
    let st = status(&db);
    assert_eq!(
        source_of(&st, Ecosystem::CratesIo).etag.as_deref(),
        Some("\"c1\"")
    );
    assert!(has(&db, "RUSTSEC-1"));
}

#[test]
fn all_failing_is_an_error_and_leaves_the_db_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    seed(
        &db,
        &[
            (Ecosystem::CratesIo, "\"c1\"", &["RUSTSEC-1"]),
            (Ecosystem::PyPI, "\"p1\"", &["PYSEC-1"]),
        ],
    );
    let before = std::fs::read(&db).unwrap();
    let server = Server::start();
    server.mode(Ecosystem::CratesIo, Mode::Status(500));
    server.mode(Ecosystem::PyPI, Mode::Status(503));
    // Go is not served at all: 404.
    let err = update(
        &db,
        &server.opts(&[Ecosystem::CratesIo, Ecosystem::PyPI, Ecosystem::Go]),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("database was left as it was"), "{text}");
    assert!(text.contains("HTTP 503"), "{text}");
    assert!(text.contains("HTTP 404"), "{text}");
    assert!(text.contains("Go/all.zip"), "{text}");
    let UpdateError::AllFailed(failures) = err else {
        panic!("expected AllFailed");
    };
    assert_eq!(failures.len(), 3);
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(dir_names(tmp.path()), vec!["vuln.db".to_string()]);
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn unreachable_source_says_what_to_do_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let opts = UpdateOptions {
        source: format!("http://127.0.0.1:{port}"),
        ecosystems: vec![Ecosystem::PyPI],
        progress: false,
        timeout: Duration::from_secs(5),
    };
    let failures = all_failed(update(&db, &opts));
    let reason = failed_reason(&failures[0].outcome);
    assert!(
        reason.starts_with("cannot reach http://127.0.0.1"),
        "{reason}"
    );
    assert!(reason.contains("--source"), "{reason}");
    assert!(reason.contains("bulkhead db import"), "{reason}");
    assert!(!db.exists());
    assert!(dir_names(tmp.path()).is_empty());
}

#[test]
fn silent_server_times_out() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let server = Server::start();
    server.mode(Ecosystem::Npm, Mode::Hang);
    let mut opts = server.opts(&[Ecosystem::Npm]);
    opts.timeout = Duration::from_millis(800);
    let started = std::time::Instant::now();
    let failures = all_failed(update(&db, &opts));
    assert!(started.elapsed() < Duration::from_secs(3));
    let reason = failed_reason(&failures[0].outcome);
    assert!(reason.contains("no answer within 0.8s"), "{reason}");
    assert!(!db.exists());
}

#[test]
fn stalled_body_times_out_as_a_cut_off_download() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let server = Server::start();
    server.put(
        Ecosystem::NuGet,
        export("NuGet", &["GHSA-1", "GHSA-2"]),
        "\"n1\"",
    );
    server.mode(Ecosystem::NuGet, Mode::Stall);
    let mut opts = server.opts(&[Ecosystem::NuGet]);
    opts.timeout = Duration::from_millis(800);
    let started = std::time::Instant::now();
    let failures = all_failed(update(&db, &opts));
    assert!(started.elapsed() < Duration::from_secs(3));
    let reason = failed_reason(&failures[0].outcome);
    assert!(reason.contains("cut off"), "{reason}");
    assert!(reason.contains("timed out"), "{reason}");
    assert!(!db.exists());
}

#[test]
fn ecosystem_directories_are_percent_encoded_on_the_wire() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let server = Server::start();
    let failures = all_failed(update(
        &db,
        &server.opts(&[Ecosystem::Rocky, Ecosystem::RedHat, Ecosystem::CratesIo]),
    ));
    let mut paths: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "/Red%20Hat/all.zip",
            "/Rocky%20Linux/all.zip",
            "/crates.io/all.zip"
        ]
    );
    let reason = failed_reason(&failures[0].outcome);
    assert!(reason.contains("HTTP 404"), "{reason}");
    assert!(reason.contains("Rocky%20Linux/all.zip"), "{reason}");
}

#[test]
fn unusable_options_fail_before_touching_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let mut opts = UpdateOptions {
        ecosystems: vec![],
        ..UpdateOptions::default()
    };
    assert!(matches!(update(&db, &opts), Err(UpdateError::NoEcosystems)));
    opts.ecosystems = vec![Ecosystem::PyPI];
    opts.source = tmp.path().join("absent").display().to_string();
    let err = update(&db, &opts).unwrap_err();
    assert!(matches!(err, UpdateError::Source { .. }), "{err}");
    assert!(err.to_string().contains("laid out like the OSV bucket"));
    opts.source = "ftp://mirror.example/osv".into();
    assert!(matches!(
        update(&db, &opts),
        Err(UpdateError::Source { .. })
    ));
    assert!(dir_names(tmp.path()).is_empty());
}

#[test]
fn directory_source_without_the_export_names_the_expected_file() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let mirror = tempfile::tempdir().unwrap();
    let opts = UpdateOptions {
        source: mirror.path().display().to_string(),
        ecosystems: vec![Ecosystem::Rocky],
        progress: false,
        timeout: Duration::from_secs(5),
    };
    let failures = all_failed(update(&db, &opts));
    let reason = failed_reason(&failures[0].outcome);
    assert!(reason.contains("Rocky Linux/all.zip"), "{reason}");
    assert!(!db.exists());
}

// ---------------------------------------------------------------------------------------------------------
// [importer] Tests that need import_zip to turn OSV JSON members into advisories.

fn downloaded(o: &Outcome) -> (u64, usize, usize) {
    match o {
        Outcome::Downloaded {
            bytes,
            advisories,
            files,
            skipped,
            ..
        } => {
            assert!(skipped.is_empty(), "{skipped:?}");
            (*bytes, *advisories, *files)
        }
        other => panic!("expected a download, got {other:?}"),
    }
}

fn eco_count(st: &Status, eco: &str) -> i64 {
    st.ecosystems
        .iter()
        .filter(|c| c.ecosystem == eco)
        .map(|c| c.advisories)
        .sum()
}

#[test]
fn first_update_downloads_and_stores_every_ecosystem() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("cache").join("vuln.db");
    let server = Server::start();
    let crates = export("crates.io", &["RUSTSEC-1", "RUSTSEC-2", "RUSTSEC-3"]);
    let crates_len = crates.len() as u64;
    server.put(Ecosystem::CratesIo, crates, "\"c1\"");
    server.put(Ecosystem::Go, export("Go", &["GO-1", "GO-2"]), "\"g1\"");
    server.put(Ecosystem::PyPI, export("PyPI", &["PYSEC-1"]), "\"p1\"");
    let ecos = [Ecosystem::CratesIo, Ecosystem::Go, Ecosystem::PyPI];
    let report = update(&db, &server.opts(&ecos)).unwrap();
    assert!(report.is_complete(), "{:?}", report.per_ecosystem);
    assert_eq!(
        downloaded(outcome(&report, Ecosystem::CratesIo)),
        (crates_len, 3, 3)
    );
    assert_eq!(downloaded(outcome(&report, Ecosystem::Go)).1, 2);
    assert_eq!(downloaded(outcome(&report, Ecosystem::PyPI)).1, 1);
    let st = status(&db);
    assert_eq!(st.advisories, 6);
    assert_eq!(eco_count(&st, "crates.io"), 3);
    assert_eq!(eco_count(&st, "Go"), 2);
    assert_eq!(eco_count(&st, "PyPI"), 1);
    let go = source_of(&st, Ecosystem::Go);
    assert_eq!(go.etag.as_deref(), Some("\"g1\""));
    assert_eq!(
        go.last_modified.as_deref(),
        Some("Sat, 01 Nov 2025 10:00:00 GMT")
    );
    assert_eq!(go.kind, "osv-zip");
    assert_eq!(go.location, export_url(&server.base, Ecosystem::Go));
    assert!(server.seen().iter().all(|s| s.if_none_match.is_none()));
    assert_eq!(report.status.advisories, 6);
}

#[test]
fn second_update_sends_if_none_match_and_does_not_download_again() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let server = Server::start();
    server.put(
        Ecosystem::CratesIo,
        export("crates.io", &["RUSTSEC-1", "RUSTSEC-2"]),
        "\"c1\"",
    );
    let opts = server.opts(&[Ecosystem::CratesIo]);
    let first = update(&db, &opts).unwrap();
    assert_eq!(downloaded(outcome(&first, Ecosystem::CratesIo)).1, 2);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE source SET imported_at = ?1", [OLD])
        .unwrap();
    let second = update(&db, &opts).unwrap();
    assert_eq!(outcome(&second, Ecosystem::CratesIo), &Outcome::NotModified);
    let seen = server.seen_for(Ecosystem::CratesIo);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"c1\""));
    assert_eq!(seen[1].status, 304);
    assert_eq!(seen.iter().filter(|s| s.body_sent).count(), 1);
    let st = status(&db);
    let src = source_of(&st, Ecosystem::CratesIo);
    assert_ne!(src.imported_at, OLD);
    assert_eq!(src.advisories, 2);
    assert!(has(&db, "RUSTSEC-1") && has(&db, "RUSTSEC-2"));
}

#[test]
fn changed_etag_downloads_again_and_replaces_the_ecosystem() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let server = Server::start();
    server.put(
        Ecosystem::CratesIo,
        export("crates.io", &["RUSTSEC-1", "RUSTSEC-2"]),
        "\"c1\"",
    );
    server.put(Ecosystem::Go, export("Go", &["GO-1"]), "\"g1\"");
    let opts = server.opts(&[Ecosystem::CratesIo, Ecosystem::Go]);
    update(&db, &opts).unwrap();
    server.put(
        Ecosystem::CratesIo,
        export("crates.io", &["RUSTSEC-3"]),
        "\"c2\"",
    );
    let report = update(&db, &opts).unwrap();
    assert_eq!(downloaded(outcome(&report, Ecosystem::CratesIo)).1, 1);
    assert_eq!(outcome(&report, Ecosystem::Go), &Outcome::NotModified);
    let seen = server.seen_for(Ecosystem::CratesIo);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"c1\""));
    assert!(!has(&db, "RUSTSEC-1") && !has(&db, "RUSTSEC-2"));
    assert!(has(&db, "RUSTSEC-3") && has(&db, "GO-1"));
    let st = status(&db);
    assert_eq!(
        source_of(&st, Ecosystem::CratesIo).etag.as_deref(),
        Some("\"c2\"")
    );
    assert_eq!(eco_count(&st, "crates.io"), 1);
}

#[test]
fn failing_ecosystem_keeps_its_records_while_another_downloads() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    seed(&db, &[(Ecosystem::CratesIo, "\"c1\"", &["RUSTSEC-1"])]);
    let server = Server::start();
    server.mode(Ecosystem::CratesIo, Mode::Status(500));
    server.put(Ecosystem::Go, export("Go", &["GO-1", "GO-2"]), "\"g1\"");
    let report = update(&db, &server.opts(&[Ecosystem::CratesIo, Ecosystem::Go])).unwrap();
    assert!(failed_reason(outcome(&report, Ecosystem::CratesIo)).contains("HTTP 500"));
    assert_eq!(downloaded(outcome(&report, Ecosystem::Go)).1, 2);
    let st = status(&db);
    assert_eq!(eco_count(&st, "crates.io"), 1);
    assert_eq!(eco_count(&st, "Go"), 2);
    assert_eq!(source_of(&st, Ecosystem::CratesIo).imported_at, OLD);
}

#[test]
fn directory_source_works_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let mirror = tempfile::tempdir().unwrap();
    for (eco, ids) in [
        (Ecosystem::Rocky, vec!["RLSA-2024:1", "RLSA-2024:2"]),
        (Ecosystem::CratesIo, vec!["RUSTSEC-1"]),
    ] {
        let dir = mirror.path().join(eco.osv_name());
        std::fs::create_dir_all(&dir).unwrap();
        let eco_string = if eco == Ecosystem::Rocky {
            "Rocky Linux:9"
        } else {
            eco.osv_name()
        };
        std::fs::write(dir.join("all.zip"), export(eco_string, &ids)).unwrap();
    }
    let mut opts = UpdateOptions {
        source: mirror.path().display().to_string(),
        ecosystems: vec![Ecosystem::Rocky, Ecosystem::CratesIo],
        progress: false,
        timeout: Duration::from_secs(5),
    };
    let report = update(&db, &opts).unwrap();
    assert_eq!(downloaded(outcome(&report, Ecosystem::Rocky)).1, 2);
    assert_eq!(downloaded(outcome(&report, Ecosystem::CratesIo)).1, 1);
    let st = status(&db);
    assert_eq!(eco_count(&st, "Rocky Linux"), 2);
    // Unchanged files are not imported again; the same tree as a file:// URL.
    opts.source = format!("file://{}", mirror.path().display());
    let again = update(&db, &opts).unwrap();
    assert_eq!(outcome(&again, Ecosystem::Rocky), &Outcome::NotModified);
    assert_eq!(status(&db).advisories, 3);
}

fn shared_advisories() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIP real-advisory update test: {} is absent", p.display());
        None
    }
}

/// The first `n` JSON files (sorted) of a directory as zip members.
fn real_members(dir: &Path, n: usize) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .take(n)
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn real_rustsec_and_go_records_update_over_http() {
    let Some(root) = shared_advisories() else {
        return;
    };
    let crates = real_members(&root.join("rustsec-osv/crates"), 50);
    let go = real_members(&root.join("golang-vulndb/data/osv"), 50);
    assert_eq!((crates.len(), go.len()), (50, 50));
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("vuln.db");
    let server = Server::start();
    server.put(Ecosystem::CratesIo, zip_of(&crates), "\"rc1\"");
    server.put(Ecosystem::Go, zip_of(&go), "\"go1\"");
    let report = update(&db, &server.opts(&[Ecosystem::CratesIo, Ecosystem::Go])).unwrap();
    let (_, crates_adv, crates_files) = downloaded(outcome(&report, Ecosystem::CratesIo));
    let (_, go_adv, go_files) = downloaded(outcome(&report, Ecosystem::Go));
    assert_eq!((crates_files, go_files), (50, 50));
    assert_eq!((crates_adv, go_adv), (50, 50));
    let st = status(&db);
    assert_eq!(st.advisories, 100);
    assert!(eco_count(&st, "crates.io") > 0 && eco_count(&st, "Go") > 0);
    let first_id = crates[0].0.trim_end_matches(".json");
    assert!(has(&db, first_id), "{first_id}");
}
