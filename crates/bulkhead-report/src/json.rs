//! The JSON report (shape documented in the crate docs). It holds the finding records and nothing read from
//! the scanned files: no source lines, no snippets.

use crate::{InputDiagnostic, ReportInput, SeverityCounts, TOOL_NAME, is_fixable, sorted_findings};
use bulkhead_core::Finding;
use serde::Serialize;

/// Version of the JSON shape.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool<'a>,
    summary: Summary,
    findings: Vec<&'a Finding>,
    diagnostics: &'a [InputDiagnostic],
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    fixable: usize,
    by_severity: SeverityCounts,
}

/// Renders the JSON report, pretty-printed, with a final newline.
pub fn render_json(input: &ReportInput<'_>) -> String {
    crate::to_json_string(&document(input))
}

/// The JSON report as a value, for callers that add their own top-level fields beside the report's.
pub fn json_value(input: &ReportInput<'_>) -> serde_json::Value {
    serde_json::to_value(document(input))
        .unwrap_or_else(|e| serde_json::Value::String(format!("serialization error: {e}")))
}

/// [`render_json`] written straight to `out` (no copy of the whole report in memory), with a final newline.
pub fn write_json(input: &ReportInput<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(input)).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

fn document<'a>(input: &'a ReportInput<'_>) -> Document<'a> {
    Document {
        version: JSON_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: input.tool_version,
        },
        summary: Summary {
            files: input.files_scanned,
            findings: input.findings.len(),
            fixable: input.findings.iter().filter(|f| is_fixable(f)).count(),
            by_severity: SeverityCounts::of(input.findings),
        },
        findings: sorted_findings(input.findings),
        diagnostics: input.diagnostics,
    }
}
