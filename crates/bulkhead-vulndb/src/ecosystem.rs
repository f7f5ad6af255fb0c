//! OSV ecosystems: their names, their version scheme, the release part of distro namespaces
//! (`Debian:12`, `Alpine:v3.19`), and which ecosystem/namespace/name an inventory package is looked up under.

use crate::version::Scheme;
use bulkhead_inventory::{OsInfo, Package, PackageKind};

/// An ecosystem bulkhead can match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    Debian,
    Ubuntu,
    Alpine,
    AlmaLinux,
    Rocky,
    RedHat,
    Suse,
    OpenSuse,
    Wolfi,
    Chainguard,
    PyPI,
    Npm,
    Go,
    CratesIo,
    Maven,
    RubyGems,
    Packagist,
    NuGet,
}

impl Ecosystem {
    /// Every ecosystem, in display order.
    pub const ALL: [Ecosystem; 18] = [
        Ecosystem::Debian,
        Ecosystem::Ubuntu,
        Ecosystem::Alpine,
        Ecosystem::AlmaLinux,
        Ecosystem::Rocky,
        Ecosystem::RedHat,
        Ecosystem::Suse,
        Ecosystem::OpenSuse,
        Ecosystem::Wolfi,
        Ecosystem::Chainguard,
        Ecosystem::PyPI,
        Ecosystem::Npm,
        Ecosystem::Go,
        Ecosystem::CratesIo,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
        Ecosystem::Packagist,
        Ecosystem::NuGet,
    ];

    /// The OSV name (the part before `:` in `affected[].package.ecosystem`), which is also the directory
    /// name of the OSV bucket's per-ecosystem `all.zip` export.
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::AlmaLinux => "AlmaLinux",
            Ecosystem::Rocky => "Rocky Linux",
            Ecosystem::RedHat => "Red Hat",
            Ecosystem::Suse => "SUSE",
            Ecosystem::OpenSuse => "openSUSE",
            Ecosystem::Wolfi => "Wolfi",
            Ecosystem::Chainguard => "Chainguard",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "Go",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::NuGet => "NuGet",
        }
    }

    /// The ecosystem of an OSV name (case-insensitive; the release part after `:` is ignored).
    pub fn from_osv(name: &str) -> Option<Ecosystem> {
        let base = name.split(':').next().unwrap_or(name).trim();
        Ecosystem::ALL
            .into_iter()
            .find(|e| e.osv_name().eq_ignore_ascii_case(base))
    }

    /// How versions of this ecosystem are ordered.
    pub fn scheme(self) -> Scheme {
        match self {
            Ecosystem::Debian | Ecosystem::Ubuntu => Scheme::Dpkg,
            Ecosystem::Alpine | Ecosystem::Wolfi | Ecosystem::Chainguard => Scheme::Apk,
            Ecosystem::AlmaLinux
            | Ecosystem::Rocky
            | Ecosystem::RedHat
            | Ecosystem::Suse
            | Ecosystem::OpenSuse => Scheme::Rpm,
            Ecosystem::PyPI => Scheme::Pep440,
            Ecosystem::Npm | Ecosystem::CratesIo => Scheme::Semver,
            Ecosystem::Go => Scheme::Go,
            Ecosystem::Maven => Scheme::Maven,
            Ecosystem::RubyGems => Scheme::RubyGems,
            Ecosystem::Packagist => Scheme::Composer,
            Ecosystem::NuGet => Scheme::NuGet,
        }
    }

    /// Operating-system ecosystem (advisories are per release and name source packages, except rpm's).
    pub fn is_os(self) -> bool {
        self.scheme().is_os()
    }

    /// Split an OSV ecosystem string into the ecosystem and its normalized release
    /// (`Debian:12` → `12`, `Alpine:v3.19` → `v3.19`, `Ubuntu:22.04:LTS` → `22.04`,
    /// `Red Hat:enterprise_linux:9::appstream` → `9`, `AlmaLinux:9` → `9`, `PyPI` → ``).
    pub fn parse_osv(full: &str) -> Option<(Ecosystem, String)> {
        let eco = Ecosystem::from_osv(full)?;
        let rest = full.split_once(':').map(|(_, r)| r).unwrap_or("");
        Some((eco, normalize_release(eco, rest)))
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.osv_name())
    }
}

