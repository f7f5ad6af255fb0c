//! Real package databases from ../shared/data: an Ubuntu 20.04 dpkg status, official Alpine
//! minirootfs tarballs (3.6.5, 3.20.3 and edge), and osv-scalibr's dpkg/opkg/apk fixtures. Skipped, saying
//! so, when ../shared is absent.

mod common;

use std::io::Read;
use std::path::Path;

use bulkhead_inventory::{
    FileResult, Inventory, PackageKind, PackageLocation, catalog_file, wants,
};

fn location(path: &str) -> PackageLocation {
    PackageLocation {
        path: path.to_string(),
        layer: Some(0),
        layer_digest: None,
    }
}

#[test]
fn ubuntu_focal_dpkg_status() {
    let Some(dir) = common::shared("rootfs/ubuntu-20.04-armhf-pkgdb") else {
        return;
    };
    let status = common::read(&dir.join("dpkg-status"));
    let os_release = common::read(&dir.join("os-release"));
    let text = String::from_utf8_lossy(&status);
    let stanzas = text.lines().filter(|l| l.starts_with("Package:")).count();
    let sources = text.lines().filter(|l| l.starts_with("Source:")).count();
    assert_eq!(stanzas, 221);

    let result = catalog_file("/var/lib/dpkg/status", &status);
    assert_eq!(result.error, None);
    assert_eq!(
        result.packages.len(),
        221,
        "every stanza is `install ok installed`"
    );
    assert_eq!(
        result
            .packages
            .iter()
            .filter(|p| p.source_name.is_some())
            .count(),
        sources
    );

    let inventory = Inventory::assemble(vec![
        (location("/var/lib/dpkg/status"), result),
        (
            location("/etc/os-release"),
            catalog_file("/etc/os-release", &os_release),
        ),
    ]);
    let os = inventory.os.clone().unwrap_or_default();
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref()),
        ("ubuntu", Some("20.04"))
    );
    assert_eq!(os.id_like, vec!["debian"]);
    assert_eq!(inventory.packages.len(), 221, "no duplicates to merge");
    assert!(inventory.notes.is_empty(), "{:?}", inventory.notes);
    for p in &inventory.packages {
        assert!(p.purl.starts_with("pkg:deb/ubuntu/"), "{}", p.purl);
        assert!(p.purl.ends_with("&distro=ubuntu-20.04"), "{}", p.purl);
        assert!(matches!(p.arch.as_deref(), Some("armhf" | "all")), "{p:?}");
        assert_eq!(p.locations, vec![location("/var/lib/dpkg/status")]);
    }
    let dmsetup = inventory.packages.iter().find(|p| p.name == "dmsetup");
    let Some(dmsetup) = dmsetup else {
        panic!("dmsetup missing");
    };
    assert_eq!(dmsetup.version, "2:1.02.167-1ubuntu1");
    assert_eq!(dmsetup.source_name.as_deref(), Some("lvm2"));
    assert_eq!(dmsetup.source_version.as_deref(), Some("2.03.07-1ubuntu1"));
    assert_eq!(
        dmsetup.purl,
        "pkg:deb/ubuntu/dmsetup@2:1.02.167-1ubuntu1?arch=armhf&distro=ubuntu-20.04"
    );
    let names: Vec<&str> = inventory.packages.iter().map(|p| p.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name within one kind");
}

/// Every file of a rootfs tarball that the catalogers want, read and cataloged like a layer reader would.
fn catalog_tarball(path: &Path) -> (Vec<(PackageLocation, FileResult)>, Option<Vec<u8>>) {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut results = Vec::new();
    let mut apk_db = None;
    let Ok(entries) = archive.entries() else {
        panic!("{}: not a tar", path.display());
    };
    for entry in entries {
        let Ok(mut entry) = entry else {
            panic!("{}: bad entry", path.display());
        };
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = entry.path().map(|p| p.to_string_lossy().into_owned());
        let Ok(name) = name else { continue };
        let abs = format!("/{}", name.trim_start_matches("./"));
        let size = entry.header().size().unwrap_or(0);
        let executable = entry.header().mode().unwrap_or(0) & 0o111 != 0;
        if !wants(&abs, size, executable) {
            continue;
        }
        let mut data = Vec::new();
        if let Err(e) = entry.read_to_end(&mut data) {
            panic!("{abs}: {e}");
        }
        if abs == "/lib/apk/db/installed" {
            apk_db = Some(data.clone());
        }
        results.push((location(&abs), catalog_file(&abs, &data)));
    }
    (results, apk_db)
}

