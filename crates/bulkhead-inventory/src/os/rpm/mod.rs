//! rpm databases: SQLite (`rpmdb.sqlite`), NDB (`Packages.db`) and Berkeley DB hash (`Packages`), told
//! apart by their magic rather than their name. Each yields header blobs, read by [`header`].
//!
//! A package's version is `[epoch:]version-release`; its source package is the name part of `SOURCERPM`
//! (`openssl-3.0.7-27.el9.src.rpm` → `openssl`). The `gpg-pubkey` pseudo-packages (imported signing
//! keys) are not packages and are left out.

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use crate::model::{FileResult, Package, PackageKind};
use header::Header;

/// Problems with single records of a database that is otherwise readable: counted, the first few kept.
#[derive(Debug, Default)]
pub struct Problems {
    first: Vec<String>,
    count: usize,
}

impl Problems {
    const KEEP: usize = 3;

    /// Record one problem.
    pub fn push(&mut self, problem: impl Into<String>) {
        self.count += 1;
        if self.first.len() < Self::KEEP {
            self.first.push(problem.into());
        }
    }

    /// How many problems were recorded.
    pub fn count(&self) -> usize {
        self.count
    }

    /// `N problem(s): first; second; third` or `None`.
    pub fn summary(&self) -> Option<String> {
        (self.count > 0).then(|| {
            let more = if self.count > self.first.len() {
                "; ..."
            } else {
                ""
            };
            format!("{} problem(s): {}{more}", self.count, self.first.join("; "))
        })
    }
}

/// The `u32` at byte `at` of `data`, little-endian or big-endian; `None` past the end.
pub(crate) fn u32_at(data: &[u8], at: usize, little_endian: bool) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if little_endian {
        u32::from_le_bytes(bytes)
    } else {
        u32::from_be_bytes(bytes)
    })
}

/// The `u16` at byte `at` of `data`, little-endian or big-endian; `None` past the end.
pub(crate) fn u16_at(data: &[u8], at: usize, little_endian: bool) -> Option<u16> {
    let bytes: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if little_endian {
        u16::from_le_bytes(bytes)
    } else {
        u16::from_be_bytes(bytes)
    })
}

/// Which backend a file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (`SQLite format 3`).
    Sqlite,
    /// NDB (`RpmP`).
    Ndb,
    /// Berkeley DB (magic at byte 12).
    BerkeleyDb,
}

/// The backend of `data`, if it is one.
pub fn backend(data: &[u8]) -> Option<Backend> {
    if data.starts_with(sqlite::MAGIC) {
        Some(Backend::Sqlite)
    } else if data.starts_with(ndb::MAGIC) {
        Some(Backend::Ndb)
    } else if bdb::looks_like(data) {
        Some(Backend::BerkeleyDb)
    } else {
        None
    }
}

/// Installed packages of an rpm database file of any backend.
pub fn parse(data: &[u8]) -> FileResult {
    let mut problems = Problems::default();
    let blobs = match backend(data) {
        Some(Backend::Sqlite) => sqlite::blobs(data, &mut problems),
        Some(Backend::Ndb) => ndb::blobs(data, &mut problems),
        Some(Backend::BerkeleyDb) => bdb::blobs(data, &mut problems),
        None if data.is_empty() => Err("empty file, expected an rpm database".to_string()),
        None => Err(
            "not an rpm database: no SQLite, NDB (`RpmP`) or Berkeley DB hash magic".to_string(),
        ),
    };
    let blobs = match blobs {
        Ok(blobs) => blobs,
        Err(error) => {
            return FileResult {
                error: Some(error),
                ..FileResult::default()
            };
        }
    };
    let mut result = FileResult::default();
    for (index, blob) in blobs.iter().enumerate() {
        match header::parse(blob).and_then(|h| package(&h)) {
            Ok(Some(package)) => result.packages.push(package),
            Ok(None) => {}
            Err(e) => problems.push(format!("header {}: {e}", index + 1)),
        }
    }
    result.error = problems.summary().map(|s| format!("rpm database: {s}"));
    result
}

