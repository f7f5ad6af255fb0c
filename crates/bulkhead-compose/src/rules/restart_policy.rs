use super::support::{finding, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a restart policy without a retry cap: `restart: always`, `unless-stopped`, or `on-failure`
    /// without a count (`on-failure:0`); and `deploy.restart_policy` with `condition: any` or
    /// `on-failure` and no `max_attempts`. `no` and `on-failure:5` are fine.
    ///
    /// ## Why it matters
    /// A service that crashes in a loop (a bad deploy, an exploit attempt that kills the process) is
    /// restarted without end, hiding the failure and burning host resources; CIS asks for `on-failure`
    /// with a cap of 5 (CIS Docker Benchmark 5.15; KICS "Restart Policy On Failure Not Set To 5").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: web:1
    ///     restart: always
    /// ```
    ///
    /// ## Fix
    /// `restart: on-failure:5` (or `deploy.restart_policy: {condition: on-failure, max_attempts: 5}`).
    pub struct RestartPolicy {
        id: "CP023", name: "compose-restart-policy", title: "Restart policy without a retry cap",
        severity: Low, category: BestPractice, aliases: ["CIS-5.15", "Restart Policy On Failure Not Set To 5"],
        compliance: ["CIS-Docker-5.15"],
        remediation: "Use `restart: on-failure:5`.",
        min_profile: Staging, fixable: false,
    }
}

/// Whether a `restart` value restarts without a cap.
fn unbounded(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    match v.split_once(':') {
        Some(("on-failure", n)) => n.trim().parse::<i64>().map(|n| n <= 0).unwrap_or(false),
        _ => matches!(v.as_str(), "always" | "unless-stopped" | "on-failure"),
    }
}

impl ComposeRule for RestartPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            if let Some(r) = svc.get("restart")
                && let Some(v) = r.scalar_text()
                && unbounded(&v)
            {
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        &svc,
                        r,
                        format!("service `{}` has `restart: {v}`: a failing container restarts without end", svc.name),
                    )
                    .with_evidence(Evidence::plain(format!("restart: {v}"))),
                );
            }
            let Some(p) = svc.node.at(&["deploy", "restart_policy"]) else {
                continue;
            };
            let cond = p
                .get("condition")
                .and_then(|c| c.scalar_text())
                .unwrap_or_else(|| "any".to_string());
            let capped = p
                .get("max_attempts")
                .and_then(|m| m.scalar_text())
                .and_then(|m| m.trim().parse::<i64>().ok())
                .is_some_and(|m| m > 0);
            if cond != "none" && !capped {
                let node = p.get("condition").unwrap_or(p);
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        &svc,
                        node,
                        format!("service `{}` has `deploy.restart_policy.condition: {cond}` without `max_attempts`", svc.name),
                    )
                    .with_evidence(Evidence::plain(format!("deploy.restart_policy.condition: {cond}"))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unbounded;

    #[test]
    fn caps() {
        for v in [
            "always",
            "unless-stopped",
            "on-failure",
            "on-failure:0",
            "Always",
        ] {
            assert!(unbounded(v), "{v}");
        }
        for v in ["no", "on-failure:5", "on-failure:1", "\"no\""] {
            assert!(!unbounded(v), "{v}");
        }
    }
}
