//! The layer reader and the squash, on layer tarballs built here: whiteouts, opaque directories,
//! overwrite provenance, hidden entries, visitor offers, captured files, and hostile or broken layers.

mod common;

use bulkhead_image::{FileKind, HiddenReason, LayerChange, ReadOptions, read_layer, squash};
use common::{E, Grab, gzip, layer, zstd};
use std::io::Write;
use std::time::Instant;

fn three_layers() -> Vec<Vec<u8>> {
    let l0 = layer(&[
        E::Dir("etc/", 0o755),
        E::File("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644),
        E::File("etc/shadow", b"root:*:19000::::::\n", 0o640),
        E::Dir("app/", 0o755),
        E::File("app/a", b"a0", 0o644),
        E::Dir("app/sub/", 0o755),
        E::File("app/sub/x", b"x0", 0o644),
        E::Dir("opt/", 0o755),
        E::Dir("opt/old/", 0o755),
        E::File("opt/old/f", b"f0", 0o644),
        E::File("secret.txt", b"token=abc", 0o600),
        E::Dir("usr/", 0o755),
        E::Dir("usr/lib/", 0o755),
        E::File("usr/lib/os-release", b"ID=test\n", 0o644),
        E::Symlink("etc/os-release", "../usr/lib/os-release"),
    ]);
    // The new /app/b comes before the opaque marker in tar order: it must survive it.
    let l1 = layer(&[
        E::File(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n",
            0o644,
        ),
        E::File(".wh.secret.txt", b"", 0o644),
        E::File("etc/.wh.shadow", b"", 0o644),
        E::Dir("app/", 0o755),
        E::File("app/b", b"b1", 0o644),
        E::File("app/.wh..wh..opq", b"", 0o644),
        E::File("opt/old", b"now a file", 0o644),
    ]);
    let l2 = layer(&[
        E::Dir("etc/", 0o700),
        E::Dir("usr/bin/", 0o755),
        E::File("usr/bin/su", b"\x7fELF", 0o4755),
        E::Dir("tmp/", 0o1777),
        E::Hardlink("usr/bin/su2", "usr/bin/su"),
    ]);
    vec![l0, gzip(&l1), zstd(&l2)]
}

#[test]
fn whiteouts_opaque_dirs_and_overwrites_stack_with_provenance() {
    let visitor = Grab::new(&["/"]);
    let opts = ReadOptions::default();
    let reads: Vec<_> = three_layers()
        .iter()
        .enumerate()
        .map(|(i, b)| read_layer(i, b.as_slice(), &opts, &visitor).unwrap())
        .collect();
    assert_eq!(
        reads
            .iter()
            .map(|r| r.info.compression.as_str())
            .collect::<Vec<_>>(),
        ["none", "gzip", "zstd"]
    );
    assert!(reads.iter().all(|r| r.complete && r.notes.is_empty()));
    assert!(
        reads[1]
            .changes
            .contains(&LayerChange::Opaque("/app".into()))
    );
    assert!(
        reads[1]
            .changes
            .contains(&LayerChange::Whiteout("/secret.txt".into()))
    );
    assert!(
        reads[1]
            .changes
            .contains(&LayerChange::Whiteout("/etc/shadow".into()))
    );
    let (fs, infos, outputs, notes) = squash(reads);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(infos.len(), 3);

    // Overwrite: the visible /etc/passwd is layer 1's, layer 0's is hidden as overwritten by 1.
    assert_eq!(fs.get("/etc/passwd").unwrap().layer, 1);
    assert!(fs.hidden.iter().any(|h| h.path == "/etc/passwd"
        && h.layer == 0
        && h.reason == HiddenReason::Overwritten(1)));
    // Whiteouts.
    assert!(fs.get("/secret.txt").is_none());
    assert!(
        fs.hidden.iter().any(|h| h.path == "/secret.txt"
            && h.layer == 0
            && h.reason == HiddenReason::Deleted(1))
    );
    assert!(fs.get("/etc/shadow").is_none());
    // Opaque dir: lower children gone, the same layer's child stays whatever the tar order.
    for gone in ["/app/a", "/app/sub", "/app/sub/x"] {
        assert!(fs.get(gone).is_none(), "{gone} should be hidden");
        assert!(
            fs.hidden
                .iter()
                .any(|h| h.path == gone && h.reason == HiddenReason::Deleted(1))
        );
    }
    assert_eq!(fs.get("/app/b").unwrap().layer, 1);
    assert!(fs.get("/app").is_some());
    // A file replacing a directory removes its subtree.
    assert_eq!(fs.get("/opt/old").unwrap().meta.kind, FileKind::File);
    assert!(fs.get("/opt/old/f").is_none());
    assert!(
        fs.hidden
            .iter()
            .any(|h| h.path == "/opt/old/f" && h.reason == HiddenReason::Deleted(1))
    );
    assert!(fs.hidden.iter().any(|h| h.path == "/opt/old"
        && h.meta.kind == FileKind::Dir
        && h.reason == HiddenReason::Overwritten(1)));
    // A directory re-listed by a later layer takes its metadata and keeps its children.
    let etc = fs.get("/etc").unwrap();
    assert_eq!((etc.layer, etc.meta.mode), (2, 0o700));
    assert!(fs.get("/etc/passwd").is_some());
    // Metadata.
    let su = fs.get("/usr/bin/su").unwrap();
    assert!(su.meta.is_setuid());
    assert_eq!(su.meta.size, 4);
    assert_eq!(fs.get("/tmp").unwrap().meta.mode, 0o1777);
    assert!(!fs.get("/tmp").unwrap().meta.is_world_writable());
    let su2 = fs.get("/usr/bin/su2").unwrap();
    assert_eq!(su2.meta.kind, FileKind::Hardlink);
    assert_eq!(su2.meta.link_target.as_deref(), Some("/usr/bin/su"));
    assert_eq!(
        fs.get("/etc/os-release")
            .unwrap()
            .meta
            .link_target
            .as_deref(),
        Some("../usr/lib/os-release")
    );

    // Visitor outputs come from every layer; the deleted secret is there, and not visible.
    let secret = outputs.iter().find(|v| v.path == "/secret.txt").unwrap();
    assert_eq!((secret.layer, secret.output.as_str()), (0, "token=abc"));
    assert!(!fs.is_visible(secret.layer, &secret.path));
    let passwds: Vec<_> = outputs.iter().filter(|v| v.path == "/etc/passwd").collect();
    assert_eq!(passwds.len(), 2);
    assert!(
        passwds
            .iter()
            .any(|v| v.layer == 1 && fs.is_visible(1, "/etc/passwd"))
    );
    assert!(!fs.is_visible(0, "/etc/passwd"));

    // Captured files: the visible version only; deleted ones dropped.
    assert!(
        fs.content("/etc/passwd")
            .unwrap()
            .ends_with(b"/app:/bin/sh\n")
    );
    assert!(fs.content("/etc/shadow").is_none());
    assert_eq!(fs.content("/usr/lib/os-release"), Some(&b"ID=test\n"[..]));
    assert_eq!(
        fs.resolve("/etc/os-release").as_deref(),
        Some("/usr/lib/os-release")
    );
}

#[test]
fn visitor_is_offered_only_wanted_files_within_the_size_limit() {
    let big = vec![b'x'; 5000];
    let blob = layer(&[
        E::File("a/small", b"hi", 0o644),
        E::File("a/big", &big, 0o644),
        E::File("b/other", b"no", 0o644),
        E::Dir("a/dir/", 0o755),
    ]);
    let v = Grab::new(&["/a/"]);
    let opts = ReadOptions {
        max_file_bytes: 4096,
        ..ReadOptions::default()
    };
    let r = read_layer(0, blob.as_slice(), &opts, &v).unwrap();
    let paths: Vec<_> = r.outputs.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(paths, ["/a/small"]);
    assert_eq!(v.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(r.changes.len(), 4);
    assert_eq!(r.info.uncompressed_size, blob.len() as u64);
}

/// A gzip stream of many members: a tar holding one 200 MiB file of zeros that compresses to ~200 KiB.
fn gzip_bomb() -> Vec<u8> {
    let mib = vec![0u8; 1 << 20];
    let head = layer(&[E::File("first.txt", b"kept", 0o644)]);
    let mut out = Vec::new();
    // Member 1: a small file and the bomb's header (no end-of-archive blocks yet).
    let mut start = head[..head.len() - 1024].to_vec();
    let mut h = tar::Header::new_gnu();
    h.set_path("bomb.bin").unwrap();
    h.set_size(200 << 20);
    h.set_mode(0o644);
    h.set_cksum();
    start.extend_from_slice(h.as_bytes());
    out.extend(gzip(&start));
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&mib).unwrap();
    let zeros = e.finish().unwrap();
    for _ in 0..200 {
        out.extend_from_slice(&zeros);
    }
    out.extend(gzip(&[0u8; 1024]));
    out
}

#[test]
fn gzip_bomb_stops_at_the_layer_limit_and_keeps_what_came_before() {
    let bomb = gzip_bomb();
    assert!(bomb.len() < 1 << 20, "bomb is {} bytes", bomb.len());
    let opts = ReadOptions {
        max_layer_bytes: 10 << 20,
        ..ReadOptions::default()
    };
    let t = Instant::now();
    let r = read_layer(4, bomb.as_slice(), &opts, &Grab::new(&["/"])).unwrap();
    let took = t.elapsed();
    assert!(!r.complete);
    assert!(
        r.info.uncompressed_size <= (11 << 20),
        "{}",
        r.info.uncompressed_size
    );
    let note = r
        .notes
        .iter()
        .find(|n| n.message.contains("max_layer_bytes"))
        .unwrap();
    assert_eq!(note.layer.as_deref(), Some("layer 5"));
    assert!(note.message.contains("bomb"), "{}", note.message);
    assert!(
        r.changes
            .iter()
            .any(|c| matches!(c, LayerChange::Add(p, _) if p == "/first.txt"))
    );
    assert_eq!(r.outputs.first().map(|o| o.output.as_str()), Some("kept"));
    assert!(took.as_secs() < 20, "took {took:?}");
}

#[test]
fn gzip_bomb_without_visitor_is_also_stopped() {
    let opts = ReadOptions {
        max_layer_bytes: 10 << 20,
        ..ReadOptions::default()
    };
    let r = read_layer(0, gzip_bomb().as_slice(), &opts, &()).unwrap();
    assert!(!r.complete);
    assert!(
        r.notes
            .iter()
            .any(|n| n.message.contains("max_layer_bytes"))
    );
}

#[test]
fn truncated_layer_keeps_the_entries_before_and_names_the_last_path() {
    let full = layer(&[
        E::File("one", b"1", 0o644),
        E::File("two", &[b'2'; 3000], 0o644),
        E::File("three", b"3", 0o644),
    ]);
    // Cut inside "two"'s data.
    let cut = &full[..512 + 512 + 512 + 1000];
    for visitor_wants in [false, true] {
        let v = Grab::new(if visitor_wants { &["/"] } else { &["/nothing"] });
        let r = read_layer(1, cut, &ReadOptions::default(), &v).unwrap();
        assert!(!r.complete);
        let note = r.notes.last().unwrap();
        assert_eq!(note.layer.as_deref(), Some("layer 2"));
        assert_eq!(note.path.as_deref(), Some("/two"), "{note:?}");
        assert!(note.message.contains("truncated"), "{}", note.message);
        assert!(
            r.changes
                .iter()
                .any(|c| matches!(c, LayerChange::Add(p, _) if p == "/one"))
        );
        assert!(
            !r.changes
                .iter()
                .any(|c| matches!(c, LayerChange::Add(p, _) if p == "/three"))
        );
    }
    // Truncated gzip stream.
    let gz = gzip(&full);
    let r = read_layer(0, &gz[..gz.len() / 2], &ReadOptions::default(), &()).unwrap();
    assert!(!r.complete);
    assert!(!r.notes.is_empty());
}

#[test]
fn absurd_header_size_is_a_note_not_an_allocation() {
    let blob = layer(&[
        E::File("ok", b"fine", 0o644),
        E::Claim("huge", 1 << 40, b"tiny"),
    ]);
    let r = read_layer(
        0,
        blob.as_slice(),
        &ReadOptions::default(),
        &Grab::new(&["/"]),
    )
    .unwrap();
    assert!(!r.complete);
    let note = r
        .notes
        .iter()
        .find(|n| n.message.contains("claims"))
        .unwrap();
    assert_eq!(note.path.as_deref(), Some("huge"));
    assert!(
        r.changes
            .iter()
            .any(|c| matches!(c, LayerChange::Add(p, _) if p == "/ok"))
    );
    // A claim below the layer limit but beyond the data: a truncation.
    let blob = layer(&[E::Claim("big", 1 << 30, b"tiny")]);
    let r = read_layer(
        0,
        blob.as_slice(),
        &ReadOptions::default(),
        &Grab::new(&["/"]),
    )
    .unwrap();
    assert!(!r.complete);
    assert!(r.notes.iter().any(|n| n.message.contains("truncated")));
}

#[test]
fn entry_count_limit() {
    let names: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
    let entries: Vec<E> = names.iter().map(|n| E::File(n, b"", 0o644)).collect();
    let blob = layer(&entries);
    let opts = ReadOptions {
        max_entries: 3,
        ..ReadOptions::default()
    };
    let r = read_layer(0, blob.as_slice(), &opts, &()).unwrap();
    assert_eq!(r.changes.len(), 3);
    assert!(!r.complete);
    assert!(r.notes.iter().any(|n| n.message.contains("max_entries")));
}

#[test]
fn escaping_names_are_skipped_with_notes_and_absolute_ones_rooted() {
    let blob = layer(&[
        E::File("../../evil", b"x", 0o644),
        E::File("a/../../evil2", b"x", 0o644),
        E::File("/abs/file", b"x", 0o644),
        E::File("./ok/./file", b"x", 0o644),
        E::File("dir/.wh...", b"", 0o644),
        E::Symlink("dir/link", "../../../etc/shadow"),
        E::Symlink("dir/fine", "../abs/file"),
        E::Hardlink("dir/hl", "../../etc/passwd"),
    ]);
    let r = read_layer(
        2,
        blob.as_slice(),
        &ReadOptions::default(),
        &Grab::new(&["/"]),
    )
    .unwrap();
    assert!(r.complete);
    let added: Vec<&str> = r
        .changes
        .iter()
        .filter_map(|c| match c {
            LayerChange::Add(p, _) => Some(p.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        added,
        ["/abs/file", "/ok/file", "/dir/link", "/dir/fine", "/dir/hl"]
    );
    let noted = |path: &str, word: &str| {
        r.notes.iter().any(|n| {
            n.path.as_deref() == Some(path)
                && n.message.contains(word)
                && n.layer.as_deref() == Some("layer 3")
        })
    };
    assert!(noted("../../evil", "climbs out"));
    assert!(noted("a/../../evil2", "climbs out"));
    assert!(noted("/abs/file", "absolute"));
    assert!(noted("/dir/link", "climbs above"));
    assert!(
        !r.notes
            .iter()
            .any(|n| n.path.as_deref() == Some("/dir/fine"))
    );
    assert!(noted("/dir/hl", "hard link"));
    assert!(noted("/dir/.wh...", "whiteout"));
    assert!(!std::path::Path::new("../../evil").exists());
}

#[test]
fn notes_per_layer_are_capped() {
    let names: Vec<String> = (0..300).map(|i| format!("/abs{i}")).collect();
    let entries: Vec<E> = names.iter().map(|n| E::File(n, b"", 0o644)).collect();
    let r = read_layer(0, layer(&entries).as_slice(), &ReadOptions::default(), &()).unwrap();
    assert_eq!(r.changes.len(), 300);
    assert_eq!(r.notes.len(), 201);
    assert!(r.notes.last().unwrap().message.contains("100 more notes"));
}

#[test]
fn garbage_and_empty_blobs_do_not_panic() {
    for blob in [
        Vec::new(),
        vec![0x1f, 0x8b],
        vec![0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3],
        b"hello, this is not a tar".to_vec(),
        vec![0xff; 2048],
    ] {
        let r = read_layer(
            0,
            blob.as_slice(),
            &ReadOptions::default(),
            &Grab::new(&["/"]),
        );
        let r = r.unwrap();
        assert!(r.changes.is_empty());
    }
    // A multi-member gzip layer reads across members.
    let a = layer(&[E::File("a", b"1", 0o644)]);
    let b = layer(&[E::File("b", b"2", 0o644)]);
    let mut two = gzip(&a[..a.len() - 1024]);
    two.extend(gzip(&b));
    let r = read_layer(0, two.as_slice(), &ReadOptions::default(), &()).unwrap();
    assert_eq!(r.changes.len(), 2);
    let mut w = Vec::new();
    w.write_all(&two).unwrap();
    assert_eq!(w, two);
}

fn raw_header(name: &str, kind: tar::EntryType, size: u64) -> Vec<u8> {
    let mut h = tar::Header::new_ustar();
    h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(size);
    h.set_cksum();
    h.as_bytes().to_vec()
}

fn padded(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    v.resize(data.len().div_ceil(512) * 512, 0);
    v
}

#[test]
fn oversized_extended_headers_are_refused_before_loading() {
    // A GNU long name, a PAX header that overrides the next entry's size, then a PAX header that claims
    // 100 MiB: the watch must follow all of it to catch the last one.
    let mut b = tar::Builder::new(Vec::new());
    let long = format!("{}/file", "d".repeat(150));
    let mut h = tar::Header::new_gnu();
    h.set_size(2);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    b.append_data(&mut h, &long, &b"hi"[..]).unwrap();
    let mut tar = b.into_inner().unwrap();
    tar.truncate(tar.len() - 1024);
    let records = b"15 size=000600\n";
    tar.extend(raw_header(
        "pax",
        tar::EntryType::XHeader,
        records.len() as u64,
    ));
    tar.extend(padded(records));
    tar.extend(raw_header("overridden", tar::EntryType::Regular, 0));
    tar.extend(padded(&[b'o'; 600]));
    tar.extend(raw_header("pax2", tar::EntryType::XHeader, 100 << 20));
    let mut stream = gzip(&tar);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![b'1'; 1 << 20]).unwrap();
    let chunk = e.finish().unwrap();
    for _ in 0..100 {
        stream.extend_from_slice(&chunk);
    }
    let t = Instant::now();
    let r = read_layer(
        0,
        stream.as_slice(),
        &ReadOptions::default(),
        &Grab::new(&["/"]),
    )
    .unwrap();
    assert!(t.elapsed().as_secs() < 10);
    assert!(!r.complete);
    let note = r
        .notes
        .iter()
        .find(|n| n.message.contains("extended header"))
        .expect("refused");
    assert!(note.message.contains("104857600"), "{}", note.message);
    assert_eq!(note.path.as_deref(), Some("/overridden"));
    // Less than the whole claim was inflated.
    assert!(
        r.info.uncompressed_size < 10 << 20,
        "{}",
        r.info.uncompressed_size
    );
    let sizes: Vec<(String, u64)> = r
        .changes
        .iter()
        .filter_map(|c| match c {
            LayerChange::Add(p, m) => Some((p.clone(), m.size)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sizes,
        [(format!("/{long}"), 2), ("/overridden".to_string(), 600)]
    );
    assert_eq!(r.outputs[1].output.len(), 600);
}

#[test]
fn extended_headers_of_ordinary_size_pass() {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..20 {
        let name = format!("{}/{i}", "x".repeat(120 + i));
        let mut h = tar::Header::new_gnu();
        h.set_size(700);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        b.append_data(&mut h, &name, &[b'a'; 700][..]).unwrap();
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_mode(0o777);
        l.set_uid(0);
        l.set_gid(0);
        l.set_mtime(0);
        l.set_size(0);
        b.append_link(
            &mut l,
            format!("{name}-link"),
            format!("{}/target", "y".repeat(130)),
        )
        .unwrap();
    }
    let tar = b.into_inner().unwrap();
    let r = read_layer(0, tar.as_slice(), &ReadOptions::default(), &()).unwrap();
    assert!(r.complete && r.notes.is_empty(), "{:?}", r.notes);
    assert_eq!(r.changes.len(), 40);
}
