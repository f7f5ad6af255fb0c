use super::support::host_config;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container without a memory limit: `HostConfig.Memory` is 0 (unset).
    ///
    /// ## Why it matters
    /// Without a limit one container can take all the host's memory: the kernel's OOM killer then picks
    /// victims among the other containers and host services, a denial of service from a leak or an
    /// attacker (CIS Docker Benchmark 5.11).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{.HostConfig.Memory}}' web
    /// 0
    /// ```
    ///
    /// ## Fix
    /// `docker run --memory 512m ...` (compose `mem_limit: 512m`, or `deploy.resources.limits.memory`).
    pub struct NoMemoryLimit {
        id: "CT010", name: "container-no-memory-limit", title: "Container has no memory limit",
        severity: Medium, category: Security, aliases: ["CIS-5.11"],
        compliance: ["CIS-Docker-5.11", "SOC2-A1.1"],
        remediation: "Set `--memory 512m` (compose `mem_limit` / `deploy.resources.limits.memory`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for NoMemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let mem = host_config(c).and_then(|h| h.memory).unwrap_or(0);
            if mem > 0 {
                continue;
            }
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.Memory",
                    format!("Memory is {mem}: no memory limit"),
                )
                .with_evidence(Evidence::plain(format!("HostConfig.Memory: {mem}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn memory_zero() {
        let r = reported(&NoMemoryLimit);
        assert!(
            !r.contains(&"ct-hardened".to_string()) && !r.contains(&"ct-near-miss".to_string()),
            "{r:?}"
        );
        assert!(r.contains(&"ct-defaults".to_string()), "{r:?}");
        assert_eq!(r.len(), fixture().containers.len() - 2);
    }
}
