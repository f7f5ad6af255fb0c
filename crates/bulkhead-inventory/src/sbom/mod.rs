//! Software bills of materials from an [`Inventory`]: CycloneDX 1.6 JSON and SPDX 2.3 JSON.
//!
//! Both writers are deterministic for a given inventory, subject and timestamp (identifiers are derived
//! from the content, not random), so two runs over the same image give the same document.

mod cyclonedx;
mod spdx;

pub use cyclonedx::{component_refs, cyclonedx_json};
pub use spdx::spdx_json;

use crate::{Inventory, Package};

/// What the SBOM describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomSubject {
    /// What the user named (`alpine:3.20`, `app.tar`, `./rootfs`).
    pub name: String,
    /// Image id (config digest `sha256:...`), when there is one.
    pub digest: Option<String>,
    /// A container image (true) or a plain directory (false).
    pub is_image: bool,
    /// RFC 3339 UTC creation time (`2026-11-29T09:00:00Z`); see [`now_rfc3339`].
    pub timestamp: String,
    /// Version of the tool writing the document.
    pub tool_version: String,
}

pub use bulkhead_core::time::{now_rfc3339, rfc3339};

/// A 128-bit content hash (two FNV-1a 64 lanes) used for stable identifiers.
pub(crate) fn hash128(parts: &[&str]) -> u128 {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for p in parts {
        for &byte in p.as_bytes().iter().chain(std::iter::once(&0u8)) {
            a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            b = (b ^ u64::from(byte.rotate_left(3))).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    (u128::from(a) << 64) | u128::from(b)
}

/// A UUID-shaped (version 4 / variant 1 bits set) identifier derived from the document's content.
pub(crate) fn content_uuid(inventory: &Inventory, subject: &SbomSubject) -> String {
    let mut parts: Vec<&str> = vec![&subject.name, &subject.timestamp];
    if let Some(d) = &subject.digest {
        parts.push(d);
    }
    parts.extend(inventory.packages.iter().map(|p| p.purl.as_str()));
    let mut h = hash128(&parts);
    h &= !(0xf << 76);
    h |= 0x4 << 76;
    h &= !(0x3 << 62);
    h |= 0x2 << 62;
    let hex = format!("{h:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// SPDX license and exception identifiers (the SPDX license list, as CycloneDX's `spdx.schema.json`
/// enumerates it), one per line.
const SPDX_IDS: &str = include_str!("spdx-license-ids.txt");

/// Whether `id` is on the SPDX license list (case-insensitive, as SPDX matching is) or a `LicenseRef-`.
pub(crate) fn is_spdx_id(id: &str) -> bool {
    static IDS: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    let ids = IDS.get_or_init(|| {
        SPDX_IDS
            .lines()
            .map(|l| l.trim().to_ascii_lowercase())
            .collect()
    });
    id.starts_with("LicenseRef-") || ids.contains(&id.to_ascii_lowercase())
}

/// Whether `s` is an SPDX license expression (listed ids joined by AND/OR/WITH, parentheses), so it can
/// be written as one; anything else (`MIT License`, `GPL (>= 2)`) is kept as a named license.
pub(crate) fn is_spdx_expression(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() {
        return false;
    }
    let spaced = s.replace('(', " ( ").replace(')', " ) ");
    let mut depth = 0i32;
    let mut expect_id = true;
    for tok in spaced.split_whitespace() {
        match tok {
            "(" if expect_id => depth += 1,
            ")" if !expect_id => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            "AND" | "OR" | "WITH" if !expect_id => expect_id = true,
            id if expect_id => {
                let id = id.strip_suffix('+').unwrap_or(id);
                if !is_spdx_id(id) {
                    return false;
                }
                expect_id = false;
            }
            _ => return false,
        }
    }
    depth == 0 && !expect_id
}

/// Where a package was found, as text: `/var/lib/dpkg/status (layer 1)`.
pub(crate) fn location_text(p: &Package) -> Vec<String> {
    p.locations
        .iter()
        .map(|l| match (&l.layer_digest, l.layer) {
            (Some(d), _) => format!("{} ({d})", l.path),
            (None, Some(i)) => format!("{} (layer {})", l.path, i + 1),
            (None, None) => l.path.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_029_199), "2026-11-30T08:59:59Z");
    }

    #[test]
    fn spdx_expressions() {
        for ok in [
            "MIT",
            "GPL-2.0-only",
            "MIT OR Apache-2.0",
            "(MIT AND BSD-3-Clause) OR GPL-2.0+",
            "LGPL-2.1-or-later WITH Classpath-exception-2.0",
        ] {
            assert!(is_spdx_expression(ok), "{ok}");
        }
        for bad in [
            "",
            "MIT License",
            "BSD-style",
            "GPL (>= 2)",
            "MIT OR",
            "(MIT",
            "Apache 2.0",
            "custom:foo",
        ] {
            assert!(!is_spdx_expression(bad), "{bad}");
        }
    }
}
