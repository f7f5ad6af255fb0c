use super::docker_socket::is_engine_socket;
use super::support::{bind_mount, clean_path, finding, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

/// Host directories whose mount hands the service the host (exact paths: `/etc/ssl/certs` is not `/etc`).
const SENSITIVE: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/var/lib/docker",
    "/dev",
    "/usr",
    "/lib",
    "/var",
    "/run",
];

/// Whether a host path is sensitive: one of the directories above, or an `.ssh` directory (or a file in
/// it) under `/home/<user>`, `/root` or `~`.
pub fn is_sensitive(source: &str) -> bool {
    let p = clean_path(source);
    if SENSITIVE.contains(&p.as_str()) {
        return true;
    }
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    matches!(
        parts.as_slice(),
        ["home", _, ".ssh", ..] | ["root", ".ssh", ..] | ["~", ".ssh", ..]
    )
}

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
                let sev = match (clean_path(&m.source).as_str(), m.read_only) {
                    ("/", false) => Severity::Critical,
                    (_, false) => Severity::High,
                    _ => Severity::Medium,
                };
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
