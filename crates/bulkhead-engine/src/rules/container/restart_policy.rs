use super::support::host_config;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a restart policy that restarts a failing container forever: `always`, `unless-stopped`, or
    /// `on-failure` with `MaximumRetryCount` 0 (no cap). `no` and `on-failure:N` are fine.
    ///
    /// ## Why it matters
    /// A container that crashes in a loop (a bad deploy, an exploit attempt that kills the process) is
    /// restarted without end, hiding the failure and burning host resources; CIS asks for `on-failure`
    /// with a cap of 5 (CIS Docker Benchmark 5.15).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .HostConfig.RestartPolicy}}' web
    /// {"Name":"always","MaximumRetryCount":0}
    /// ```
    ///
    /// ## Fix
    /// `docker run --restart on-failure:5 ...` (compose `restart: on-failure:5`, or
    /// `deploy.restart_policy.max_attempts: 5`).
    pub struct RestartPolicy {
        id: "CT014", name: "container-restart-policy", title: "Restart policy without a retry cap",
        severity: Low, category: BestPractice, aliases: ["CIS-5.15"],
        compliance: ["CIS-Docker-5.15"],
        remediation: "Use `--restart on-failure:5` (compose `restart: on-failure:5`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for RestartPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let Some(p) = host_config(c).and_then(|h| h.restart_policy.as_ref()) else {
                continue;
            };
            let name = p.name.map(|n| n.to_string()).unwrap_or_default();
            let max = p.maximum_retry_count.unwrap_or(0);
            let unbounded = match name.as_str() {
                "always" | "unless-stopped" => true,
                "on-failure" => max <= 0,
                _ => false,
            };
            if !unbounded {
                continue;
            }
            let v = format!("{name} (MaximumRetryCount {max})");
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.RestartPolicy",
                    format!("RestartPolicy is {v}: a failing container restarts without end"),
                )
                .with_evidence(Evidence::plain(format!("HostConfig.RestartPolicy: {v}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn unbounded_policies() {
        // ct-near-miss uses on-failure:5; the others `no`.
        assert_eq!(reported(&RestartPolicy), ["ct-restart"]);
        for (name, max, n) in [
            ("unless-stopped", 0, 1),
            ("on-failure", 0, 1),
            ("on-failure", 3, 0),
            ("no", 0, 0),
        ] {
            let c = variant("ct-restart", "x", |v| {
                v["inspect"]["HostConfig"]["RestartPolicy"] =
                    serde_json::json!({"Name": name, "MaximumRetryCount": max});
            });
            assert_eq!(run_on(&RestartPolicy, c).len(), n, "{name}:{max}");
        }
    }
}
