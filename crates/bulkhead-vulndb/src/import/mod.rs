//! Advisory importers: every supported source format into [`Advisory`] records.
//!
//! One module per format: `osv.rs` (OSV JSON and YAML, single files, directories, zips), `secdb.rs` (Alpine
//! secdb `secfixes`, YAML or JSON), `debian.rs` (security tracker DSA/DLA/DTSA lists), `nodejs.rs` (Node.js
//! security WG), `rubysec.rs` (ruby-advisory-db), `friendsofphp.rs` (security-advisories). Each module's doc
//! says how its records map to [`Advisory`] and how ids are named.
//!
//! [`import_path`] walks a directory (hidden directories skipped), detects each file's format
//! ([`detect_format`]), parses the files in parallel, then merges the records that share an id (one Alpine
//! `ALPINE-CVE-...` over every release file, one CVE over several FriendsOfPHP packages, an AlmaLinux `ALSA`
//! id published for two releases, ...): affected entries appended, aliases and references unioned.
//! A file that cannot be read is [`Skipped`] with a reason and the import goes on; records left out on purpose
//! (unknown ecosystems, `<not-affected>` tracker lines, Node.js core advisories, ...) are counted in
//! [`ImportOutcome::ignored`].

mod debian;
mod friendsofphp;
mod nodejs;
mod osv;
mod rubysec;
mod secdb;
mod util;

use crate::advisory::Advisory;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use util::Parsed;

/// A source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// OSV JSON or YAML.
    Osv,
    /// Alpine secdb (`secfixes`), YAML or JSON.
    AlpineSecdb,
    /// Debian security tracker `data/{DSA,DLA,DTSA}/list`.
    DebianTracker,
    /// Node.js security WG `vuln/npm/*.json`.
    NodejsWg,
    /// ruby-advisory-db `gems/<gem>/*.yml`.
    RubySec,
    /// FriendsOfPHP security-advisories `<vendor>/<package>/*.yaml`.
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
    /// advisories that name no npm package, ...), counted by reason (most frequent first).
    pub ignored: Vec<(String, usize)>,
    /// Files read per detected format (skipped files whose format was recognized included).
    pub formats: Vec<(Format, usize)>,
}

impl ImportOutcome {
    /// How many times `reason` was counted in [`ImportOutcome::ignored`] (0 when absent).
    pub fn ignored_count(&self, reason: &str) -> usize {
        self.ignored
            .iter()
            .find(|(r, _)| r == reason)
            .map_or(0, |(_, n)| *n)
    }
    /// Files read of one format.
    pub fn files_of(&self, format: Format) -> usize {
        self.formats
            .iter()
            .find(|(f, _)| *f == format)
            .map_or(0, |(_, n)| *n)
    }
}

/// An import that could not start at all (the path does not exist, is unreadable, or is no known format).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path}: not an advisory source bulkhead knows ({message})")]
    Unrecognized { path: PathBuf, message: String },
}

/// Largest file or zip member read (bigger ones are skipped).
const MAX_FILE: u64 = 256 << 20;
/// Zip members are parsed in batches of this many.
const ZIP_BATCH: usize = 2048;

/// Detect the format of one file from its path and content (`None`: not an advisory file bulkhead knows).
pub fn detect_format(path: &Path, bytes: &[u8]) -> Option<Format> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if name == "list" {
        let in_tracker_dir = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .is_some_and(|d| matches!(d, "DSA" | "DLA" | "DTSA"));
        let first = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let header = std::str::from_utf8(first)
            .ok()
            .and_then(|l| debian::parse_header(l.trim_end()))
            .is_some();
        return (in_tracker_dir || header).then_some(Format::DebianTracker);
    }
    let has = |needle: &str| contains(bytes, needle.as_bytes());
    match ext.as_str() {
        "json" => Some(
            if nodejs::wg_dir(path).is_some() || has("\"module_name\"") {
                Format::NodejsWg
            } else if has("\"secfixes\"") && has("\"distroversion\"") {
                Format::AlpineSecdb
            } else {
                Format::Osv
            },
        ),
        "yaml" | "yml" => Some(if starts_line(bytes, b"id:") {
            Format::Osv
        } else if has("secfixes:") || starts_line(bytes, b"distroversion:") {
            Format::AlpineSecdb
        } else if has("composer://") && has("branches:") {
            Format::FriendsOfPhp
        } else if starts_line(bytes, b"gem:") || starts_line(bytes, b"engine:") {
            Format::RubySec
        } else {
            Format::Osv
        }),
        _ => None,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether some line of `bytes` starts with `prefix` (a top-level YAML key).
fn starts_line(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.starts_with(prefix)
        || bytes
            .windows(prefix.len() + 1)
            .any(|w| w.first() == Some(&b'\n') && w.get(1..) == Some(prefix))
}

/// What one file (or zip member) gave.
struct FileOutcome {
    label: String,
    format: Option<Format>,
    result: Result<Parsed, String>,
    /// Records of the file that could not be read: (`label:line`, reason).
    partial: Vec<(String, String)>,
}

fn text_of<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| format!("{what} is not UTF-8 ({e})"))
}

