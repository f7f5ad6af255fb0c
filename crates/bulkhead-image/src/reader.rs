//! The streaming layer reader: one layer blob (gzip, zstd or plain tar, detected by magic bytes) in, its
//! entries, whiteouts and visitor outputs out; [`squash`] stacks layers into the [`ImageFs`](crate::ImageFs).
//!
//! Nothing is written to disk and nothing is resolved on the host: member names are normalized as strings,
//! symlink targets are kept as written. Memory per layer is the entries' metadata, the visitor outputs, the
//! captured audit files and one file's contents at a time (only when the visitor asked for it).

mod guard;
mod paths;
mod squash;

pub use squash::squash;

use crate::error::ImageError;
use crate::model::{FileKind, FileMeta, LayerInfo, ReadNote};
use crate::visit::{LayerVisitor, Visited};
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

pub(crate) use guard::HeaderGuard;
pub(crate) use paths::{Member, normalize_member, symlink_destination};

/// Limits and switches for a read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// `os/arch[/variant]` to pick from a multi-platform index (default: the host's, then the first).
    pub platform: Option<String>,
    /// Largest regular file whose contents are offered to visitors (bytes).
    pub max_file_bytes: u64,
    /// Largest uncompressed size one layer may inflate to before it is abandoned (gzip bomb guard).
    pub max_layer_bytes: u64,
    /// Largest number of entries one layer may hold.
    pub max_entries: u64,
    /// Allow plain HTTP to a registry (always allowed for 127.0.0.1 / localhost).
    pub insecure_registry: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            platform: None,
            max_file_bytes: 256 << 20,
            max_layer_bytes: 64 << 30,
            max_entries: 10_000_000,
            insecure_registry: false,
        }
    }
}

/// Files whose contents are kept in memory (when at most [`MAX_CAPTURED_BYTES`]) for the audits, in
/// whatever layer writes them; [`squash`] keeps the version visible in the final tree.
pub const CAPTURED_FILES: &[&str] = &[
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
    "/etc/login.defs",
];

/// Largest captured file (bytes); bigger ones are not captured.
pub const MAX_CAPTURED_BYTES: u64 = 1 << 20;

/// Most notes one layer records; the rest are counted in a last note.
const MAX_NOTES_PER_LAYER: usize = 200;

/// One change a layer makes, in the order the layer's tar lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerChange {
    /// The layer writes this path.
    Add(String, FileMeta),
    /// `.wh.<name>`: deletes this path (and everything under it) from lower layers.
    Whiteout(String),
    /// `.wh..wh..opq` in this directory: hides everything lower layers put under it.
    Opaque(String),
}

/// What reading one layer gave.
#[derive(Debug)]
pub struct LayerRead<T> {
    /// `index`, `compression` and `uncompressed_size` are filled; digests are the source's job.
    pub info: LayerInfo,
    pub changes: Vec<LayerChange>,
    pub outputs: Vec<Visited<T>>,
    /// Small files kept for the audits (see [`crate::model::ImageFs::captured`]).
    pub captured: Vec<(String, Vec<u8>)>,
    pub notes: Vec<ReadNote>,
    /// Whether the layer was read to its end (false after a limit, a truncation or a corrupt entry: what
    /// was read before is kept, and `notes` says why it stopped).
    pub complete: bool,
}

impl<T> LayerRead<T> {
    /// An empty layer read (nothing in it yet).
    pub fn empty(index: usize) -> Self {
        LayerRead {
            info: LayerInfo {
                index,
                compression: "none".into(),
                ..LayerInfo::default()
            },
            changes: Vec::new(),
            outputs: Vec::new(),
            captured: Vec::new(),
            notes: Vec::new(),
            complete: true,
        }
    }

    /// Give the layer another index (sources that learn the order only after reading): the info, the
    /// visitor outputs and the notes' layer names follow.
    pub fn set_index(&mut self, index: usize) {
        let old = self.info.label();
        self.info.index = index;
        let new = self.info.label();
        for o in &mut self.outputs {
            o.layer = index;
        }
        for n in &mut self.notes {
            if n.layer.as_deref() == Some(old.as_str()) {
                n.layer = Some(new.clone());
            }
        }
    }

