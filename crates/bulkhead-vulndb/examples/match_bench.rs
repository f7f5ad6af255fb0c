//! Matching benchmark: an inventory of N real package names taken from the database itself (so every
//! package has advisories to evaluate), each at a version picked from its own advisories' events, matched
//! against the database.
//!
//! `cargo run --release -p bulkhead-vulndb --example match_bench -- DB [N]` (N defaults to 10,000).

use bulkhead_inventory::{Inventory, OsInfo, Package, PackageKind};
use bulkhead_vulndb::Ecosystem;
use bulkhead_vulndb::store::Db;
use std::time::Instant;

fn kind_of(eco: Ecosystem) -> Option<PackageKind> {
    Some(match eco {
        Ecosystem::PyPI => PackageKind::Python,
        Ecosystem::Npm => PackageKind::Npm,
        Ecosystem::Go => PackageKind::Go,
        Ecosystem::CratesIo => PackageKind::Cargo,
        Ecosystem::RubyGems => PackageKind::Gem,
        Ecosystem::Packagist => PackageKind::Composer,
        Ecosystem::AlmaLinux => PackageKind::Rpm,
        _ => return None,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: match_bench DB [N]")?;
    let n: usize = args
        .get(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // One row per (ecosystem, name): a version from its first event that is not "0".
    let mut stmt = conn.prepare(
        "SELECT ecosystem, release, name, min(body) FROM affected WHERE (ecosystem != 'AlmaLinux' OR release = '9') \
         GROUP BY ecosystem, release, name ORDER BY ecosystem, name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut packages = Vec::new();
    for row in rows {
        let (eco, _release, name, body) = row?;
        let Some(eco) = Ecosystem::from_osv(&eco) else {
            continue;
        };
        let Some(kind) = kind_of(eco) else { continue };
        let affected: serde_json::Value = serde_json::from_str(&body)?;
        let version = affected["ranges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["kind"] != "GIT")
            .filter_map(|r| r["events"].as_array())
            .flatten()
            .flat_map(|e| e.as_object())
            .flat_map(|o| o.values())
            .find_map(|v| v.as_str().filter(|s| *s != "0"))
            .or_else(|| affected["versions"][0].as_str())
            .unwrap_or("1.0.0")
            .to_string();
        let (namespace, name) = match kind {
            PackageKind::Npm => match name.strip_prefix('@').and_then(|s| s.split_once('/')) {
                Some((scope, n)) => (Some(scope.to_string()), n.to_string()),
                None => (None, name),
            },
            PackageKind::Composer => match name.split_once('/') {
                Some((v, n)) => (Some(v.to_string()), n.to_string()),
                None => (None, name),
            },
            _ => (None, name),
        };
        packages.push(Package {
            kind: Some(kind),
            name,
            namespace,
            version,
            ..Package::default()
        });
        if packages.len() >= n {
            break;
        }
    }
    // Fewer distinct names than asked: the same names again at the next event's version.
    let distinct = packages.len();
    let mut round = 0;
    while packages.len() < n && distinct > 0 {
        let mut p = packages[round % distinct].clone();
        p.version = format!("{}.{}", p.version, 1 + round / distinct);
        packages.push(p);
        round += 1;
    }
    let inv = Inventory {
        os: Some(OsInfo {
            id: "almalinux".into(),
            version_id: Some("9.3".into()),
            ..OsInfo::default()
        }),
        packages,
        notes: vec![],
    };
    let db = Db::open(std::path::Path::new(path))?;
    let started = Instant::now();
    let out = bulkhead_vulndb::matcher::scan(&db, &inv)?;
    let elapsed = started.elapsed();
    println!(
        "matched {} packages in {:.3} s: {} vulnerabilities, {} versions not understood",
        inv.packages.len(),
        elapsed.as_secs_f64(),
        out.matches.len(),
        out.unparsed.len()
    );
    for u in out.unparsed.iter().take(8) {
        println!("  not understood: {} {}: {}", u.name, u.version, u.reason);
    }
    Ok(())
}
