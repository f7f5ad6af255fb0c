//! Imports of the real advisory collections under `../shared/data/advisories` (skipped loudly when absent).

use bulkhead_vulndb::import::{Format, ImportOutcome, import_path};
use bulkhead_vulndb::{Advisory, Event, RangeKind};
use std::path::PathBuf;

fn advisories_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIP: {} is absent", dir.display());
        None
    }
}

fn import(sub: &str) -> Option<ImportOutcome> {
    let dir = advisories_dir()?.join(sub);
    match import_path(&dir) {
        Ok(o) => Some(o),
        Err(e) => panic!("{sub}: {e}"),
    }
}

fn find<'a>(o: &'a ImportOutcome, id: &str) -> &'a Advisory {
    match o.advisories.iter().find(|a| a.id == id) {
        Some(a) => a,
        None => panic!("{id} not imported"),
    }
}

fn introduced(v: &str) -> Event {
    Event::Introduced(v.into())
}
fn fixed(v: &str) -> Event {
    Event::Fixed(v.into())
}

#[test]
fn rustsec_every_file_is_an_advisory() {
    let Some(o) = import("rustsec-osv") else {
        return;
    };
    assert_eq!(o.files, 1206);
    assert_eq!(o.files_of(Format::Osv), 1206);
    assert!(o.skipped.is_empty(), "{:?}", o.skipped.first());
    assert_eq!(o.advisories.len(), 1206);
    let a = find(&o, "RUSTSEC-2016-0001");
    assert_eq!(a.aliases, ["CVE-2016-10931", "GHSA-34p9-f4q3-c4r7"]);
    assert_eq!(a.published.as_deref(), Some("2016-11-05T12:00:00Z"));
    assert_eq!(a.severity[0].kind, "CVSS_V3");
    let aff = &a.affected[0];
    assert_eq!(
        (aff.ecosystem.as_str(), aff.name.as_str()),
        ("crates.io", "openssl")
    );
    assert_eq!(aff.purl.as_deref(), Some("pkg:cargo/openssl"));
    assert_eq!(aff.ranges[0].kind, RangeKind::Semver);
    assert_eq!(
        aff.ranges[0].events,
        [introduced("0.0.0-0"), fixed("0.9.0")]
    );
    assert!(a.references[0].starts_with("https://rustsec.org/advisories/"));
}

#[test]
fn almalinux_rating_comes_from_the_summary() {
    let Some(dir) = advisories_dir() else { return };
    let file = dir.join("almalinux-osv/advisories/almalinux9/ALBA-2022:8256.json");
    let o = match import_path(&file) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let a = find(&o, "ALBA-2022:8256");
    assert_eq!(a.source_severity.as_deref(), Some("Important"));
    assert_eq!(a.affected[0].ecosystem, "AlmaLinux:9");
    assert_eq!(a.affected[0].name, "qatzip");
    assert_eq!(
        a.affected[0].ranges[0].events,
        [introduced("0"), fixed("1.0.9-1.el9")]
    );
}

#[test]
fn almalinux_ids_published_for_two_releases_are_one_advisory() {
    let Some(o) = import("almalinux-osv") else {
        return;
    };
    assert_eq!(o.files, 5680);
    assert!(o.skipped.is_empty(), "{:?}", o.skipped.first());
    // 37 ALSA ids exist under two or three of almalinux8/, almalinux9/, almalinux10/: 5,637 distinct ids.
    assert_eq!(o.advisories.len(), 5637);
    let a = find(&o, "ALSA-2024:0265");
    let mut ecos: Vec<&str> = a.affected.iter().map(|x| x.ecosystem.as_str()).collect();
    ecos.sort_unstable();
    ecos.dedup();
    assert_eq!(ecos, ["AlmaLinux:8", "AlmaLinux:9"]);
}

#[test]
fn psf_git_only_records_are_counted_not_fatal() {
    let Some(o) = import("psf-advisory-database") else {
        return;
    };
    assert_eq!(o.files, 132);
    assert!(o.skipped.is_empty(), "{:?}", o.skipped.first());
    // No package in any affected entry: nothing bulkhead can match.
    assert!(o.advisories.is_empty());
    assert_eq!(
        o.ignored_count("affected entry without a package (GIT ranges only)"),
        132
    );
    assert_eq!(
        o.ignored_count("advisory without an affected package bulkhead can match"),
        132
    );
}

