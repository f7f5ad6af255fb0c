use super::{DaemonConfig, host_file, root_file_finding};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// When bulkhead runs on the engine's host and `daemon.json` exists, checks it is owned by
    /// `root:root` with mode `0644` or stricter. High when others can write it. Quiet on a rootless
    /// engine.
    ///
    /// ## Why it matters
    /// `daemon.json` decides TLS, listeners, registries, user namespaces and the seccomp profile: whoever
    /// can write it reconfigures the daemon at its next start (CIS Docker Benchmark 3.17 and 3.18).
    ///
    /// ## Example
    /// ```text
    /// $ stat -c '%U:%G %a' /etc/docker/daemon.json
    /// app:app 664
    /// ```
    ///
    /// ## Fix
    /// `chown root:root /etc/docker/daemon.json && chmod 644 /etc/docker/daemon.json`.
    pub struct DaemonJsonPermissions {
        id: "DM012", name: "daemon-json-permissions", title: "daemon.json ownership or permissions too open",
        severity: Medium, category: Security, aliases: ["CIS-3.17", "CIS-3.18", "check_3_17", "check_3_18"],
        compliance: ["CIS-Docker-3.17", "CIS-Docker-3.18"],
        remediation: "`chown root:root /etc/docker/daemon.json && chmod 644 /etc/docker/daemon.json`.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for DaemonJsonPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.rootless() {
            return;
        }
        let cfg = DaemonConfig::of(ctx.snapshot);
        let path = cfg
            .json_path
            .unwrap_or_else(|| crate::host::DAEMON_JSON.to_string());
        let Some(f) = host_file(ctx.snapshot, &path) else {
            return;
        };
        out.extend(root_file_finding(
            ctx,
            &Self::META,
            f,
            None,
            0o644,
            false,
            true,
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
        assert!(
            run(
                &DaemonJsonPermissions,
                &with_host(base.clone(), vec![], None, Some("{}"))
            )
            .is_empty()
        );
        let mut f = file("/etc/docker/daemon.json", 0o666, 1000, 1000, "app", "app");
        f.content = Some("{}".into());
        let r = run(
            &DaemonJsonPermissions,
            &with_host(base.clone(), vec![f], None, None),
        );
        assert_eq!(objects(&r), ["daemon / /etc/docker/daemon.json"]);
        assert_eq!(r[0].severity, Severity::High);
        assert!(
            r[0].message.contains("app:app") && r[0].message.contains("0666"),
            "{}",
            r[0].message
        );
        let mut f = file("/etc/docker/daemon.json", 0o600, 0, 0, "root", "root");
        f.content = Some("{}".into());
        assert!(
            run(
                &DaemonJsonPermissions,
                &with_host(base.clone(), vec![f], None, None)
            )
            .is_empty()
        );
        // No daemon.json at all: nothing to check.
        assert!(run(&DaemonJsonPermissions, &with_host(base, vec![], None, None)).is_empty());
    }
}
