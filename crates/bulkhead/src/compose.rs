//! Compose files in `bulkhead check`: projects grouped from the discovered files, loaded, checked with the
//! `CP` rules under the policy.

use bulkhead_compose::load::{LoadOptions, load};
use bulkhead_compose::rules::{ComposeCheckContext, ComposeCheckOptions, check_rules, registry};
use bulkhead_core::{Finding, Policy, RuleMeta};
use bulkhead_report::InputDiagnostic;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the compose part of a check produced.
#[derive(Default)]
pub struct ComposeResults {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<InputDiagnostic>,
    /// File texts, for the human report's snippets.
    pub sources: Vec<(String, String)>,
    /// Projects analysed / given.
    pub analysed: usize,
    pub total: usize,
    pub ran: Vec<RuleMeta>,
    /// The topology of each project analysed (for `--graph`).
    pub topologies: Vec<bulkhead_engine::graph::Topology>,
}

/// Group compose files into projects: an override file (`compose.override.yaml`) joins the file it overrides
/// in the same directory; every other file is a project of its own.
pub fn projects(files: &[PathBuf]) -> Vec<Vec<PathBuf>> {
    let mut by_base: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut order: Vec<PathBuf> = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let base = match name.find(".override.") {
            Some(i) => f.with_file_name(format!(
                "{}.{}",
                &name[..i],
                &name[i + ".override.".len()..]
            )),
            None => f.clone(),
        };
        let key = if base != *f && files.contains(&base) {
            base
        } else {
            f.clone()
        };
        if !by_base.contains_key(&key) {
            order.push(key.clone());
        }
        by_base.entry(key).or_default().push(f.clone());
    }
    order
        .into_iter()
        .filter_map(|k| {
            let mut group = by_base.remove(&k)?;
            // The base first, then its overrides.
            group.sort_by_key(|p| p != &k);
            Some(group)
        })
        .collect()
}

pub fn analyse(
    files: &[PathBuf],
    policy: &Policy,
    lookup: &dyn Fn(&str) -> Option<&'static RuleMeta>,
) -> ComposeResults {
    let mut out = ComposeResults::default();
    let enabled: Vec<_> = registry()
        .into_iter()
        .filter(|r| policy.rule_enabled(r.meta()))
        .collect();
    out.ran = enabled.iter().map(|r| *r.meta()).collect();
    let options = ComposeCheckOptions {
        profile: policy.profile,
    };
    let groups = projects(files);
    out.total = groups.len();
    for group in groups {
        let project = load(&group, &LoadOptions::default());
        for d in &project.diagnostics {
            out.diagnostics.push(InputDiagnostic::new(
                d.path.display().to_string(),
                (d.line > 0).then_some(d.line),
                if d.column > 0 {
                    format!("column {}: {}", d.column, d.message)
                } else {
                    d.message.clone()
                },
            ));
        }
        if project.model.is_none() {
            continue;
        }
        out.analysed += 1;
        let ctx = ComposeCheckContext {
            project: &project,
            options: &options,
        };
        out.findings
            .extend(policy.apply(check_rules(&ctx, &enabled), lookup));
        out.topologies.push(crate::compose_graph::topology(&ctx));
        for f in &project.files {
            out.sources
                .push((f.path.display().to_string(), f.text.clone()));
        }
    }
    out
}

/// The compose files as inputs of [`crate::fix::plan`]: each file's text as loaded, whether it is exactly the
/// file on disk, and the findings whose fix edits it.
pub fn fix_inputs(c: &ComposeResults) -> Vec<crate::check::FileResult> {
    let mut out: Vec<crate::check::FileResult> = Vec::new();
    for (path, text) in &c.sources {
        if out.iter().any(|r| r.display == *path) {
            continue;
        }
        let findings: Vec<Finding> = c
            .findings
            .iter()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .and_then(|x| x.edits.first())
                    .is_some_and(|e| e.path == *path)
            })
            .cloned()
            .collect();
        if findings.is_empty() {
            continue;
        }
        let exact = std::fs::read(path).is_ok_and(|b| b == text.as_bytes());
        out.push(crate::check::FileResult {
            display: path.clone(),
            text: Some(text.clone()),
            analysed: true,
            exact,
            findings,
            diagnostics: Vec::new(),
        });
    }
    out
}