#[test]
fn pypa_yaml_records() {
    let Some(o) = import("pypa-advisory-database") else {
        return;
    };
    assert_eq!(o.files, 2661);
    assert!(o.skipped.is_empty(), "{:?}", o.skipped.first());
    assert_eq!(o.advisories.len(), 2661);
    let a = find(&o, "PYSEC-2014-8");
    assert_eq!(a.aliases, ["CVE-2014-1402", "GHSA-8r7q-cvjq-x353"]);
    let aff = &a.affected[0];
    assert_eq!(
        (aff.ecosystem.as_str(), aff.name.as_str()),
        ("PyPI", "jinja2")
    );
    assert_eq!(aff.ranges[0].events, [introduced("0"), fixed("2.7.2")]);
    // Unquoted YAML versions stay text (`2.0` is not the float 2).
    assert_eq!(aff.versions.first().map(String::as_str), Some("2.0"));
    assert!(aff.versions.iter().any(|v| v == "2.0rc1"));
    // ADVISORY references first.
    assert_eq!(
        a.references[0],
        "http://advisories.mageia.org/MGASA-2014-0028.html"
    );
}

#[test]
fn alpine_legacy_secdb() {
    let Some(o) = import("alpine-secdb-legacy") else {
        return;
    };
    assert_eq!(o.files_of(Format::AlpineSecdb), 18);
    assert!(o.skipped.is_empty(), "{:?}", o.skipped.first());
    assert!(o.advisories.len() > 2000, "{}", o.advisories.len());
    assert!(o.advisories.iter().all(|a| a.id.starts_with("ALPINE-")));
    let mut releases: Vec<&str> = o
        .advisories
        .iter()
        .flat_map(|a| a.affected.iter().map(|x| x.ecosystem.as_str()))
        .collect();
    releases.sort_unstable();
    releases.dedup();
    assert_eq!(
        releases,
        [
            "Alpine:v3.10",
            "Alpine:v3.11",
            "Alpine:v3.3",
            "Alpine:v3.4",
            "Alpine:v3.5",
            "Alpine:v3.6",
            "Alpine:v3.7",
            "Alpine:v3.8",
            "Alpine:v3.9"
        ]
    );
    let a = find(&o, "ALPINE-CVE-2019-14904");
    assert_eq!(a.aliases, ["CVE-2019-14904"]);
    let v311 = a
        .affected
        .iter()
        .find(|x| x.ecosystem == "Alpine:v3.11" && x.name == "ansible");
    match v311 {
        Some(x) => assert_eq!(x.ranges[0].events, [introduced("0"), fixed("2.9.3-r0")]),
        None => panic!("no v3.11 ansible entry: {:?}", a.affected),
    }
    // A Xen line `CVE-2017-8904 XSA-214`: the XSA is an alias of the CVE's advisory.
    let xen = find(&o, "ALPINE-CVE-2017-8904");
    assert!(xen.aliases.iter().any(|x| x == "XSA-214"));
    // rsync `CVE-2017-17434-1` / `-2` (two patches) and ansible `CVE 2018-16859` name real CVEs.
    let rsync = find(&o, "ALPINE-CVE-2017-17434");
    assert!(rsync.affected.iter().any(|x| x.name == "rsync"));
    assert!(
        !o.advisories
            .iter()
            .any(|a| a.id == "ALPINE-CVE-2017-17434-1")
    );
    let ansible = find(&o, "ALPINE-CVE-2018-16859");
    assert!(
        ansible
            .affected
            .iter()
            .any(|x| x.ecosystem == "Alpine:v3.9")
    );
}

