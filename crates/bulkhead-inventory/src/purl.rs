//! Package URLs (purl, ECMA-427): `pkg:<type>/<namespace>/<name>@<version>?<qualifiers>#<subpath>`.
//!
//! [`PackageUrl`] builds the canonical string: type lowercased, each namespace and subpath segment,
//! the name, the version and each qualifier value percent-encoded (everything but ASCII letters, digits,
//! `.-_~` and `:` is encoded, `+` as `%2B`, space as `%20`; `/` stays literal in qualifier values, as in
//! the purl test suite), qualifier keys lowercased and sorted, empty
//! qualifier values dropped. [`for_package`] applies each ecosystem's rules on top (name lowercasing,
//! PyPI name normalization, npm scopes, Go module paths, the rpm epoch as a qualifier, the `distro`
//! qualifier of OS packages).

use std::fmt;

use crate::model::{OsInfo, Package, PackageKind};

/// The parts of a package URL, before encoding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageUrl {
    /// Package type (`deb`, `npm`, ...).
    pub ty: String,
    /// Namespace, `/`-separated segments (`github.com/gorilla`, `@angular`, `org.apache.commons`).
    pub namespace: Option<String>,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: Option<String>,
    /// Qualifiers, in any order: the canonical form sorts them by key.
    pub qualifiers: Vec<(String, String)>,
    /// Subpath, `/`-separated segments.
    pub subpath: Option<String>,
}

impl PackageUrl {
    /// A purl of `ty` and `name` without namespace, version, qualifiers or subpath.
    pub fn new(ty: &str, name: &str) -> PackageUrl {
        PackageUrl {
            ty: ty.to_string(),
            name: name.to_string(),
            ..PackageUrl::default()
        }
    }

    /// Set the namespace (empty or `None` means none).
    pub fn with_namespace(mut self, namespace: Option<&str>) -> PackageUrl {
        self.namespace = namespace.filter(|n| !n.is_empty()).map(str::to_string);
        self
    }

    /// Set the version (empty means none).
    pub fn with_version(mut self, version: &str) -> PackageUrl {
        self.version = (!version.is_empty()).then(|| version.to_string());
        self
    }

    /// Add a qualifier (an empty value is dropped when the purl is written).
    pub fn with_qualifier(mut self, key: &str, value: &str) -> PackageUrl {
        self.qualifiers.push((key.to_string(), value.to_string()));
        self
    }
}

impl fmt::Display for PackageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty.to_ascii_lowercase())?;
        if let Some(namespace) = &self.namespace {
            let segments = encode_segments(namespace);
            if !segments.is_empty() {
                write!(f, "{segments}/")?;
            }
        }
        f.write_str(&encode(&self.name))?;
        if let Some(version) = &self.version {
            write!(f, "@{}", encode(version))?;
        }
        let mut qualifiers: Vec<(String, &str)> = self
            .qualifiers
            .iter()
            .filter(|(key, value)| !key.is_empty() && !value.is_empty())
            .map(|(key, value)| (key.to_ascii_lowercase(), value.as_str()))
            .collect();
        qualifiers.sort();
        qualifiers.dedup_by(|a, b| a.0 == b.0);
        for (i, (key, value)) in qualifiers.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(f, "{sep}{}={}", encode(key), encode_qualifier_value(value))?;
        }
        if let Some(subpath) = &self.subpath {
            let segments: Vec<String> = subpath
                .split('/')
                .filter(|s| !s.is_empty() && *s != "." && *s != "..")
                .map(encode)
                .collect();
            if !segments.is_empty() {
                write!(f, "#{}", segments.join("/"))?;
            }
        }
        Ok(())
    }
}

/// Percent-encode one purl component: ASCII letters and digits, `.-_~` and `:` stay, every other byte of
/// the UTF-8 form becomes `%XX` (upper-case hex).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// A qualifier value: like [`encode`] but `/` stays literal, as in the purl test suite's canonical forms
/// (`vcs_url=git://host.com/path/to/repo.git%404345abcd34343`).
pub fn encode_qualifier_value(s: &str) -> String {
    s.split('/').map(encode).collect::<Vec<_>>().join("/")
}

