//! The four image sources on images built here: OCI layout directories (single and multi-platform),
//! `docker save` archives of both shapes, root filesystem directories; contents on demand; source specs.

mod common;

use bulkhead_image::digest::sha256_digest;
use bulkhead_image::{FileKind, HiddenReason, ReadOptions, Source, read_file, read_image};
use common::{E, Files, Grab, Layer, add_image, gz, layer, plain, zst};
use std::path::Path;

fn layers() -> Vec<Layer> {
    vec![
        gz(
            layer(&[
                E::Dir("etc/", 0o755),
                E::File("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644),
                E::File("etc/secret.env", b"API_TOKEN=abc123", 0o600),
                E::Dir("bin/", 0o755),
                E::File("bin/tool", b"\x7fELF tool v1", 0o755),
                E::Hardlink("bin/tool-link", "bin/tool"),
            ]),
            "ADD rootfs.tar /",
        ),
        zst(
            layer(&[
                E::Dir("etc/", 0o755),
                E::File("etc/.wh.secret.env", b"", 0o644),
                E::File("bin/tool", b"\x7fELF tool v2", 0o4755),
            ]),
            "RUN update-tool",
        ),
        plain(
            layer(&[
                E::Dir("app/", 0o755),
                E::File("app/run", b"#!/bin/sh\n", 0o755),
            ]),
            "COPY run /app/",
        ),
    ]
}

fn check_image(image: &bulkhead_image::Image, outputs: &[bulkhead_image::Visited<String>]) {
    assert!(
        image.notes.is_empty(),
        "unexpected notes: {:#?}",
        image.notes
    );
    let c = image.config.as_ref().expect("config");
    assert_eq!(c.user.as_deref(), Some("app"));
    assert_eq!(c.cmd, ["/app/run"]);
    assert_eq!(c.exposed_ports, ["8080/tcp"]);
    assert_eq!(
        c.healthcheck.as_deref(),
        Some(&["CMD".to_string(), "true".to_string()][..])
    );
    assert_eq!(c.architecture.as_deref(), Some("amd64"));
    assert_eq!(image.layers.len(), 3);
    let by: Vec<_> = image
        .layers
        .iter()
        .map(|l| l.created_by.as_deref().unwrap())
        .collect();
    assert_eq!(
        by,
        ["ADD rootfs.tar /", "RUN update-tool", "COPY run /app/"]
    );
    for (i, l) in image.layers.iter().enumerate() {
        assert_eq!(l.index, i);
        assert!(l.digest.as_deref().unwrap().starts_with("sha256:"));
        assert_eq!(l.diff_id.as_ref(), c.diff_ids.get(i));
    }
    assert_eq!(image.id.as_deref().map(|s| s.len()), Some(71));
    let tool = image.fs.get("/bin/tool").unwrap();
    assert_eq!(tool.layer, 1);
    assert!(tool.meta.is_setuid());
    assert!(image.fs.get("/etc/secret.env").is_none());
    assert!(image.fs.hidden.iter().any(|h| h.path == "/etc/secret.env"
        && h.layer == 0
        && h.reason == HiddenReason::Deleted(1)));
    assert_eq!(
        image.fs.content("/etc/passwd"),
        Some(&b"root:x:0:0::/root:/bin/sh\n"[..])
    );
    let secret = outputs
        .iter()
        .find(|o| o.path == "/etc/secret.env")
        .unwrap();
    assert_eq!(
        (secret.layer, secret.output.as_str()),
        (0, "API_TOKEN=abc123")
    );
    let tools: Vec<_> = outputs.iter().filter(|o| o.path == "/bin/tool").collect();
    assert_eq!(tools.len(), 2);
    assert!(
        tools
            .iter()
            .any(|o| o.layer == 1 && o.output.ends_with("v2"))
    );
}

#[test]
fn oci_layout_directory() {
    let dir = tempfile::tempdir().unwrap();
    common::oci_layout(&layers(), "example.com/app:1.0").write_dir(dir.path());
    let source = Source::parse(dir.path().to_str().unwrap());
    assert!(matches!(
        source,
        Source::OciLayout {
            reference: None,
            ..
        }
    ));
    let (image, outputs) =
        read_image(&source, &ReadOptions::default(), &Grab::new(&["/"])).unwrap();
    check_image(&image, &outputs);
    assert_eq!(image.source_kind, "oci-layout");
    assert!(image.manifest_digest.is_some());
    assert_eq!(image.repo_tags, ["example.com/app:1.0"]);
    let compressions: Vec<_> = image
        .layers
        .iter()
        .map(|l| l.compression.as_str())
        .collect();
    assert_eq!(compressions, ["gzip", "zstd", "none"]);
    assert_eq!(
        image.layers[0].media_type.as_deref(),
        Some("application/vnd.oci.image.layer.v1.tar+gzip")
    );

    // Contents on demand: the visible version, through a hard link too; none for dirs or missing paths.
    assert_eq!(
        read_file(&source, &image, "/bin/tool").unwrap().unwrap(),
        b"\x7fELF tool v2"
    );
    assert_eq!(
        read_file(&source, &image, "/bin/tool-link")
            .unwrap()
            .unwrap(),
        b"\x7fELF tool v1"
    );
    assert_eq!(read_file(&source, &image, "/etc").unwrap(), None);
    assert_eq!(read_file(&source, &image, "/etc/secret.env").unwrap(), None);
    assert_eq!(
        read_file(&source, &image, "/app/run").unwrap().unwrap(),
        b"#!/bin/sh\n"
    );

    // By ref name; an unknown ref name lists the known ones.
    let spec = format!("oci:{}:1.0", dir.path().display());
    let by_ref = Source::parse(&spec);
    assert!(matches!(&by_ref, Source::OciLayout { reference: Some(r), .. } if r == "1.0"));
    assert!(read_image(&by_ref, &ReadOptions::default(), &()).is_ok());
    let err = read_image(
        &Source::parse(&format!("oci:{}:2.0", dir.path().display())),
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no image named `2.0`") && err.contains("example.com/app:1.0"),
        "{err}"
    );
}

#[test]
fn missing_blob_is_an_error_naming_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let ls = layers();
    let mut files = common::oci_layout(&ls, "x:1");
    let digest = sha256_digest(&ls[1].stored);
    files.remove(&format!("blobs/sha256/{}", &digest[7..]));
    files.write_dir(dir.path());
    let err = read_image(
        &Source::parse(dir.path().to_str().unwrap()),
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains(&digest), "{err}");
    assert!(err.contains("layer 2") && err.contains("missing"), "{err}");

    // Same in an OCI-shaped docker save archive.
    let mut files = common::docker_save_oci(&ls, "x:1");
    files.remove(&format!("blobs/sha256/{}", &digest[7..]));
    let tar = dir.path().join("broken.tar");
    files.write_tar(&tar);
    let err = read_image(&Source::DockerArchive(tar), &ReadOptions::default(), &())
        .unwrap_err()
        .to_string();
    assert!(err.contains(&digest), "{err}");
}

