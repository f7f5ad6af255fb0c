//! Images built by hand, for tests of code that consumes an [`Image`] (the audit rules, catalogers,
//! reports) without a tarball or a registry.
//!
//! The builder stacks layers the way the reader does: a path written again by a later layer is
//! [`HiddenReason::Overwritten`], a deleted path (and everything under it) is [`HiddenReason::Deleted`],
//! and [`ImageBuilder::build_with`] streams every file of every layer, visible or not, through a
//! [`LayerVisitor`] as the reader would.
//!
//! ```
//! use bulkhead_image::testkit::ImageBuilder;
//! let image = ImageBuilder::new("app:1")
//!     .user("app")
//!     .layer("ADD alpine-minirootfs.tar.gz /")
//!     .file("/etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n")
//!     .layer("RUN rm /etc/passwd")
//!     .delete("/etc/passwd")
//!     .build();
//! assert!(image.fs.get("/etc/passwd").is_none());
//! assert_eq!(image.fs.hidden.len(), 1);
//! ```

use crate::model::{
    FileKind, FileMeta, HiddenEntry, HiddenReason, HistoryEntry, Image, ImageConfig, ImageFs,
    LayerInfo, Node,
};
use crate::visit::{LayerVisitor, Visited};

/// One change of a layer being built.
#[derive(Debug, Clone)]
enum Change {
    Add {
        path: String,
        meta: FileMeta,
        data: Option<Vec<u8>>,
    },
    Delete(String),
}

/// Builds an [`Image`] layer by layer. Paths must be absolute (`/etc/passwd`); they are normalized
/// (duplicate and trailing slashes dropped).
#[derive(Debug, Clone)]
pub struct ImageBuilder {
    reference: String,
    config: Option<ImageConfig>,
    layers: Vec<(String, Vec<Change>)>,
    /// History entries without a layer, by the number of layers before them.
    empty_history: Vec<(usize, String)>,
    uid: u64,
    gid: u64,
}

