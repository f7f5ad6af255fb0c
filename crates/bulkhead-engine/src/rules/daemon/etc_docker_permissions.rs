use super::{host_file, root_file_finding};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// When bulkhead runs on the engine's host, checks `/etc/docker` is owned by `root:root` with mode
    /// `0755` or stricter. High when others can write it. Quiet on a rootless engine.
    ///
    /// ## Why it matters
    /// `/etc/docker` holds `daemon.json`, TLS keys and registry certificates: write access there means
    /// replacing any of them (CIS Docker Benchmark 3.5 and 3.6).
    ///
    /// ## Example
    /// ```text
    /// $ stat -c '%U:%G %a' /etc/docker
    /// root:root 777
    /// ```
    ///
    /// ## Fix
    /// `chown root:root /etc/docker && chmod 755 /etc/docker`.
    pub struct EtcDockerPermissions {
        id: "DM013", name: "daemon-etc-docker-permissions", title: "/etc/docker ownership or permissions too open",
        severity: Medium, category: Security, aliases: ["CIS-3.5", "CIS-3.6", "check_3_5", "check_3_6"],
        compliance: ["CIS-Docker-3.5", "CIS-Docker-3.6"],
        remediation: "`chown root:root /etc/docker && chmod 755 /etc/docker`.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for EtcDockerPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.rootless() {
            return;
        }
        let Some(f) = host_file(ctx.snapshot, crate::host::ETC_DOCKER) else {
            return;
        };
        out.extend(root_file_finding(
            ctx,
            &Self::META,
            f,
            None,
            0o755,
            false,
            false,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;
    use bulkhead_core::Severity;

    #[test]
    fn modes() {
        let base = fixture("rootful-default.json");
        let ok = with_host(
            base.clone(),
            vec![file("/etc/docker", 0o755, 0, 0, "root", "root")],
            None,
            None,
        );
        assert!(run(&EtcDockerPermissions, &ok).is_empty());
        let bad = with_host(
            base.clone(),
            vec![file("/etc/docker", 0o777, 0, 0, "root", "root")],
            None,
            None,
        );
        let f = run(&EtcDockerPermissions, &bad);
        assert_eq!(objects(&f), ["daemon / /etc/docker"]);
        assert_eq!(f[0].severity, Severity::High);
        let grp = with_host(
            base,
            vec![file("/etc/docker", 0o755, 0, 999, "root", "docker")],
            None,
            None,
        );
        let f = run(&EtcDockerPermissions, &grp);
        assert_eq!(f[0].severity, Severity::Medium, "{}", f[0].message);
    }
}