/// Parse one file's bytes; `path` (possibly a zip member name) gives the format hints.
fn parse_bytes(label: String, path: &Path, bytes: &[u8]) -> FileOutcome {
    let format = detect_format(path, bytes);
    let mut partial = Vec::new();
    let result = match format {
        None => Err("not an advisory file (expected .json, .yaml, .yml or a tracker list)".into()),
        Some(Format::Osv) => match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => osv::parse_json(bytes),
            _ => text_of(bytes, "YAML").and_then(osv::parse_yaml),
        },
        Some(Format::AlpineSecdb) => match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => secdb::parse_json(bytes, path),
            _ => text_of(bytes, "YAML").and_then(|t| secdb::parse_yaml(t, path)),
        },
        Some(Format::NodejsWg) => nodejs::parse(bytes, path),
        Some(Format::RubySec) => text_of(bytes, "YAML").and_then(|t| rubysec::parse(t, path)),
        Some(Format::FriendsOfPhp) => {
            text_of(bytes, "YAML").and_then(|t| friendsofphp::parse(t, path))
        }
        Some(Format::DebianTracker) => text_of(bytes, "tracker list").and_then(|t| {
            let (parsed, bad) = debian::parse(t);
            if parsed.advisories.is_empty() && parsed.ignored.is_empty() {
                let (line, why) = bad.first().cloned().unwrap_or((0, "no entry".into()));
                return Err(format!("line {line}: {why}"));
            }
            partial = bad
                .into_iter()
                .map(|(line, why)| (format!("{label}:{line}"), why))
                .collect();
            Ok(parsed)
        }),
    };
    FileOutcome {
        label,
        format,
        result,
        partial,
    }
}

fn read_file(path: &Path) -> FileOutcome {
    let label = path.display().to_string();
    let bytes = std::fs::File::open(path).and_then(|f| {
        let mut buf = Vec::new();
        f.take(MAX_FILE + 1).read_to_end(&mut buf)?;
        Ok(buf)
    });
    match bytes {
        Ok(b) if b.len() as u64 > MAX_FILE => FileOutcome {
            label,
            format: None,
            result: Err(format!("larger than {} MiB", MAX_FILE >> 20)),
            partial: Vec::new(),
        },
        Ok(b) => parse_bytes(label, path, &b),
        Err(e) => FileOutcome {
            label,
            format: None,
            result: Err(format!("cannot read: {e}")),
            partial: Vec::new(),
        },
    }
}

/// Accumulates file outcomes into an [`ImportOutcome`].
#[derive(Default)]
struct Acc {
    advisories: Vec<Advisory>,
    files: usize,
    skipped: Vec<Skipped>,
    ignored: BTreeMap<String, usize>,
    formats: BTreeMap<Format, usize>,
}

impl Acc {
    fn add(&mut self, f: FileOutcome) {
        self.files += 1;
        if let Some(fmt) = f.format {
            *self.formats.entry(fmt).or_default() += 1;
        }
        for (path, reason) in f.partial {
            self.skipped.push(Skipped { path, reason });
        }
        match f.result {
            Ok(p) => {
                for r in p.ignored {
                    *self.ignored.entry(r).or_default() += 1;
                }
                self.advisories.extend(p.advisories);
            }
            Err(reason) => self.skipped.push(Skipped {
                path: f.label,
                reason,
            }),
        }
    }

    fn absorb(&mut self, o: ImportOutcome) {
        self.files += o.files;
        self.skipped.extend(o.skipped);
        for (r, n) in o.ignored {
            *self.ignored.entry(r).or_default() += n;
        }
        for (f, n) in o.formats {
            *self.formats.entry(f).or_default() += n;
        }
        self.advisories.extend(o.advisories);
    }

    fn finish(self) -> ImportOutcome {
        // Records sharing an id are one advisory: AlmaLinux publishes some ALSA ids under both
        // `almalinux8/` and `almalinux9/`, secdb and FriendsOfPHP files split one id over many files.
        let advisories = util::merge_by_id(self.advisories);
        let mut ignored: Vec<(String, usize)> = self.ignored.into_iter().collect();
        ignored.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ImportOutcome {
            advisories,
            files: self.files,
            skipped: self.skipped,
            ignored,
            formats: self.formats.into_iter().collect(),
        }
    }
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Whether a file found in a directory walk is an import candidate.
fn is_candidate(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with('.') {
        return false;
    }
    if name == "list" {
        let mut first = [0u8; 256];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut first))
            .unwrap_or(0);
        return detect_format(path, first.get(..n).unwrap_or(&[])).is_some();
    }
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("json" | "yaml" | "yml" | "zip")
    )
}

