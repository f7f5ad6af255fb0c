//! Hostile input: random bytes for every OS file kind, mutated and truncated rpm databases of all three
//! backends, truncated and scrambled rpm header blobs, Berkeley DB pages with bogus offsets and looping
//! overflow chains, NDB slots pointing anywhere. Nothing may panic, hang or allocate without bound, and
//! what comes out must still be well-formed.

mod common;

use bulkhead_inventory::os::rpm::{self, Problems, bdb, header, ndb};
use bulkhead_inventory::{FileResult, catalog_file};
use common::Rng;

const OS_PATHS: [&str; 11] = [
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status.d/pkg",
    "/usr/lib/opkg/status",
    "/lib/apk/db/installed",
    "/var/lib/rpm/rpmdb.sqlite",
    "/usr/lib/sysimage/rpm/Packages.db",
    "/var/lib/rpm/Packages",
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
];

/// Every package that comes out has a name and a version.
fn well_formed(result: &FileResult, context: &str) {
    for p in &result.packages {
        assert!(
            !p.name.is_empty() && !p.version.is_empty(),
            "{context}: {p:?}"
        );
    }
}

#[test]
fn random_bytes_for_every_os_file() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let prefixes: [&[u8]; 5] = [
        b"",
        b"SQLite format 3\0",
        b"RpmP\0\0\0\0\0\0\0\0\x01\0\0\0",
        b"Package: a\nVersion: 1\n",
        b"P:a\nV:1\n",
    ];
    for round in 0..400 {
        let mut data = prefixes[round % prefixes.len()].to_vec();
        let len = rng.below(6000);
        data.extend(rng.bytes(len));
        if round % 7 == 0 && data.len() >= 32 {
            // A Berkeley DB hash magic and a plausible page size over random pages.
            data[12..16].copy_from_slice(&bdb::HASH_MAGIC.to_le_bytes());
            data[20..24].copy_from_slice(&512u32.to_le_bytes());
            data[24] = 0;
            data[25] = 8;
        }
        for path in OS_PATHS {
            let result = catalog_file(path, &data);
            well_formed(&result, path);
            if path.contains("/rpm/") && round % prefixes.len() == 0 && round % 7 != 0 {
                assert!(
                    result.error.is_some(),
                    "random bytes are not an rpm database"
                );
            }
        }
    }
}

fn mutate_and_truncate(file: &str, path: &str, rounds: usize, seed: u64) {
    let original = common::fixture(file);
    let mut rng = Rng(seed);
    for round in 0..rounds {
        let mut data = original.clone();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(data.len());
            data[at] = rng.next() as u8;
        }
        if round % 4 == 0 {
            data.truncate(rng.below(original.len()));
        }
        let result = catalog_file(path, &data);
        well_formed(&result, file);
        assert!(
            result.packages.len() <= 3,
            "{file} round {round}: {:?}",
            result.packages
        );
    }
}

#[test]
fn mutated_rpm_databases() {
    mutate_and_truncate("rpm/Packages", "/var/lib/rpm/Packages", 1500, 1);
    mutate_and_truncate(
        "rpm/Packages.db",
        "/usr/lib/sysimage/rpm/Packages.db",
        1500,
        2,
    );
    mutate_and_truncate("rpm/rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite", 150, 3);
}

/// The header blobs of the SQLite fixture.
fn fixture_blobs() -> Vec<Vec<u8>> {
    let data = common::fixture("rpm/rpmdb.sqlite");
    let blobs = rpm::sqlite::blobs(&data, &mut Problems::default());
    let Ok(blobs) = blobs else {
        panic!("{blobs:?}");
    };
    assert_eq!(blobs.len(), 3);
    blobs
}

#[test]
fn truncated_header_blobs_are_errors() {
    for blob in fixture_blobs() {
        assert!(header::parse(&blob).and_then(|h| rpm::package(&h)).is_ok());
        for cut in 0..blob.len() {
            let parsed = header::parse(&blob[..cut]);
            assert!(
                parsed.is_err(),
                "a blob cut at {cut} of {} parsed",
                blob.len()
            );
        }
    }
}

#[test]
fn scrambled_header_indexes_do_not_panic() {
    let mut rng = Rng(42);
    for blob in fixture_blobs() {
        let entries = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
        for _ in 0..2000 {
            let mut data = blob.clone();
            let entry = 8 + 16 * rng.below(entries);
            let field = entry + 4 * rng.below(4);
            let value = match rng.below(4) {
                0 => u32::MAX,
                1 => (blob.len() as u32).wrapping_sub(rng.below(8) as u32),
                2 => rng.below(16) as u32,
                _ => rng.next() as u32,
            };
            data[field..field + 4].copy_from_slice(&value.to_be_bytes());
            if let Ok(header) = header::parse(&data)
                && let Ok(Some(package)) = rpm::package(&header)
            {
                assert!(!package.name.is_empty());
            }
        }
    }
}

