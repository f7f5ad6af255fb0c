//! Hostile input: random bytes, truncations and byte flips of real records reach every cataloger;
//! none may panic, and whatever comes out must be well-formed packages.

mod common;

use std::time::Instant;

use bulkhead_inventory::{FileResult, lang};
use common::{Rng, fixture, jar};

/// One path per cataloger (the binary path is owned by none, so dispatch goes by magic).
const PATHS: &[&str] = &[
    "/usr/lib/python3/dist-packages/x-1.dist-info/METADATA",
    "/usr/lib/python3/dist-packages/x-1.egg-info",
    "/app/node_modules/x/package.json",
    "/app/package-lock.json",
    "/app/yarn.lock",
    "/src/Cargo.lock",
    "/app/vendor/composer/installed.json",
    "/usr/local/bundle/specifications/x-1.gemspec",
    "/opt/app/x.jar",
    "/usr/local/bin/x",
];

/// Catalogs `data` at `path` and checks the result's shape; whether an error was reported.
fn check(path: &str, data: &[u8]) -> bool {
    let r: Option<FileResult> = lang::catalog(path, data);
    if let Some(r) = &r {
        for p in &r.packages {
            assert!(p.kind.is_some(), "{path}: package without kind: {p:?}");
            assert!(!p.name.is_empty(), "{path}: package without name: {p:?}");
            assert!(
                p.purl.is_empty() && p.locations.is_empty(),
                "{path}: assemble's fields set"
            );
        }
        if let Some(e) = &r.error {
            assert!(!e.is_empty(), "{path}: empty error");
        }
    }
    r.is_some_and(|r| r.error.is_some())
}

#[test]
fn random_bytes_reach_every_cataloger() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let prefixes: &[&[u8]] = &[
        b"",
        b"\x7fELF\x02\x01\x01",
        b"MZ",
        b"\xcf\xfa\xed\xfe",
        b"PK\x03\x04",
        b"{",
        b"[[package]]\n",
    ];
    for round in 0..400 {
        let prefix = prefixes[round % prefixes.len()];
        let mut data = prefix.to_vec();
        let n = rng.below(4096);
        data.extend(rng.bytes(n));
        for path in PATHS {
            check(path, &data);
        }
    }
}

/// Real or realistic records of every kind, with the path they are read under.
fn samples() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let tree = [
        (
            "tree/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
            PATHS[0],
        ),
        (
            "tree/usr/lib/python3/dist-packages/Brlapi-0.8.4.egg-info",
            PATHS[1],
        ),
        ("tree/app/node_modules/@scope/pkg/package.json", PATHS[2]),
        ("tree/app/package-lock.json", PATHS[3]),
        ("tree/app/yarn.lock", PATHS[4]),
        ("rust/hello/Cargo.lock", PATHS[5]),
        ("tree/var/www/vendor/composer/installed.json", PATHS[6]),
        (
            "tree/usr/local/bundle/specifications/rake-13.0.6.gemspec",
            PATHS[7],
        ),
    ];
    for (rel, path) in tree {
        out.push((path.to_string(), fixture(rel)));
    }
    let inner = jar(&[(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\nImplementation-Version: 1\n",
    )]);
    out.push((
        PATHS[8].to_string(),
        jar(&[
            (
                "META-INF/maven/g/a/pom.properties",
                b"groupId=g\nartifactId=a\nversion=1\n",
            ),
            ("WEB-INF/lib/inner-1.jar", &inner),
        ]),
    ));
    out
}

#[test]
fn truncated_and_flipped_records() {
    let mut rng = Rng(42);
    for (path, data) in samples() {
        for cut in 0..data.len().min(600) {
            check(&path, &data[..cut]);
        }
        for _ in 0..300 {
            let mut mutated = data.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(mutated.len());
                mutated[at] = rng.next() as u8;
            }
            check(&path, &mutated);
        }
    }
}

/// Offset of the Go build-info header in a file.
fn find(data: &[u8], needle: &[u8]) -> Option<usize> {
    data.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn mutated_executables() {
    let mut rng = Rng(7);
    let started = Instant::now();
    let mut errors = 0;
    for rel in ["go/app", "rust/hello-auditable"] {
        let data = fixture(rel);
        // Where the interesting structures are: ELF and program headers, section headers (at the end),
        // the Go build info and the audit data.
        let mut hot = vec![
            0..256usize.min(data.len()),
            data.len().saturating_sub(4096)..data.len(),
        ];
        if let Some(at) = find(&data, b"\xff Go buildinf:") {
            hot.push(at..(at + 512).min(data.len()));
        }
        if let Some(at) = find(&data, b"\x78\x9c") {
            hot.push(at..(at + 256).min(data.len()));
        }
        for _ in 0..300 {
            let mut mutated = data.clone();
            for _ in 0..1 + rng.below(3) {
                let range = &hot[rng.below(hot.len())];
                let at = range.start + rng.below(range.len());
                mutated[at] = rng.next() as u8;
            }
            errors += usize::from(check("/usr/local/bin/x", &mutated));
        }
        for cut in [0, 4, 16, 64, 1000, data.len() / 2, data.len() - 1] {
            check("/usr/local/bin/x", &data[..cut]);
        }
    }
    eprintln!(
        "mutated executables: {errors} errors reported, {:?}",
        started.elapsed()
    );
    // Damaged build info or audit data must be reported, not silently dropped.
    assert!(errors > 0);
}
