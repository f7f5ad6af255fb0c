//! `Inventory::assemble`: OS identity precedence, purls, duplicate merging, order and notes; and
//! snapshots of two small inventories built from this crate's own fixtures.

mod common;

use bulkhead_inventory::{
    FileResult, Inventory, Package, PackageKind, PackageLocation, catalog_file,
};

fn at(path: &str, layer: usize) -> PackageLocation {
    PackageLocation {
        path: path.to_string(),
        layer: Some(layer),
        layer_digest: Some(format!("sha256:{layer:064}")),
    }
}

fn file(path: &str, layer: usize, text: &str) -> (PackageLocation, FileResult) {
    (at(path, layer), catalog_file(path, text.as_bytes()))
}

const STATUS: &str = "\
Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4

Package: libc6
Status: install ok installed
Architecture: i386
Source: glibc
Version: 2.36-9+deb12u4

Package: removed
Status: deinstall ok config-files
Version: 1.0
";

const DISTROLESS_LIBC6: &str = "\
Package: libc6
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4
";

fn debian_results() -> Vec<(PackageLocation, FileResult)> {
    vec![
        file(
            "/usr/lib/os-release",
            0,
            "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        ),
        file(
            "/etc/os-release",
            0,
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_CODENAME=bookworm\n",
        ),
        file("/etc/debian_version", 0, "12.5\n"),
        file("/var/lib/dpkg/status.d/libc6", 1, DISTROLESS_LIBC6),
        file("/var/lib/dpkg/status", 0, STATUS),
        file("/var/lib/rpm/Packages", 2, "asdf\n"),
    ]
}

#[test]
fn os_precedence_and_fill_in() {
    let inventory = Inventory::assemble(debian_results());
    let os = inventory.os.unwrap_or_default();
    assert_eq!(os.id, "debian");
    assert_eq!(
        os.pretty_name.as_deref(),
        Some("Debian GNU/Linux 12 (bookworm)"),
        "/etc/os-release wins"
    );
    assert_eq!(
        os.version_id.as_deref(),
        Some("12"),
        "missing VERSION_ID taken from /usr/lib/os-release before /etc/debian_version"
    );

    // /etc/os-release wins over /usr/lib/os-release even when listed later and of another ID.
    let inventory = Inventory::assemble(vec![
        file("/usr/lib/os-release", 3, "ID=debian\nVERSION_ID=12\n"),
        file("/etc/os-release", 0, "ID=ubuntu\nVERSION_ID=\"22.04\"\n"),
    ]);
    let os = inventory.os.unwrap_or_default();
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref()),
        ("ubuntu", Some("22.04"))
    );

    // A later layer's copy of the same file wins.
    let inventory = Inventory::assemble(vec![
        file("/etc/os-release", 5, "ID=alpine\nVERSION_ID=3.20.3\n"),
        file("/etc/os-release", 2, "ID=alpine\nVERSION_ID=3.19.1\n"),
    ]);
    assert_eq!(
        inventory.os.and_then(|o| o.version_id).as_deref(),
        Some("3.20.3")
    );

    // Only fallbacks: /etc/alpine-release alone gives the OS.
    let inventory = Inventory::assemble(vec![file("/etc/alpine-release", 0, "3.18.4\n")]);
    assert_eq!(inventory.os.map(|o| o.id).as_deref(), Some("alpine"));
    assert_eq!(Inventory::assemble(Vec::new()), Inventory::default());
}

#[test]
fn merge_sort_purls_and_notes() {
    let inventory = Inventory::assemble(debian_results());
    let rows: Vec<(&str, &str, usize)> = inventory
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.arch.as_deref().unwrap_or(""),
                p.locations.len(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("libc6", "amd64", 2),
            ("libc6", "i386", 1),
            ("zlib1g", "amd64", 1)
        ],
        "libc6:amd64 from status and status.d merged; libc6:i386 kept apart"
    );
    let libc6 = &inventory.packages[0];
    assert_eq!(
        libc6.locations,
        vec![
            at("/var/lib/dpkg/status", 0),
            at("/var/lib/dpkg/status.d/libc6", 1)
        ]
    );
    assert_eq!(
        libc6.purl,
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"
    );
    assert_eq!(
        inventory.packages[2].purl,
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12"
    );
    assert_eq!(inventory.notes.len(), 1);
    assert!(
        inventory.notes[0].starts_with("/var/lib/rpm/Packages: not an rpm database"),
        "{:?}",
        inventory.notes
    );
}

#[test]
fn cataloger_locations_and_purls_are_kept() {
    let jar_entry = Package {
        kind: Some(PackageKind::Maven),
        name: "log4j-core".into(),
        namespace: Some("org.apache.logging.log4j".into()),
        version: "2.14.1".into(),
        locations: vec![PackageLocation {
            path: "/app/app.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar".into(),
            ..PackageLocation::default()
        }],
        ..Package::default()
    };
    let preset = Package {
        kind: Some(PackageKind::Npm),
        name: "left-pad".into(),
        version: "1.3.0".into(),
        purl: "pkg:npm/left-pad@1.3.0?custom=1".into(),
        ..Package::default()
    };
    let result = FileResult {
        packages: vec![preset, jar_entry],
        ..FileResult::default()
    };
    let inventory = Inventory::assemble(vec![(at("/app/app.jar", 4), result)]);
    let kinds: Vec<_> = inventory.packages.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        vec![Some(PackageKind::Npm), Some(PackageKind::Maven)],
        "sorted by kind"
    );
    assert_eq!(
        inventory.packages[0].purl,
        "pkg:npm/left-pad@1.3.0?custom=1"
    );
    assert_eq!(inventory.packages[0].locations, vec![at("/app/app.jar", 4)]);
    let jar = &inventory.packages[1];
    assert_eq!(
        jar.purl,
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
    );
    assert_eq!(
        jar.locations[0].path,
        "/app/app.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar"
    );
    assert_eq!(
        jar.locations[0].layer,
        Some(4),
        "layer filled from the file"
    );
}

#[test]
fn snapshot_debian_inventory() {
    insta::assert_yaml_snapshot!(Inventory::assemble(debian_results()));
}

#[test]
fn snapshot_rpm_inventory() {
    let rpmdb = common::fixture("rpm/rpmdb.sqlite");
    let inventory = Inventory::assemble(vec![
        file(
            "/etc/os-release",
            0,
            "NAME=\"AlmaLinux\"\nID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n",
        ),
        (
            at("/var/lib/rpm/rpmdb.sqlite", 1),
            catalog_file("/var/lib/rpm/rpmdb.sqlite", &rpmdb),
        ),
    ]);
    insta::assert_yaml_snapshot!(inventory);
}
