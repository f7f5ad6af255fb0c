//! Operating-system package databases (dpkg, opkg, apk, rpm) and OS identity (os-release).
//!
//! Each database is recognised by its path ([`wants`]) and read from its bytes ([`catalog`]):
//!
//! | path | reader |
//! |---|---|
//! | `/var/lib/dpkg/status`, `/var/lib/dpkg/status.d/<pkg>` (distroless) | [`dpkg`] |
//! | `/usr/lib/opkg/status`, `/var/lib/opkg/status` | [`dpkg`] (same format, kind opkg) |
//! | `/lib/apk/db/installed`, `/usr/lib/apk/db/installed` | [`apk`] |
//! | `{/var/lib/rpm,/usr/lib/sysimage/rpm,/usr/share/rpm}/{rpmdb.sqlite,Packages.db,Packages}` | [`rpm`] (SQLite, NDB or Berkeley DB hash, told apart by magic) |
//! | `/etc/os-release`, `/usr/lib/os-release`, `/etc/alpine-release`, `/etc/debian_version` | [`release`] |

pub mod apk;
mod deb822;
pub mod dpkg;
pub mod release;
pub mod rpm;

use crate::{FileResult, PackageKind};

/// Largest text database (dpkg/opkg status, apk installed) read: 64 MiB.
pub const MAX_TEXT_DB: u64 = 64 << 20;
/// Largest rpm database read: 512 MiB.
pub const MAX_RPM_DB: u64 = 512 << 20;
/// Largest OS identity file read: 64 KiB.
pub const MAX_RELEASE_FILE: u64 = 64 << 10;

/// What an OS file holds, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsFile {
    /// dpkg status (`/var/lib/dpkg/status`).
    DpkgStatus,
    /// One distroless dpkg record (`/var/lib/dpkg/status.d/<pkg>`).
    DpkgStatusD,
    /// opkg status.
    OpkgStatus,
    /// apk installed database.
    ApkInstalled,
    /// rpm database (any backend).
    RpmDb,
    /// `os-release` (`/etc/os-release` or `/usr/lib/os-release`).
    OsRelease,
    /// `/etc/alpine-release`.
    AlpineRelease,
    /// `/etc/debian_version`.
    DebianVersion,
}

impl OsFile {
    /// The largest file of this kind worth reading.
    pub fn max_size(self) -> u64 {
        match self {
            OsFile::RpmDb => MAX_RPM_DB,
            OsFile::OsRelease | OsFile::AlpineRelease | OsFile::DebianVersion => MAX_RELEASE_FILE,
            _ => MAX_TEXT_DB,
        }
    }
}

/// Files in `status.d` that are not package records (distroless ships `<pkg>.md5sums` beside `<pkg>`).
const STATUS_D_SKIP_SUFFIXES: &[&str] = &[
    ".md5sums",
    ".list",
    ".conffiles",
    ".shlibs",
    ".symbols",
    ".triggers",
    ".preinst",
    ".postinst",
    ".prerm",
    ".postrm",
    ".templates",
];

const RPM_DIRS: &[&str] = &["/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/"];
const RPM_FILES: &[&str] = &["rpmdb.sqlite", "Packages.db", "Packages"];

/// Classify an absolute, normalized path (`./` and a missing leading `/` are tolerated).
pub fn classify(path: &str) -> Option<OsFile> {
    let path = path.trim_start_matches("./");
    let path = path.strip_prefix('/').unwrap_or(path);
    let kind = match path {
        "var/lib/dpkg/status" => OsFile::DpkgStatus,
        "usr/lib/opkg/status" | "var/lib/opkg/status" => OsFile::OpkgStatus,
        "lib/apk/db/installed" | "usr/lib/apk/db/installed" => OsFile::ApkInstalled,
        "etc/os-release" | "usr/lib/os-release" => OsFile::OsRelease,
        "etc/alpine-release" => OsFile::AlpineRelease,
        "etc/debian_version" => OsFile::DebianVersion,
        _ => {
            if let Some(name) = path.strip_prefix("var/lib/dpkg/status.d/") {
                let is_record = !name.is_empty()
                    && !name.contains('/')
                    && !name.starts_with('.')
                    && !STATUS_D_SKIP_SUFFIXES.iter().any(|s| name.ends_with(s));
                return is_record.then_some(OsFile::DpkgStatusD);
            }
            let is_rpm = RPM_DIRS.iter().any(|dir| {
                dir.strip_prefix('/')
                    .and_then(|dir| path.strip_prefix(dir))
                    .is_some_and(|file| RPM_FILES.contains(&file))
            });
            return is_rpm.then_some(OsFile::RpmDb);
        }
    };
    Some(kind)
}

