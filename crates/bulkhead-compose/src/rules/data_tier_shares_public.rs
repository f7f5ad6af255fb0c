use super::segment::seg_services;
use super::support::finding;
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a data-tier service (a recognised database, cache or queue image such as `postgres`, `redis`,
    /// `kafka`, or the label `bulkhead.tier: data`) that shares a network with another service whose ports
    /// are published on every host interface (no `host_ip`, or `0.0.0.0`). Services without `networks:`
    /// are on the project's `default` network; a data tier in `network_mode: host` shares the host with
    /// every published service. The finding names both services and the network.
    ///
    /// ## Why it matters
    /// The published service is the door from the outside; once it is compromised, everything on its
    /// network is one hop away. A data tier reachable only from the services that need it limits what
    /// such a breach reaches (PCI DSS 1.3: restrict traffic to the cardholder data environment).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     ports: ["80:80"]
    ///   db:
    ///     image: postgres:17
    /// ```
    ///
    /// ## Fix
    /// Put the data tier on a back-end network only, and the published service on a front-end one:
    /// ```yaml
    /// networks: {frontend: {}, backend: {internal: true}}
    /// services:
    ///   web: {image: nginx:1.27, ports: ["80:80"], networks: [frontend]}
    ///   api: {image: api:1, networks: [frontend, backend]}
    ///   db: {image: postgres:17, networks: [backend]}
    /// ```
    /// or bind the published port to an address (`ports: ["127.0.0.1:80:80"]`).
    pub struct DataTierSharesPublic {
        id: "CP024", name: "compose-data-tier-on-public-network",
        title: "Data-tier service shares a network with a publicly published service",
        severity: Medium, category: Security, aliases: [],
        compliance: ["PCI-DSS-1.3.1", "PCI-DSS-1.3.2", "SOC2-CC6.6"],
        remediation: "`networks: {frontend: {}, backend: {internal: true}}`; the data tier on `backend` only; or `ports: [\"127.0.0.1:HOST:CONTAINER\"]`.",
        min_profile: Staging, fixable: false,
    }
}

impl ComposeRule for DataTierSharesPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        let all = seg_services(ctx);
        for d in &all {
            let Some(why) = &d.data_tier else { continue };
            let mut shared: Vec<(String, &str, &str)> = Vec::new();
            for p in &all {
                if p.svc.name == d.svc.name {
                    continue;
                }
                let Some(port) = &p.public_port else { continue };
                let net = if d.host_mode || p.host_mode {
                    Some("host".to_string())
                } else {
                    d.networks.iter().find(|n| p.networks.contains(n)).cloned()
                };
                if let Some(net) = net {
                    shared.push((net, p.svc.name, port.as_str()));
                }
            }
            let Some((net, pub_name, port)) = shared.first() else {
                continue;
            };
            let others = match shared.len() {
                1 => String::new(),
                n => format!(" (and {} more published service(s))", n - 1),
            };
            out.push(
                finding(
                    ctx,
                    &Self::META,
                    &d.svc,
                    &d.svc.key,
                    format!(
                        "data-tier service `{}` ({why}) shares network `{net}` with `{pub_name}`, which publishes `{port}` on every host interface{others}",
                        d.svc.name
                    ),
                )
                .with_evidence(Evidence::plain(format!(
                    "network {net}: {} ({why}), {pub_name} (ports: {port})",
                    d.svc.name
                ))),
            );
        }
    }
}
