//! Exact version ordering per ecosystem.
//!
//! OSV ranges are lists of events (`introduced`, `fixed`, `last_affected`, `limit`); matching only needs a total
//! order per ecosystem, never a range-expression parser. [`parse`] turns a version string into a [`Version`] of one
//! [`Scheme`]; two versions of the same scheme compare with that scheme's reference semantics, implemented one
//! module per scheme (each module's documentation names its reference implementation and rules):
//! `dpkg`, `apk`, `rpm`, `semver`, `go`, `pep440`, `maven`, `rubygems`, `composer`, `nuget`.
//!
//! Numbers inside versions are never converted to machine integers where the reference compares them with
//! arbitrary precision: digit runs compare by length once leading zeros are stripped, then lexically, so
//! `99999999999999999999999` neither overflows nor errs (SemVer and PEP 440, parsed by crates with 64-bit
//! numbers, reject numbers beyond `u64` instead). Input longer than [`MAX_LEN`] bytes is rejected, and no input
//! makes parsing or comparison panic.

use std::cmp::Ordering;

mod apk;
mod composer;
mod dpkg;
mod go;
mod maven;
mod nuget;
mod pep440;
mod rpm;
mod rubygems;
mod semver;
#[cfg(test)]
mod tests;

/// Test helper: `a < b` and `b > a` in `scheme`, naming the pair when either fails.
#[cfg(test)]
pub(crate) fn assert_lt(scheme: Scheme, a: &str, b: &str) {
    assert_eq!(
        compare(scheme, a, b).ok(),
        Some(Ordering::Less),
        "{}: {a} < {b}",
        scheme.as_str()
    );
    assert_eq!(
        compare(scheme, b, a).ok(),
        Some(Ordering::Greater),
        "{}: {b} > {a}",
        scheme.as_str()
    );
}

/// The longest version string accepted (no real version comes near it; it bounds work on hostile input).
pub const MAX_LEN: usize = 1024;

/// A version-ordering scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// Debian/Ubuntu dpkg: `[epoch:]upstream[-revision]`, `~` sorts before everything.
    Dpkg,
    /// Alpine/Wolfi apk-tools: `1.2.3_rc1-r0`, suffixes `_alpha` < `_beta` < `_pre` < `_rc` < (none) < `_cvs` <
    /// `_svn` < `_git` < `_hg` < `_p`.
    Apk,
    /// rpm EVR (rpmvercmp): `[epoch:]version-release`, `~` before and `^` after.
    Rpm,
    /// SemVer 2.0 (crates.io, npm).
    Semver,
    /// Go modules: SemVer with a `v` prefix, pseudo-versions, `+incompatible`; `stdlib`/`toolchain` as `go1.19.8`.
    Go,
    /// PEP 440 (PyPI).
    Pep440,
    /// Maven ComparableVersion.
    Maven,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// Composer (Packagist) version normalization and ordering.
    Composer,
    /// NuGet (SemVer 2.0 with a fourth component, case-insensitive pre-release).
    NuGet,
}

impl Scheme {
    /// A scheme of operating-system packages.
    pub fn is_os(self) -> bool {
        matches!(self, Scheme::Dpkg | Scheme::Apk | Scheme::Rpm)
    }
    /// The scheme's short name (`dpkg`, `apk`, `rpm`, `semver`, `go`, `pep440`, `maven`, `rubygems`,
    /// `composer`, `nuget`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Apk => "apk",
            Scheme::Rpm => "rpm",
            Scheme::Semver => "semver",
            Scheme::Go => "go",
            Scheme::Pep440 => "pep440",
            Scheme::Maven => "maven",
            Scheme::RubyGems => "rubygems",
            Scheme::Composer => "composer",
            Scheme::NuGet => "nuget",
        }
    }
}

