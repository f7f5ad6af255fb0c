//! SemVer 2.0.0 versions (crates.io, npm), parsed strictly with the `semver` crate (the reference
//! implementation used by Cargo).
//!
//! Rules (semver.org §11): MAJOR.MINOR.PATCH compare numerically; a version with a pre-release is lower than the
//! same version without; pre-release identifiers compare left to right, numeric ones numerically, alphanumeric
//! ones in ASCII order, numeric < alphanumeric, and a shorter list of equal identifiers is lower. Build metadata
//! (`+...`) is ignored for order (`1.0.0+a` == `1.0.0+b`).
//!
//! Tolerated around the strict grammar, as npm's `semver.valid` does: surrounding whitespace and one leading `=`
//! and/or `v`. Anything else that is not strict SemVer (`1.2`, `01.2.3`, `1.2.3.4`) is an error. Numeric parts
//! beyond `u64` are an error of the `semver` crate.

use std::cmp::Ordering;

/// A parsed SemVer version (build metadata dropped).
#[derive(Debug, Clone)]
pub(crate) struct SemverVersion {
    major: u64,
    minor: u64,
    patch: u64,
    pre: ::semver::Prerelease,
}

/// Parse a SemVer version.
pub(crate) fn parse(s: &str) -> Result<SemverVersion, String> {
    let t = s.trim();
    let t = t.strip_prefix('=').unwrap_or(t).trim_start();
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    let v = ::semver::Version::parse(t).map_err(|e| e.to_string())?;
    Ok(SemverVersion {
        major: v.major,
        minor: v.minor,
        patch: v.patch,
        pre: v.pre,
    })
}

impl Ord for SemverVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| self.pre.cmp(&other.pre))
    }
}
super::ord_via_cmp!(SemverVersion);

#[cfg(test)]
mod tests {
    use crate::version::{Scheme, compare, parse};
    use std::cmp::Ordering;

    /// The precedence chain of semver.org §11, then more of the spec's examples.
    #[test]
    fn semver_org_precedence() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
            "10.0.0",
        ];
        for (i, a) in chain.iter().enumerate() {
            for b in &chain[i + 1..] {
                crate::version::assert_lt(Scheme::Semver, a, b);
            }
        }
    }

    #[test]
    fn semver_equalities_and_tolerance() {
        let eq = [
            ("1.0.0+20130313144700", "1.0.0"),
            ("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta"),
            ("1.0.0+a", "1.0.0+b"),
            ("v1.2.3", "1.2.3"),
            ("=1.2.3", "1.2.3"),
            ("  1.2.3\t", "1.2.3"),
            ("=v1.2.3", "1.2.3"),
        ];
        for (a, b) in eq {
            assert_eq!(
                compare(Scheme::Semver, a, b).ok(),
                Some(Ordering::Equal),
                "semver: {a} == {b}"
            );
        }
        let lt = [
            ("1.0.0-alpha.1", "1.0.0-alpha.a"),
            ("1.0.0-1", "1.0.0-a"),
            ("1.0.0-rc.9", "1.0.0-rc.10"),
            ("0.0.0-0", "0.0.0"),
            ("1.0.0-A", "1.0.0-a"),
            ("4.17.20", "4.17.21"),
            ("18446744073709551614.0.0", "18446744073709551615.0.0"),
        ];
        for (a, b) in lt {
            assert_eq!(
                compare(Scheme::Semver, a, b).ok(),
                Some(Ordering::Less),
                "semver: {a} < {b}"
            );
        }
        for bad in [
            "1.2",
            "1",
            "01.2.3",
            "1.2.3.4",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1..2",
            "v",
            "1.2.3 beta",
        ] {
            assert!(
                parse(Scheme::Semver, bad).is_err(),
                "semver should reject {bad:?}"
            );
        }
    }
}
