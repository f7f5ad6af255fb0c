//! Bad input through the CLI: missing files and images, truncated `docker save` archives, a decompression
//! bomb layer, manifests pointing at missing blobs, and osv-scalibr's hostile tarballs. Fatal problems exit
//! 2 with an `error:` line that names what is wrong; partial ones are notes naming the layer and path;
//! nothing panics, nothing is written.

use crate::bad_image;
use crate::image_support::*;
use std::path::PathBuf;

fn expect_error(r: &Ran, needles: &[&str]) {
    r.expect_code(2);
    assert!(
        r.stderr.starts_with("error: "),
        "`bulkhead {}`: the message starts with `error:`:\n{}",
        r.args,
        r.stderr
    );
    for n in needles {
        assert!(
            r.stderr.contains(n),
            "`bulkhead {}`: the error should mention {n:?}:\n{}",
            r.args,
            r.stderr
        );
    }
    assert!(
        r.stdout.is_empty(),
        "no half report on stdout:\n{}",
        r.stdout
    );
}

#[test]
fn missing_files_directories_and_images_are_errors_naming_them() {
    let pid = std::process::id();
    let abs = format!("/nonexistent-bulkhead-{pid}/app.tar");
    let rel = format!("missing-{pid}.tar");
    let dir = format!("/nonexistent-bulkhead-{pid}/layout");
    for cmd in ["image", "sbom"] {
        expect_error(&bulkhead(&[cmd, &abs]), &[&abs, "cannot open"]);
        expect_error(
            &bulkhead(&[cmd, "-f", "json", &rel]),
            &[&rel, "cannot open"],
        );
        expect_error(
            &bulkhead(&[cmd, &format!("oci:{dir}")]),
            &[&dir, "OCI layout"],
        );
        expect_error(&bulkhead(&[cmd, &format!("dir:{dir}")]), &[&dir]);
    }
    if engine() {
        let name = format!("bulkhead-test/no-such-image:p{pid}");
        expect_error(&bulkhead(&["image", &name]), &[&name, "no such image"]);
    }
}

/// A small hand-built image: a base layer with a 256 KiB file, an app layer; runs as 1000.
fn small_image() -> (Vec<u8>, Vec<Vec<u8>>) {
    let base = layer(&[
        Entry::Dir("etc/", 0o755),
        Entry::File("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/sh\n"),
        Entry::Dir("usr/", 0o755),
        Entry::Dir("usr/lib/", 0o755),
        Entry::Zeros("usr/lib/libbig.so", 256 << 10),
    ]);
    let app = layer(&[
        Entry::Dir("app/", 0o755),
        Entry::File("app/run", 0o755, b"#!/bin/sh\nexec sleep 1\n"),
        Entry::Zeros("app/data.bin", 64 << 10),
    ]);
    let config = config_json("1000", &[&base, &app], &["ADD base.tar /", "COPY app /app"]);
    (config, vec![base, app])
}

