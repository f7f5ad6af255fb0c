//! Builders for layer tarballs and whole images (OCI layout, OCI-shaped and legacy `docker save`
//! archives), written from scratch in the tests.
#![allow(dead_code)]

use bulkhead_image::digest::sha256_digest;
use bulkhead_image::{FileMeta, LayerVisitor};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One tar member.
pub enum E<'a> {
    File(&'a str, &'a [u8], u32),
    Dir(&'a str, u32),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    /// A regular file whose header claims `size` bytes, followed by `data` only.
    Claim(&'a str, u64, &'a [u8]),
}

fn header(name: &str, kind: tar::EntryType, mode: u32, size: u64, link: &str) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    {
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        old.linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_cksum();
    h
}

/// An uncompressed layer tar with these members, names written as given (`..`, `/` included).
pub fn layer(entries: &[E]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let (h, data): (tar::Header, &[u8]) = match e {
            E::File(n, d, m) => (
                header(n, tar::EntryType::Regular, *m, d.len() as u64, ""),
                d,
            ),
            E::Dir(n, m) => (header(n, tar::EntryType::Directory, *m, 0, ""), &[]),
            E::Symlink(n, t) => (header(n, tar::EntryType::Symlink, 0o777, 0, t), &[]),
            E::Hardlink(n, t) => (header(n, tar::EntryType::Link, 0o644, 0, t), &[]),
            E::Claim(n, size, d) => (header(n, tar::EntryType::Regular, 0o644, *size, ""), d),
        };
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        if let E::Claim(..) = e {
            continue;
        }
        let pad = (512 - data.len() % 512) % 512;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    if !entries.iter().any(|e| matches!(e, E::Claim(..))) {
        out.extend(std::iter::repeat_n(0u8, 1024));
    }
    out
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).unwrap()
}

fn hex(d: &str) -> &str {
    d.strip_prefix("sha256:").unwrap()
}

/// Files of an image source, by relative path.
#[derive(Default, Clone)]
pub struct Files(pub Vec<(String, Vec<u8>)>);

impl Files {
    pub fn put(&mut self, path: &str, data: Vec<u8>) {
        self.0.retain(|(p, _)| p != path);
        self.0.push((path.to_string(), data));
    }
    pub fn remove(&mut self, path: &str) {
        self.0.retain(|(p, _)| p != path);
    }
    pub fn write_dir(&self, dir: &Path) {
        for (p, d) in &self.0 {
            let full = dir.join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, d).unwrap();
        }
    }
    pub fn write_tar(&self, file: &Path) {
        let mut b = tar::Builder::new(std::fs::File::create(file).unwrap());
        for (p, d) in &self.0 {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, p, d.as_slice()).unwrap();
        }
        b.finish().unwrap();
    }
}

/// A layer as stored (possibly compressed) and its uncompressed tar.
pub struct Layer {
    pub stored: Vec<u8>,
    pub tar: Vec<u8>,
    pub media_type: &'static str,
    pub created_by: &'static str,
}

pub fn plain(tar: Vec<u8>, created_by: &'static str) -> Layer {
    Layer {
        stored: tar.clone(),
        tar,
        media_type: "application/vnd.oci.image.layer.v1.tar",
        created_by,
    }
}

pub fn gz(tar: Vec<u8>, created_by: &'static str) -> Layer {
    Layer {
        stored: gzip(&tar),
        tar,
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
        created_by,
    }
}

pub fn zst(tar: Vec<u8>, created_by: &'static str) -> Layer {
    Layer {
        stored: zstd(&tar),
        tar,
        media_type: "application/vnd.oci.image.layer.v1.tar+zstd",
        created_by,
    }
}

pub fn config_json(layers: &[Layer], arch: &str) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256_digest(&l.tar)).collect();
    let mut history = vec![serde_json::json!({"created_by": "ENV A=1", "empty_layer": true})];
    history.extend(
        layers
            .iter()
            .map(|l| serde_json::json!({"created_by": l.created_by})),
    );
    serde_json::to_vec(&serde_json::json!({
        "architecture": arch, "os": "linux", "created": "2026-01-01T00:00:00Z",
        "config": {"User": "app", "Env": ["PATH=/bin", "A=1"], "Cmd": ["/app/run"], "Entrypoint": null,
                   "ExposedPorts": {"8080/tcp": {}}, "Labels": {"org.example": "yes"},
                   "Healthcheck": {"Test": ["CMD", "true"]}},
        "history": history,
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    }))
    .unwrap()
}

