//! The human report: one block per finding, like ruff or rustc, then the input errors and a summary line.
//!
//! ```text
//! Dockerfile:5:1: DF001 [high] Final stage runs as root
//!   |
//! 5 | USER root
//!   | ^^^^^^^^^ the final stage runs as `root`
//!   |
//!   = evidence: USER root
//!   = help: Add a `USER` instruction with a non-root user
//!   = fix available (bulkhead check --fix): set USER to 10001
//!
//! error: Dockerfile.dev:12: unterminated heredoc
//! Found 1 finding (1 high) in 2 files; 1 fixable with --fix.
//! ```
//!
//! All text that comes from the scanned inputs (messages, evidence, paths, source lines) is cleaned of
//! control characters, so a crafted file cannot send escape sequences to the terminal.

use crate::text::{SourceCache, clean_line, clean_text};
use crate::{ReportInput, SeverityCounts, is_fixable, sorted_findings};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use bulkhead_core::{Finding, Severity};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

/// Renders the human report. With `color`, ANSI colours mark severities; without, the output is plain text.
pub fn render_human(input: &ReportInput<'_>, color: bool) -> String {
    let paint = Paint { on: color };
    let mut sources = SourceCache::new(input.sources);
    let mut out = String::new();

    let secrets = secret_ranges(input.findings, &mut sources);
    for f in sorted_findings(input.findings) {
        let masks = f
            .location
            .path
            .as_deref()
            .and_then(|p| secrets.get(p))
            .map_or(&[][..], Vec::as_slice);
        render_finding(&mut out, f, &mut sources, masks, paint);
        out.push('\n');
    }

    for d in input.diagnostics {
        let place = match d.line.filter(|&l| l > 0) {
            Some(line) => format!("{}:{line}", clean_line(&d.path)),
            None => clean_line(&d.path).into_owned(),
        };
        let _ = writeln!(
            out,
            "{}: {}: {}",
            paint.wrap(ERROR_STYLE, "error"),
            paint.wrap(BOLD, &place),
            clean_line(&d.message)
        );
    }

    out.push_str(&summary(input, paint));
    out.push('\n');
    out
}

