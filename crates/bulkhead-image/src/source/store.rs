//! Where a source's files (index, manifests, configs, layer blobs) are read from: a directory, an indexed
//! tar file, or small files kept in memory from a stream.

use crate::error::ImageError;
use crate::reader::{HeaderGuard, Member, normalize_member, symlink_destination};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

/// Largest JSON document (index, manifest, config) read into memory.
pub(crate) const MAX_JSON_BYTES: u64 = 32 << 20;

/// Read access to the small files of a source.
pub(crate) trait Store: Sync {
    /// Names the store in messages (`app.tar`, `./layout`).
    fn describe(&self) -> String;
    /// Whether `path` (relative, `/`-separated) is there.
    fn has(&self, path: &str) -> bool;
    /// The contents of `path`, or `None` when absent; an error when larger than `limit` or unreadable.
    fn read_small(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError>;
}

/// An opened file of a store and its size.
pub(crate) type Opened<'a> = Option<(Box<dyn Read + Send + 'a>, u64)>;

/// A store whose files can be opened again and again (and in parallel).
pub(crate) trait SeekStore: Store {
    /// A reader over `path` and its size, or `None` when absent.
    fn open(&self, path: &str) -> Result<Opened<'_>, ImageError>;
}

fn read_limited(store: &str, path: &str, r: impl Read, limit: u64) -> Result<Vec<u8>, ImageError> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|source| ImageError::Io {
            path: format!("{store}: {path}"),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(ImageError::Message(format!(
            "{store}: {path} is larger than {limit} bytes, too large for an image index, manifest or config: the source is corrupt or hostile"
        )));
    }
    Ok(buf)
}

/// An OCI layout directory.
pub(crate) struct DirStore {
    root: PathBuf,
    /// The directory with symlinks resolved: what every file read must stay under.
    real_root: PathBuf,
}

impl DirStore {
    pub(crate) fn new(root: &Path) -> Self {
        DirStore {
            root: root.to_path_buf(),
            real_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
        }
    }

    /// `root/path` when `path` stays inside the root (no `..`, not absolute).
    fn join(&self, path: &str) -> Option<PathBuf> {
        let p = Path::new(path);
        p.components()
            .all(|c| matches!(c, Component::Normal(_)))
            .then(|| self.root.join(p))
    }
}

impl Store for DirStore {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }
    fn has(&self, path: &str) -> bool {
        self.join(path).is_some_and(|p| p.is_file())
    }
    fn read_small(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        match self.open(path)? {
            None => Ok(None),
            Some((r, _)) => read_limited(&self.describe(), path, r, limit).map(Some),
        }
    }
}

impl SeekStore for DirStore {
    fn open(&self, path: &str) -> Result<Opened<'_>, ImageError> {
        let Some(full) = self.join(path) else {
            return Ok(None);
        };
        // A blob or index that is a symlink out of the directory, or a device (`/dev/zero`), is not part of
        // the image: reading it would read other files of the machine.
        if let Ok(real) = full.canonicalize() {
            if !real.starts_with(&self.real_root) {
                return Err(ImageError::Message(format!(
                    "{}: `{path}` is a symlink to {}, outside the image directory; refused",
                    self.describe(),
                    real.display()
                )));
            }
            if !real.is_file() {
                return Err(ImageError::Message(format!(
                    "{}: `{path}` is not a regular file; refused",
                    self.describe()
                )));
            }
        }
        let file = match File::open(&full) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ImageError::Io {
                    path: full.display().to_string(),
                    source,
                });
            }
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Some((
            Box::new(BufReader::with_capacity(1 << 16, file)),
            size,
        )))
    }
}

#[derive(Debug, Clone)]
enum TarItem {
    File { offset: u64, size: u64 },
    Link(String),
}

/// A tar file (a `docker save` archive) indexed once: member name → byte range.
pub(crate) struct TarStore {
    file: PathBuf,
    items: HashMap<String, TarItem>,
    /// Why indexing stopped early, when it did.
    pub(crate) index_error: Option<String>,
}

/// Member name as a store key: normalized, without the leading `/`.
fn key(raw: &str) -> Option<String> {
    match normalize_member(raw) {
        Member::Path { path, .. } => path.get(1..).map(str::to_string),
        _ => None,
    }
}

