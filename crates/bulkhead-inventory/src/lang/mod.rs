//! Language packages: Python, Node, Go binaries, Rust, Java archives, Ruby gems, PHP Composer.

use crate::FileResult;

pub fn wants(path: &str, size: u64, executable: bool) -> bool {
    let _ = (path, size, executable);
    false
}

pub fn catalog(path: &str, data: &[u8]) -> Option<FileResult> {
    let _ = (path, data);
    None
}