    /// Rename the layer in its notes after the digests were filled in.
    pub(crate) fn relabel_notes(&mut self, old: &str) {
        let new = self.info.label();
        for n in &mut self.notes {
            if n.layer.as_deref() == Some(old) {
                n.layer = Some(new.clone());
            }
        }
    }
}

/// Notes of one layer, capped.
pub(crate) struct Notes {
    layer: String,
    notes: Vec<ReadNote>,
    dropped: usize,
}

impl Notes {
    pub(crate) fn new(layer: String) -> Self {
        Notes {
            layer,
            notes: Vec::new(),
            dropped: 0,
        }
    }

    pub(crate) fn add(&mut self, path: Option<&str>, message: impl Into<String>) {
        if self.notes.len() >= MAX_NOTES_PER_LAYER {
            self.dropped += 1;
            return;
        }
        self.notes.push(ReadNote {
            layer: Some(self.layer.clone()),
            path: path.map(str::to_string),
            message: message.into(),
        });
    }

    pub(crate) fn finish(mut self) -> Vec<ReadNote> {
        if self.dropped > 0 {
            self.notes.push(ReadNote {
                layer: Some(self.layer.clone()),
                path: None,
                message: format!(
                    "{} more notes about this layer were left out (at most {MAX_NOTES_PER_LAYER} are kept)",
                    self.dropped
                ),
            });
        }
        self.notes
    }
}

/// Counts uncompressed bytes and refuses to give more than the limit.
struct Counter<R> {
    inner: R,
    count: Rc<Cell<u64>>,
    limit: u64,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for Counter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.count.get().saturating_add(n as u64);
        self.count.set(total);
        if total > self.limit {
            self.tripped.set(true);
            return Err(io::Error::other("layer size limit reached"));
        }
        Ok(n)
    }
}

/// Read up to `buf.len()` bytes, fewer only at the end of the stream.
pub(crate) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let Some(rest) = buf.get_mut(filled..) else {
            break;
        };
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The compression a blob's first bytes announce: `gzip`, `zstd` or `none`.
pub fn detect_compression(magic: &[u8]) -> &'static str {
    match magic {
        [0x1f, 0x8b, ..] => "gzip",
        [0x28, 0xb5, 0x2f, 0xfd, ..] => "zstd",
        _ => "none",
    }
}