#[test]
fn blobs_linking_out_of_the_layout_or_to_devices_are_refused() {
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("layout");
    let ls = layers();
    let mut files = common::oci_layout(&ls, "x:1");
    let digest = sha256_digest(&ls[1].stored);
    let blob = format!("blobs/sha256/{}", &digest[7..]);
    files.remove(&blob);
    files.write_dir(&dir);
    // The real layer, outside the layout directory: reading it would read other files of the machine.
    let outside = outer.path().join("outside.blob");
    std::fs::write(&outside, &ls[1].stored).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join(&blob)).unwrap();
    let read = |d: &Path| {
        read_image(
            &Source::parse(d.to_str().unwrap()),
            &ReadOptions::default(),
            &(),
        )
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    let err = read(&dir);
    assert!(
        err.contains("outside the image directory") && err.contains("refused"),
        "{err}"
    );
    std::fs::remove_file(dir.join(&blob)).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join(&blob)).unwrap();
    // A device is not a blob: it is never opened, the blob counts as missing.
    let err = read(&dir);
    assert!(err.contains("missing") && err.contains(&digest), "{err}");
    // A link that stays inside the layout is followed.
    std::fs::remove_file(dir.join(&blob)).unwrap();
    std::fs::write(dir.join("layer.bin"), &ls[1].stored).unwrap();
    std::os::unix::fs::symlink(dir.join("layer.bin"), dir.join(&blob)).unwrap();
    assert!(
        read_image(
            &Source::parse(dir.to_str().unwrap()),
            &ReadOptions::default(),
            &()
        )
        .is_ok()
    );
}

