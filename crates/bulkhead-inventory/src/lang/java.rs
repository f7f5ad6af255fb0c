//! Java archives (`*.jar`, `*.war`, `*.ear`, Jenkins `*.jpi`/`*.hpi`, ...).
//!
//! Each `META-INF/maven/<group>/<artifact>/pom.properties` gives a package (namespace = groupId); an
//! archive without any takes one package from its file name (`name-1.2.3.jar`, as Syft does) with the
//! version, when the name has none, and the group from `META-INF/MANIFEST.MF`. Archives inside
//! (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, ...) are read the same way up to [`MAX_DEPTH`] levels down,
//! and everything inflated counts against one budget per top-level file, so a zip bomb costs at most
//! [`MAX_INFLATED`] bytes of work.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::text::{Folding, header, header_block, lossy};
use super::{FileResult, package};
use crate::{Package, PackageKind};

/// Archive suffixes Syft's Java cataloger reads.
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".jar", ".war", ".ear", ".jpi", ".hpi", ".par", ".sar", ".nar", ".kar", ".lpkg",
];
/// How many archive levels below the file itself are opened.
pub(super) const MAX_DEPTH: usize = 3;
/// Bytes inflated in total for one top-level archive.
pub(super) const MAX_INFLATED: u64 = 512 << 20;
/// Largest `pom.properties` or `MANIFEST.MF` read.
const MAX_METADATA: u64 = 1 << 20;
/// Largest nested archive read.
const MAX_NESTED: u64 = 256 << 20;
/// Most problems listed in the file's error.
const MAX_NOTES: usize = 8;

/// Whether a file name ends like a Java archive (ASCII case-insensitive).
pub(super) fn is_archive_name(name: &str) -> bool {
    ARCHIVE_SUFFIXES
        .iter()
        .any(|s| name.len() > s.len() && super::ends_with_ignore_case(name, s))
}

/// Packages of the archive at `path` and the archives inside it.
pub(super) fn catalog(path: &str, data: &[u8]) -> Option<FileResult> {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let mut walk = Walk {
        budget: MAX_INFLATED,
        packages: Vec::new(),
        notes: Vec::new(),
    };
    if let Err(e) = walk.archive(file_name, data, 0) {
        return Some(super::failed(e));
    }
    let error = (!walk.notes.is_empty()).then(|| {
        let more = walk.notes.len().saturating_sub(MAX_NOTES);
        let mut text = walk
            .notes
            .iter()
            .take(MAX_NOTES)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        if more > 0 {
            text.push_str(&format!("; and {more} more"));
        }
        text
    });
    Some(FileResult {
        packages: walk.packages,
        error,
        ..FileResult::default()
    })
}

/// State of one top-level archive's walk.
struct Walk {
    /// Inflated bytes still allowed.
    budget: u64,
    packages: Vec<Package>,
    /// Problems with entries or nested archives (the walk goes on).
    notes: Vec<String>,
}

impl Walk {
    /// Reads the archive `name` (its file name, for the fallback package); an error when it is no zip.
    fn archive(&mut self, name: &str, data: &[u8], depth: usize) -> Result<(), String> {
        let mut zip = ZipArchive::new(Cursor::new(data))
            .map_err(|e| format!("expected a zip archive (Java archive {name}): {e}"))?;
        let mut manifest = None;
        let mut poms = Vec::new();
        let mut nested = Vec::new();
        for index in 0..zip.len() {
            let Some(Ok(entry)) = zip.name_for_index(index) else {
                continue;
            };
            if entry.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest.get_or_insert(index);
            } else if entry.starts_with("META-INF/maven/") && entry.ends_with("/pom.properties") {
                poms.push(index);
            } else if is_archive_name(entry.rsplit('/').next().unwrap_or("")) {
                nested.push((index, entry.to_string()));
            }
        }
        let mut found_pom = false;
        for index in poms {
            let Some(text) = self.read(&mut zip, index, MAX_METADATA, name) else {
                continue;
            };
            if let Some(p) = pom_properties_package(&lossy(&text)) {
                self.packages.push(p);
                found_pom = true;
            }
        }
        if !found_pom {
            let manifest_text = manifest
                .and_then(|index| self.read(&mut zip, index, MAX_METADATA, name))
                .map(|t| lossy(&t).into_owned())
                .unwrap_or_default();
            self.packages.push(archive_package(name, &manifest_text));
        }
        for (index, entry) in nested {
            let inner_name = entry.rsplit('/').next().unwrap_or(&entry);
            if depth >= MAX_DEPTH {
                self.note(format!(
                    "{name}: nested archive {entry} not read (more than {MAX_DEPTH} levels deep)"
                ));
                continue;
            }
            let Some(inner) = self.read(&mut zip, index, MAX_NESTED, name) else {
                continue;
            };
            if let Err(e) = self.archive(inner_name, &inner, depth + 1) {
                self.note(format!("{name}: {entry}: {e}"));
            }
        }
        Ok(())
    }

    /// The inflated entry `index`, at most `limit` bytes and within the budget; a note otherwise.
    fn read(
        &mut self,
        zip: &mut ZipArchive<Cursor<&[u8]>>,
        index: usize,
        limit: u64,
        archive: &str,
    ) -> Option<Vec<u8>> {
        let allowed = limit.min(self.budget);
        let mut entry = match zip.by_index(index) {
            Ok(entry) => entry,
            Err(e) => {
                self.note(format!("{archive}: entry {index} unreadable: {e}"));
                return None;
            }
        };
        let entry_name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if entry.size() > allowed {
            let why = if allowed < limit {
                "inflated-bytes budget left"
            } else {
                "limit"
            };
            self.note(format!(
                "{archive}: {entry_name} not read: {} bytes inflated exceeds the {allowed}-byte {why}",
                entry.size()
            ));
            return None;
        }
        let mut buf = Vec::with_capacity(entry.size().min(MAX_METADATA) as usize);
        let read = (&mut entry).take(allowed + 1).read_to_end(&mut buf);
        self.budget = self.budget.saturating_sub(buf.len() as u64);
        if buf.len() as u64 > allowed {
            self.note(format!(
                "{archive}: {entry_name} not read: inflates past the {allowed} bytes allowed (declared {})",
                entry.size()
            ));
            return None;
        }
        if let Err(e) = read {
            self.note(format!(
                "{archive}: {entry_name}: expected deflate or stored data: {e}"
            ));
            return None;
        }
        Some(buf)
    }

    fn note(&mut self, note: String) {
        self.notes.push(note);
    }
}

