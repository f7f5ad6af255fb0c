//! The database and the matcher on hand-written advisories: atomic builds, read-only opening, bad files,
//! OSV range semantics, alias merging, distro namespaces and source packages.

use bulkhead_inventory::{Inventory, OsInfo, Package, PackageKind};
use bulkhead_vulndb::advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityScore};
use bulkhead_vulndb::matcher::scan;
use bulkhead_vulndb::severity::VulnSeverity;
use bulkhead_vulndb::store::{Builder, Db, DbError, SourceRecord};
use std::path::Path;

fn range(kind: RangeKind, events: &[(&str, &str)]) -> Range {
    Range {
        kind,
        events: events
            .iter()
            .map(|(k, v)| match *k {
                "introduced" => Event::Introduced(v.to_string()),
                "fixed" => Event::Fixed(v.to_string()),
                "last_affected" => Event::LastAffected(v.to_string()),
                _ => Event::Limit(v.to_string()),
            })
            .collect(),
    }
}

fn adv(id: &str, aliases: &[&str], affected: Vec<Affected>) -> Advisory {
    Advisory {
        id: id.into(),
        aliases: aliases.iter().map(|s| s.to_string()).collect(),
        summary: Some(format!("summary of {id}")),
        affected,
        ..Advisory::default()
    }
}

fn aff(eco: &str, name: &str, ranges: Vec<Range>, versions: &[&str]) -> Affected {
    Affected {
        ecosystem: eco.into(),
        name: name.into(),
        ranges,
        versions: versions.iter().map(|s| s.to_string()).collect(),
        ..Affected::default()
    }
}

fn source(name: &str) -> SourceRecord {
    SourceRecord {
        name: name.into(),
        location: format!("test:{name}"),
        kind: "test".into(),
        ..SourceRecord::default()
    }
}

fn corpus() -> Vec<Advisory> {
    let eco = RangeKind::Ecosystem;
    vec![
        // Two ranges: 1.0 <= v < 1.5, 2.0 <= v < 2.3.
        adv(
            "PYSEC-1",
            &["CVE-2020-0001"],
            vec![aff(
                "PyPI",
                "Demo_Pkg",
                vec![range(
                    eco,
                    &[
                        ("introduced", "1.0"),
                        ("fixed", "1.5"),
                        ("introduced", "2.0"),
                        ("fixed", "2.3"),
                    ],
                )],
                &[],
            )],
        ),
        // The same vulnerability under another id: must merge with PYSEC-1.
        adv(
            "GHSA-aaaa",
            &["CVE-2020-0001"],
            vec![aff(
                "PyPI",
                "demo-pkg",
                vec![range(eco, &[("introduced", "0"), ("fixed", "1.5")])],
                &[],
            )],
        ),
        // last_affected is inclusive.
        adv(
            "PYSEC-2",
            &[],
            vec![aff(
                "PyPI",
                "demo-pkg",
                vec![range(eco, &[("introduced", "0"), ("last_affected", "1.2")])],
                &[],
            )],
        ),
        // limit is exclusive; events given out of order.
        adv(
            "PYSEC-3",
            &[],
            vec![aff(
                "PyPI",
                "demo-pkg",
                vec![range(eco, &[("limit", "1.2"), ("introduced", "1.1")])],
                &[],
            )],
        ),
        // Only a versions list.
        adv(
            "PYSEC-4",
            &[],
            vec![aff("PyPI", "demo-pkg", vec![], &["1.1", "9.9"])],
        ),
        // Git ranges are never evaluated.
        adv(
            "PYSEC-5",
            &[],
            vec![aff(
                "PyPI",
                "demo-pkg",
                vec![range(
                    RangeKind::Git,
                    &[("introduced", "0"), ("fixed", "abc")],
                )],
                &[],
            )],
        ),
        // Withdrawn.
        Advisory {
            withdrawn: Some("2021-01-01T00:00:00Z".into()),
            ..adv(
                "PYSEC-6",
                &[],
                vec![aff(
                    "PyPI",
                    "demo-pkg",
                    vec![range(eco, &[("introduced", "0")])],
                    &[],
                )],
            )
        },
        // Distro advisory on the source package, for Debian 12 only.
        Advisory {
            severity: vec![SeverityScore {
                kind: "CVSS_V3".into(),
                score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            }],
            ..adv(
                "DSA-1-1",
                &["CVE-2020-0002"],
                vec![
                    aff(
                        "Debian:12",
                        "src",
                        vec![range(eco, &[("introduced", "0"), ("fixed", "2.0")])],
                        &[],
                    ),
                    aff(
                        "Debian:11",
                        "src",
                        vec![range(eco, &[("introduced", "0"), ("fixed", "1.0")])],
                        &[],
                    ),
                ],
            )
        },
    ]
}