#[test]
fn corrupt_blob_is_a_note_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let ls = layers();
    let mut files = common::oci_layout(&ls, "x:1");
    let digest = sha256_digest(&ls[2].stored);
    let other = layer(&[E::File("app/run", b"tampered", 0o755)]);
    files.put(&format!("blobs/sha256/{}", &digest[7..]), other);
    files.write_dir(dir.path());
    let (image, _) = read_image(
        &Source::parse(dir.path().to_str().unwrap()),
        &ReadOptions::default(),
        &(),
    )
    .unwrap();
    let note = image
        .notes
        .iter()
        .find(|n| n.message.contains("corrupt or was replaced"))
        .expect("a digest mismatch note");
    assert!(
        note.layer.as_deref().unwrap().starts_with("layer 3 ("),
        "{note:?}"
    );
    assert_eq!(image.fs.get("/app/run").unwrap().meta.size, 8);
}

#[test]
fn docker_save_archive_oci_shape() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("app.tar");
    common::docker_save_oci(&layers(), "app:1.0").write_tar(&tar);
    let source = Source::parse(tar.to_str().unwrap());
    assert_eq!(source, Source::DockerArchive(tar.clone()));
    let (image, outputs) =
        read_image(&source, &ReadOptions::default(), &Grab::new(&["/"])).unwrap();
    check_image(&image, &outputs);
    assert_eq!(image.source_kind, "docker-archive");
    assert_eq!(image.repo_tags, ["app:1.0"]);
    assert!(image.manifest_digest.is_some());
    assert_eq!(
        read_file(&source, &image, "/bin/tool").unwrap().unwrap(),
        b"\x7fELF tool v2"
    );
}

#[test]
fn docker_save_archive_legacy_shape() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("legacy.tar");
    // Legacy layers are uncompressed tars.
    let ls: Vec<Layer> = layers()
        .into_iter()
        .map(|l| plain(l.tar, l.created_by))
        .collect();
    common::docker_save_legacy(&ls, "legacy:1").write_tar(&tar);
    let source = Source::DockerArchive(tar.clone());
    let (image, outputs) =
        read_image(&source, &ReadOptions::default(), &Grab::new(&["/"])).unwrap();
    check_image(&image, &outputs);
    assert_eq!(image.repo_tags, ["legacy:1"]);
    assert_eq!(image.manifest_digest, None);
    // Legacy layers have no blob digest in the manifest: it is computed, and equals the diff_id.
    for l in &image.layers {
        assert_eq!(l.digest, l.diff_id);
        assert_eq!(l.compression, "none");
    }
    assert_eq!(
        read_file(&source, &image, "/app/run").unwrap().unwrap(),
        b"#!/bin/sh\n"
    );

    // A layer whose content does not match the config's diff_id is noted.
    let mut files = common::docker_save_legacy(&ls, "legacy:1");
    let p = files
        .0
        .iter()
        .find(|(p, _)| p.ends_with("layer.tar"))
        .unwrap()
        .0
        .clone();
    files.put(&p, layer(&[E::File("x", b"swapped", 0o644)]));
    let tar2 = dir.path().join("swapped.tar");
    files.write_tar(&tar2);
    let (image, _) =
        read_image(&Source::DockerArchive(tar2), &ReadOptions::default(), &()).unwrap();
    assert!(
        image.notes.iter().any(|n| n.message.contains("diff_id")),
        "{:#?}",
        image.notes
    );
}

