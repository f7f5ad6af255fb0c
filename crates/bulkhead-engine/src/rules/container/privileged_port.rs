use super::support::published;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a published port bound to a privileged host port (below 1024) in `HostConfig.PortBindings`,
    /// e.g. `-p 80:8080`. Ephemeral host ports (`-p 8080`) are not.
    ///
    /// ## Why it matters
    /// Ports below 1024 are the host's well-known services; mapping a container onto them makes it
    /// stand in for a system service and requires the engine's root privilege to bind (CIS Docker
    /// Benchmark 5.8). Usually a reverse proxy owns 80/443 and containers publish high ports.
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d -p 80:80 web:1
    /// ```
    ///
    /// ## Fix
    /// Publish a high host port (`-p 127.0.0.1:8080:80`, compose `ports: ["127.0.0.1:8080:80"]`) behind a
    /// reverse proxy, unless the container is that proxy.
    pub struct PrivilegedPort {
        id: "CT008", name: "container-privileged-host-port", title: "Container published on a privileged host port",
        severity: Low, category: Security, aliases: ["CIS-5.8"],
        compliance: ["CIS-Docker-5.8", "PCI-DSS-1.2.1"],
        remediation: "Publish a host port of 1024 or above (`-p 8080:80`, compose `ports`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for PrivilegedPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let low: Vec<String> = published(c)
                .iter()
                .filter(|p| p.host_port.parse::<u32>().is_ok_and(|n| n > 0 && n < 1024))
                .map(|p| p.describe())
                .collect();
            if low.is_empty() {
                continue;
            }
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.PortBindings",
                    format!("published on privileged host ports: {}", low.join(", ")),
                )
                .with_evidence(Evidence::plain(format!(
                    "HostConfig.PortBindings: {}",
                    low.join(", ")
                ))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn host_ports_below_1024() {
        assert_eq!(reported(&PrivilegedPort), ["ct-ports"]);
        let f = run_named(&PrivilegedPort, "ct-ports");
        assert_eq!(
            f[0].message,
            "published on privileged host ports: 0.0.0.0:80->80/tcp"
        );
        let eph = variant("ct-ports", "eph", |v| {
            v["inspect"]["HostConfig"]["PortBindings"] =
                serde_json::json!({"80/tcp": [{"HostIp": "", "HostPort": ""}]});
        });
        assert!(run_on(&PrivilegedPort, eph).is_empty());
    }
}
