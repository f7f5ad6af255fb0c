//! SHA-256 digests of blobs, computed while they stream past, and the checks that keep a digest from
//! naming anything but a blob file.

use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// `sha256:<hex>` of a byte slice.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(bytes);
    format!("sha256:{}", hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A reader that hashes (SHA-256) and counts every byte read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wrap `inner`.
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Read what is left (to compute the digest of the whole blob) and return `(digest, bytes)`.
    pub fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((
            format!("sha256:{}", hex(&self.hasher.finalize())),
            self.bytes,
        ))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(read) = buf.get(..n) {
            self.hasher.update(read);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

/// The layout-relative path `blobs/<alg>/<encoded>` of a digest, or `None` when the digest is malformed
/// (which also keeps a hostile manifest from naming `../../etc/shadow` as a blob).
pub fn blob_path(digest: &str) -> Option<String> {
    let (alg, enc) = digest.split_once(':')?;
    let alg_ok = !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
        && alg
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    let enc_ok = !enc.is_empty()
        && enc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b));
    let sha_ok = alg != "sha256"
        || (enc.len() == 64
            && enc
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    (alg_ok && enc_ok && sha_ok).then(|| format!("blobs/{alg}/{enc}"))
}

/// `sha256:<hex>` when `path` is `blobs/sha256/<64 hex>` (the OCI blob naming), else `None`.
pub fn digest_of_blob_path(path: &str) -> Option<String> {
    let hex = path.strip_prefix("blobs/sha256/")?;
    let d = format!("sha256:{hex}");
    blob_path(&d).map(|_| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hashing_reader_hashes_the_rest_on_finish() {
        let mut r = HashingReader::new(&b"hello world"[..]);
        let mut first = [0u8; 5];
        r.read_exact(&mut first).unwrap();
        let (d, n) = r.finish().unwrap();
        assert_eq!(n, 11);
        assert_eq!(d, sha256_digest(b"hello world"));
    }

    #[test]
    fn malformed_digests_name_no_path() {
        assert_eq!(blob_path("sha256:../../etc/shadow"), None);
        assert_eq!(blob_path("sha256:abc"), None);
        assert_eq!(blob_path("nodigest"), None);
        assert_eq!(blob_path("../x:abc"), None);
        let hex = "a".repeat(64);
        assert_eq!(
            blob_path(&format!("sha256:{hex}")),
            Some(format!("blobs/sha256/{hex}"))
        );
        assert_eq!(
            digest_of_blob_path(&format!("blobs/sha256/{hex}")),
            Some(format!("sha256:{hex}"))
        );
    }
}
