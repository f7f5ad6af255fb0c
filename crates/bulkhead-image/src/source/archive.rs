//! `docker save` tarballs, both shapes: legacy (`manifest.json`, `<id>/layer.tar`, `<id>.json`) and OCI
//! (Docker 25 and later: `index.json`, `oci-layout`, `blobs/sha256/...`, plus `manifest.json`). The outer
//! tar is indexed once; each layer is then read from its byte range, in parallel.

use super::ImageRead;
use super::assemble::{Blob, assemble, read_blob, read_seekable};
use super::plan::{LayerRef, Plan, plan_archive, plan_docker};
use super::store::{SeekStore, Store, TarStore};
use crate::digest::blob_path;
use crate::error::ImageError;
use crate::model::{Image, ReadNote};
use crate::reader::{ReadOptions, detect_compression, read_up_to};
use crate::visit::LayerVisitor;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

enum Shape {
    /// A compressed file or a tar with no image metadata: one root filesystem layer.
    SingleLayer,
    Image(TarStore),
}

fn shape(path: &Path) -> Result<Shape, ImageError> {
    let mut f = File::open(path).map_err(|e| {
        ImageError::Message(format!(
            "cannot open the image archive {}: {e}",
            path.display()
        ))
    })?;
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(ImageError::Message(format!(
            "{} is a directory: pass it as `oci:{0}` (OCI layout) or `dir:{0}` (root filesystem)",
            path.display()
        )));
    }
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut f, &mut magic).map_err(|source| ImageError::Io {
        path: path.display().to_string(),
        source,
    })?;
    if n == 0 {
        return Err(ImageError::Message(format!(
            "{} is empty: expected a `docker save` tarball",
            path.display()
        )));
    }
    if detect_compression(magic.get(..n).unwrap_or(&[])) != "none" {
        return Ok(Shape::SingleLayer);
    }
    let store = TarStore::index(path)?;
    if store.is_image() {
        return Ok(Shape::Image(store));
    }
    if let Some(member) = store.docker_save_member() {
        return Err(ImageError::Message(match &store.index_error {
            Some(e) => format!(
                "{} is a truncated or corrupt `docker save` archive: it holds {member} but reading stopped \
                 ({e}) before manifest.json or index.json, which come last; save the image again",
                path.display()
            ),
            None => format!(
                "{} holds {member} like a `docker save` archive but has no manifest.json or index.json: \
                 the archive is incomplete; save the image again",
                path.display()
            ),
        }));
    }
    match &store.index_error {
        Some(e) if !store.has_members() => Err(ImageError::Message(format!(
            "{} is not a tar archive ({e}): expected a `docker save` tarball",
            path.display()
        ))),
        None if !store.has_members() => Err(ImageError::Message(format!(
            "{} is an empty tar archive: expected a `docker save` tarball",
            path.display()
        ))),
        _ => Ok(Shape::SingleLayer),
    }
}

/// Read a `docker save` archive.
pub(crate) fn read<V: LayerVisitor>(
    path: &Path,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<ImageRead<V::Output>, ImageError> {
    let reference = path.display().to_string();
    match shape(path)? {
        Shape::SingleLayer => {
            let f = open(path)?;
            let blob = read_blob(0, BufReader::with_capacity(1 << 16, f), opts, visitor)?;
            let plan = Plan {
                layers: vec![LayerRef {
                    path: String::new(),
                    digest: None,
                    media_type: None,
                    size: None,
                    skip: None,
                }],
                notes: vec![ReadNote {
                    layer: None,
                    path: None,
                    message: format!(
                        "{reference} has no manifest.json or index.json: read as one root filesystem layer, without image config"
                    ),
                }],
                ..Plan::default()
            };
            Ok(assemble(&reference, "docker-archive", plan, vec![blob]))
        }
        Shape::Image(store) => {
            let ends_early = |e: ImageError| match &store.index_error {
                Some(ie) => {
                    ImageError::Message(format!("{e} (the archive ends early or is corrupt: {ie})"))
                }
                None => e,
            };
            let mut plan = plan_archive(&store, opts).map_err(ends_early)?;
            if let Some(e) = &store.index_error {
                plan.notes.push(ReadNote {
                    layer: None,
                    path: None,
                    message: format!("the archive ends early or is corrupt ({e}): members after that point are missing"),
                });
            }
            let blobs: Vec<Blob<V::Output>> =
                read_seekable(&store, &plan, opts, visitor).map_err(ends_early)?;
            Ok(assemble(&reference, "docker-archive", plan, blobs))
        }
    }
}

fn open(path: &Path) -> Result<File, ImageError> {
    File::open(path).map_err(|source| ImageError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Contents of `file` as layer `layer` of `image` (read earlier from this archive) wrote it.
pub(crate) fn find(
    path: &Path,
    image: &Image,
    layer: usize,
    file: &str,
) -> Result<Option<Vec<u8>>, ImageError> {
    let store = match shape(path)? {
        Shape::SingleLayer => {
            return super::find_in_layer(0, BufReader::with_capacity(1 << 16, open(path)?), file);
        }
        Shape::Image(store) => store,
    };
    let by_digest = image
        .layers
        .get(layer)
        .and_then(|l| l.digest.as_deref())
        .and_then(blob_path)
        .filter(|p| store.has(p));
    let blob = match by_digest {
        Some(p) => p,
        None => plan_docker(&store)?
            .layers
            .get(layer)
            .map(|l| l.path.clone())
            .ok_or_else(|| {
                ImageError::Message(format!(
                    "{}: the image has no layer {}: was it read from another archive?",
                    path.display(),
                    layer + 1
                ))
            })?,
    };
    let (r, _) = store.open(&blob)?.ok_or_else(|| {
        ImageError::Message(format!("{}: layer blob {blob} is missing", path.display()))
    })?;
    super::find_in_layer(layer, r, file)
}
