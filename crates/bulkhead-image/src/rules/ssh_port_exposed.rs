use super::{ImageCheckContext, ImageRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags an image that exposes the SSH port: `22/tcp` (or `22`) in `Config.ExposedPorts`.
    ///
    /// ## Why it matters
    /// An exposed port 22 means an SSH server meant to run in the container: a network-facing login
    /// service with its own keys and passwords to manage, next to the one process the container should
    /// run (CIS Docker Benchmark 5.7). `docker exec` / `kubectl exec` give shell access without it.
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .Config.ExposedPorts}}' app:1
    /// {"22/tcp":{},"8080/tcp":{}}
    /// ```
    ///
    /// ## Fix
    /// Remove the SSH server and `EXPOSE 22` from the Dockerfile and rebuild; use `docker exec` for
    /// interactive access.
    pub struct SshPortExposed {
        id: "IM004", name: "ssh-port-exposed", title: "Image exposes the SSH port", severity: Medium,
        category: Security, aliases: ["DS-0004", "CIS-5.7"], compliance: ["CIS-Docker-5.7", "PCI-DSS-2.2.4"],
        remediation: "Remove the SSH server and `EXPOSE 22`; use `docker exec` for access.",
        min_profile: Dev, fixable: false,
    }
}

impl ImageRule for SshPortExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let Some(config) = ctx.config() else {
            return;
        };
        for port in &config.exposed_ports {
            let p = port.trim().to_ascii_lowercase();
            if p == "22" || p == "22/tcp" {
                out.push(
                    ctx.config_finding(
                        &Self::META,
                        "the image exposes port 22, an SSH server inside the container",
                        "ExposedPorts",
                    )
                    .with_evidence(Evidence::plain(format!("ExposedPorts: {port}"))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::run;
    use crate::testkit::ImageBuilder;

    #[test]
    fn port_22_only() {
        let f = run(
            &SshPortExposed,
            ImageBuilder::new("a").expose("8080/tcp").expose("22/tcp"),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.object.as_deref(), Some("config ExposedPorts"));
        assert_eq!(
            run(&SshPortExposed, ImageBuilder::new("a").expose("22")).len(),
            1
        );
        for p in ["2222/tcp", "22/udp", "220/tcp", "8022/tcp"] {
            assert!(
                run(&SshPortExposed, ImageBuilder::new("a").expose(p)).is_empty(),
                "{p}"
            );
        }
        assert!(run(&SshPortExposed, ImageBuilder::new("a").no_config()).is_empty());
    }
}
