use super::cluster;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

/// 90 days in nanoseconds, Swarm's default node certificate lifetime.
const NINETY_DAYS_NS: i64 = 90 * 24 * 3600 * 1_000_000_000;

declare_rule! {
    /// ## What it does
    /// Flags node certificates that live longer than 90 days: `Spec.CAConfig.NodeCertExpiry` above
    /// `2160h` (read on a manager).
    ///
    /// ## Why it matters
    /// Node certificates authenticate nodes to each other; a stolen one works until it expires. Swarm
    /// renews them automatically, so a short lifetime costs nothing (CIS Docker Benchmark 7.7).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{.Swarm.Cluster.Spec.CAConfig.NodeCertExpiry}}'
    /// 8760h0m0s
    /// ```
    ///
    /// ## Fix
    /// `docker swarm update --cert-expiry 2160h` (or shorter); force a rotation with
    /// `docker swarm ca --rotate`.
    pub struct NodeCertExpiry {
        id: "SW006", name: "swarm-node-cert-expiry", title: "Swarm node certificates live longer than 90 days",
        severity: Low, category: Security, aliases: ["CIS-7.7", "check_7_7"],
        compliance: ["CIS-Docker-7.7", "PCI-DSS-3.6"],
        remediation: "`docker swarm update --cert-expiry 2160h`.",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for NodeCertExpiry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let Some(ns) = cluster(ctx.snapshot)
            .and_then(|s| s.spec.as_ref())
            .and_then(|s| s.ca_config.as_ref())
            .and_then(|c| c.node_cert_expiry)
        else {
            return;
        };
        if ns > NINETY_DAYS_NS {
            let hours = ns / 3_600_000_000_000;
            out.push(
                ctx.finding(
                    &Self::META,
                    format!(
                        "node certificates are valid for {hours}h ({} days), more than 90 days",
                        hours / 24
                    ),
                    "swarm / Spec.CAConfig.NodeCertExpiry",
                )
                .with_evidence(Evidence::plain(format!("NodeCertExpiry: {ns} ns"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::swarm::test_support::*;

    #[test]
    fn expiry() {
        let f = run(&NodeCertExpiry, &fixture("swarm-bad.json"));
        assert_eq!(objects(&f), ["swarm / Spec.CAConfig.NodeCertExpiry"]);
        assert!(
            f[0].message.contains("8760h (365 days)"),
            "{}",
            f[0].message
        );
        assert!(run(&NodeCertExpiry, &fixture("swarm-good.json")).is_empty());
    }
}