/// Read one layer blob.
///
/// Compression is detected from the magic bytes. Problems inside the layer (a truncated stream, a gzip
/// bomb, an entry name escaping the root, an absurd header) become notes naming the layer and path, and
/// what was read before them is kept; an error is returned only when the blob cannot be read at all.
pub fn read_layer<V: LayerVisitor>(
    index: usize,
    blob: impl Read,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<LayerRead<V::Output>, ImageError> {
    let mut blob = blob;
    let mut magic = [0u8; 4];
    let label = LayerInfo {
        index,
        ..LayerInfo::default()
    }
    .label();
    let n = read_up_to(&mut blob, &mut magic).map_err(|source| ImageError::Io {
        path: label.clone(),
        source,
    })?;
    let head = magic.get(..n).unwrap_or(&[]);
    let compression = detect_compression(head);
    let stream = io::Cursor::new(head.to_vec()).chain(blob);
    let mut out = match compression {
        "gzip" => read_tar(
            index,
            flate2::read::MultiGzDecoder::new(stream),
            opts,
            visitor,
        ),
        "zstd" => match zstd::stream::read::Decoder::new(stream) {
            Ok(d) => read_tar(index, d, opts, visitor),
            Err(e) => {
                let mut lr = LayerRead::empty(index);
                lr.complete = false;
                lr.notes.push(ReadNote {
                    layer: Some(label),
                    path: None,
                    message: format!("cannot start the zstd decoder: {e}"),
                });
                lr
            }
        },
        _ => read_tar(index, stream, opts, visitor),
    };
    out.info.compression = compression.to_string();
    Ok(out)
}

/// Read the entries of an uncompressed tar stream.
fn read_tar<V: LayerVisitor>(
    index: usize,
    stream: impl Read,
    opts: &ReadOptions,
    visitor: &V,
) -> LayerRead<V::Output> {
    let mut lr = LayerRead::empty(index);
    let mut notes = Notes::new(lr.info.label());
    let count = Rc::new(Cell::new(0u64));
    let tripped = Rc::new(Cell::new(false));
    let counter = Counter {
        inner: guard::HeaderGuard::new(stream),
        count: Rc::clone(&count),
        limit: opts.max_layer_bytes,
        tripped: Rc::clone(&tripped),
    };
    let mut archive = tar::Archive::new(counter);
    let mut last: Option<String> = None;
    let mut entries_seen: u64 = 0;
    let after = |last: &Option<String>| match last {
        Some(p) => format!("after {p}"),
        None => "before its first entry".to_string(),
    };
    match archive.entries() {
        Err(e) => {
            notes.add(None, format!("not a readable tar stream: {e}"));
            lr.complete = false;
        }
        Ok(entries) => {
            for entry in entries {
                let mut entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        let msg = if tripped.get() {
                            format!(
                                "layer inflates past the limit of {} bytes (max_layer_bytes; a compression bomb?): stopped reading {}; later entries are missing",
                                opts.max_layer_bytes,
                                after(&last)
                            )
                        } else {
                            format!(
                                "layer is truncated or corrupt {}: {e}; later entries are missing",
                                after(&last)
                            )
                        };
                        notes.add(last.as_deref(), msg);
                        lr.complete = false;
                        break;
                    }
                };
                entries_seen += 1;
                if entries_seen > opts.max_entries {
                    notes.add(
                        last.as_deref(),
                        format!(
                            "layer has more than {} entries (max_entries): stopped reading {}",
                            opts.max_entries,
                            after(&last)
                        ),
                    );
                    lr.complete = false;
                    break;
                }
                match read_entry(index, &mut entry, opts, visitor, &mut lr, &mut notes) {
                    Step::Next(Some(p)) => last = Some(p),
                    Step::Next(None) => {}
                    Step::Stop(p, msg) => {
                        let where_ = p.clone().or_else(|| last.clone());
                        let msg = if tripped.get() {
                            format!(
                                "layer inflates past the limit of {} bytes (max_layer_bytes; a compression bomb?) while reading {}: stopped; later entries are missing",
                                opts.max_layer_bytes,
                                where_.as_deref().unwrap_or("its first entry")
                            )
                        } else {
                            msg
                        };
                        notes.add(where_.as_deref(), msg);
                        lr.complete = false;
                        break;
                    }
                }
            }
        }
    }
    if lr.complete {
        // Read what follows the end-of-archive blocks (padding), so the size is the whole tar and the
        // decompressor checks its trailer; still bounded by the layer limit.
        if let Err(e) = io::copy(&mut archive.into_inner(), &mut io::sink()) {
            let msg = if tripped.get() {
                format!(
                    "data after the end of the tar archive inflates past the limit of {} bytes (max_layer_bytes): not read",
                    opts.max_layer_bytes
                )
            } else {
                format!("data after the end of the tar archive is unreadable: {e}")
            };
            notes.add(None, msg);
        }
    }
    lr.info.uncompressed_size = count.get();
    lr.notes = notes.finish();
    lr
}

enum Step {
    /// Go on; the entry's normalized path when it had one.
    Next(Option<String>),
    /// Stop reading this layer (path, message).
    Stop(Option<String>, String),
}

