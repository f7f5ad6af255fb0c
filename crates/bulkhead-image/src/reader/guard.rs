//! A watch over the tar headers of an uncompressed layer stream, for the one allocation the tar crate
//! makes from a header's word: it loads PAX extended headers and GNU long names whole. A header that
//! declares more than [`MAX_EXTENDED`] bytes for one of those is refused before any of it is read.
//!
//! The watch follows the tar structure (each header's size, or its PAX `size` override, gives where the
//! next header starts) and steps aside (stops watching) at anything it does not model, such as GNU sparse
//! files, leaving the judgement to the tar parser.

use std::io::{self, Read, Seek, SeekFrom};

/// Largest PAX extended header or GNU long name/link accepted (bytes).
pub(crate) const MAX_EXTENDED: u64 = 1 << 20;

enum State {
    /// Inside entry data (or padding) until the next header.
    Data,
    /// Collecting the 512 bytes of a header.
    Header(Vec<u8>),
    /// Collecting the records of a local PAX header (bytes left, bytes so far).
    Pax(u64, Vec<u8>),
}

pub(crate) struct HeaderGuard<R> {
    inner: R,
    /// Stream offset of the next byte `inner` gives.
    pos: u64,
    /// Offset of the next header.
    next: u64,
    state: State,
    watching: bool,
    /// The size a PAX `size` record set for the next entry.
    pending_size: Option<u64>,
}

impl<R: Read> HeaderGuard<R> {
    /// Watch the tar stream `inner`, which starts at a header.
    pub(crate) fn new(inner: R) -> Self {
        HeaderGuard {
            inner,
            pos: 0,
            next: 0,
            state: State::Data,
            watching: true,
            pending_size: None,
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut i = 0usize;
        while i < bytes.len() && self.watching {
            let at = self.pos + i as u64;
            let rest = bytes.get(i..).unwrap_or(&[]);
            match &mut self.state {
                State::Data => {
                    if at < self.next {
                        let skip = (self.next - at).min(rest.len() as u64) as usize;
                        i += skip;
                    } else {
                        self.state = State::Header(Vec::with_capacity(512));
                    }
                }
                State::Header(h) => {
                    let take = (512 - h.len()).min(rest.len());
                    h.extend_from_slice(rest.get(..take).unwrap_or(&[]));
                    i += take;
                    if h.len() == 512 {
                        let h = std::mem::take(h);
                        self.on_header(&h)?;
                    }
                }
                State::Pax(left, data) => {
                    let take = (*left).min(rest.len() as u64) as usize;
                    data.extend_from_slice(rest.get(..take).unwrap_or(&[]));
                    i += take;
                    *left -= take as u64;
                    if *left == 0 {
                        self.pending_size = pax_size(data);
                        self.state = State::Data;
                    }
                }
            }
        }
        Ok(())
    }

    fn on_header(&mut self, h: &[u8]) -> io::Result<()> {
        let start = self.next;
        self.state = State::Data;
        if h.iter().all(|b| *b == 0) {
            self.next = start + 512;
            return Ok(());
        }
        let (Some(&flag), Some(size), true) = (
            h.get(156),
            h.get(124..136).and_then(header_size),
            checksum_ok(h),
        ) else {
            // Not a header this watch understands (or it lost its way): leave it to the tar parser.
            self.watching = false;
            return Ok(());
        };
        let data = start + 512;
        match flag {
            b'x' | b'g' | b'L' | b'K' => {
                if size > MAX_EXTENDED {
                    return Err(io::Error::other(format!(
                        "an extended header (PAX or GNU long name, type `{}`) declares {size} bytes, more than {MAX_EXTENDED}: refusing to load it",
                        flag as char
                    )));
                }
                self.next = data.saturating_add(round_up(size));
                if flag == b'x' && size > 0 {
                    self.state = State::Pax(size, Vec::with_capacity(size as usize));
                }
            }
            b'S' => self.watching = false,
            _ => {
                let size = self.pending_size.take().unwrap_or(size);
                self.next = data.saturating_add(round_up(size));
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for HeaderGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.watching {
            self.feed(buf.get(..n).unwrap_or(&[]))?;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Seeking forward to the next header (what the tar parser does to skip entry data) keeps the watch;
/// any other seek ends it.
impl<R: Read + Seek> Seek for HeaderGuard<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let p = self.inner.seek(to)?;
        let skipping_data = matches!(self.state, State::Data) && p >= self.pos && p <= self.next;
        if !skipping_data {
            self.watching = false;
        }
        self.pos = p;
        Ok(p)
    }
}

fn round_up(size: u64) -> u64 {
    size.saturating_add(511) & !511
}

/// The size field: octal text, or base-256 when the high bit of the first byte is set.
fn header_size(field: &[u8]) -> Option<u64> {
    let first = *field.first()?;
    if first & 0x80 != 0 {
        let mut v: u64 = u64::from(first & 0x7f);
        for b in field.get(1..)? {
            v = v.checked_mul(256)?.checked_add(u64::from(*b))?;
        }
        return Some(v);
    }
    let text: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|b| *b == b' ')
        .take_while(|b| *b != 0 && *b != b' ')
        .collect();
    if text.is_empty() {
        return Some(0);
    }
    let s = std::str::from_utf8(&text).ok()?;
    u64::from_str_radix(s, 8).ok()
}

/// Whether the header's checksum field matches its bytes (the field itself counted as spaces).
fn checksum_ok(h: &[u8]) -> bool {
    let Some(field) = h.get(148..156).and_then(header_size) else {
        return false;
    };
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(*b)
            }
        })
        .sum();
    sum == field
}