/// Whether the file at `path` of `size` bytes is an OS package database or OS identity file to read.
pub fn wants(path: &str, size: u64) -> bool {
    classify(path).is_some_and(|kind| size <= kind.max_size())
}

/// Packages or OS identity in the OS file at `path`; `None` when the path is not an OS file.
pub fn catalog(path: &str, data: &[u8]) -> Option<FileResult> {
    let kind = classify(path)?;
    Some(match kind {
        OsFile::DpkgStatus | OsFile::DpkgStatusD => dpkg::parse(data, PackageKind::Deb),
        OsFile::OpkgStatus => dpkg::parse(data, PackageKind::Opkg),
        OsFile::ApkInstalled => apk::parse(data),
        OsFile::RpmDb => rpm::parse(data),
        OsFile::OsRelease => release::result(release::parse_os_release(data)),
        OsFile::AlpineRelease => release::result(release::parse_alpine_release(data)),
        OsFile::DebianVersion => release::result(release::parse_debian_version(data)),
    })
}

/// Text of a database file: UTF-8, with invalid sequences replaced (old databases hold Latin-1 text).
pub(crate) fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_paths() {
        assert_eq!(classify("/var/lib/dpkg/status"), Some(OsFile::DpkgStatus));
        assert_eq!(classify("var/lib/dpkg/status"), Some(OsFile::DpkgStatus));
        assert_eq!(classify("./var/lib/dpkg/status"), Some(OsFile::DpkgStatus));
        assert_eq!(classify("/var/lib/dpkg/status-old"), None);
        assert_eq!(
            classify("/var/lib/dpkg/status.d/base-files"),
            Some(OsFile::DpkgStatusD)
        );
        assert_eq!(
            classify("/var/lib/dpkg/status.d/libssl1.1"),
            Some(OsFile::DpkgStatusD)
        );
        assert_eq!(classify("/var/lib/dpkg/status.d/base-files.md5sums"), None);
        assert_eq!(classify("/var/lib/dpkg/status.d/a/b"), None);
        assert_eq!(classify("/var/lib/dpkg/status.d/"), None);
        assert_eq!(
            classify("/lib/apk/db/installed"),
            Some(OsFile::ApkInstalled)
        );
        assert_eq!(classify("/var/lib/rpm/Packages"), Some(OsFile::RpmDb));
        assert_eq!(classify("/var/lib/rpm/rpmdb.sqlite"), Some(OsFile::RpmDb));
        assert_eq!(
            classify("/usr/lib/sysimage/rpm/Packages.db"),
            Some(OsFile::RpmDb)
        );
        assert_eq!(classify("/var/lib/rpm/Name"), None);
        assert_eq!(classify("/usr/lib/opkg/status"), Some(OsFile::OpkgStatus));
        assert_eq!(classify("/etc/os-release"), Some(OsFile::OsRelease));
        assert_eq!(classify("/usr/lib/os-release"), Some(OsFile::OsRelease));
        assert_eq!(classify("/etc/alpine-release"), Some(OsFile::AlpineRelease));
        assert_eq!(classify("/etc/debian_version"), Some(OsFile::DebianVersion));
        assert_eq!(classify("/etc/passwd"), None);
    }

    #[test]
    fn wants_respects_size_caps() {
        assert!(wants("/etc/os-release", 400));
        assert!(!wants("/etc/os-release", MAX_RELEASE_FILE + 1));
        assert!(wants("/var/lib/rpm/rpmdb.sqlite", 100 << 20));
        assert!(!wants("/var/lib/dpkg/status", MAX_TEXT_DB + 1));
        assert!(!wants("/usr/bin/ls", 10));
    }

    #[test]
    fn catalog_ignores_other_paths() {
        assert!(catalog("/etc/hosts", b"127.0.0.1 localhost").is_none());
        let result = catalog("/etc/alpine-release", b"3.20.3\n");
        assert_eq!(
            result.and_then(|r| r.os).map(|o| o.id),
            Some("alpine".to_string())
        );
    }
}
