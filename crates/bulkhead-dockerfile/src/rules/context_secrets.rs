//! Secrets inside the files a Dockerfile ships from its build context. These findings carry the secret
//! engine's rule ids (`SC...`) and point at the context file, with the COPY/ADD that ships it in the message.

use super::CheckContext;
use crate::ast::InstructionKind;
use bulkhead_core::{Evidence, Finding, Location, Severity, Span};
use std::collections::HashSet;

/// Findings for every secret in a context file that a COPY/ADD (not `--from`) of this Dockerfile ships.
pub fn context_secrets(ctx: &CheckContext) -> Vec<Finding> {
    let Some(bc) = ctx.context else {
        return Vec::new();
    };
    let final_lineage = ctx
        .model
        .final_stage()
        .map(|s| ctx.model.lineage(s.index))
        .unwrap_or_default();
    let root_display = {
        let r = bc.root().display().to_string();
        if r == "." || r.is_empty() {
            String::new()
        } else {
            format!("{}/", r.trim_start_matches("./").trim_end_matches('/'))
        }
    };
    let mut seen: HashSet<(String, usize, &'static str)> = HashSet::new();
    let mut out = Vec::new();
    for (i, ins) in ctx.df.instructions.iter().enumerate() {
        if !matches!(ins.kind, InstructionKind::Copy | InstructionKind::Add)
            || ins.flag("from").is_some()
            || !ins.heredocs.is_empty()
        {
            continue;
        }
        let words = ins.words();
        if words.len() < 2 {
            continue;
        }
        let in_final = ctx
            .model
            .stage_of(i)
            .is_some_and(|s| final_lineage.contains(&s.index));
        let (line, _) = ctx.lines.position(&ctx.df.text, ins.range.start);
        for (src, _) in &words[..words.len() - 1] {
            if src.contains("://") || src.starts_with("git@") {
                continue;
            }
            for f in bc.sources_matching(src) {
                // The Dockerfile's own secrets are reported by the Dockerfile rules.
                if format!("{root_display}{}", f.rel_path) == ctx.path.trim_start_matches("./") {
                    continue;
                }
                let Some(outcome) = bc.secrets_of(f) else {
                    continue;
                };
                for m in &outcome.matches {
                    if !seen.insert((f.rel_path.clone(), m.secret_range.start, m.rule.id)) {
                        continue;
                    }
                    let meta = m.rule.meta();
                    let mut sev = m.rule.severity;
                    if !in_final {
                        sev = sev.lowered();
                    }
                    if m.in_test_path {
                        sev = sev.lowered();
                    }
                    let len = m
                        .redacted
                        .rsplit('(')
                        .next()
                        .and_then(|t| t.split(' ').next())
                        .and_then(|n| n.parse::<usize>().ok())
                        .unwrap_or(1);
                    let span = Span {
                        start_line: m.line,
                        start_column: m.column,
                        end_line: m.line,
                        end_column: m.column + len,
                        byte_start: m.secret_range.start,
                        byte_end: m.secret_range.end,
                    };
                    let stage_note = if in_final {
                        ""
                    } else {
                        " (a build stage not in the final image, but in the build cache)"
                    };
                    out.push(
                        Finding::new(
                            meta,
                            format!(
                                "{} in `{}`, which the {} on line {line} of {} ships into the image{stage_note}",
                                m.rule.title,
                                f.rel_path,
                                ins.kind.as_str(),
                                ctx.path
                            ),
                            Location::file(format!("{root_display}{}", f.rel_path)).with_span(span),
                        )
                        .with_severity(sev.max(Severity::Low))
                        .with_evidence(Evidence::from_redacted("", &m.redacted)),
                    );
                }
            }
        }
    }
    out
}
