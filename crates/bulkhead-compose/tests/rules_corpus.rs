//! Every rule over every compose file of `../shared/data/compose` (about 500 real files: samples, loader edge
//! cases, old syntaxes, files that are not compose at all): no panic, every finding located in a file the
//! project read, with a line. Skips loudly when `../shared` is absent.

use bulkhead_compose::load::{LoadOptions, load};
use bulkhead_compose::rules::{ComposeCheckContext, ComposeCheckOptions, check_rules, registry};
use bulkhead_core::Profile;
use std::path::{Path, PathBuf};

#[test]
fn rules_over_the_corpus_never_panic_and_locate_every_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/compose");
    if !root.is_dir() {
        eprintln!("SKIP rules_over_the_corpus: {} is absent", root.display());
        return;
    }
    let mut files: Vec<PathBuf> = walk(&root);
    files.sort();
    assert!(
        files.len() > 400,
        "the corpus has about 500 files, found {}",
        files.len()
    );
    let options = ComposeCheckOptions {
        profile: Profile::Regulated,
    };
    let rules = registry();
    let (mut projects, mut findings) = (0usize, 0usize);
    let started = std::time::Instant::now();
    for f in &files {
        let project = load(
            std::slice::from_ref(f),
            &LoadOptions {
                env: Some(Vec::new()),
                ..Default::default()
            },
        );
        if project.model.is_none() {
            continue;
        }
        projects += 1;
        let ctx = ComposeCheckContext {
            project: &project,
            options: &options,
        };
        for finding in check_rules(&ctx, &rules) {
            findings += 1;
            let path = finding.location.path.as_deref().unwrap_or("");
            assert!(
                project
                    .files
                    .iter()
                    .any(|s| s.path.display().to_string() == path),
                "{}: finding {} points at a file the project did not read: {path:?}",
                f.display(),
                finding.rule_id
            );
            let line = finding.location.span.map(|s| s.start_line).unwrap_or(0);
            assert!(
                line >= 1,
                "{}: finding {} has no line",
                f.display(),
                finding.rule_id
            );
        }
    }
    eprintln!(
        "compose corpus: {} files, {projects} projects checked, {findings} findings in {:.2}s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        projects > 400 && findings > 1000,
        "{projects} projects, {findings} findings"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
    out
}
