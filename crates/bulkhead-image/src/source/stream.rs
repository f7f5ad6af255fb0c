//! A `docker save` archive read as one forward-only stream (the engine's export, or a pipe): small JSON
//! members are kept in memory, each layer blob is read as it passes; the order of the layers comes from
//! the manifest at the end. Nothing is written to disk.

use super::ImageRead;
use super::assemble::{Blob, assemble, missing_blob, read_blob};
use super::plan::plan_archive;
use super::store::{MAX_JSON_BYTES, MemStore, Store, member_key};
use crate::digest::digest_of_blob_path;
use crate::error::ImageError;
use crate::model::ReadNote;
use crate::reader::{HeaderGuard, LayerRead, ReadOptions, read_up_to, symlink_destination};
use crate::visit::LayerVisitor;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Read};

/// What the caller knows about the streamed image beforehand.
#[derive(Default)]
pub(crate) struct Hints {
    /// The config's `rootfs.diff_ids`, when known before the stream (from the engine's inspect): an
    /// OCI-shaped stream's uncompressed layers are then given their final index as they pass.
    pub diff_ids: Vec<String>,
    /// Tags to report when the archive names none.
    pub repo_tags: Vec<String>,
    /// `source_kind` of the image.
    pub kind: &'static str,
}

/// Read a `docker save` archive from a forward-only stream.
///
/// `failure` holds the reason the stream broke, when the stream's producer knows it better than the
/// I/O error does.
pub(crate) fn read_stream<V: LayerVisitor>(
    name: &str,
    what: &str,
    stream: impl Read,
    hints: Hints,
    opts: &ReadOptions,
    visitor: &V,
    failure: &RefCell<Option<String>>,
) -> Result<ImageRead<V::Output>, ImageError> {
    let (mem, mut layers) = parse(name, what, stream, &hints.diff_ids, opts, visitor, failure)?;
    let mut plan = plan_archive(&mem, opts)?;
    if plan.repo_tags.is_empty() {
        plan.repo_tags = hints.repo_tags;
    }
    let mut blobs: Vec<Blob<V::Output>> = Vec::with_capacity(plan.layers.len());
    let mut first_use: HashMap<String, usize> = HashMap::new();
    for (i, l) in plan.layers.iter().enumerate() {
        let key = mem.canonical(&l.path);
        let missing = || missing_blob(&mem.describe(), i, &l.path, l.digest.as_deref());
        let mut blob = if let Some(why) = &l.skip {
            let mut read = LayerRead::empty(i);
            read.complete = false;
            read.notes.push(ReadNote {
                layer: Some(read.info.label()),
                path: None,
                message: why.clone(),
            });
            Blob { read, raw: None }
        } else if let Some(b) = layers.remove(&key) {
            first_use.insert(key, i);
            b
        } else if let Some(&j) = first_use.get(&key) {
            again(blobs.get(j).ok_or_else(missing)?, j)
        } else if let Some(bytes) = mem.files.get(&key) {
            // Kept as a JSON document (it began with `{`) but the manifest says it is a layer.
            first_use.insert(key.clone(), i);
            read_blob(i, bytes.as_slice(), opts, visitor)?
        } else {
            return Err(missing());
        };
        blob.read.set_index(i);
        blobs.push(blob);
    }
    Ok(assemble(name, hints.kind, plan, blobs))
}

/// A layer the manifest lists twice: the second copy has the same entries; visitor outputs stay with the
/// first.
fn again<T>(earlier: &Blob<T>, first: usize) -> Blob<T> {
    let r = &earlier.read;
    let mut read = LayerRead::empty(r.info.index);
    read.info = r.info.clone();
    read.changes = r.changes.clone();
    read.captured = r.captured.clone();
    read.complete = r.complete;
    read.notes.push(ReadNote {
        layer: Some(read.info.label()),
        path: None,
        message: format!(
            "same blob as layer {}: its files were read once, visitor outputs are filed under layer {}",
            first + 1,
            first + 1
        ),
    });
    Blob {
        read,
        raw: earlier.raw.clone(),
    }
}

type Parsed<T> = (MemStore, HashMap<String, Blob<T>>);

/// Walk the stream: JSON members into memory, layer blobs through the reader as they pass.
fn parse<V: LayerVisitor>(
    name: &str,
    what: &str,
    stream: impl Read,
    diff_ids: &[String],
    opts: &ReadOptions,
    visitor: &V,
    failure: &RefCell<Option<String>>,
) -> Result<Parsed<V::Output>, ImageError> {
    let mut mem = MemStore {
        name: what.to_string(),
        ..MemStore::default()
    };
    let mut layers = HashMap::new();
    let mut arrival = 0usize;
    let broke = |why: String| {
        ImageError::Message(format!(
            "{what} broke off: {why}; the image `{name}` could not be read completely, try again"
        ))
    };
    let stream_error =
        |e: io::Error| broke(failure.borrow().clone().unwrap_or_else(|| e.to_string()));
    let mut archive = tar::Archive::new(HeaderGuard::new(stream));
    for entry in archive.entries().map_err(stream_error)? {
        let mut entry = entry.map_err(stream_error)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(key) = member_key(&raw) else {
            continue;
        };
        let link = entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        match entry.header().entry_type() {
            tar::EntryType::Symlink => {
                if let Some(dest) = link.and_then(|t| symlink_destination(&format!("/{key}"), &t)) {
                    mem.links
                        .insert(key, dest.trim_start_matches('/').to_string());
                }
                continue;
            }
            tar::EntryType::Link => {
                if let Some(dest) = link.and_then(|t| member_key(&t)) {
                    mem.links.insert(key, dest);
                }
                continue;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            _ => continue,
        }
        let size = entry.size();
        let layer_like =
            key.ends_with("/layer.tar") || key == "layer.tar" || key.starts_with("blobs/");
        if !layer_like {
            let small_meta = key.ends_with(".json")
                || key.ends_with("/json")
                || key == "oci-layout"
                || key == "repositories";
            if small_meta && size <= MAX_JSON_BYTES {
                let mut buf = Vec::with_capacity(size.min(1 << 20) as usize);
                (&mut entry)
                    .take(size)
                    .read_to_end(&mut buf)
                    .map_err(stream_error)?;
                mem.files.insert(key, buf);
            }
            continue;
        }
        let mut head = vec![0u8; size.min(512) as usize];
        let n = read_up_to(&mut entry, &mut head).map_err(stream_error)?;
        head.truncate(n);
        let json_like = head
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
        if json_like && size <= MAX_JSON_BYTES {
            let mut buf = head;
            entry.read_to_end(&mut buf).map_err(stream_error)?;
            mem.files.insert(key, buf);
            continue;
        }
        // The final order is known from the manifest at the end; an OCI-shaped archive names blobs by
        // digest, which for uncompressed layers is the config's diff_id, so their index may be known now.
        let index = digest_of_blob_path(&key)
            .and_then(|d| diff_ids.iter().position(|x| *x == d))
            .unwrap_or(arrival);
        arrival += 1;
        let blob = read_blob(
            index,
            io::Cursor::new(head).chain(&mut entry),
            opts,
            visitor,
        )?;
        if let Some(why) = failure.borrow().clone() {
            return Err(broke(why));
        }
        layers.insert(key, blob);
    }
    Ok((mem, layers))
}
