//! Fixtures for the registry tests: local registries started by `scripts/registry.sh`, the Docker engine
//! started by `scripts/engine.sh`, small images built here from scratch and pushed with oci-client, and a
//! bearer-token server ([`token_server`]).

#![allow(dead_code)] // each test binary uses a part

pub mod token_server;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use sha2::Digest as _;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What `scripts/registry.sh` wrote to its env file.
#[derive(Debug)]
pub struct RegistryEnv {
    vars: HashMap<String, String>,
}

impl RegistryEnv {
    pub fn get(&self, key: &str) -> &str {
        self.vars
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{key} missing from the registry env file: {self:?}"))
    }
    pub fn plain(&self) -> &str {
        self.get("BULKHEAD_REGISTRY")
    }
    pub fn basic(&self) -> &str {
        self.get("BULKHEAD_REGISTRY_BASIC")
    }
    pub fn token(&self) -> &str {
        self.get("BULKHEAD_REGISTRY_TOKEN")
    }
    pub fn storage(&self) -> PathBuf {
        PathBuf::from(self.get("BULKHEAD_REGISTRY_STORAGE"))
    }
}

fn parse_env_file(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

/// The local registries, started through the project's script once per test process; `None` (after
/// a loud message) when they cannot be had.
pub fn registry() -> Option<&'static RegistryEnv> {
    static ENV: OnceLock<Option<RegistryEnv>> = OnceLock::new();
    ENV.get_or_init(|| {
        let script = repo_root().join("scripts/registry.sh");
        let out = Command::new("bash").arg(&script).output();
        let ok = matches!(&out, Ok(o) if o.status.success());
        if !ok {
            let why = match &out {
                Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            eprintln!(
                "\n!!! SKIP: no local registry could be started with {}: {why}\n",
                script.display()
            );
            return None;
        }
        let tmp = std::env::var_os("TMPDIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
        let text = std::fs::read_to_string(tmp.join("bulkhead-registry.env")).ok()?;
        Some(RegistryEnv {
            vars: parse_env_file(&text),
        })
    })
    .as_ref()
}

pub fn docker() -> String {
    if let Ok(d) = std::env::var("BULKHEAD_DOCKER") {
        return d;
    }
    if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker".into()
    } else {
        "docker".into()
    }
}

pub const BUSYBOX: &str = "bulkhead-test/busybox:latest";

/// A Docker engine with the test base image, started through `scripts/engine.sh` when needed.
pub fn engine() -> bool {
    static UP: OnceLock<bool> = OnceLock::new();
    *UP.get_or_init(|| {
        let image_ok = || {
            Command::new(docker())
                .args(["image", "inspect", BUSYBOX])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if image_ok() {
            return true;
        }
        let script = repo_root().join("scripts/engine.sh");
        let st = Command::new("bash").arg(&script).status();
        if !matches!(st, Ok(s) if s.success()) || !image_ok() {
            eprintln!(
                "\n!!! SKIP: no Docker engine with {BUSYBOX} could be had through {} ({st:?}) !!!\n",
                script.display()
            );
            return false;
        }
        true
    })
}

/// Run docker, panicking with its output on failure.
pub fn docker_ok(args: &[&str]) -> String {
    let o = Command::new(docker()).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "docker {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn sha256(bytes: &[u8]) -> String {
    let d = sha2::Sha256::digest(bytes);
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// An uncompressed tar of regular files (mode 0755 for paths under /bin, else 0644), parents first.
pub fn tar_layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(if path.starts_with("bin/") {
            0o755
        } else {
            0o644
        });
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mtime(1_700_000_000);
        h.set_uid(0);
        h.set_gid(0);
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// An oci-client speaking plain HTTP, for pushing fixtures.
pub fn push_client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        platform_resolver: None,
        ..ClientConfig::default()
    })
}

pub fn reference(addr: &str, repo: &str, tag: &str) -> Reference {
    format!("{addr}/{repo}:{tag}").parse().unwrap()
}

/// An image pushed by [`push_image`].
#[derive(Debug, Clone)]
pub struct Pushed {
    pub manifest: Vec<u8>,
    pub manifest_digest: String,
    pub config_digest: String,
    pub layer_digests: Vec<String>,
}

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// Push blobs, config and an OCI manifest to `addr/repo`, tagged `tag` when given (else by digest).
pub fn push_image(
    addr: &str,
    repo: &str,
    tag: Option<&str>,
    layers: &[(Vec<u8>, &str)],
    config: &serde_json::Value,
) -> Pushed {
    let client = push_client();
    let rt = runtime();
    let any = reference(addr, repo, "push");
    let config_bytes = serde_json::to_vec(config).unwrap();
    let config_digest = sha256(&config_bytes);
    let mut layer_digests = Vec::new();
    let mut layer_json = Vec::new();
    rt.block_on(async {
        client
            .auth(&any, &RegistryAuth::Anonymous, RegistryOperation::Push)
            .await
            .unwrap();
        for (blob, media_type) in layers {
            let d = sha256(blob);
            client.push_blob(&any, blob.clone(), &d).await.unwrap();
            layer_json.push(
                serde_json::json!({"mediaType": media_type, "digest": d, "size": blob.len()}),
            );
            layer_digests.push(d);
        }
        client
            .push_blob(&any, config_bytes.clone(), &config_digest)
            .await
            .unwrap();
    });
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": config_bytes.len(),
        },
        "layers": layer_json,
    }))
    .unwrap();
    let manifest_digest = sha256(&manifest);
    let target = match tag {
        Some(t) => reference(addr, repo, t),
        None => reference(addr, repo, "x").clone_with_digest(manifest_digest.clone()),
    };
    rt.block_on(client.push_manifest_raw(&target, manifest.clone(), OCI_MANIFEST.parse().unwrap()))
        .unwrap();
    Pushed {
        manifest,
        manifest_digest,
        config_digest,
        layer_digests,
    }
}

