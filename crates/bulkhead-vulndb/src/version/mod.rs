//! Exact version ordering per ecosystem.
//!
//! OSV ranges are lists of events (`introduced`, `fixed`, `last_affected`, `limit`); matching only needs a total
//! order per ecosystem, never a range-expression parser. [`parse`] turns a version string into a [`Version`] of one
//! [`Scheme`]; two versions of the same scheme compare with that scheme's reference semantics.
//!
//! PLACEHOLDER: the per-scheme implementations land in `dpkg.rs`, `apk.rs`, `rpm.rs`, `semver.rs`, `go.rs`,
//! `pep440.rs`, `maven.rs`, `rubygems.rs`, `composer.rs`, `nuget.rs`; until then every scheme falls back to a
//! naive dotted-numeric order.

use std::cmp::Ordering;

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
    pub scheme: Scheme,
    pub version: String,
    pub reason: String,
}

/// A parsed version of one scheme.
#[derive(Debug, Clone)]
pub struct Version {
    scheme: Scheme,
    raw: String,
    key: Vec<u64>,
}

impl Version {
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
            .then_with(|| self.key.cmp(&other.key))
    }
}

/// Parse `s` as a version of `scheme`.
pub fn parse(scheme: Scheme, s: &str) -> Result<Version, VersionError> {
    let t = s.trim();
    let digits: Result<Vec<u64>, _> = t
        .trim_start_matches(['v', 'V'])
        .split(['.', '-', ':'])
        .map(|p| p.parse::<u64>())
        .collect();
    match digits {
        Ok(key) if !t.is_empty() => Ok(Version {
            scheme,
            raw: s.to_string(),
            key,
        }),
        _ => Err(VersionError {
            scheme,
            version: s.to_string(),
            reason: "placeholder parser takes dotted numbers only".into(),
        }),
    }
}

/// Compare two version strings of one scheme.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(scheme, a)?.cmp(&parse(scheme, b)?))
}
