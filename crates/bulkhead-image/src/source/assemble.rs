//! Reading planned layers and putting the image together: digests checked, config parsed, history
//! matched to layers, layers squashed.

use super::plan::Plan;
use super::store::SeekStore;
use crate::config::{match_history, parse_config};
use crate::digest::HashingReader;
use crate::error::ImageError;
use crate::model::{Image, ReadNote};
use crate::reader::{LayerRead, ReadOptions, read_layer, squash};
use crate::visit::{LayerVisitor, Visited};
use rayon::prelude::*;
use std::io::Read;

/// One layer blob, read.
pub(crate) struct Blob<T> {
    pub read: LayerRead<T>,
    /// SHA-256 of the stored bytes and their count, when the whole blob was read.
    pub raw: Option<(String, u64)>,
}

/// Read one layer blob, hashing the stored bytes on the way.
pub(crate) fn read_blob<V: LayerVisitor>(
    index: usize,
    raw: impl Read,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<Blob<V::Output>, ImageError> {
    let mut hashing = HashingReader::new(raw);
    let read = read_layer(index, &mut hashing, opts, visitor)?;
    let raw = if read.complete {
        hashing.finish().ok()
    } else {
        None
    };
    Ok(Blob { read, raw })
}

fn skipped<T>(index: usize, why: &str) -> Blob<T> {
    let mut read = LayerRead::empty(index);
    read.complete = false;
    read.notes.push(ReadNote {
        layer: Some(read.info.label()),
        path: None,
        message: why.to_string(),
    });
    Blob { read, raw: None }
}

/// The message for a layer blob the manifest names but the source lacks.
pub(crate) fn missing_blob(
    store: &str,
    index: usize,
    path: &str,
    digest: Option<&str>,
) -> ImageError {
    ImageError::Message(format!(
        "{store}: layer {} blob {} is missing ({path} not found): the image is incomplete; export or copy it again",
        index + 1,
        digest.unwrap_or(path)
    ))
}

/// Read every planned layer of a seekable store, one layer per rayon task.
pub(crate) fn read_seekable<S: SeekStore + ?Sized, V: LayerVisitor>(
    store: &S,
    plan: &Plan,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<Vec<Blob<V::Output>>, ImageError> {
    for (i, l) in plan.layers.iter().enumerate() {
        if l.skip.is_none() && !store.has(&l.path) {
            return Err(missing_blob(
                &store.describe(),
                i,
                &l.path,
                l.digest.as_deref(),
            ));
        }
    }
    plan.layers
        .par_iter()
        .enumerate()
        .map(|(i, l)| {
            if let Some(why) = &l.skip {
                return Ok(skipped(i, why));
            }
            let (r, _) = store
                .open(&l.path)?
                .ok_or_else(|| missing_blob(&store.describe(), i, &l.path, l.digest.as_deref()))?;
            read_blob(i, r, opts, visitor)
        })
        .collect()
}

/// Put the image together from its plan and its read layers (in plan order).
pub(crate) fn assemble<T>(
    reference: &str,
    source_kind: &str,
    plan: Plan,
    blobs: Vec<Blob<T>>,
) -> (Image, Vec<Visited<T>>) {
    let mut notes = plan.notes;
    let config = plan
        .config
        .as_ref()
        .and_then(|(bytes, id)| match parse_config(bytes) {
            Ok(c) => Some(c),
            Err(e) => {
                notes.push(ReadNote {
                    layer: None,
                    path: None,
                    message: format!(
                        "the image config {id} is unreadable ({e}): config checks are skipped"
                    ),
                });
                None
            }
        });
    let mut reads = Vec::with_capacity(blobs.len());
    for (i, blob) in blobs.into_iter().enumerate() {
        let mut read = blob.read;
        let old_label = read.info.label();
        let planned = plan.layers.get(i);
        read.info.digest = planned.and_then(|l| l.digest.clone());
        read.info.media_type = planned.and_then(|l| l.media_type.clone());
        read.info.size = planned.and_then(|l| l.size);
        read.info.diff_id = config.as_ref().and_then(|c| c.diff_ids.get(i).cloned());
        let mut mismatch = None;
        if let Some((got, bytes)) = &blob.raw {
            if read.info.size.is_none() {
                read.info.size = Some(*bytes);
            }
            match &read.info.digest {
                Some(want) if want.starts_with("sha256:") && want != got => {
                    mismatch = Some(format!(
                        "blob content hashes to {got}, not to the manifest's {want}: the blob is corrupt or was replaced"
                    ));
                }
                Some(_) => {}
                None => read.info.digest = Some(got.clone()),
            }
            if mismatch.is_none()
                && read.info.compression == "none"
                && let Some(diff) = &read.info.diff_id
                && diff.starts_with("sha256:")
                && diff != got
            {
                mismatch = Some(format!(
                    "layer content hashes to {got}, not to the config's diff_id {diff}: the layer is corrupt or was replaced"
                ));
            }
        }
        if let Some(m) = mismatch {
            read.notes.push(ReadNote {
                layer: Some(old_label.clone()),
                path: None,
                message: m,
            });
        }
        read.relabel_notes(&old_label);
        reads.push(read);
    }
    if let Some(c) = &config
        && !c.diff_ids.is_empty()
        && c.diff_ids.len() != reads.len()
    {
        notes.push(ReadNote {
            layer: None,
            path: None,
            message: format!(
                "the config lists {} layers (rootfs.diff_ids) but the manifest {}",
                c.diff_ids.len(),
                reads.len()
            ),
        });
    }
    let (fs, mut layers, outputs, layer_notes) = squash(reads);
    if let Some(c) = &config {
        match_history(c, &mut layers);
    }
    notes.extend(layer_notes);
    let image = Image {
        reference: reference.to_string(),
        source_kind: source_kind.to_string(),
        id: plan.config.map(|(_, id)| id),
        manifest_digest: plan.manifest_digest,
        repo_tags: plan.repo_tags,
        config,
        layers,
        fs,
        notes,
    };
    (image, outputs)
}
