//! The engine on files and trees: binary, minified and size skips, invalid UTF-8, test paths, bounded
//! reads, `scan_tree` with and without `.gitignore`, hidden files, sensitive names, symlinks.

use bulkhead_core::Severity;
use bulkhead_secrets::engine::{TreeOptions, scan_tree};
use bulkhead_secrets::files::SensitiveCategory;
use bulkhead_secrets::{Engine, ScanConfig, Scope, SecretRule, SkipReason};
use std::fs;
use std::path::Path;

mod support;
use support::{GITHUB, TOKEN, rule};

static RULES: &[SecretRule] = &[
    GITHUB,
    rule(
        "T002",
        Severity::High,
        &["password"],
        r#"(?i)password\s*[:=]\s*["']?(?P<secret>[^\s"']{4,})"#,
        Scope::Line,
    ),
];

fn engine() -> Engine {
    Engine::with_rules(ScanConfig::default(), RULES)
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    if let Some(dir) = p.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(p, content).unwrap();
}

#[test]
fn plain_bytes_are_scanned() {
    let out = engine().scan_bytes("app/config.py", format!("T = '{TOKEN}'\n").as_bytes());
    assert_eq!(out.skipped, None);
    assert_eq!(out.matches.len(), 1);
    assert!(!out.matches[0].in_test_path);
}

#[test]
fn binary_content_is_skipped() {
    let mut bytes = format!("{TOKEN}\n").into_bytes();
    bytes.push(0);
    let out = engine().scan_bytes("blob.bin", &bytes);
    assert_eq!(out.skipped, Some(SkipReason::Binary));
    assert!(out.matches.is_empty());
    // A NUL after the first 8 KiB does not make it binary.
    let mut bytes = format!("{}\n", "a".repeat(99)).repeat(90).into_bytes();
    bytes.extend_from_slice(TOKEN.as_bytes());
    bytes.push(0);
    let out = engine().scan_bytes("late-nul.txt", &bytes);
    assert_eq!(out.skipped, None);
    assert_eq!(out.matches.len(), 1);
}

#[test]
fn minified_files_are_skipped_unless_asked() {
    let text = format!("var a='{TOKEN}';\n");
    for name in ["dist/app.min.js", "dist/app.js.map", "style.min.css"] {
        assert_eq!(
            engine().scan_bytes(name, text.as_bytes()).skipped,
            Some(SkipReason::Minified),
            "{name}"
        );
    }
    // By content: long lines, few newlines.
    let mut long = String::new();
    for i in 0..2000 {
        long.push_str(&format!("function f{i}(a){{return a+{i}}};"));
    }
    long.push_str(&format!("var t='{TOKEN}';"));
    assert_eq!(
        engine()
            .scan_bytes("dist/bundle.js", long.as_bytes())
            .skipped,
        Some(SkipReason::Minified)
    );
    // Long lines outside web assets are data: a Kubernetes secret with a long base64 value.
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\ndata:\n  ca.crt: {}\n  password: {TOKEN}\n",
        "QUJD".repeat(3000)
    );
    let out = engine().scan_bytes("k8s/secret.yaml", manifest.as_bytes());
    assert_eq!(out.skipped, None);
    assert_eq!(out.matches.len(), 1);
    // A short single-line file is not minified (compact JSON credentials).
    let json = format!("{{\"auths\":{{\"x\":{{\"password\":\"{TOKEN}\"}}}}}}");
    let out = engine().scan_bytes("config.json", json.as_bytes());
    assert_eq!(out.skipped, None);
    assert_eq!(out.matches.len(), 1);
    // include_minified scans them.
    let all = Engine::with_rules(
        ScanConfig {
            include_minified: true,
            ..ScanConfig::default()
        },
        RULES,
    );
    assert_eq!(
        all.scan_bytes("dist/app.min.js", text.as_bytes())
            .matches
            .len(),
        1
    );
    assert_eq!(
        all.scan_bytes("dist/bundle.js", long.as_bytes())
            .matches
            .len(),
        1
    );
}

#[test]
fn size_cap_with_a_clear_note() {
    let small = Engine::with_rules(
        ScanConfig {
            max_file_size: 100,
            ..ScanConfig::default()
        },
        RULES,
    );
    let bytes = vec![b'x'; 101];
    let out = small.scan_bytes("big.txt", &bytes);
    assert_eq!(
        out.skipped,
        Some(SkipReason::TooLarge {
            size: 101,
            limit: 100
        })
    );
    assert_eq!(
        out.skipped.unwrap().to_string(),
        "not scanned for secrets: 101 bytes exceeds the 100 bytes size limit"
    );
    assert_eq!(small.scan_bytes("ok.txt", &bytes[..100]).skipped, None);

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.txt", &bytes);
    let out = small.scan_file(&dir.path().join("big.txt"), "big.txt");
    assert_eq!(
        out.skipped,
        Some(SkipReason::TooLarge {
            size: 101,
            limit: 100
        })
    );
}

