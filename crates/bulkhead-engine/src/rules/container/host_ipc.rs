use super::support::{HostNamespace, check_host_namespace};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container that shares the host's IPC namespace: `HostConfig.IpcMode: host` (`--ipc host`).
    ///
    /// ## Why it matters
    /// The container reads and writes the host's shared memory segments, semaphores and message queues: data
    /// of host processes and a way to tamper with them (CIS Docker Benchmark 5.17).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --ipc host app:1
    /// ```
    ///
    /// ## Fix
    /// Remove `--ipc host` (compose `ipc: host`).
    pub struct HostIpc {
        id: "CT016", name: "container-host-ipc", title: "Container shares the host IPC namespace",
        severity: High, category: Security, aliases: ["CIS-5.17"],
        compliance: ["CIS-Docker-5.17", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `--ipc host` (compose `ipc: host`).",
        min_profile: Dev, fixable: false,
    }
}

const NS: HostNamespace = HostNamespace {
    field: "HostConfig.IpcMode",
    what: "IPC",
    get: |h| h.ipc_mode.as_ref(),
    root_raises: false,
};

impl EngineRule for HostIpc {
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
        assert_eq!(reported(&HostIpc), ["ct-host-ipc"]);
        let f = run_named(&HostIpc, "ct-host-ipc");
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].message
                .contains("Config.User is empty (root); the processes run as root"),
            "{}",
            f[0].message
        );
        let other = variant("ct-host-ipc", "other", |v| {
            v["inspect"]["HostConfig"]["IpcMode"] = serde_json::json!("private");
        });
        assert!(run_on(&HostIpc, other).is_empty());
    }
}
