use super::super::{EngineCheckContext, EngineRule};
use crate::graph::NetMode;
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a data-tier container (recognised by label, image name, server process or exposed port, as
    /// in `NW002`) with a port published on a public interface: `HostIp` empty,
    /// `0.0.0.0`, `::` or a public address in `NetworkSettings.Ports` (or `HostConfig.PortBindings` for a
    /// stopped container), or running in the host's network namespace (`--network host`), where
    /// whatever it listens on is on the host's interfaces.
    ///
    /// ## Why it matters
    /// A database, cache or broker published on every interface is one port scan away from the internet;
    /// Docker's port publishing also bypasses host firewalls managed with `ufw`/`firewalld` rules on the
    /// INPUT chain. Exposed Redis, Elasticsearch and MongoDB instances are routinely wiped or ransomed
    /// (CIS Docker Benchmark 5.14 "bind incoming container traffic to a specific host interface").
    ///
    /// ## Example
    /// ```text
    /// $ docker port db
    /// 5432/tcp -> 0.0.0.0:5432
    /// ```
    ///
    /// ## Fix
    /// Do not publish it: let the services that need it reach it over a (preferably `internal`) network.
    /// If the host itself needs it, bind to loopback: `docker run -p 127.0.0.1:5432:5432 ...`; compose:
    /// `ports: ["127.0.0.1:5432:5432"]`.
    pub struct DataTierPublished {
        id: "NW003", name: "data-tier-published-publicly",
        title: "Data-tier container published on a public interface",
        severity: High, category: Security, aliases: ["CIS-5.14"],
        compliance: ["CIS-Docker-5.14", "PCI-DSS-1.3.1", "PCI-DSS-1.4.1", "HIPAA-164.312(e)(1)", "SOC2-CC6.6"],
        remediation: "Do not publish the data tier; if the host needs it, `-p 127.0.0.1:5432:5432` (compose `ports: [\"127.0.0.1:5432:5432\"]`).",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for DataTierPublished {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let topo = super::topology(ctx);
        for c in &topo.containers {
            let Some(why) = &c.data_tier else { continue };
            let Some(container) = ctx.snapshot.containers.iter().find(|x| x.name() == c.name)
            else {
                continue;
            };
            if c.mode == NetMode::Host {
                let ports = if c.ports.is_empty() {
                    "its ports".to_string()
                } else {
                    c.ports.join(", ")
                };
                out.push(
                    ctx.container_finding(
                        &Self::META,
                        container,
                        "HostConfig.NetworkMode",
                        format!(
                            "data-tier container {} ({why}) runs with NetworkMode \"host\": {ports} listen on the host's interfaces",
                            c.name
                        ),
                    )
                    .with_evidence(Evidence::plain("NetworkMode: host"))
                    .with_remediation(
                        "Run it on a user-defined network (`docker run --network backend`, compose: drop `network_mode: host`); publish only to loopback if the host needs it (`-p 127.0.0.1:PORT:PORT`).",
                    ),
                );
                continue;
            }
            let public = c.public_ports();
            if public.is_empty() {
                continue;
            }
            let field = if c.running {
                "NetworkSettings.Ports"
            } else {
                "HostConfig.PortBindings"
            };
            let shown: Vec<String> = public.iter().map(|p| p.display()).collect();
            out.push(
                ctx.container_finding(
                    &Self::META,
                    container,
                    field,
                    format!(
                        "data-tier container {} ({why}) is published on a public interface: {}",
                        c.name,
                        shown.join(", ")
                    ),
                )
                .with_evidence(Evidence::plain(format!("{field}: {}", shown.join(", "))))
                .with_remediation(format!(
                    "Remove the published port (clients reach it over a network), or bind it to loopback: `{}`; compose: `ports: [\"127.0.0.1:HOST:CONTAINER\"]`.",
                    super::loopback_flags(&[c])
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::network::test_support::{fixture, objects, run};

    #[test]
    fn public_database_only() {
        let f = run(&DataTierPublished, &fixture("misc.json"));
        assert_eq!(
            objects(&f),
            vec!["container nw-misc-pubdb / NetworkSettings.Ports"]
        );
        assert!(f[0].message.contains("0.0.0.0:"), "{}", f[0].message);
        assert!(
            f[0].remediation.contains("-p 127.0.0.1:"),
            "{}",
            f[0].remediation
        );
        // The flat db is not published; the segmented web is on loopback and is no data tier.
        assert!(run(&DataTierPublished, &fixture("flat.json")).is_empty());
        assert!(run(&DataTierPublished, &fixture("segmented.json")).is_empty());
    }

    #[test]
    fn host_network_data_tier() {
        let mut snap = fixture("misc.json");
        for c in &mut snap.containers {
            if c.name() == "nw-misc-hostnet"
                && let Some(cf) = c.inspect.config.as_mut()
            {
                cf.image = Some("redis:7".into());
            }
        }
        let f = run(&DataTierPublished, &snap);
        assert_eq!(
            objects(&f),
            vec![
                "container nw-misc-hostnet / HostConfig.NetworkMode",
                "container nw-misc-pubdb / NetworkSettings.Ports"
            ]
        );
    }

    #[test]
    fn tier_label_overrides_image() {
        let mut snap = fixture("misc.json");
        for c in &mut snap.containers {
            if c.name() == "nw-misc-pubdb"
                && let Some(cf) = c.inspect.config.as_mut()
            {
                cf.labels
                    .get_or_insert_with(Default::default)
                    .insert("bulkhead.tier".into(), "app".into());
            }
        }
        assert!(run(&DataTierPublished, &snap).is_empty());
    }
}