fn read_entry<V: LayerVisitor, R: Read>(
    index: usize,
    entry: &mut tar::Entry<'_, R>,
    opts: &ReadOptions,
    visitor: &V,
    lr: &mut LayerRead<V::Output>,
    notes: &mut Notes,
) -> Step {
    let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    let header = entry.header();
    let etype = header.entry_type();
    let size = entry.size();
    if size > opts.max_layer_bytes {
        return Step::Stop(
            Some(raw.clone()),
            format!(
                "entry `{raw}` claims {size} bytes, more than the whole layer may hold (max_layer_bytes {}): the header is corrupt or hostile; stopped reading",
                opts.max_layer_bytes
            ),
        );
    }
    let path = match normalize_member(&raw) {
        Member::Root => return Step::Next(None),
        Member::Escape => {
            notes.add(
                Some(&raw),
                format!("entry name `{raw}` climbs out of the image root: skipped"),
            );
            return Step::Next(None);
        }
        Member::Path { path, absolute } => {
            if absolute {
                notes.add(
                    Some(&path),
                    format!("entry name `{raw}` is absolute; read as {path} inside the image"),
                );
            }
            path
        }
    };
    let name = paths::base_name(&path);
    if path.split('/').any(|c| c.starts_with(".wh..wh.")) && name != ".wh..wh..opq" {
        // AUFS bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`): not part of the filesystem.
        return Step::Next(Some(path));
    }
    if name == ".wh..wh..opq" {
        lr.changes
            .push(LayerChange::Opaque(paths::parent(&path).to_string()));
        return Step::Next(Some(path));
    }
    if let Some(target) = name.strip_prefix(".wh.") {
        if target.is_empty() || target == "." || target == ".." {
            notes.add(Some(&path), "whiteout names no file: ignored");
        } else {
            let parent = paths::parent(&path);
            let victim = if parent == "/" {
                format!("/{target}")
            } else {
                format!("{parent}/{target}")
            };
            lr.changes.push(LayerChange::Whiteout(victim));
        }
        return Step::Next(Some(path));
    }

    let kind = match etype {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            FileKind::File
        }
        tar::EntryType::Directory => FileKind::Dir,
        tar::EntryType::Symlink => FileKind::Symlink,
        tar::EntryType::Link => FileKind::Hardlink,
        tar::EntryType::Char => FileKind::Char,
        tar::EntryType::Block => FileKind::Block,
        tar::EntryType::Fifo => FileKind::Fifo,
        tar::EntryType::XGlobalHeader => return Step::Next(None),
        other => {
            notes.add(
                Some(&path),
                format!(
                    "entry type {:?} is not a filesystem object: skipped",
                    other.as_byte() as char
                ),
            );
            return Step::Next(Some(path));
        }
    };
    let mode = match header.mode() {
        Ok(m) => m & 0o7777,
        Err(e) => {
            notes.add(
                Some(&path),
                format!("unreadable mode field ({e}): read as 0"),
            );
            0
        }
    };
    let uid = header.uid().unwrap_or_else(|e| {
        notes.add(
            Some(&path),
            format!("unreadable uid field ({e}): read as 0"),
        );
        0
    });
    let gid = header.gid().unwrap_or_else(|e| {
        notes.add(
            Some(&path),
            format!("unreadable gid field ({e}): read as 0"),
        );
        0
    });
    let link = entry
        .link_name_bytes()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let link_target = match kind {
        FileKind::Symlink => {
            let target = link.unwrap_or_default();
            if symlink_destination(&path, &target).is_none() {
                notes.add(
                    Some(&path),
                    format!(
                        "symlink target `{target}` climbs above the image root (kept as written, never followed)"
                    ),
                );
            }
            Some(target)
        }
        FileKind::Hardlink => match link.as_deref().map(normalize_member) {
            Some(Member::Path { path: t, .. }) => Some(t),
            _ => {
                notes.add(
                    Some(&path),
                    format!(
                        "hard link target `{}` is outside the image root or empty: kept without target",
                        link.unwrap_or_default()
                    ),
                );
                None
            }
        },
        _ => None,
    };
    let meta = FileMeta {
        kind,
        mode,
        uid,
        gid,
        size: if kind == FileKind::File { size } else { 0 },
        link_target,
    };

    if kind == FileKind::File {
        let capture = size <= MAX_CAPTURED_BYTES && CAPTURED_FILES.contains(&path.as_str());
        let offer = size <= opts.max_file_bytes && visitor.wants(&path, &meta);
        if capture || offer {
            let mut buf = Vec::with_capacity(size.min(1 << 20) as usize);
            let got = entry.take(size).read_to_end(&mut buf);
            if let Err(e) = got {
                lr.changes.push(LayerChange::Add(path.clone(), meta));
                return Step::Stop(
                    Some(path.clone()),
                    format!(
                        "layer is truncated or corrupt while reading {path}: {e}; later entries are missing"
                    ),
                );
            }
            if (buf.len() as u64) < size {
                lr.changes.push(LayerChange::Add(path.clone(), meta));
                return Step::Stop(
                    Some(path.clone()),
                    format!(
                        "layer is truncated inside {path} ({} of {size} bytes present); later entries are missing",
                        buf.len()
                    ),
                );
            }
            if offer && let Some(output) = visitor.visit(index, &path, &meta, &buf) {
                lr.outputs.push(Visited {
                    layer: index,
                    path: path.clone(),
                    output,
                });
            }
            if capture {
                lr.captured.push((path.clone(), buf));
            }
        }
    }
    lr.changes.push(LayerChange::Add(path.clone(), meta));
    Step::Next(Some(path))
}
