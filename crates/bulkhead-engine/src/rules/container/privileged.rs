use super::support::{RunsAs, host_config};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container started with `--privileged` (`HostConfig.Privileged: true`).
    ///
    /// ## Why it matters
    /// A privileged container has every capability, every host device, no seccomp or AppArmor profile and
    /// a writable `/sys`: root in it is root on the host, a mount of the host disk away (CIS Docker
    /// Benchmark 5.5). A non-root user inside lowers the odds, not the stakes: any privilege escalation
    /// in the container is an escalation on the host.
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{.HostConfig.Privileged}}' agent
    /// true
    /// ```
    ///
    /// ## Fix
    /// Remove `--privileged` (compose `privileged: true`); grant the one capability (`--cap-add`) or
    /// device (`--device`) the workload really needs.
    pub struct Privileged {
        id: "CT005", name: "container-privileged", title: "Privileged container",
        severity: Critical, category: Security, aliases: ["CIS-5.5"],
        compliance: ["CIS-Docker-5.5", "PCI-DSS-2.2.1", "PCI-DSS-7.2.1", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Remove `--privileged` (compose `privileged`); add only the needed `--cap-add`/`--device`.",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for Privileged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            if host_config(c).and_then(|h| h.privileged) != Some(true) {
                continue;
            }
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.Privileged",
                    format!(
                        "Privileged is true: every capability and host device, no seccomp/AppArmor ({})",
                        RunsAs::of(c).describe()
                    ),
                )
                .with_evidence(Evidence::plain("HostConfig.Privileged: true")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn privileged_only() {
        assert_eq!(reported(&Privileged), ["ct-privileged"]);
        let f = run_named(&Privileged, "ct-privileged");
        assert!(
            f[0].message.contains("Config.User is `1000`"),
            "{}",
            f[0].message
        );
    }
}
