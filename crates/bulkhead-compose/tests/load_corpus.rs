//! Every compose file of the shared corpus (../shared/data/compose) loads without panicking, and every
//! diagnostic names a file and a line (0 only for whole-file problems). Skipped when the corpus is absent.

use bulkhead_compose::load::{LoadOptions, load};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/compose");
    p.is_dir().then_some(p)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn corpus_loads_with_positioned_diagnostics() {
    let Some(root) = corpus() else {
        eprintln!(
            "SKIP corpus_loads_with_positioned_diagnostics: ../shared/data/compose is absent"
        );
        return;
    };
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() > 100, "corpus too small: {}", files.len());
    let opts = LoadOptions {
        profiles: Vec::new(),
        env: Some(Vec::new()),
    };
    let mut loaded = 0;
    let mut diags = 0;
    let mut files_with_diags = 0;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let start = Instant::now();
    for f in &files {
        let p = load(std::slice::from_ref(f), &opts);
        if p.model.is_some() {
            loaded += 1;
        }
        if !p.diagnostics.is_empty() {
            files_with_diags += 1;
        }
        for d in &p.diagnostics {
            diags += 1;
            if std::env::var_os("CORPUS_VERBOSE").is_some() {
                eprintln!(
                    "{}:{}:{}: {}",
                    d.path.display(),
                    d.line,
                    d.column,
                    d.message
                );
            }
            assert!(!d.path.as_os_str().is_empty(), "{} {d:?}", f.display());
            let whole_file = d.line == 0;
            assert!(
                !whole_file
                    || d.message.contains("empty compose file")
                    || d.message.contains("cannot read")
                    || d.message.contains("not UTF-8")
                    || d.message.contains("must be a mapping")
                    || d.message.starts_with(".env"),
                "line 0 for a positioned problem: {d:?}"
            );
            if !whole_file {
                assert!(d.column >= 1, "{d:?}");
            }
            let kind = if d.message.starts_with("invalid YAML") {
                "yaml".to_owned()
            } else if d.message.contains("unknown key") {
                "schema: unknown key".to_owned()
            } else if d.message.starts_with("services")
                || d.message.contains(": ") && d.message.contains('.')
            {
                d.message
                    .split_once(": ")
                    .map(|(_, m)| {
                        if m.contains("required variable") || m.contains("interpolation") {
                            "interpolation".to_owned()
                        } else {
                            "schema/other".to_owned()
                        }
                    })
                    .unwrap_or_default()
            } else {
                d.message
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            *kinds.entry(kind).or_default() += 1;
        }
    }
    let elapsed = start.elapsed();
    eprintln!(
        "corpus: {} files, {} with a model, {} diagnostics in {} files, {:?} total ({:?}/file)",
        files.len(),
        loaded,
        diags,
        files_with_diags,
        elapsed,
        elapsed / files.len().max(1) as u32
    );
    for (k, n) in &kinds {
        eprintln!("  {n:5} {k}");
    }
    assert!(
        loaded * 10 >= files.len() * 8,
        "fewer than 80% of the corpus loaded: {loaded}"
    );
}
