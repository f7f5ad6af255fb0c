//! Real-world Dockerfiles from `../shared/data/dockerfiles` (skipped, loudly, when absent):
//! every file is checked without a panic, and the official images' Dockerfiles — what careful experts
//! write — raise none of the rules whose findings there would be false positives.

use bulkhead_dockerfile::model::Model;
use bulkhead_dockerfile::rules::{self, CheckContext, CheckOptions};
use std::path::{Path, PathBuf};

fn data_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/dockerfiles");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; the real-world corpus tests need ../shared",
            p.display()
        );
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().to_ascii_lowercase();
            n.contains("dockerfile") || n == "containerfile"
        })
        .map(|e| e.into_path())
        .collect()
}

fn check(text: &str) -> Vec<bulkhead_core::Finding> {
    let df = bulkhead_dockerfile::parse(text);
    let model = Model::build(&df);
    let options = CheckOptions::default();
    let ctx = CheckContext::new("Dockerfile", &df, &model, None, &options);
    rules::check(&ctx, &rules::registry())
}

#[test]
fn whole_corpus_without_panic() {
    let Some(dir) = data_dir() else { return };
    let all = files(&dir);
    let mut findings = 0;
    for p in &all {
        let bytes = std::fs::read(p).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        findings += check(&text).len();
    }
    eprintln!(
        "checked {} real Dockerfiles, {findings} findings",
        all.len()
    );
    assert!(
        all.len() > 5000,
        "expected the ~6,000-file corpus, found {}",
        all.len()
    );
}

#[test]
fn official_images_raise_no_false_positives() {
    let Some(dir) = data_dir() else { return };
    // Rules that must stay silent on the official images (they run as root and use tags by design:
    // DF001, DF009, DF010, DF020 are legitimate there).
    const MUST_BE_SILENT: &[&str] = &[
        "DF000", "DF002", "DF003", "DF004", "DF006", "DF007", "DF008", "DF012", "DF013", "DF014",
        "DF015", "DF016", "DF017", "DF018", "DF019", "DF030", "DF032", "DF033", "DF034", "DF035",
    ];
    let mut bad = Vec::new();
    let mut n = 0;
    for sub in ["docker-library-python", "docker-library-php"] {
        // Only the generated Dockerfiles: `Dockerfile-*.template` files are Jinja templates.
        for p in files(&dir.join(sub))
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "Dockerfile"))
        {
            n += 1;
            let text = std::fs::read_to_string(&p).unwrap();
            for f in check(&text) {
                if MUST_BE_SILENT.contains(&f.rule_id.as_str()) {
                    bad.push(format!(
                        "{}:{}: {} {}",
                        p.display(),
                        f.location.span.map(|s| s.start_line).unwrap_or(0),
                        f.rule_id,
                        f.message
                    ));
                }
            }
        }
    }
    eprintln!("checked {n} official-image Dockerfiles");
    assert!(n > 50);
    assert!(
        bad.is_empty(),
        "false positives on official images:\n{}",
        bad.join("\n")
    );
}
