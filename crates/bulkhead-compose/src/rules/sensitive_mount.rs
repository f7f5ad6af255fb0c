use super::support::{bind_mount, finding, services};
use super::{ComposeCheckContext, ComposeRule};
pub use bulkhead_core::hardening::is_sensitive_host_path as is_sensitive;
use bulkhead_core::hardening::{is_engine_socket, sensitive_mount_severity};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a bind mount of a sensitive host directory (short or long `volumes` syntax): `/`, `/etc`,
    /// `/proc`, `/sys`, `/boot`, `/root`, `/usr`, `/lib`, `/var`, `/run`, `/var/lib/docker`, `/dev`, and
    /// `.ssh` directories. Only the directory itself counts: `/etc/ssl/certs:/etc/ssl/certs:ro` is not
    /// `/etc`. Engine sockets and their directories are CP009. Severity: `/` read-write is critical, any
    /// other read-write mount high, read-only medium.
    ///
    /// ## Why it matters
    /// A read-write `/etc` lets the service add a user or a cron job on the host; `/` is the whole host;
    /// read-only mounts still leak `/etc/shadow`, SSH keys and other containers' data (CIS Docker
    /// Benchmark 5.6; KICS "Volume Has Sensitive Host Directory").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: agent:1
    ///     volumes: ["/:/host"]
    /// ```
    ///
    /// ## Fix
    /// Mount only the file or subdirectory needed, read-only
    /// (`volumes: ["/etc/ssl/certs:/etc/ssl/certs:ro"]`), or use a named volume.
    pub struct SensitiveMount {
        id: "CP010", name: "compose-sensitive-host-mount", title: "Sensitive host directory mounted",
        severity: High, category: Security, aliases: ["CIS-5.6", "Volume Has Sensitive Host Directory"],
        compliance: ["CIS-Docker-5.6", "PCI-DSS-2.2.1", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Mount only the needed file or subdirectory read-only (`SRC:DST:ro` in `volumes`), or a named volume.",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for SensitiveMount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            let Some(vols) = svc.get("volumes").and_then(|v| v.as_seq()) else {
                continue;
            };
            for v in vols {
                let Some(m) = bind_mount(v) else { continue };
                if !is_sensitive(&m.source) || is_engine_socket(&m.source) {
                    continue;
                }
                let sev = sensitive_mount_severity(&m.source, !m.read_only);
                let mode = if m.read_only {
                    "read-only"
                } else {
                    "read-write"
                };
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        &svc,
                        v,
                        format!(
                            "service `{}` mounts the host's {} {mode} at {}",
                            svc.name, m.source, m.target
                        ),
                    )
                    .with_severity(sev)
                    .with_evidence(Evidence::plain(format!(
                        "volumes: {}:{}",
                        m.source, m.target
                    ))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_not_their_subdirectories() {
        for p in [
            "/etc/",
            "/",
            "/home/ann/.ssh",
            "~/.ssh",
            "/root/.ssh/id_rsa",
            "/var/lib/docker",
        ] {
            assert!(is_sensitive(p), "{p}");
        }
        for p in [
            "/etc/ssl/certs",
            "./data",
            "/srv/data",
            "/var/lib/docker-data",
            "/home/ann/src",
        ] {
            assert!(!is_sensitive(p), "{p}");
        }
    }
}
