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
    /// opkg (OpenWrt; `/usr/lib/opkg/status`): purl `pkg:opkg/<os-id>/<name>@<version>?arch=..`.
    Opkg,
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
    /// Short lowercase name (`deb`, `python`, ...), as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageKind::Deb => "deb",
            PackageKind::Apk => "apk",
            PackageKind::Rpm => "rpm",
            PackageKind::Opkg => "opkg",
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
        matches!(
            self,
            PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm | PackageKind::Opkg
        )
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
    /// Merge per-file results (each with the location of its file) into one inventory:
    ///
    /// - the OS identity: `/etc/os-release` first, then `/usr/lib/os-release`, then `/etc/alpine-release`
    ///   and `/etc/debian_version` (a later layer's copy before an earlier one's); fields the chosen one
    ///   lacks are taken from the others of the same `ID`;
    /// - each package gets its file's location (a cataloger that set locations itself keeps them, with
    ///   the layer filled in) and its purl (one a cataloger already set is kept);
    /// - duplicates (same kind, namespace, name, version and architecture; the architecture keeps
    ///   multi-arch dpkg installs apart) become one package with their locations joined, sorted and
    ///   deduplicated;
    /// - packages are sorted by kind, then name, then version;
    /// - each file's error becomes a note `<path>: <error>`.
    pub fn assemble(results: Vec<(PackageLocation, FileResult)>) -> Inventory {
        let mut notes = Vec::new();
        let mut candidates = Vec::new();
        let mut packages = Vec::new();
        for (location, result) in results {
            if let Some(error) = result.error {
                notes.push(format!("{}: {error}", location.path));
            }
            if let Some(os) = result.os {
                candidates.push((os_file_rank(&location.path), location.layer, os));
            }
            for mut package in result.packages {
                if package.locations.is_empty() {
                    package.locations.push(location.clone());
                } else {
                    for own in &mut package.locations {
                        if own.layer.is_none() {
                            own.layer = location.layer;
                            own.layer_digest.clone_from(&location.layer_digest);
                        }
                    }
                }
                packages.push(package);
            }
        }
        let os = choose_os(candidates);
        for package in &mut packages {
            if package.purl.is_empty() {
                package.purl = crate::purl::for_package(package, os.as_ref());
            }
        }
        packages.sort_by(|a, b| {
            (a.kind, &a.name, &a.version, &a.namespace, &a.arch, &a.purl).cmp(&(
                b.kind,
                &b.name,
                &b.version,
                &b.namespace,
                &b.arch,
                &b.purl,
            ))
        });
        let mut merged: Vec<Package> = Vec::with_capacity(packages.len());
        for package in packages {
            match merged.last_mut() {
                Some(last) if same_package(last, &package) => {
                    last.locations.extend(package.locations);
                    if last.source_name.is_none() {
                        last.source_name = package.source_name;
                        last.source_version = package.source_version;
                    }
                    if last.licenses.is_empty() {
                        last.licenses = package.licenses;
                    }
                }
                _ => merged.push(package),
            }
        }
        for package in &mut merged {
            package.locations.sort();
            package.locations.dedup();
        }
        notes.sort();
        notes.dedup();
        Inventory {
            os,
            packages: merged,
            notes,
        }
    }
}

/// Whether two packages are the same record seen in several files.
fn same_package(a: &Package, b: &Package) -> bool {
    a.kind == b.kind
        && a.namespace == b.namespace
        && a.name == b.name
        && a.version == b.version
        && a.arch == b.arch
}

/// Precedence of OS identity files: lower wins.
fn os_file_rank(path: &str) -> u8 {
    let path = path.trim_start_matches("./");
    match path.strip_prefix('/').unwrap_or(path) {
        "etc/os-release" => 0,
        "usr/lib/os-release" => 1,
        "etc/alpine-release" | "etc/debian_version" => 2,
        _ => 3,
    }
}

/// The OS identity of the best-ranked file (later layer first), completed from the others of its `ID`.
fn choose_os(mut candidates: Vec<(u8, Option<usize>, OsInfo)>) -> Option<OsInfo> {
    candidates.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut iter = candidates.into_iter().map(|(_, _, os)| os);
    let mut chosen = iter.next()?;
    for other in iter.filter(|o| o.id == chosen.id) {
        if chosen.version_id.is_none() {
            chosen.version_id = other.version_id;
        }
        if chosen.version_codename.is_none() {
            chosen.version_codename = other.version_codename;
        }
        if chosen.pretty_name.is_none() {
            chosen.pretty_name = other.pretty_name;
        }
        if chosen.id_like.is_empty() {
            chosen.id_like = other.id_like;
        }
    }
    Some(chosen)
}