/// The release key advisories are stored under, from the part of an OSV ecosystem after the first `:`.
fn normalize_release(eco: Ecosystem, rest: &str) -> String {
    let rest = rest.trim();
    match eco {
        Ecosystem::Alpine => {
            let v = rest.trim_start_matches('v');
            if v.eq_ignore_ascii_case("edge") {
                return "edge".to_string();
            }
            let mut parts = v.split('.');
            match (parts.next(), parts.next()) {
                (Some(maj), Some(min)) if !maj.is_empty() && !min.is_empty() => {
                    format!("v{maj}.{min}")
                }
                _ => String::new(),
            }
        }
        Ecosystem::Ubuntu => {
            // `22.04`, `22.04:LTS`, `Pro:18.04:LTS`, `Pro:FIPS:20.04:LTS`: the first dotted numeric part.
            rest.split(':')
                .find(|p| p.contains('.') && p.chars().all(|c| c.is_ascii_digit() || c == '.'))
                .unwrap_or("")
                .to_string()
        }
        Ecosystem::RedHat => {
            // `enterprise_linux:9::appstream`, `rhel_eus:8.6::baseos`: the major of the first numeric part.
            rest.split(':')
                .find(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit()))
                .map(major)
                .unwrap_or_default()
        }
        Ecosystem::Debian | Ecosystem::AlmaLinux | Ecosystem::Rocky => major(rest),
        Ecosystem::Suse | Ecosystem::OpenSuse => rest.to_string(),
        _ => String::new(),
    }
}

fn major(v: &str) -> String {
    v.split('.').next().unwrap_or("").trim().to_string()
}

/// Where to look a package up: ecosystem, normalized release, the name advisories use, and the version to
/// compare (distro advisories name the source package and its version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupKey {
    pub ecosystem: Ecosystem,
    pub release: String,
    /// The name as stored (see [`normalize_name`]).
    pub name: String,
    pub version: String,
}

/// The OS ecosystem and release of an image, from its os-release (`None` for an OS bulkhead cannot match).
pub fn os_namespace(os: &OsInfo) -> Option<(Ecosystem, String)> {
    let id = os.id.to_ascii_lowercase();
    let ver = os.version_id.clone().unwrap_or_default();
    let eco = match id.as_str() {
        "debian" => Ecosystem::Debian,
        "ubuntu" => Ecosystem::Ubuntu,
        "alpine" => Ecosystem::Alpine,
        "almalinux" => Ecosystem::AlmaLinux,
        "rocky" => Ecosystem::Rocky,
        "rhel" => Ecosystem::RedHat,
        "wolfi" => Ecosystem::Wolfi,
        "chainguard" => Ecosystem::Chainguard,
        "sles" => Ecosystem::Suse,
        "opensuse-leap" | "opensuse-tumbleweed" => Ecosystem::OpenSuse,
        _ => return None,
    };
    let release = match eco {
        Ecosystem::Alpine => normalize_release(eco, &ver),
        Ecosystem::Ubuntu => ver,
        Ecosystem::Wolfi | Ecosystem::Chainguard => String::new(),
        Ecosystem::Suse | Ecosystem::OpenSuse => ver,
        _ => major(&ver),
    };
    Some((eco, release))
}

/// The lookup key of one inventory package (`None` when its kind has no advisories bulkhead can match,
/// or an OS package of an OS without a namespace).
pub fn lookup_key(pkg: &Package, os: Option<&OsInfo>) -> Option<LookupKey> {
    let kind = pkg.kind?;
    let (ecosystem, release, name, version) = match kind {
        PackageKind::Deb | PackageKind::Apk => {
            let (eco, release) = os_namespace(os?)?;
            let name = pkg.source_name.clone().unwrap_or_else(|| pkg.name.clone());
            let version = pkg
                .source_version
                .clone()
                .unwrap_or_else(|| pkg.version.clone());
            (eco, release, name, version)
        }
        // rpm advisories (AlmaLinux, Rocky, Red Hat, SUSE) list binary package names.
        PackageKind::Rpm => {
            let (eco, release) = os_namespace(os?)?;
            (eco, release, pkg.name.clone(), pkg.version.clone())
        }
        PackageKind::Opkg => return None,
        PackageKind::Python => (
            Ecosystem::PyPI,
            String::new(),
            pkg.name.clone(),
            pkg.version.clone(),
        ),
        PackageKind::Npm => {
            let name = match &pkg.namespace {
                Some(scope) => format!("@{scope}/{}", pkg.name),
                None => pkg.name.clone(),
            };
            (Ecosystem::Npm, String::new(), name, pkg.version.clone())
        }
        PackageKind::Go => (
            Ecosystem::Go,
            String::new(),
            pkg.name.clone(),
            pkg.version.clone(),
        ),
        PackageKind::Cargo => (
            Ecosystem::CratesIo,
            String::new(),
            pkg.name.clone(),
            pkg.version.clone(),
        ),
        PackageKind::Maven => {
            let group = pkg.namespace.as_deref()?;
            (
                Ecosystem::Maven,
                String::new(),
                format!("{group}:{}", pkg.name),
                pkg.version.clone(),
            )
        }
        PackageKind::Gem => (
            Ecosystem::RubyGems,
            String::new(),
            pkg.name.clone(),
            pkg.version.clone(),
        ),
        PackageKind::Composer => {
            let name = match &pkg.namespace {
                Some(vendor) => format!("{vendor}/{}", pkg.name),
                None => pkg.name.clone(),
            };
            (
                Ecosystem::Packagist,
                String::new(),
                name,
                pkg.version.clone(),
            )
        }
    };
    Some(LookupKey {
        name: normalize_name(ecosystem, &name),
        ecosystem,
        release,
        version,
    })
}