/// `/`-separated segments, each encoded, empty ones dropped.
fn encode_segments(s: &str) -> String {
    s.split('/')
        .filter(|segment| !segment.is_empty())
        .map(encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// PyPI name normalization (PEP 503): lowercase, runs of `-`, `_` and `.` become one `-`.
pub fn normalize_pypi_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// The `distro` qualifier of an OS package: `<id>-<version_id>` (`debian-12`, `alpine-3.20.3`), else
/// `<id>-<codename>`, else `<id>`.
pub fn distro_qualifier(os: &OsInfo) -> String {
    let id = os.id.to_lowercase();
    match (&os.version_id, &os.version_codename) {
        (Some(version), _) if !version.is_empty() => format!("{id}-{version}"),
        (_, Some(codename)) if !codename.is_empty() => format!("{id}-{codename}"),
        _ => id,
    }
}

/// Split an rpm version `[epoch:]version-release` into the epoch (digits before the first `:`) and the rest.
pub fn split_rpm_epoch(version: &str) -> (Option<&str>, &str) {
    match version.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(epoch), rest)
        }
        _ => (None, version),
    }
}

/// Split `a/b/c` into (`a/b`, `c`) at the last `/`; no `/` gives no namespace.
fn split_last_slash(path: &str) -> (Option<&str>, &str) {
    match path.rsplit_once('/') {
        Some((namespace, name)) if !namespace.is_empty() && !name.is_empty() => {
            (Some(namespace), name)
        }
        _ => (None, path),
    }
}

