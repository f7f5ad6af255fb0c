use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `COPY --from=<stage or image> / /`: copying the whole root filesystem of another stage or
    /// image over the root of this one. Assembling a tree elsewhere (`COPY --from=rootfs / /rootfs`) is not a
    /// finding.
    ///
    /// ## Why it matters
    /// It defeats the point of a multi-stage build: compilers, package caches, credentials used during the
    /// build, setuid binaries and the other stage's `/etc/passwd` all land in the final image, unreviewed.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY --from=builder / /
    /// ```
    ///
    /// ## Fix
    /// Copy only the artifacts: `COPY --from=builder /app/dist /app/dist`.
    pub struct CopyFromRoot {
        id: "DF018", name: "copy-from-root", title: "Whole filesystem copied from another stage", severity: Medium,
        category: Security, aliases: [], compliance: [],
        remediation: "Copy only the build artifacts the final image needs.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for CopyFromRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for ins in &ctx.df.instructions {
            if ins.kind != InstructionKind::Copy {
                continue;
            }
            let Some(from) = ins.flag("from").and_then(|f| f.value.clone()) else {
                continue;
            };
            let words = ins.words();
            if words.len() < 2 {
                continue;
            }
            let is_root = |s: &str| s == "/" || s == "/." || s == "/*";
            // `COPY --from=rootfs / /rootfs` assembles a directory tree: only a copy onto `/` is a finding.
            let dest_root = words.last().is_some_and(|(d, _)| d == "/" || d == "/.");
            if dest_root && words[..words.len() - 1].iter().any(|(s, _)| is_root(s)) {
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!("the entire filesystem of `{from}` is copied"),
                        &ins.range,
                    )
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                );
            }
        }
    }
}