#[test]
fn legacy_archive_with_linked_layer_and_several_images() {
    let dir = tempfile::tempdir().unwrap();
    let tar_path = dir.path().join("linked.tar");
    let l = layer(&[E::File("same", b"1", 0o644)]);
    let ls = vec![plain(l.clone(), "RUN a"), plain(l, "RUN b")];
    let files = common::docker_save_legacy(&ls, "dup:1");
    // Rewrite: the second layer.tar becomes a symlink to the first, as `docker save` does for duplicates;
    // and manifest.json lists a second image.
    let mut b = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
    let layer_paths: Vec<String> = files
        .0
        .iter()
        .filter(|(p, _)| p.ends_with("layer.tar"))
        .map(|(p, _)| p.clone())
        .collect();
    for (p, d) in &files.0 {
        let mut h = tar::Header::new_gnu();
        if p == &layer_paths[0] {
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            h.set_mode(0o777);
            let target = format!("../{}", layer_paths[1]);
            b.append_link(&mut h, p, target).unwrap();
            continue;
        }
        let data = if p == "manifest.json" {
            let mut v: serde_json::Value = serde_json::from_slice(d).unwrap();
            let first = v[0].clone();
            let mut second = first.clone();
            second["RepoTags"] = serde_json::json!(["other:2"]);
            v = serde_json::json!([first, second]);
            serde_json::to_vec(&v).unwrap()
        } else {
            d.clone()
        };
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, p, data.as_slice()).unwrap();
    }
    b.finish().unwrap();
    drop(b);
    let (image, _) = read_image(
        &Source::DockerArchive(tar_path),
        &ReadOptions::default(),
        &(),
    )
    .unwrap();
    assert_eq!(image.layers.len(), 2);
    assert_eq!(image.fs.get("/same").unwrap().layer, 1);
    assert!(
        image
            .fs
            .hidden
            .iter()
            .any(|h| h.path == "/same" && h.reason == HiddenReason::Overwritten(1))
    );
    let note = image
        .notes
        .iter()
        .find(|n| n.message.contains("holds 2 images"))
        .unwrap();
    assert!(
        note.message.contains("dup:1") && note.message.contains("other:2"),
        "{}",
        note.message
    );
}

fn multi_platform(dir: &Path) {
    let mut f = Files::default();
    f.put("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    let amd = vec![gz(layer(&[E::File("arch", b"amd64", 0o644)]), "ADD amd64")];
    let arm = vec![gz(
        layer(&[E::File("arch", b"arm64v8", 0o644)]),
        "ADD arm64",
    )];
    let (amd_m, amd_s, _) = add_image(&mut f, &amd, "amd64");
    let (arm_m, arm_s, _) = add_image(&mut f, &arm, "arm64");
    let index = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": arm_m, "size": arm_s,
         "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd_m, "size": amd_s,
         "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd_m, "size": amd_s,
         "platform": {"os": "unknown", "architecture": "unknown"},
         "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
    ]}))
    .unwrap();
    let index_digest = sha256_digest(&index);
    f.put(
        &format!("blobs/sha256/{}", &index_digest[7..]),
        index.clone(),
    );
    // The layout's index.json points at the image index (nested).
    f.put(
        "index.json",
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": index_digest, "size": index.len(),
             "annotations": {"org.opencontainers.image.ref.name": "multi"}}]}))
        .unwrap(),
    );
    f.write_dir(dir);
}