/// The `size` record of PAX extended header data (`<len> size=<n>\n` records).
fn pax_size(data: &[u8]) -> Option<u64> {
    let mut rest = data;
    let mut found = None;
    while !rest.is_empty() {
        let space = rest.iter().position(|b| *b == b' ')?;
        let len: usize = std::str::from_utf8(rest.get(..space)?).ok()?.parse().ok()?;
        let record = rest.get(space + 1..len)?;
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(v) = record.strip_prefix(b"size=") {
            found = std::str::from_utf8(v).ok()?.parse().ok();
        }
        rest = rest.get(len..)?;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_fields() {
        assert_eq!(header_size(b"00000000012\0"), Some(10));
        assert_eq!(header_size(b"        \0\0\0\0"), Some(0));
        assert_eq!(
            header_size(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
            Some(256)
        );
        assert_eq!(header_size(b"0000000009z\0"), None);
        assert_eq!(pax_size(b"15 size=123456\n12 path=abc\n"), Some(123456));
        assert_eq!(pax_size(b"12 path=abc\n"), None);
        let mut h = tar::Header::new_gnu();
        h.set_size(5);
        h.set_cksum();
        assert!(checksum_ok(h.as_bytes()));
        let mut bad = h.as_bytes().to_vec();
        bad[0] ^= 1;
        assert!(!checksum_ok(&bad));
    }

    fn watched_to_the_end(tar: impl Read) -> bool {
        let mut g = HeaderGuard::new(tar);
        std::io::copy(&mut g, &mut std::io::sink()).unwrap();
        g.watching
    }

    #[test]
    fn follows_long_names_and_pax_headers_to_the_end() {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..30u32 {
            let mut h = tar::Header::new_gnu();
            h.set_size(u64::from(i) * 100);
            h.set_mode(0o644);
            h.set_cksum();
            let name = format!("{}/{i}", "n".repeat(90 + i as usize * 3));
            b.append_data(&mut h, name, &vec![1u8; i as usize * 100][..])
                .unwrap();
        }
        let tar = b.into_inner().unwrap();
        assert!(watched_to_the_end(tar.as_slice()));
    }

    #[test]
    fn follows_real_layers_to_the_end() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/rootfs/alpine");
        let Ok(f) = std::fs::File::open(dir.join("alpine-minirootfs-3.20.3-x86_64.tar.gz")) else {
            eprintln!("SKIP: ../shared/data is absent; the guard was not run over a real layer");
            return;
        };
        assert!(watched_to_the_end(flate2::read::MultiGzDecoder::new(f)));
    }

    #[test]
    fn keeps_watching_across_the_seeks_of_an_index() {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..5u32 {
            let mut h = tar::Header::new_gnu();
            h.set_size(1000);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, format!("{}/{i}", "n".repeat(120)), &[7u8; 1000][..])
                .unwrap();
        }
        let mut tar = b.into_inner().unwrap();
        tar.truncate(tar.len() - 1024);
        let mut h = tar::Header::new_ustar();
        h.set_path("pax").unwrap();
        h.set_entry_type(tar::EntryType::XHeader);
        h.set_size(50 << 20);
        h.set_cksum();
        tar.extend_from_slice(h.as_bytes());
        tar.resize(tar.len() + (2 << 20), b'9');
        let mut archive = tar::Archive::new(HeaderGuard::new(std::io::Cursor::new(tar)));
        let mut seen = 0;
        let mut refused = None;
        for e in archive.entries_with_seek().unwrap() {
            match e {
                Ok(_) => seen += 1,
                Err(e) => {
                    refused = Some(e.to_string());
                    break;
                }
            }
        }
        assert_eq!(seen, 5);
        assert!(refused.unwrap().contains("extended header"));
    }
}
