use super::support::host_namespace;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service with `uts: host` (any case).
    ///
    /// ## Why it matters
    /// The service shares the host's hostname and NIS domain: the service can change the host's hostname (CIS Docker Benchmark 5.21).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: app:1
    ///     uts: host
    /// ```
    ///
    /// ## Fix
    /// Remove `uts: host`.
    pub struct HostUts {
        id: "CP015", name: "compose-host-uts", title: "Service shares the host UTS namespace",
        severity: Medium, category: Security, aliases: ["CIS-5.21"],
        compliance: ["CIS-Docker-5.21", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `uts: host`.",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for HostUts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        host_namespace(ctx, &Self::META, "uts", out);
    }
}
