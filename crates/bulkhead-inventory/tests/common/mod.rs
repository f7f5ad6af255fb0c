//! Helpers shared by the integration tests: fixtures, shared data, a deterministic byte source, package
//! listings, and hand-built archives (a zip writer that can lie about sizes, a raw deflate stream of
//! zeros for zip bombs).
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use bulkhead_inventory::Package;

/// The path of `tests/fixtures/<rel>` of this crate.
pub fn fixture_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The bytes of `tests/fixtures/<rel>` of this crate.
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = fixture_path(rel);
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

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// `namespace/name@version` of each package, sorted.
pub fn ids(packages: &[Package]) -> Vec<String> {
    let mut v: Vec<String> = packages
        .iter()
        .map(|p| match &p.namespace {
            Some(ns) => format!("{ns}/{}@{}", p.name, p.version),
            None => format!("{}@{}", p.name, p.version),
        })
        .collect();
    v.sort();
    v
}

/// A jar built with the zip crate: `(entry name, contents)` deflated.
pub fn jar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, options).expect("start zip entry");
        w.write_all(data).expect("write zip entry");
    }
    w.finish().expect("finish zip").into_inner()
}

/// One entry of [`raw_zip`].
pub struct RawEntry<'a> {
    pub name: &'a str,
    /// 0 stored, 8 deflated.
    pub method: u16,
    /// Uncompressed size written in both headers (may be a lie).
    pub declared_size: u32,
    /// Bytes as stored (already compressed for method 8).
    pub data: &'a [u8],
}

/// A zip written by hand: local headers, central directory, end record. Stored entries get their CRC,
/// deflated ones zero (their inflated bytes are not known here).
pub fn raw_zip(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let crc = if e.method == 0 {
            let mut crc = flate2::Crc::new();
            crc.update(e.data);
            crc.sum()
        } else {
            0
        };
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&20u16.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&e.method.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // time
            h.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            h.extend_from_slice(&e.declared_size.to_le_bytes());
            h.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&0u16.to_le_bytes()); // comment
                h.extend_from_slice(&0u16.to_le_bytes()); // disk
                h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(e.name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(e.data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A raw deflate stream (one fixed-Huffman block) inflating to exactly `n` zero bytes: a literal 0,
/// back-references of length 258 at distance 1 (about 13 bits per 258 bytes), literal zeros for the rest.
pub fn deflated_zeros(n: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        len: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, bits: u32) {
            self.acc |= value << self.len;
            self.len += bits;
            while self.len >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.len -= 8;
            }
        }
        /// Huffman codes go most-significant bit first.
        fn code(&mut self, code: u64, bits: u32) {
            let mut reversed = 0;
            for i in 0..bits {
                reversed |= ((code >> i) & 1) << (bits - 1 - i);
            }
            self.put(reversed, bits);
        }
    }
    let mut b = Bits {
        out: Vec::new(),
        acc: 0,
        len: 0,
    };
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman
    if n > 0 {
        b.code(0x30, 8); // literal 0
        for _ in 0..(n - 1) / 258 {
            b.code(0xC5, 8); // length 258 (symbol 285)
            b.code(0, 5); // distance 1
        }
        for _ in 0..(n - 1) % 258 {
            b.code(0x30, 8);
        }
    }
    b.code(0, 7); // end of block
    b.put(0, 7); // flush
    b.out
}
