use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a stage with more than one `CMD`, or more than one `ENTRYPOINT`.
    ///
    /// ## Why it matters
    /// Only the last one takes effect; the others are dead code that misleads reviewers about what the
    /// container runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD ["nginx"]
    /// CMD ["node", "server.js"]
    /// ```
    ///
    /// ## Fix
    /// Keep one `CMD` (and one `ENTRYPOINT`) per stage.
    pub struct MultipleCmd {
        id: "DF030", name: "multiple-cmd", title: "Multiple CMD or ENTRYPOINT in a stage", severity: Low,
        category: Correctness, aliases: ["DL4003", "DL4004", "DS-0016", "DS-0007"], compliance: [],
        remediation: "Keep only the CMD/ENTRYPOINT that should take effect.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for MultipleCmd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for st in &ctx.model.stages {
            for kind in [InstructionKind::Cmd, InstructionKind::Entrypoint] {
                let idx: Vec<usize> = st
                    .body
                    .clone()
                    .filter(|&i| ctx.df.instructions[i].kind == kind)
                    .collect();
                if idx.len() < 2 {
                    continue;
                }
                for &i in &idx[..idx.len() - 1] {
                    let ins = &ctx.df.instructions[i];
                    out.push(
                        ctx.finding(
                            &Self::META,
                            format!(
                                "this {} is overridden by a later one in the same stage",
                                kind.as_str()
                            ),
                            &ins.range,
                        )
                        .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                    );
                }
            }
        }
    }
}
