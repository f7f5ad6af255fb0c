use super::seccomp_unconfined::unconfined;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `apparmor:unconfined` (or `apparmor=unconfined`) in a service's `security_opt`. A named
    /// profile (`apparmor:my-profile`) is not reported.
    ///
    /// ## Why it matters
    /// On AppArmor hosts Docker confines every container with `docker-default`, which denies writes to
    /// `/proc` and `/sys` files and mounts; unconfined removes that layer (CIS Docker Benchmark 5.2).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: app:1
    ///     security_opt: ["apparmor:unconfined"]
    /// ```
    ///
    /// ## Fix
    /// Remove the `apparmor:unconfined` entry from `security_opt`, or name a profile
    /// (`apparmor:my-profile`).
    pub struct ApparmorUnconfined {
        id: "CP007", name: "compose-apparmor-unconfined", title: "Service runs without AppArmor profile",
        severity: Medium, category: Security, aliases: ["CIS-5.2"],
        compliance: ["CIS-Docker-5.2", "PCI-DSS-2.2.1", "SOC2-CC6.8"],
        remediation: "Remove `apparmor:unconfined` from `security_opt`.",
        min_profile: Staging, fixable: false,
    }
}

impl ComposeRule for ApparmorUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        unconfined(ctx, &Self::META, "apparmor", out);
    }
}
