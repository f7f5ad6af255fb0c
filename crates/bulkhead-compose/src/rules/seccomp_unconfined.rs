use super::support::{entries, finding, security_opt, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `seccomp:unconfined` (or `seccomp=unconfined`) in a service's `security_opt`. A custom
    /// profile (`seccomp:./profile.json`) is not reported.
    ///
    /// ## Why it matters
    /// Docker's default seccomp profile blocks about 50 system calls that containers do not need and
    /// that have carried kernel escapes (`keyctl`, `unshare`, `bpf`, ...); unconfined removes that filter
    /// (CIS Docker Benchmark 5.22; KICS "Default Seccomp Profile Disabled").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   debug:
    ///     image: tools:1
    ///     security_opt: ["seccomp:unconfined"]
    /// ```
    ///
    /// ## Fix
    /// Remove the `seccomp:unconfined` entry from `security_opt`, or give a profile that allows only the
    /// extra call needed (`seccomp:./profile.json`).
    pub struct SeccompUnconfined {
        id: "CP006", name: "compose-seccomp-unconfined", title: "Service runs without seccomp",
        severity: High, category: Security, aliases: ["CIS-5.22", "Default Seccomp Profile Disabled"],
        compliance: ["CIS-Docker-5.22", "PCI-DSS-2.2.1", "SOC2-CC6.8"],
        remediation: "Remove `seccomp:unconfined` from `security_opt`.",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for SeccompUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        unconfined(ctx, &Self::META, "seccomp", out);
    }
}

/// Reports `<kind>:unconfined` entries of `security_opt`.
pub(crate) fn unconfined(
    ctx: &ComposeCheckContext,
    meta: &RuleMeta,
    kind: &str,
    out: &mut Vec<Finding>,
) {
    for svc in services(ctx) {
        let Some(opts) = svc.get("security_opt") else {
            continue;
        };
        for (raw, node) in entries(opts) {
            let (name, value) = security_opt(&raw);
            if name == kind && value.is_some_and(|v| v.eq_ignore_ascii_case("unconfined")) {
                out.push(
                    finding(
                        ctx,
                        meta,
                        &svc,
                        node,
                        format!("service `{}` sets `{raw}` in security_opt", svc.name),
                    )
                    .with_evidence(Evidence::plain(format!("security_opt: {raw}"))),
                );
            }
        }
    }
}
