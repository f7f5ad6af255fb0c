use super::support::host_namespace;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service with `pid: host` (any case).
    ///
    /// ## Why it matters
    /// The service shares every process of the host: it can see their command lines and environment, signal them and, with `SYS_PTRACE`, attach to them (CIS Docker Benchmark 5.16; KICS "Host Namespace is Shared").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: app:1
    ///     pid: host
    /// ```
    ///
    /// ## Fix
    /// Remove `pid: host`.
    pub struct HostPid {
        id: "CP012", name: "compose-host-pid", title: "Service shares the host PID namespace",
        severity: High, category: Security, aliases: ["CIS-5.16", "Host Namespace is Shared"],
        compliance: ["CIS-Docker-5.16", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `pid: host`.",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for HostPid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        host_namespace(ctx, &Self::META, "pid", out);
    }
}
