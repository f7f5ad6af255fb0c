//! What an image (or a directory) contains: OS and language packages with purls, source package names,
//! and the file (and layer) each record came from.
//!
//! The catalogers are pure functions over one file's path and bytes, so they run the same way on a rootfs
//! directory and inside the streaming layer reader: [`wants`] says from the path and size alone whether a
//! file is worth reading, [`catalog_file`] turns its bytes into packages (or the OS identity), and
//! [`Inventory::assemble`] merges the results, computes purls and removes duplicates.

pub mod lang;
pub mod model;
pub mod os;
pub mod purl;
pub mod sbom;

pub use model::{FileResult, Inventory, OsInfo, Package, PackageKind, PackageLocation};

/// Whether a file at `path` (absolute, normalized: `/var/lib/dpkg/status`) of `size` bytes, executable or
/// not, may hold package records, so a reader should load it and call [`catalog_file`].
pub fn wants(path: &str, size: u64, executable: bool) -> bool {
    os::wants(path, size) || lang::wants(path, size, executable)
}

/// Packages (or OS identity) recorded in one file. Bad content gives `FileResult::error`, never a panic.
pub fn catalog_file(path: &str, data: &[u8]) -> FileResult {
    os::catalog(path, data)
        .or_else(|| lang::catalog(path, data))
        .unwrap_or_default()
}
