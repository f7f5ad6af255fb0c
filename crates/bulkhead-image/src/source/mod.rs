//! Where an image comes from: a `docker save` tarball (legacy or OCI shape), an OCI layout directory, the
//! local engine (streamed through the Engine API export), a rootfs directory, or a registry.

use crate::error::ImageError;
use crate::model::Image;
use crate::reader::ReadOptions;
use crate::visit::{LayerVisitor, Visited};
use std::path::PathBuf;

pub mod registry;

/// An image source, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `docker save` output (`docker-archive:app.tar`).
    DockerArchive(PathBuf),
    /// OCI image layout directory, optionally with a ref name (`oci:dir[:tag]`).
    OciLayout {
        path: PathBuf,
        reference: Option<String>,
    },
    /// Image in the local engine by name or id (`docker:alpine:3.20`).
    Daemon(String),
    /// Unpacked root filesystem (`dir:./rootfs`).
    Rootfs(PathBuf),
    /// Registry reference (`registry:127.0.0.1:5000/app:1`).
    Registry(String),
}

impl Source {
    /// Parse a user-given spec. Explicit prefixes: `docker-archive:`, `oci:`/`oci-layout:`,
    /// `docker:`/`daemon:`, `dir:`/`rootfs:`, `registry:`. Without one: an existing file is a docker-save
    /// tarball, a directory with `oci-layout` is an OCI layout, another directory a rootfs, anything else an
    /// image in the local engine.
    pub fn parse(spec: &str) -> Source {
        Source::Daemon(spec.to_string())
    }
}

/// Read an image from `source`, streaming every layer through `visitor`.
#[allow(clippy::type_complexity)]
pub fn read_image<V: LayerVisitor>(
    source: &Source,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<(Image, Vec<Visited<V::Output>>), ImageError> {
    match source {
        Source::Registry(r) => registry::read(r, opts, visitor),
        _ => {
            let _ = (opts, visitor);
            Err(ImageError::Message("not implemented".into()))
        }
    }
}
