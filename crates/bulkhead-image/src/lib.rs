//! Container images read without Docker's help.
//!
//! - [`model`]: the plain data analyzers read: [`Image`] (config, layers with provenance, squashed
//!   [`ImageFs`]), [`FileMeta`], [`LayerInfo`].
//! - [`visit`]: the [`LayerVisitor`] hook through which other crates (secret scanning, package catalogers)
//!   see file contents while layers stream past, so nothing has to be kept in memory or on disk.
//! - [`secrets`]: the [`secrets::SecretVisitor`] that runs the secret engine over every layer's files.
//! - [`rules`]: the image audit rules (`IM001`...): configuration, history, file hygiene, secrets in layers.
//! - [`testkit`]: images built by hand, for tests of code that consumes images.

pub mod error;
pub mod model;
pub mod reader;
pub mod rules;
pub mod secrets;
pub mod source;
pub mod testkit;
pub mod visit;

pub use error::ImageError;
pub use reader::{ReadOptions, read_layer, squash};
pub use source::{Source, read_image};

pub use model::{
    FileKind, FileMeta, HiddenEntry, HiddenReason, HistoryEntry, Image, ImageConfig, ImageFs,
    LayerInfo, Node, ReadNote,
};
pub use visit::{LayerVisitor, Visited};
