//! Operating-system package databases (dpkg, apk, rpm) and OS identity (os-release).

use crate::FileResult;

pub fn wants(path: &str, size: u64) -> bool {
    let _ = (path, size);
    false
}

pub fn catalog(path: &str, data: &[u8]) -> Option<FileResult> {
    let _ = (path, data);
    None
}
