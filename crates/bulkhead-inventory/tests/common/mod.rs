//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `tests/fixtures/<rel>` of this crate.
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    match std::fs::read(&path) {
        Ok(data) => data,
        Err(e) => panic!("fixture {}: {e}", path.display()),
    }
}

/// `../shared/data/<rel>` seen from the workspace root, or `None` (with a loud SKIP) when absent.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("SKIP: {} is absent (no ../shared/data)", path.display());
        None
    }
}

/// Read a shared data file (caller checked it exists).
pub fn read(path: &std::path::Path) -> Vec<u8> {
    match std::fs::read(path) {
        Ok(data) => data,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// A small deterministic generator (xorshift64) for robustness tests.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}
