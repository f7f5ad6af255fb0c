use super::support::{cap_name, host_config};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::hardening::{is_critical_capability, is_dangerous_capability};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container given a dangerous capability through `HostConfig.CapAdd`: `ALL`, `SYS_ADMIN`,
    /// `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `DAC_READ_SEARCH`, `NET_RAW`, `SYS_RAWIO`, `SYS_BOOT`,
    /// `SYS_TIME`, `BPF`, `PERFMON` (any case, `CAP_` prefix or not). `ALL` and `SYS_ADMIN` are critical.
    ///
    /// ## Why it matters
    /// `SYS_ADMIN` allows mounts and is the classic container escape (cgroup `release_agent`);
    /// `SYS_MODULE` loads kernel modules; `DAC_READ_SEARCH` reads any host file through
    /// `open_by_handle_at` (the "shocker" escape); `SYS_PTRACE` attaches to other processes; `NET_ADMIN`
    /// and `NET_RAW` reconfigure and sniff the network (CIS Docker Benchmark 5.4, docker-bench C.5.3).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .HostConfig.CapAdd}}' tool
    /// ["SYS_ADMIN","NET_RAW"]
    /// ```
    ///
    /// ## Fix
    /// Remove the `--cap-add` (compose `cap_add`) and find the narrow capability or the host-side helper
    /// the service really needs.
    pub struct DangerousCapability {
        id: "CT004", name: "container-dangerous-capability", title: "Container given a dangerous capability",
        severity: High, category: Security,
        aliases: ["CIS-5.4", "C.5.3.1", "C.5.3.2", "C.5.3.3", "C.5.3.4"],
        compliance: ["CIS-Docker-5.4", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove the `--cap-add` of the dangerous capability (compose `cap_add`).",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for DangerousCapability {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let add = host_config(c)
                .and_then(|h| h.cap_add.clone())
                .unwrap_or_default();
            let bad: Vec<String> = add
                .iter()
                .map(|a| cap_name(a))
                .filter(|a| is_dangerous_capability(a))
                .collect();
            if bad.is_empty() {
                continue;
            }
            let sev = if bad.iter().any(|b| is_critical_capability(b)) {
                Severity::Critical
            } else {
                Self::META.severity
            };
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.CapAdd",
                    format!(
                        "CapAdd is [{}]; dangerous: {}",
                        add.join(", "),
                        bad.join(", ")
                    ),
                )
                .with_severity(sev)
                .with_evidence(Evidence::plain(format!(
                    "HostConfig.CapAdd: [{}]",
                    add.join(", ")
                ))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn dangerous_additions_only() {
        assert_eq!(reported(&DangerousCapability), ["ct-cap-add"]);
        let f = run_named(&DangerousCapability, "ct-cap-add");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].message.contains("SYS_ADMIN, NET_RAW"),
            "{}",
            f[0].message
        );
        let ptrace = variant("ct-defaults", "p", |v| {
            v["inspect"]["HostConfig"]["CapAdd"] = serde_json::json!(["cap_sys_ptrace", "CHOWN"]);
        });
        let f = run_on(&DangerousCapability, ptrace);
        assert_eq!((f.len(), f[0].severity), (1, Severity::High));
        assert!(
            f[0].message.ends_with("dangerous: SYS_PTRACE"),
            "{}",
            f[0].message
        );
    }
}