#[test]
fn multi_platform_index_picks_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    multi_platform(dir.path());
    let source = Source::parse(dir.path().to_str().unwrap());
    let arch_of = |platform: Option<&str>| {
        let opts = ReadOptions {
            platform: platform.map(str::to_string),
            ..ReadOptions::default()
        };
        read_image(&source, &opts, &())
            .map(|(img, _)| (img.fs.content("/arch").map(|_| ()), img))
            .map(|(_, img)| {
                let size = img.fs.get("/arch").unwrap().meta.size;
                (img.config.unwrap().architecture.unwrap(), size)
            })
    };
    assert_eq!(
        arch_of(Some("linux/arm64")).unwrap(),
        ("arm64".to_string(), 7)
    );
    assert_eq!(
        arch_of(Some("linux/arm64/v8")).unwrap(),
        ("arm64".to_string(), 7)
    );
    assert_eq!(
        arch_of(Some("linux/amd64")).unwrap(),
        ("amd64".to_string(), 5)
    );
    // Platform names are compared normalized, as the registry source compares them.
    assert_eq!(
        arch_of(Some("linux/aarch64")).unwrap(),
        ("arm64".to_string(), 7)
    );
    assert_eq!(
        arch_of(Some("linux/x86_64")).unwrap(),
        ("amd64".to_string(), 5)
    );
    let bad = arch_of(Some("amd64")).unwrap_err().to_string();
    assert!(bad.contains("expected os/arch[/variant]"), "{bad}");
    if std::env::consts::ARCH == "x86_64" {
        assert_eq!(arch_of(None).unwrap(), ("amd64".to_string(), 5));
    }
    let err = arch_of(Some("linux/s390x")).unwrap_err().to_string();
    assert!(
        err.contains("linux/arm64/v8") && err.contains("linux/amd64"),
        "{err}"
    );
    assert!(!err.contains("unknown"), "{err}");
}

/// A single-platform archive read with another platform asked for is read, with a note saying so.
#[test]
fn other_platform_asked_of_a_single_platform_archive_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("legacy.tar");
    let ls: Vec<Layer> = layers()
        .into_iter()
        .map(|l| plain(l.tar, l.created_by))
        .collect();
    common::docker_save_legacy(&ls, "legacy:1").write_tar(&tar);
    let read = |platform: &str| {
        let opts = ReadOptions {
            platform: Some(platform.to_string()),
            ..ReadOptions::default()
        };
        read_image(&Source::DockerArchive(tar.clone()), &opts, &())
            .unwrap()
            .0
            .notes
    };
    let notes = read("linux/arm64");
    assert!(
        notes
            .iter()
            .any(|n| n.message.contains("platform linux/arm64 was asked for")
                && n.message.contains("linux/amd64 only")),
        "{notes:?}"
    );
    let notes = read("linux/amd64");
    assert!(
        !notes.iter().any(|n| n.message.contains("was asked for")),
        "{notes:?}"
    );
}

