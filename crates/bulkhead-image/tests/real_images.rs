//! The rules on real, public images: the official Alpine minirootfs tarballs 3.6 … 3.20 (Alpine
//! Linux, MIT/various) and the official BusyBox OCI layouts (docker-library/busybox, Apache-2.0), from
//! `../shared/data/rootfs`. Skipped, loudly, when the data is absent.

#[path = "rules_common/mod.rs"]
mod common;

use bulkhead_image::rules::accounts;
use bulkhead_image::testkit::ImageBuilder;
use common::{add_layer, audit, data_dir, parse_config};
use std::fs::File;

/// The Alpine minirootfs tarballs of `../shared/data`, oldest name first.
fn alpine_tarballs() -> Vec<std::path::PathBuf> {
    let Some(data) = data_dir("Alpine minirootfs") else {
        return Vec::new();
    };
    let dir = data.join("rootfs/alpine");
    let mut tarballs: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    tarballs.retain(|p| p.extension().is_some_and(|e| e == "gz"));
    tarballs.sort();
    if tarballs.is_empty() {
        eprintln!("SKIP Alpine minirootfs: no tarball in {}", dir.display());
    }
    tarballs
}

/// Only the account files of a tarball (the whole tree is read by the full audit below).
fn accounts_only(tarball: &std::path::Path) -> ImageBuilder {
    let file = File::open(tarball).expect("open tarball");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut b = ImageBuilder::new("alpine").no_config();
    let mut found = 0;
    for entry in archive.entries().expect("entries") {
        if found == 3 {
            break;
        }
        let mut entry = entry.expect("entry");
        let path = entry.path().expect("path").to_string_lossy().to_string();
        let path = format!("/{}", path.trim_start_matches("./"));
        if matches!(path.as_str(), "/etc/passwd" | "/etc/shadow" | "/etc/group") {
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).expect("read");
            b = b.file(&path, 0o644, &data);
            found += 1;
        }
    }
    b
}

#[test]
fn alpine_accounts_of_releases_are_clean() {
    // A spread of releases: both shadow styles (`root:!::0:::::` up to 3.15, `root:*::0:::::` since
    // 3.16) and edge. (All sixteen take ~20 s of gzip in a debug build.)
    let picked = [
        "3.6.5", "3.9.6", "3.12.12", "3.15.11", "3.16.9", "3.20.3", "20240923",
    ];
    let tarballs: Vec<_> = alpine_tarballs()
        .into_iter()
        .filter(|p| {
            picked
                .iter()
                .any(|v| p.to_string_lossy().contains(&format!("-{v}-")))
        })
        .collect();
    for tarball in &tarballs {
        let name = tarball.display().to_string();
        let (image, findings) = audit(accounts_only(tarball));
        let passwd = accounts::passwd(&image.fs).unwrap_or_default();
        assert!(
            passwd.iter().any(|p| p.name == "root" && p.uid == Some(0)),
            "{name}"
        );
        let shadow = image
            .fs
            .content(accounts::SHADOW)
            .map(accounts::parse_shadow)
            .unwrap_or_default();
        assert!(
            shadow.len() >= 10,
            "{name}: {} shadow entries",
            shadow.len()
        );
        let groups = image
            .fs
            .content(accounts::GROUP)
            .map(accounts::parse_group)
            .unwrap_or_default();
        assert!(groups.len() >= 20, "{name}: {} groups", groups.len());
        // IM008 (empty/weak passwords) and IM009 (duplicate ids) stay silent; no other rule has
        // anything to say about three account files.
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
    eprintln!("checked the accounts of {} Alpine releases", tarballs.len());
}

#[test]
fn alpine_3_20_minirootfs_is_clean() {
    let Some(tarball) = alpine_tarballs()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("3.20.3"))
    else {
        eprintln!("SKIP Alpine 3.20.3: tarball absent");
        return;
    };
    let file = File::open(&tarball).expect("open tarball");
    let builder = add_layer(
        ImageBuilder::new("dir:alpine-3.20.3").no_config(),
        "ADD rootfs /",
        file,
    )
    .expect("read tarball");
    let (image, findings) = audit(builder);
    assert!(
        image.fs.entries.len() > 400,
        "{} entries",
        image.fs.entries.len()
    );
    assert!(
        image
            .fs
            .get("/tmp")
            .is_some_and(|n| n.meta.mode & 0o1777 == 0o1777)
    );
    // A rootfs has no configuration: only file rules run, and none fires on Alpine.
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn alpine_3_20_with_an_empty_root_password_is_caught() {
    // The same real tree with CVE-2019-5021's `root::` put back: proves the silence above is earned.
    let Some(data) = data_dir("Alpine 3.20 minirootfs") else {
        return;
    };
    let tarball = data.join("rootfs/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz");
    let Ok(file) = File::open(&tarball) else {
        eprintln!("SKIP Alpine 3.20: {} is absent", tarball.display());
        return;
    };
    let builder = add_layer(
        ImageBuilder::new("alpine:3.20").no_config(),
        "ADD rootfs /",
        file,
    )
    .expect("read tarball");
    let builder = builder
        .layer("RUN sed -i 's/^root:\\*:/root::/' /etc/shadow && echo 'toor:x:0:0::/root:/bin/sh' >> /etc/passwd")
        .file("/etc/shadow", 0o640, b"root::0:::::\nbin:!::0:::::\n")
        .file("/etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\ntoor:x:0:0::/root:/bin/sh\n");
    let (_, findings) = audit(builder);
    let ids: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["IM008", "IM009"], "{findings:#?}");
}