#[test]
fn truncated_docker_save_archives_are_errors_or_notes_naming_the_layer() {
    let dir = scratch("truncated");
    let (config, tars) = small_image();
    let members = docker_save_members(&config, &tars, "small:1");
    let first_layer = members[2].0.clone();
    let last_layer = members[5].0.clone();

    // As the engine writes it (manifest.json last): cut in the middle of the first layer.
    let full = dir.join("full.tar");
    write_tar(&full, &members);
    bulkhead(&["image", full.to_str().unwrap()]).expect_code(0);
    let (start, size) = member_data_range(&full, &first_layer);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.join("cut.tar");
    std::fs::write(&cut, &bytes[..(start + size / 2) as usize]).unwrap();
    for cmd in ["image", "sbom"] {
        expect_error(
            &bulkhead(&[cmd, cut.to_str().unwrap()]),
            &["cut.tar", "truncated", "manifest.json"],
        );
    }

    // Manifest first: a cut in the first layer loses the second one.
    let mut reordered: Members = members[6..].to_vec();
    reordered.extend(members[..6].iter().cloned());
    let first = dir.join("manifest-first.tar");
    write_tar(&first, &reordered);
    let (start, size) = member_data_range(&first, &first_layer);
    let bytes = std::fs::read(&first).unwrap();
    std::fs::write(&cut, &bytes[..(start + size / 2) as usize]).unwrap();
    expect_error(
        &bulkhead(&["image", cut.to_str().unwrap()]),
        &["ends early"],
    );

    // Manifest first, cut in the last layer: the rest is read, and the report names the layer.
    let (start, size) = member_data_range(&first, &last_layer);
    std::fs::write(&cut, &bytes[..(start + size / 2) as usize]).unwrap();
    let r = bulkhead(&["image", "-f", "json", cut.to_str().unwrap()]);
    let report = r.expect_code(0).json();
    let diags = report["diagnostics"].to_string();
    assert!(
        diags.contains("layer 2") && diags.contains("truncated"),
        "{diags}"
    );
    assert_eq!(report["image"]["layers"].as_array().unwrap().len(), 2);

    // The real thing, when there is an engine: `docker save` output cut in the middle of a layer.
    if let Some(bad) = bad_image() {
        let mut a = tar::Archive::new(std::fs::File::open(&bad.tarball).unwrap());
        let mut biggest = (0, 0);
        for e in a.entries().unwrap() {
            let e = e.unwrap();
            if e.path().unwrap().to_string_lossy().ends_with("layer.tar") && e.size() > biggest.1 {
                biggest = (e.raw_file_position(), e.size());
            }
        }
        let bytes = std::fs::read(&bad.tarball).unwrap();
        std::fs::write(&cut, &bytes[..(biggest.0 + biggest.1 / 2) as usize]).unwrap();
        let r = bulkhead(&["image", cut.to_str().unwrap()]);
        r.expect_code(2);
        assert!(
            r.stderr.starts_with("error:")
                && (r.stderr.contains("truncated") || r.stderr.contains("ends early")),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn gzip_bomb_layer_is_abandoned_with_a_note_and_the_rest_is_read() {
    let dir = scratch("bomb");
    let base = layer(&[
        Entry::Dir("usr/", 0o755),
        Entry::Dir("usr/local/", 0o755),
        Entry::Dir("usr/local/bin/", 0o755),
        Entry::File("usr/local/bin/tool", 0o4755, b"\x7fELF tool"),
    ]);
    // 16 MiB of zeros in 16 files: about 16 KiB compressed.
    let names: Vec<String> = (0..16).map(|i| format!("var/cache/blob{i}.bin")).collect();
    let mut entries = vec![Entry::Dir("var/", 0o755), Entry::Dir("var/cache/", 0o755)];
    entries.extend(names.iter().map(|n| Entry::Zeros(n, 1 << 20)));
    let bomb_gz = gzip(&entries);
    assert!(bomb_gz.len() < 1 << 20, "the bomb compresses well");
    let bomb_tar = layer(&entries);
    // One entry that claims the whole 16 MiB by itself.
    let single = [Entry::Zeros("blob.bin", 16 << 20)];
    let single_gz = gzip(&single);
    let single_tar = layer(&single);

    for (name, tar, gz) in [
        ("many", &bomb_tar, &bomb_gz),
        ("single", &single_tar, &single_gz),
    ] {
        let layout = dir.join(name);
        let config = config_json("1000", &[&base, tar], &["ADD base.tar /", "RUN make-bomb"]);
        let gz_base = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut e, &base).unwrap();
            e.finish().unwrap()
        };
        const GZ: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
        write_oci_layout(&layout, &config, &[(gz_base, GZ), (gz.clone(), GZ)]);
        let spec = format!("oci:{}", layout.display());

        let started = std::time::Instant::now();
        let r = bulkhead(&["image", "-f", "json", "--max-layer-size", "5", &spec]);
        // IM006 (medium, from the first layer) does not fail the run; the bomb is a diagnostic.
        let report = r.expect_code(0).json();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "reading stops early"
        );
        assert!(
            rule_ids(&report).contains(&"IM006".to_string()),
            "{report:#}"
        );
        let diags = report["diagnostics"].to_string();
        assert!(diags.contains("layer 2"), "{name}: {diags}");
        assert!(
            diags.contains("5242880"),
            "{name}: the limit is named: {diags}"
        );
        // The human report shows it too, and the SBOM run notes it on stderr.
        let human = bulkhead(&["image", "--max-layer-size", "5", &spec]);
        assert!(
            human.expect_code(0).stdout.contains("layer 2"),
            "{}",
            human.stdout
        );
        let sbom = bulkhead(&["sbom", "--max-layer-size", "5", &spec]);
        assert!(
            sbom.expect_code(0).stderr.contains("note: layer 2"),
            "{}",
            sbom.stderr
        );
        // Without the flag the default limit lets the 16 MiB through: no diagnostic.
        let r = bulkhead(&["image", "-f", "json", &spec]);
        let diags = r.expect_code(0).json()["diagnostics"].to_string();
        assert!(!diags.contains("5242880"), "{name}: {diags}");
    }
}

