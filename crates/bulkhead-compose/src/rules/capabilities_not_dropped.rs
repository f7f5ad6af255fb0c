use super::support::{cap_name, entries, finding, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service whose `cap_drop` does not hold `ALL` (any case, `CAP_` prefix or not), so it keeps
    /// Docker's default capability set. Privileged services are left to CP001.
    ///
    /// ## Why it matters
    /// The default set (`CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `NET_RAW`, `MKNOD`, ...) is
    /// far more than a web service needs, and each one widens what an attacker in the container can do
    /// (CIS Docker Benchmark 5.4; KICS "Container Capabilities Unrestricted").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: web:1
    ///     cap_add: [NET_BIND_SERVICE]
    /// ```
    ///
    /// ## Fix
    /// `cap_drop: [ALL]`, then `cap_add` only what the service needs (`NET_BIND_SERVICE` to bind a port
    /// below 1024).
    pub struct CapabilitiesNotDropped {
        id: "CP003", name: "compose-capabilities-not-dropped", title: "Service keeps the default capabilities",
        severity: Medium, category: Security, aliases: ["CIS-5.4", "Container Capabilities Unrestricted"],
        compliance: ["CIS-Docker-5.4", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Add `cap_drop: [ALL]` and `cap_add` only the capabilities needed.",
        min_profile: Staging, fixable: true,
    }
}

impl ComposeRule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            if svc.get("privileged").and_then(|n| n.as_bool()) == Some(true) {
                continue;
            }
            let drop = svc.get("cap_drop");
            let dropped: Vec<String> = drop
                .map(entries)
                .unwrap_or_default()
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            if dropped.iter().any(|c| cap_name(c) == "ALL") {
                continue;
            }
            let (node, msg) = match drop {
                Some(n) => (
                    n,
                    format!(
                        "service `{}` drops only [{}], not ALL",
                        svc.name,
                        dropped.join(", ")
                    ),
                ),
                None => (
                    &svc.key,
                    format!(
                        "service `{}` has no `cap_drop: [ALL]`: it keeps Docker's default capabilities",
                        svc.name
                    ),
                ),
            };
            out.push(
                finding(ctx, &Self::META, &svc, node, msg).with_evidence(Evidence::plain(
                    match drop {
                        Some(_) => format!("cap_drop: [{}]", dropped.join(", ")),
                        None => "cap_drop: (unset)".to_string(),
                    },
                )),
            );
        }
    }
}
