use super::support::{HostNamespace, check_host_namespace};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container that shares the host's UTS namespace: `HostConfig.UTSMode: host` (`--uts host`).
    ///
    /// ## Why it matters
    /// The container can change the host's hostname and NIS domain name, which other services and logs rely
    /// on (CIS Docker Benchmark 5.21).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --uts host app:1
    /// ```
    ///
    /// ## Fix
    /// Remove `--uts host` (compose `uts: host`).
    pub struct HostUts {
        id: "CT019", name: "container-host-uts", title: "Container shares the host UTS namespace",
        severity: Medium, category: Security, aliases: ["CIS-5.21"],
        compliance: ["CIS-Docker-5.21", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `--uts host` (compose `uts: host`).",
        min_profile: Dev, fixable: false,
    }
}

const NS: HostNamespace = HostNamespace {
    field: "HostConfig.UTSMode",
    what: "UTS",
    get: |h| h.uts_mode.as_ref(),
    root_raises: false,
};

impl EngineRule for HostUts {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        check_host_namespace(ctx, &Self::META, &NS, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;
    use bulkhead_core::Severity;

    #[test]
    fn host_mode_only() {
        assert_eq!(reported(&HostUts), ["ct-host-uts"]);
        let f = run_named(&HostUts, "ct-host-uts");
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(
            f[0].message
                .contains("Config.User is empty (root); the processes run as root"),
            "{}",
            f[0].message
        );
        let other = variant("ct-host-uts", "other", |v| {
            v["inspect"]["HostConfig"]["UTSMode"] = serde_json::json!("");
        });
        assert!(run_on(&HostUts, other).is_empty());
    }
}