/// `groupId`, `artifactId`, `version` of a `pom.properties` (Java properties: `key=value` or
/// `key: value`, `#`/`!` comments).
fn pom_properties_package(text: &str) -> Option<Package> {
    let (mut group, mut artifact, mut version) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(['#', '!']) {
            continue;
        }
        let Some(split) = line.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (line.get(..split)?.trim(), line.get(split + 1..)?.trim());
        match key {
            "groupId" => group = Some(value),
            "artifactId" => artifact = Some(value),
            "version" => version = Some(value),
            _ => {}
        }
    }
    let artifact = artifact.filter(|a| !a.is_empty())?;
    let version = version.filter(|v| !v.is_empty())?;
    let mut p = package(PackageKind::Maven, artifact, version);
    p.namespace = group.filter(|g| !g.is_empty()).map(str::to_string);
    Some(p)
}

/// The package of an archive without `pom.properties`: name (and version) from the file name, else
/// version from `Implementation-Version`, `Specification-Version`, `Bundle-Version`; group from
/// `Implementation-Vendor-Id` or the `Bundle-SymbolicName` prefix before `.<name>`.
fn archive_package(file_name: &str, manifest: &str) -> Package {
    let (name, file_version) = split_file_name(file_name);
    let headers = header_block(manifest, Folding::Manifest);
    let version = if file_version.is_empty() {
        [
            "Implementation-Version",
            "Specification-Version",
            "Bundle-Version",
        ]
        .iter()
        .find_map(|k| header(&headers, k))
        .unwrap_or("")
    } else {
        file_version
    };
    let mut p = package(PackageKind::Maven, name, version);
    let symbolic =
        header(&headers, "Bundle-SymbolicName").map(|s| s.split(';').next().unwrap_or(s).trim());
    p.namespace = header(&headers, "Implementation-Vendor-Id")
        .or_else(|| {
            symbolic.and_then(|s| {
                s.strip_suffix(name)
                    .and_then(|prefix| prefix.strip_suffix('.'))
                    .filter(|prefix| !prefix.is_empty())
            })
        })
        .map(str::to_string);
    p
}

/// `commons-io-2.11.0.jar` → (`commons-io`, `2.11.0`): the version starts at the first `-` followed by a
/// digit; without one the whole stem is the name.
fn split_file_name(file_name: &str) -> (&str, &str) {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    let bytes = stem.as_bytes();
    for (i, pair) in bytes.windows(2).enumerate() {
        if pair.first() == Some(&b'-') && pair.get(1).is_some_and(u8::is_ascii_digit) && i > 0 {
            return (
                stem.get(..i).unwrap_or(stem),
                stem.get(i + 1..).unwrap_or(""),
            );
        }
    }
    (stem, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            split_file_name("commons-io-2.11.0.jar"),
            ("commons-io", "2.11.0")
        );
        assert_eq!(split_file_name("guava-31.1-jre.jar"), ("guava", "31.1-jre"));
        assert_eq!(split_file_name("app.jar"), ("app", ""));
        assert_eq!(split_file_name("-1.jar"), ("-1", ""));
        assert!(is_archive_name("x.JAR"));
        assert!(!is_archive_name(".jar"));
        assert!(!is_archive_name("x.jar.sha1"));
    }

    #[test]
    fn pom_properties() {
        let p = pom_properties_package(
            "#Generated by Maven\n#Tue\ngroupId=org.slf4j\nartifactId=slf4j-api\nversion = 2.0.9\n",
        );
        let p = p.unwrap_or_default();
        assert_eq!(
            (p.namespace.as_deref(), p.name.as_str(), p.version.as_str()),
            (Some("org.slf4j"), "slf4j-api", "2.0.9")
        );
        assert_eq!(pom_properties_package("groupId=x\nartifactId=y\n"), None);
    }

    #[test]
    fn manifest_fallbacks() {
        let m = "Manifest-Version: 1.0\nBundle-SymbolicName: org.apache.commons.commons-io;singleton:=true\nImplementation-Version: 2.11.0\n";
        let p = archive_package("commons-io.jar", m);
        assert_eq!(
            (p.namespace.as_deref(), p.name.as_str(), p.version.as_str()),
            (Some("org.apache.commons"), "commons-io", "2.11.0")
        );
        let p = archive_package(
            "app-1.0.jar",
            "Implementation-Vendor-Id: com.example\nImplementation-Version: 9\n",
        );
        assert_eq!(
            (p.namespace.as_deref(), p.version.as_str()),
            (Some("com.example"), "1.0")
        );
    }
}