fn build(path: &Path, advisories: &[Advisory]) {
    let mut b = Builder::start(path, false).unwrap();
    b.put_source(&source("corpus"), advisories).unwrap();
    b.commit().unwrap();
}

fn pkg(kind: PackageKind, name: &str, version: &str) -> Package {
    Package {
        kind: Some(kind),
        name: name.into(),
        version: version.into(),
        ..Package::default()
    }
}

fn ids_of(db: &Db, inv: &Inventory) -> Vec<(String, String, Vec<String>)> {
    let out = scan(db, inv).unwrap();
    out.matches
        .iter()
        .map(|m| {
            (
                inv.packages[m.package].version.clone(),
                m.id.clone(),
                m.fixed_versions.clone(),
            )
        })
        .collect()
}

#[test]
fn osv_range_semantics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.db");
    build(&path, &corpus());
    let db = Db::open(&path).unwrap();
    let case = |v: &str| {
        let inv = Inventory {
            packages: vec![pkg(PackageKind::Python, "demo.pkg", v)],
            ..Inventory::default()
        };
        let mut got: Vec<String> = ids_of(&db, &inv)
            .into_iter()
            .map(|(_, id, f)| format!("{id}>{}", f.join("|")))
            .collect();
        got.sort();
        got
    };
    // 0.5: GHSA-aaaa merged with PYSEC-1? PYSEC-1 does not cover 0.5, GHSA does (introduced 0).
    assert_eq!(case("0.5"), vec!["GHSA-aaaa>1.5", "PYSEC-2>"]);
    // 1.1: PYSEC-1 and GHSA-aaaa are one vulnerability; last_affected 1.2 and limit 1.2 and versions list hit.
    assert_eq!(
        case("1.1"),
        vec!["GHSA-aaaa>1.5", "PYSEC-2>", "PYSEC-3>", "PYSEC-4>"]
    );
    assert_eq!(
        case("1.2"),
        vec!["GHSA-aaaa>1.5", "PYSEC-2>"],
        "limit is exclusive, last_affected inclusive"
    );
    assert_eq!(case("1.3"), vec!["GHSA-aaaa>1.5"]);
    assert_eq!(case("1.5"), Vec::<String>::new(), "fixed is exclusive");
    assert_eq!(case("2.2"), vec!["PYSEC-1>2.3"]);
    assert_eq!(case("2.3"), Vec::<String>::new());
    assert_eq!(case("9.9"), vec!["PYSEC-4>"], "versions list");
}

#[test]
fn merged_vulnerability_lists_every_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.db");
    build(&path, &corpus());
    let db = Db::open(&path).unwrap();
    let inv = Inventory {
        packages: vec![pkg(PackageKind::Python, "Demo-Pkg", "1.4")],
        ..Inventory::default()
    };
    let out = scan(&db, &inv).unwrap();
    assert_eq!(out.matches.len(), 1, "{:?}", out.matches);
    let m = &out.matches[0];
    assert_eq!(m.id, "GHSA-aaaa");
    assert_eq!(m.aliases, vec!["CVE-2020-0001", "PYSEC-1"]);
    assert_eq!(m.fixed_versions, vec!["1.5"]);
    assert_eq!(m.severity, VulnSeverity::Unknown, "no vector, no rating");
}

#[test]
fn distro_packages_match_by_source_and_release() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.db");
    build(&path, &corpus());
    let db = Db::open(&path).unwrap();
    let mut bin = pkg(PackageKind::Deb, "libsrc1", "1.5");
    bin.source_name = Some("src".into());
    let os = |v: &str| OsInfo {
        id: "debian".into(),
        version_id: Some(v.into()),
        ..OsInfo::default()
    };
    let inv = Inventory {
        os: Some(os("12")),
        packages: vec![bin.clone()],
        ..Inventory::default()
    };
    let out = scan(&db, &inv).unwrap();
    assert_eq!(out.namespace.as_deref(), Some("Debian:12"));
    assert_eq!(out.matches.len(), 1);
    assert_eq!(out.matches[0].id, "DSA-1-1");
    assert_eq!(out.matches[0].severity, VulnSeverity::Critical);
    assert_eq!(out.matches[0].cvss_score, Some(9.8));
    assert_eq!(out.matches[0].fixed_versions, vec!["2.0"]);
    // Debian 11's fix is 1.0: 1.5 is not affected there.
    let inv11 = Inventory {
        os: Some(os("11")),
        ..inv.clone()
    };
    assert!(scan(&db, &inv11).unwrap().matches.is_empty());
    // A release the database lacks: said, not silently clean.
    let inv10 = Inventory {
        os: Some(os("10")),
        ..inv
    };
    let out = scan(&db, &inv10).unwrap();
    assert!(out.matches.is_empty());
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("no advisories for Debian 10")),
        "{:?}",
        out.notes
    );
}

