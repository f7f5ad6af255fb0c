use super::support::host_config;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container without a PIDs limit: `HostConfig.PidsLimit` null, 0 or -1 (unlimited).
    ///
    /// ## Why it matters
    /// A fork bomb in one container exhausts the host's process table and takes every other container
    /// and host service down with it (CIS Docker Benchmark 5.29).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{.HostConfig.PidsLimit}}' web
    /// <nil>
    /// ```
    ///
    /// ## Fix
    /// `docker run --pids-limit 100 ...` (compose `pids_limit: 100`).
    pub struct NoPidsLimit {
        id: "CT024", name: "container-no-pids-limit", title: "Container has no PIDs limit",
        severity: Medium, category: Security, aliases: ["CIS-5.29"],
        compliance: ["CIS-Docker-5.29", "SOC2-A1.1"],
        remediation: "Set `--pids-limit 100` (compose `pids_limit`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for NoPidsLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let limit = host_config(c).and_then(|h| h.pids_limit);
            if limit.is_some_and(|l| l > 0) {
                continue;
            }
            let v = limit.map_or("null".to_string(), |l| l.to_string());
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.PidsLimit",
                    format!("PidsLimit is {v}: no limit on processes"),
                )
                .with_evidence(Evidence::plain(format!("HostConfig.PidsLimit: {v}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn unlimited_spellings() {
        let r = reported(&NoPidsLimit);
        assert_eq!(r.len(), fixture().containers.len() - 2, "{r:?}");
        assert!(!r.contains(&"ct-hardened".to_string()), "{r:?}");
        for v in [serde_json::json!(-1), serde_json::json!(0)] {
            let c = variant("ct-defaults", "x", |x| {
                x["inspect"]["HostConfig"]["PidsLimit"] = v.clone()
            });
            assert_eq!(run_on(&NoPidsLimit, c).len(), 1);
        }
        assert_eq!(
            run_named(&NoPidsLimit, "ct-defaults")[0].message,
            "PidsLimit is null: no limit on processes"
        );
    }
}