impl TarStore {
    /// Index the members of `file` (names, offsets and sizes; contents are not read).
    pub(crate) fn index(file: &Path) -> Result<TarStore, ImageError> {
        let io_err = |source| ImageError::Io {
            path: file.display().to_string(),
            source,
        };
        let f = File::open(file).map_err(io_err)?;
        let file_len = f.metadata().map_err(io_err)?.len();
        let mut archive = tar::Archive::new(HeaderGuard::new(f));
        let mut items = HashMap::new();
        let mut index_error = None;
        let entries = archive.entries_with_seek().map_err(io_err)?;
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    index_error = Some(e.to_string());
                    break;
                }
            };
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(name) = key(&raw) else { continue };
            let link = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            let item = match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let (offset, size) = (entry.raw_file_position(), entry.size());
                    // Seeking past the end succeeds and the next header read looks like a clean end:
                    // a member that runs past the end of the file is the sign of a cut archive.
                    if offset.saturating_add(size) > file_len && index_error.is_none() {
                        index_error = Some(format!(
                            "member {name} needs {size} bytes from offset {offset}, but the file ends at {file_len}"
                        ));
                    }
                    TarItem::File { offset, size }
                }
                tar::EntryType::Symlink => {
                    match link.and_then(|t| symlink_destination(&format!("/{name}"), &t)) {
                        Some(dest) => TarItem::Link(dest.trim_start_matches('/').to_string()),
                        None => continue,
                    }
                }
                tar::EntryType::Link => match link.and_then(|t| key(&t)) {
                    Some(dest) => TarItem::Link(dest),
                    None => continue,
                },
                _ => continue,
            };
            items.insert(name, item);
        }
        Ok(TarStore {
            file: file.to_path_buf(),
            items,
            index_error,
        })
    }

    /// Byte range of `path`, following links between members (at most 8).
    fn locate(&self, path: &str) -> Option<(u64, u64)> {
        let mut name = key(path)?;
        for _ in 0..8 {
            match self.items.get(&name)? {
                TarItem::File { offset, size } => return Some((*offset, *size)),
                TarItem::Link(to) => name = to.clone(),
            }
        }
        None
    }

    /// Whether the archive has any member.
    pub(crate) fn has_members(&self) -> bool {
        !self.items.is_empty()
    }

    /// Whether the archive holds image metadata (`manifest.json` or `index.json`).
    pub(crate) fn is_image(&self) -> bool {
        self.has("manifest.json") || self.has("index.json")
    }

    /// A member that only a `docker save` archive has (`<64 hex>/layer.tar`, `blobs/sha256/<64 hex>`,
    /// `oci-layout`), when there is one: an archive with such members but no `manifest.json` or
    /// `index.json` is a `docker save` archive that lost them (both come last), not a root filesystem.
    pub(crate) fn docker_save_member(&self) -> Option<&str> {
        let hex64 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let mut names: Vec<&str> = self.items.keys().map(String::as_str).collect();
        names.sort_unstable();
        names.into_iter().find(|name| {
            *name == "oci-layout"
                || name.strip_suffix("/layer.tar").is_some_and(&hex64)
                || name.strip_prefix("blobs/sha256/").is_some_and(&hex64)
        })
    }
}

impl Store for TarStore {
    fn describe(&self) -> String {
        self.file.display().to_string()
    }
    fn has(&self, path: &str) -> bool {
        self.locate(path).is_some()
    }
    fn read_small(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        match self.open(path)? {
            None => Ok(None),
            Some((r, _)) => read_limited(&self.describe(), path, r, limit).map(Some),
        }
    }
}

impl SeekStore for TarStore {
    fn open(&self, path: &str) -> Result<Opened<'_>, ImageError> {
        let Some((offset, size)) = self.locate(path) else {
            return Ok(None);
        };
        let io_err = |source| ImageError::Io {
            path: format!("{}: {path}", self.file.display()),
            source,
        };
        let mut f = File::open(&self.file).map_err(io_err)?;
        f.seek(SeekFrom::Start(offset)).map_err(io_err)?;
        let r = BufReader::with_capacity(1 << 16, f).take(size);
        Ok(Some((Box::new(r), size)))
    }
}

/// Small files kept in memory (the JSON documents of a streamed export).
#[derive(Default)]
pub(crate) struct MemStore {
    pub(crate) name: String,
    pub(crate) files: HashMap<String, Vec<u8>>,
    /// Links between members of the stream (legacy `docker save` links duplicate `layer.tar`s).
    pub(crate) links: HashMap<String, String>,
}

impl MemStore {
    /// Follow member links (at most 8) to the name that holds the data.
    pub(crate) fn canonical(&self, path: &str) -> String {
        let mut name = key(path).unwrap_or_default();
        for _ in 0..8 {
            match self.links.get(&name) {
                Some(to) => name = to.clone(),
                None => break,
            }
        }
        name
    }
}

impl Store for MemStore {
    fn describe(&self) -> String {
        self.name.clone()
    }
    fn has(&self, path: &str) -> bool {
        self.files.contains_key(&self.canonical(path))
    }
    fn read_small(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        match self.files.get(&self.canonical(path)) {
            Some(b) if b.len() as u64 > limit => Err(ImageError::Message(format!(
                "{}: {path} is larger than {limit} bytes",
                self.name
            ))),
            Some(b) => Ok(Some(b.clone())),
            None => Ok(None),
        }
    }
}

/// Normalize a member name of an outer archive to a store key (`./manifest.json` → `manifest.json`).
pub(crate) fn member_key(raw: &str) -> Option<String> {
    key(raw)
}
