use super::support::host_config;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container with neither a CPU limit nor a CPU priority: `HostConfig.NanoCpus`,
    /// `HostConfig.CpuQuota` and `HostConfig.CpuShares` all 0 (unset) and no `HostConfig.CpusetCpus`.
    /// Any one of them set is enough.
    ///
    /// ## Why it matters
    /// A container in a busy loop (a bug, a cryptominer) otherwise competes as an equal with everything
    /// else on the host and can starve it (CIS Docker Benchmark 5.12).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuShares}}' web
    /// 0 0 0
    /// ```
    ///
    /// ## Fix
    /// `docker run --cpus 0.5 ...` (compose `cpus: 0.5`, or `deploy.resources.limits.cpus`), or a relative
    /// weight with `--cpu-shares 512`.
    pub struct NoCpuLimit {
        id: "CT011", name: "container-no-cpu-limit", title: "Container has no CPU limit",
        severity: Medium, category: Security, aliases: ["CIS-5.12"],
        compliance: ["CIS-Docker-5.12", "SOC2-A1.1"],
        remediation: "Set `--cpus 0.5` or `--cpu-shares 512` (compose `cpus` / `cpu_shares`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for NoCpuLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let Some(hc) = host_config(c) else { continue };
            let (n, q, s) = (
                hc.nano_cpus.unwrap_or(0),
                hc.cpu_quota.unwrap_or(0),
                hc.cpu_shares.unwrap_or(0),
            );
            let cpuset = hc
                .cpuset_cpus
                .as_deref()
                .is_some_and(|c| !c.trim().is_empty());
            if n > 0 || q > 0 || s > 0 || cpuset {
                continue;
            }
            let v = format!("NanoCpus {n}, CpuQuota {q}, CpuShares {s}");
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.NanoCpus",
                    format!("{v}: no CPU limit or priority"),
                )
                .with_evidence(Evidence::plain(format!("HostConfig: {v}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn any_cpu_setting_counts() {
        let r = reported(&NoCpuLimit);
        // ct-hardened has --cpus, ct-near-miss --cpu-shares only.
        assert_eq!(r.len(), fixture().containers.len() - 2, "{r:?}");
        assert!(!r.contains(&"ct-near-miss".to_string()), "{r:?}");
        let quota = variant("ct-defaults", "q", |v| {
            v["inspect"]["HostConfig"]["CpuQuota"] = serde_json::json!(50000);
        });
        assert!(run_on(&NoCpuLimit, quota).is_empty());
        let cpuset = variant("ct-defaults", "s", |v| {
            v["inspect"]["HostConfig"]["CpusetCpus"] = serde_json::json!("0");
        });
        assert!(run_on(&NoCpuLimit, cpuset).is_empty());
        let f = run_named(&NoCpuLimit, "ct-defaults");
        assert_eq!(
            f[0].message,
            "NanoCpus 0, CpuQuota 0, CpuShares 0: no CPU limit or priority"
        );
    }
}
