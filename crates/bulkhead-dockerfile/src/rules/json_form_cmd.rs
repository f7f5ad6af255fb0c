use super::{CheckContext, DockerfileRule};
use crate::ast::{Arguments, InstructionKind};
use bulkhead_core::{Finding, Fix, RuleMeta, TextEdit, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `CMD` and `ENTRYPOINT` in shell form (`CMD npm start`), including a JSON array BuildKit could not
    /// decode (single quotes, trailing text), which silently becomes shell form.
    ///
    /// ## Why it matters
    /// In shell form the container's PID 1 is `/bin/sh -c`, which does not forward `SIGTERM`: `docker stop`
    /// waits for its timeout and then kills the application without a clean shutdown. A shell-form
    /// `ENTRYPOINT` also ignores `CMD` and `docker run` arguments.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD npm start
    /// ```
    ///
    /// ## Fix
    /// `CMD ["npm", "start"]` (`bulkhead check --fix` rewrites simple commands; a command that needs shell
    /// features should be `CMD ["sh", "-c", "exec ..."]` or a script).
    pub struct JsonFormCmd {
        id: "DF031", name: "json-form-cmd", title: "CMD/ENTRYPOINT in shell form", severity: Low,
        category: Correctness, aliases: ["DL3025", "JSONArgsRecommended"], compliance: [],
        remediation: "Use the exec (JSON array) form: CMD [\"executable\", \"arg\"].",
        min_profile: Dev, fixable: true,
    }
}

/// The exec form of a simple shell command line, if it has no shell syntax.
pub(crate) fn exec_form(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    let plain = words.iter().all(|w| {
        w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    });
    if !plain {
        return None;
    }
    Some(format!(
        "[{}]",
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

impl DockerfileRule for JsonFormCmd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for ins in &ctx.df.instructions {
            if !matches!(ins.kind, InstructionKind::Cmd | InstructionKind::Entrypoint) {
                continue;
            }
            let Arguments::Shell { text, map } = &ins.args else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            // A JSON array BuildKit rejects (non-string element) is DF000's finding.
            let rejected = ctx.df.diagnostics.iter().any(|d| {
                d.level == crate::ast::DiagnosticLevel::Error
                    && d.range.start >= ins.range.start
                    && d.range.start <= ins.range.end
            });
            if rejected {
                continue;
            }
            let looks_json = text.trim_start().starts_with('[');
            let msg = if looks_json {
                format!(
                    "{} looks like a JSON array but is not valid JSON, so BuildKit runs it through a shell",
                    ins.kind.as_str()
                )
            } else {
                format!(
                    "{} in shell form runs under `/bin/sh -c`, which does not forward stop signals",
                    ins.kind.as_str()
                )
            };
            let mut f = ctx
                .finding(&Self::META, msg, &ins.range)
                .with_evidence(crate::rules::evidence(ctx.instruction_head(ins)));
            if !looks_json
                && !text.contains('\n')
                && let Some(exec) = exec_form(text)
            {
                let src = map.range_to_source(0..text.len());
                // only when the arguments are one contiguous source span
                if ctx.df.text.get(src.clone()) == Some(text.as_str()) {
                    f = f.with_fix(Fix {
                        description: format!("use the exec form {exec}"),
                        safe: true,
                        edits: vec![TextEdit {
                            path: ctx.path.to_string(),
                            start: src.start,
                            end: src.end,
                            replacement: exec,
                        }],
                    });
                }
            }
            out.push(f);
        }
    }
}
