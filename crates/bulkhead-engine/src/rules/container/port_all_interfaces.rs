use super::support::{host_config, published};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a port published on every host interface: a `HostConfig.PortBindings` entry whose `HostIp`
    /// is empty, `0.0.0.0` or `::` (`-p 8080:80`), and `HostConfig.PublishAllPorts` (`-P`, every exposed
    /// port on every interface). `-p 127.0.0.1:8080:80` or a specific address is fine.
    ///
    /// ## Why it matters
    /// Published ports bypass the host firewall's INPUT rules (Docker inserts its own DNAT rules), so a
    /// port meant for a local proxy or a database for one app is reachable from every network the host is
    /// on (CIS Docker Benchmark 5.14).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .HostConfig.PortBindings}}' db
    /// {"5432/tcp":[{"HostIp":"","HostPort":"5432"}]}
    /// ```
    ///
    /// ## Fix
    /// Bind to the interface that needs it: `-p 127.0.0.1:5432:5432` (compose
    /// `ports: ["127.0.0.1:5432:5432"]`), or do not publish and use a user-defined network.
    pub struct PortAllInterfaces {
        id: "CT013", name: "container-port-all-interfaces", title: "Port published on all host interfaces",
        severity: Medium, category: Security, aliases: ["CIS-5.14"],
        compliance: ["CIS-Docker-5.14", "PCI-DSS-1.3.1", "SOC2-CC6.6"],
        remediation: "Bind the port to one address: `-p 127.0.0.1:HOST:CONTAINER` (compose `ports`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for PortAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let mut open: Vec<String> = published(c)
                .iter()
                .filter(|p| matches!(p.host_ip.trim(), "" | "0.0.0.0" | "::" | "[::]"))
                .map(|p| p.describe())
                .collect();
            if host_config(c).and_then(|h| h.publish_all_ports) == Some(true) {
                open.push("every exposed port (PublishAllPorts is true)".into());
            }
            if open.is_empty() {
                continue;
            }
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.PortBindings",
                    format!("published on every host interface: {}", open.join(", ")),
                )
                .with_evidence(Evidence::plain(format!(
                    "HostConfig.PortBindings: {}",
                    open.join(", ")
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
    fn unbound_ports_only() {
        // ct-hardened and ct-near-miss publish on 127.0.0.1.
        assert_eq!(reported(&PortAllInterfaces), ["ct-ports", "ct-publish-all"]);
        assert_eq!(
            run_named(&PortAllInterfaces, "ct-publish-all")[0].message,
            "published on every host interface: every exposed port (PublishAllPorts is true)"
        );
        let f = run_named(&PortAllInterfaces, "ct-ports");
        assert_eq!(
            f[0].message,
            "published on every host interface: 0.0.0.0:80->80/tcp, 0.0.0.0:8081->8081/tcp"
        );
        let v6 = variant("ct-ports", "v6", |v| {
            v["inspect"]["HostConfig"]["PortBindings"] = serde_json::json!({
                "80/tcp": [{"HostIp": "::", "HostPort": "8080"}, {"HostIp": "10.0.0.5", "HostPort": "8080"}]
            });
        });
        let f = run_on(&PortAllInterfaces, v6);
        assert_eq!(
            f[0].message,
            "published on every host interface: :::8080->80/tcp"
        );
    }
}
