use super::segment::{seg_services, top_networks};
use super::support::finding;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a project that puts every tier on the one `default` network: three or more services, at
    /// least one of them publishing ports and at least one data tier (recognised image or
    /// `bulkhead.tier: data`), and no `networks:` anywhere (neither top-level nor in a service). The
    /// finding points at the first data-tier service.
    ///
    /// ## Why it matters
    /// On one flat network every service can reach every other: a breach of the published front end
    /// reaches the database directly. Segmenting front end and back end is the compose form of a DMZ
    /// (PCI DSS 1.2/1.3).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web: {image: nginx:1.27, ports: ["80:80"]}
    ///   api: {image: api:1}
    ///   db: {image: postgres:17}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// networks: {frontend: {}, backend: {internal: true}}
    /// services:
    ///   web: {image: nginx:1.27, ports: ["80:80"], networks: [frontend]}
    ///   api: {image: api:1, networks: [frontend, backend]}
    ///   db: {image: postgres:17, networks: [backend]}
    /// ```
    pub struct FlatNetwork {
        id: "CP025", name: "compose-flat-network", title: "Every service on the default network",
        severity: Medium, category: Security, aliases: [],
        compliance: ["PCI-DSS-1.2.1", "PCI-DSS-1.3", "SOC2-CC6.6"],
        remediation: "Declare `networks: {frontend: {}, backend: {internal: true}}` and attach each service to the networks it needs (the data tier to `backend` only).",
        min_profile: Staging, fixable: false,
    }
}

impl ComposeRule for FlatNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        let all = seg_services(ctx);
        if all.len() < 3
            || !top_networks(ctx).is_empty()
            || all.iter().any(|s| s.declares_networks)
            || !all.iter().any(|s| s.published)
        {
            return;
        }
        let on_default =
            |s: &&super::segment::SegService| s.networks.iter().any(|n| n == "default");
        let Some(d) = all
            .iter()
            .filter(on_default)
            .find(|s| s.data_tier.is_some())
        else {
            return;
        };
        let published: Vec<&str> = all
            .iter()
            .filter(on_default)
            .filter(|s| s.published)
            .map(|s| s.svc.name)
            .collect();
        if published.is_empty() {
            return;
        }
        let n = all.iter().filter(on_default).count();
        out.push(
            finding(
                ctx,
                &Self::META,
                &d.svc,
                &d.svc.key,
                format!(
                    "data-tier service `{}` and the published `{}` are on the one `default` network with every other service ({n} services, no `networks:`)",
                    d.svc.name,
                    published.join("`, `")
                ),
            )
            .with_evidence(Evidence::plain(format!(
                "network default: {}",
                all.iter().map(|s| s.svc.name).collect::<Vec<_>>().join(", ")
            ))),
        );
    }
}
