use super::segment::{seg_services, top_networks};
use super::{ComposeCheckContext, ComposeRule};
use crate::node::Node;
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a top-level network that looks like a back end but is not `internal: true`: it holds a
    /// data-tier service (recognised image or `bulkhead.tier: data`) and none of its services publish
    /// ports. External networks (`external: true`) are not judged: their settings live elsewhere.
    ///
    /// ## Why it matters
    /// A non-internal network has a route to the outside: a compromised database or cache can download
    /// tools and send data out. `internal: true` removes the gateway; the services that need the data
    /// tier still reach it over the network.
    ///
    /// ## Example
    /// ```yaml
    /// networks:
    ///   backend: {}
    /// services:
    ///   db: {image: postgres:17, networks: [backend]}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// networks:
    ///   backend: {internal: true}
    /// ```
    pub struct NetworkNotInternal {
        id: "CP026", name: "compose-backend-network-not-internal",
        title: "Back-end network is not internal",
        severity: Low, category: Security, aliases: [],
        compliance: ["PCI-DSS-1.3.2", "SOC2-CC6.6"],
        remediation: "`networks: {backend: {internal: true}}`.",
        min_profile: Production, fixable: false,
    }
}

impl ComposeRule for NetworkNotInternal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        let all = seg_services(ctx);
        for net in top_networks(ctx) {
            let flag = |k: &str| net.node.get(k).and_then(Node::as_bool) == Some(true);
            if flag("internal") || flag("external") {
                continue;
            }
            let members: Vec<_> = all
                .iter()
                .filter(|s| s.networks.iter().any(|n| n == net.name))
                .collect();
            if members.iter().any(|s| s.published || s.host_mode) {
                continue;
            }
            let Some(d) = members.iter().find(|s| s.data_tier.is_some()) else {
                continue;
            };
            let why = d.data_tier.as_deref().unwrap_or("data tier");
            let mut f = ctx.finding_at(
                &Self::META,
                &net.key,
                format!(
                    "network `{}` holds data-tier service `{}` ({why}) and no published service, but is not `internal: true`",
                    net.name, d.svc.name
                ),
            );
            f.location.object = Some(format!("networks.{}", net.name));
            out.push(f.with_evidence(Evidence::plain(format!(
                "network {}: {}",
                net.name,
                members
                    .iter()
                    .map(|s| s.svc.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))));
        }
    }
}
