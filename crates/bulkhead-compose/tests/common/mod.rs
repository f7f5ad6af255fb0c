//! Test support for the rule tests: YAML text to a positioned [`Node`] tree and a [`Project`].
//!
//! Fixtures load with the real loader; inline texts go through its YAML reader.
//! Once `bulkhead_compose::load::load` is in, [`project`] can call it instead; nothing else changes.

#![allow(dead_code)]

use bulkhead_compose::rules::{ComposeCheckContext, ComposeCheckOptions, check_rules, registry};
use bulkhead_compose::{Project, SourceFile};
use bulkhead_core::{Finding, Policy, Profile, Severity};
use std::path::{Path, PathBuf};

/// The rule fixtures' directory (the project directory of every fixture).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

/// Loads `tests/fixtures/rules/<name>` with the real loader (interpolation from an empty environment, so
/// the fixtures do not depend on the machine's variables).
pub fn project(name: &str) -> Project {
    let path = fixtures().join(name);
    let project = bulkhead_compose::load::load(
        std::slice::from_ref(&path),
        &bulkhead_compose::load::LoadOptions {
            env: Some(Vec::new()),
            ..Default::default()
        },
    );
    assert!(
        project.model.is_some(),
        "{}: {:?}",
        path.display(),
        project.diagnostics
    );
    project
}

/// A project from YAML text, as if read from `path`.
pub fn project_from_text(path: &Path, text: &str) -> Project {
    Project {
        files: vec![SourceFile {
            path: path.to_path_buf(),
            text: text.to_string(),
        }],
        // The loader's own YAML reader (positions, anchors, merge keys), without files around it.
        model: bulkhead_compose::load::yaml::parse(text, 0, None)
            .0
            .into_iter()
            .next(),
        diagnostics: Vec::new(),
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    }
}

/// Runs the rules matching `selector` (an id, or `ALL`) that the profile enables over a project, with the
/// profile's severities.
pub fn run(selector: &str, project: &Project, profile: Profile) -> Vec<Finding> {
    let options = ComposeCheckOptions { profile };
    let ctx = ComposeCheckContext {
        project,
        options: &options,
    };
    let policy = Policy::new(profile);
    let rules: Vec<_> = registry()
        .into_iter()
        .filter(|r| r.meta().matches(selector) && policy.rule_enabled(r.meta()))
        .collect();
    let metas: Vec<_> = rules.iter().map(|r| r.meta()).collect();
    policy.apply(check_rules(&ctx, &rules), |id| {
        metas.iter().copied().find(|m| m.id == id)
    })
}

/// The service a finding is about (`services.<name>` → `<name>`).
pub fn service(f: &Finding) -> &str {
    f.location
        .object
        .as_deref()
        .and_then(|o| o.strip_prefix("services."))
        .unwrap_or("")
}

/// The services reported, in order, deduplicated.
pub fn reported(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in findings {
        if !out.iter().any(|s| s == service(f)) {
            out.push(service(f).to_string());
        }
    }
    out
}

/// The services of a project whose names start with `bad`.
pub fn bad_services(project: &Project) -> Vec<String> {
    project
        .services()
        .into_iter()
        .map(|(n, _)| n.to_string())
        .filter(|n| n.starts_with("bad"))
        .collect()
}

/// The line a finding points at.
pub fn line(f: &Finding) -> usize {
    f.location.span.as_ref().map(|s| s.start_line).unwrap_or(0)
}

/// The highest severity among findings.
pub fn max_severity(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}
