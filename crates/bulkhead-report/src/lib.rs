//! Output formats for findings: a human report with annotated source snippets ([`render_human`]),
//! a stable JSON document ([`render_json`]) and SARIF 2.1.0 for code-scanning services ([`render_sarif`]).
//!
//! Every renderer takes the same [`ReportInput`] and returns the whole document as a `String`. None of them
//! panics, whatever the input: spans outside the source text, spans that split a UTF-8 character, empty
//! files and missing sources all degrade to a report without the snippet.
//!
//! Secrets: analyzers redact [`Evidence`](bulkhead_core::Evidence) before it gets here. The JSON and SARIF
//! documents never contain source text (no snippets, no `region.snippet`), because a secret can sit on the
//! very line a finding points at. The human report does show the source around a finding, but masks the
//! highlighted text of findings whose evidence was redacted.
//!
//! # JSON shape (`version` 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": { "name": "bulkhead", "version": "0.1.0" },
//!   "summary": {
//!     "files": 3,
//!     "findings": 7,
//!     "fixable": 4,
//!     "by_severity": { "critical": 1, "high": 3, "medium": 2, "low": 1, "info": 0 }
//!   },
//!   "findings": [ /* bulkhead_core::Finding, sorted by path, line, column, rule */ ],
//!   "diagnostics": [ { "path": "Dockerfile", "line": 12, "message": "unterminated heredoc" } ]
//! }
//! ```
//!
//! `by_severity` always has the five keys. A finding is serialized exactly as `bulkhead_core::Finding`
//! (optional fields absent when empty). `fixable` counts findings with a safe fix (applied by `--fix`).
//! A diagnostic's `line` is absent when unknown. Fields may be added in later versions of the same
//! `version`; renamed or removed fields bump it.

use bulkhead_core::{Finding, RuleMeta, Severity};
use serde::Serialize;
use std::borrow::Cow;

mod human;
mod json;
mod sarif;
mod text;

pub use human::{paint_severity, render_human};
pub use json::{JSON_VERSION, json_value, render_json, write_json};
pub use sarif::{
    FINGERPRINT_KEY, SARIF_SCHEMA_URI, artifact_uri, render_sarif, sarif_level, security_severity,
    write_sarif,
};

/// The tool name written into JSON and SARIF.
pub const TOOL_NAME: &str = "bulkhead";

/// A problem with an input (a file that could not be read or parsed), reported next to the findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputDiagnostic {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

impl InputDiagnostic {
    pub fn new(path: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        InputDiagnostic {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

/// Looks up the text of a file by the path used in findings; `None` when it is not available.
pub type SourceLookup<'a> = dyn Fn(&str) -> Option<Cow<'a, str>> + 'a;

/// Everything a renderer needs.
pub struct ReportInput<'a> {
    /// The findings to report, in any order (renderers sort them).
    pub findings: &'a [Finding],
    /// Metadata of the rules that ran (SARIF `tool.driver.rules`).
    pub rules: &'a [RuleMeta],
    /// Path to file text, used for snippets (human) and line fingerprints (SARIF).
    pub sources: &'a SourceLookup<'a>,
    pub tool_version: &'a str,
    pub files_scanned: usize,
    /// Problems with the inputs (unreadable or unparsable files).
    pub diagnostics: &'a [InputDiagnostic],
    /// What was scanned when it is one thing rather than files (`image alpine.tar`): the human summary
    /// then reads `in image alpine.tar` instead of counting files.
    pub subject: Option<&'a str>,
}

/// A source lookup that knows no files, for reports without snippets.
pub fn no_sources<'a>(_path: &str) -> Option<Cow<'a, str>> {
    None
}

/// The findings in report order: files first by path, line, column and rule, then findings located by
/// object only. Ties keep a deterministic order through the message.
pub(crate) fn sorted_findings(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    v
}

fn sort_key(f: &Finding) -> (bool, &str, usize, usize, &str, &str, &str) {
    let (line, col) = f
        .location
        .span
        .map(|s| (s.start_line, s.start_column))
        .unwrap_or((0, 0));
    let place = f
        .location
        .path
        .as_deref()
        .or(f.location.object.as_deref())
        .unwrap_or("");
    (
        f.location.path.is_none(),
        place,
        line,
        col,
        f.rule_id.as_str(),
        f.location.object.as_deref().unwrap_or(""),
        f.message.as_str(),
    )
}

/// Counts of findings by severity, most severe first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn of(findings: &[Finding]) -> Self {
        let mut c = SeverityCounts::default();
        for f in findings {
            *c.slot(f.severity) += 1;
        }
        c
    }

    fn slot(&mut self, s: Severity) -> &mut usize {
        match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }

    /// `(severity, count)` pairs from critical down to info.
    pub fn pairs(&self) -> [(Severity, usize); 5] {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Info, self.info),
        ]
    }
}

/// Whether `--fix` would apply the finding's fix.
pub(crate) fn is_fixable(f: &Finding) -> bool {
    f.fix.as_ref().is_some_and(|fix| fix.safe)
}

/// Pretty JSON with a final newline. Serializing these documents cannot fail (string keys only); should it
/// ever, the error is reported as a JSON string rather than a panic.
pub(crate) fn to_json_string<T: Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!(
            "{}\n",
            serde_json::Value::String(format!("serialization error: {e}"))
        ),
    }
}

/// Whether the finding's evidence went through `bulkhead_core::text::redact`, i.e. the finding points at
/// a secret.
pub(crate) fn evidence_is_redacted(f: &Finding) -> bool {
    f.evidence
        .as_ref()
        .is_some_and(|e| e.as_str().contains("****…("))
}
