use super::super::{EngineCheckContext, EngineRule};
use crate::graph::{NetKind, NetMode};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container attached to the default `bridge` network (`docker0`): `HostConfig.NetworkMode`
    /// `default`/`bridge`, or `bridge` among its `NetworkSettings.Networks`. Containers in `host`, `none`
    /// or `container:` network mode are not on it.
    ///
    /// ## Why it matters
    /// Every container started without `--network` lands on the default bridge, where all of them can
    /// reach each other on every port (inter-container communication is on by default) and none resolve
    /// each other by name: unrelated applications share one segment and a compromised container can probe
    /// all the others (CIS Docker Benchmark v1.6.0 5.30; 5.29 in v1.2.0).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{.HostConfig.NetworkMode}}' web
    /// default
    /// ```
    ///
    /// ## Fix
    /// Give each application its own network: `docker network create app`, then
    /// `docker run --network app ...` (`docker network disconnect bridge web` for a running container).
    /// Compose does this by default (one network per project); do not set `network_mode: bridge`.
    pub struct DefaultBridgeNetwork {
        id: "NW001", name: "default-bridge-network", title: "Container on the default bridge network",
        severity: Low, category: Security, aliases: ["CIS-5.30"],
        compliance: ["CIS-Docker-5.30", "PCI-DSS-1.3"],
        remediation: "`docker network create app` and `docker run --network app`; compose: drop `network_mode: bridge`.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for DefaultBridgeNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let topo = super::topology(ctx);
        for c in &topo.containers {
            if c.mode != NetMode::Networks {
                continue;
            }
            let Some(bridge) = c.networks.iter().find(|n| {
                topo.network(n)
                    .is_some_and(|net| net.kind == NetKind::DefaultBridge)
            }) else {
                continue;
            };
            let Some(container) = ctx.snapshot.containers.iter().find(|x| x.name() == c.name)
            else {
                continue;
            };
            let mode = container
                .inspect
                .host_config
                .as_ref()
                .and_then(|h| h.network_mode.clone())
                .unwrap_or_default();
            let (field, message) = if mode.is_empty() || mode == "default" || mode == "bridge" {
                (
                    "HostConfig.NetworkMode".to_string(),
                    format!(
                        "NetworkMode is {mode:?}: the container is on the default bridge network `{bridge}` (docker0), shared with every container started without --network"
                    ),
                )
            } else {
                (
                    format!("NetworkSettings.Networks.{bridge}"),
                    format!(
                        "the container is also connected to the default bridge network `{bridge}` (NetworkMode is {mode:?})"
                    ),
                )
            };
            let others: Vec<&str> = topo
                .network(bridge)
                .map(|n| {
                    n.containers
                        .iter()
                        .filter(|o| **o != c.name)
                        .map(String::as_str)
                        .collect()
                })
                .unwrap_or_default();
            let mut evidence = format!("Networks: [{}]", c.networks.join(", "));
            if !others.is_empty() {
                evidence.push_str(&format!("; also on {bridge}: {}", others.join(", ")));
            }
            let f = ctx
                .container_finding(&Self::META, container, &field, message)
                .with_evidence(Evidence::plain(evidence))
                .with_remediation(format!(
                    "`docker network create app && docker network connect app {0} && docker network disconnect {bridge} {0}` (or `docker run --network app`); compose: drop `network_mode: bridge`.",
                    c.name
                ));
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::network::test_support::{fixture, objects, run};

    #[test]
    fn default_bridge_only() {
        let f = run(&DefaultBridgeNetwork, &fixture("misc.json"));
        // The public database runs on the default bridge; the host-network container and the ones on a
        // user network are not flagged.
        assert_eq!(
            objects(&f),
            vec!["container nw-misc-pubdb / HostConfig.NetworkMode"]
        );
        assert!(f[0].message.contains("\"default\""), "{}", f[0].message);
        assert!(run(&DefaultBridgeNetwork, &fixture("flat.json")).is_empty());
        assert!(run(&DefaultBridgeNetwork, &fixture("segmented.json")).is_empty());
    }
}
