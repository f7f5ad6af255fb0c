//! Real public images from ../shared/data: the busybox OCI layouts (docker-library/busybox, Apache-2.0),
//! Alpine minirootfs tarballs, and the hostile `docker save` fixtures of google/osv-scalibr (Apache-2.0).
//! Each test skips loudly when ../shared is absent (a fresh clone has none).

mod common;

use bulkhead_image::{
    FileKind, HiddenReason, ReadOptions, Source, read_file, read_image, read_layer,
};
use common::{Grab, shared_data};
use std::path::{Path, PathBuf};

fn data(sub: &str) -> Option<PathBuf> {
    match shared_data() {
        Some(d) => Some(d.join(sub)),
        None => {
            eprintln!("SKIP: ../shared/data is absent; {sub} tests did not run");
            None
        }
    }
}

fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    v.sort();
    v
}

#[test]
fn busybox_oci_layouts() {
    let Some(root) = data("rootfs/busybox-oci") else {
        return;
    };
    let mut layouts: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("oci-layout").is_file())
        .collect();
    layouts.sort();
    assert_eq!(layouts.len(), 6);
    for dir in layouts {
        let source = Source::parse(dir.to_str().unwrap());
        let (image, outputs) =
            read_image(&source, &ReadOptions::default(), &Grab::new(&["/etc/"])).unwrap();
        let name = dir.display();
        assert!(image.notes.is_empty(), "{name}: {:#?}", image.notes);
        let c = image.config.as_ref().unwrap();
        assert_eq!(c.os.as_deref(), Some("linux"), "{name}");
        assert_eq!(c.architecture.as_deref(), Some("amd64"), "{name}");
        assert_eq!(c.cmd, ["sh"], "{name}");
        assert!(c.env.iter().any(|e| e.starts_with("PATH=")), "{name}");
        assert_eq!(image.layers.len(), 1, "{name}");
        let l = &image.layers[0];
        assert_eq!(l.compression, "gzip");
        assert!(l.created_by.is_some(), "{name}");
        assert!(l.uncompressed_size > l.size.unwrap(), "{name}");
        // The applets are one hard-link group: busybox is the file or a link to it.
        let mut bb = image.fs.get("/bin/busybox").expect("busybox binary");
        if bb.meta.kind == FileKind::Hardlink {
            bb = image
                .fs
                .get(bb.meta.link_target.as_deref().unwrap())
                .unwrap();
        }
        assert_eq!(bb.meta.kind, FileKind::File);
        assert!(bb.meta.is_executable() && bb.meta.size > 500_000, "{name}");
        let sh = image.fs.get("/bin/sh").unwrap();
        assert!(matches!(sh.meta.kind, FileKind::Hardlink | FileKind::File));
        assert!(
            image
                .fs
                .content("/etc/passwd")
                .unwrap()
                .starts_with(b"root:x:0:0:")
        );
        assert!(image.fs.content("/etc/group").is_some());
        assert!(outputs.iter().any(|o| o.path == "/etc/passwd"));
        assert!(
            image.repo_tags[0].starts_with("busybox:1.3"),
            "{:?}",
            image.repo_tags
        );
        // Contents on demand: the passwd read again equals the captured one; a link leads to busybox.
        let again = read_file(&source, &image, "/etc/passwd").unwrap().unwrap();
        assert_eq!(Some(again.as_slice()), image.fs.content("/etc/passwd"));
        let sh_bytes = read_file(&source, &image, "/bin/sh").unwrap().unwrap();
        assert_eq!(sh_bytes.len() as u64, bb.meta.size);
        assert!(sh_bytes.starts_with(b"\x7fELF"));
    }
}

#[test]
fn busybox_layout_as_an_oci_shaped_docker_save_archive() {
    let Some(root) = data("rootfs/busybox-oci/latest-musl-amd64") else {
        return;
    };
    // Tar the layout as `docker save` (Docker 25+) would ship it: the layout plus manifest.json.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
    let mdigest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("blobs/sha256").join(&mdigest[7..])).unwrap(),
    )
    .unwrap();
    let blob = |d: &serde_json::Value| format!("blobs/sha256/{}", &d.as_str().unwrap()[7..]);
    let docker_manifest = serde_json::json!([{
        "Config": blob(&manifest["config"]["digest"]),
        "RepoTags": ["busybox:musl"],
        "Layers": manifest["layers"].as_array().unwrap().iter().map(|l| blob(&l["digest"])).collect::<Vec<_>>()
    }]);
    let dir = tempfile::tempdir().unwrap();
    let tar_path = dir.path().join("busybox.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
    b.append_dir_all(".", &root).unwrap();
    let m = serde_json::to_vec(&docker_manifest).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(m.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "manifest.json", m.as_slice())
        .unwrap();
    b.finish().unwrap();
    drop(b);
    let source = Source::DockerArchive(tar_path);
    let (image, _) = read_image(&source, &ReadOptions::default(), &()).unwrap();
    assert!(image.notes.is_empty(), "{:#?}", image.notes);
    assert_eq!(image.repo_tags, ["busybox:musl"]);
    assert_eq!(image.manifest_digest.as_deref(), Some(mdigest));
    assert!(image.fs.get("/bin/busybox").is_some());
    let (from_dir, _) = read_image(
        &Source::parse(root.to_str().unwrap()),
        &ReadOptions::default(),
        &(),
    )
    .unwrap();
    assert_eq!(image.id, from_dir.id);
    assert_eq!(image.fs.entries, from_dir.fs.entries);
    let size = image
        .fs
        .entries
        .values()
        .map(|n| n.meta.size)
        .max()
        .unwrap();
    // busybox is the largest file, whichever applet carries the data in the hard-link group.
    assert_eq!(
        read_file(&source, &image, "/bin/busybox")
            .unwrap()
            .map(|b| b.len() as u64),
        Some(size)
    );
}

