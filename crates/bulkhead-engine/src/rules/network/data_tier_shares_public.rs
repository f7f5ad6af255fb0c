use super::super::{EngineCheckContext, EngineRule};
use crate::graph::{NodeInfo, data_sharing_public};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Flags a data-tier container (PostgreSQL, MySQL/MariaDB, Redis, MongoDB, Elasticsearch/OpenSearch,
    /// Memcached, Cassandra, CouchDB, RabbitMQ, Kafka, ZooKeeper, etcd, InfluxDB, Neo4j, ClickHouse, MinIO:
    /// recognised by the label `bulkhead.tier=data`, its image name, a server process in `docker top`
    /// (`postgres`, `mysqld`, `redis-server`, `mongod`, ...) or an exposed port such as 5432 or 6379;
    /// `bulkhead.tier=app` opts a container out) that shares a network with a container published on a public interface
    /// (`HostIp` empty, `0.0.0.0`, `::` or a public address). Networks with inter-container communication
    /// disabled (`com.docker.network.bridge.enable_icc=false`) are not counted.
    ///
    /// ## Why it matters
    /// The publicly reachable container is the one attackers reach first; on the same network the
    /// database answers it directly, on every port. Tiers on separate networks (the front end on
    /// `frontend`, the data tier on an `internal` `backend` that only the API joins) limit what one
    /// compromised web container can reach (PCI-DSS 1.3: restrict traffic between network segments).
    ///
    /// ## Example
    /// ```text
    /// $ docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' app
    /// web api db        # web publishes 0.0.0.0:8080->80/tcp, db runs postgres:16
    /// ```
    ///
    /// ## Fix
    /// `docker network create --internal backend`, connect only the data tier and the services that use
    /// it (`docker network connect backend api`), and take the database off the public container's
    /// network (`docker network disconnect app db`). Compose: a `backend` network with `internal: true`
    /// under `networks:`, listed only by `db` and `api`.
    pub struct DataTierSharesPublicNetwork {
        id: "NW002", name: "data-tier-on-public-network",
        title: "Data-tier container shares a network with a publicly published container",
        severity: Medium, category: Security, aliases: [],
        compliance: ["PCI-DSS-1.3.1", "PCI-DSS-1.3.2", "SOC2-CC6.6"],
        remediation: "`docker network create --internal backend`; connect only the data tier and its clients to it; compose: `networks: {backend: {internal: true}}`.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for DataTierSharesPublicNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let topo = super::topology(ctx);
        // One finding per (data-tier container, network), naming every public container on it.
        let mut pairs: BTreeMap<(String, String), (&NodeInfo, Vec<&NodeInfo>)> = BTreeMap::new();
        for (data, net, public) in data_sharing_public(&topo) {
            pairs
                .entry((data.name.clone(), net.name.clone()))
                .or_insert_with(|| (data, Vec::new()))
                .1
                .push(public);
        }
        for ((_, net), (data, publics)) in pairs {
            let Some(container) = ctx
                .snapshot
                .containers
                .iter()
                .find(|x| x.name() == data.name)
            else {
                continue;
            };
            let why = data.data_tier.clone().unwrap_or_default();
            let names: Vec<&str> = publics.iter().map(|p| p.name.as_str()).collect();
            let message = format!(
                "data-tier container {} ({why}) shares network `{net}` with {}, published on a public interface",
                data.name,
                super::public_list(&publics)
            );
            out.push(
                ctx.container_finding(
                    &Self::META,
                    container,
                    &format!("NetworkSettings.Networks.{net}"),
                    message,
                )
                .with_evidence(Evidence::plain(format!(
                    "network {net}: data tier {}; public: {}",
                    data.name,
                    names.join(", ")
                )))
                .with_remediation(format!(
                    "`docker network create --internal backend && docker network connect backend {db} && docker network disconnect {net} {db}`, then connect only {db}'s clients to `backend`; compose: `networks: {{backend: {{internal: true}}}}` with `{db}` on `backend` only. Or, if {names} need not be public, publish on loopback: `{lo}`.",
                    db = data.name,
                    names = names.join(", "),
                    lo = super::loopback_flags(&publics),
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
    fn flat_is_flagged_segmented_is_not() {
        let f = run(&DataTierSharesPublicNetwork, &fixture("flat.json"));
        assert_eq!(
            objects(&f),
            vec!["container nw-flat-db / NetworkSettings.Networks.nw-flat-net"]
        );
        let m = &f[0].message;
        assert!(
            m.contains("nw-flat-web (0.0.0.0:") && m.contains("image postgres"),
            "{m}"
        );
        // Segmented: db only shares the internal backend with api, which publishes nothing.
        assert!(
            f[0].remediation.contains("-p 127.0.0.1:32768:80"),
            "{}",
            f[0].remediation
        );
        assert!(run(&DataTierSharesPublicNetwork, &fixture("segmented.json")).is_empty());
        // The public database on the default bridge is alone there (NW003's business, not this one).
        assert!(run(&DataTierSharesPublicNetwork, &fixture("misc.json")).is_empty());
    }

    #[test]
    fn icc_disabled_network_is_not_counted() {
        let mut snap = fixture("flat.json");
        for n in &mut snap.networks {
            n.options.get_or_insert_with(Default::default).insert(
                "com.docker.network.bridge.enable_icc".into(),
                "false".into(),
            );
        }
        assert!(run(&DataTierSharesPublicNetwork, &snap).is_empty());
    }

    #[test]
    fn loopback_publication_is_not_public() {
        let mut snap = fixture("flat.json");
        for c in &mut snap.containers {
            let ns = c.inspect.network_settings.as_mut();
            for ports in ns.and_then(|n| n.ports.as_mut()).into_iter() {
                for b in ports.values_mut().flatten().flatten() {
                    b.host_ip = Some("127.0.0.1".into());
                }
            }
        }
        assert!(run(&DataTierSharesPublicNetwork, &snap).is_empty());
    }
}
