//! rpm's NDB backend (`/usr/lib/sysimage/rpm/Packages.db`, SUSE): a slot table followed by blobs.
//!
//! Format facts used (all integers little-endian):
//! - file header (32 bytes): magic `RpmP` at 0, version 0 at 4, generation at 8, number of 4 KiB slot
//!   pages at 12, next package index at 16;
//! - slots of 16 bytes fill the slot pages after the header: magic `Slot`, package index, block offset,
//!   block count (blocks are 16 bytes); a block offset of 0 marks a free slot;
//! - a blob at `block offset * 16`: head (magic `BlbS`, package index, generation, length), the header
//!   blob, padding, and in the last 12 bytes of its blocks the tail (Adler-32 of everything before the
//!   tail, length, magic `BlbE`).

use super::{Problems, u32_at};

/// `RpmP`, the file magic.
pub const MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8; 4] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";
const HEADER_SIZE: usize = 32;
const SLOT_SIZE: usize = 16;
const BLOCK_SIZE: usize = 16;
const PAGE_SIZE: usize = 4096;
const BLOB_HEAD: usize = 16;
const BLOB_TAIL: usize = 12;

/// Adler-32 (RFC 1950) of `data`.
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the longest run whose sums cannot overflow u32 before the modulo.
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Header blobs of an rpm NDB `Packages.db`, recording problems with single slots in `problems`.
pub fn blobs(data: &[u8], problems: &mut Problems) -> Result<Vec<Vec<u8>>, String> {
    if !data.starts_with(MAGIC) {
        return Err("not an rpm NDB database (magic `RpmP` missing)".into());
    }
    let version = u32_at(data, 4, true).ok_or("NDB header truncated")?;
    if version != 0 {
        return Err(format!("NDB version {version}, expected 0"));
    }
    let slot_pages = u32_at(data, 12, true).ok_or("NDB header truncated")? as usize;
    let slot_area = slot_pages.saturating_mul(PAGE_SIZE);
    if slot_pages == 0 || slot_area > data.len() {
        return Err(format!(
            "NDB slot table of {slot_pages} pages does not fit the {}-byte file",
            data.len()
        ));
    }
    let first_blob_block = slot_area / BLOCK_SIZE;
    let mut blobs = Vec::new();
    // Blobs do not overlap in a sound file: all of them together span at most the file.
    let mut budget = data.len();
    for slot_at in (HEADER_SIZE..slot_area).step_by(SLOT_SIZE) {
        let slot = data.get(slot_at..slot_at + SLOT_SIZE).unwrap_or_default();
        if !slot.starts_with(SLOT_MAGIC) {
            problems.push(format!("slot at byte {slot_at} has no `Slot` magic"));
            continue;
        }
        let (pkgidx, blkoff, blkcnt) = (
            u32_at(slot, 4, true).unwrap_or_default(),
            u32_at(slot, 8, true).unwrap_or_default() as usize,
            u32_at(slot, 12, true).unwrap_or_default() as usize,
        );
        if blkoff == 0 {
            continue;
        }
        match blob(data, pkgidx, blkoff, blkcnt, first_blob_block, &mut budget) {
            Ok(blob) => blobs.push(blob.to_vec()),
            Err(e) => problems.push(format!("package {pkgidx}: {e}")),
        }
    }
    Ok(blobs)
}

/// The header blob a slot points at, checked against its head, tail and checksum.
fn blob<'a>(
    data: &'a [u8],
    pkgidx: u32,
    blkoff: usize,
    blkcnt: usize,
    first_blob_block: usize,
    budget: &mut usize,
) -> Result<&'a [u8], String> {
    if blkoff < first_blob_block || blkcnt == 0 {
        return Err(format!(
            "slot points at block {blkoff} (count {blkcnt}) inside the slot table"
        ));
    }
    let start = blkoff
        .checked_mul(BLOCK_SIZE)
        .ok_or("block offset overflows")?;
    let len = blkcnt
        .checked_mul(BLOCK_SIZE)
        .ok_or("block count overflows")?;
    let region = start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| format!("blocks {blkoff}+{blkcnt} beyond the end of the file"))?;
    *budget = budget
        .checked_sub(region.len())
        .ok_or("blobs overlap: slots point at more bytes than the file holds")?;
    if region.len() < BLOB_HEAD + BLOB_TAIL || !region.starts_with(BLOB_HEAD_MAGIC) {
        return Err("blob head magic `BlbS` missing".into());
    }
    if u32_at(region, 4, true) != Some(pkgidx) {
        return Err("blob belongs to another package".into());
    }
    let blob_len = u32_at(region, 12, true).unwrap_or_default() as usize;
    let tail_at = region.len() - BLOB_TAIL;
    let tail = region.get(tail_at..).unwrap_or_default();
    if !tail.ends_with(BLOB_TAIL_MAGIC) || u32_at(tail, 4, true) != Some(blob_len as u32) {
        return Err("blob tail missing or of another length".into());
    }
    let content = region
        .get(BLOB_HEAD..BLOB_HEAD.saturating_add(blob_len))
        .filter(|_| BLOB_HEAD + blob_len <= tail_at)
        .ok_or_else(|| format!("blob of {blob_len} bytes does not fit its {blkcnt} blocks"))?;
    if u32_at(tail, 0, true) != Some(adler32(region.get(..tail_at).unwrap_or_default())) {
        return Err("blob checksum (Adler-32) mismatch".into());
    }
    Ok(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_known_values() {
        // RFC 1950 / zlib reference values.
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(&[0xff; 100_000]), {
            let (mut a, mut b) = (1u64, 0u64);
            for _ in 0..100_000 {
                a = (a + 0xff) % 65521;
                b = (b + a) % 65521;
            }
            ((b << 16) | a) as u32
        });
    }

    #[test]
    fn rejects_bad_headers() {
        let mut problems = Problems::default();
        assert!(blobs(b"", &mut problems).is_err());
        assert!(blobs(b"RpmP", &mut problems).is_err());
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(MAGIC);
        header[12..16].copy_from_slice(&1u32.to_le_bytes());
        assert!(blobs(&header, &mut problems).is_err_and(|e| e.contains("does not fit")));
        header[4] = 1;
        assert!(blobs(&header, &mut problems).is_err_and(|e| e.contains("version")));
    }
}
