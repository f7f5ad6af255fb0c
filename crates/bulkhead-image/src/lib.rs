//! Container images read without Docker's help.
//!
//! - [`model`]: the plain data analyzers read: [`Image`] (config, layers with provenance, squashed
//!   [`ImageFs`]), [`FileMeta`], [`LayerInfo`].
//! - [`visit`]: the [`LayerVisitor`] hook through which other crates (secret scanning, package catalogers)
//!   see file contents while layers stream past, so nothing has to be kept in memory or on disk.
//! - [`source`]: where images come from ([`Source::parse`] turns a user's spec into one): `docker save`
//!   tarballs of both shapes, OCI layout directories, the local engine (its export streamed through the
//!   Engine API), root filesystem directories; [`read_image`] reads one, [`read_file`] fetches one file's
//!   contents again afterwards, [`read_archive_stream`] reads a `docker save` archive from a pipe.
//! - [`reader`]: [`read_layer`] streams one layer blob (gzip, zstd or plain tar, by magic bytes) into its
//!   changes, visitor outputs and captured audit files ([`CAPTURED_FILES`]); [`squash`] stacks layers into
//!   the [`ImageFs`] with provenance (which layer wrote, overwrote or deleted each path).
//! - [`config`]: the image configuration, parsed tolerantly. [`digest`]: SHA-256 of blobs as they stream.
//!
//! Hostile input never panics, never writes to disk and never touches the host's paths: member names are
//! normalized as strings (escapes skipped with a [`ReadNote`]), symlinks are recorded and only ever
//! resolved inside the image's own tree ([`ImageFs::resolve`]), and [`ReadOptions`] bounds what one layer
//! may inflate to, how many entries it may hold and how large a file a visitor is given.

pub mod config;
pub mod digest;
pub mod error;
pub mod model;
pub mod reader;
pub mod source;
pub mod visit;

pub use config::parse_config;
pub use error::ImageError;
pub use reader::{
    CAPTURED_FILES, LayerChange, LayerRead, MAX_CAPTURED_BYTES, ReadOptions, read_layer, squash,
};
pub use source::{ImageRead, Source, read_archive_stream, read_file, read_image};

pub use model::{
    FileKind, FileMeta, HiddenEntry, HiddenReason, HistoryEntry, Image, ImageConfig, ImageFs,
    LayerInfo, Node, ReadNote,
};
pub use visit::{LayerVisitor, Visited};