/// Push an OCI index over pushed manifests, each with its `platform` object.
pub fn push_index(
    addr: &str,
    repo: &str,
    tag: &str,
    entries: &[(&Pushed, serde_json::Value)],
) -> String {
    let manifests: Vec<serde_json::Value> = entries
        .iter()
        .map(|(p, platform)| {
            serde_json::json!({
                "mediaType": OCI_MANIFEST,
                "digest": p.manifest_digest,
                "size": p.manifest.len(),
                "platform": platform,
            })
        })
        .collect();
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": manifests,
    }))
    .unwrap();
    let client = push_client();
    runtime()
        .block_on(client.push_manifest_raw(
            &reference(addr, repo, tag),
            index.clone(),
            OCI_INDEX.parse().unwrap(),
        ))
        .unwrap();
    sha256(&index)
}

/// The `Docker-Content-Digest` the registry sends for a manifest (HEAD request).
pub fn head_digest(addr: &str, repo: &str, tag: &str, auth: &RegistryAuth) -> String {
    let client = push_client();
    runtime()
        .block_on(client.fetch_manifest_digest(&reference(addr, repo, tag), auth))
        .unwrap()
}

/// The multi-platform fixture: `bulkhead-test/multi:1` on the plain registry, an OCI index over a
/// linux/amd64 image (one layer) and a linux/arm64/v8 image (two layers), each with /etc/platform
/// naming its platform. Pushed once per process (pushes are idempotent: content-addressed).
pub struct Multi {
    pub amd64: Pushed,
    pub arm64: Pushed,
    pub index_digest: String,
}

pub const MULTI_REPO: &str = "bulkhead-test/multi";

fn platform_image(addr: &str, repo: &str, arch: &str, variant: Option<&str>) -> Pushed {
    let name = match variant {
        Some(v) => format!("linux/{arch}/{v}"),
        None => format!("linux/{arch}"),
    };
    let base = tar_layer(&[
        ("etc/platform", format!("{name}\n").as_bytes()),
        ("bin/hello", format!("#!/bin/sh\necho {arch}\n").as_bytes()),
    ]);
    let mut layers = vec![(gzip(&base), OCI_LAYER_GZIP)];
    let mut diff_ids = vec![sha256(&base)];
    let mut history = vec![serde_json::json!({"created_by": "COPY rootfs /"})];
    if arch == "arm64" {
        let extra = tar_layer(&[("etc/arm64-only", b"yes\n")]);
        diff_ids.push(sha256(&extra));
        layers.push((extra, OCI_LAYER_TAR));
        history.push(serde_json::json!({"created_by": "ENV X=1", "empty_layer": true}));
        history.push(serde_json::json!({"created_by": "RUN touch /etc/arm64-only"}));
    }
    let mut config = serde_json::json!({
        "architecture": arch,
        "os": "linux",
        "config": {"User": "1000:1000", "Cmd": ["/bin/hello"], "Env": [format!("ARCH={arch}")]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    });
    if let Some(v) = variant {
        config["variant"] = v.into();
    }
    push_image(addr, repo, None, &layers, &config)
}

pub fn multi(env: &RegistryEnv) -> &'static Multi {
    static MULTI: OnceLock<Multi> = OnceLock::new();
    MULTI.get_or_init(|| push_multi(env.plain(), MULTI_REPO))
}

/// Push the multi-platform fixture to `addr/repo:1`.
pub fn push_multi(addr: &str, repo: &str) -> Multi {
    let amd64 = platform_image(addr, repo, "amd64", None);
    let arm64 = platform_image(addr, repo, "arm64", Some("v8"));
    let index_digest = push_index(
        addr,
        repo,
        "1",
        &[
            (
                &amd64,
                serde_json::json!({"architecture": "amd64", "os": "linux"}),
            ),
            (
                &arm64,
                serde_json::json!({"architecture": "arm64", "os": "linux", "variant": "v8"}),
            ),
        ],
    );
    Multi {
        amd64,
        arm64,
        index_digest,
    }
}
