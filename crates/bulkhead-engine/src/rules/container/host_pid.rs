use super::support::{HostNamespace, check_host_namespace};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container that shares the host's PID namespace: `HostConfig.PidMode: host` (`--pid host`).
    /// Critical when the container also runs as root and the engine does not remap root (userns-remap,
    /// rootless).
    ///
    /// ## Why it matters
    /// The container sees every host process with its command line and environment (secrets included), and as
    /// root can signal or ptrace them: the host's processes become the container's (CIS Docker Benchmark
    /// 5.16).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --pid host app:1
    /// ```
    ///
    /// ## Fix
    /// Remove `--pid host` (compose `pid: host`); a monitoring agent that needs host processes belongs on
    /// the host or in a dedicated, audited exception.
    pub struct HostPid {
        id: "CT015", name: "container-host-pid", title: "Container shares the host PID namespace",
        severity: High, category: Security, aliases: ["CIS-5.16"],
        compliance: ["CIS-Docker-5.16", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `--pid host` (compose `pid: host`).",
        min_profile: Dev, fixable: false,
    }
}

const NS: HostNamespace = HostNamespace {
    field: "HostConfig.PidMode",
    what: "PID",
    get: |h| h.pid_mode.as_ref(),
    root_raises: true,
};

impl EngineRule for HostPid {
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
        assert_eq!(reported(&HostPid), ["ct-host-pid"]);
        let f = run_named(&HostPid, "ct-host-pid");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].message
                .contains("Config.User is empty (root); the processes run as root"),
            "{}",
            f[0].message
        );
        let other = variant("ct-host-pid", "other", |v| {
            v["inspect"]["HostConfig"]["PidMode"] = serde_json::json!("container:abc");
        });
        assert!(run_on(&HostPid, other).is_empty());
    }
}
