//! rpm header blobs, as every rpm database backend stores them: the header without its 8-byte magic.
//!
//! Layout (all integers big-endian): `il` (u32, number of index entries), `dl` (u32, data store
//! length), `il` index entries of 16 bytes (`tag` i32, `type` u32, `offset` i32 into the store, `count`
//! u32), then the `dl`-byte data store. Strings are NUL-terminated in the store.

use super::u32_at;

/// `NAME` tag.
pub const TAG_NAME: u32 = 1000;
/// `VERSION` tag.
pub const TAG_VERSION: u32 = 1001;
/// `RELEASE` tag.
pub const TAG_RELEASE: u32 = 1002;
/// `EPOCH` tag (INT32).
pub const TAG_EPOCH: u32 = 1003;
/// `VENDOR` tag.
pub const TAG_VENDOR: u32 = 1011;
/// `LICENSE` tag.
pub const TAG_LICENSE: u32 = 1014;
/// `ARCH` tag.
pub const TAG_ARCH: u32 = 1022;
/// `SOURCERPM` tag (`name-version-release.src.rpm`).
pub const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm refuses headers with more index entries than this.
const MAX_INDEX_ENTRIES: u32 = 0xffff;
/// rpm refuses header data stores larger than this (256 MiB).
const MAX_DATA_LENGTH: u32 = 256 << 20;

/// One index entry.
#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
}

/// A parsed header: its index and its data store.
#[derive(Debug)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    store: &'a [u8],
}

/// Parse a header blob. Trailing bytes after the data store are tolerated (some backends pad).
pub fn parse(blob: &[u8]) -> Result<Header<'_>, String> {
    let (Some(il), Some(dl)) = (u32_at(blob, 0, false), u32_at(blob, 4, false)) else {
        return Err(format!(
            "header blob of {} bytes, expected at least 8",
            blob.len()
        ));
    };
    if il == 0 || il > MAX_INDEX_ENTRIES {
        return Err(format!("header index count {il} out of range 1..=65535"));
    }
    if dl > MAX_DATA_LENGTH {
        return Err(format!("header data length {dl} over 256 MiB"));
    }
    // il <= 0xffff and dl <= 256 MiB, so these cannot overflow usize on 32 or 64 bits.
    let index_len = il as usize * 16;
    let store_start = 8 + index_len;
    let store_end = store_start + dl as usize;
    let Some(store) = blob.get(store_start..store_end) else {
        return Err(format!(
            "header of {il} entries and {dl} data bytes needs {store_end} bytes, blob has {}",
            blob.len()
        ));
    };
    let index = blob.get(8..store_start).unwrap_or_default();
    let entries = index
        .chunks_exact(16)
        .map(|e| Entry {
            tag: u32_at(e, 0, false).unwrap_or_default(),
            ty: u32_at(e, 4, false).unwrap_or_default(),
            offset: u32_at(e, 8, false).unwrap_or_default(),
            count: u32_at(e, 12, false).unwrap_or_default(),
        })
        .collect();
    Ok(Header { entries, store })
}

impl<'a> Header<'a> {
    fn entry(&self, tag: u32) -> Option<Entry> {
        self.entries.iter().copied().find(|e| e.tag == tag)
    }

    /// A string tag (STRING, the first of a STRING_ARRAY or I18NSTRING); `None` when absent, of another
    /// type, or not NUL-terminated inside the store. Invalid UTF-8 is replaced.
    pub fn string(&self, tag: u32) -> Option<String> {
        let entry = self.entry(tag)?;
        if !matches!(entry.ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING)
            || entry.count == 0
        {
            return None;
        }
        let rest = self.store.get(usize::try_from(entry.offset).ok()?..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(rest.get(..end)?).into_owned())
    }

    /// The first value of an INT32 tag.
    pub fn int32(&self, tag: u32) -> Option<u32> {
        let entry = self.entry(tag)?;
        if entry.ty != TYPE_INT32 || entry.count == 0 {
            return None;
        }
        u32_at(self.store, usize::try_from(entry.offset).ok()?, false)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build a header blob from (tag, type, payload) triples (test helper for the backends' tests).
    pub(crate) fn build(entries: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut store = Vec::new();
        for (tag, ty, payload) in entries {
            if *ty == TYPE_INT32 {
                while store.len() % 4 != 0 {
                    store.push(0);
                }
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&ty.to_be_bytes());
            index.extend_from_slice(&(store.len() as u32).to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            store.extend_from_slice(payload);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(store.len() as u32).to_be_bytes());
        blob.extend(index);
        blob.extend(store);
        blob
    }

    pub(crate) fn s(text: &str) -> Vec<u8> {
        let mut v = text.as_bytes().to_vec();
        v.push(0);
        v
    }

    #[test]
    fn reads_strings_and_ints() {
        let blob = build(&[
            (TAG_NAME, TYPE_STRING, s("bash")),
            (TAG_EPOCH, TYPE_INT32, 3u32.to_be_bytes().to_vec()),
            (TAG_LICENSE, TYPE_I18NSTRING, s("GPLv3+")),
        ]);
        let header = parse(&blob).map_err(|e| e.to_string());
        let Ok(header) = header else {
            panic!("{header:?}");
        };
        assert_eq!(header.string(TAG_NAME).as_deref(), Some("bash"));
        assert_eq!(header.int32(TAG_EPOCH), Some(3));
        assert_eq!(header.string(TAG_LICENSE).as_deref(), Some("GPLv3+"));
        assert_eq!(header.string(TAG_VERSION), None);
        assert_eq!(header.int32(TAG_NAME), None, "type mismatch");
    }

    #[test]
    fn rejects_bad_blobs() {
        assert!(parse(&[]).is_err());
        assert!(parse(&[0, 0, 0, 0, 0, 0, 0, 0]).is_err(), "no entries");
        assert!(parse(&[0, 0, 0, 1, 0, 0, 0, 1]).is_err(), "truncated index");
        let blob = build(&[(TAG_NAME, TYPE_STRING, s("bash"))]);
        for cut in 0..blob.len() {
            let header = parse(&blob[..cut]);
            assert!(header.is_err(), "cut at {cut}");
        }
        // A string whose offset points past the store, and one without a terminating NUL.
        let mut blob = build(&[(TAG_NAME, TYPE_STRING, b"bash".to_vec())]);
        let header = parse(&blob).map(|h| h.string(TAG_NAME));
        assert_eq!(header.ok().flatten(), None);
        blob[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
        let header = parse(&blob).map(|h| (h.string(TAG_NAME), h.int32(TAG_NAME)));
        assert_eq!(header.ok(), Some((None, None)));
    }
}
