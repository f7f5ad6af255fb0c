//! rpm's Berkeley DB backend (`/var/lib/rpm/Packages`, rpm < 4.16): a Berkeley DB *hash* database whose
//! keys are package numbers and whose values are header blobs.
//!
//! Format facts used (Berkeley DB 4.x/5.x on-disk layout, in the byte order of the machine that wrote
//! it, told by the magic):
//! - page 0 is the hash metadata page: magic `0x061561` at byte 12, version at 16, page size at 20,
//!   encryption algorithm at 24, page type 8 (hash metadata) at 25, last page number at 32;
//! - every other page starts with a 26-byte header: page number at 8, previous page at 12, next page at
//!   16, entry count (u16) at 20, high free offset (u16) at 22, level at 24, type at 25; an array of
//!   u16 item offsets follows;
//! - hash pages (type 13, or 2 unsorted) hold key/data item pairs; an item starts with its type:
//!   1 = inline bytes (length = previous item's offset, or the page size for the first, minus this one),
//!   3 = off-page: page number at +4, total length at +8;
//! - off-page values live in chains of overflow pages (type 7) whose byte count is the header's high
//!   free offset field, data from byte 26, linked by the next-page field.
//!
//! Every page is visited once in file order, so a hostile file cannot make the walk loop. Overflow
//! chains share one budget: in a sound file each overflow page belongs to one chain, so all chains
//! together visit at most as many pages as the file has and copy at most its size; a file whose
//! chains cross or repeat runs out of budget and is reported.

use std::cell::Cell;

use super::{Problems, u16_at, u32_at};

/// Hash database magic.
pub const HASH_MAGIC: u32 = 0x0006_1561;
/// Btree database magic (other Berkeley DB files; not rpm's `Packages`).
const BTREE_MAGIC: u32 = 0x0005_3162;

const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

/// Whether `data` starts like a Berkeley DB hash or btree file (either byte order).
pub fn looks_like(data: &[u8]) -> bool {
    let magic = |le: bool| u32_at(data, 12, le);
    [true, false]
        .iter()
        .any(|&le| matches!(magic(le), Some(HASH_MAGIC | BTREE_MAGIC)))
}

/// An open database: its bytes, byte order, page size and page count.
struct Db<'a> {
    data: &'a [u8],
    le: bool,
    page_size: usize,
    pages: usize,
    /// Overflow pages that may still be visited, all chains together.
    steps_left: Cell<usize>,
    /// Bytes that may still be copied out of items, all items together.
    bytes_left: Cell<usize>,
}

impl<'a> Db<'a> {
    fn page(&self, pgno: usize) -> Option<&'a [u8]> {
        if pgno >= self.pages {
            return None;
        }
        let start = pgno.checked_mul(self.page_size)?;
        self.data.get(start..start.checked_add(self.page_size)?)
    }

    /// Follow an overflow chain from `pgno` for `total` bytes.
    fn overflow(&self, mut pgno: u32, total: usize) -> Result<Vec<u8>, String> {
        let Some(bytes_left) = self.bytes_left.get().checked_sub(total) else {
            return Err(format!(
                "off-page item of {total} bytes: more than the file holds"
            ));
        };
        self.bytes_left.set(bytes_left);
        let mut out = Vec::with_capacity(total);
        while out.len() < total {
            if pgno == 0 {
                return Err(format!(
                    "overflow chain ends after {} of {total} bytes",
                    out.len()
                ));
            }
            let Some(steps_left) = self.steps_left.get().checked_sub(1) else {
                return Err("overflow chains visit more pages than the file has".into());
            };
            self.steps_left.set(steps_left);
            let page = usize::try_from(pgno)
                .ok()
                .and_then(|n| self.page(n))
                .ok_or_else(|| format!("overflow page {pgno} beyond the file"))?;
            if page.get(25) != Some(&P_OVERFLOW) {
                return Err(format!("page {pgno} is not an overflow page"));
            }
            let len = usize::from(u16_at(page, 22, self.le).unwrap_or_default());
            let chunk = page
                .get(PAGE_HEADER..PAGE_HEADER + len)
                .ok_or_else(|| format!("overflow page {pgno} claims {len} bytes"))?;
            let want = (total - out.len()).min(chunk.len());
            out.extend_from_slice(chunk.get(..want).unwrap_or_default());
            pgno = u32_at(page, 16, self.le).unwrap_or_default();
        }
        Ok(out)
    }

    /// The bytes of item `index` of a hash page, following it off-page if needed.
    fn item(&self, page: &[u8], entries: usize, index: usize) -> Result<Vec<u8>, String> {
        let offset_at = |i: usize| -> Option<usize> {
            u16_at(page, PAGE_HEADER + 2 * i, self.le).map(usize::from)
        };
        let start = offset_at(index).ok_or("item offset outside the page")?;
        let end = if index == 0 {
            self.page_size
        } else {
            offset_at(index - 1).ok_or("item offset outside the page")?
        };
        let first_data = PAGE_HEADER + 2 * entries;
        if start < first_data || end <= start || end > self.page_size {
            return Err(format!(
                "item {index} at bytes {start}..{end} is not inside the page's data"
            ));
        }
        let item = page.get(start..end).ok_or("item outside the page")?;
        match item.first() {
            Some(&H_KEYDATA) => {
                let bytes = item.get(1..).unwrap_or_default();
                let left = self.bytes_left.get().checked_sub(bytes.len());
                self.bytes_left
                    .set(left.ok_or("items overlap: more bytes than the file holds")?);
                Ok(bytes.to_vec())
            }
            Some(&H_OFFPAGE) => {
                let pgno = u32_at(item, 4, self.le).ok_or("short off-page item")?;
                let total = u32_at(item, 8, self.le).ok_or("short off-page item")?;
                self.overflow(pgno, usize::try_from(total).map_err(|e| e.to_string())?)
            }
            Some(other) => Err(format!(
                "item type {other} (duplicates are not used by rpm)"
            )),
            None => Err("empty item".into()),
        }
    }
}