#[test]
fn alpine_minirootfs_tarballs_read_as_gzip_layers() {
    let Some(dir) = data("rootfs/alpine") else {
        return;
    };
    let tarballs = files_in(&dir, ".tar.gz");
    assert!(tarballs.len() >= 16);
    // The oldest, two middle releases, the newest and edge (all 16 take half a minute in a debug build).
    let picked: Vec<&PathBuf> = tarballs
        .iter()
        .filter(|t| {
            let n = t.file_name().unwrap().to_string_lossy();
            ["-3.6.5-", "-3.12.12-", "-3.16.9-", "-3.20.3-", "-2024"]
                .iter()
                .any(|v| n.contains(v))
        })
        .collect();
    assert_eq!(picked.len(), 5);
    for t in picked {
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        let f = std::fs::File::open(t).unwrap();
        let r = read_layer(0, std::io::BufReader::new(f), &ReadOptions::default(), &()).unwrap();
        assert!(r.complete && r.notes.is_empty(), "{name}: {:?}", r.notes);
        assert_eq!(r.info.compression, "gzip");
        let (fs, _, _, _) = bulkhead_image::squash(vec![r]);
        let release = fs
            .content("/etc/alpine-release")
            .expect("alpine-release captured");
        // alpine-minirootfs-3.20.3-x86_64.tar.gz → 3.20.3 (edge builds carry a date).
        let version = name
            .trim_start_matches("alpine-minirootfs-")
            .split('-')
            .next()
            .unwrap();
        if version.contains('.') {
            assert_eq!(String::from_utf8_lossy(release).trim(), version, "{name}");
        }
        assert!(fs.get("/lib/apk/db/installed").is_some(), "{name}");
        assert!(
            fs.content("/etc/passwd")
                .unwrap()
                .starts_with(b"root:x:0:0:"),
            "{name}"
        );
        assert!(fs.content("/etc/shadow").is_some(), "{name}");
        let os = fs.resolve("/etc/os-release").unwrap();
        assert!(
            fs.content(&os)
                .unwrap()
                .windows(9)
                .any(|w| w == b"ID=alpine"),
            "{name}"
        );
        let bb = fs.get("/bin/busybox").unwrap();
        assert!(bb.meta.is_executable());
        assert_eq!(
            fs.resolve("/bin/sh").as_deref(),
            Some("/bin/busybox"),
            "{name}"
        );
    }
}

fn scalibr(sub: &str) -> Option<PathBuf> {
    data(&format!(
        "rootfs/osv-scalibr-image-fixtures/artifact/image/{sub}"
    ))
}

#[test]
fn osv_scalibr_fixtures_never_panic() {
    let Some(base) = scalibr("") else { return };
    let mut all = Vec::new();
    for sub in [
        "tar/testdata",
        "layerscanning/image/testdata",
        "unpack/testdata",
    ] {
        all.extend(files_in(&base.join(sub), ".tar"));
    }
    assert!(all.len() >= 17);
    let poc = Path::new("/tmp/poc.txt");
    let poc_before = poc.exists();
    for t in &all {
        let name = t.display();
        let source = Source::DockerArchive(t.clone());
        match read_image(&source, &ReadOptions::default(), &Grab::new(&["/"])) {
            Ok((image, _)) => {
                for path in image.fs.entries.keys() {
                    // read_file on every entry of hostile images: in-tree only, never panics.
                    let _ = read_file(&source, &image, path);
                }
            }
            Err(e) => {
                assert!(t.ends_with("empty.tar"), "{name}: {e}");
                assert!(e.to_string().contains("empty"), "{e}");
            }
        }
    }
    assert_eq!(
        poc.exists(),
        poc_before,
        "something was written outside memory"
    );
}

