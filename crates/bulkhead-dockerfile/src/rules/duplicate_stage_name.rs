use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags two stages with the same name (`AS build` twice; names compare case-insensitively).
    ///
    /// ## Why it matters
    /// BuildKit rejects duplicate stage names; older builders silently used the last one, so `COPY --from`
    /// copied from a different stage than the reader expects.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20 AS build
    /// FROM golang:1.22 AS build
    /// ```
    ///
    /// ## Fix
    /// Give every stage a unique name.
    pub struct DuplicateStageName {
        id: "DF034", name: "duplicate-stage-name", title: "Duplicate stage name", severity: Medium,
        category: Correctness, aliases: ["DL3024", "DS-0012"], compliance: [],
        remediation: "Rename one of the stages.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for DuplicateStageName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (k, st) in ctx.model.stages.iter().enumerate() {
            let Some(name) = &st.name else { continue };
            if let Some(first) = ctx.model.stages[..k]
                .iter()
                .find(|s| s.name.as_ref() == Some(name))
            {
                let from = &ctx.df.instructions[st.from];
                let (line, _) = ctx
                    .lines
                    .position(&ctx.df.text, ctx.df.instructions[first.from].range.start);
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!("stage name `{name}` is already used on line {line}"),
                        &from.range,
                    )
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(from))),
                );
            }
        }
    }
}