#[test]
fn unparseable_installed_version_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.db");
    build(&path, &corpus());
    let db = Db::open(&path).unwrap();
    let inv = Inventory {
        packages: vec![pkg(PackageKind::Python, "demo-pkg", "not a version!")],
        ..Inventory::default()
    };
    let out = scan(&db, &inv).unwrap();
    assert!(out.matches.is_empty());
    assert_eq!(out.unparsed.len(), 1, "{:?}", out.unparsed);
    assert!(out.unparsed[0].reason.contains("not a version!"));
}

#[test]
fn rebuild_replaces_a_source_and_keeps_others() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.db");
    build(&path, &corpus());
    let mut b = Builder::start(&path, true).unwrap();
    b.put_source(
        &source("other"),
        &[adv(
            "RUSTSEC-1",
            &[],
            vec![aff("crates.io", "x", vec![], &["1.0.0"])],
        )],
    )
    .unwrap();
    let status = b.commit().unwrap();
    assert_eq!(status.advisories, 9);
    let mut b = Builder::start(&path, true).unwrap();
    b.put_source(&source("corpus"), &corpus()[..2]).unwrap();
    let status = b.commit().unwrap();
    assert_eq!(
        status.advisories, 3,
        "corpus replaced by its first two records, other kept"
    );
    assert_eq!(status.sources.len(), 2);
    let names: Vec<_> = status
        .ecosystems
        .iter()
        .map(|e| format!("{}:{}", e.ecosystem, e.release))
        .collect();
    assert_eq!(names, vec!["PyPI:", "crates.io:"]);
    // No temporary file is left beside the database.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn abandoned_build_leaves_the_previous_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.db");
    build(&path, &corpus());
    let before = std::fs::read(&path).unwrap();
    {
        let mut b = Builder::start(&path, true).unwrap();
        b.put_source(&source("corpus"), &[]).unwrap();
        assert!(b.temp_path().exists());
        // dropped without commit
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(Db::open(&path).unwrap().status().unwrap().advisories, 8);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn missing_foreign_and_corrupt_files_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let err = Db::open(&missing).err().unwrap();
    assert!(matches!(err, DbError::Missing { .. }));
    assert!(err.to_string().contains("bulkhead db update"), "{err}");

    let foreign = dir.path().join("foreign.db");
    let conn = rusqlite_open(&foreign);
    drop(conn);
    let err = Db::open(&foreign).err().unwrap();
    assert!(err.to_string().contains("not one bulkhead built"), "{err}");
    assert!(err.to_string().contains(&foreign.display().to_string()));
    assert!(err.to_string().contains("bulkhead db update"));
    // ... and a build never overwrites it.
    let before = std::fs::read(&foreign).unwrap();
    let err = Builder::start(&foreign, false).err().unwrap();
    assert!(
        err.to_string()
            .contains("another program's SQLite database"),
        "{err}"
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(
        &corrupt,
        b"this is not sqlite at all, just some bytes that go on for a while ........",
    )
    .unwrap();
    let err = Db::open(&corrupt).err().unwrap();
    assert!(matches!(err, DbError::Invalid { .. }), "{err}");
    assert!(err.to_string().contains("bulkhead db update"), "{err}");
    // A corrupt file is what `db update` is for: a build replaces it.
    let mut b = Builder::start(&corrupt, true).unwrap();
    b.put_source(&source("corpus"), &corpus()).unwrap();
    assert_eq!(b.commit().unwrap().advisories, 8);
}

fn rusqlite_open(path: &Path) -> rusqlite::Connection {
    // Another program's SQLite database.
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('x');")
        .unwrap();
    conn
}

/// Ecosystem orders decide, not string comparison: dpkg epochs and `~`, apk revisions, Go's `go1.19.8`
/// toolchain form against vulndb's SemVer events, npm prereleases.
#[test]
fn ecosystem_orders_decide_matches() {
    let eco = RangeKind::Ecosystem;
    let advisories = vec![
        adv(
            "DSA-9-1",
            &[],
            vec![aff(
                "Debian:12",
                "epochal",
                vec![range(eco, &[("introduced", "0"), ("fixed", "1:2.0-1")])],
                &[],
            )],
        ),
        adv(
            "DSA-9-2",
            &[],
            vec![aff(
                "Debian:12",
                "tilde",
                vec![range(eco, &[("introduced", "0"), ("fixed", "1.0-1")])],
                &[],
            )],
        ),
        adv(
            "ALPINE-CVE-9-1",
            &[],
            vec![aff(
                "Alpine:v3.9",
                "musl",
                vec![range(eco, &[("introduced", "0"), ("fixed", "1.1.20-r10")])],
                &[],
            )],
        ),
        adv(
            "GO-9-1",
            &[],
            vec![aff(
                "Go",
                "stdlib",
                vec![range(
                    RangeKind::Semver,
                    &[
                        ("introduced", "0"),
                        ("fixed", "1.19.9"),
                        ("introduced", "1.20.0-0"),
                        ("fixed", "1.20.4"),
                    ],
                )],
                &[],
            )],
        ),
        adv(
            "GHSA-npm-pre",
            &[],
            vec![aff(
                "npm",
                "pre",
                vec![range(
                    RangeKind::Semver,
                    &[("introduced", "2.0.0-rc.1"), ("fixed", "2.0.0")],
                )],
                &[],
            )],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.db");
    build(&path, &advisories);
    let db = Db::open(&path).unwrap();
    let os = |id: &str, v: &str| OsInfo {
        id: id.into(),
        version_id: Some(v.into()),
        ..OsInfo::default()
    };
    let hit = |os_info: Option<OsInfo>, p: Package| -> Vec<String> {
        let inv = Inventory {
            os: os_info,
            packages: vec![p],
            ..Inventory::default()
        };
        let out = scan(&db, &inv).unwrap();
        assert!(out.unparsed.is_empty(), "{:?}", out.unparsed);
        out.matches.into_iter().map(|m| m.id).collect()
    };
    let deb = |name: &str, v: &str| pkg(PackageKind::Deb, name, v);
    // 3.0-1 has epoch 0: below 1:2.0-1.
    assert_eq!(
        hit(Some(os("debian", "12")), deb("epochal", "3.0-1")),
        vec!["DSA-9-1"]
    );
    assert!(hit(Some(os("debian", "12")), deb("epochal", "1:2.0-1")).is_empty());
    // ~ sorts before: 1.0~rc1-1 < 1.0-1.
    assert_eq!(
        hit(Some(os("debian", "12")), deb("tilde", "1.0~rc1-1")),
        vec!["DSA-9-2"]
    );
    assert!(hit(Some(os("debian", "12")), deb("tilde", "1.0-1+b1")).is_empty());
    // apk: -r9 < -r10 (string order would say otherwise).
    let apk = |v: &str| pkg(PackageKind::Apk, "musl", v);
    assert_eq!(
        hit(Some(os("alpine", "3.9.6")), apk("1.1.20-r9")),
        vec!["ALPINE-CVE-9-1"]
    );
    assert!(hit(Some(os("alpine", "3.9.6")), apk("1.1.20-r10")).is_empty());
    // Go binaries report `go1.19.8`-style versions; the inventory strips `go`.
    let go = |v: &str| pkg(PackageKind::Go, "stdlib", v);
    assert_eq!(hit(None, go("1.19.8")), vec!["GO-9-1"]);
    assert!(hit(None, go("1.19.9")).is_empty());
    assert_eq!(hit(None, go("1.20.3")), vec!["GO-9-1"]);
    assert_eq!(
        hit(None, go("1.20rc2")),
        vec!["GO-9-1"],
        "a release candidate of 1.20 is in [1.20.0-0, 1.20.4)"
    );
    // npm: 2.0.0-rc.2 is in [2.0.0-rc.1, 2.0.0).
    let npm = |v: &str| pkg(PackageKind::Npm, "pre", v);
    assert_eq!(hit(None, npm("2.0.0-rc.2")), vec!["GHSA-npm-pre"]);
    assert!(hit(None, npm("2.0.0")).is_empty());
    assert!(hit(None, npm("1.9.9")).is_empty());
}