#[test]
fn rootfs_directory() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::write(root.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
    std::fs::write(root.join("etc/app.env"), "TOKEN=1").unwrap();
    std::fs::write(root.join("usr/bin/tool"), "bin").unwrap();
    std::fs::set_permissions(
        root.join("usr/bin/tool"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    // A link pointing at the host's files: recorded, never followed.
    symlink("/etc/hostname", root.join("etc/hostname")).unwrap();
    symlink("../../../../../../etc", root.join("hostetc")).unwrap();
    symlink("passwd", root.join("etc/pw")).unwrap();
    let source = Source::parse(&format!("dir:{}", root.display()));
    let (image, outputs) =
        read_image(&source, &ReadOptions::default(), &Grab::new(&["/"])).unwrap();
    assert_eq!(image.source_kind, "rootfs");
    assert!(image.config.is_none());
    assert_eq!(image.layers.len(), 1);
    assert!(image.fs.get("/usr/bin/tool").unwrap().meta.is_setuid());
    let link = image.fs.get("/etc/hostname").unwrap();
    assert_eq!(link.meta.kind, FileKind::Symlink);
    assert_eq!(link.meta.link_target.as_deref(), Some("/etc/hostname"));
    assert!(image.fs.get("/hostetc/passwd").is_none());
    let mut seen: Vec<_> = outputs.iter().map(|o| o.path.as_str()).collect();
    seen.sort();
    assert_eq!(seen, ["/etc/app.env", "/etc/passwd", "/usr/bin/tool"]);
    assert!(image.fs.content("/etc/passwd").is_some());
    // On demand: inside the tree only; a link to the host's /etc/hostname leads nowhere in the image.
    assert_eq!(
        read_file(&source, &image, "/etc/pw").unwrap().unwrap(),
        b"root:x:0:0::/root:/bin/sh\n"
    );
    assert_eq!(read_file(&source, &image, "/etc/hostname").unwrap(), None);
    // `..` stops at the image root, as in a container: this is the image's own /etc/passwd.
    assert_eq!(
        read_file(&source, &image, "/hostetc/passwd")
            .unwrap()
            .unwrap(),
        b"root:x:0:0::/root:/bin/sh\n"
    );
}

#[test]
fn rootfs_tarball_without_manifest_is_one_layer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rootfs.tar.gz");
    std::fs::write(
        &path,
        common::gzip(&layer(&[
            E::Dir("etc/", 0o755),
            E::File("etc/alpine-release", b"3.20.3\n", 0o644),
        ])),
    )
    .unwrap();
    let source = Source::parse(path.to_str().unwrap());
    let (image, _) = read_image(&source, &ReadOptions::default(), &()).unwrap();
    assert_eq!(image.layers.len(), 1);
    assert_eq!(image.layers[0].compression, "gzip");
    assert!(image.config.is_none());
    assert!(
        image
            .notes
            .iter()
            .any(|n| n.message.contains("one root filesystem layer"))
    );
    assert_eq!(
        image.fs.content("/etc/alpine-release"),
        Some(&b"3.20.3\n"[..])
    );
    assert_eq!(
        read_file(&source, &image, "/etc/alpine-release")
            .unwrap()
            .unwrap(),
        b"3.20.3\n"
    );
}

#[test]
fn bad_sources_give_errors_that_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    let err = read_image(&Source::DockerArchive(empty), &ReadOptions::default(), &())
        .unwrap_err()
        .to_string();
    assert!(err.contains("empty"), "{err}");
    let not_tar = dir.path().join("x.json");
    std::fs::write(&not_tar, vec![b'{'; 600]).unwrap();
    let err = read_image(
        &Source::DockerArchive(not_tar),
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not a tar archive"), "{err}");
    let err = read_image(
        &Source::OciLayout {
            path: dir.path().to_path_buf(),
            reference: None,
        },
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("oci-layout") && err.contains("dir:"), "{err}");
    let err = read_image(
        &Source::Registry("127.0.0.1:9/x:1".into()),
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("is the registry running at 127.0.0.1:9?"),
        "{err}"
    );
}

#[test]
fn source_specs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    assert_eq!(
        Source::parse("alpine:3.20"),
        Source::Daemon("alpine:3.20".into())
    );
    assert_eq!(
        Source::parse("docker:alpine"),
        Source::Daemon("alpine".into())
    );
    assert_eq!(
        Source::parse("daemon:sha256:abc"),
        Source::Daemon("sha256:abc".into())
    );
    assert_eq!(
        Source::parse("docker-archive:a.tar"),
        Source::DockerArchive("a.tar".into())
    );
    assert_eq!(
        Source::parse("registry:127.0.0.1:5000/a:1"),
        Source::Registry("127.0.0.1:5000/a:1".into())
    );
    assert_eq!(
        Source::parse(&format!("rootfs:{d}")),
        Source::Rootfs(d.clone().into())
    );
    assert_eq!(Source::parse(&d), Source::Rootfs(d.clone().into()));
    assert_eq!(
        Source::parse(&format!("oci:{d}")),
        Source::OciLayout {
            path: d.clone().into(),
            reference: None
        }
    );
    assert_eq!(
        Source::parse(&format!("oci-layout:{d}:v1")),
        Source::OciLayout {
            path: d.clone().into(),
            reference: Some("v1".into())
        }
    );
    std::fs::write(dir.path().join("oci-layout"), "{}").unwrap();
    assert_eq!(
        Source::parse(&d),
        Source::OciLayout {
            path: d.clone().into(),
            reference: None
        }
    );
    assert_eq!(
        Source::parse(&format!("{d}/oci-layout")),
        Source::DockerArchive(format!("{d}/oci-layout").into())
    );
    assert_eq!(Source::parse("docker:x").kind(), "daemon");
}

/// A reader that can only go forward (a pipe).
struct Pipe<R>(R);

impl<R: std::io::Read> std::io::Read for Pipe<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Small reads, as a socket gives them.
        let n = buf.len().min(1000);
        self.0.read(&mut buf[..n])
    }
}

