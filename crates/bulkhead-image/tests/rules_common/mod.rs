//! Helpers of the integration tests: real images read into an [`ImageBuilder`] from tar layers (a small,
//! test-only unpacker: the crate's reader is tested on its own), and the data directory.

#![allow(dead_code)]

use bulkhead_core::Finding;
use bulkhead_image::model::{FileKind, Image, ImageConfig};
use bulkhead_image::rules::{ImageCheckContext, ImageCheckOptions, check};
use bulkhead_image::secrets::SecretVisitor;
use bulkhead_image::testkit::ImageBuilder;
use std::io::Read;
use std::path::PathBuf;

/// `../shared/data` of the project, or `None` (with a loud SKIP) when absent.
pub fn data_dir(what: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIP {what}: {} is absent", dir.display());
        None
    }
}

/// Adds one tar layer (gzip or plain) to the builder, made by `created_by`.
pub fn add_layer(
    mut b: ImageBuilder,
    created_by: &str,
    blob: impl Read,
) -> std::io::Result<ImageBuilder> {
    b = b.layer(created_by);
    let mut magic_reader = std::io::BufReader::new(blob);
    let is_gzip = {
        use std::io::BufRead;
        let head = magic_reader.fill_buf()?;
        head.starts_with(&[0x1f, 0x8b])
    };
    let reader: Box<dyn Read> = if is_gzip {
        Box::new(flate2::read::GzDecoder::new(magic_reader))
    } else {
        Box::new(magic_reader)
    };
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let raw = entry.path()?.to_string_lossy().to_string();
        let path = format!("/{}", raw.trim_start_matches("./").trim_end_matches('/'));
        if path == "/" {
            continue;
        }
        let header = entry.header();
        let mode = header.mode()? & 0o7777;
        let uid = header.uid()?;
        let gid = header.gid()?;
        let name = path.rsplit('/').next().unwrap_or("");
        if let Some(hidden) = name.strip_prefix(".wh.") {
            let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            if hidden != ".wh..opq" {
                b = b.delete(&format!("{parent}/{hidden}"));
            }
            continue;
        }
        b = b.owner(uid, gid);
        let kind = entry.header().entry_type();
        b = if kind.is_dir() {
            b.dir(&path, mode)
        } else if kind.is_symlink() {
            let target = entry
                .link_name()?
                .map(|t| t.to_string_lossy().to_string())
                .unwrap_or_default();
            b.symlink(&path, &target)
        } else if kind.is_hard_link() {
            b.special(&path, FileKind::Hardlink, mode)
        } else if kind.is_file() {
            let mut data = Vec::new();
            entry.read_to_end(&mut data)?;
            b.file(&path, mode, &data)
        } else if kind.is_character_special() {
            b.special(&path, FileKind::Char, mode)
        } else if kind.is_block_special() {
            b.special(&path, FileKind::Block, mode)
        } else if kind.is_fifo() {
            b.special(&path, FileKind::Fifo, mode)
        } else {
            b
        };
    }
    Ok(b.owner(0, 0))
}

/// Builds the image with the secret visitor and runs every image rule.
pub fn audit(builder: ImageBuilder) -> (Image, Vec<Finding>) {
    let (image, secrets) = builder.build_with(&SecretVisitor::new());
    let options = ImageCheckOptions::default();
    let ctx = ImageCheckContext::new(&image, &secrets, &options);
    let findings = check(&ctx);
    (image, findings)
}

/// The parts of an OCI/Docker image configuration JSON the rules read.
pub fn parse_config(json: &serde_json::Value) -> ImageConfig {
    let c = &json["config"];
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    ImageConfig {
        user: c["User"].as_str().map(String::from),
        env: strings(&c["Env"]),
        exposed_ports: c["ExposedPorts"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default(),
        entrypoint: strings(&c["Entrypoint"]),
        cmd: strings(&c["Cmd"]),
        healthcheck: c["Healthcheck"]["Test"]
            .as_array()
            .map(|_| strings(&c["Healthcheck"]["Test"])),
        os: json["os"].as_str().map(String::from),
        architecture: json["architecture"].as_str().map(String::from),
        ..ImageConfig::default()
    }
}