#[test]
fn a_manifest_pointing_at_a_missing_blob_is_an_error_naming_it() {
    let dir = scratch("missing-blob");
    let (config, tars) = small_image();
    let gz = |t: &Vec<u8>| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, t).unwrap();
        e.finish().unwrap()
    };
    const GZ: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
    let layers: Vec<(Vec<u8>, &str)> = tars.iter().map(|t| (gz(t), GZ)).collect();
    let blob = |d: &str| format!("blobs/sha256/{}", d.trim_start_matches("sha256:"));

    // A layer blob gone.
    let layout = dir.join("layer-gone");
    write_oci_layout(&layout, &config, &layers);
    bulkhead(&["image", &format!("oci:{}", layout.display())]).expect_code(0);
    let layer_digest = bulkhead_image::digest::sha256_digest(&layers[1].0);
    std::fs::remove_file(layout.join(blob(&layer_digest))).unwrap();
    for cmd in ["image", "sbom"] {
        expect_error(
            &bulkhead(&[cmd, &format!("oci:{}", layout.display())]),
            &[&layer_digest, "missing"],
        );
    }

    // The config blob gone.
    let layout = dir.join("config-gone");
    write_oci_layout(&layout, &config, &layers);
    let config_digest = bulkhead_image::digest::sha256_digest(&config);
    std::fs::remove_file(layout.join(blob(&config_digest))).unwrap();
    expect_error(
        &bulkhead(&["image", &format!("oci:{}", layout.display())]),
        &[&config_digest, "missing"],
    );

    // The manifest blob gone.
    let layout = dir.join("manifest-gone");
    let manifest_digest = write_oci_layout(&layout, &config, &layers);
    std::fs::remove_file(layout.join(blob(&manifest_digest))).unwrap();
    expect_error(
        &bulkhead(&["image", &format!("oci:{}", layout.display())]),
        &[&manifest_digest, "missing"],
    );

    // A docker save archive whose manifest lists a layer it does not hold.
    let mut members = docker_save_members(&config, &tars, "small:1");
    let gone = members[5].0.clone();
    members.retain(|(n, _)| *n != gone);
    let tar = dir.join("layer-gone.tar");
    write_tar(&tar, &members);
    expect_error(
        &bulkhead(&["image", tar.to_str().unwrap()]),
        &[&gone, "missing"],
    );
}

/// The hostile tarballs of osv-scalibr's unpack tests (path escapes through symlink chains, absolute
/// names, dangling links, odd permissions): read as images on their own and as a layer, never a panic,
/// notes naming the paths, and nothing written anywhere.
#[test]
fn osv_scalibr_hostile_tarballs_never_panic_nor_write_outside() {
    let Some(data) = shared_data() else {
        eprintln!(
            "\n!!! SKIPPED: ../shared/data is absent; the osv-scalibr hostile tarball test did not run !!!\n"
        );
        return;
    };
    let fixtures = data.join("rootfs/osv-scalibr-image-fixtures/artifact/image/unpack/testdata");
    let Ok(rd) = std::fs::read_dir(&fixtures) else {
        eprintln!("\n!!! SKIPPED: {} is absent !!!\n", fixtures.display());
        return;
    };
    let mut tars: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tar"))
        .collect();
    tars.sort();
    assert!(
        tars.iter().any(|p| p.ends_with("escape.tar")),
        "escape.tar in {}",
        fixtures.display()
    );
    // Where a naive extraction of escape.tar lands: /escape -> trampoline/…/../../tmp, then poc.txt.
    let targets = [
        PathBuf::from("/tmp/poc.txt"),
        std::env::temp_dir().join("poc.txt"),
        PathBuf::from("/escape"),
        PathBuf::from("/trampoline"),
    ];
    let before: Vec<_> = targets
        .iter()
        .map(|t| {
            std::fs::symlink_metadata(t)
                .ok()
                .and_then(|m| m.modified().ok())
        })
        .collect();

    let cwd = scratch("hostile-cwd");
    let tmp = scratch("hostile-tmp");
    let work = scratch("hostile-work");
    for t in &tars {
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        let mut specs = vec![t.display().to_string()];
        // Also as the layer of an image, for the raw layer tarball.
        if name == "escape.tar" {
            let layer = std::fs::read(t).unwrap();
            let config = config_json("1000", &[&layer], &["ADD escape.tar /"]);
            let archive = work.join("escape-image.tar");
            write_tar(
                &archive,
                &docker_save_members(&config, &[layer], "escape:1"),
            );
            specs.push(archive.display().to_string());
        }
        for spec in &specs {
            for cmd in [
                vec!["image", "-f", "json", spec.as_str()],
                vec!["image", spec.as_str()],
                vec!["sbom", "-f", "json", spec.as_str()],
            ] {
                let r = bulkhead_in(&cmd, &cwd, Some(&tmp));
                r.expect_no_panic();
                assert!(
                    matches!(r.code, Some(0) | Some(1)),
                    "`bulkhead {}` exited with {:?}: {}",
                    r.args,
                    r.code,
                    r.stderr
                );
                if cmd.contains(&"json") {
                    r.json();
                }
                if name == "escape.tar" && cmd[0] == "image" {
                    assert!(
                        r.stdout.contains("/escape/poc.txt") || r.stdout.contains("/escape"),
                        "the escape attempt is noted:\n{}",
                        r.stdout
                    );
                }
                if name == "symlinks.tar" && cmd[0] == "image" {
                    assert!(
                        r.stdout.contains("climbs above the image root"),
                        "{}",
                        r.stdout
                    );
                }
            }
        }
    }
    assert!(
        files_under(&cwd).is_empty(),
        "written in the working directory: {:?}",
        files_under(&cwd)
    );
    assert!(
        files_under(&tmp).is_empty(),
        "written in TMPDIR: {:?}",
        files_under(&tmp)
    );
    let after: Vec<_> = targets
        .iter()
        .map(|t| {
            std::fs::symlink_metadata(t)
                .ok()
                .and_then(|m| m.modified().ok())
        })
        .collect();
    assert_eq!(
        before, after,
        "an escape target was created or changed: {targets:?}"
    );
}
