use super::support::resource_limit;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service without a memory limit: none of `mem_limit`, or `deploy.resources.limits.memory` is set, or the one set is unlimited
    /// (`0`, `-1`). Runs from the `production` profile: development does not demand limits.
    ///
    /// ## Why it matters
    /// A service without a memory limit can take all of the host's memory: a leak or a crafted request (decompression bomb, huge upload) then gets other services OOM-killed (CIS Docker Benchmark 5.11; KICS "Memory Not Limited").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: api:3
    /// ```
    ///
    /// ## Fix
    /// `mem_limit: 256m` (or `deploy.resources.limits.memory: 256M`).
    pub struct NoMemoryLimit {
        id: "CP018", name: "compose-no-memory-limit", title: "Service has no memory limit",
        severity: Medium, category: Security, aliases: ["CIS-5.11", "Memory Not Limited"],
        compliance: ["CIS-Docker-5.11", "SOC2-A1.1"],
        remediation: "Set `mem_limit` (or `deploy.resources.limits.memory`).",
        min_profile: Production, fixable: false,
    }
}

impl ComposeRule for NoMemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        resource_limit(
            ctx,
            &Self::META,
            "memory",
            &[&["mem_limit"], &["deploy", "resources", "limits", "memory"]],
            out,
        );
    }
}