#[test]
fn archive_streams_of_both_shapes_read_like_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let legacy_layers: Vec<Layer> = layers()
        .into_iter()
        .map(|l| plain(l.tar, l.created_by))
        .collect();
    for (shape, files) in [
        ("oci", common::docker_save_oci(&layers(), "app:1.0")),
        (
            "legacy",
            common::docker_save_legacy(&legacy_layers, "app:1.0"),
        ),
    ] {
        let path = dir.path().join(format!("{shape}.tar"));
        files.write_tar(&path);
        let (from_file, _) = read_image(
            &Source::DockerArchive(path.clone()),
            &ReadOptions::default(),
            &(),
        )
        .unwrap();
        let pipe = Pipe(std::fs::File::open(&path).unwrap());
        let (image, outputs) = bulkhead_image::read_archive_stream(
            "app:1.0",
            pipe,
            &ReadOptions::default(),
            &Grab::new(&["/"]),
        )
        .unwrap();
        check_image(&image, &outputs);
        assert_eq!(image.source_kind, "docker-archive", "{shape}");
        assert_eq!(image.fs.entries, from_file.fs.entries, "{shape}");
        assert_eq!(image.fs.hidden, from_file.fs.hidden, "{shape}");
        assert_eq!(image.layers, from_file.layers, "{shape}");
        assert_eq!(image.manifest_digest, from_file.manifest_digest, "{shape}");

        // Cut short: an error that says the stream broke off.
        let bytes = std::fs::read(&path).unwrap();
        let cut = &bytes[..bytes.len() / 2];
        let err =
            bulkhead_image::read_archive_stream("app:1.0", Pipe(cut), &ReadOptions::default(), &())
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("broke off") || err.contains("missing"),
            "{shape}: {err}"
        );
    }
}

/// A `docker save` archive cut short: the legacy shape writes `manifest.json` last, so a cut anywhere
/// loses it; the archive must not then be read as a root filesystem (an empty, clean "image"). With the
/// manifest first and a layer cut, the error says the archive ends early.
#[test]
fn truncated_docker_save_archive_is_an_error_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let ls: Vec<Layer> = layers()
        .into_iter()
        .map(|l| plain(l.tar, l.created_by))
        .collect();
    let files = common::docker_save_legacy(&ls, "legacy:1");
    let full = dir.path().join("full.tar");
    files.write_tar(&full);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..middle_of_first_layer(&full)]).unwrap();
    let err = read_image(
        &Source::parse(cut.to_str().unwrap()),
        &ReadOptions::default(),
        &(),
    )
    .expect_err("a cut docker save archive is an error");
    let msg = err.to_string();
    assert!(
        msg.contains("truncated") && msg.contains("manifest.json") && msg.contains("layer.tar"),
        "{msg}"
    );

    // Manifest first, then the layers; cut inside the first layer: later layers are missing.
    let mut reordered = Files::default();
    let (meta, data): (Vec<_>, Vec<_>) = files
        .0
        .iter()
        .cloned()
        .partition(|(p, _)| !p.ends_with("layer.tar"));
    reordered.0.extend(meta);
    reordered.0.extend(data);
    let first = dir.path().join("manifest-first.tar");
    reordered.write_tar(&first);
    let bytes = std::fs::read(&first).unwrap();
    std::fs::write(&cut, &bytes[..middle_of_first_layer(&first)]).unwrap();
    let err = read_image(
        &Source::DockerArchive(cut.clone()),
        &ReadOptions::default(),
        &(),
    )
    .expect_err("missing layers are an error");
    assert!(err.to_string().contains("ends early"), "{err}");
}

/// Offset of the middle of the first `layer.tar` member's data in the tar file `path`.
fn middle_of_first_layer(path: &Path) -> usize {
    let mut archive = tar::Archive::new(std::fs::File::open(path).unwrap());
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        if entry.path().unwrap().ends_with("layer.tar") {
            return (entry.raw_file_position() + entry.size() / 2) as usize;
        }
    }
    panic!("no layer.tar in {}", path.display());
}
