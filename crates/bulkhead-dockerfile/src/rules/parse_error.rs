use super::{CheckContext, DockerfileRule};
use crate::ast::DiagnosticLevel;
use bulkhead_core::{Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports what BuildKit's parser would reject (unterminated heredoc, a JSON array with a non-string
    /// element, a bad `escape` directive, a file with no instructions) and what it warns about (empty
    /// continuation lines, unknown instructions).
    ///
    /// ## Why it matters
    /// A Dockerfile that does not parse does not build, and a warning today is an error in a later BuildKit.
    /// bulkhead still analyses the rest of the file, so other findings are reported alongside.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN <<EOF
    /// apt-get update
    /// ```
    ///
    /// ## Fix
    /// Follow the message: close the heredoc with its delimiter line, quote every JSON element, remove the
    /// empty continuation line.
    pub struct ParseError {
        id: "DF000", name: "parse-error", title: "Dockerfile syntax problem", severity: Medium,
        category: Correctness, aliases: [], compliance: [],
        remediation: "Correct the syntax so BuildKit can parse the file.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for d in &ctx.df.diagnostics {
            let sev = match d.level {
                DiagnosticLevel::Error => Severity::Medium,
                DiagnosticLevel::Warning => Severity::Low,
            };
            out.push(
                ctx.finding(&Self::META, d.message.clone(), &d.range)
                    .with_severity(sev),
            );
        }
    }
}
