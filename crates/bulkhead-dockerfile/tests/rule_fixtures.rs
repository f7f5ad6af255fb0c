//! Every rule has bad and good fixtures under `tests/fixtures/rules/<rule-name>/`. A bad fixture must raise the
//! rule, a good one must not; the findings (and the fixed text, for fixable rules) are snapshot-tested.
//! A fixture directory (`bad-context/`) is a build context with its `Dockerfile`.

use bulkhead_core::text::apply_edits;
use bulkhead_core::{Finding, TextEdit};
use bulkhead_dockerfile::context::BuildContext;
use bulkhead_dockerfile::model::Model;
use bulkhead_dockerfile::rules::{self, CheckContext, CheckOptions};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Runs every rule over one fixture; returns (display name, text, findings).
fn run_fixture(path: &Path) -> (String, String, Vec<Finding>) {
    let tmp = tempfile::tempdir().unwrap();
    let (dockerfile, context_root) = if path.is_dir() {
        let root = tmp.path().join("ctx");
        copy_dir(path, &root);
        // Git cannot store a `.git` directory inside the repository: make it here.
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("bad"))
        {
            std::fs::create_dir_all(root.join(".git")).unwrap();
            std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        }
        (root.join("Dockerfile"), Some(root))
    } else {
        (path.to_path_buf(), None)
    };
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    let df = bulkhead_dockerfile::parse(&text);
    let model = Model::build(&df);
    let bc = context_root
        .as_ref()
        .map(|r| BuildContext::open(r, Some(&dockerfile)).unwrap());
    let options = CheckOptions {
        trusted_registries: vec![
            "registry.example.com".into(),
            "docker.io/library".into(),
            "gcr.io/distroless".into(),
        ],
        context_secrets: true,
    };
    let ctx = CheckContext::new("Dockerfile", &df, &model, bc.as_ref(), &options);
    let mut findings = rules::check(&ctx, &rules::registry());
    // Paths of fixes outside the Dockerfile are temp paths: make them stable.
    for f in &mut findings {
        if let Some(fix) = &mut f.fix {
            for e in &mut fix.edits {
                if let Some(root) = &context_root
                    && let Ok(rel) = Path::new(&e.path).strip_prefix(root)
                {
                    e.path = format!("<context>/{}", rel.display());
                }
            }
            if let Some(root) = &context_root {
                fix.description = fix
                    .description
                    .replace(&root.display().to_string(), "<context>");
            }
        }
    }
    (dockerfile.display().to_string(), text, findings)
}

fn render(text: &str, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let s = f.location.span.unwrap_or_default();
        let snippet = text.get(s.byte_start..s.byte_end).unwrap_or("<bad span>");
        let snippet: String = snippet.chars().take(80).collect();
        out.push_str(&format!(
            "{} {} {}:{}-{}:{} {}\n    span: {:?}\n",
            f.rule_id,
            f.severity,
            s.start_line,
            s.start_column,
            s.end_line,
            s.end_column,
            f.message,
            snippet
        ));
        if let Some(e) = &f.evidence {
            out.push_str(&format!("    evidence: {}\n", e.as_str()));
        }
        if let Some(fix) = &f.fix {
            out.push_str(&format!(
                "    fix ({}): {}\n",
                if fix.safe { "safe" } else { "unsafe" },
                fix.description
            ));
        }
    }
    // The text after the Dockerfile's own safe fixes.
    let edits: Vec<&TextEdit> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|f| f.safe)
        .flat_map(|f| f.edits.iter())
        .filter(|e| e.path == "Dockerfile")
        .collect();
    if !edits.is_empty() {
        let (fixed, skipped) = apply_edits(text, &edits);
        out.push_str(&format!(
            "--- fixed ({} edits skipped) ---\n{fixed}",
            skipped.len()
        ));
    }
    out
}

#[test]
fn every_rule_has_bad_and_good_fixtures_and_they_behave() {
    let dir = fixtures_dir();
    let metas = rules::all_meta();
    let mut failures = Vec::new();
    let mut checked = 0;
    for meta in &metas {
        let rule_dir = dir.join(meta.name);
        let Ok(entries) = std::fs::read_dir(&rule_dir) else {
            failures.push(format!(
                "{} ({}): no fixtures in {}",
                meta.id,
                meta.name,
                rule_dir.display()
            ));
            continue;
        };
        let mut names: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        names.sort();
        let bad = names
            .iter()
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("bad"))
            .count();
        let good = names
            .iter()
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("good"))
            .count();
        if bad == 0 || good == 0 {
            failures.push(format!(
                "{} ({}): needs bad and good fixtures (has {bad} bad, {good} good)",
                meta.id, meta.name
            ));
        }
        for p in names {
            let fname = p.file_name().unwrap().to_string_lossy().to_string();
            let (_, text, mut findings) = run_fixture(&p);
            // Digest pinning (production profile) fires on nearly every fixture: keep it to its own.
            if meta.id != "DF010" {
                findings.retain(|f| f.rule_id != "DF010");
            }
            let hits = findings.iter().filter(|f| f.rule_id == meta.id).count();
            if fname.starts_with("bad") && hits == 0 {
                failures.push(format!(
                    "{} ({}): {fname} should raise it but did not",
                    meta.id, meta.name
                ));
            }
            if fname.starts_with("good") && hits > 0 {
                failures.push(format!(
                    "{} ({}): {fname} should not raise it but did: {:?}",
                    meta.id,
                    meta.name,
                    findings
                        .iter()
                        .filter(|f| f.rule_id == meta.id)
                        .map(|f| &f.message)
                        .collect::<Vec<_>>()
                ));
            }
            let snap_name = format!("{}__{}", meta.name, fname.trim_end_matches(".Dockerfile"));
            insta::assert_snapshot!(snap_name, render(&text, &findings));
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} fixtures checked");
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_docs_have_the_four_sections() {
    for m in rules::all_meta() {
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
        ] {
            assert!(
                m.doc.contains(section),
                "{} lacks `{section}` in its doc",
                m.id
            );
        }
        assert!(!m.remediation.is_empty(), "{} has no remediation", m.id);
    }
    let ids: Vec<&str> = rules::all_meta().iter().map(|m| m.id).collect();
    let mut dedup = ids.clone();
    dedup.dedup();
    assert_eq!(ids, dedup, "rule ids must be unique");
}

#[test]
fn suppression_comment_with_id_or_alias() {
    let text = "FROM alpine:3.20\n# bulkhead ignore=DL3020 vendored layout\nADD ./src /app\n# bulkhead ignore=DF014,sudo\nRUN chmod 777 /x && sudo ls\nADD ./b /b\nUSER 1000\n";
    let df = bulkhead_dockerfile::parse(text);
    let model = Model::build(&df);
    let options = CheckOptions::default();
    let ctx = CheckContext::new("Dockerfile", &df, &model, None, &options);
    let findings = rules::check(&ctx, &rules::registry());
    let ids: Vec<(&str, usize)> = findings
        .iter()
        .map(|f| {
            (
                f.rule_id.as_str(),
                f.location.span.map(|s| s.start_line).unwrap_or(0),
            )
        })
        .collect();
    assert!(!ids.contains(&("DF022", 3)), "{ids:?}");
    assert!(ids.contains(&("DF022", 6)), "{ids:?}");
    assert!(
        !ids.iter().any(|(id, _)| *id == "DF014" || *id == "DF012"),
        "{ids:?}"
    );
}
