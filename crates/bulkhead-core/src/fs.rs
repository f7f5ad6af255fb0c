//! Reading files a user (or a client of the MCP server) names, without letting a device or a huge file
//! take the process down.

use std::io::{self, Read};
use std::path::Path;

/// Reads `path` (following symlinks) when it is a regular file of at most `limit` bytes; a device, a
/// FIFO, a directory or a larger file is an `InvalidData` error saying which.
pub fn read_capped(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a regular file (a device, FIFO or directory)",
        ));
    }
    if meta.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} bytes, larger than the {limit} bytes read", meta.len()),
        ));
    }
    let mut out = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the stat and the read.
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than the {limit} bytes read"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_big_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("small");
        std::fs::write(&f, b"hello").unwrap();
        assert_eq!(read_capped(&f, 5).unwrap(), b"hello");
        assert!(
            read_capped(&f, 4)
                .unwrap_err()
                .to_string()
                .contains("larger")
        );
        assert!(
            read_capped(Path::new("/dev/zero"), 1 << 20)
                .unwrap_err()
                .to_string()
                .contains("regular")
        );
        assert!(read_capped(dir.path(), 1 << 20).is_err());
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(
            read_capped(&link, 1 << 20)
                .unwrap_err()
                .to_string()
                .contains("regular")
        );
        assert_eq!(
            read_capped(&dir.path().join("missing"), 1)
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
    }
}