/// Header blobs of an rpm Berkeley DB `Packages` file, recording problems with single items in `problems`.
pub fn blobs(data: &[u8], problems: &mut Problems) -> Result<Vec<Vec<u8>>, String> {
    let le = match (u32_at(data, 12, true), u32_at(data, 12, false)) {
        (Some(HASH_MAGIC), _) => true,
        (_, Some(HASH_MAGIC)) => false,
        (Some(BTREE_MAGIC), _) | (_, Some(BTREE_MAGIC)) => {
            return Err("Berkeley DB btree database, expected rpm's hash `Packages`".into());
        }
        _ => return Err("not a Berkeley DB hash database (magic 0x061561 missing)".into()),
    };
    let page_size = u32_at(data, 20, le).unwrap_or_default();
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!(
            "Berkeley DB page size {page_size} is not a power of two in 512..=65536"
        ));
    }
    if data.get(24).is_some_and(|&alg| alg != 0) {
        return Err("Berkeley DB database is encrypted".into());
    }
    if data.get(25) != Some(&P_HASHMETA) {
        return Err("Berkeley DB metadata page is not a hash metadata page".into());
    }
    let page_size = page_size as usize;
    let last_pgno = u32_at(data, 32, le).unwrap_or_default() as usize;
    let in_file = data.len() / page_size;
    let db = Db {
        data,
        le,
        page_size,
        pages: in_file.min(last_pgno.saturating_add(1)),
        steps_left: Cell::new(in_file),
        bytes_left: Cell::new(data.len()),
    };
    if in_file <= last_pgno {
        problems.push(format!(
            "file is truncated: {in_file} of {} pages present",
            last_pgno.saturating_add(1)
        ));
    }
    let mut blobs = Vec::new();
    for pgno in 1..db.pages {
        let Some(page) = db.page(pgno) else { break };
        if !matches!(page.get(25), Some(&(P_HASH | P_HASH_UNSORTED))) {
            continue;
        }
        let entries = usize::from(u16_at(page, 20, le).unwrap_or_default());
        if PAGE_HEADER + 2 * entries > page_size {
            problems.push(format!(
                "page {pgno}: {entries} entries do not fit the page"
            ));
            continue;
        }
        for pair in 0..entries / 2 {
            let key = db.item(page, entries, 2 * pair);
            // rpm keys packages by a 4-byte number; number 0 holds rpm's own counter, not a header.
            if let Ok(key) = &key
                && key.len() == 4
                && key.iter().all(|&b| b == 0)
            {
                continue;
            }
            match db.item(page, entries, 2 * pair + 1) {
                Ok(value) => blobs.push(value),
                Err(e) => problems.push(format!("page {pgno} item {}: {e}", 2 * pair + 1)),
            }
        }
    }
    Ok(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_hash_files() {
        assert!(blobs(b"", &mut Problems::default()).is_err());
        assert!(blobs(&[0u8; 4096], &mut Problems::default()).is_err());
        let mut btree = vec![0u8; 4096];
        btree[12..16].copy_from_slice(&BTREE_MAGIC.to_le_bytes());
        assert!(blobs(&btree, &mut Problems::default()).is_err_and(|e| e.contains("btree")));
        assert!(looks_like(&btree));
        let mut bad_page_size = vec![0u8; 4096];
        bad_page_size[12..16].copy_from_slice(&HASH_MAGIC.to_be_bytes());
        bad_page_size[20..24].copy_from_slice(&1000u32.to_be_bytes());
        assert!(
            blobs(&bad_page_size, &mut Problems::default()).is_err_and(|e| e.contains("page size"))
        );
    }
}
