//! Text records: this machine's Python site-packages checked against `pip list`, and a snapshot of
//! everything the language catalogers find in the committed fixture tree (plus a generated jar).

mod common;

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulkhead_inventory::{FileResult, lang};
use common::{fixture_path, jar};

/// PEP 503 name normalization: lowercase, runs of `-`, `_`, `.` become `-`.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[test]
fn python_site_packages_agree_with_pip_list() {
    let Ok(out) = Command::new("python3")
        .args([
            "-c",
            "import site; print('\\n'.join(site.getsitepackages()))",
        ])
        .output()
    else {
        eprintln!("SKIP python_site_packages_agree_with_pip_list: no python3");
        return;
    };
    let dirs: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .collect();
    let mut checked = 0;
    for dir in dirs {
        let Ok(pip) = Command::new("python3")
            .args(["-m", "pip", "list", "--format", "json", "--path"])
            .arg(&dir)
            .output()
        else {
            continue;
        };
        let Ok(listed) = serde_json::from_slice::<serde_json::Value>(&pip.stdout) else {
            eprintln!("SKIP {}: pip list gave no JSON", dir.display());
            continue;
        };
        let mut expected: Vec<String> = listed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some(format!(
                    "{}@{}",
                    normalize(p["name"].as_str()?),
                    p["version"].as_str()?
                ))
            })
            .collect();
        expected.sort();
        expected.dedup();

        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let candidates = [path.join("METADATA"), path.join("PKG-INFO"), path.clone()];
            for file in candidates {
                let abs = file.to_string_lossy().into_owned();
                if !file.is_file() || !lang::wants(&abs, 0, false) {
                    continue;
                }
                let data = std::fs::read(&file).expect("read metadata");
                let r = lang::catalog(&abs, &data).expect("metadata is a record");
                assert_eq!(r.error, None, "{abs}");
                found.extend(
                    r.packages
                        .iter()
                        .map(|p| format!("{}@{}", normalize(&p.name), p.version)),
                );
            }
        }
        found.sort();
        found.dedup();
        assert_eq!(found, expected, "{}", dir.display());
        eprintln!(
            "{}: {} distributions agree with pip list",
            dir.display(),
            found.len()
        );
        checked += found.len();
    }
    if checked == 0 {
        eprintln!(
            "SKIP python_site_packages_agree_with_pip_list: no site-packages with distributions"
        );
    }
}

/// Every file under `root`, sorted.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read fixture dir").flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn describe(out: &mut String, path: &str, r: &FileResult) {
    let _ = writeln!(out, "{path}");
    for p in &r.packages {
        let kind = p.kind.map_or("?", |k| k.as_str());
        let ns = p
            .namespace
            .as_deref()
            .map(|n| format!("{n}/"))
            .unwrap_or_default();
        let licenses = if p.licenses.is_empty() {
            String::new()
        } else {
            format!(" [{}]", p.licenses.join(", "))
        };
        let _ = writeln!(out, "  {kind} {ns}{}@{}{licenses}", p.name, p.version);
    }
    if let Some(e) = &r.error {
        let _ = writeln!(out, "  error: {e}");
    }
}

#[test]
fn fixture_tree_snapshot() {
    let root = fixture_path("");
    let mut out = String::new();
    for file in walk(&root) {
        let rel = file
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        let path = format!("/{rel}");
        let meta = std::fs::metadata(&file).expect("metadata");
        let executable = meta.permissions().mode() & 0o111 != 0;
        if !lang::wants(&path, meta.len(), executable) {
            continue;
        }
        let data = std::fs::read(&file).expect("read fixture");
        match lang::catalog(&path, &data) {
            Some(r) => describe(&mut out, &path, &r),
            None => {
                let _ = writeln!(out, "{path}\n  (not a package record)");
            }
        }
    }
    let inner = jar(&[(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\nBundle-SymbolicName: org.example.util\nBundle-Version: 4.2.0\n",
    )]);
    let demo = jar(&[
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\nMain-Class: demo.Main\n",
        ),
        (
            "META-INF/maven/com.example/demo/pom.properties",
            b"groupId=com.example\nartifactId=demo\nversion=1.0\n",
        ),
        ("BOOT-INF/lib/util.jar", &inner),
    ]);
    let path = "/opt/app/demo-1.0.jar";
    assert!(lang::wants(path, demo.len() as u64, false));
    describe(
        &mut out,
        path,
        &lang::catalog(path, &demo).expect("jar record"),
    );
    insta::assert_snapshot!("lang_fixture_tree", out);
}