/// The form names are stored and looked up in: PyPI names per PEP 503 (lowercase, runs of `-_.` become
/// `-`); Maven, NuGet, Packagist and distro names lowercased where the ecosystem is case-insensitive;
/// others as written.
pub fn normalize_name(eco: Ecosystem, name: &str) -> String {
    match eco {
        Ecosystem::PyPI => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.trim().chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.push(c.to_ascii_lowercase());
                }
            }
            out
        }
        Ecosystem::NuGet | Ecosystem::Packagist | Ecosystem::Maven | Ecosystem::RubyGems => {
            name.trim().to_ascii_lowercase()
        }
        _ => name.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_namespaces_normalize() {
        let cases = [
            ("Debian:12", Ecosystem::Debian, "12"),
            ("Debian:11.6", Ecosystem::Debian, "11"),
            ("Alpine:v3.19", Ecosystem::Alpine, "v3.19"),
            ("Alpine:v3.20.3", Ecosystem::Alpine, "v3.20"),
            ("Ubuntu:22.04:LTS", Ecosystem::Ubuntu, "22.04"),
            ("Ubuntu:Pro:FIPS:20.04:LTS", Ecosystem::Ubuntu, "20.04"),
            (
                "Red Hat:enterprise_linux:9::appstream",
                Ecosystem::RedHat,
                "9",
            ),
            ("AlmaLinux:9", Ecosystem::AlmaLinux, "9"),
            ("Rocky Linux:8", Ecosystem::Rocky, "8"),
            ("PyPI", Ecosystem::PyPI, ""),
            ("crates.io", Ecosystem::CratesIo, ""),
        ];
        for (raw, eco, rel) in cases {
            assert_eq!(
                Ecosystem::parse_osv(raw),
                Some((eco, rel.to_string())),
                "{raw}"
            );
        }
        assert_eq!(Ecosystem::parse_osv("Hackage"), None);
    }

    #[test]
    fn os_release_maps_to_namespace() {
        let os = |id: &str, v: &str| OsInfo {
            id: id.into(),
            version_id: Some(v.into()),
            ..OsInfo::default()
        };
        assert_eq!(
            os_namespace(&os("alpine", "3.19.1")),
            Some((Ecosystem::Alpine, "v3.19".into()))
        );
        assert_eq!(
            os_namespace(&os("debian", "12")),
            Some((Ecosystem::Debian, "12".into()))
        );
        assert_eq!(
            os_namespace(&os("almalinux", "9.3")),
            Some((Ecosystem::AlmaLinux, "9".into()))
        );
        assert_eq!(
            os_namespace(&os("ubuntu", "22.04")),
            Some((Ecosystem::Ubuntu, "22.04".into()))
        );
        assert_eq!(os_namespace(&os("gentoo", "2.14")), None);
    }

    #[test]
    fn pypi_names_follow_pep503() {
        assert_eq!(
            normalize_name(Ecosystem::PyPI, "Foo__Bar.baz"),
            "foo-bar-baz"
        );
        assert_eq!(normalize_name(Ecosystem::PyPI, "PyYAML"), "pyyaml");
        assert_eq!(normalize_name(Ecosystem::Npm, "@Scope/Pkg"), "@Scope/Pkg");
    }
}
