use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service image without a `HEALTHCHECK`: the final stage (with the stages it builds on) runs a
    /// long-lived process (`CMD`/`ENTRYPOINT`, or `EXPOSE`d ports) and never declares `HEALTHCHECK`. An
    /// explicit `HEALTHCHECK NONE` is a decision and is respected. Low severity.
    ///
    /// ## Why it matters
    /// Without a health check the engine only knows whether the process exists, not whether it serves:
    /// a deadlocked service stays "running", restart policies and orchestrators never replace it
    /// (CIS Docker Benchmark 4.6).
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 8080
    /// CMD ["./server"]
    /// ```
    ///
    /// ## Fix
    /// `HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://127.0.0.1:8080/health || exit 1`
    /// (or the orchestrator's probes, e.g. Kubernetes liveness/readiness).
    pub struct NoHealthcheck {
        id: "DF020", name: "no-healthcheck", title: "No HEALTHCHECK in a service image", severity: Low,
        category: BestPractice, aliases: ["DS-0026", "CIS-4.6", "CIS-DI-0006"], compliance: ["CIS-Docker-4.6"],
        remediation: "Add a HEALTHCHECK instruction that probes the service.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for NoHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        let Some(stage) = ctx.model.final_stage() else {
            return;
        };
        let lineage = ctx.model.lineage(stage.index);
        let mut service = false;
        for &s in &lineage {
            let Some(st) = ctx.model.stages.get(s) else {
                continue;
            };
            for i in st.body.clone() {
                match ctx.df.instructions[i].kind {
                    InstructionKind::Healthcheck => return,
                    InstructionKind::Expose => service = true,
                    InstructionKind::Cmd | InstructionKind::Entrypoint => service = true,
                    _ => {}
                }
            }
        }
        if !service {
            return;
        }
        let from = &ctx.df.instructions[stage.from];
        out.push(ctx.finding(
            &Self::META,
            "the final stage runs a service but declares no HEALTHCHECK",
            &from.range,
        ));
    }
}