/// The canonical purl of `pkg` on the operating system `os` (if known).
///
/// OS packages take the OS `ID` as namespace (`debian`, `alpine` when unknown for deb and apk, none for
/// rpm), `arch` and `distro` qualifiers; rpm's epoch leaves the version for an `epoch` qualifier.
/// Language packages follow their purl type: PyPI names normalized, npm and composer names lowercased,
/// npm scopes written `%40scope`, Go module paths split at the last `/` (case kept: module paths are
/// case-sensitive), Maven `group/artifact`.
pub fn for_package(pkg: &Package, os: Option<&OsInfo>) -> String {
    let os_id = os.map(|o| o.id.to_lowercase()).filter(|id| !id.is_empty());
    let distro = os.filter(|o| !o.id.is_empty()).map(distro_qualifier);
    let arch = pkg.arch.as_deref().unwrap_or("");
    let Some(kind) = pkg.kind else {
        return PackageUrl::new("generic", &pkg.name)
            .with_namespace(pkg.namespace.as_deref())
            .with_version(&pkg.version)
            .to_string();
    };
    let purl = match kind {
        PackageKind::Deb | PackageKind::Apk | PackageKind::Opkg => {
            let default_vendor = match kind {
                PackageKind::Deb => "debian",
                PackageKind::Apk => "alpine",
                _ => "openwrt",
            };
            let vendor = os_id.as_deref().unwrap_or(default_vendor);
            PackageUrl::new(kind.as_str(), &pkg.name.to_lowercase())
                .with_namespace(Some(vendor))
                .with_version(&pkg.version)
                .with_qualifier("arch", arch)
                .with_qualifier("distro", distro.as_deref().unwrap_or(""))
        }
        PackageKind::Rpm => {
            let (epoch, version) = split_rpm_epoch(&pkg.version);
            PackageUrl::new("rpm", &pkg.name)
                .with_namespace(os_id.as_deref())
                .with_version(version)
                .with_qualifier("arch", arch)
                .with_qualifier("epoch", epoch.unwrap_or(""))
                .with_qualifier("distro", distro.as_deref().unwrap_or(""))
        }
        PackageKind::Python => {
            PackageUrl::new("pypi", &normalize_pypi_name(&pkg.name)).with_version(&pkg.version)
        }
        PackageKind::Npm => {
            let (scope, name) = match pkg.namespace.as_deref() {
                Some(scope) => (Some(scope.trim_start_matches('@')), pkg.name.as_str()),
                None => match pkg.name.strip_prefix('@').and_then(|n| n.split_once('/')) {
                    Some((scope, name)) => (Some(scope), name),
                    None => (None, pkg.name.as_str()),
                },
            };
            let scope = scope
                .filter(|s| !s.is_empty())
                .map(|s| format!("@{}", s.to_lowercase()));
            PackageUrl::new("npm", &name.to_lowercase())
                .with_namespace(scope.as_deref())
                .with_version(&pkg.version)
        }
        PackageKind::Go => {
            let (namespace, name) = match pkg.namespace.as_deref() {
                Some(namespace) => (Some(namespace), pkg.name.as_str()),
                None => split_last_slash(&pkg.name),
            };
            PackageUrl::new("golang", name)
                .with_namespace(namespace)
                .with_version(&pkg.version)
        }
        PackageKind::Maven => {
            let (group, artifact) = match pkg.namespace.as_deref() {
                Some(group) => (Some(group), pkg.name.as_str()),
                None => match pkg.name.split_once(':') {
                    Some((group, artifact)) => (Some(group), artifact),
                    None => (None, pkg.name.as_str()),
                },
            };
            PackageUrl::new("maven", artifact)
                .with_namespace(group)
                .with_version(&pkg.version)
        }
        PackageKind::Composer => {
            let (vendor, name) = match pkg.namespace.as_deref() {
                Some(vendor) => (Some(vendor), pkg.name.as_str()),
                None => split_last_slash(&pkg.name),
            };
            let vendor = vendor.map(str::to_lowercase);
            PackageUrl::new("composer", &name.to_lowercase())
                .with_namespace(vendor.as_deref())
                .with_version(&pkg.version)
        }
        PackageKind::Cargo | PackageKind::Gem => PackageUrl::new(
            if kind == PackageKind::Cargo {
                "cargo"
            } else {
                "gem"
            },
            &pkg.name,
        )
        .with_namespace(pkg.namespace.as_deref())
        .with_version(&pkg.version),
    };
    purl.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(kind: PackageKind, name: &str, version: &str) -> Package {
        Package {
            kind: Some(kind),
            name: name.to_string(),
            version: version.to_string(),
            ..Package::default()
        }
    }

    fn os(id: &str, version: &str) -> OsInfo {
        OsInfo {
            id: id.to_string(),
            version_id: Some(version.to_string()),
            ..OsInfo::default()
        }
    }

    #[test]
    fn spec_examples_build_back() {
        // Examples from the purl type definitions.
        let curl = PackageUrl::new("deb", "curl")
            .with_namespace(Some("debian"))
            .with_version("7.50.3-1")
            .with_qualifier("distro", "jessie")
            .with_qualifier("arch", "i386");
        assert_eq!(
            curl.to_string(),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"
        );
        let attr = PackageUrl::new("deb", "attr")
            .with_namespace(Some("debian"))
            .with_version("1:2.4.47-2+b1")
            .with_qualifier("arch", "amd64");
        assert_eq!(
            attr.to_string(),
            "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64"
        );
        let angular = PackageUrl::new("npm", "animation")
            .with_namespace(Some("@angular"))
            .with_version("12.3.1");
        assert_eq!(angular.to_string(), "pkg:npm/%40angular/animation@12.3.1");
        let npm_vcs = PackageUrl::new("npm", "mypackage")
            .with_version("12.4.5")
            .with_qualifier("vcs_url", "git://host.com/path/to/repo.git@4345abcd34343");
        assert_eq!(
            npm_vcs.to_string(),
            "pkg:npm/mypackage@12.4.5?vcs_url=git://host.com/path/to/repo.git%404345abcd34343"
        );
        let centerim = PackageUrl::new("rpm", "centerim")
            .with_version("4.22.10-1.el6")
            .with_qualifier("epoch", "1")
            .with_qualifier("distro", "fedora-25")
            .with_qualifier("arch", "i686");
        assert_eq!(
            centerim.to_string(),
            "pkg:rpm/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1"
        );
        let genproto = PackageUrl {
            subpath: Some("googleapis/api/annotations".into()),
            ..PackageUrl::new("golang", "genproto").with_namespace(Some("google.golang.org"))
        };
        assert_eq!(
            genproto.to_string(),
            "pkg:golang/google.golang.org/genproto#googleapis/api/annotations"
        );
    }

    #[test]
    fn encoding_keeps_only_the_permitted_set() {
        assert_eq!(
            encode("a b+c/d@e?f#g%h&i=j"),
            "a%20b%2Bc%2Fd%40e%3Ff%23g%25h%26i%3Dj"
        );
        assert_eq!(encode("1:2.0~rc1_x-y"), "1:2.0~rc1_x-y");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn qualifiers_sorted_lowercased_empty_dropped() {
        let purl = PackageUrl::new("generic", "x")
            .with_qualifier("Zeta", "1")
            .with_qualifier("alpha", "")
            .with_qualifier("beta", "a b");
        assert_eq!(purl.to_string(), "pkg:generic/x?beta=a%20b&zeta=1");
    }

    #[test]
    fn os_packages() {
        let debian = os("debian", "12");
        let mut p = pkg(PackageKind::Deb, "libssl3", "3.0.11-1~deb12u2");
        p.arch = Some("amd64".into());
        assert_eq!(
            for_package(&p, Some(&debian)),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
        );
        assert_eq!(
            for_package(&p, None),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64"
        );

        let alpine = os("alpine", "3.20.3");
        let mut p = pkg(PackageKind::Apk, "musl", "1.2.5-r0");
        p.arch = Some("x86_64".into());
        assert_eq!(
            for_package(&p, Some(&alpine)),
            "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"
        );

        let alma = os("almalinux", "9.4");
        let mut p = pkg(PackageKind::Rpm, "openssl-libs", "1:3.0.7-27.el9");
        p.arch = Some("x86_64".into());
        assert_eq!(
            for_package(&p, Some(&alma)),
            "pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=almalinux-9.4&epoch=1"
        );
        let p = pkg(PackageKind::Rpm, "bash", "5.1.8-9.el9");
        assert_eq!(for_package(&p, None), "pkg:rpm/bash@5.1.8-9.el9");
    }

    #[test]
    fn language_packages() {
        let cases = [
            (
                pkg(PackageKind::Python, "Django_Rest.framework", "3.14.0"),
                "pkg:pypi/django-rest-framework@3.14.0",
            ),
            (
                pkg(PackageKind::Python, "zope..interface", "6.0"),
                "pkg:pypi/zope-interface@6.0",
            ),
            (
                pkg(PackageKind::Npm, "@Angular/Core", "17.0.1"),
                "pkg:npm/%40angular/core@17.0.1",
            ),
            (
                pkg(PackageKind::Npm, "lodash", "4.17.21"),
                "pkg:npm/lodash@4.17.21",
            ),
            (
                pkg(PackageKind::Go, "github.com/BurntSushi/toml", "v1.3.2"),
                "pkg:golang/github.com/BurntSushi/toml@v1.3.2",
            ),
            (
                pkg(PackageKind::Go, "stdlib", "go1.22.1"),
                "pkg:golang/stdlib@go1.22.1",
            ),
            (
                pkg(PackageKind::Cargo, "serde_json", "1.0.120"),
                "pkg:cargo/serde_json@1.0.120",
            ),
            (
                pkg(
                    PackageKind::Maven,
                    "org.apache.logging.log4j:log4j-core",
                    "2.14.1",
                ),
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            ),
            (
                pkg(PackageKind::Gem, "rails", "7.1.3"),
                "pkg:gem/rails@7.1.3",
            ),
            (
                pkg(PackageKind::Composer, "Laravel/Laravel", "5.5.0"),
                "pkg:composer/laravel/laravel@5.5.0",
            ),
        ];
        for (p, want) in cases {
            assert_eq!(for_package(&p, None), want, "{p:?}");
        }
        let mut scoped = pkg(PackageKind::Npm, "core", "1.0.0");
        scoped.namespace = Some("babel".into());
        assert_eq!(for_package(&scoped, None), "pkg:npm/%40babel/core@1.0.0");
        let mut maven = pkg(PackageKind::Maven, "guava", "33.0.0-jre");
        maven.namespace = Some("com.google.guava".into());
        assert_eq!(
            for_package(&maven, Some(&os("debian", "12"))),
            "pkg:maven/com.google.guava/guava@33.0.0-jre"
        );
    }

    #[test]
    fn rpm_epoch_split() {
        assert_eq!(split_rpm_epoch("2:1.0-1"), (Some("2"), "1.0-1"));
        assert_eq!(split_rpm_epoch("1.0-1"), (None, "1.0-1"));
        assert_eq!(split_rpm_epoch("a:1.0"), (None, "a:1.0"));
        assert_eq!(split_rpm_epoch(":1.0"), (None, ":1.0"));
    }
}