#[test]
fn invalid_utf8_is_scanned_and_ranges_index_the_bytes() {
    let mut bytes = b"\xff\xfe garbage \xc3\x28 ".to_vec();
    bytes.extend_from_slice(b"\npassword=\xe2\x82hunter2hunter2\nt=");
    let at = bytes.len();
    bytes.extend_from_slice(TOKEN.as_bytes());
    bytes.extend_from_slice(b" \x80\x80\n");
    let out = engine().scan_bytes("weird.txt", &bytes);
    assert_eq!(out.skipped, None);
    let found: Vec<(&str, &[u8])> = out
        .matches
        .iter()
        .map(|m| (m.rule.id, &bytes[m.secret_range.clone()]))
        .collect();
    // The invalid bytes right after `password=` stop the generic value; the token is exact.
    assert_eq!(found, [("T001", TOKEN.as_bytes())]);
    assert_eq!(out.matches[0].secret_range, at..at + TOKEN.len());
    assert_eq!((out.matches[0].line, out.matches[0].column), (3, 3));
}

#[test]
fn test_fixture_paths_are_flagged_not_skipped() {
    let text = format!("{TOKEN}\n");
    for path in [
        "tests/fixtures/config.yml",
        "src/__tests__/auth.js",
        "pkg/auth_test.go",
        "web/login.test.js",
        "testdata/creds.txt",
        "spec/models/user_spec.rb",
    ] {
        let out = engine().scan_bytes(path, text.as_bytes());
        assert_eq!(out.matches.len(), 1, "{path}");
        assert!(out.matches[0].in_test_path, "{path}");
    }
    let out = engine().scan_bytes("src/config.yml", text.as_bytes());
    assert!(!out.matches[0].in_test_path);
}

#[test]
fn scan_file_reads_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "a.env",
        format!("password=hunter2hunter2\nGH={TOKEN}\n").as_bytes(),
    );
    write(root, "bin.dat", b"\x00\x01ghp_");
    let out = engine().scan_file(&root.join("a.env"), "a.env");
    assert_eq!(out.matches.len(), 2);
    assert_eq!(
        engine().scan_file(&root.join("bin.dat"), "bin.dat").skipped,
        Some(SkipReason::Binary)
    );
    match engine().scan_file(&root.join("missing"), "missing").skipped {
        Some(SkipReason::Unreadable(_)) => {}
        other => panic!("{other:?}"),
    }
    match engine().scan_file(root, ".").skipped {
        Some(SkipReason::Unreadable(why)) => assert_eq!(why, "not a regular file"),
        other => panic!("{other:?}"),
    }
}

/// A tree with a git-ignored `.env`, hidden files, sensitive names, a `.git` directory and a symlink.
fn sample_tree(root: &Path) {
    write(root, ".gitignore", b".env\nbuild/\n");
    write(root, ".env", format!("GITHUB_TOKEN={TOKEN}\n").as_bytes());
    write(root, "build/out.txt", b"password=hunter2hunter2\n");
    write(root, ".hidden/conf.ini", b"password = S3cure!Pass\n");
    write(root, "src/main.rs", b"fn main() {}\n");
    write(root, "src/app.min.js", format!("x='{TOKEN}'").as_bytes());
    write(root, "img.png", b"\x89PNG\r\n\x1a\n\x00\x00");
    write(
        root,
        "tests/fixtures/creds.txt",
        b"password=fixture-pass-1\n",
    );
    write(
        root,
        "id_rsa",
        b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    write(
        root,
        ".git/config",
        format!("[remote]\nurl=https://{TOKEN}@github.com/x\n").as_bytes(),
    );
    write(root, ".git/HEAD", b"ref: refs/heads/main\n");
    write(root, ".ssh/config", b"Host x\n");
}

fn paths<T>(v: &[(String, T)]) -> Vec<&str> {
    v.iter().map(|(p, _)| p.as_str()).collect()
}

#[test]
fn tree_without_gitignore_finds_the_ignored_env() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    sample_tree(root);
    let r = scan_tree(&engine(), root, &TreeOptions::default());
    assert_eq!(
        paths(&r.files),
        [
            ".env",
            ".hidden/conf.ini",
            "build/out.txt",
            "tests/fixtures/creds.txt"
        ]
    );
    let fixture = &r.files[3].1.matches[0];
    assert!(fixture.in_test_path);
    assert!(!r.files[0].1.matches[0].in_test_path);
    // .git is reported, not walked (its config holds a token that is not reported).
    let sensitive: Vec<(&str, SensitiveCategory)> = r
        .sensitive_files
        .iter()
        .map(|(p, k)| (p.as_str(), k.category))
        .collect();
    assert_eq!(
        sensitive,
        [
            (".env", SensitiveCategory::DotEnv),
            (".git", SensitiveCategory::GitDirectory),
            (".ssh", SensitiveCategory::SshDirectory),
            (".ssh/config", SensitiveCategory::SshDirectoryFile),
            ("id_rsa", SensitiveCategory::SshPrivateKey),
        ]
    );
    assert!(sensitive.iter().all(|(p, _)| !p.starts_with(".git/")));
    assert_eq!(
        r.skipped,
        [
            ("img.png".to_string(), SkipReason::Binary),
            ("src/app.min.js".to_string(), SkipReason::Minified),
        ]
    );
    // .env .gitignore .hidden/conf.ini .ssh/config build/out.txt id_rsa src/main.rs tests/...
    assert_eq!(r.files_scanned, 8);
    assert!(r.bytes_scanned > 0);
    assert!(!r.truncated);
}

