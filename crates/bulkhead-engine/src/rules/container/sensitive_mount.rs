use super::support::mounts;
use crate::rules::{EngineCheckContext, EngineRule};
pub use bulkhead_core::hardening::is_sensitive_host_path as is_sensitive;
use bulkhead_core::hardening::sensitive_mount_severity;
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a bind mount of a sensitive host directory: `/`, `/etc`, `/proc`, `/sys`, `/boot`, `/root`,
    /// `/usr`, `/lib`, `/var`, `/run`, `/var/lib/docker`, `/dev`, and `.ssh` directories (`/root/.ssh`,
    /// `/home/*/.ssh`). Only the directory itself counts: a read-only bind of `/etc/ssl/certs` is not
    /// `/etc`. Severity: `/` read-write is critical, any other read-write mount high, read-only medium.
    ///
    /// ## Why it matters
    /// A read-write `/etc` lets the container add a user or a cron job on the host; `/` is the whole host;
    /// read-only mounts still leak `/etc/shadow`, SSH keys and the other containers' data
    /// (`/var/lib/docker`) (CIS Docker Benchmark 5.6).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d -v /:/host app:1
    /// ```
    ///
    /// ## Fix
    /// Mount only the file or subdirectory needed, read-only (`-v /etc/ssl/certs:/etc/ssl/certs:ro`,
    /// compose `volumes: ["/etc/ssl/certs:/etc/ssl/certs:ro"]`), or use a named volume.
    pub struct SensitiveMount {
        id: "CT006", name: "container-sensitive-host-mount", title: "Sensitive host directory mounted",
        severity: High, category: Security, aliases: ["CIS-5.6", "DKL-DI-0002"],
        compliance: ["CIS-Docker-5.6", "PCI-DSS-2.2.1", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Mount only the needed file or subdirectory, read-only (`-v SRC:DST:ro`), or a named volume.",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for SensitiveMount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            for m in mounts(c) {
                if m.kind != "bind" || !is_sensitive(&m.source) {
                    continue;
                }
                let mode = if m.rw { "read-write" } else { "read-only" };
                out.push(
                    ctx.container_finding(
                        &Self::META,
                        c,
                        "Mounts",
                        format!(
                            "the host's {} is mounted {mode} at {}",
                            m.source, m.destination
                        ),
                    )
                    .with_severity(sensitive_mount_severity(&m.source, m.rw))
                    .with_evidence(Evidence::plain(format!(
                        "Mounts: {}:{} ({mode})",
                        m.source, m.destination
                    ))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;
    use bulkhead_core::Severity;

    #[test]
    fn sensitive_directories_not_their_subdirectories() {
        assert_eq!(reported(&SensitiveMount), ["ct-host-etc", "ct-host-root"]);
        let f = run_named(&SensitiveMount, "ct-host-root");
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].message, "the host's / is mounted read-write at /host");
        let f = run_named(&SensitiveMount, "ct-host-etc");
        assert_eq!(f[0].severity, Severity::Medium);
        // ct-near-miss mounts /etc/ssl/certs read-only: not /etc.
        assert!(run_named(&SensitiveMount, "ct-near-miss").is_empty());
        for p in [
            "/home/ann/.ssh",
            "/root/.ssh/authorized_keys",
            "/etc/",
            "/var/lib/docker",
        ] {
            assert!(is_sensitive(p), "{p}");
        }
        for p in [
            "/home/ann/src",
            "/etc/ssl/certs",
            "/srv/data",
            "/var/lib/docker-data",
            "/tmp",
        ] {
            assert!(!is_sensitive(p), "{p}");
        }
    }
}