#[test]
fn alpine_minirootfs_tarballs() {
    let Some(dir) = common::shared("rootfs/alpine") else {
        return;
    };
    let Ok(listing) = std::fs::read_dir(&dir) else {
        panic!("{}", dir.display());
    };
    let mut tarballs: Vec<_> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-x86_64.tar.gz"))
        .collect();
    tarballs.sort();
    assert!(tarballs.len() >= 10, "{tarballs:?}");
    // The oldest, the newest release and edge: each tarball takes a second to inflate in a debug build.
    tarballs.retain(|p| {
        let name = p.to_string_lossy();
        ["-3.6.5-", "-3.20.3-", "-20240923-"]
            .iter()
            .any(|v| name.contains(v))
    });
    assert_eq!(tarballs.len(), 3, "{tarballs:?}");
    let mut checked_3_20_3 = false;
    for tarball in &tarballs {
        let file_name = tarball
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let version = file_name
            .as_deref()
            .and_then(|n| n.strip_prefix("alpine-minirootfs-"))
            .and_then(|n| n.strip_suffix("-x86_64.tar.gz"))
            .unwrap_or_default()
            .to_string();
        let (results, apk_db) = catalog_tarball(tarball);
        let Some(apk_db) = apk_db else {
            panic!("{version}: no lib/apk/db/installed");
        };
        // What `grep -c '^P:'` counts.
        let expected = String::from_utf8_lossy(&apk_db)
            .lines()
            .filter(|l| l.starts_with("P:"))
            .count();
        assert!(expected > 10, "{version}: {expected}");

        let inventory = Inventory::assemble(results);
        assert!(
            inventory.notes.is_empty(),
            "{version}: {:?}",
            inventory.notes
        );
        let apk: Vec<_> = inventory
            .packages
            .iter()
            .filter(|p| p.kind == Some(PackageKind::Apk))
            .collect();
        assert_eq!(apk.len(), expected, "{version}");
        let os = inventory.os.clone().unwrap_or_default();
        assert_eq!(os.id, "alpine", "{version}");
        if version.starts_with('3') {
            assert_eq!(os.version_id.as_deref(), Some(version.as_str()));
        }
        let distro = format!("distro=alpine-{}", os.version_id.unwrap_or_default());
        for p in &apk {
            assert!(p.purl.starts_with("pkg:apk/alpine/"), "{}", p.purl);
            assert!(p.purl.contains(&distro), "{}", p.purl);
            assert!(
                p.source_name.is_some(),
                "{version}: {} has an origin",
                p.name
            );
            assert_eq!(p.arch.as_deref(), Some("x86_64"), "{version}: {}", p.name);
        }
        if version == "3.20.3" {
            checked_3_20_3 = true;
            assert_eq!(expected, 14);
            let musl = apk.iter().find(|p| p.name == "musl");
            assert_eq!(
                musl.map(|p| p.purl.as_str()),
                Some("pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3")
            );
            let binsh = apk.iter().find(|p| p.name == "busybox-binsh");
            assert_eq!(
                binsh.and_then(|p| p.source_name.as_deref()),
                Some("busybox")
            );
            assert_eq!(
                binsh.map(|p| p.licenses.clone()),
                Some(vec!["GPL-2.0-only".to_string()])
            );
        }
    }
    assert!(
        checked_3_20_3,
        "alpine-minirootfs-3.20.3 is among the tarballs"
    );
}

fn scalibr_os(rel: &str) -> Option<Vec<u8>> {
    let path = common::shared(&format!(
        "rootfs/osv-scalibr-image-fixtures/extractor/filesystem/os/{rel}"
    ))?;
    Some(common::read(&path))
}