/// A version string that does not parse in its scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{version}` is not a valid {} version: {reason}", scheme.as_str())]
pub struct VersionError {
    /// The scheme the version was parsed in.
    pub scheme: Scheme,
    /// The version as given.
    pub version: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A parsed version of one scheme.
///
/// Equality is equality in the scheme's order (`1.0` == `1` in RubyGems), not of the strings; [`Version::as_str`]
/// keeps the version as written. The order is total for every scheme except [`Scheme::Maven`], whose reference
/// (`ComparableVersion`) is not transitive on some unusual versions (`1snapshotrc` < `1.0.0-0beta` < `1` <
/// `1snapshotrc`): pairwise comparisons — all that range matching needs — are exact, but a slice of such Maven
/// versions has no consistent sort (and `slice::sort` may panic on an inconsistent order), so compare Maven
/// versions pairwise rather than sorting them.
#[derive(Debug, Clone)]
pub struct Version {
    scheme: Scheme,
    raw: String,
    parsed: Parsed,
}

/// The per-scheme parsed representation; its variant always matches [`Version::scheme`].
#[derive(Debug, Clone)]
enum Parsed {
    Dpkg(dpkg::DpkgVersion),
    Apk(apk::ApkVersion),
    Rpm(rpm::RpmVersion),
    Semver(semver::SemverVersion),
    Go(go::GoVersion),
    Pep440(pep440::Pep440Version),
    Maven(maven::MavenVersion),
    RubyGems(rubygems::GemVersion),
    Composer(composer::ComposerVersion),
    NuGet(nuget::NuGetVersion),
}

impl Parsed {
    /// Order two representations of the same scheme (the caller has compared the schemes already).
    fn cmp_same(&self, other: &Parsed) -> Ordering {
        use Parsed::*;
        match (self, other) {
            (Dpkg(a), Dpkg(b)) => a.cmp(b),
            (Apk(a), Apk(b)) => a.cmp(b),
            (Rpm(a), Rpm(b)) => a.cmp(b),
            (Semver(a), Semver(b)) => a.cmp(b),
            (Go(a), Go(b)) => a.cmp(b),
            (Pep440(a), Pep440(b)) => a.cmp(b),
            (Maven(a), Maven(b)) => a.cmp(b),
            (RubyGems(a), RubyGems(b)) => a.cmp(b),
            (Composer(a), Composer(b)) => a.cmp(b),
            (NuGet(a), NuGet(b)) => a.cmp(b),
            // Unreachable through `parse`: the variant follows the scheme.
            _ => Ordering::Equal,
        }
    }
}

impl Version {
    /// The scheme this version was parsed in.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    /// Versions of different schemes order by scheme first (matching never mixes them).
    fn cmp(&self, other: &Self) -> Ordering {
        self.scheme
            .cmp(&other.scheme)
            .then_with(|| self.parsed.cmp_same(&other.parsed))
    }
}

/// Parse `s` as a version of `scheme`.
pub fn parse(scheme: Scheme, s: &str) -> Result<Version, VersionError> {
    let err = |reason: String| VersionError {
        scheme,
        version: s.to_string(),
        reason,
    };
    if s.trim().is_empty() {
        return Err(err("empty version".into()));
    }
    if s.len() > MAX_LEN {
        return Err(err(format!("longer than {MAX_LEN} bytes")));
    }
    let parsed = match scheme {
        Scheme::Dpkg => dpkg::parse(s).map(Parsed::Dpkg),
        Scheme::Apk => apk::parse(s).map(Parsed::Apk),
        Scheme::Rpm => rpm::parse(s).map(Parsed::Rpm),
        Scheme::Semver => semver::parse(s).map(Parsed::Semver),
        Scheme::Go => go::parse(s).map(Parsed::Go),
        Scheme::Pep440 => pep440::parse(s).map(Parsed::Pep440),
        Scheme::Maven => maven::parse(s).map(Parsed::Maven),
        Scheme::RubyGems => rubygems::parse(s).map(Parsed::RubyGems),
        Scheme::Composer => composer::parse(s).map(Parsed::Composer),
        Scheme::NuGet => nuget::parse(s).map(Parsed::NuGet),
    }
    .map_err(err)?;
    Ok(Version {
        scheme,
        raw: s.to_string(),
        parsed,
    })
}

/// Compare two version strings of one scheme.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(scheme, a)?.cmp(&parse(scheme, b)?))
}

/// Compare two runs of ASCII digits as unbounded non-negative numbers: leading zeros are ignored, a longer run
/// is larger, equal lengths compare lexically. Never overflows.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Implement `PartialEq`, `Eq` and `PartialOrd` from a type's `Ord`, so that equality always agrees with the
/// scheme's order (`1.0` == `1` where the scheme says so) rather than with the representation.
macro_rules! ord_via_cmp {
    ($t:ty) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }
        impl Eq for $t {}
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
    };
}
pub(crate) use ord_via_cmp;
