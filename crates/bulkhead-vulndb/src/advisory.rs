//! The advisory model: what every source (OSV, Alpine secdb, Debian tracker, Node.js WG, RubySec,
//! FriendsOfPHP) is converted into before it is stored. It follows the OSV schema
//! (<https://ossf.github.io/osv-schema/>), keeping only what matching and reporting need.

use serde::{Deserialize, Serialize};

/// One advisory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Advisory id as its source writes it (`GHSA-...`, `PYSEC-2021-335`, `RUSTSEC-2021-0001`, `GO-2023-1234`,
    /// `ALSA-2023:1234`, `DSA-5378-1`, `CVE-2020-1234` for a secdb fix, `NSWG-ECO-1`, ...).
    pub id: String,
    /// RFC 3339 time of the last change, when the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the advisory was withdrawn: such records are stored but never matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Other ids of the same vulnerability (CVE, GHSA, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Ids of closely related but distinct records (OSV `related`); not used for deduplication.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Long description (may be truncated by the importer to keep the database small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Scored severities (OSV `severity`: CVSS vectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// The source's own rating when it has one (`HIGH`, `moderate`, `Important`, ...), verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_severity: Option<String>,
    pub affected: Vec<Affected>,
    /// Reference URLs (advisory first when known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// A scored severity: OSV `{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityScore {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, or a source's own type (`Ubuntu`).
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// One affected package of an advisory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// OSV ecosystem string as written (`PyPI`, `crates.io`, `Debian:12`, `Alpine:v3.19`, `AlmaLinux:9`, ...).
    pub ecosystem: String,
    /// Package name as the ecosystem writes it (distro advisories name the *source* package).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions (OSV `versions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Severity that applies to this package only (OSV `affected[].severity`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// A per-package rating from `ecosystem_specific`/`database_specific` (`severity` there), verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_severity: Option<String>,
}

/// A range of affected versions: OSV `ranges[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    /// Events in the order the source wrote them (OSV says they are evaluated after sorting by version).
    pub events: Vec<Event>,
}

/// OSV range types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    /// SemVer 2.0 versions (crates.io, npm, Go).
    Semver,
    /// The ecosystem's own version ordering.
    Ecosystem,
    /// Git commits: kept for display, never matched against installed package versions.
    Git,
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Affected from this version on (`"0"` means from the beginning).
    Introduced(String),
    /// Not affected from this version on.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
    /// Upper bound of the range (exclusive) without saying it is fixed.
    Limit(String),
}

impl Advisory {
    /// Every id this advisory is known by: its own id first, then its aliases.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}
