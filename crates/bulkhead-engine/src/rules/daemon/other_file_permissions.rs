use super::root_file_finding;
use crate::host::{CERTS_D, ENV_FILES, UNIT_FILES};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// When bulkhead runs on the engine's host, checks the other files that configure the daemon:
    /// `docker.service` and `docker.socket` unit files and `/etc/default/docker`, `/etc/sysconfig/docker`
    /// (owner `root:root`, mode `0644` or stricter), and registry certificates under
    /// `/etc/docker/certs.d/` (owner `root:root`, mode `0444` or stricter). High when others can write
    /// one. Quiet on a rootless engine.
    ///
    /// ## Why it matters
    /// The unit file and environment files carry dockerd's flags (listeners, TLS, user namespaces);
    /// registry CA certificates decide which registries are trusted. Write access to any of them changes
    /// what the daemon runs or pulls (CIS Docker Benchmark 3.1 to 3.4, 3.7, 3.8, 3.19 to 3.22).
    ///
    /// ## Example
    /// ```text
    /// $ stat -c '%U:%G %a' /lib/systemd/system/docker.service
    /// root:root 666
    /// ```
    ///
    /// ## Fix
    /// `chown root:root FILE && chmod 644 FILE` (unit and environment files), `chmod 444` for registry
    /// certificates.
    pub struct DockerFilePermissions {
        id: "DM015", name: "daemon-config-file-permissions", title: "Docker configuration file ownership or permissions too open",
        severity: Medium, category: Security,
        aliases: ["CIS-3.1", "CIS-3.2", "CIS-3.3", "CIS-3.4", "CIS-3.7", "CIS-3.8", "CIS-3.19", "CIS-3.20", "CIS-3.21", "CIS-3.22",
                  "check_3_1", "check_3_2", "check_3_3", "check_3_4", "check_3_7", "check_3_8", "check_3_19", "check_3_20", "check_3_21", "check_3_22"],
        compliance: ["CIS-Docker-3.1", "CIS-Docker-3.3", "CIS-Docker-3.7", "CIS-Docker-3.19"],
        remediation: "`chown root:root FILE && chmod 644 FILE` (registry certificates: `chmod 444`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for DockerFilePermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.rootless() {
            return;
        }
        let Some(h) = ctx.snapshot.host_files.as_ref() else {
            return;
        };
        for f in h.files.iter().filter(|f| f.exists) {
            let max =
                if UNIT_FILES.contains(&f.path.as_str()) || ENV_FILES.contains(&f.path.as_str()) {
                    0o644
                } else if f.path.starts_with(&format!("{CERTS_D}/")) {
                    0o444
                } else {
                    continue;
                };
            out.extend(root_file_finding(
                ctx,
                &Self::META,
                f,
                None,
                max,
                false,
                true,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;
    use bulkhead_core::Severity;

    #[test]
    fn units_env_certs() {
        let files = vec![
            file(
                "/lib/systemd/system/docker.service",
                0o644,
                0,
                0,
                "root",
                "root",
            ),
            file(
                "/lib/systemd/system/docker.socket",
                0o666,
                0,
                0,
                "root",
                "root",
            ),
            file("/etc/default/docker", 0o644, 1000, 1000, "app", "app"),
            file(
                "/etc/docker/certs.d/reg:5000/ca.crt",
                0o644,
                0,
                0,
                "root",
                "root",
            ),
            file("/etc/docker/key.json", 0o644, 0, 0, "root", "root"),
        ];
        let f = run(
            &DockerFilePermissions,
            &with_host(fixture("rootful-default.json"), files, None, None),
        );
        assert_eq!(
            objects(&f),
            [
                "daemon / /lib/systemd/system/docker.socket",
                "daemon / /etc/default/docker",
                "daemon / /etc/docker/certs.d/reg:5000/ca.crt"
            ]
        );
        assert_eq!(f[0].severity, Severity::High);
        // Owned by a user who can write it.
        assert_eq!(f[1].severity, Severity::High);
        assert_eq!(f[2].severity, Severity::Medium);
        assert!(f[2].remediation.contains("chmod 444"));
    }
}