fn bdb_pages() -> (Vec<u8>, Vec<usize>, Vec<usize>) {
    let data = common::fixture("rpm/Packages");
    let hash: Vec<usize> = (1..data.len() / 4096)
        .filter(|&p| matches!(data[p * 4096 + 25], 2 | 13))
        .collect();
    let overflow: Vec<usize> = (1..data.len() / 4096)
        .filter(|&p| data[p * 4096 + 25] == 7)
        .collect();
    assert!(!hash.is_empty() && !overflow.is_empty());
    (data, hash, overflow)
}

#[test]
fn berkeley_pages_with_bogus_offsets() {
    let (original, hash_pages, _) = bdb_pages();
    let mut rng = Rng(7);
    for _ in 0..3000 {
        let mut data = original.clone();
        let page = hash_pages[rng.below(hash_pages.len())] * 4096;
        let entries = u16::from_le_bytes([data[page + 20], data[page + 21]]) as usize;
        match rng.below(4) {
            // An item offset anywhere.
            0 if entries > 0 => {
                let at = page + 26 + 2 * rng.below(entries);
                data[at..at + 2].copy_from_slice(&(rng.next() as u16).to_le_bytes());
            }
            // An entry count larger than the page.
            1 => data[page + 20..page + 22].copy_from_slice(&(rng.next() as u16).to_le_bytes()),
            // An off-page item's page number or total length anywhere.
            _ if entries > 0 => {
                let index = rng.below(entries);
                let at = page + 26 + 2 * index;
                let item = page + u16::from_le_bytes([data[at], data[at + 1]]) as usize;
                if item + 12 <= page + 4096 && data[item] == 3 {
                    let field = item + if rng.below(2) == 0 { 4 } else { 8 };
                    data[field..field + 4].copy_from_slice(&(rng.next() as u32).to_le_bytes());
                }
            }
            _ => {}
        }
        let result = catalog_file("/var/lib/rpm/Packages", &data);
        well_formed(&result, "bdb");
        assert!(result.packages.len() <= 3);
    }
}

#[test]
fn berkeley_overflow_chain_that_loops() {
    let (mut data, _, overflow) = bdb_pages();
    // Every overflow page points back at the first: a chain that never ends.
    let first = overflow[0] as u32;
    for &page in &overflow {
        data[page * 4096 + 16..page * 4096 + 20].copy_from_slice(&first.to_le_bytes());
        // Claim no bytes, so the chain makes no progress.
        data[page * 4096 + 22..page * 4096 + 24].copy_from_slice(&0u16.to_le_bytes());
    }
    let mut problems = Problems::default();
    let blobs = bdb::blobs(&data, &mut problems);
    assert!(blobs.is_ok());
    let summary = problems.summary().unwrap_or_default();
    assert!(summary.contains("overflow"), "{summary}");
    let result = catalog_file("/var/lib/rpm/Packages", &data);
    assert!(result.error.is_some_and(|e| e.contains("overflow")));
}

#[test]
fn ndb_slots_pointing_anywhere() {
    let original = common::fixture("rpm/Packages.db");
    let mut rng = Rng(11);
    for round in 0..3000 {
        let mut data = original.clone();
        // Slots 2..5 hold the three packages (slot 0 and 1 are the file header).
        let slot = 32 + 16 * rng.below(4);
        let field = slot + 4 * (1 + rng.below(3));
        let value = match round % 3 {
            0 => rng.next() as u32,
            1 => u32::MAX - rng.below(4) as u32,
            _ => rng.below(original.len() / 16 + 4) as u32,
        };
        data[field..field + 4].copy_from_slice(&value.to_le_bytes());
        let mut problems = Problems::default();
        let blobs = ndb::blobs(&data, &mut problems);
        let Ok(blobs) = blobs else {
            panic!("the file header is intact: {blobs:?}");
        };
        assert!(blobs.len() + problems.count() <= 4, "round {round}");
        let result = catalog_file("/usr/lib/sysimage/rpm/Packages.db", &data);
        well_formed(&result, "ndb");
    }
    // Two slots pointing at the same blob: the second is refused (package index mismatch).
    let mut data = original.clone();
    let first_blob = data[40..44].to_vec();
    data[56..60].copy_from_slice(&first_blob);
    let result = catalog_file("/usr/lib/sysimage/rpm/Packages.db", &data);
    assert_eq!(result.packages.len(), 2);
    assert!(result.error.is_some());
}
