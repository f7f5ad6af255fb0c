use super::support::{bind_mount, finding, services};
use super::{ComposeCheckContext, ComposeRule};
pub use bulkhead_core::hardening::is_engine_socket;
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service that mounts the engine's API socket: a bind mount (short syntax
    /// `/var/run/docker.sock:/var/run/docker.sock`, or long syntax `type: bind, source: ...`) of
    /// `/var/run/docker.sock`, `/run/docker.sock`, another `*docker.sock`, `containerd.sock`,
    /// `podman.sock`, or a directory holding them (`/var/run`, `/run`). `:ro` does not help.
    ///
    /// ## Why it matters
    /// Whoever can talk to the socket can start a privileged container with the host's `/` mounted: the
    /// service is root on the host (CIS Docker Benchmark 5.32; KICS "Docker Socket Mounted In Container").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   ci:
    ///     image: ci-agent:1
    ///     volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    /// ```
    ///
    /// ## Fix
    /// Remove the socket from `volumes`; give tools that need the API a filtering proxy that allows only
    /// the calls they make.
    pub struct DockerSocket {
        id: "CP009", name: "compose-docker-socket-mounted", title: "Docker socket mounted in the service",
        severity: Critical, category: Security, aliases: ["CIS-5.32", "Docker Socket Mounted In Container"],
        compliance: ["CIS-Docker-5.32", "PCI-DSS-2.2.1", "PCI-DSS-7.2.1", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Remove the socket from `volumes`; use a filtering API proxy.",
        min_profile: Dev, fixable: false,
    }
}

impl ComposeRule for DockerSocket {
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
                if !is_engine_socket(&m.source) {
                    continue;
                }
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        &svc,
                        v,
                        format!(
                            "service `{}` mounts the engine socket {} at {}",
                            svc.name, m.source, m.target
                        ),
                    )
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
    fn sockets_and_their_directories() {
        for p in [
            "/var/run/docker.sock",
            "/run/user/1000/docker.sock",
            "/var/run/",
            "/run/podman/podman.sock",
        ] {
            assert!(is_engine_socket(p), "{p}");
        }
        for p in [
            "/var/run/app",
            "/run/secrets",
            "/var/lib/docker",
            "./docker.socket.d",
        ] {
            assert!(!is_engine_socket(p), "{p}");
        }
    }
}
