//! Advisory importers: every supported source format into [`Advisory`] records.
//!
//! PLACEHOLDER: the readers land in `osv.rs` (OSV JSON and YAML, single files, directories, zips),
//! `secdb.rs` (Alpine secdb `secfixes`, YAML or JSON), `debian.rs` (security tracker DSA/DLA/DTSA lists),
//! `nodejs.rs` (Node.js security WG), `rubysec.rs` (ruby-advisory-db), `friendsofphp.rs` (security-advisories).

use crate::advisory::Advisory;
use std::path::{Path, PathBuf};

/// A source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Osv,
    AlpineSecdb,
    DebianTracker,
    NodejsWg,
    RubySec,
    FriendsOfPhp,
}

/// A file (or zip member) that could not be read as an advisory; the import goes on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Path of the file, or `archive.zip!member.json`.
    pub path: String,
    /// What was wrong, and what was expected (`line 3: expected a mapping with \`id\``).
    pub reason: String,
}

/// What an import produced.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    pub advisories: Vec<Advisory>,
    /// Files read (including skipped ones).
    pub files: usize,
    pub skipped: Vec<Skipped>,
    /// Records understood but left out on purpose, with why (`unknown ecosystem "Hackage"`, Node.js core
    /// advisories that name no npm package, ...), counted by reason.
    pub ignored: Vec<(String, usize)>,
}

/// An import that could not start at all (the path does not exist, is unreadable, or is no known format).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path}: not an advisory source bulkhead knows ({message})")]
    Unrecognized { path: PathBuf, message: String },
}

/// Import a file, a directory (walked recursively; each file's format detected) or a zip (OSV `all.zip`).
pub fn import_path(path: &Path) -> Result<ImportOutcome, ImportError> {
    Err(ImportError::Unrecognized {
        path: path.to_path_buf(),
        message: "importers not built yet".into(),
    })
}

/// Import an OSV zip export (`all.zip`) read from memory or a file; `label` names it in skip reasons.
pub fn import_zip<R: std::io::Read + std::io::Seek>(
    label: &str,
    reader: R,
) -> Result<ImportOutcome, ImportError> {
    let _ = reader;
    Err(ImportError::Unrecognized {
        path: PathBuf::from(label),
        message: "importers not built yet".into(),
    })
}
