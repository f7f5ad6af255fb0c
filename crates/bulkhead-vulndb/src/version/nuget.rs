//! NuGet package versions, as ordered by NuGet.Versioning's `NuGetVersion` and `VersionComparer.Default`.
//!
//! - `Major[.Minor[.Patch[.Revision]]][-prerelease][+metadata]`: one to four numeric parts, missing ones are 0
//!   (`1.0` == `1.0.0.0`); leading zeros are allowed and ignored (NuGet parses the parts as integers; here they
//!   compare as unbounded numbers).
//! - Prerelease: dot-separated labels of `[0-9A-Za-z-]`; a version with a prerelease is lower than without.
//!   Labels compare pairwise: two numeric labels numerically, a numeric label below an alphanumeric one, two
//!   alphanumeric labels ordinally ignoring case (`1.0.0-BETA` == `1.0.0-beta`); when all shared labels are
//!   equal the version with more labels is greater.
//! - Metadata after `+` is ignored for order. Surrounding whitespace is ignored; a `v` prefix is not NuGet
//!   syntax and is an error.

use super::cmp_digits;
use std::cmp::Ordering;

/// A parsed NuGet version.
#[derive(Debug, Clone)]
pub(crate) struct NuGetVersion {
    parts: [String; 4],
    pre: Vec<String>,
}

fn is_label(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parse a NuGet version.
pub(crate) fn parse(s: &str) -> Result<NuGetVersion, String> {
    let t = s.trim();
    let (core, meta) = match t.split_once('+') {
        Some((c, m)) => (c, Some(m)),
        None => (t, None),
    };
    if let Some(m) = meta
        && !m.split('.').all(is_label)
    {
        return Err("malformed metadata after `+`".into());
    }
    let (nums, pre) = match core.split_once('-') {
        Some((n, p)) => (n, Some(p)),
        None => (core, None),
    };
    let nums: Vec<&str> = nums.split('.').collect();
    if nums.len() > 4 {
        return Err("more than four numeric parts".into());
    }
    if !nums
        .iter()
        .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("numeric parts must be decimal numbers".into());
    }
    let pre = match pre {
        Some(p) => {
            let labels: Vec<String> = p.split('.').map(str::to_string).collect();
            if !labels.iter().all(|l| is_label(l)) {
                return Err("malformed prerelease label".into());
            }
            labels
        }
        None => Vec::new(),
    };
    let part = |i: usize| nums.get(i).map_or("0", |n| n).to_string();
    Ok(NuGetVersion {
        parts: [part(0), part(1), part(2), part(3)],
        pre,
    })
}

fn cmp_label(a: &str, b: &str) -> Ordering {
    let num = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    match (num(a), num(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase())),
    }
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let o = cmp_digits(a, b);
            if o != Ordering::Equal {
                return o;
            }
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (a, b) in self.pre.iter().zip(&other.pre) {
                    let o = cmp_label(a, b);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                self.pre.len().cmp(&other.pre.len())
            }
        }
    }
}
super::ord_via_cmp!(NuGetVersion);

#[cfg(test)]
mod tests {
    use crate::version::{Scheme, compare, parse};
    use std::cmp::Ordering;

    /// NuGet.Versioning.Test's VersionComparerTests (VersionComparisonDefaultEqual / Less).
    #[test]
    fn nuget_version_comparer_tests() {
        for (a, b) in [
            ("1.0.0", "1.0.0"),
            ("1.0.0-BETA", "1.0.0-beta"),
            ("1.0.0-BETA+AA", "1.0.0-beta+aa"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.77.0+aa"),
        ] {
            assert_eq!(
                compare(Scheme::NuGet, a, b).ok(),
                Some(Ordering::Equal),
                "nuget: {a} == {b}"
            );
        }
        for (a, b) in [
            ("0.0.0", "1.0.0"),
            ("1.0.0", "1.1.0"),
            ("1.0.0", "1.0.1"),
            ("1.999.9999", "2.1.1"),
            ("1.0.0-BETA", "1.0.0-beta2"),
            ("1.0.0-beta+AA", "1.0.0+aa"),
            ("1.0.0-BETA", "1.0.0-beta.1+AA"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.79.0+aa"),
            ("1.0.0-BETA.X.y.5.79.0+AA", "1.0.0-beta.x.y.5.790.0+abc"),
        ] {
            crate::version::assert_lt(Scheme::NuGet, a, b);
        }
    }

    /// The SemVer 2.0 precedence chain NuGet follows, with NuGet's fourth part and short forms.
    #[test]
    fn nuget_order() {
        let chain = [
            "0.0.0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1",
            "1.0.1",
            "1.0.10",
            "1.1",
            "2.0.0-1",
            "2.0.0-a",
            "2.0.0",
            "10.0.0",
        ];
        for (i, a) in chain.iter().enumerate() {
            for b in &chain[i + 1..] {
                crate::version::assert_lt(Scheme::NuGet, a, b);
            }
        }
    }

    #[test]
    fn nuget_equal() {
        for (a, b) in [
            ("1.0", "1.0.0"),
            ("1.0", "1.0.0.0"),
            ("1", "1.0.0.0"),
            ("1.0.0-BETA", "1.0.0-beta"),
            ("1.0.0-Beta.1", "1.0.0-bETA.1"),
            ("1.0.0+metadata", "1.0.0"),
            ("1.0.0-beta+a", "1.0.0-beta+b"),
            ("1.01.1", "1.1.1"),
            (" 1.0.0 ", "1.0.0"),
        ] {
            assert_eq!(
                compare(Scheme::NuGet, a, b).ok(),
                Some(Ordering::Equal),
                "nuget: {a} == {b}"
            );
        }
        for (a, b) in [
            ("1.0.0-alpha", "1.0.0-Beta"),
            ("1.0.0-Alpha", "1.0.0-beta"),
            ("1.0.0-beta.2", "1.0.0-beta.10"),
            ("4.3.0", "4.3.1"),
            ("13.0.1", "13.0.2"),
            ("6.0.0-preview.7.21377.19", "6.0.0-rc.1.21451.13"),
            ("6.0.0-rc.1.21451.13", "6.0.0"),
        ] {
            assert_eq!(
                compare(Scheme::NuGet, a, b).ok(),
                Some(Ordering::Less),
                "nuget: {a} < {b}"
            );
        }
        for bad in [
            "",
            "v1.0.0",
            "1.0.0.0.0",
            "1..0",
            "1.0-",
            "1.0.0-beta..1",
            "1.0+",
            "a.b.c",
            "1.0.0-be ta",
        ] {
            assert!(
                parse(Scheme::NuGet, bad).is_err(),
                "nuget should reject {bad:?}"
            );
        }
    }
}
