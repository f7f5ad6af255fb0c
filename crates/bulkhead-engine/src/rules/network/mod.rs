//! The `network` rules (`NW`): network segmentation read from the engine's topology
//! ([`crate::graph::Topology`]): containers on the default bridge, data-tier services reachable from or
//! published to the outside, networks that should be `internal`, one flat network holding every tier.

use super::{EngineCheckContext, EngineRule};
use crate::graph::{NodeInfo, Topology};
use std::collections::BTreeSet;

mod data_tier_published;
mod data_tier_shares_public;
mod default_bridge;
mod flat_network;
mod network_not_internal;

pub use data_tier_published::DataTierPublished;
pub use data_tier_shares_public::DataTierSharesPublicNetwork;
pub use default_bridge::DefaultBridgeNetwork;
pub use flat_network::FlatNetwork;
pub use network_not_internal::NetworkNotInternal;

/// Every rule of this family.
pub fn rules() -> Vec<&'static dyn EngineRule> {
    vec![
        &DefaultBridgeNetwork,
        &DataTierSharesPublicNetwork,
        &DataTierPublished,
        &NetworkNotInternal,
        &FlatNetwork,
    ]
}

/// The topology of the snapshot without the containers the audit skips (bulkhead's own): they are
/// removed from the container list and from every network.
pub(crate) fn topology(ctx: &EngineCheckContext) -> Topology {
    let mut topo = Topology::build(ctx.snapshot);
    let audited: BTreeSet<String> = ctx.containers().map(|c| c.name()).collect();
    topo.containers.retain(|c| audited.contains(&c.name));
    for n in &mut topo.networks {
        n.containers.retain(|c| audited.contains(c));
    }
    topo
}

/// `web (0.0.0.0:8080->80/tcp)`, `api (0.0.0.0:9000->9000/tcp)`.
pub(crate) fn public_list(nodes: &[&NodeInfo]) -> String {
    nodes
        .iter()
        .map(|c| format!("{} ({})", c.name, c.public_display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `-p 127.0.0.1:8080:80` for each public port of the containers: publishing on loopback only (behind a
/// reverse proxy on the host), the other way out of a public exposure.
pub(crate) fn loopback_flags(nodes: &[&NodeInfo]) -> String {
    let mut flags = Vec::new();
    for c in nodes {
        for p in c.public_ports() {
            let port = p.container_port.split('/').next().unwrap_or("");
            let host = if p.host_port.is_empty() {
                port
            } else {
                &p.host_port
            };
            let flag = format!("-p 127.0.0.1:{host}:{port}");
            if !flags.contains(&flag) {
                flags.push(flag);
            }
        }
    }
    flags.join(" ")
}

#[cfg(test)]
pub(crate) mod test_support {
    pub use crate::rules::test_support::run;
    use crate::snapshot::Snapshot;
    use bulkhead_core::Finding;

    /// A fixture snapshot of `tests/fixtures/network/`.
    pub fn fixture(name: &str) -> Snapshot {
        crate::rules::test_support::family_fixture("network", name)
    }

    /// `(object, message)` of each finding, sorted.
    pub fn objects(f: &[Finding]) -> Vec<String> {
        let mut v: Vec<String> = f
            .iter()
            .map(|f| f.location.object.clone().unwrap_or_default())
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_is_complete_sorted_and_documented() {
        let metas: Vec<_> = rules().into_iter().map(|r| r.meta()).collect();
        let ids: Vec<&str> = metas.iter().map(|m| m.id).collect();
        let expected: Vec<String> = (1..=5).map(|i| format!("NW{i:03}")).collect();
        assert_eq!(ids, expected);
        let mut names: Vec<&str> = metas.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), metas.len());
        for m in &metas {
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(m.doc.contains(section), "{} lacks {section}", m.id);
            }
            assert!(
                m.remediation.contains('`'),
                "{}: no command in the remediation",
                m.id
            );
        }
    }
}
