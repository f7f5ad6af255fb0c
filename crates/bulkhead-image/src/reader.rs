//! The streaming layer reader: one layer blob (gzip, zstd or plain tar, detected by magic bytes) in, its
//! entries, whiteouts and visitor outputs out; [`squash`] stacks layers into the [`ImageFs`].

use crate::error::ImageError;
use crate::model::{FileMeta, ImageFs, LayerInfo, ReadNote};
use crate::visit::{LayerVisitor, Visited};
use std::io::Read;

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
}

/// Read one layer blob.
pub fn read_layer<V: LayerVisitor>(
    index: usize,
    blob: impl Read,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<LayerRead<V::Output>, ImageError> {
    let _ = (index, blob, opts, visitor);
    Err(ImageError::Message("not implemented".into()))
}

/// Stack layers (in order from the base) into the squashed tree. Visitor outputs are returned for every
/// layer, visible or not: [`ImageFs::is_visible`] tells which.
pub fn squash<T>(
    layers: Vec<LayerRead<T>>,
) -> (ImageFs, Vec<LayerInfo>, Vec<Visited<T>>, Vec<ReadNote>) {
    let _ = layers;
    (ImageFs::default(), Vec::new(), Vec::new(), Vec::new())
}
