//! Container images read without Docker's help.
//!
//! - [`model`]: the plain data analyzers read: [`Image`] (config, layers with provenance, squashed
//!   [`ImageFs`]), [`FileMeta`], [`LayerInfo`].
//! - [`visit`]: the [`LayerVisitor`] hook through which other crates (secret scanning, package catalogers)
//!   see file contents while layers stream past, so nothing has to be kept in memory or on disk.

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
pub use source::{ImageRead, Source, read_file, read_image};

pub use model::{
    FileKind, FileMeta, HiddenEntry, HiddenReason, HistoryEntry, Image, ImageConfig, ImageFs,
    LayerInfo, Node, ReadNote,
};
pub use visit::{LayerVisitor, Visited};
