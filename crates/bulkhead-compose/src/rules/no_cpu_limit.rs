use super::support::resource_limit;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service without a CPU limit: none of `cpus`, `cpu_quota`, or `deploy.resources.limits.cpus` is set, or the one set is unlimited
    /// (`0`, `-1`). Runs from the `production` profile: development does not demand limits.
    ///
    /// ## Why it matters
    /// A service without a CPU limit can take every core: a busy loop or a crypto miner in one container starves the others (CIS Docker Benchmark 5.12; KICS "Cpus Not Limited").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: api:3
    /// ```
    ///
    /// ## Fix
    /// `cpus: 0.5` (or `deploy.resources.limits.cpus: "0.5"`).
    pub struct NoCpuLimit {
        id: "CP019", name: "compose-no-cpu-limit", title: "Service has no CPU limit",
        severity: Medium, category: Security, aliases: ["CIS-5.12", "Cpus Not Limited"],
        compliance: ["CIS-Docker-5.12", "SOC2-A1.1"],
        remediation: "Set `cpus` (or `deploy.resources.limits.cpus`).",
        min_profile: Production, fixable: false,
    }
}

impl ComposeRule for NoCpuLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        resource_limit(
            ctx,
            &Self::META,
            "CPU",
            &[
                &["cpus"],
                &["cpu_quota"],
                &["deploy", "resources", "limits", "cpus"],
            ],
            out,
        );
    }
}
