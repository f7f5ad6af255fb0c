use super::support::mounts;
use crate::rules::{EngineCheckContext, EngineRule};
pub use bulkhead_core::hardening::is_engine_socket;
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container with the engine's API socket mounted: a mount whose source is
    /// `/var/run/docker.sock`, `/run/docker.sock`, another `*docker.sock` (the rootless
    /// `/run/user/<uid>/docker.sock`), `containerd.sock`, `podman.sock`, or a directory holding them
    /// (`/var/run`, `/run`). Read-only does not help: the socket is an API, not a file.
    ///
    /// ## Why it matters
    /// Whoever can talk to the socket can start a privileged container with the host's `/` mounted: the
    /// container is root on the host (CIS Docker Benchmark 5.32).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d -v /var/run/docker.sock:/var/run/docker.sock ci-agent:1
    /// ```
    ///
    /// ## Fix
    /// Remove the socket mount (compose `volumes`); give tools that need the API a filtering proxy that
    /// allows only the calls they make, or a separate rootless engine.
    pub struct DockerSocket {
        id: "CT026", name: "container-docker-socket-mounted", title: "Docker socket mounted in the container",
        severity: Critical, category: Security, aliases: ["CIS-5.32"],
        compliance: ["CIS-Docker-5.32", "PCI-DSS-2.2.1", "PCI-DSS-7.2.1", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Remove the `-v /var/run/docker.sock:...` mount (compose `volumes`); use a filtering API proxy.",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for DockerSocket {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            for m in mounts(c) {
                if m.kind != "bind" || !is_engine_socket(&m.source) {
                    continue;
                }
                let mode = if m.rw { "read-write" } else { "read-only" };
                out.push(
                    ctx.container_finding(
                        &Self::META,
                        c,
                        "Mounts",
                        format!(
                            "the engine socket {} is mounted at {} ({mode})",
                            m.source, m.destination
                        ),
                    )
                    .with_evidence(Evidence::plain(format!(
                        "Mounts: {}:{}",
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

    #[test]
    fn sockets_and_their_directories() {
        assert_eq!(reported(&DockerSocket), ["ct-docker-sock"]);
        for p in [
            "/var/run/docker.sock",
            "/run/docker.sock",
            "/run/user/1000/docker.sock",
            "/home/ci/.docker/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/var/run/",
            "/run/user/1000",
        ] {
            assert!(is_engine_socket(p), "{p}");
        }
        for p in [
            "/var/run/app",
            "/srv/docker.socket.d",
            "/run/secrets",
            "/var/lib/docker",
        ] {
            assert!(!is_engine_socket(p), "{p}");
        }
    }
}
