use super::super::{EngineCheckContext, EngineRule};
use crate::graph::{NetKind, NodeInfo};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

/// A flat network holds more than this many containers.
pub const FLAT_MIN_CONTAINERS: usize = 3;

declare_rule! {
    /// ## What it does
    /// Flags a flat network: one user-defined network holding every tier at once — a container published
    /// on a public interface, a data-tier container and at least three containers in all — when none of
    /// those containers is attached to any other user-defined network (no segmentation at all for that
    /// application).
    ///
    /// ## Why it matters
    /// On a flat network every container reaches every other on every port: the public web server, the
    /// workers, the admin tools and the database form one segment, so the first foothold is also the
    /// last hop. Inter-container communication on user-defined networks cannot be scoped by port;
    /// separate networks are Docker's segmentation tool (NW002 names each data-tier container at risk;
    /// this rule names the design).
    ///
    /// ## Example
    /// ```text
    /// $ docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' app
    /// web api worker db     # web: 0.0.0.0:443->443/tcp, db: postgres:16; no other network
    /// ```
    ///
    /// ## Fix
    /// Split it by tier: `docker network create frontend`, `docker network create --internal backend`;
    /// the public container on `frontend` only, the data tier on `backend` only, the services between
    /// them on both. Compose: `networks: {frontend: {}, backend: {internal: true}}` and a `networks:`
    /// list per service.
    pub struct FlatNetwork {
        id: "NW005", name: "flat-network", title: "One flat network holds every tier",
        severity: Medium, category: Security, aliases: [],
        compliance: ["PCI-DSS-1.2.1", "PCI-DSS-1.3", "SOC2-CC6.6"],
        remediation: "`docker network create frontend` + `docker network create --internal backend`; compose: `networks: {frontend: {}, backend: {internal: true}}`.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for FlatNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let topo = super::topology(ctx);
        for net in &topo.networks {
            if !net.user_defined() {
                continue;
            }
            let members: Vec<&NodeInfo> = topo.members(net).collect();
            let public: Vec<&NodeInfo> =
                members.iter().copied().filter(|c| c.is_public()).collect();
            let data: Vec<&NodeInfo> = members
                .iter()
                .copied()
                .filter(|c| c.data_tier.is_some())
                .collect();
            if members.len() < FLAT_MIN_CONTAINERS || public.is_empty() || data.is_empty() {
                continue;
            }
            let segmented = members.iter().any(|c| {
                c.networks.iter().any(|other| {
                    other != &net.name
                        && topo
                            .network(other)
                            .is_some_and(|n| n.kind == NetKind::UserDefined)
                })
            });
            if segmented {
                continue;
            }
            let names: Vec<&str> = members.iter().map(|c| c.name.as_str()).collect();
            let data_names: Vec<&str> = data.iter().map(|c| c.name.as_str()).collect();
            out.push(
                ctx.network_finding(
                    &Self::META,
                    &net.name,
                    "Containers",
                    format!(
                        "network `{}` holds every tier of {} containers on one segment: public {}; data tier {}; none of them is on another user-defined network",
                        net.name,
                        members.len(),
                        super::public_list(&public),
                        data_names.join(", ")
                    ),
                )
                .with_evidence(Evidence::plain(format!("Containers: [{}]", names.join(", "))))
                .with_remediation(format!(
                    "`docker network create frontend && docker network create --internal backend`; public containers ({}) on `frontend` only, the data tier ({}) on `backend` only, the services between on both; compose: `networks: {{frontend: {{}}, backend: {{internal: true}}}}`; publish on loopback where the host is the only client (`{}`).",
                    public.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
                    data_names.join(", "),
                    super::loopback_flags(&public)
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
    fn flat_vs_segmented() {
        let f = run(&FlatNetwork, &fixture("flat.json"));
        assert_eq!(objects(&f), vec!["network nw-flat-net / Containers"]);
        assert!(
            f[0].message.contains("3 containers") && f[0].message.contains("data tier nw-flat-db"),
            "{}",
            f[0].message
        );
        assert!(run(&FlatNetwork, &fixture("segmented.json")).is_empty());
        assert!(run(&FlatNetwork, &fixture("misc.json")).is_empty());
    }

    #[test]
    fn two_containers_are_not_flat() {
        let mut snap = fixture("flat.json");
        snap.containers.retain(|c| c.name() != "nw-flat-api");
        for n in &mut snap.networks {
            if let Some(m) = n.containers.as_mut() {
                m.retain(|_, e| e.name.as_deref() != Some("nw-flat-api"));
            }
        }
        assert!(run(&FlatNetwork, &snap).is_empty());
    }
}
