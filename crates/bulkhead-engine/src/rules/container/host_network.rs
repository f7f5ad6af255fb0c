use super::support::{HostNamespace, check_host_namespace};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container that shares the host's network namespace: `HostConfig.NetworkMode: host` (`--network
    /// host`).
    /// Critical when the container also runs as root and the engine does not remap root (userns-remap,
    /// rootless).
    ///
    /// ## Why it matters
    /// The container sees every host interface, can bind any host address and reach services listening on
    /// localhost (the engine's own API when it listens on TCP, metadata services), and no network isolation
    /// or published-port boundary applies to it (CIS Docker Benchmark 5.10).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --network host app:1
    /// ```
    ///
    /// ## Fix
    /// Remove `--network host` (compose `network_mode: host`): attach the container to a user-defined
    /// network (`--network app-net`) and publish only the ports needed, bound to one address.
    pub struct HostNetwork {
        id: "CT009", name: "container-host-network", title: "Container shares the host network namespace",
        severity: High, category: Security, aliases: ["CIS-5.10"],
        compliance: ["CIS-Docker-5.10", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `--network host` (compose `network_mode: host`).",
        min_profile: Dev, fixable: false,
    }
}

const NS: HostNamespace = HostNamespace {
    field: "HostConfig.NetworkMode",
    what: "network",
    get: |h| h.network_mode.as_ref(),
    root_raises: true,
};

impl EngineRule for HostNetwork {
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
        assert_eq!(reported(&HostNetwork), ["ct-host-net"]);
        let f = run_named(&HostNetwork, "ct-host-net");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].message
                .contains("Config.User is empty (root); the processes run as root"),
            "{}",
            f[0].message
        );
        let other = variant("ct-host-net", "other", |v| {
            v["inspect"]["HostConfig"]["NetworkMode"] = serde_json::json!("container:abc");
        });
        assert!(run_on(&HostNetwork, other).is_empty());
    }
}

#[cfg(test)]
mod root_tests {
    use super::*;
    use crate::rules::container::testkit::*;
    use bulkhead_core::Severity;

    #[test]
    fn high_when_not_root() {
        let user = variant("ct-host-net", "user", |v| {
            v["inspect"]["Config"]["User"] = serde_json::json!("1000");
            v["top"]["Processes"][0][0] = serde_json::json!("1000");
        });
        let f = run_on(&HostNetwork, user);
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].message
                .contains("Config.User is `1000`; the processes run as 1000"),
            "{}",
            f[0].message
        );
    }
}
