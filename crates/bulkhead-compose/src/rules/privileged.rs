use super::support::{finding, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service with `privileged: true` (or `yes`, `on`).
    ///
    /// ## Why it matters
    /// A privileged container has every capability, every host device and no seccomp, AppArmor or
    /// SELinux confinement: root in it is root on the host (CIS Docker Benchmark 5.5; KICS "Privileged
    /// Containers Enabled").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: agent:1.4
    ///     privileged: true
    /// ```
    ///
    /// ## Fix
    /// Remove `privileged`; add back only the capability (`cap_add`) or device (`devices`) the service
    /// needs.
    pub struct Privileged {
        id: "CP001", name: "compose-privileged", title: "Privileged service",
        severity: Critical, category: Security, aliases: ["CIS-5.5", "Privileged Containers Enabled"],
        compliance: ["CIS-Docker-5.5", "PCI-DSS-2.2.1", "PCI-DSS-7.2.1", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Remove `privileged: true`; use `cap_add` / `devices` for what the service needs.",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for Privileged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            let Some(v) = svc.get("privileged") else {
                continue;
            };
            if v.as_bool() == Some(true) {
                let text = v.scalar_text().unwrap_or_default();
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        &svc,
                        v,
                        format!("service `{}` sets `privileged: {text}`", svc.name),
                    )
                    .with_evidence(Evidence::plain(format!("privileged: {text}"))),
                );
            }
        }
    }
}
