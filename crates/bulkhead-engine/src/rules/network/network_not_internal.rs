use super::super::{EngineCheckContext, EngineRule};
use crate::graph::NodeInfo;
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a user-defined `bridge` network that holds a data-tier container, none of whose containers
    /// publish a port (a back-end network), and that is not `internal` (`Internal: false`).
    ///
    /// ## Why it matters
    /// An `internal` network has no route out: containers on it can reach each other but not the
    /// internet, so a compromised database or cache cannot download tools or send data out, and nothing
    /// on it can be published by mistake. A back-end network that only the data tier and its clients
    /// share rarely needs egress (PCI-DSS 1.3.2: restrict outbound traffic from the cardholder data
    /// environment).
    ///
    /// ## Example
    /// ```text
    /// $ docker network inspect -f '{{.Internal}}' backend
    /// false
    /// ```
    ///
    /// ## Fix
    /// Recreate it internal: `docker network create --internal backend` (disconnect its containers,
    /// `docker network rm backend`, recreate, reconnect). Compose: `networks: {backend: {internal: true}}`.
    /// Containers that need the internet too join a second, non-internal network.
    pub struct NetworkNotInternal {
        id: "NW004", name: "backend-network-not-internal",
        title: "Back-end network is not internal",
        severity: Low, category: Security, aliases: [],
        compliance: ["PCI-DSS-1.3.2", "SOC2-CC6.6"],
        remediation: "`docker network create --internal backend`; compose: `networks: {backend: {internal: true}}`.",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for NetworkNotInternal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let topo = super::topology(ctx);
        for net in &topo.networks {
            if !net.user_defined() || net.internal || net.driver != "bridge" {
                continue;
            }
            let members: Vec<&NodeInfo> = topo.members(net).collect();
            if members.is_empty()
                || members.iter().any(|c| !c.published.is_empty())
                || !members.iter().any(|c| c.data_tier.is_some())
            {
                continue;
            }
            let data: Vec<String> = members
                .iter()
                .filter_map(|c| c.data_tier.as_ref().map(|w| format!("{} ({w})", c.name)))
                .collect();
            let names: Vec<&str> = members.iter().map(|c| c.name.as_str()).collect();
            out.push(
                ctx.network_finding(
                    &Self::META,
                    &net.name,
                    "Internal",
                    format!(
                        "network `{}` is not internal (Internal: false) although it only holds back-end containers that publish no port: {}; data tier: {}",
                        net.name,
                        names.join(", "),
                        data.join(", ")
                    ),
                )
                .with_evidence(Evidence::plain(format!(
                    "Internal: false; Containers: [{}]",
                    names.join(", ")
                )))
                .with_remediation(format!(
                    "Recreate it with `docker network create --internal {}` (disconnect, `docker network rm`, recreate, reconnect); compose: `networks: {{{}: {{internal: true}}}}`.",
                    net.name, net.name
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
    fn backend_only_network() {
        let f = run(&NetworkNotInternal, &fixture("misc.json"));
        assert_eq!(objects(&f), vec!["network nw-misc-back / Internal"]);
        assert!(
            f[0].message.contains("nw-misc-worker (port 6379/tcp)"),
            "{}",
            f[0].message
        );
        // Segmented: the back end is internal, the front end publishes; flat: web publishes.
        assert!(run(&NetworkNotInternal, &fixture("segmented.json")).is_empty());
        assert!(run(&NetworkNotInternal, &fixture("flat.json")).is_empty());
    }

    #[test]
    fn internal_flag_clears_it() {
        let mut snap = fixture("misc.json");
        for n in &mut snap.networks {
            n.internal = Some(true);
        }
        assert!(run(&NetworkNotInternal, &snap).is_empty());
    }
}