#[test]
fn busybox_official_images_run_as_root_and_nothing_else() {
    let Some(data) = data_dir("BusyBox OCI layouts") else {
        return;
    };
    let root = data.join("rootfs/busybox-oci");
    let mut layouts: Vec<_> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("index.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    layouts.sort();
    if layouts.is_empty() {
        eprintln!("SKIP BusyBox: no OCI layout in {}", root.display());
        return;
    }
    let read_json = |p: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_reader(File::open(&p).expect("open json")).expect("parse json")
    };
    let blob = |layout: &std::path::Path, digest: &str| {
        layout
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    for layout in &layouts {
        let index = read_json(layout.join("index.json"));
        let manifest_digest = index["manifests"][0]["digest"]
            .as_str()
            .expect("manifest digest");
        let manifest = read_json(blob(layout, manifest_digest));
        let config_json = read_json(blob(
            layout,
            manifest["config"]["digest"].as_str().expect("config"),
        ));
        let config = parse_config(&config_json);
        assert_eq!(config.cmd, ["sh"], "{}", layout.display());
        let history: Vec<String> = config_json["history"]
            .as_array()
            .map(|h| {
                h.iter()
                    .filter_map(|e| e["created_by"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let mut builder =
            ImageBuilder::new(&format!("oci:{}", layout.display())).config(|c| *c = config);
        for (i, layer) in manifest["layers"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let digest = layer["digest"].as_str().expect("layer digest");
            let created_by = history.get(i).cloned().unwrap_or_default();
            builder = add_layer(
                builder,
                &created_by,
                File::open(blob(layout, digest)).expect("layer"),
            )
            .expect("read layer");
        }
        let (image, findings) = audit(builder);
        assert!(
            image.fs.entries.len() > 300,
            "{}: {} entries",
            layout.display(),
            image.fs.entries.len()
        );
        assert!(
            image.fs.content("/etc/shadow").is_some(),
            "{}",
            layout.display()
        );
        let ids: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
        // BusyBox runs as root by default; its `sh` command is not a service; accounts are locked
        // (`root:*:::::::`) and unique; /tmp is sticky; no setuid file, no secret.
        assert_eq!(ids, ["IM001"], "{}: {findings:#?}", layout.display());
    }
}