fn names(result: &FileResult) -> Vec<(String, String)> {
    result
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn scalibr_dpkg_fixtures() {
    let Some(valid) = scalibr_os("dpkg/testdata/dpkg/valid") else {
        return;
    };
    let result = catalog_file("/var/lib/dpkg/status", &valid);
    assert_eq!(result.error, None);
    assert_eq!(result.packages.len(), 7);

    let status_field = scalibr_os("dpkg/testdata/dpkg/statusfield").unwrap_or_default();
    let result = catalog_file("/var/lib/dpkg/status", &status_field);
    assert_eq!(
        names(&result),
        pairs(&[
            ("wantinstall_installed", "1.0"),
            ("wantdeinstall_installed", "1.0"),
            ("wantpurge_installed", "1.0"),
            ("wantnostatus", "1.0"),
        ]),
        "state `installed` whatever the selection; no Status = installed"
    );

    let transitional = scalibr_os("dpkg/testdata/dpkg/transitional_dummy").unwrap_or_default();
    let result = catalog_file("/var/lib/dpkg/status", &transitional);
    assert_eq!(names(&result), pairs(&[("git-core", "1:2.14.2-1")]));
    assert_eq!(result.packages[0].source_name.as_deref(), Some("git"));

    let trailing = scalibr_os("dpkg/testdata/dpkg/trailingnewlines").unwrap_or_default();
    let result = catalog_file("/var/lib/dpkg/status", &trailing);
    assert_eq!(names(&result), pairs(&[("acl", "2.3.1-3")]));
    assert_eq!(result.error, None);

    for (rel, kept) in [("nopackage", ["foo", "bar"]), ("noversion", ["foo", "bar"])] {
        let data = scalibr_os(&format!("dpkg/testdata/dpkg/{rel}")).unwrap_or_default();
        let result = catalog_file("/var/lib/dpkg/status", &data);
        let got: Vec<&str> = result.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(got, kept, "{rel}");
        let error = result.error.unwrap_or_default();
        assert!(
            error.contains("without Package or Version"),
            "{rel}: {error}"
        );
    }

    let empty = scalibr_os("dpkg/testdata/dpkg/empty").unwrap_or_default();
    assert_eq!(
        catalog_file("/var/lib/dpkg/status", &empty),
        FileResult::default()
    );
    let invalid = scalibr_os("dpkg/testdata/dpkg/invalid").unwrap_or_default();
    let inventory = Inventory::assemble(vec![(
        location("/var/lib/dpkg/status"),
        catalog_file("/var/lib/dpkg/status", &invalid),
    )]);
    assert!(inventory.packages.is_empty());
    assert_eq!(inventory.notes.len(), 1);
    assert!(
        inventory.notes[0].starts_with("/var/lib/dpkg/status: not a dpkg status file"),
        "{:?}",
        inventory.notes
    );
}

#[test]
fn scalibr_distroless_status_d() {
    let Some(foo) = scalibr_os("dpkg/testdata/dpkg/status.d/foo") else {
        return;
    };
    assert!(!wants("/var/lib/dpkg/status.d/foo.md5sums", 385, false));
    assert!(wants("/var/lib/dpkg/status.d/foo", foo.len() as u64, false));
    let result = catalog_file("/var/lib/dpkg/status.d/foo", &foo);
    assert_eq!(result.error, None);
    assert_eq!(
        names(&result),
        pairs(&[("foo", "1.2.3")]),
        "no Status = installed; `deinstall ok config-files` is not"
    );
    assert_eq!(result.packages[0].arch.as_deref(), Some("amd64"));
}

#[test]
fn scalibr_opkg_fixtures() {
    let Some(valid) = scalibr_os("dpkg/testdata/opkg/valid") else {
        return;
    };
    let result = catalog_file("/usr/lib/opkg/status", &valid);
    assert_eq!(result.error, None);
    assert_eq!(
        names(&result),
        pairs(&[
            ("ubus", "2024.10.20~252a9b0c-r1"),
            ("libuci20130104", "2023.08.10~5781664d-r1"),
            ("busybox", "1.36.1-r2"),
        ])
    );
    assert!(
        result
            .packages
            .iter()
            .all(|p| p.kind == Some(PackageKind::Opkg))
    );
    let invalid = scalibr_os("dpkg/testdata/opkg/invalid").unwrap_or_default();
    let result = catalog_file("/usr/lib/opkg/status", &invalid);
    assert!(
        result
            .error
            .is_some_and(|e| e.starts_with("not an opkg status file"))
    );
}

#[test]
fn scalibr_apk_fixtures() {
    let Some(installed) = scalibr_os("apk/testdata/installed") else {
        return;
    };
    let p_lines = String::from_utf8_lossy(&installed)
        .lines()
        .filter(|l| l.starts_with("P:"))
        .count();
    let result = catalog_file("/lib/apk/db/installed", &installed);
    assert_eq!(result.error, None);
    assert_eq!(result.packages.len(), p_lines);

    let no_origin = scalibr_os("apk/testdata/no-origin").unwrap_or_default();
    let result = catalog_file("/lib/apk/db/installed", &no_origin);
    assert_eq!(names(&result), pairs(&[("pkgname", "1.2.3")]));
    assert_eq!(result.packages[0].source_name, None);

    let arch = scalibr_os("apk/testdata/different-arch").unwrap_or_default();
    let result = catalog_file("/lib/apk/db/installed", &arch);
    assert_eq!(result.packages[0].arch.as_deref(), Some("noarch"));

    let empty = scalibr_os("apk/testdata/empty").unwrap_or_default();
    assert_eq!(
        catalog_file("/lib/apk/db/installed", &empty),
        FileResult::default()
    );
    let invalid = scalibr_os("apk/testdata/invalid").unwrap_or_default();
    let result = catalog_file("/lib/apk/db/installed", &invalid);
    assert!(result.packages.is_empty());
    assert!(
        result
            .error
            .is_some_and(|e| e.starts_with("not an apk installed database"))
    );
}
