//! Plain data the image analyzers read. No I/O here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of filesystem object an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// A hard link; [`FileMeta::link_target`] is the (absolute, normalized) path it links to.
    Hardlink,
    Char,
    Block,
    Fifo,
}

/// Metadata of one filesystem entry as a layer records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    pub kind: FileKind,
    /// Permission bits including setuid (`0o4000`), setgid (`0o2000`) and sticky (`0o1000`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Size in bytes (regular files; 0 otherwise).
    pub size: u64,
    /// Symlink target as written, or hard-link target path (absolute, normalized).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
}

impl FileMeta {
    pub fn is_setuid(&self) -> bool {
        self.kind == FileKind::File && self.mode & 0o4000 != 0
    }
    pub fn is_setgid(&self) -> bool {
        self.kind == FileKind::File && self.mode & 0o2000 != 0
    }
    pub fn is_executable(&self) -> bool {
        self.mode & 0o111 != 0
    }
    /// Writable by others, without the sticky bit for directories.
    pub fn is_world_writable(&self) -> bool {
        match self.kind {
            FileKind::Symlink => false,
            FileKind::Dir => self.mode & 0o002 != 0 && self.mode & 0o1000 == 0,
            _ => self.mode & 0o002 != 0,
        }
    }
}

/// One entry of the squashed tree, with the layer it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub meta: FileMeta,
    /// Index into [`Image::layers`] of the layer that last wrote this path.
    pub layer: usize,
}

/// Why an entry that some layer wrote is not in the squashed tree (but its bytes still ship in the image).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "by_layer")]
pub enum HiddenReason {
    /// A whiteout (`.wh.<name>`), an opaque directory (`.wh..wh..opq`) or the removal of a parent
    /// directory in this later layer deleted it.
    Deleted(usize),
    /// This later layer wrote the same path again.
    Overwritten(usize),
}

/// An entry written by one layer and deleted or overwritten by a later one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenEntry {
    pub path: String,
    pub meta: FileMeta,
    /// The layer that wrote it.
    pub layer: usize,
    #[serde(flatten)]
    pub reason: HiddenReason,
}

/// The squashed file tree: what a container started from the image sees, plus what later layers hid.
/// Paths are absolute and normalized (`/etc/passwd`; the root itself is not an entry).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImageFs {
    pub entries: BTreeMap<String, Node>,
    pub hidden: Vec<HiddenEntry>,
    /// Small files kept in memory during the read for the audits (`/etc/passwd`, `/etc/shadow`,
    /// `/etc/group`, `/etc/os-release`, ...), keyed by path, as in the squashed tree.
    #[serde(skip)]
    pub captured: BTreeMap<String, Vec<u8>>,
}

impl ImageFs {
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.entries.get(path)
    }
    /// Contents of a captured file of the squashed tree.
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        self.captured.get(path).map(Vec::as_slice)
    }
    /// Whether the file `path` as written by `layer` is the one in the squashed tree.
    pub fn is_visible(&self, layer: usize, path: &str) -> bool {
        self.entries.get(path).is_some_and(|n| n.layer == layer)
    }
    /// The path `path` finally names once symlinks are followed inside this tree (never on the host):
    /// absolute targets restart at the image root, `..` stops at the root, at most 40 links are followed.
    /// Directories that layers imply without listing them are crossed. `None` when the path, or a link on
    /// the way, leads nowhere (missing, dangling, a cycle) or names the root itself.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut pending: Vec<String> = path
            .split('/')
            .rev()
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_string)
            .collect();
        let mut current: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(c) = pending.pop() {
            if c == ".." {
                current.pop();
                continue;
            }
            current.push(c);
            let here = format!("/{}", current.join("/"));
            match self.entries.get(&here) {
                None if pending.is_empty() => return None,
                None => {}
                Some(node) if node.meta.kind == FileKind::Symlink => {
                    hops += 1;
                    if hops > 40 {
                        return None;
                    }
                    let target = node.meta.link_target.clone().unwrap_or_default();
                    current.pop();
                    if target.starts_with('/') {
                        current.clear();
                    }
                    pending.extend(
                        target
                            .split('/')
                            .rev()
                            .filter(|c| !c.is_empty() && *c != ".")
                            .map(str::to_string),
                    );
                }
                Some(_) => {}
            }
        }
        (!current.is_empty()).then(|| format!("/{}", current.join("/")))
    }

    /// Every entry any layer wrote, visible or hidden: `(path, layer, meta)`, the squashed tree first
    /// (sorted), then what later layers deleted or overwrote.
    pub fn written(&self) -> impl Iterator<Item = (&str, usize, &FileMeta)> + '_ {
        let visible = self
            .entries
            .iter()
            .map(|(p, n)| (p.as_str(), n.layer, &n.meta));
        let hidden = self
            .hidden
            .iter()
            .map(|h| (h.path.as_str(), h.layer, &h.meta));
        visible.chain(hidden)
    }

    /// Entries whose path starts with `dir/` (sorted).
    pub fn under<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a String, &'a Node)> + 'a {
        let prefix = if dir.ends_with('/') {
            dir.to_string()
        } else {
            format!("{dir}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
    }
}

/// One layer of the image, in order from the base.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    pub index: usize,
    /// Digest of the blob as stored (compressed for registry/OCI layers), `sha256:...`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Digest of the uncompressed tar (the config's `rootfs.diff_ids` entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// `gzip`, `zstd` or `none`, detected from the magic bytes.
    pub compression: String,
    /// Stored (compressed) size in bytes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Bytes of tar read after decompression.
    pub uncompressed_size: u64,
    /// The history `created_by` of the instruction that made this layer (`RUN apt-get install ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl LayerInfo {
    /// Short name for messages: the digest (or diff id) shortened, else `layer N`.
    pub fn label(&self) -> String {
        match self.digest.as_ref().or(self.diff_id.as_ref()) {
            Some(d) => {
                let hex = d.split_once(':').map_or(d.as_str(), |(_, h)| h);
                let short: String = hex.chars().take(12).collect();
                format!("layer {} ({short})", self.index + 1)
            }
            None => format!("layer {}", self.index + 1),
        }
    }

    /// A copy safe to print: the `created_by` line redacted as the rules redact it
    /// ([`crate::rules::history::redact_line`]: secrets the engine recognises, values of credential names).
    pub fn redacted(&self) -> LayerInfo {
        LayerInfo {
            created_by: self
                .created_by
                .as_deref()
                .map(crate::rules::history::redact_line),
            ..self.clone()
        }
    }
}