/// Blobs of one image (config, layers, manifest) into `files`; returns the manifest's digest and size.
pub fn add_image(files: &mut Files, layers: &[Layer], arch: &str) -> (String, usize, String) {
    let config = config_json(layers, arch);
    let config_digest = sha256_digest(&config);
    files.put(
        &format!("blobs/sha256/{}", hex(&config_digest)),
        config.clone(),
    );
    let mut descs = Vec::new();
    for l in layers {
        let d = sha256_digest(&l.stored);
        files.put(&format!("blobs/sha256/{}", hex(&d)), l.stored.clone());
        descs.push(
            serde_json::json!({"mediaType": l.media_type, "digest": d, "size": l.stored.len()}),
        );
    }
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": descs
    }))
    .unwrap();
    let md = sha256_digest(&manifest);
    files.put(&format!("blobs/sha256/{}", hex(&md)), manifest.clone());
    (md, manifest.len(), config_digest)
}

/// An OCI layout of one image named `name`.
pub fn oci_layout(layers: &[Layer], name: &str) -> Files {
    let mut f = Files::default();
    f.put("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    let (md, size, _) = add_image(&mut f, layers, "amd64");
    f.put(
        "index.json",
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": size,
            "platform": {"os": "linux", "architecture": "amd64"},
            "annotations": {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.rsplit_once(':').map_or(name, |x| x.1)}
        }]}))
        .unwrap(),
    );
    f
}

/// The OCI shape of `docker save` (Docker 25 and later): an OCI layout plus `manifest.json`.
pub fn docker_save_oci(layers: &[Layer], tag: &str) -> Files {
    let mut f = oci_layout(layers, &format!("docker.io/library/{tag}"));
    let config_digest = sha256_digest(&config_json(layers, "amd64"));
    let layer_paths: Vec<String> = layers
        .iter()
        .map(|l| format!("blobs/sha256/{}", hex(&sha256_digest(&l.stored))))
        .collect();
    f.put(
        "manifest.json",
        serde_json::to_vec(&serde_json::json!([{
            "Config": format!("blobs/sha256/{}", hex(&config_digest)),
            "RepoTags": [tag], "Layers": layer_paths
        }]))
        .unwrap(),
    );
    f
}

/// The legacy shape of `docker save` (uncompressed `<id>/layer.tar`).
pub fn docker_save_legacy(layers: &[Layer], tag: &str) -> Files {
    let mut f = Files::default();
    let config = config_json(layers, "amd64");
    let cfg = format!("{}.json", hex(&sha256_digest(&config)));
    f.put(&cfg, config);
    let mut paths = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        // v1 ids sorted against manifest order, as a real save's directory listing is.
        let id = format!("{:064x}", 0xffff - i);
        f.put(&format!("{id}/VERSION"), b"1.0".to_vec());
        f.put(
            &format!("{id}/json"),
            format!("{{\"id\":\"{id}\"}}").into_bytes(),
        );
        f.put(&format!("{id}/layer.tar"), l.tar.clone());
        paths.push(format!("{id}/layer.tar"));
    }
    f.0.sort_by(|a, b| a.0.cmp(&b.0));
    f.put(
        "manifest.json",
        serde_json::to_vec(
            &serde_json::json!([{"Config": cfg, "RepoTags": [tag], "Layers": paths}]),
        )
        .unwrap(),
    );
    f
}

/// Wants every file under one of `prefixes`, returns its contents as text; counts calls.
pub struct Grab {
    pub prefixes: Vec<&'static str>,
    pub calls: AtomicUsize,
}

impl Grab {
    pub fn new(prefixes: &[&'static str]) -> Self {
        Grab {
            prefixes: prefixes.to_vec(),
            calls: AtomicUsize::new(0),
        }
    }
}

impl LayerVisitor for Grab {
    type Output = String;
    fn wants(&self, path: &str, _: &FileMeta) -> bool {
        self.prefixes.iter().any(|p| path.starts_with(p))
    }
    fn visit(&self, _: usize, _: &str, _: &FileMeta, data: &[u8]) -> Option<String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Some(String::from_utf8_lossy(data).into_owned())
    }
}

pub fn shared_data() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    p.is_dir().then_some(p)
}
