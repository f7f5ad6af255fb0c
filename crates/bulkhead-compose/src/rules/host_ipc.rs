use super::support::host_namespace;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service with `ipc: host` (any case).
    ///
    /// ## Why it matters
    /// The service shares the host's shared memory segments, semaphores and message queues: it can read or corrupt other processes' shared memory (CIS Docker Benchmark 5.17; KICS "Shared Host IPC Namespace").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: app:1
    ///     ipc: host
    /// ```
    ///
    /// ## Fix
    /// Remove `ipc: host` (use `ipc: shareable` / `service:NAME` between services that need it).
    pub struct HostIpc {
        id: "CP013", name: "compose-host-ipc", title: "Service shares the host IPC namespace",
        severity: High, category: Security, aliases: ["CIS-5.17", "Shared Host IPC Namespace"],
        compliance: ["CIS-Docker-5.17", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `ipc: host` (use `ipc: shareable` / `service:NAME` between services that need it).",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for HostIpc {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        host_namespace(ctx, &Self::META, "ipc", out);
    }
}
