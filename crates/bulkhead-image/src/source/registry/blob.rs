//! Blobs streamed from the registry: a download task sends chunks through a bounded channel to a
//! blocking [`Read`] the layer reader consumes, and every byte is hashed and counted on the way, so a
//! blob that does not match its digest or declared size is an error naming it. Nothing is buffered
//! beyond the channel's few chunks.

use super::errors::{Ctx, Op, describe};
use bytes::Bytes;
use futures_util::StreamExt;
use oci_client::Client;
use oci_client::Reference;
use oci_client::manifest::OciDescriptor;
use sha2::Digest as _;
use std::io::{self, Read};
use tokio::sync::mpsc;

/// Chunks in flight per blob between the download task and the reader.
pub(super) const CHANNEL_CHUNKS: usize = 16;

/// What the download task sends: bytes, or why the download stopped.
pub(super) type Chunk = Result<Bytes, String>;

enum Hasher {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn for_digest(digest: &str) -> Result<Hasher, String> {
        let (algorithm, hex) = digest
            .split_once(':')
            .ok_or_else(|| format!("{digest:?} is not a digest (expected algorithm:hex)"))?;
        let (hasher, len) = match algorithm {
            "sha256" => (Hasher::Sha256(sha2::Sha256::new()), 64),
            "sha384" => (Hasher::Sha384(sha2::Sha384::new()), 96),
            "sha512" => (Hasher::Sha512(sha2::Sha512::new()), 128),
            other => {
                return Err(format!(
                    "digest {digest} uses {other}, which bulkhead cannot verify"
                ));
            }
        };
        if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{digest:?} is not a valid {algorithm} digest"));
        }
        Ok(hasher)
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    fn finish(self) -> String {
        let (algorithm, bytes): (&str, Vec<u8>) = match self {
            Hasher::Sha256(h) => ("sha256", h.finalize().to_vec()),
            Hasher::Sha384(h) => ("sha384", h.finalize().to_vec()),
            Hasher::Sha512(h) => ("sha512", h.finalize().to_vec()),
        };
        let mut out = String::with_capacity(algorithm.len() + 1 + bytes.len() * 2);
        out.push_str(algorithm);
        out.push(':');
        for b in bytes {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

/// Checks a blob against its descriptor while it streams: size never above the declared one, and at
/// the end exactly the declared size and the declared digest.
pub(super) struct Verifier {
    hasher: Option<Hasher>,
    digest: String,
    /// `blob sha256:... (layer 2)`: how messages name the blob.
    name: String,
    size: Option<u64>,
    limit: Option<u64>,
    seen: u64,
}

impl Verifier {
    /// `size` is the descriptor's (negative = unknown); `limit` caps blobs of unknown or huge size.
    pub fn new(
        digest: &str,
        size: i64,
        what: &str,
        limit: Option<u64>,
    ) -> Result<Verifier, String> {
        let name = format!("blob {digest} ({what})");
        let hasher = Hasher::for_digest(digest).map_err(|e| format!("{name}: {e}"))?;
        Ok(Verifier {
            hasher: Some(hasher),
            digest: digest.to_string(),
            name,
            size: u64::try_from(size).ok(),
            limit,
            seen: 0,
        })
    }

    pub fn update(&mut self, data: &[u8]) -> Result<(), String> {
        self.seen = self.seen.saturating_add(data.len() as u64);
        if let Some(size) = self.size.filter(|&s| self.seen > s) {
            return Err(format!(
                "{} is larger than the {size} bytes the manifest declares; the registry sent something else",
                self.name
            ));
        }
        if let Some(limit) = self.limit.filter(|&l| self.seen > l) {
            return Err(format!(
                "{} is larger than {limit} bytes; refusing it",
                self.name
            ));
        }
        if let Some(h) = self.hasher.as_mut() {
            h.update(data);
        }
        Ok(())
    }

    /// Whether every declared byte has arrived.
    fn complete(&self) -> bool {
        self.size.is_none_or(|s| s == self.seen)
    }

    /// The end of the blob: size and digest must match.
    pub fn finish(&mut self) -> Result<(), String> {
        if let Some(size) = self.size.filter(|&s| s != self.seen) {
            return Err(format!(
                "{} ended after {} of the {size} bytes the manifest declares",
                self.name, self.seen
            ));
        }
        let Some(hasher) = self.hasher.take() else {
            return Ok(());
        };
        let actual = hasher.finish();
        if actual != self.digest {
            return Err(format!(
                "{} failed verification: its content hashes to {actual}; the registry served corrupted or tampered data",
                self.name
            ));
        }
        Ok(())
    }
}

/// The blocking end of a blob download: a [`Read`] over the chunks the download task sends, verified
/// as it goes. The first failure is kept and every later read repeats it.
pub(super) struct BlobReader {
    rx: mpsc::Receiver<Chunk>,
    chunk: Bytes,
    verifier: Verifier,
    failure: Option<String>,
    done: bool,
}

impl BlobReader {
    pub fn new(rx: mpsc::Receiver<Chunk>, verifier: Verifier) -> BlobReader {
        BlobReader {
            rx,
            chunk: Bytes::new(),
            verifier,
            failure: None,
            done: false,
        }
    }

    #[cfg(test)]
    fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Read what the consumer left unread (tar padding after the end-of-archive blocks, a layer it
    /// gave up on), so the whole blob is verified. Returns the verdict.
    pub fn finish(&mut self) -> Result<(), String> {
        let mut sink = [0u8; 64 * 1024];
        loop {
            match self.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(self.failure.clone().unwrap_or_else(|| e.to_string()));
                }
            }
        }
        match &self.failure {
            Some(f) => Err(f.clone()),
            None => Ok(()),
        }
    }

    fn fail(&mut self, message: String) -> io::Error {
        let err = io::Error::other(message.clone());
        self.failure = Some(message);
        err
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(f) = &self.failure {
            return Err(io::Error::other(f.clone()));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        while self.chunk.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(bytes)) => {
                    if let Err(e) = self.verifier.update(&bytes) {
                        return Err(self.fail(e));
                    }
                    self.chunk = bytes;
                }
                Some(Err(message)) => {
                    // The download's own check may trip at the end of a complete blob; our verdict on
                    // the bytes names the problem better.
                    let verdict = if self.verifier.complete() {
                        self.verifier.finish().err()
                    } else {
                        None
                    };
                    return Err(self.fail(verdict.unwrap_or(message)));
                }
                None => {
                    if let Err(e) = self.verifier.finish() {
                        return Err(self.fail(e));
                    }
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        let head = self.chunk.split_to(n);
        buf[..n].copy_from_slice(&head);
        Ok(n)
    }
}

/// Download one blob into `tx`. Stops when the receiver goes away (the reader failed or finished).
pub(super) async fn download(
    client: Client,
    reference: Reference,
    descriptor: OciDescriptor,
    ctx: Ctx,
    tx: mpsc::Sender<Chunk>,
) {
    let op = Op::Blob(descriptor.digest.clone());
    let mut stream = match client.pull_blob_stream(&reference, &descriptor).await {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(Err(describe(&e, &ctx, &op))).await;
            return;
        }
    };
    while let Some(item) = stream.next().await {
        let stop = item.is_err();
        let item = item.map_err(|e| {
            format!(
                "download of blob {} from {} failed: {}",
                descriptor.digest,
                ctx.registry,
                super::errors::chain(&e)
            )
        });
        if tx.send(item).await.is_err() || stop {
            return;
        }
    }
}

/// Fetch a small blob (the config) whole, verified, refusing more than `limit` bytes.
pub(super) async fn fetch_small(
    client: &Client,
    reference: &Reference,
    descriptor: &OciDescriptor,
    what: &str,
    limit: u64,
    ctx: &Ctx,
) -> Result<Vec<u8>, String> {
    let mut verifier = Verifier::new(&descriptor.digest, descriptor.size, what, Some(limit))?;
    let op = Op::Blob(descriptor.digest.clone());
    let mut stream = client
        .pull_blob_stream(reference, descriptor)
        .await
        .map_err(|e| describe(&e, ctx, &op))?;
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(bytes) => {
                verifier.update(&bytes)?;
                out.extend_from_slice(&bytes);
            }
            Err(e) => {
                if verifier.complete() {
                    verifier.finish()?;
                }
                return Err(format!(
                    "download of {what} blob {} from {} failed: {}",
                    descriptor.digest,
                    ctx.registry,
                    super::errors::chain(&e)
                ));
            }
        }
    }
    verifier.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO_SHA256: &str =
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    fn reader(chunks: Vec<Chunk>, digest: &str, size: i64) -> BlobReader {
        let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
        for c in chunks {
            tx.try_send(c).unwrap();
        }
        drop(tx);
        BlobReader::new(rx, Verifier::new(digest, size, "layer 1", None).unwrap())
    }

