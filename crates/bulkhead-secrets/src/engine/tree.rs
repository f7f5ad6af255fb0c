//! Scanning a directory tree in parallel.

use super::{Engine, ScanOutcome, SkipReason};
use crate::files::{self, SensitiveKind};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How [`scan_tree`] walks. The default walks everything (ignored files too) and follows no link.
#[derive(Debug, Clone, Default)]
pub struct TreeOptions {
    /// Leave out what `.gitignore` files (and `.git/info/exclude`) ignore, even outside a Git
    /// repository. The user's global Git excludes are never read, so results do not depend on the
    /// machine. Default false: a Docker build context sends git-ignored files too.
    pub respect_gitignore: bool,
    /// Stop after this many files (the report says it was truncated).
    pub max_files: Option<usize>,
    /// Follow symbolic links (default false: links are counted, not scanned).
    pub follow_symlinks: bool,
}

/// What [`scan_tree`] found. Paths are relative to the root, `/`-separated, sorted.
#[derive(Debug, Clone, Default)]
pub struct TreeReport {
    /// Files with at least one secret.
    pub files: Vec<(String, ScanOutcome)>,
    /// Files and directories that are sensitive by name (or by their first bytes for key-like
    /// files): `.env`, `id_rsa`, `.git/`, ...
    pub sensitive_files: Vec<(String, SensitiveKind)>,
    /// Files whose content was scanned.
    pub files_scanned: usize,
    /// Bytes of content scanned.
    pub bytes_scanned: u64,
    /// Files not scanned, with the reason (binary, too large, minified, unreadable); walk errors too.
    pub skipped: Vec<(String, SkipReason)>,
    /// Symbolic links met and not followed.
    pub symlinks_skipped: usize,
    /// `max_files` was reached: files after it were not looked at.
    pub truncated: bool,
}

/// Walks `root` and scans every regular file in parallel (rayon).
///
/// Hidden files are always walked (`.env` is hidden). `.git` directories are reported as sensitive
/// ([`files::classify_dir`]) but not descended into; other sensitive directories (`.ssh`, `.aws`)
/// are reported and walked. Symbolic links are not followed unless
/// [`TreeOptions::follow_symlinks`].
pub fn scan_tree(engine: &Engine, root: &Path, opts: &TreeOptions) -> TreeReport {
    let mut report = TreeReport::default();
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(opts.follow_symlinks)
        .sort_by_file_name(|a, b| a.cmp(b))
        // Report `.git` itself but do not walk its internals.
        .filter_entry(|e| {
            e.path()
                .parent()
                .and_then(|p| p.file_name())
                .is_none_or(|n| n != ".git")
        });
    if opts.respect_gitignore {
        builder
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .parents(true);
    }

    let mut todo: Vec<(PathBuf, String)> = Vec::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let (path, why) = walk_error(root, &e);
                report.skipped.push((path, SkipReason::Unreadable(why)));
                continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        let rel = if entry.depth() == 0 {
            if !ft.is_file() {
                continue;
            }
            // The root is a file: scan it under its own name.
            entry
                .path()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            relative(root, entry.path())
        };
        if ft.is_symlink() {
            report.symlinks_skipped += 1;
            continue;
        }
        if ft.is_dir() {
            if let Some(kind) = files::classify_dir(&rel) {
                report.sensitive_files.push((rel, kind));
            }
            continue;
        }
        if !ft.is_file() {
            report.skipped.push((
                rel,
                SkipReason::Unreadable("not a regular file".to_string()),
            ));
            continue;
        }
        if opts.max_files.is_some_and(|m| todo.len() >= m) {
            report.truncated = true;
            break;
        }
        todo.push((entry.into_path(), rel));
    }

    let results: Vec<FileResult> = todo
        .par_iter()
        .map(|(path, rel)| scan_one(engine, path, rel))
        .collect();

    for (r, (_, rel)) in results.into_iter().zip(todo) {
        if let Some(kind) = r.sensitive {
            report.sensitive_files.push((rel.clone(), kind));
        }
        report.bytes_scanned += r.bytes;
        match r.outcome.skipped {
            Some(reason) => report.skipped.push((rel, reason)),
            None => {
                report.files_scanned += 1;
                if !r.outcome.matches.is_empty() {
                    report.files.push((rel, r.outcome));
                }
            }
        }
    }
    report.files.sort_by(|a, b| a.0.cmp(&b.0));
    report.sensitive_files.sort_by(|a, b| a.0.cmp(&b.0));
    report.skipped.sort_by(|a, b| a.0.cmp(&b.0));
    report
}

struct FileResult {
    outcome: ScanOutcome,
    sensitive: Option<SensitiveKind>,
    bytes: u64,
}

fn scan_one(engine: &Engine, path: &Path, rel: &str) -> FileResult {
    let (outcome, bytes) = engine.scan_file_counted(path, rel);
    let sensitive = if files::wants_content(rel) {
        let mut head = Vec::with_capacity(files::CONTENT_SNIFF_LEN);
        let read = std::fs::File::open(path).and_then(|f| {
            f.take(files::CONTENT_SNIFF_LEN as u64)
                .read_to_end(&mut head)
        });
        match read {
            Ok(_) => files::classify_with_content(rel, &head),
            Err(_) => files::classify(rel),
        }
    } else {
        files::classify(rel)
    };
    FileResult {
        outcome,
        sensitive,
        bytes,
    }
}

/// `path` relative to `root`, `/`-separated.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn walk_error(root: &Path, e: &ignore::Error) -> (String, String) {
    let mut err = e;
    loop {
        match err {
            ignore::Error::WithPath { path, err: inner } => {
                return (relative(root, path), inner.to_string());
            }
            ignore::Error::WithDepth { err: inner, .. }
            | ignore::Error::WithLineNumber { err: inner, .. } => err = inner,
            _ => return (String::new(), e.to_string()),
        }
    }
}
