//! Language packages: Python, Node, Go binaries, Rust, Java archives, Ruby gems, PHP Composer.
//!
//! [`wants`] decides from the path (plus size and executable bit) alone, with plain suffix and segment
//! comparisons, because it runs for every file of an image. [`catalog`] then dispatches on the same path
//! classification, or on the executable magic for binaries (Go buildinfo, `cargo auditable` data).
//!
//! What is recorded follows Syft's installed-package catalogers:
//! - every `package.json` with a name and a version, the root application's included (Syft's
//!   javascript-package-cataloger reads `**/package.json`); `package-lock.json` files outside `node_modules`
//!   (dev-only entries and links skipped, as Syft does) and `yarn.lock` files;
//! - every `[[package]]` of a `Cargo.lock` (path and workspace members too), and the runtime crates of a
//!   `cargo auditable` binary (build-only crates skipped, as Syft does);
//! - a Go binary's main module (a `(devel)` version replaced by one from the build settings' `-ldflags`
//!   or VCS stamp, or a release-like string in the binary, when there is one; the `path` at `(devel)`
//!   when there is no module),
//!   its dependencies (a `=>` module replacement wins; a directory replacement keeps the module path,
//!   where Syft would name the package after the directory) and a `stdlib` package whose version is the
//!   toolchain's without the `go` prefix (Syft keeps the prefix in the version, not in the purl);
//! - a `pom.properties` package for each one in a Java archive, else one package named after the file.

mod binary;
mod golang;
mod java;
mod node;
mod php;
mod python;
mod ruby;
mod rust;
mod text;
mod yarn;

use crate::{FileResult, Package, PackageKind};

/// Largest text record (metadata, manifest, lockfile) worth reading.
const MAX_TEXT: u64 = 64 << 20;
/// Largest Java archive worth reading.
const MAX_ARCHIVE: u64 = 1 << 30;
/// Smallest executable that can be a Go or Rust program.
const MIN_BINARY: u64 = 1 << 10;
/// Largest executable worth reading.
const MAX_BINARY: u64 = 2 << 30;

/// A package record recognised from its path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    /// `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, or an `*.egg-info` file.
    PythonMetadata,
    /// `package.json`.
    PackageJson,
    /// `package-lock.json` outside `node_modules`.
    PackageLock,
    /// `yarn.lock`.
    YarnLock,
    /// `Cargo.lock`.
    CargoLock,
    /// `<vendor-dir>/composer/installed.json`.
    ComposerInstalled,
    /// `specifications/**/*.gemspec`.
    Gemspec,
    /// `*.jar`, `*.war`, `*.ear`, `*.jpi`, `*.hpi` and the other Java archive suffixes.
    JavaArchive,
}

impl Record {
    fn max_size(self) -> u64 {
        match self {
            Record::JavaArchive => MAX_ARCHIVE,
            _ => MAX_TEXT,
        }
    }
}

/// Whether a file at `path` (absolute, normalized) of `size` bytes may hold language package records.
pub fn wants(path: &str, size: u64, executable: bool) -> bool {
    if let Some(record) = record_of(path) {
        return size <= record.max_size();
    }
    (executable || ends_with_ignore_case(path, ".exe"))
        && (MIN_BINARY..=MAX_BINARY).contains(&size)
        && !binary::excluded_path(path)
}

/// Packages recorded in the file at `path`, or None when it is not a language package record after all
/// (a `package.json` without a version, an ELF that is neither a Go nor an auditable Rust program).
pub fn catalog(path: &str, data: &[u8]) -> Option<FileResult> {
    match record_of(path) {
        Some(Record::PythonMetadata) => python::catalog(data),
        Some(Record::PackageJson) => node::catalog_package_json(data),
        Some(Record::PackageLock) => node::catalog_package_lock(data),
        Some(Record::YarnLock) => yarn::catalog(data),
        Some(Record::CargoLock) => rust::catalog_cargo_lock(data),
        Some(Record::ComposerInstalled) => php::catalog(data),
        Some(Record::Gemspec) => ruby::catalog(data),
        Some(Record::JavaArchive) => java::catalog(path, data),
        None => binary::catalog(data),
    }
}

/// The record a path names, from suffix and segment comparisons only.
fn record_of(path: &str) -> Option<Record> {
    let (parent, name) = match path.rsplit_once('/') {
        Some((parent, name)) => (parent, name),
        None => ("", path),
    };
    let parent_name = parent.rsplit('/').next().unwrap_or("");
    match name {
        "METADATA" if ends_with_ignore_case(parent_name, "dist-info") => {
            return Some(Record::PythonMetadata);
        }
        "PKG-INFO" if ends_with_ignore_case(parent_name, "egg-info") => {
            return Some(Record::PythonMetadata);
        }
        "package.json" => return Some(Record::PackageJson),
        "package-lock.json" if !has_segment(parent, "node_modules") => {
            return Some(Record::PackageLock);
        }
        "yarn.lock" if !has_segment(parent, "node_modules") => return Some(Record::YarnLock),
        "Cargo.lock" => return Some(Record::CargoLock),
        "installed.json" if parent_name == "composer" => return Some(Record::ComposerInstalled),
        _ => {}
    }
    if name.len() > ".egg-info".len() && name.ends_with(".egg-info") {
        return Some(Record::PythonMetadata);
    }
    if name.len() > ".gemspec".len()
        && name.ends_with(".gemspec")
        && has_segment(parent, "specifications")
    {
        return Some(Record::Gemspec);
    }
    if java::is_archive_name(name) {
        return Some(Record::JavaArchive);
    }
    None
}

/// Whether `path` has a segment equal to `segment`.
fn has_segment(path: &str, segment: &str) -> bool {
    path.split('/').any(|s| s == segment)
}

/// ASCII case-insensitive suffix test.
fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len()
        .checked_sub(suffix.len())
        .and_then(|start| s.as_bytes().get(start..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix.as_bytes()))
}

/// A package of `kind` with the given name and version, the other fields empty.
fn package(kind: PackageKind, name: &str, version: &str) -> Package {
    Package {
        kind: Some(kind),
        name: name.to_string(),
        version: version.to_string(),
        ..Package::default()
    }
}

/// A result with these packages and no error.
fn found(packages: Vec<Package>) -> FileResult {
    FileResult {
        packages,
        ..FileResult::default()
    }
}

/// A result that reports what was expected.
fn failed(error: String) -> FileResult {
    FileResult {
        error: Some(error),
        ..FileResult::default()
    }
}

#[cfg(test)]
mod tests;