#[test]
fn tree_respecting_gitignore_leaves_ignored_files_out() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    sample_tree(root);
    let opts = TreeOptions {
        respect_gitignore: true,
        ..TreeOptions::default()
    };
    let r = scan_tree(&engine(), root, &opts);
    // No .git needed for .gitignore to count; hidden files are still scanned.
    assert_eq!(
        paths(&r.files),
        [".hidden/conf.ini", "tests/fixtures/creds.txt"]
    );
    assert!(!paths(&r.sensitive_files).contains(&".env"));
}

#[test]
fn tree_max_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for i in 0..10 {
        write(root, &format!("f{i}.txt"), b"password=hunter2hunter2\n");
    }
    let r = scan_tree(
        &engine(),
        root,
        &TreeOptions {
            max_files: Some(4),
            ..TreeOptions::default()
        },
    );
    assert!(r.truncated);
    assert_eq!(r.files_scanned, 4);
    assert_eq!(paths(&r.files), ["f0.txt", "f1.txt", "f2.txt", "f3.txt"]);
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.txt", b"password=hunter2hunter2\n");
    write(
        outside.path(),
        "dir/inner.txt",
        b"password=hunter2hunter2\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "plain.txt", b"nothing here\n");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("dir"), root.join("linkdir")).unwrap();
    std::os::unix::fs::symlink(root, root.join("loop")).unwrap();
    let r = scan_tree(&engine(), root, &TreeOptions::default());
    assert!(r.files.is_empty(), "{:?}", paths(&r.files));
    assert_eq!(r.symlinks_skipped, 3);
    assert_eq!(r.files_scanned, 1);
    // Following them (loops are detected by the walker, reported as skipped).
    let r = scan_tree(
        &engine(),
        root,
        &TreeOptions {
            follow_symlinks: true,
            ..TreeOptions::default()
        },
    );
    assert_eq!(paths(&r.files), ["link.txt", "linkdir/inner.txt"]);
}

#[cfg(unix)]
#[test]
fn fifos_are_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fifo = root.join("pipe");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo unavailable: skipping");
        return;
    }
    write(root, "a.txt", b"password=hunter2hunter2\n");
    let r = scan_tree(&engine(), root, &TreeOptions::default());
    assert_eq!(paths(&r.files), ["a.txt"]);
    assert_eq!(
        r.skipped,
        [(
            "pipe".to_string(),
            SkipReason::Unreadable("not a regular file".into())
        )]
    );
    assert!(engine().scan_file(&fifo, "pipe").skipped.is_some());
}

#[test]
fn tree_of_a_single_file_and_of_a_missing_root() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "one.env", b"password=hunter2hunter2\n");
    let r = scan_tree(
        &engine(),
        &dir.path().join("one.env"),
        &TreeOptions::default(),
    );
    assert_eq!(paths(&r.files), ["one.env"]);
    let r = scan_tree(&engine(), &dir.path().join("nope"), &TreeOptions::default());
    assert_eq!(r.files_scanned, 0);
    assert_eq!(r.skipped.len(), 1);
}