/// Import a file, a directory (walked recursively; each file's format detected) or a zip (OSV `all.zip`).
pub fn import_path(path: &Path) -> Result<ImportOutcome, ImportError> {
    let meta = std::fs::metadata(path).map_err(|e| ImportError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if meta.is_file() {
        if is_zip(path) {
            let file = std::fs::File::open(path).map_err(|e| ImportError::Io {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            return import_zip(&path.display().to_string(), std::io::BufReader::new(file));
        }
        let outcome = read_file(path);
        if outcome.format.is_none() {
            let message = match &outcome.result {
                Err(e) => e.clone(),
                Ok(_) => "unknown format".into(),
            };
            return Err(ImportError::Unrecognized {
                path: path.to_path_buf(),
                message,
            });
        }
        let mut acc = Acc::default();
        acc.add(outcome);
        return Ok(acc.finish());
    }
    let mut acc = Acc::default();
    let mut files = Vec::new();
    let mut zips = Vec::new();
    let walker = walkdir::WalkDir::new(path)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || !e.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && is_candidate(e.path()) => {
                if is_zip(e.path()) {
                    zips.push(e.into_path());
                } else {
                    files.push(e.into_path());
                }
            }
            Ok(_) => {}
            Err(e) => acc.skipped.push(Skipped {
                path: e
                    .path()
                    .map_or_else(|| path.display().to_string(), |p| p.display().to_string()),
                reason: format!("cannot walk: {e}"),
            }),
        }
    }
    let outcomes: Vec<FileOutcome> = files.par_iter().map(|p| read_file(p)).collect();
    for o in outcomes {
        acc.add(o);
    }
    for z in zips {
        let label = z.display().to_string();
        match std::fs::File::open(&z) {
            Ok(f) => match import_zip(&label, std::io::BufReader::new(f)) {
                Ok(o) => acc.absorb(o),
                Err(e) => {
                    acc.files += 1;
                    acc.skipped.push(Skipped {
                        path: label,
                        reason: e.to_string(),
                    });
                }
            },
            Err(e) => {
                acc.files += 1;
                acc.skipped.push(Skipped {
                    path: label,
                    reason: format!("cannot read: {e}"),
                });
            }
        }
    }
    Ok(acc.finish())
}

/// Import an OSV zip export (`all.zip`) read from memory or a file; `label` names it in skip reasons.
/// Members are detected like files of a directory (so a zip of any supported format works).
pub fn import_zip<R: std::io::Read + std::io::Seek>(
    label: &str,
    reader: R,
) -> Result<ImportOutcome, ImportError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| ImportError::Unrecognized {
        path: PathBuf::from(label),
        message: format!("not a readable zip: {e}"),
    })?;
    let mut acc = Acc::default();
    let mut batch: Vec<(String, Vec<u8>)> = Vec::new();
    let flush = |batch: &mut Vec<(String, Vec<u8>)>, acc: &mut Acc| {
        let outcomes: Vec<FileOutcome> = batch
            .par_iter()
            .map(|(name, bytes)| parse_bytes(format!("{label}!{name}"), Path::new(name), bytes))
            .collect();
        batch.clear();
        for o in outcomes {
            acc.add(o);
        }
    };
    for i in 0..archive.len() {
        let mut member = match archive.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                acc.files += 1;
                acc.skipped.push(Skipped {
                    path: format!("{label}!#{i}"),
                    reason: format!("unreadable zip member: {e}"),
                });
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let name = match member.name() {
            Ok(n) => n.to_string(),
            Err(e) => {
                acc.files += 1;
                acc.skipped.push(Skipped {
                    path: format!("{label}!#{i}"),
                    reason: format!("zip member name unreadable: {e}"),
                });
                continue;
            }
        };
        let member_path = Path::new(&name);
        let ext = member_path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(ext.as_deref(), Some("json" | "yaml" | "yml")) {
            *acc.ignored
                .entry("zip member that is not JSON or YAML".into())
                .or_default() += 1;
            continue;
        }
        let mut buf = Vec::new();
        let read = (&mut member).take(MAX_FILE + 1).read_to_end(&mut buf);
        match read {
            Ok(_) if buf.len() as u64 > MAX_FILE => {
                acc.files += 1;
                acc.skipped.push(Skipped {
                    path: format!("{label}!{name}"),
                    reason: format!("larger than {} MiB", MAX_FILE >> 20),
                });
            }
            Ok(_) => batch.push((name, buf)),
            Err(e) => {
                acc.files += 1;
                acc.skipped.push(Skipped {
                    path: format!("{label}!{name}"),
                    reason: format!("cannot decompress: {e}"),
                });
            }
        }
        if batch.len() >= ZIP_BATCH {
            flush(&mut batch, &mut acc);
        }
    }
    flush(&mut batch, &mut acc);
    Ok(acc.finish())
}
