use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a `WORKDIR` with a relative path. Paths starting with a variable (`$HOME/app`) and Windows paths
    /// (`C:\app`) are not checked.
    ///
    /// ## Why it matters
    /// A relative `WORKDIR` is resolved against the previous one (or the base image's), so the directory
    /// the application runs in depends on instructions elsewhere, possibly in the base image.
    ///
    /// ## Example
    /// ```dockerfile
    /// WORKDIR app
    /// ```
    ///
    /// ## Fix
    /// Use an absolute path: `WORKDIR /app`.
    pub struct RelativeWorkdir {
        id: "DF032", name: "relative-workdir", title: "Relative WORKDIR", severity: Low,
        category: Correctness, aliases: ["DL3000", "DS-0009"], compliance: [],
        remediation: "Use an absolute path in WORKDIR.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for RelativeWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for ins in &ctx.df.instructions {
            if ins.kind != InstructionKind::Workdir {
                continue;
            }
            let Some(p) = ins
                .args
                .shell_text()
                .map(|t| t.trim().trim_matches(|c| c == '"' || c == '\''))
            else {
                continue;
            };
            if p.is_empty() || p.starts_with('/') || p.starts_with('$') || p.starts_with('\\') {
                continue;
            }
            if p.len() >= 2 && p.as_bytes()[1] == b':' {
                continue; // C:\app
            }
            out.push(
                ctx.finding(
                    &Self::META,
                    format!("WORKDIR `{p}` is relative"),
                    &ins.range,
                )
                .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
            );
        }
    }
}