fn render_finding(
    out: &mut String,
    f: &Finding,
    sources: &mut SourceCache<'_, '_>,
    secrets: &[Range<usize>],
    paint: Paint,
) {
    let loc = &f.location;
    let span = loc.span.filter(|s| s.start_line > 0);

    // Header: `path:line:col: RULE [severity] title`.
    let mut place = match (&loc.path, &loc.object) {
        (Some(p), _) => clean_line(p).into_owned(),
        (None, Some(o)) => clean_line(o).into_owned(),
        (None, None) => "<unknown location>".to_string(),
    };
    if let (Some(_), Some(s)) = (&loc.path, span) {
        let _ = write!(place, ":{}:{}", s.start_line, s.start_column.max(1));
    }
    let _ = writeln!(
        out,
        "{}: {} {} {}",
        paint.wrap(BOLD, &place),
        paint.wrap(BOLD, &clean_line(&f.rule_id)),
        paint.wrap(severity_style(f.severity), &format!("[{}]", f.severity)),
        clean_line(&f.title)
    );

    let message = clean_line(&f.message);
    let mut group = Group::with_level(level_for(f.severity));

    // The annotated snippet, when the file text is known and the span fits in it. Without the file
    // text (images, engines, or a caller that passes no sources), the message stands alone.
    let known = loc.path.as_deref().zip(span);
    match known.and_then(|(path, s)| Some((path, s, sources.get(path)?))) {
        Some((path, s, src)) => match src.resolve(&s).and_then(|r| src.excerpt(r, secrets)) {
            Some(ex) => {
                group = group.element(
                    Snippet::source(ex.text)
                        .line_start(ex.first_line)
                        .annotation(
                            AnnotationKind::Primary
                                .span(ex.range)
                                .label(message.to_string()),
                        ),
                );
            }
            None => {
                group = group
                    .element(Level::NOTE.no_name().message(message.to_string()))
                    .element(Level::NOTE.message(format!(
                        "location {}:{}-{}:{} is outside the text of {}",
                        s.start_line,
                        s.start_column,
                        s.end_line,
                        s.end_column,
                        clean_line(path)
                    )));
            }
        },
        None => group = group.element(Level::NOTE.no_name().message(message.to_string())),
    }

    if let (Some(_), Some(object)) = (&loc.path, &loc.object) {
        group = group.element(
            Level::NOTE
                .with_name("object")
                .message(clean_line(object).into_owned()),
        );
    }
    if let Some(e) = &f.evidence {
        group = group.element(
            Level::NOTE
                .with_name("evidence")
                .message(clean_line(e.as_str()).into_owned()),
        );
    }
    if !f.remediation.trim().is_empty() {
        group = group.element(Level::HELP.message(clean_text(f.remediation.trim()).into_owned()));
    }
    if let Some(fix) = &f.fix {
        let desc = clean_line(fix.description.trim());
        let text = match (is_fixable(f), desc.is_empty()) {
            (true, true) => "fix available (bulkhead check --fix)".to_string(),
            (true, false) => format!("fix available (bulkhead check --fix): {desc}"),
            (false, true) => "a fix is suggested but not applied by --fix".to_string(),
            (false, false) => format!("suggested fix (not applied by --fix): {desc}"),
        };
        group = group.element(Level::HELP.no_name().message(text));
    }

    let renderer = if paint.on {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    out.push_str(&renderer.render(&[group]));
    out.push('\n');
}

/// Findings whose evidence went through `bulkhead_core::text::redact` point at a secret. The text they
/// highlight is masked in every snippet of the file that shows it, theirs and other findings' alike.
fn secret_ranges(
    findings: &[Finding],
    sources: &mut SourceCache<'_, '_>,
) -> HashMap<String, Vec<Range<usize>>> {
    let mut out: HashMap<String, Vec<Range<usize>>> = HashMap::new();
    for f in findings.iter().filter(|f| crate::evidence_is_redacted(f)) {
        let (Some(path), Some(span)) = (f.location.path.as_deref(), f.location.span) else {
            continue;
        };
        if let Some(range) = sources.get(path).and_then(|src| src.resolve(&span)) {
            out.entry(path.to_string()).or_default().push(range);
        }
    }
    out
}

/// The snippet renderer's level, which only colours the underline and label.
fn level_for(s: Severity) -> Level<'static> {
    match s {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium => Level::WARNING,
        Severity::Low => Level::INFO,
        Severity::Info => Level::NOTE,
    }
}

fn summary(input: &ReportInput<'_>, paint: Paint) -> String {
    let files = match input.subject {
        Some(s) => s.to_string(),
        None => plural(input.files_scanned, "file", "files"),
    };
    if input.findings.is_empty() {
        return format!("No findings in {files}.");
    }
    let counts = SeverityCounts::of(input.findings);
    let parts: Vec<String> = counts
        .pairs()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| paint.wrap(severity_style(*s), &format!("{n} {s}")))
        .collect();
    let mut line = format!(
        "Found {} ({}) in {files}",
        plural(input.findings.len(), "finding", "findings"),
        parts.join(", ")
    );
    let fixable = input.findings.iter().filter(|f| is_fixable(f)).count();
    if fixable > 0 {
        let _ = write!(line, "; {fixable} fixable with --fix");
    }
    line.push('.');
    line
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

const BOLD: &str = "\x1b[1m";
const ERROR_STYLE: &str = "\x1b[1;91m";

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;97;41m",
        Severity::High => "\x1b[1;91m",
        Severity::Medium => "\x1b[1;33m",
        Severity::Low => "\x1b[1;94m",
        Severity::Info => "\x1b[1;92m",
    }
}

/// `text` in the colour every human report gives `severity` (unchanged when `color` is off), for
/// commands that lay out their own tables (vulnerabilities, the engine audit).
pub fn paint_severity(text: &str, severity: Severity, color: bool) -> String {
    Paint { on: color }.wrap(severity_style(severity), text)
}

/// ANSI styling that is a no-op when colour is off.
#[derive(Clone, Copy)]
struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(self, style: &str, text: &str) -> String {
        if self.on {
            format!("{style}{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}
