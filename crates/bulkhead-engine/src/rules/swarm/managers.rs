use crate::rules::{EngineCheckContext, EngineRule};
use bollard::models::NodeSpecRoleEnum;
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Counts the swarm's managers (nodes with `ManagerStatus` or role `manager`, read on a manager): an
    /// even number is flagged (`medium`), a single manager is reported at `low`.
    ///
    /// ## Why it matters
    /// Raft needs a majority: 2 managers tolerate no failure (no better than 1, with twice the chance of
    /// one failing), 4 tolerate one like 3 do. A single manager is a single point of failure for the
    /// control plane; 3 or 5 managers are the usual choice (CIS Docker Benchmark 7.1).
    ///
    /// ## Example
    /// ```text
    /// $ docker node ls --filter role=manager -q | wc -l
    /// 2
    /// ```
    ///
    /// ## Fix
    /// Promote or demote nodes to reach an odd count: `docker node promote NODE` /
    /// `docker node demote NODE` (3 managers tolerate 1 failure, 5 tolerate 2).
    pub struct ManagerCount {
        id: "SW005", name: "swarm-manager-count", title: "Swarm manager count without fault tolerance",
        severity: Medium, category: Security, aliases: ["CIS-7.1", "check_7_1"],
        compliance: ["CIS-Docker-7.1", "SOC2-A1.2"],
        remediation: "Run an odd number of managers (3 or 5): `docker node promote NODE` / `docker node demote NODE`.",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for ManagerCount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let Some(sw) = ctx.snapshot.swarm.as_ref() else {
            return;
        };
        if sw.swarm.is_none() || sw.nodes.is_empty() {
            return;
        }
        let managers = sw
            .nodes
            .iter()
            .filter(|n| {
                n.manager_status.is_some()
                    || n.spec.as_ref().and_then(|s| s.role) == Some(NodeSpecRoleEnum::MANAGER)
            })
            .count();
        let f = match managers {
            0 => return,
            1 => ctx
                .finding(
                    &Self::META,
                    "the swarm has a single manager: losing it stops the control plane (no fault tolerance)",
                    "swarm / managers",
                )
                .with_severity(Severity::Low),
            n if n.is_multiple_of(2) => ctx.finding(
                &Self::META,
                format!(
                    "the swarm has {n} managers, an even number: it tolerates {} failure(s), like {} managers",
                    (n - 1) / 2,
                    n - 1
                ),
                "swarm / managers",
            ),
            _ => return,
        };
        out.push(f.with_evidence(Evidence::plain(format!(
            "managers: {managers} of {} nodes",
            sw.nodes.len()
        ))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::swarm::test_support::*;

    #[test]
    fn counts() {
        let f = run(&ManagerCount, &fixture("swarm-bad.json"));
        assert_eq!(objects(&f), ["swarm / managers"]);
        assert_eq!(f[0].severity, Severity::Low);
        let mut two = fixture("swarm-bad.json");
        if let Some(sw) = two.swarm.as_mut() {
            let n = sw.nodes[0].clone();
            sw.nodes.push(n);
        }
        let f = run(&ManagerCount, &two);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].message.contains("2 managers"), "{}", f[0].message);
        assert!(run(&ManagerCount, &fixture("swarm-good.json")).is_empty());
    }
}
