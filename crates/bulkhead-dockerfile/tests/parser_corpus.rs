//! Parses every Dockerfile of the shared corpus (files named `Dockerfile*`, `*.Dockerfile`, `Containerfile`,
//! and every file under `shipwright-broken-dockerfiles`) without panicking, checks that every range is a
//! valid slice of the text, and reports how many files BuildKit would reject.
//!
//! Skipped, loudly, when the shared data directory is absent.

use std::collections::BTreeMap;
use std::path::Path;

use bulkhead_dockerfile::{Arguments, DiagnosticLevel, Dockerfile, Instruction, parse_bytes};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/dockerfiles"
);

fn wanted(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with("Dockerfile")
        || name.ends_with(".Dockerfile")
        || name == "Containerfile"
        || path
            .components()
            .any(|c| c.as_os_str() == "shipwright-broken-dockerfiles")
}

fn valid(df: &Dockerfile, r: &std::ops::Range<usize>) -> bool {
    r.start <= r.end && df.text.get(r.clone()).is_some()
}

fn instruction_ok(df: &Dockerfile, ins: &Instruction) -> bool {
    let args_ok = match &ins.args {
        Arguments::Exec { args, range } => {
            valid(df, range) && args.iter().all(|a| valid(df, &a.range))
        }
        Arguments::Shell { text, map } => valid(df, &map.range_to_source(0..text.len())),
    };
    valid(df, &ins.keyword_range)
        && valid(df, &ins.range)
        && args_ok
        && ins.flags.iter().all(|f| valid(df, &f.range))
        && ins
            .heredocs
            .iter()
            .all(|h| valid(df, &h.body_range) && valid(df, &h.marker_range))
        && ins.key_values().iter().all(|kv| valid(df, &kv.key_range))
        && ins.onbuild.as_deref().is_none_or(|o| instruction_ok(df, o))
}

#[test]
fn corpus_parses_without_panic() {
    let root = Path::new(DATA);
    if !root.is_dir() {
        eprintln!(
            "\n!!! SKIPPING corpus test: {} not found (the shared data directory is absent) !!!\n",
            root.display()
        );
        return;
    }
    let mut files = 0usize;
    let mut with_errors = 0usize;
    let mut instructions = 0usize;
    let mut messages: BTreeMap<String, usize> = BTreeMap::new();
    let mut bad_ranges = Vec::new();
    for entry in walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if !entry.file_type().is_file() || !wanted(path) {
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        files += 1;
        let df = match std::panic::catch_unwind(|| parse_bytes(&bytes)) {
            Ok(df) => df,
            Err(_) => panic!("parser panicked on {}", path.display()),
        };
        let _ = bulkhead_dockerfile::parser::dump(&df);
        instructions += df.instructions.len();
        if !df.instructions.iter().all(|i| instruction_ok(&df, i))
            || !df.comments.iter().all(|c| valid(&df, &c.range))
            || !df.diagnostics.iter().all(|d| valid(&df, &d.range))
        {
            bad_ranges.push(path.display().to_string());
        }
        let errors: Vec<_> = df
            .diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .collect();
        if !errors.is_empty() {
            with_errors += 1;
        }
        for d in errors {
            // Group messages by their first words.
            let key: String = d
                .message
                .split_whitespace()
                .take(6)
                .collect::<Vec<_>>()
                .join(" ");
            *messages.entry(key).or_default() += 1;
        }
    }
    eprintln!(
        "corpus: {files} files, {instructions} instructions, {with_errors} files with Error diagnostics"
    );
    let mut top: Vec<_> = messages.into_iter().collect();
    top.sort_by_key(|t| std::cmp::Reverse(t.1));
    for (msg, n) in top.iter().take(15) {
        eprintln!("  {n:6}  {msg}");
    }
    assert!(files > 0, "no Dockerfiles found under {}", root.display());
    assert!(bad_ranges.is_empty(), "invalid ranges in {bad_ranges:?}");
}
