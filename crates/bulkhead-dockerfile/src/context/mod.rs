//! The build context: which ignore file applies, which files Docker sends, which of them a COPY/ADD
//! source selects, and which of them are sensitive.
//!
//! * [`DockerIgnore`] implements `.dockerignore` exactly as BuildKit applies it (see [`ignore`]).
//! * [`BuildContext::open`] picks the ignore file the way BuildKit does: `<Dockerfile name>.dockerignore`
//!   next to the Dockerfile wins over `<context>/.dockerignore`.
//! * [`BuildContext::files`] lists what is sent. Symlinks are not followed, `.git` is walked like any
//!   other directory, excluded directories are skipped only when no exception could re-include
//!   something below them, and the listing stops at [`ContextOptions::max_entries`] files.
//! * [`BuildContext::sources_matching`] resolves a COPY/ADD source against that listing.
//! * [`BuildContext::sensitive_files`] combines the listing with [`crate::sensitive`].
//!
//! With BuildKit the Dockerfile and the ignore file travel separately from the context, so they are
//! *not* re-added when the ignore file excludes them (the legacy builder did re-add them).

pub mod glob;
pub mod ignore;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use walkdir::WalkDir;

use crate::sensitive::{self, SensitiveKind};
pub use glob::{ComponentGlob, GlobError};
pub use ignore::{DiagnosticLevel, DockerIgnore, IgnoreDiagnostic, IgnorePattern, MatchState};

/// Default cap on the number of files listed.
pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

/// Tuning for [`BuildContext::open_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextOptions {
    /// At most this many files are listed; beyond it [`BuildContext::truncated`] is `true`.
    pub max_entries: usize,
}

impl Default for ContextOptions {
    fn default() -> Self {
        ContextOptions {
            max_entries: DEFAULT_MAX_ENTRIES,
        }
    }
}

/// A file (or symlink, or other non-directory entry) that Docker sends with the context.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContextFile {
    /// Path relative to the context root, `/`-separated (lossily converted if not UTF-8).
    pub rel_path: String,
    /// Size in bytes (for a symlink, the length of its target path).
    pub size: u64,
    /// The entry is a symbolic link; it is sent as a link and never followed.
    pub is_symlink: bool,
}