#[test]
fn debian_tracker_lists() {
    let Some(o) = import("debian-security-tracker") else {
        return;
    };
    assert_eq!(
        o.files_of(Format::DebianTracker),
        3,
        "CPE/list is not a DSA list"
    );
    assert!(o.skipped.is_empty(), "{:?}", o.skipped.first());
    let dsa = o
        .advisories
        .iter()
        .filter(|a| a.id.starts_with("DSA-"))
        .count();
    let dla = o
        .advisories
        .iter()
        .filter(|a| a.id.starts_with("DLA-"))
        .count();
    let dtsa = o
        .advisories
        .iter()
        .filter(|a| a.id.starts_with("DTSA-"))
        .count();
    assert!(dsa > 5000 && dla > 3000 && dtsa > 150, "{dsa} {dla} {dtsa}");
    let a = find(&o, "DSA-5378-1");
    assert_eq!(
        a.aliases,
        [
            "CVE-2022-23824",
            "CVE-2022-42331",
            "CVE-2022-42332",
            "CVE-2022-42333",
            "CVE-2022-42334"
        ]
    );
    assert_eq!(a.summary.as_deref(), Some("xen - security update"));
    assert_eq!(a.published.as_deref(), Some("2023-03-25T00:00:00Z"));
    assert_eq!(a.affected.len(), 1);
    assert_eq!(a.affected[0].ecosystem, "Debian:11");
    assert_eq!(a.affected[0].name, "xen");
    assert_eq!(
        a.affected[0].ranges[0].events,
        [introduced("0"), fixed("4.14.5+94-ge49571868d-1")]
    );
    let dla = find(&o, "DLA-3377-1");
    assert_eq!(dla.affected[0].ecosystem, "Debian:10");
    let dtsa = find(&o, "DTSA-1-1");
    assert_eq!(dtsa.published.as_deref(), Some("2005-08-26T00:00:00Z"));
    assert_eq!(
        dtsa.affected[0].ranges[0].events[1],
        fixed("2005.08.R1-0.1etch1")
    );
    assert!(o.ignored_count("Debian tracker <not-affected> entry (no fixed version)") > 0);
}

#[test]
fn nodejs_wg() {
    let Some(o) = import("nodejs-security-wg") else {
        return;
    };
    assert_eq!(
        o.ignored_count("Node.js core advisory: no npm package"),
        171
    );
    let npm = o.advisories.len();
    assert!(npm >= 460, "{npm} npm advisories; skipped {:?}", o.skipped);
    let a = find(&o, "NSWG-ECO-75");
    assert_eq!(a.summary.as_deref(), Some("Denial of Service"));
    assert_eq!(a.severity[0].kind, "CVSS_V3");
    let aff = &a.affected[0];
    assert_eq!(
        (aff.ecosystem.as_str(), aff.name.as_str()),
        ("npm", "mqtt-packet")
    );
    let events: Vec<&Vec<Event>> = aff.ranges.iter().map(|r| &r.events).collect();
    assert_eq!(
        events,
        [
            &vec![introduced("0"), fixed("3.4.6")],
            // `> 4.0.0 <4.0.5`: 4.0.0 itself is not affected.
            &vec![introduced("4.0.1-0"), fixed("4.0.5")]
        ]
    );
    let first = find(&o, "NSWG-ECO-1");
    assert_eq!(first.aliases, ["CVE-2014-7205"]);
    assert_eq!(
        first.affected[0].ranges[0].events,
        [introduced("0"), Event::LastAffected("1.5.1".into())]
    );
}

