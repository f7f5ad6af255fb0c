use super::support::host_namespace;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service with `network_mode: host` (any case).
    ///
    /// ## Why it matters
    /// The service shares the host's network stack: it can bind any host port, reach services listening on the host's loopback and, with `NET_ADMIN`/`NET_RAW`, sniff or reconfigure the host's interfaces (CIS Docker Benchmark 5.10; KICS "Shared Host Network Namespace").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: app:1
    ///     network_mode: host
    /// ```
    ///
    /// ## Fix
    /// Remove `network_mode: host`; publish the ports needed (`ports: ["127.0.0.1:8080:8080"]`) on a user-defined network.
    pub struct HostNetwork {
        id: "CP011", name: "compose-host-network", title: "Service shares the host network namespace",
        severity: High, category: Security, aliases: ["CIS-5.10", "Shared Host Network Namespace"],
        compliance: ["CIS-Docker-5.10", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `network_mode: host`; publish the ports needed (`ports: [\"127.0.0.1:8080:8080\"]`) on a user-defined network.",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for HostNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        host_namespace(ctx, &Self::META, "network_mode", out);
    }
}
