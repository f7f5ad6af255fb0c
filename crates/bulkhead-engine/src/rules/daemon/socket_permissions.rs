use super::permission_problem;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// When bulkhead runs on the engine's host, checks the daemon socket (`/var/run/docker.sock`, or the
    /// audited `unix://` socket): owner `root`, group `docker` (or `root`), mode `0660` or stricter.
    /// Critical when users outside that group can use it. Quiet on a rootless engine, whose socket belongs
    /// to its user.
    ///
    /// ## Why it matters
    /// Whoever can write to the socket controls the daemon, that is root on the host
    /// (CIS Docker Benchmark 3.15 and 3.16).
    ///
    /// ## Example
    /// ```text
    /// $ stat -c '%U:%G %a' /var/run/docker.sock
    /// root:docker 666
    /// ```
    ///
    /// ## Fix
    /// `chown root:docker /var/run/docker.sock && chmod 660 /var/run/docker.sock`; to make it last, set
    /// `SocketUser=root`, `SocketGroup=docker`, `SocketMode=0660` in `docker.socket` (or dockerd's
    /// `--group docker`).
    pub struct SocketPermissions {
        id: "DM011", name: "daemon-socket-permissions", title: "Docker socket ownership or permissions too open",
        severity: Medium, category: Security, aliases: ["CIS-3.15", "CIS-3.16", "check_3_15", "check_3_16"],
        compliance: ["CIS-Docker-3.15", "CIS-Docker-3.16", "PCI-DSS-7.2"],
        remediation: "`chown root:docker /var/run/docker.sock && chmod 660 /var/run/docker.sock` (SocketMode=0660 in docker.socket).",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for SocketPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let snap = ctx.snapshot;
        if snap.rootless() {
            return;
        }
        let Some(h) = snap.host_files.as_ref() else {
            return;
        };
        let audited = snap.host.strip_prefix("unix://");
        for f in &h.files {
            let is_rootful_socket =
                f.path == crate::host::DOCKER_SOCKET || f.path == "/run/docker.sock";
            if !f.exists || !(is_rootful_socket || Some(f.path.as_str()) == audited) {
                continue;
            }
            if let Some((why, severe)) = permission_problem(f, &["docker"], 0o660, false) {
                let mut x = ctx
                    .daemon_finding(&Self::META, &f.path, format!("the Docker socket is {why}"))
                    .with_evidence(Evidence::plain(format!(
                        "{}: {}:{} {:04o}",
                        f.path,
                        f.owner.as_deref().unwrap_or("?"),
                        f.group.as_deref().unwrap_or("?"),
                        f.mode.unwrap_or(0)
                    )));
                if severe {
                    x = x.with_severity(Severity::Critical);
                }
                out.push(x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn socket_modes() {
        let base = fixture("rootful-default.json");
        let ok = with_host(
            base.clone(),
            vec![file(
                "/var/run/docker.sock",
                0o660,
                0,
                998,
                "root",
                "docker",
            )],
            None,
            None,
        );
        assert!(run(&SocketPermissions, &ok).is_empty());
        let bad = with_host(
            base.clone(),
            vec![file(
                "/var/run/docker.sock",
                0o666,
                0,
                998,
                "root",
                "docker",
            )],
            None,
            None,
        );
        let f = run(&SocketPermissions, &bad);
        assert_eq!(objects(&f), ["daemon / /var/run/docker.sock"]);
        assert_eq!(f[0].severity, Severity::Critical);
        let grp = with_host(
            base.clone(),
            vec![file("/var/run/docker.sock", 0o660, 0, 100, "root", "users")],
            None,
            None,
        );
        let f = run(&SocketPermissions, &grp);
        assert_eq!(f[0].severity, Severity::Critical, "{}", f[0].message);
        assert!(f[0].message.contains("root:users"));
        let strict = with_host(
            base.clone(),
            vec![file("/var/run/docker.sock", 0o600, 0, 0, "root", "root")],
            None,
            None,
        );
        assert!(run(&SocketPermissions, &strict).is_empty());
        // The rootless socket of another daemon is not this rule's business; a rootless engine is quiet.
        let other = with_host(
            base,
            vec![file(
                "/run/user/1000/docker.sock",
                0o666,
                1000,
                1000,
                "app",
                "app",
            )],
            None,
            None,
        );
        assert!(run(&SocketPermissions, &other).is_empty());
        let rl = with_host(
            fixture("rootless.json"),
            vec![file("/var/run/docker.sock", 0o666, 0, 0, "root", "root")],
            None,
            None,
        );
        assert!(run(&SocketPermissions, &rl).is_empty());
    }
}
