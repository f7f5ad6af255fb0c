use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `COPY --from=<name>` where `<name>` is neither an earlier stage (by name or index) nor an image
    /// reference, and `COPY --from` naming the stage it is in.
    ///
    /// ## Why it matters
    /// BuildKit treats an unknown name as an image to pull: a typo in a stage name silently copies from a
    /// Docker Hub image of that name, code from a stranger, instead of failing. Copying from the current stage
    /// is an error.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// FROM alpine:3.20
    /// COPY --from=biuld /out/app /app
    /// ```
    ///
    /// ## Fix
    /// Name an earlier stage exactly (`--from=build`), or a fully qualified image (`--from=docker.io/library/nginx:1.27`).
    pub struct CopyFromUnknownStage {
        id: "DF033", name: "copy-from-unknown-stage", title: "COPY --from an unknown stage", severity: Medium,
        category: Correctness, aliases: ["DL3022", "DL3023", "DS-0006"], compliance: [],
        remediation: "Reference a previously defined stage name, or a fully qualified image.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for CopyFromUnknownStage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (i, ins) in ctx.df.instructions.iter().enumerate() {
            if ins.kind != InstructionKind::Copy {
                continue;
            }
            let Some(flag) = ins.flag("from") else {
                continue;
            };
            let Some(v) = flag.value.as_deref() else {
                continue;
            };
            if v.contains('$') {
                continue;
            }
            let Some(stage) = ctx.model.stage_of(i) else {
                continue;
            };
            let name = v.to_ascii_lowercase();
            if stage.name.as_deref() == Some(name.as_str()) {
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!("`--from={v}` names the stage this COPY is in"),
                        &flag.range,
                    )
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                );
                continue;
            }
            let earlier = ctx.model.stages[..stage.index]
                .iter()
                .any(|s| s.name.as_deref() == Some(name.as_str()));
            let index_ok = v.parse::<usize>().is_ok_and(|n| n < stage.index);
            let looks_like_image = v.contains(['/', ':', '.', '@']);
            if earlier || index_ok || looks_like_image {
                continue;
            }
            let later = ctx
                .model
                .stages
                .iter()
                .any(|s| s.name.as_deref() == Some(name.as_str()));
            let msg = if later {
                format!(
                    "`--from={v}` names a stage defined later; stages can only copy from earlier ones"
                )
            } else if v.parse::<usize>().is_ok() {
                format!("`--from={v}` is not the index of an earlier stage")
            } else {
                format!("no stage is named `{v}`: BuildKit will pull an image called `{v}` instead")
            };
            out.push(
                ctx.finding(&Self::META, msg, &flag.range)
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
            );
        }
    }
}
