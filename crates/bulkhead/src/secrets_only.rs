//! `bulkhead check --secrets-only PATH...`: the secret engine over whole trees.

use crate::CheckArgs;
use crate::check::{emit, resolve, usage_error};
use bulkhead_core::{Evidence, Finding, Location, RuleMeta, Severity};
use bulkhead_report::InputDiagnostic;
use bulkhead_secrets::engine::{TreeOptions, scan_tree};
use bulkhead_secrets::{Engine, SecretMatch, SkipReason};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

fn join(root: &str, rel: &str) -> String {
    if root.is_empty() || root == "." {
        rel.to_string()
    } else {
        format!("{}/{}", root.trim_end_matches('/'), rel)
    }
}

fn secret_finding(display: &str, m: &SecretMatch) -> Option<Finding> {
    let span = m.span();
    let mut sev = m.rule.severity;
    if m.in_test_path {
        sev = sev.lowered();
    }
    Some(
        Finding::new(
            m.rule.meta()?,
            format!("{} in `{display}`", m.rule.title),
            Location::file(display).with_span(span),
        )
        .with_severity(sev.max(Severity::Low))
        .with_evidence(Evidence::from_redacted("", &m.redacted)),
    )
}

/// The engine's own wording of why a file was not scanned.
fn skip_note(display: &str, why: &SkipReason) -> InputDiagnostic {
    InputDiagnostic {
        path: display.to_string(),
        line: None,
        message: why.to_string(),
    }
}

pub fn run(args: CheckArgs) -> ExitCode {
    let paths = args.paths_or_cwd();
    let (policy, _options, _config) = match resolve(&args, &paths[0]) {
        Ok(v) => v,
        Err(e) => return usage_error(e),
    };
    let engine = Engine::global();
    let mut findings = Vec::new();
    let mut diagnostics = Vec::new();
    let mut scanned = 0usize;
    let mut total = 0usize;
    for p in &paths {
        let shown = p.display().to_string();
        let root = shown.strip_prefix("./").unwrap_or(&shown).to_string();
        match std::fs::metadata(p) {
            Err(e) => diagnostics.push(InputDiagnostic {
                path: root,
                line: None,
                message: format!("cannot read: {e}"),
            }),
            Ok(m) if m.is_file() => {
                total += 1;
                let outcome = engine.scan_file(p, &root);
                match &outcome.skipped {
                    Some(why) => diagnostics.push(skip_note(&root, why)),
                    None => scanned += 1,
                }
                findings.extend(
                    outcome
                        .matches
                        .iter()
                        .filter_map(|m| secret_finding(&root, m)),
                );
                if let Some(kind) = bulkhead_secrets::files::classify(&root) {
                    findings.push(sensitive_finding(&root, kind));
                }
            }
            Ok(_) => {
                let opts = TreeOptions {
                    respect_gitignore: args.respect_gitignore,
                    ..TreeOptions::default()
                };
                let report = scan_tree(engine, Path::new(p), &opts);
                // `files` lists the files with findings; the counts cover every file walked.
                scanned += report.files_scanned;
                total += report.files_scanned;
                for (rel, outcome) in &report.files {
                    let display = join(&root, rel);
                    if let Some(why) = &outcome.skipped {
                        diagnostics.push(skip_note(&display, why));
                    }
                    findings.extend(
                        outcome
                            .matches
                            .iter()
                            .filter_map(|m| secret_finding(&display, m)),
                    );
                }
                for (rel, why) in &report.skipped {
                    let display = join(&root, rel);
                    if !report.files.iter().any(|(r, _)| r == rel) {
                        total += 1;
                        diagnostics.push(skip_note(&display, why));
                    }
                }
                if report.truncated {
                    diagnostics.push(InputDiagnostic {
                        path: root.clone(),
                        line: None,
                        message: "more files than the scan limit: only the first ones were scanned"
                            .into(),
                    });
                }
                for (rel, kind) in &report.sensitive_files {
                    findings.push(sensitive_finding(&join(&root, rel), *kind));
                }
            }
        }
    }
    let lookup = |id: &str| crate::all_rule_meta().into_iter().find(|m| m.id == id);
    let findings = policy.apply(findings, lookup);
    let ran: Vec<RuleMeta> = bulkhead_secrets::rule::all_meta()
        .into_iter()
        .filter(|m| policy.rule_enabled(m))
        .copied()
        .collect();
    if total == 0 && diagnostics.is_empty() {
        eprintln!(
            "note: no files to scan under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let analysed = if total == 0 && diagnostics.is_empty() {
        1
    } else {
        scanned
    };
    emit(
        &args,
        &policy,
        findings,
        diagnostics,
        analysed,
        total,
        &ran,
        HashMap::new(),
    )
}

fn sensitive_finding(display: &str, kind: bulkhead_secrets::files::SensitiveKind) -> Finding {
    Finding::new(
        &bulkhead_secrets::rule::SENSITIVE_FILE,
        format!("`{display}` is {}", kind.description()),
        Location::file(display),
    )
    .with_severity(kind.severity)
}
