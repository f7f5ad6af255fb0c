//! OCI image layout directories (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`).

use super::ImageRead;
use super::assemble::{assemble, read_seekable};
use super::plan::plan_oci;
use super::store::{DirStore, SeekStore};
use crate::digest::blob_path;
use crate::error::ImageError;
use crate::model::Image;
use crate::reader::ReadOptions;
use crate::visit::LayerVisitor;
use std::path::Path;

fn check(path: &Path) -> Result<(), ImageError> {
    if !path.is_dir() {
        return Err(ImageError::Message(format!(
            "{}: no such directory: an OCI layout is a directory holding oci-layout, index.json and blobs/",
            path.display()
        )));
    }
    if !path.join("oci-layout").is_file() {
        return Err(ImageError::Message(format!(
            "{}: no oci-layout file, so not an OCI image layout; for an unpacked root filesystem use `dir:{}`",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

/// Read an OCI layout, picking the image by ref name, else by platform.
pub(crate) fn read<V: LayerVisitor>(
    path: &Path,
    reference: Option<&str>,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<ImageRead<V::Output>, ImageError> {
    check(path)?;
    let store = DirStore::new(path);
    let plan = plan_oci(&store, reference, opts)?;
    let blobs = read_seekable(&store, &plan, opts, visitor)?;
    let name = match reference {
        Some(r) => format!("{}:{r}", path.display()),
        None => path.display().to_string(),
    };
    Ok(assemble(&name, "oci-layout", plan, blobs))
}

/// Contents of `file` as layer `layer` of `image` wrote it.
pub(crate) fn find(
    path: &Path,
    image: &Image,
    layer: usize,
    file: &str,
) -> Result<Option<Vec<u8>>, ImageError> {
    check(path)?;
    let digest = image
        .layers
        .get(layer)
        .and_then(|l| l.digest.clone())
        .unwrap_or_default();
    let blob = blob_path(&digest).ok_or_else(|| {
        ImageError::Message(format!(
            "{}: layer {} has no usable digest (`{digest}`)",
            path.display(),
            layer + 1
        ))
    })?;
    let store = DirStore::new(path);
    let (r, _) = store.open(&blob)?.ok_or_else(|| {
        ImageError::Message(format!(
            "{}: layer blob {digest} is missing ({blob} not found)",
            path.display()
        ))
    })?;
    super::find_in_layer(layer, r, file)
}
