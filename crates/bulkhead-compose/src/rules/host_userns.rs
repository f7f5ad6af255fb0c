use super::support::host_namespace;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service with `userns_mode: host` (any case).
    ///
    /// ## Why it matters
    /// The service shares the host's user namespace even when the engine remaps users (`userns-remap`): root in the service is root on the host again (CIS Docker Benchmark 5.31; KICS "Shared Host User Namespace").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: app:1
    ///     userns_mode: host
    /// ```
    ///
    /// ## Fix
    /// Remove `userns_mode: host`.
    pub struct HostUserns {
        id: "CP014", name: "compose-host-userns", title: "Service shares the host user namespace",
        severity: Medium, category: Security, aliases: ["CIS-5.31", "Shared Host User Namespace"],
        compliance: ["CIS-Docker-5.31", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `userns_mode: host`.",
        min_profile: Staging, fixable: false,
    }
}

impl ComposeRule for HostUserns {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        host_namespace(ctx, &Self::META, "userns_mode", out);
    }
}