#[test]
fn rubysec_gems() {
    let Some(o) = import("rubysec-ruby-advisory-db") else {
        return;
    };
    assert_eq!(o.files_of(Format::RubySec), 1381);
    assert_eq!(
        o.ignored
            .iter()
            .filter(|(r, _)| r.contains("interpreter: no gem"))
            .map(|(_, n)| n)
            .sum::<usize>(),
        147
    );
    // Every gem file is an affected entry (files sharing an id are merged), skipped, or fully patched. With the
    // placeholder version order, records naming pre-releases are skipped; with the real RubyGems order none are.
    let entries: usize = o.advisories.iter().map(|a| a.affected.len()).sum();
    let covered =
        o.ignored_count("RubySec advisory whose patched/unaffected versions cover every version");
    assert_eq!(entries + o.skipped.len() + covered, 1234);
    assert!(o.advisories.len() > 1000);
    let a = find(&o, "GHSA-8fqx-7pv4-3jwm");
    assert_eq!(a.aliases, ["CVE-2008-7248"]);
    assert_eq!(a.source_severity.as_deref(), Some("MEDIUM"));
    assert_eq!(a.published.as_deref(), Some("2017-10-24T00:00:00Z"));
    let aff = &a.affected[0];
    assert_eq!(
        (aff.ecosystem.as_str(), aff.name.as_str()),
        ("RubyGems", "actionpack")
    );
    // unaffected `< 2.1.0`, patched `~> 2.1.3` and `>= 2.2.2`.
    assert_eq!(
        aff.ranges[0].events,
        [
            introduced("2.1.0"),
            fixed("2.1.3"),
            introduced("2.2"),
            fixed("2.2.2")
        ]
    );
}

#[test]
fn friendsofphp() {
    let Some(o) = import("friendsofphp-security-advisories") else {
        return;
    };
    assert_eq!(o.files_of(Format::FriendsOfPhp), 1592);
    assert!(o.skipped.is_empty(), "{:?}", o.skipped.first());
    assert!(o.advisories.len() > 1000);
    let a = find(&o, "FOP-cakephp/cakephp/2015-08-06");
    assert_eq!(
        a.summary.as_deref(),
        Some("Direct access of prefixed controller actions")
    );
    assert_eq!(a.published.as_deref(), Some("2015-08-06T22:08:00Z"));
    let aff = &a.affected[0];
    assert_eq!(
        (aff.ecosystem.as_str(), aff.name.as_str()),
        ("Packagist", "cakephp/cakephp")
    );
    assert_eq!(aff.ranges.len(), 8);
    assert_eq!(aff.ranges[0].events, [introduced("2.0.0"), fixed("2.0.99")]);
    assert_eq!(aff.ranges[7].events, [introduced("2.7.0"), fixed("2.7.2")]);
    // One CVE over several packages is one advisory.
    let ids: std::collections::HashSet<&str> = o.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), o.advisories.len());
    assert!(
        o.advisories
            .iter()
            .any(|a| a.id.starts_with("CVE-") && a.affected.len() > 1)
    );
}

#[test]
fn golang_vulndb() {
    let Some(o) = import("golang-vulndb") else {
        return;
    };
    assert_eq!(o.files, 4291);
    assert!(o.skipped.is_empty(), "{:?}", o.skipped.first());
    assert!(o.advisories.len() > 4000);
    assert!(
        o.advisories
            .iter()
            .all(|a| a.affected.iter().all(|x| x.ecosystem == "Go"))
    );
}

/// Release-mode timing of the whole directory: `cargo test -p bulkhead-vulndb --release --test import_shared
/// -- --ignored --nocapture whole_directory`.
#[test]
#[ignore = "timing of the whole ../shared advisories directory; run with --release"]
fn whole_directory() {
    let Some(dir) = advisories_dir() else { return };
    let t = std::time::Instant::now();
    let o = match import_path(&dir) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    let elapsed = t.elapsed();
    eprintln!(
        "advisories {} files {} skipped {} in {:.2?}",
        o.advisories.len(),
        o.files,
        o.skipped.len(),
        elapsed
    );
    eprintln!("formats {:?}", o.formats);
    let mut ids: Vec<&str> = o.advisories.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    eprintln!("distinct ids {}", ids.len());
    assert_eq!(
        ids.len(),
        o.advisories.len(),
        "records sharing an id are merged"
    );
    let mut per_eco: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for a in &o.advisories {
        for x in &a.affected {
            *per_eco
                .entry(x.ecosystem.split(':').next().unwrap_or(""))
                .or_default() += 1;
        }
    }
    eprintln!("affected entries per ecosystem {per_eco:?}");
    for (r, n) in &o.ignored {
        eprintln!("ignored {n:>6} {r}");
    }
    for s in o.skipped.iter().take(40) {
        eprintln!("skipped {}: {}", s.path, s.reason);
    }
    assert!(o.advisories.len() > 20_000);
}