/// One history entry of the image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// The parts of the image configuration (OCI `config` / Docker `ContainerConfig`) the audits read.
/// Tolerant: missing fields are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    pub user: Option<String>,
    pub env: Vec<String>,
    pub exposed_ports: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub volumes: Vec<String>,
    pub stop_signal: Option<String>,
    /// `Healthcheck.Test` (`["CMD-SHELL", "curl ..."]`; `["NONE"]` disables an inherited one).
    pub healthcheck: Option<Vec<String>>,
    pub os: Option<String>,
    pub architecture: Option<String>,
    pub variant: Option<String>,
    pub created: Option<String>,
    pub history: Vec<HistoryEntry>,
    /// `rootfs.diff_ids`.
    pub diff_ids: Vec<String>,
}

impl ImageConfig {
    /// A copy safe to print (a JSON report, an SBOM): environment entries, labels, entrypoint, command,
    /// health check and history lines with secrets redacted as the rules redact them
    /// ([`crate::rules::history::redact_line`]). `docker inspect` shows the raw values; a report that
    /// may be attached to a ticket or a CI log must not.
    pub fn redacted(&self) -> ImageConfig {
        use crate::rules::history::{redact_assignment, redact_line};
        let all = |v: &[String]| v.iter().map(|s| redact_line(s)).collect::<Vec<_>>();
        ImageConfig {
            env: self.env.iter().map(|e| redact_assignment(e)).collect(),
            entrypoint: all(&self.entrypoint),
            cmd: all(&self.cmd),
            healthcheck: self.healthcheck.as_deref().map(all),
            labels: self
                .labels
                .iter()
                .map(|(k, v)| {
                    let line = redact_assignment(&format!("{k}={v}"));
                    let value = line
                        .strip_prefix(k.as_str())
                        .and_then(|r| r.strip_prefix('='))
                        .map_or_else(|| redact_line(v), str::to_string);
                    (k.clone(), value)
                })
                .collect(),
            history: self
                .history
                .iter()
                .map(|h| HistoryEntry {
                    created_by: h.created_by.as_deref().map(redact_line),
                    comment: h.comment.as_deref().map(redact_line),
                    ..h.clone()
                })
                .collect(),
            ..self.clone()
        }
    }
}

/// A problem met while reading, that did not stop the read: names the layer and path where it can.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadNote {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

/// An image, read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Image {
    /// What the user named (`alpine:3.20`, `app.tar`, `oci:dir`, ...).
    pub reference: String,
    /// `docker-archive`, `oci-layout`, `daemon`, `rootfs`, `registry`.
    pub source_kind: String,
    /// Config digest (`sha256:...`), the image id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Manifest digest, when the source has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    pub repo_tags: Vec<String>,
    /// `None` for a rootfs directory (no config).
    pub config: Option<ImageConfig>,
    pub layers: Vec<LayerInfo>,
    pub fs: ImageFs,
    pub notes: Vec<ReadNote>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_config_and_layers_keep_no_secret() {
        // Built from pieces: the repository holds no token.
        let token = format!("ghp_{}", "Qm7Rt2Vx9Lp4Kd8Wz3Nc6Hs1Jb5Fy0Ge2Ua7");
        let pass = "Xk9mQ2vL8pR4tW7z";
        let run = format!("RUN |1 DEPLOY_TOKEN={token} /bin/sh -c make");
        let config = ImageConfig {
            env: vec![
                "PATH=/usr/local/bin:/usr/bin".into(),
                format!("GITHUB_TOKEN={token}"),
                format!("DB_PASSWORD={pass}"),
                "SMTP_PASSWORD=correct horse battery staple".into(),
            ],
            cmd: vec!["app".into(), format!("--token={token}")],
            labels: [("deploy.password".to_string(), pass.to_string())].into(),
            history: vec![HistoryEntry {
                created_by: Some(run.clone()),
                ..HistoryEntry::default()
            }],
            ..ImageConfig::default()
        };
        let layer = LayerInfo {
            created_by: Some(run),
            ..LayerInfo::default()
        };
        let shown = format!(
            "{}{}",
            serde_json::to_string(&config.redacted()).unwrap(),
            serde_json::to_string(&layer.redacted()).unwrap()
        );
        assert!(!shown.contains(&token), "{shown}");
        assert!(!shown.contains(pass), "{shown}");
        assert!(!shown.contains("horse battery"), "{shown}");
        // What is not a secret stays readable.
        assert!(shown.contains("PATH=/usr/local/bin:/usr/bin"), "{shown}");
        assert!(shown.contains("/bin/sh -c make"), "{shown}");
        assert!(shown.contains("GITHUB_TOKEN=ghp_"), "{shown}");
        assert_eq!(config.redacted().labels.len(), 1);
    }
}
