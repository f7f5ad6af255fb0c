use super::support::resource_limit;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service without a PIDs limit: none of `pids_limit`, or `deploy.resources.limits.pids` is set, or the one set is unlimited
    /// (`0`, `-1`). Runs from the `production` profile: development does not demand limits.
    ///
    /// ## Why it matters
    /// Without a PIDs limit a fork bomb in one container exhausts the host's process table and takes every service down (CIS Docker Benchmark 5.29; KICS "Pids Limit Not Set").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: api:3
    /// ```
    ///
    /// ## Fix
    /// `pids_limit: 100` (or `deploy.resources.limits.pids: 100`).
    pub struct NoPidsLimit {
        id: "CP020", name: "compose-no-pids-limit", title: "Service has no PIDs limit",
        severity: Medium, category: Security, aliases: ["CIS-5.29", "Pids Limit Not Set"],
        compliance: ["CIS-Docker-5.29", "SOC2-A1.1"],
        remediation: "Set `pids_limit` (or `deploy.resources.limits.pids`).",
        min_profile: Production, fixable: true,
    }
}

impl ComposeRule for NoPidsLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        resource_limit(
            ctx,
            &Self::META,
            "PIDs",
            &[&["pids_limit"], &["deploy", "resources", "limits", "pids"]],
            out,
        );
    }
}