    fn bytes(s: &str) -> Chunk {
        Ok(Bytes::from(s.to_string()))
    }

    #[test]
    fn passes_bytes_through_and_verifies_at_the_end() {
        let mut r = reader(vec![bytes("he"), bytes(""), bytes("llo")], HELLO_SHA256, 5);
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello");
        assert!(r.finish().is_ok());
        assert!(r.failure().is_none());
    }

    #[test]
    fn digest_mismatch_names_the_blob() {
        let mut r = reader(vec![bytes("hellO")], HELLO_SHA256, 5);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err().to_string();
        assert!(err.contains(HELLO_SHA256), "{err}");
        assert!(err.contains("failed verification"), "{err}");
        assert!(r.finish().unwrap_err().contains("hashes to sha256:"));
    }

    #[test]
    fn unread_rest_is_drained_and_checked() {
        let mut r = reader(vec![bytes("hel"), bytes("lo")], HELLO_SHA256, 5);
        let mut two = [0u8; 2];
        r.read_exact(&mut two).unwrap();
        assert!(r.finish().is_ok());
        let mut r = reader(vec![bytes("hel"), bytes("lx")], HELLO_SHA256, 5);
        r.read_exact(&mut two).unwrap();
        assert!(r.finish().is_err());
    }

    #[test]
    fn sizes_are_enforced() {
        let mut r = reader(vec![bytes("hello"), bytes("!")], HELLO_SHA256, 5);
        let err = r.finish().unwrap_err();
        assert!(err.contains("larger than the 5 bytes"), "{err}");
        let mut r = reader(vec![bytes("hell")], HELLO_SHA256, 5);
        let err = r.finish().unwrap_err();
        assert!(err.contains("ended after 4 of the 5 bytes"), "{err}");
        // Unknown size: only the digest counts.
        let mut r = reader(vec![bytes("hello")], HELLO_SHA256, -1);
        assert!(r.finish().is_ok());
    }

    #[test]
    fn download_errors_are_kept() {
        let mut r = reader(
            vec![bytes("he"), Err("connection reset".into())],
            HELLO_SHA256,
            5,
        );
        let mut out = Vec::new();
        assert!(
            r.read_to_end(&mut out)
                .unwrap_err()
                .to_string()
                .contains("connection reset")
        );
        assert_eq!(r.failure(), Some("connection reset"));
        // A complete blob followed by the download's own verification error: our verdict wins.
        let mut r = reader(
            vec![bytes("hellO"), Err("Digest error".into())],
            HELLO_SHA256,
            5,
        );
        assert!(r.finish().unwrap_err().contains("failed verification"));
    }

    #[test]
    fn bad_digests_are_refused() {
        assert!(
            Verifier::new("md5:abc", 1, "x", None)
                .err()
                .unwrap()
                .contains("md5")
        );
        assert!(Verifier::new("sha256:abc", 1, "x", None).is_err());
        assert!(Verifier::new("nocolon", 1, "x", None).is_err());
        let mut v = Verifier::new(HELLO_SHA256, -1, "config", Some(3)).unwrap();
        assert!(
            v.update(b"hello")
                .unwrap_err()
                .contains("larger than 3 bytes")
        );
    }
}
