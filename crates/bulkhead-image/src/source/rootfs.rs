//! An unpacked root filesystem directory, read as one layer. Symlinks are recorded, never followed;
//! metadata comes from `lstat`; file contents are read only for visitors and captured audit files.

use super::ImageRead;
use super::assemble::{Blob, assemble};
use super::plan::Plan;
use crate::error::ImageError;
use crate::model::{FileKind, FileMeta};
use crate::reader::{
    CAPTURED_FILES, LayerChange, LayerRead, MAX_CAPTURED_BYTES, Notes, ReadOptions,
};
use crate::visit::{LayerVisitor, Visited};
use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path};
use walkdir::WalkDir;

/// `/a/b` for `root/a/b`.
fn image_path(root: &Path, p: &Path) -> Option<String> {
    let rel = p.strip_prefix(root).ok()?;
    let mut s = String::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => {
                s.push('/');
                s.push_str(&n.to_string_lossy());
            }
            _ => return None,
        }
    }
    (!s.is_empty()).then_some(s)
}

fn kind_of(md: &Metadata) -> Option<FileKind> {
    let ft = md.file_type();
    Some(if ft.is_dir() {
        FileKind::Dir
    } else if ft.is_symlink() {
        FileKind::Symlink
    } else if ft.is_file() {
        FileKind::File
    } else if ft.is_char_device() {
        FileKind::Char
    } else if ft.is_block_device() {
        FileKind::Block
    } else if ft.is_fifo() {
        FileKind::Fifo
    } else {
        return None;
    })
}

/// Read a regular file found by the walk, refusing it when it was swapped for something else since.
fn read_regular(p: &Path, md: &Metadata, limit: u64) -> std::io::Result<Vec<u8>> {
    let f = File::open(p)?;
    let now = f.metadata()?;
    if now.dev() != md.dev() || now.ino() != md.ino() || !now.is_file() {
        return Err(std::io::Error::other("changed while being read"));
    }
    let mut buf = Vec::with_capacity(md.len().min(1 << 20) as usize);
    f.take(limit).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Read a root filesystem directory as a one-layer image without config.
pub(crate) fn read<V: LayerVisitor>(
    root: &Path,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<ImageRead<V::Output>, ImageError> {
    let md = std::fs::symlink_metadata(root).map_err(|e| {
        ImageError::Message(format!(
            "{}: cannot read the root filesystem directory: {e}",
            root.display()
        ))
    })?;
    if !md.is_dir() {
        return Err(ImageError::Message(format!(
            "{}: not a directory: a root filesystem source is an unpacked directory",
            root.display()
        )));
    }
    let mut lr: LayerRead<V::Output> = LayerRead::empty(0);
    let mut notes = Notes::new(lr.info.label());
    let mut total = 0u64;
    let mut count = 0u64;
    for entry in WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let p = e.path().and_then(|p| image_path(root, p));
                notes.add(p.as_deref(), format!("cannot read: {e}"));
                continue;
            }
        };
        count += 1;
        if count > opts.max_entries {
            notes.add(
                None,
                format!(
                    "more than {} entries (max_entries): stopped the walk",
                    opts.max_entries
                ),
            );
            lr.complete = false;
            break;
        }
        let Some(path) = image_path(root, entry.path()) else {
            continue;
        };
        let md = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                notes.add(Some(&path), format!("cannot read metadata: {e}"));
                continue;
            }
        };
        let Some(kind) = kind_of(&md) else {
            notes.add(Some(&path), "a socket: not part of an image, skipped");
            continue;
        };
        let link_target = match kind {
            FileKind::Symlink => Some(
                std::fs::read_link(entry.path())
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            _ => None,
        };
        let size = if kind == FileKind::File { md.len() } else { 0 };
        let meta = FileMeta {
            kind,
            mode: md.mode() & 0o7777,
            uid: u64::from(md.uid()),
            gid: u64::from(md.gid()),
            size,
            link_target,
        };
        total += size;
        if kind == FileKind::File {
            let capture = size <= MAX_CAPTURED_BYTES && CAPTURED_FILES.contains(&path.as_str());
            let offer = size <= opts.max_file_bytes && visitor.wants(&path, &meta);
            if capture || offer {
                match read_regular(entry.path(), &md, size) {
                    Ok(data) => {
                        if offer && let Some(output) = visitor.visit(0, &path, &meta, &data) {
                            lr.outputs.push(Visited {
                                layer: 0,
                                path: path.clone(),
                                output,
                            });
                        }
                        if capture {
                            lr.captured.push((path.clone(), data));
                        }
                    }
                    Err(e) => notes.add(Some(&path), format!("cannot read contents: {e}")),
                }
            }
        }
        lr.changes.push(LayerChange::Add(path, meta));
    }
    lr.info.uncompressed_size = total;
    lr.notes = notes.finish();
    let blob = Blob {
        read: lr,
        raw: None,
    };
    Ok(assemble(
        &root.display().to_string(),
        "rootfs",
        Plan::default(),
        vec![blob],
    ))
}

/// Contents of the regular file `file` under `root` (never through a symlink on the host).
pub(crate) fn find(root: &Path, file: &str) -> Result<Option<Vec<u8>>, ImageError> {
    let rel = file.trim_start_matches('/');
    if Path::new(rel)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Ok(None);
    }
    // Every component below the root must be a real directory (or, last, a regular file).
    let mut p = root.to_path_buf();
    let mut md = None;
    for c in Path::new(rel).components() {
        p.push(c);
        let m = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(_) => return Ok(None),
        };
        if m.file_type().is_symlink() {
            return Ok(None);
        }
        md = Some(m);
    }
    let Some(md) = md.filter(Metadata::is_file) else {
        return Ok(None);
    };
    read_regular(&p, &md, md.len())
        .map(Some)
        .map_err(|source| ImageError::Io {
            path: p.display().to_string(),
            source,
        })
}