#[test]
fn osv_scalibr_escape_and_symlink_attacks_are_noted() {
    let Some(base) = scalibr("") else { return };
    // escape.tar is a bare layer with absolute names and a trampoline of links: read as one layer.
    let (image, _) = read_image(
        &Source::DockerArchive(base.join("unpack/testdata/escape.tar")),
        &ReadOptions::default(),
        &(),
    )
    .unwrap();
    assert!(image.notes.iter().any(|n| n.path.as_deref() == Some("/escape/poc.txt")
        && n.message.contains("absolute")));
    assert_eq!(
        image.fs.get("/escape").unwrap().meta.kind,
        FileKind::Symlink
    );
    // A file written under a path that a later entry turns into a symlink is gone from the tree.
    assert!(image.fs.get("/escape/poc.txt").is_none());
    assert!(image.fs.hidden.iter().any(|h| h.path == "/escape/poc.txt"));

    let (image, _) = read_image(
        &Source::DockerArchive(base.join("layerscanning/image/testdata/symlink-attack.tar")),
        &ReadOptions::default(),
        &(),
    )
    .unwrap();
    for p in [
        "/dir1/attack-symlink.txt",
        "/dir1/attack-symlink-absolute.txt",
    ] {
        assert!(
            image
                .notes
                .iter()
                .any(|n| n.path.as_deref() == Some(p) && n.message.contains("climbs above")),
            "{p}: {:#?}",
            image.notes
        );
        // Resolved inside the image: `..` stops at the root, and there is no /secret.txt.
        assert_eq!(image.fs.resolve(p), None);
    }
    assert_eq!(image.repo_tags, ["symlink-attack:latest"]);

    let (image, _) = read_image(
        &Source::DockerArchive(base.join("layerscanning/image/testdata/symlink-cycle.tar")),
        &ReadOptions::default(),
        &(),
    )
    .unwrap();
    assert_eq!(image.fs.resolve("/dir1/sample.txt"), None);
    let (image, _) = read_image(
        &Source::DockerArchive(
            base.join("layerscanning/image/testdata/symlink-depth-exceeded.tar"),
        ),
        &ReadOptions::default(),
        &(),
    )
    .unwrap();
    assert_eq!(
        image.fs.resolve("/dir1/symlink7.txt").as_deref(),
        Some("/dir1/sample.txt")
    );
}

#[test]
fn osv_scalibr_basic_and_overwrite_trees() {
    let Some(base) = scalibr("layerscanning/image/testdata") else {
        return;
    };
    let src = Source::DockerArchive(base.join("basic.tar"));
    let (image, outputs) = read_image(&src, &ReadOptions::default(), &Grab::new(&["/"])).unwrap();
    assert!(image.notes.is_empty(), "{:#?}", image.notes);
    assert_eq!(image.repo_tags, ["basic:latest"]);
    let files: Vec<(&str, u64, usize)> = image
        .fs
        .entries
        .iter()
        .map(|(p, n)| (p.as_str(), n.meta.size, n.layer))
        .collect();
    assert_eq!(
        files,
        [("/larger-sample.txt", 6800, 1), ("/sample.txt", 17, 0)]
    );
    assert_eq!(
        image
            .layers
            .iter()
            .map(|l| l.created_by.as_deref().unwrap())
            .collect::<Vec<_>>(),
        [
            "COPY sample.txt / # buildkit",
            "COPY larger-sample.txt / # buildkit"
        ]
    );
    assert_eq!(outputs.len(), 2);
    // Legacy layers: the computed digest matches the config's diff_id (no mismatch note above).
    assert_eq!(image.layers[0].digest, image.layers[0].diff_id);

    let src = Source::DockerArchive(base.join("overwrite-file.tar"));
    let (image, outputs) = read_image(&src, &ReadOptions::default(), &Grab::new(&["/"])).unwrap();
    let node = image.fs.get("/sample.txt").unwrap();
    assert_eq!((node.layer, node.meta.size), (1, 29));
    assert!(image.fs.hidden.iter().any(|h| h.path == "/sample.txt"
        && h.layer == 0
        && h.meta.size == 17
        && h.reason == HiddenReason::Overwritten(1)));
    let old = outputs.iter().find(|o| o.layer == 0).unwrap();
    assert_eq!(old.output.len(), 17);
    assert!(!image.fs.is_visible(0, "/sample.txt"));
    assert_eq!(
        read_file(&src, &image, "/sample.txt")
            .unwrap()
            .unwrap()
            .len(),
        29
    );
}

#[test]
fn osv_scalibr_permissions_fixture() {
    let Some(base) = scalibr("unpack/testdata") else {
        return;
    };
    let (image, _) = read_image(
        &Source::DockerArchive(base.join("permissions.tar")),
        &ReadOptions::default(),
        &(),
    )
    .unwrap();
    assert_eq!(image.fs.get("/sample.txt").unwrap().meta.mode, 0);
}
