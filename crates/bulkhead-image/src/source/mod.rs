//! Where an image comes from: a `docker save` tarball (legacy or OCI shape), an OCI layout directory, the
//! local engine (streamed through the Engine API export), a rootfs directory, or a registry.

mod archive;
mod assemble;
mod daemon;
mod oci;
mod plan;
mod platform;
pub mod registry;
mod rootfs;
mod store;
mod stream;

use crate::error::ImageError;
use crate::model::{FileKind, FileMeta, Image};
use crate::reader::{ReadOptions, read_layer};
use crate::visit::{LayerVisitor, Visited};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What reading an image gives: the image, and the visitor's outputs for every layer (visible or not:
/// [`crate::ImageFs::is_visible`] tells which).
pub type ImageRead<T> = (Image, Vec<Visited<T>>);

/// An image source, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `docker save` output (`docker-archive:app.tar`). When the archive holds several images, the first
    /// one listed is read (a note names the others). A tarball without `manifest.json`/`index.json`
    /// (an Alpine minirootfs `.tar.gz`, a `docker export`) is read as one root filesystem layer.
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
    /// image in the local engine. A spec that cannot be an image reference because it is spelled as a path
    /// (`/…`, `./…`, `../…`, `~/…`) or that names a tarball (`….tar`, `….tar.gz`, `….tgz`, `….tar.zst`)
    /// is a docker-save tarball even when no such file exists, so the error names the missing file instead
    /// of asking the engine for an image of that name.
    ///
    /// For `oci:PATH:REF`, the part after the last `:` is the ref name when `PATH` alone is an existing
    /// directory and the whole spec is not.
    pub fn parse(spec: &str) -> Source {
        let prefixed = |p: &str| spec.strip_prefix(p);
        if let Some(rest) = prefixed("docker-archive:") {
            return Source::DockerArchive(PathBuf::from(rest));
        }
        if let Some(rest) = prefixed("oci:").or_else(|| prefixed("oci-layout:")) {
            return parse_oci(rest);
        }
        if let Some(rest) = prefixed("docker:").or_else(|| prefixed("daemon:")) {
            return Source::Daemon(rest.to_string());
        }
        if let Some(rest) = prefixed("dir:").or_else(|| prefixed("rootfs:")) {
            return Source::Rootfs(PathBuf::from(rest));
        }
        if let Some(rest) = prefixed("registry:") {
            return Source::Registry(rest.to_string());
        }
        let path = Path::new(spec);
        if path.is_file() {
            Source::DockerArchive(path.to_path_buf())
        } else if path.is_dir() {
            if path.join("oci-layout").is_file() {
                Source::OciLayout {
                    path: path.to_path_buf(),
                    reference: None,
                }
            } else {
                Source::Rootfs(path.to_path_buf())
            }
        } else if looks_like_a_path(spec) {
            Source::DockerArchive(path.to_path_buf())
        } else {
            Source::Daemon(spec.to_string())
        }
    }

    /// The source's kind as [`Image::source_kind`] spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::DockerArchive(_) => "docker-archive",
            Source::OciLayout { .. } => "oci-layout",
            Source::Daemon(_) => "daemon",
            Source::Rootfs(_) => "rootfs",
            Source::Registry(_) => "registry",
        }
    }
}

/// Whether `spec` is spelled as a file path or a tarball name rather than an image reference (references
/// never start with `/`, `.` or `~`; none in use ends in a tarball extension).
fn looks_like_a_path(spec: &str) -> bool {
    const PREFIXES: [&str; 4] = ["/", "./", "../", "~/"];
    const TARBALLS: [&str; 4] = [".tar", ".tar.gz", ".tgz", ".tar.zst"];
    let lower = spec.to_ascii_lowercase();
    PREFIXES.iter().any(|p| spec.starts_with(p)) || TARBALLS.iter().any(|t| lower.ends_with(t))
}

fn parse_oci(rest: &str) -> Source {
    if !Path::new(rest).exists()
        && let Some((path, reference)) = rest.rsplit_once(':')
        && !reference.is_empty()
        && !reference.contains('/')
        && Path::new(path).is_dir()
    {
        return Source::OciLayout {
            path: PathBuf::from(path),
            reference: Some(reference.to_string()),
        };
    }
    Source::OciLayout {
        path: PathBuf::from(rest),
        reference: None,
    }
}