/// The package a header describes; `None` for `gpg-pubkey` entries.
pub fn package(header: &Header<'_>) -> Result<Option<Package>, String> {
    let name = header
        .string(header::TAG_NAME)
        .filter(|n| !n.is_empty())
        .ok_or("no NAME")?;
    if name == "gpg-pubkey" {
        return Ok(None);
    }
    let version = header
        .string(header::TAG_VERSION)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name}: no VERSION"))?;
    let release = header.string(header::TAG_RELEASE).unwrap_or_default();
    let version_release = if release.is_empty() {
        version
    } else {
        format!("{version}-{release}")
    };
    let full_version = match header.int32(header::TAG_EPOCH) {
        Some(epoch) => format!("{epoch}:{version_release}"),
        None => version_release.clone(),
    };
    let (source_name, source_version) = match header.string(header::TAG_SOURCERPM) {
        Some(srpm) => match split_source_rpm(&srpm) {
            Some((n, v)) => (Some(n.to_string()), Some(v.to_string())),
            None => (None, None),
        },
        None => (None, None),
    };
    Ok(Some(Package {
        kind: Some(PackageKind::Rpm),
        name,
        version: full_version,
        source_name,
        source_version: source_version.filter(|v| *v != version_release),
        arch: header.string(header::TAG_ARCH).filter(|a| !a.is_empty()),
        licenses: header
            .string(header::TAG_LICENSE)
            .filter(|l| !l.is_empty())
            .into_iter()
            .collect(),
        ..Package::default()
    }))
}

/// Split `name-version-release.src.rpm` (or `.nosrc.rpm`) into the name and `version-release`.
pub fn split_source_rpm(srpm: &str) -> Option<(&str, &str)> {
    let stem = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    let version_release = stem.get(name.len() + 1..)?;
    Some((name, version_release))
}

#[cfg(test)]
mod tests {
    use super::header::tests::{build, s};
    use super::*;

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            split_source_rpm("openssl-3.0.7-27.el9.src.rpm"),
            Some(("openssl", "3.0.7-27.el9"))
        );
        assert_eq!(
            split_source_rpm("python3.11-setuptools-65.5.1-2.el9.src.rpm"),
            Some(("python3.11-setuptools", "65.5.1-2.el9"))
        );
        assert_eq!(split_source_rpm("a-b.src.rpm"), None);
        assert_eq!(split_source_rpm("name-1-2.rpm"), None);
        assert_eq!(split_source_rpm("-1-2.src.rpm"), None);
    }

    #[test]
    fn header_to_package() {
        let blob = build(&[
            (header::TAG_NAME, 6, s("openssl-libs")),
            (header::TAG_VERSION, 6, s("3.0.7")),
            (header::TAG_RELEASE, 6, s("27.el9")),
            (header::TAG_EPOCH, 4, 1u32.to_be_bytes().to_vec()),
            (header::TAG_ARCH, 6, s("x86_64")),
            (header::TAG_SOURCERPM, 6, s("openssl-3.0.7-27.el9.src.rpm")),
            (header::TAG_LICENSE, 6, s("Apache-2.0")),
        ]);
        let parsed = header::parse(&blob).and_then(|h| package(&h));
        let Ok(Some(pkg)) = parsed else {
            panic!("{parsed:?}");
        };
        assert_eq!(pkg.name, "openssl-libs");
        assert_eq!(pkg.version, "1:3.0.7-27.el9");
        assert_eq!(pkg.source_name.as_deref(), Some("openssl"));
        assert_eq!(pkg.source_version, None);
        assert_eq!(pkg.arch.as_deref(), Some("x86_64"));
        assert_eq!(pkg.licenses, vec!["Apache-2.0".to_string()]);

        let key = build(&[
            (header::TAG_NAME, 6, s("gpg-pubkey")),
            (header::TAG_VERSION, 6, s("fd431d51")),
        ]);
        assert_eq!(header::parse(&key).and_then(|h| package(&h)), Ok(None));
        let nameless = build(&[(header::TAG_VERSION, 6, s("1"))]);
        assert!(header::parse(&nameless).and_then(|h| package(&h)).is_err());
    }

    #[test]
    fn not_a_database() {
        assert!(parse(b"").error.is_some_and(|e| e.contains("empty")));
        assert!(
            parse(b"asdf\n")
                .error
                .is_some_and(|e| e.contains("not an rpm database"))
        );
    }

    #[test]
    fn problems_keep_the_first_few() {
        let mut problems = Problems::default();
        assert_eq!(problems.summary(), None);
        for i in 0..10 {
            problems.push(format!("p{i}"));
        }
        assert_eq!(problems.count(), 10);
        assert_eq!(
            problems.summary().as_deref(),
            Some("10 problem(s): p0; p1; p2; ...")
        );
    }
}