/// Normalizes an absolute path: `//a/./b/` becomes `/a/b`.
fn norm(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

impl ImageBuilder {
    /// An image named `reference` with an empty configuration (`os: linux`, no user, no env).
    pub fn new(reference: &str) -> Self {
        ImageBuilder {
            reference: reference.to_string(),
            config: Some(ImageConfig {
                os: Some("linux".into()),
                architecture: Some("amd64".into()),
                ..ImageConfig::default()
            }),
            layers: Vec::new(),
            empty_history: Vec::new(),
            uid: 0,
            gid: 0,
        }
    }

    /// No configuration at all, as for a rootfs directory.
    pub fn no_config(mut self) -> Self {
        self.config = None;
        self
    }

    /// Edits the configuration (created if [`ImageBuilder::no_config`] removed it).
    pub fn config(mut self, f: impl FnOnce(&mut ImageConfig)) -> Self {
        f(self.config.get_or_insert_with(ImageConfig::default));
        self
    }

    /// Sets `Config.User`.
    pub fn user(self, user: &str) -> Self {
        self.config(|c| c.user = Some(user.to_string()))
    }

    /// Appends a `Config.Env` entry (`NAME=value`).
    pub fn env(self, entry: &str) -> Self {
        self.config(|c| c.env.push(entry.to_string()))
    }

    /// Sets `Config.Cmd`.
    pub fn cmd(self, argv: &[&str]) -> Self {
        self.config(|c| c.cmd = argv.iter().map(|s| s.to_string()).collect())
    }

    /// Sets `Config.Entrypoint`.
    pub fn entrypoint(self, argv: &[&str]) -> Self {
        self.config(|c| c.entrypoint = argv.iter().map(|s| s.to_string()).collect())
    }

    /// Adds an exposed port (`8080/tcp`).
    pub fn expose(self, port: &str) -> Self {
        self.config(|c| c.exposed_ports.push(port.to_string()))
    }

    /// Sets `Config.Healthcheck.Test`.
    pub fn healthcheck(self, test: &[&str]) -> Self {
        self.config(|c| c.healthcheck = Some(test.iter().map(|s| s.to_string()).collect()))
    }

    /// A history entry that makes no layer (`ENV`, `ARG`, `CMD`, ...), after the layers added so far.
    pub fn history(mut self, created_by: &str) -> Self {
        self.empty_history
            .push((self.layers.len(), created_by.to_string()));
        self
    }

    /// Starts a new layer made by `created_by` (`RUN apt-get install -y curl`).
    pub fn layer(mut self, created_by: &str) -> Self {
        self.layers.push((created_by.to_string(), Vec::new()));
        self
    }

    /// Owner of the entries added next (default root, `0:0`).
    pub fn owner(mut self, uid: u64, gid: u64) -> Self {
        self.uid = uid;
        self.gid = gid;
        self
    }

    fn push(mut self, change: Change) -> Self {
        if self.layers.is_empty() {
            self.layers
                .push(("ADD rootfs.tar /".to_string(), Vec::new()));
        }
        if let Some((_, changes)) = self.layers.last_mut() {
            changes.push(change);
        }
        self
    }

    fn meta(&self, kind: FileKind, mode: u32, size: u64, link: Option<String>) -> FileMeta {
        FileMeta {
            kind,
            mode,
            uid: self.uid,
            gid: self.gid,
            size,
            link_target: link,
        }
    }

    /// A regular file with these permission bits (`0o4755` for setuid) and contents, in the current
    /// layer (a first layer is started if there is none).
    pub fn file(self, path: &str, mode: u32, data: &[u8]) -> Self {
        let meta = self.meta(FileKind::File, mode, data.len() as u64, None);
        self.push(Change::Add {
            path: norm(path),
            meta,
            data: Some(data.to_vec()),
        })
    }

    /// A directory.
    pub fn dir(self, path: &str, mode: u32) -> Self {
        let meta = self.meta(FileKind::Dir, mode, 0, None);
        self.push(Change::Add {
            path: norm(path),
            meta,
            data: None,
        })
    }

    /// A symbolic link to `target` (as written).
    pub fn symlink(self, path: &str, target: &str) -> Self {
        let meta = self.meta(FileKind::Symlink, 0o777, 0, Some(target.to_string()));
        self.push(Change::Add {
            path: norm(path),
            meta,
            data: None,
        })
    }

    /// Another kind of entry (device, FIFO) with these permission bits.
    pub fn special(self, path: &str, kind: FileKind, mode: u32) -> Self {
        let meta = self.meta(kind, mode, 0, None);
        self.push(Change::Add {
            path: norm(path),
            meta,
            data: None,
        })
    }

    /// A whiteout in the current layer: deletes `path` and everything under it from lower layers.
    pub fn delete(self, path: &str) -> Self {
        self.push(Change::Delete(norm(path)))
    }

    /// The image.
    pub fn build(self) -> Image {
        self.build_with(&()).0
    }

    /// The image, with `visitor` run over every regular file of every layer (visible or not), in
    /// layer order, as the reader does.
    pub fn build_with<V: LayerVisitor>(self, visitor: &V) -> (Image, Vec<Visited<V::Output>>) {
        let mut fs = ImageFs::default();
        let mut layers = Vec::new();
        let mut outputs = Vec::new();
        let mut history = Vec::new();
        let mut empty = self.empty_history.iter().peekable();
        for (index, (created_by, changes)) in self.layers.iter().enumerate() {
            while let Some((_, h)) = empty.next_if(|(at, _)| *at <= index) {
                history.push(HistoryEntry {
                    created_by: Some(h.clone()),
                    empty_layer: true,
                    ..HistoryEntry::default()
                });
            }
            history.push(HistoryEntry {
                created_by: Some(created_by.clone()),
                ..HistoryEntry::default()
            });
            let mut size = 0;
            for change in changes {
                match change {
                    Change::Add { path, meta, data } => {
                        size += meta.size;
                        if let Some(old) = fs.entries.get(path)
                            && old.layer != index
                        {
                            fs.hidden.push(HiddenEntry {
                                path: path.clone(),
                                meta: old.meta.clone(),
                                layer: old.layer,
                                reason: HiddenReason::Overwritten(index),
                            });
                        }
                        fs.entries.insert(
                            path.clone(),
                            Node {
                                meta: meta.clone(),
                                layer: index,
                            },
                        );
                        match data {
                            Some(d) => {
                                fs.captured.insert(path.clone(), d.clone());
                                if visitor.wants(path, meta)
                                    && let Some(output) = visitor.visit(index, path, meta, d)
                                {
                                    outputs.push(Visited {
                                        layer: index,
                                        path: path.clone(),
                                        output,
                                    });
                                }
                            }
                            None => {
                                fs.captured.remove(path);
                            }
                        }
                    }
                    Change::Delete(path) => {
                        let prefix = format!("{path}/");
                        let gone: Vec<String> = fs
                            .entries
                            .keys()
                            .filter(|k| *k == path || k.starts_with(&prefix))
                            .cloned()
                            .collect();
                        for k in gone {
                            if let Some(node) = fs.entries.remove(&k) {
                                fs.captured.remove(&k);
                                fs.hidden.push(HiddenEntry {
                                    path: k,
                                    meta: node.meta,
                                    layer: node.layer,
                                    reason: HiddenReason::Deleted(index),
                                });
                            }
                        }
                    }
                }
            }
            let digest = fake_digest(&self.reference, index);
            layers.push(LayerInfo {
                index,
                digest: Some(digest.clone()),
                diff_id: Some(digest),
                media_type: Some("application/vnd.oci.image.layer.v1.tar+gzip".into()),
                compression: "gzip".into(),
                size: Some(size),
                uncompressed_size: size,
                created_by: Some(created_by.clone()),
            });
        }
        for (_, h) in empty {
            history.push(HistoryEntry {
                created_by: Some(h.clone()),
                empty_layer: true,
                ..HistoryEntry::default()
            });
        }
        let config = self.config.map(|mut c| {
            c.history = history;
            c.diff_ids = layers.iter().filter_map(|l| l.diff_id.clone()).collect();
            c
        });
        let source_kind = if config.is_some() {
            "docker-archive"
        } else {
            "rootfs"
        };
        let image = Image {
            reference: self.reference,
            source_kind: source_kind.into(),
            id: None,
            manifest_digest: None,
            repo_tags: Vec::new(),
            config,
            layers,
            fs,
            notes: Vec::new(),
        };
        (image, outputs)
    }
}

/// A deterministic, realistic-looking `sha256:` digest for layer `index` of `reference`.
fn fake_digest(reference: &str, index: usize) -> String {
    // splitmix64 over the reference bytes and the index.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ index as u64;
    for b in reference.bytes() {
        x = x.rotate_left(5) ^ u64::from(b);
    }
    let mut hex = String::with_capacity(64);
    for _ in 0..4 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        hex.push_str(&format!("{z:016x}"));
    }
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_layers_like_the_reader() {
        let img = ImageBuilder::new("t")
            .layer("ADD rootfs /")
            .file("/app/.env", 0o644, b"A=1")
            .file("/app/x", 0o644, b"x")
            .dir("/app/sub", 0o755)
            .file("/app/sub/y", 0o644, b"y")
            .layer("RUN chmod 600 /app/x && rm -rf /app/sub")
            .file("/app/x", 0o600, b"x")
            .delete("/app/sub")
            .history("CMD [\"sh\"]")
            .build();
        assert_eq!(img.layers.len(), 2);
        assert_eq!(img.fs.get("/app/x").map(|n| n.layer), Some(1));
        assert!(img.fs.get("/app/sub/y").is_none());
        let reasons: Vec<(&str, HiddenReason)> = img
            .fs
            .hidden
            .iter()
            .map(|h| (h.path.as_str(), h.reason))
            .collect();
        assert!(reasons.contains(&("/app/x", HiddenReason::Overwritten(1))));
        assert!(reasons.contains(&("/app/sub", HiddenReason::Deleted(1))));
        assert!(reasons.contains(&("/app/sub/y", HiddenReason::Deleted(1))));
        let history = &img
            .config
            .as_ref()
            .map(|c| c.history.clone())
            .unwrap_or_default();
        assert_eq!(history.len(), 3);
        assert!(history[2].empty_layer);
        assert_eq!(img.fs.content("/app/.env"), Some(&b"A=1"[..]));
    }
}