/// Read an image from `source`, streaming every layer through `visitor`.
///
/// Seekable sources (archive, OCI layout) read their layers in parallel, one layer per rayon task; the
/// engine's export is one stream, read in order. Nothing is written to disk.
///
/// For an image from the engine in the legacy `docker save` shape (engines before 25), the order of the
/// layers is only known once the export's `manifest.json` (its last member) arrives: `visit` is then
/// called with the layer's position in the export stream, and the returned [`Visited::layer`] values are
/// corrected to the image's layer order.
pub fn read_image<V: LayerVisitor>(
    source: &Source,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<ImageRead<V::Output>, ImageError> {
    let (mut image, outputs) = match source {
        Source::DockerArchive(path) => archive::read(path, opts, visitor),
        Source::OciLayout { path, reference } => {
            oci::read(path, reference.as_deref(), opts, visitor)
        }
        Source::Daemon(name) => daemon::read(name, opts, visitor),
        Source::Rootfs(path) => rootfs::read(path, opts, visitor),
        Source::Registry(reference) => registry::read(reference, opts, visitor),
    }?;
    // A single-platform image read with another platform asked for: said for every source, as the
    // registry source says it (an index without the platform is an error in the index choice instead).
    if !matches!(source, Source::Registry(_))
        && let (Some(asked), Some(config)) = (&opts.platform, &image.config)
        && let Some(note) = registry::platform_mismatch(asked, config, &image.reference)
    {
        image.notes.push(note);
    }
    Ok((image, outputs))
}

/// Read a `docker save` archive (either shape) from a forward-only stream, such as a pipe from
/// `docker save IMAGE`: layers are read as they pass, in order, small JSON members kept in memory, and
/// nothing is written to disk. `name` names the image in messages and in [`Image::reference`].
///
/// As for the engine source, `visit` may see a layer's position in the stream rather than in the image
/// (legacy shape); the returned [`Visited::layer`] values are the image's layer indexes.
pub fn read_archive_stream<V: LayerVisitor>(
    name: &str,
    stream: impl Read,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<ImageRead<V::Output>, ImageError> {
    let hints = stream::Hints {
        kind: "docker-archive",
        ..stream::Hints::default()
    };
    let what = format!("the archive stream `{name}`");
    let no_failure = std::cell::RefCell::new(None);
    stream::read_stream(name, &what, stream, hints, opts, visitor, &no_failure)
}

/// The contents of the regular file `path` of the squashed tree, read again from the source ("contents
/// on demand"): the layer that holds the visible version is streamed again and the file kept. Symlinks
/// are followed inside the image's tree (never on the host), hard links to their target.
///
/// `Ok(None)` when the path is not a regular file in the image. Seekable sources only (docker-archive,
/// OCI layout, rootfs); for the engine and registries the contents are only available while reading, to
/// visitors and as captured files, and this returns an error saying so.
pub fn read_file(
    source: &Source,
    image: &Image,
    path: &str,
) -> Result<Option<Vec<u8>>, ImageError> {
    let Some(resolved) = image.fs.resolve(path) else {
        return Ok(None);
    };
    let Some(node) = image.fs.get(&resolved) else {
        return Ok(None);
    };
    let (layer, inner) = match node.meta.kind {
        FileKind::File => (node.layer, resolved),
        FileKind::Hardlink => match &node.meta.link_target {
            Some(t) => (node.layer, t.clone()),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    match source {
        Source::DockerArchive(p) => archive::find(p, image, layer, &inner),
        Source::OciLayout { path, .. } => oci::find(path, image, layer, &inner),
        Source::Rootfs(root) => rootfs::find(root, &inner),
        Source::Daemon(_) | Source::Registry(_) => Err(ImageError::Message(format!(
            "file contents of an image read from {} are only available while it is read (to visitors and \
             as captured audit files), not afterwards: `docker save` the image and read the tarball to fetch \
             {path} on demand",
            if matches!(source, Source::Daemon(_)) {
                "the engine"
            } else {
                "a registry"
            }
        ))),
    }
}

/// Wants exactly one path and keeps its contents.
struct FindVisitor<'a>(&'a str);

impl LayerVisitor for FindVisitor<'_> {
    type Output = Vec<u8>;
    fn wants(&self, path: &str, _: &FileMeta) -> bool {
        path == self.0
    }
    fn visit(&self, _: usize, _: &str, _: &FileMeta, data: &[u8]) -> Option<Vec<u8>> {
        Some(data.to_vec())
    }
}

/// Stream a layer blob until `path` and return its contents (the last copy, when a tar lists it twice).
fn find_in_layer(index: usize, blob: impl Read, path: &str) -> Result<Option<Vec<u8>>, ImageError> {
    let opts = ReadOptions {
        max_file_bytes: u64::MAX,
        ..ReadOptions::default()
    };
    let read = read_layer(index, blob, &opts, &FindVisitor(path))?;
    Ok(read.outputs.into_iter().last().map(|v| v.output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_paths_and_tarball_names_are_archives_and_names_are_engine_images() {
        for spec in [
            "/nonexistent/bulkhead/app.tar",
            "./missing",
            "../missing/image",
            "~/images/app",
            "app.tar",
            "app.TAR.GZ",
            "images/app.tgz",
            "app.tar.zst",
        ] {
            assert_eq!(
                Source::parse(spec),
                Source::DockerArchive(PathBuf::from(spec)),
                "{spec}"
            );
        }
        for spec in [
            "alpine:3.20",
            "bulkhead-test/busybox:latest",
            "127.0.0.1:5000/app:1",
            "ghcr.io/org/tarball:v1",
            "sha256:0123456789abcdef",
        ] {
            assert_eq!(
                Source::parse(spec),
                Source::Daemon(spec.to_string()),
                "{spec}"
            );
        }
    }
}