/// Why a build context could not be opened.
#[derive(Debug)]
pub enum ContextError {
    /// The context root does not exist.
    RootNotFound { path: PathBuf },
    /// The context root exists but is not a directory.
    RootNotDirectory { path: PathBuf },
    /// The context root could not be inspected.
    RootUnreadable { path: PathBuf, source: io::Error },
    /// The ignore file exists but could not be read.
    IgnoreFileUnreadable { path: PathBuf, source: io::Error },
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextError::RootNotFound { path } => {
                write!(f, "build context `{}` does not exist", path.display())
            }
            ContextError::RootNotDirectory { path } => {
                write!(f, "build context `{}` is not a directory", path.display())
            }
            ContextError::RootUnreadable { path, source } => {
                write!(
                    f,
                    "cannot read build context `{}`: {source}",
                    path.display()
                )
            }
            ContextError::IgnoreFileUnreadable { path, source } => {
                write!(f, "cannot read ignore file `{}`: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for ContextError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ContextError::RootUnreadable { source, .. }
            | ContextError::IgnoreFileUnreadable { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A problem met while walking the context (an unreadable directory, a failed `stat`). The walk
/// carries on; the affected entries are missing from the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkIssue {
    /// The path concerned (absolute or as reached from the root).
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for WalkIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// A sensitive directory with at least one file sent in the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensitiveDir {
    pub rel_path: String,
    pub kind: SensitiveKind,
    /// Number of files sent from below it.
    pub files: usize,
    /// Total size of those files.
    pub bytes: u64,
}

#[derive(Debug, Default)]
struct Listing {
    files: Vec<ContextFile>,
    truncated: bool,
    issues: Vec<WalkIssue>,
    /// Entries the walk looked at (files and directories, excluded or not).
    visited: usize,
}

/// A build context directory with its ignore rules. The file listing is computed on first use.
#[derive(Debug)]
pub struct BuildContext {
    root: PathBuf,
    ignore_file: Option<PathBuf>,
    ignore: DockerIgnore,
    ignore_diagnostics: Vec<IgnoreDiagnostic>,
    options: ContextOptions,
    listing: OnceLock<Listing>,
    /// Indices into the listing of the sensitive files, with their kind (computed once).
    sensitive: OnceLock<Vec<(usize, SensitiveKind)>>,
    /// Per listed file, its secret scan (computed on demand, once).
    secret_scans: OnceLock<Vec<OnceLock<bulkhead_secrets::ScanOutcome>>>,
    /// Secrets already reported for this context, as (file index, secret start, rule id): a secret in a
    /// context file is one finding, however many Dockerfiles sharing the context ship it.
    claimed: std::sync::Mutex<std::collections::HashSet<(usize, usize, &'static str)>>,
    /// Indices of the files with at least one secret (scanning every file once).
    with_secrets: OnceLock<Vec<usize>>,
}

impl BuildContext {
    /// Opens the context at `root` for the Dockerfile at `dockerfile` (default `<root>/Dockerfile`),
    /// with default options. A relative `dockerfile` is taken as given (relative to the current
    /// directory, like `docker build -f`).
    pub fn open(root: &Path, dockerfile: Option<&Path>) -> Result<BuildContext, ContextError> {
        BuildContext::open_with(root, dockerfile, ContextOptions::default())
    }

    /// [`BuildContext::open`] with explicit options.
    pub fn open_with(
        root: &Path,
        dockerfile: Option<&Path>,
        options: ContextOptions,
    ) -> Result<BuildContext, ContextError> {
        match std::fs::metadata(root) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(ContextError::RootNotDirectory {
                    path: root.to_path_buf(),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ContextError::RootNotFound {
                    path: root.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(ContextError::RootUnreadable {
                    path: root.to_path_buf(),
                    source,
                });
            }
        }

        let default_dockerfile = root.join("Dockerfile");
        let dockerfile = dockerfile.unwrap_or(&default_dockerfile);
        let mut candidates = Vec::new();
        if let Some(name) = dockerfile.file_name() {
            let mut specific = name.to_os_string();
            specific.push(".dockerignore");
            candidates.push(dockerfile.with_file_name(specific));
        }
        candidates.push(root.join(".dockerignore"));

        let mut ignore_file = None;
        let mut ignore = DockerIgnore::empty();
        let mut ignore_diagnostics = Vec::new();
        for candidate in candidates {
            // A `.dockerignore` is small; a device or a giant file is refused, not read.
            match bulkhead_core::fs::read_capped(&candidate, 4 << 20) {
                Ok(bytes) => {
                    let (parsed, diagnostics) =
                        DockerIgnore::parse(&String::from_utf8_lossy(&bytes));
                    ignore = parsed;
                    ignore_diagnostics = diagnostics;
                    ignore_file = Some(candidate);
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(ContextError::IgnoreFileUnreadable {
                        path: candidate,
                        source,
                    });
                }
            }
        }

        Ok(BuildContext {
            root: root.to_path_buf(),
            ignore_file,
            ignore,
            ignore_diagnostics,
            options,
            listing: OnceLock::new(),
            sensitive: OnceLock::new(),
            secret_scans: OnceLock::new(),
            claimed: std::sync::Mutex::new(std::collections::HashSet::new()),
            with_secrets: OnceLock::new(),
        })
    }

    /// A context with explicit ignore rules instead of an ignore file (for callers that already hold
    /// the patterns). Fails like [`BuildContext::open`] when the root is missing.
    pub fn with_ignore(
        root: &Path,
        ignore: DockerIgnore,
        options: ContextOptions,
    ) -> Result<BuildContext, ContextError> {
        let mut ctx = BuildContext::open_with(root, None, options)?;
        ctx.ignore = ignore;
        ctx.ignore_file = None;
        ctx.ignore_diagnostics = Vec::new();
        Ok(ctx)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The ignore file in effect, if any.
    pub fn ignore_file(&self) -> Option<&Path> {
        self.ignore_file.as_deref()
    }

    pub fn dockerignore(&self) -> &DockerIgnore {
        &self.ignore
    }

    /// Problems in the ignore file. Any [`DiagnosticLevel::Error`] means Docker would refuse to build;
    /// those lines are skipped here.
    pub fn ignore_diagnostics(&self) -> &[IgnoreDiagnostic] {
        &self.ignore_diagnostics
    }

    pub fn options(&self) -> ContextOptions {
        self.options
    }

    /// Every file Docker would send, sorted by path.
    pub fn files(&self) -> &[ContextFile] {
        &self.listing().files
    }

    /// Whether the listing stopped at [`ContextOptions::max_entries`].
    pub fn truncated(&self) -> bool {
        self.listing().truncated
    }

    /// Problems met while walking.
    pub fn walk_issues(&self) -> &[WalkIssue] {
        &self.listing().issues
    }

    /// The sent file at `rel_path`, if any.
    pub fn file(&self, rel_path: &str) -> Option<&ContextFile> {
        let files = self.files();
        let wanted = ignore::normalize(rel_path);
        files
            .binary_search_by(|f| f.rel_path.as_str().cmp(wanted.as_str()))
            .ok()
            .and_then(|i| files.get(i))
    }

    /// The secret engine's scan of a context file (each file is read and scanned at most once per context,
    /// however many Dockerfiles and COPY instructions ship it). Symlinks are not followed: empty outcome.
    pub fn secrets_of(&self, file: &ContextFile) -> Option<&bulkhead_secrets::ScanOutcome> {
        let files = self.files();
        let idx = files
            .binary_search_by(|f| f.rel_path.as_str().cmp(file.rel_path.as_str()))
            .ok()?;
        let cells = self
            .secret_scans
            .get_or_init(|| (0..files.len()).map(|_| OnceLock::new()).collect());
        let cell = cells.get(idx)?;
        Some(cell.get_or_init(|| {
            if file.is_symlink {
                return bulkhead_secrets::ScanOutcome::default();
            }
            bulkhead_secrets::Engine::global().scan_file(&self.abs_path(file), &file.rel_path)
        }))
    }

    /// Context files whose secret scan was skipped (binary, too large, unreadable), among those scanned so far.
    pub fn skipped_scans(&self) -> Vec<(&ContextFile, &bulkhead_secrets::SkipReason)> {
        let Some(cells) = self.secret_scans.get() else {
            return Vec::new();
        };
        self.files()
            .iter()
            .zip(cells.iter())
            .filter_map(|(f, c)| c.get().and_then(|o| o.skipped.as_ref()).map(|why| (f, why)))
            .collect()
    }

    /// The files of the context that hold at least one secret (every file is scanned, once per context):
    /// what a `COPY . /app` ships, without walking the whole listing for every Dockerfile.
    pub fn files_with_secrets(&self) -> Vec<&ContextFile> {
        let files = self.files();
        let idx = self.with_secrets.get_or_init(|| {
            files
                .iter()
                .enumerate()
                .filter(|(_, f)| self.secrets_of(f).is_some_and(|o| !o.matches.is_empty()))
                .map(|(i, _)| i)
                .collect()
        });
        idx.iter().filter_map(|&i| files.get(i)).collect()
    }

    /// Claims the report of one secret in a context file; false when another Dockerfile of this context
    /// already reported it.
    pub fn claim_secret(&self, file: &ContextFile, start: usize, rule: &'static str) -> bool {
        let files = self.files();
        let Ok(idx) = files.binary_search_by(|f| f.rel_path.as_str().cmp(file.rel_path.as_str()))
        else {
            return true;
        };
        let mut claimed = self.claimed.lock().unwrap_or_else(|e| e.into_inner());
        claimed.insert((idx, start, rule))
    }

    /// Absolute path of a context file.
    pub fn abs_path(&self, file: &ContextFile) -> PathBuf {
        self.root.join(&file.rel_path)
    }

    fn listing(&self) -> &Listing {
        self.listing
            .get_or_init(|| walk(&self.root, &self.ignore, self.options))
    }

    /// The context files a COPY/ADD source selects. `.`, `./` and `/` select everything; a directory
    /// selects everything below it; wildcards follow Go's `filepath.Match` one path component at a
    /// time (`*`, `?`, `[...]`, `\`; `**` is just `*`), and a wildcard that matches a directory selects
    /// its contents. The source is cleaned as a path rooted at the context (`../x` is `x`). URLs and
    /// Git remotes select nothing. Only sent files are considered (excluded files are not there for
    /// COPY either), and a source naming a symlink selects the link entry itself (BuildKit would
    /// resolve a symlinked source directory inside the context; that is not modelled).
    pub fn sources_matching(&self, src: &str) -> Vec<&ContextFile> {
        let src = src.trim();
        if src.contains("://") || src.starts_with("git@") {
            return Vec::new();
        }
        let cleaned = glob::clean(&format!("/{src}"));
        let rel = cleaned.trim_start_matches('/');
        if rel.is_empty() {
            return self.files().iter().collect();
        }
        if !glob::has_wildcards(rel) {
            let dir_prefix = format!("{rel}/");
            return self
                .files()
                .iter()
                .filter(|f| f.rel_path == rel || f.rel_path.starts_with(&dir_prefix))
                .collect();
        }
        let globs: Result<Vec<ComponentGlob>, GlobError> =
            rel.split('/').map(ComponentGlob::new).collect();
        let Ok(globs) = globs else {
            return Vec::new();
        };
        self.files()
            .iter()
            .filter(|f| {
                let parts: Vec<&str> = f.rel_path.split('/').collect();
                parts.len() >= globs.len()
                    && globs.iter().zip(&parts).all(|(g, part)| g.matches(part))
            })
            .collect()
    }

    /// Sensitive files among those sent, sorted by path. Key-like files (`.pem`, `.key`, `.crt`, SSH
    /// key names…) are confirmed or dismissed by reading at most their first 4 KiB; symlinks are never
    /// read nor reported (Docker sends the link, not its target). Files inside `.git`, `.hg`, `.svn`
    /// and `.gnupg` are reported once per directory, represented by its `config` or `HEAD` file when
    /// present (else its first file); see [`BuildContext::sensitive_dirs`] for the directory paths.
    pub fn sensitive_files(&self) -> Vec<(&ContextFile, SensitiveKind)> {
        let files = self.files();
        self.sensitive
            .get_or_init(|| self.compute_sensitive())
            .iter()
            .filter_map(|(i, k)| files.get(*i).map(|f| (f, *k)))
            .collect()
    }

    fn compute_sensitive(&self) -> Vec<(usize, SensitiveKind)> {
        let mut out: Vec<(usize, SensitiveKind)> = Vec::new();
        let mut collapsed: BTreeMap<&str, (usize, SensitiveKind, u8)> = BTreeMap::new();
        for (idx, file) in self.files().iter().enumerate() {
            if file.is_symlink {
                continue;
            }
            if let Some((dir, kind)) = collapsed_dir(&file.rel_path) {
                let name = file.rel_path.get(dir.len() + 1..).unwrap_or_default();
                let rank = match name {
                    "config" => 0,
                    "HEAD" => 1,
                    _ => 2,
                };
                collapsed
                    .entry(dir)
                    .and_modify(|slot| {
                        if rank < slot.2 {
                            *slot = (idx, kind, rank);
                        }
                    })
                    .or_insert((idx, kind, rank));
                continue;
            }
            let kind = if sensitive::wants_content(&file.rel_path) {
                match read_head(&self.abs_path(file)) {
                    Ok(head) => sensitive::classify_with_content(&file.rel_path, &head),
                    Err(_) => sensitive::classify(&file.rel_path),
                }
            } else {
                sensitive::classify(&file.rel_path)
            };
            if let Some(kind) = kind {
                out.push((idx, kind));
            }
        }
        out.extend(collapsed.into_values().map(|(idx, kind, _)| (idx, kind)));
        let files = self.files();
        out.sort_by(|a, b| files[a.0].rel_path.cmp(&files[b.0].rel_path));
        out
    }

    /// Sensitive directories (`.git`, `.ssh`, `.aws`, `.kube`, `.gnupg`, `.hg`, `.svn`, at any depth)
    /// with at least one file sent, sorted by path.
    pub fn sensitive_dirs(&self) -> Vec<SensitiveDir> {
        let mut dirs: BTreeMap<&str, SensitiveDir> = BTreeMap::new();
        for file in self.files() {
            for (i, _) in file.rel_path.match_indices('/') {
                let dir = &file.rel_path[..i];
                let Some(kind) = sensitive::classify_dir(dir) else {
                    continue;
                };
                let entry = dirs.entry(dir).or_insert_with(|| SensitiveDir {
                    rel_path: dir.to_string(),
                    kind,
                    files: 0,
                    bytes: 0,
                });
                entry.files += 1;
                entry.bytes = entry.bytes.saturating_add(file.size);
            }
        }
        dirs.into_values().collect()
    }
}

/// The outermost directory of `rel_path` whose files are reported as one directory.
fn collapsed_dir(rel_path: &str) -> Option<(&str, SensitiveKind)> {
    rel_path.match_indices('/').find_map(|(i, _)| {
        let dir = &rel_path[..i];
        sensitive::classify_dir(dir)
            .filter(|k| k.category.reported_as_directory())
            .map(|k| (dir, k))
    })
}

/// Reads at most [`sensitive::CONTENT_SNIFF_LEN`] bytes.
fn read_head(path: &Path) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut head = Vec::with_capacity(sensitive::CONTENT_SNIFF_LEN);
    file.take(sensitive::CONTENT_SNIFF_LEN as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Walks the context the way BuildKit's sender does.
fn walk(root: &Path, ignore: &DockerIgnore, options: ContextOptions) -> Listing {
    let mut listing = Listing::default();
    // Match states of the directories on the current path: index `d - 1` is the directory at depth `d`.
    let mut states: Vec<MatchState> = Vec::new();
    let filtering = !ignore.is_empty();
    let mut entries = WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter();
    while let Some(next) = entries.next() {
        let entry = match next {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let message = e
                    .io_error()
                    .map(|io| io.to_string())
                    .unwrap_or_else(|| e.to_string());
                listing.issues.push(WalkIssue { path, message });
                continue;
            }
        };
        listing.visited += 1;
        let depth = entry.depth();
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel_path = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let is_dir = entry.file_type().is_dir();

        states.truncate(depth.saturating_sub(1));
        let excluded = if filtering {
            let (excluded, state) = ignore.match_with_parent(&rel_path, states.last());
            if is_dir {
                states.push(state);
            }
            excluded
        } else {
            false
        };

        if is_dir {
            if excluded && !ignore.may_reinclude_under(&rel_path) {
                entries.skip_current_dir();
            }
            continue;
        }
        if excluded {
            continue;
        }
        if listing.files.len() >= options.max_entries {
            listing.truncated = true;
            break;
        }
        let size = match entry.metadata() {
            Ok(meta) => meta.len(),
            Err(e) => {
                listing.issues.push(WalkIssue {
                    path: entry.path().to_path_buf(),
                    message: e.to_string(),
                });
                0
            }
        };
        listing.files.push(ContextFile {
            rel_path,
            size,
            is_symlink: entry.path_is_symlink(),
        });
    }
    listing.files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    listing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, "x").expect("write");
    }

    fn visited(root: &Path, ignore: &str) -> (usize, Vec<String>) {
        let (ignore, _) = DockerIgnore::parse(ignore);
        let listing = walk(root, &ignore, ContextOptions::default());
        let files = listing.files.into_iter().map(|f| f.rel_path).collect();
        (listing.visited, files)
    }

    #[test]
    fn context_walk_skips_excluded_directories() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for i in 0..20 {
            touch(root, &format!("node_modules/pkg{i}/index.js"));
        }
        touch(root, "node_modules/keep/README.md");
        touch(root, "src/main.js");

        // No exception: `node_modules` itself is the only entry seen below the root.
        let (seen, files) = visited(root, "node_modules");
        assert_eq!(files, ["src/main.js"]);
        assert_eq!(seen, 3, "node_modules, src, src/main.js");

        // A plain exception inside it: the directory is walked, but its other subdirectories are
        // skipped one by one (node_modules, 20 x pkgN, keep, keep/README.md, src, src/main.js).
        let (seen, files) = visited(root, "node_modules\n!node_modules/keep/README.md");
        assert_eq!(files, ["node_modules/keep/README.md", "src/main.js"]);
        assert_eq!(seen, 25);

        // A plain exception elsewhere: still skipped.
        let (seen, _) = visited(root, "node_modules\n!src/main.js");
        assert_eq!(seen, 3);

        // A glob exception turns the optimisation off, as in BuildKit.
        let (seen, files) = visited(root, "node_modules\n!**/README.md");
        assert_eq!(files, ["node_modules/keep/README.md", "src/main.js"]);
        assert_eq!(seen, 45, "every entry");
    }
}
