//! Stacking layers into the squashed tree, with provenance of every visible and hidden entry.

use super::{LayerChange, LayerRead};
use crate::model::{
    FileKind, FileMeta, HiddenEntry, HiddenReason, ImageFs, LayerInfo, Node, ReadNote,
};
use crate::visit::Visited;
use std::collections::BTreeMap;

/// Stack layers (in order from the base) into the squashed tree. Visitor outputs are returned for every
/// layer, visible or not: [`ImageFs::is_visible`] tells which.
///
/// Rules, layer by layer:
/// - the layer's whiteouts (`.wh.<name>`: the path and its subtree) and opaque markers (`.wh..wh..opq`:
///   everything lower layers put under the directory) apply to the layers below it only, wherever they
///   sit in the layer's tar; what they remove is kept in [`ImageFs::hidden`] as
///   [`HiddenReason::Deleted`] by this layer;
/// - then its entries, in tar order: a path written again is [`HiddenReason::Overwritten`] by this layer,
///   except a directory written over a directory, which only takes the new metadata and keeps its
///   children; a non-directory written over a directory (listed or only implied by its children)
///   deletes the directory's subtree;
/// - captured audit files keep the version visible in the final tree.
pub fn squash<T>(
    layers: Vec<LayerRead<T>>,
) -> (ImageFs, Vec<LayerInfo>, Vec<Visited<T>>, Vec<ReadNote>) {
    let mut fs = ImageFs::default();
    let mut infos = Vec::with_capacity(layers.len());
    let mut outputs = Vec::new();
    let mut notes = Vec::new();
    let mut captured: BTreeMap<String, (usize, Vec<u8>)> = BTreeMap::new();
    for lr in layers {
        let layer = lr.info.index;
        for change in &lr.changes {
            match change {
                LayerChange::Whiteout(p) => {
                    remove_subtree(&mut fs, p, layer);
                    remove_one(&mut fs, p, HiddenReason::Deleted(layer));
                }
                LayerChange::Opaque(d) => remove_subtree(&mut fs, d, layer),
                LayerChange::Add(..) => {}
            }
        }
        for change in lr.changes {
            if let LayerChange::Add(path, meta) = change {
                add(&mut fs, path, meta, layer);
            }
        }
        for (path, data) in lr.captured {
            captured.insert(path, (layer, data));
        }
        infos.push(lr.info);
        outputs.extend(lr.outputs);
        notes.extend(lr.notes);
    }
    fs.captured = captured
        .into_iter()
        .filter(|(path, (layer, _))| fs.is_visible(*layer, path))
        .map(|(path, (_, data))| (path, data))
        .collect();
    (fs, infos, outputs, notes)
}

fn add(fs: &mut ImageFs, path: String, meta: FileMeta, layer: usize) {
    let Some(old) = fs.entries.get(&path) else {
        if meta.kind != FileKind::Dir {
            // A directory only implied by its children is replaced too.
            remove_subtree(fs, &path, layer);
        }
        fs.entries.insert(path, Node { meta, layer });
        return;
    };
    let old_is_dir = old.meta.kind == FileKind::Dir;
    if old_is_dir && meta.kind == FileKind::Dir {
        fs.entries.insert(path, Node { meta, layer });
        return;
    }
    if old_is_dir {
        remove_subtree(fs, &path, layer);
    }
    remove_one(fs, &path, HiddenReason::Overwritten(layer));
    fs.entries.insert(path, Node { meta, layer });
}

fn remove_one(fs: &mut ImageFs, path: &str, reason: HiddenReason) {
    if let Some(node) = fs.entries.remove(path) {
        fs.hidden.push(HiddenEntry {
            path: path.to_string(),
            meta: node.meta,
            layer: node.layer,
            reason,
        });
    }
}

/// Remove everything under `dir` (not `dir` itself), hidden as deleted by `layer`.
fn remove_subtree(fs: &mut ImageFs, dir: &str, layer: usize) {
    let prefix = if dir.ends_with('/') {
        dir.to_string()
    } else {
        format!("{dir}/")
    };
    let victims: Vec<String> = fs
        .entries
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for v in victims {
        remove_one(fs, &v, HiddenReason::Deleted(layer));
    }
}
