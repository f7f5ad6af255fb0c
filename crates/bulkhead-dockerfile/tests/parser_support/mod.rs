//! Helpers shared by the parser tests.

use bulkhead_dockerfile::{DiagnosticLevel, Dockerfile};

/// The source text of a range, or `<bad range>` when it is out of bounds or splits a character.
pub fn src<'a>(df: &'a Dockerfile, r: &std::ops::Range<usize>) -> &'a str {
    df.text.get(r.clone()).unwrap_or("<bad range>")
}

/// The messages of the error diagnostics, in order.
pub fn errors(df: &Dockerfile) -> Vec<&str> {
    df.diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .map(|d| d.message.as_str())
        .collect()
}
