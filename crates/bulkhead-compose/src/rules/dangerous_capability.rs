use super::support::{entries, finding, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::hardening::{is_critical_capability, is_dangerous_capability};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags each dangerous capability in a service's `cap_add`: `ALL`, `SYS_ADMIN`, `NET_ADMIN`,
    /// `SYS_PTRACE`, `SYS_MODULE`, `DAC_READ_SEARCH`, `NET_RAW`, `SYS_RAWIO`, `SYS_BOOT`, `SYS_TIME`,
    /// `BPF`, `PERFMON` (any case, `CAP_` prefix or not). `ALL` and `SYS_ADMIN` are critical. Narrow
    /// capabilities such as `NET_BIND_SERVICE` or `CHOWN` are not reported.
    ///
    /// ## Why it matters
    /// `SYS_ADMIN` allows mounts and is the classic container escape; `SYS_MODULE` loads kernel modules;
    /// `DAC_READ_SEARCH` reads any host file (the "shocker" escape); `SYS_PTRACE` attaches to other
    /// processes; `NET_ADMIN` and `NET_RAW` reconfigure and sniff the network (CIS Docker Benchmark 5.4).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vpn:
    ///     image: vpn:2
    ///     cap_add: [NET_ADMIN, SYS_ADMIN]
    /// ```
    ///
    /// ## Fix
    /// Remove the capability from `cap_add`; keep `cap_drop: [ALL]` and add back only narrow ones
    /// (`cap_add: [NET_BIND_SERVICE]`).
    pub struct DangerousCapability {
        id: "CP002", name: "compose-dangerous-capability", title: "Service given a dangerous capability",
        severity: High, category: Security, aliases: ["CIS-5.4"],
        compliance: ["CIS-Docker-5.4", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove the capability from `cap_add`.",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for DangerousCapability {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            let Some(add) = svc.get("cap_add") else {
                continue;
            };
            for (raw, node) in entries(add) {
                if !is_dangerous_capability(&raw) {
                    continue;
                }
                let sev = if is_critical_capability(&raw) {
                    Severity::Critical
                } else {
                    Self::META.severity
                };
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        &svc,
                        node,
                        format!("service `{}` adds the capability `{raw}`", svc.name),
                    )
                    .with_severity(sev)
                    .with_evidence(Evidence::plain(format!("cap_add: {raw}"))),
                );
            }
        }
    }
}
