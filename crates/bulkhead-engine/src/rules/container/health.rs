use super::support::{config, image_config};
use crate::rules::{EngineCheckContext, EngineRule};
use bollard::models::{HealthConfig, HealthStatusEnum};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

/// Whether a health check is defined and not disabled (`["NONE"]`).
fn defined(h: Option<&HealthConfig>) -> bool {
    h.and_then(|h| h.test.as_ref())
        .and_then(|t| t.first())
        .is_some_and(|first| !first.eq_ignore_ascii_case("NONE"))
}

declare_rule! {
    /// ## What it does
    /// Flags a container whose health is not checked: no `Config.Healthcheck` (nor one in the image's
    /// configuration), or one disabled with `NONE`; and a container whose check fails
    /// (`State.Health.Status: unhealthy`, running containers only: a stopped one keeps its last status).
    ///
    /// ## Why it matters
    /// Without a health check the engine and orchestrators only know whether the process exists, not
    /// whether it serves: a hung or compromised service keeps receiving traffic (CIS Docker Benchmark
    /// 5.27, 4.6). An unhealthy container is running and failing right now.
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .Config.Healthcheck}}' web
    /// null
    /// ```
    ///
    /// ## Fix
    /// `docker run --health-cmd 'wget -qO- http://127.0.0.1:8080/health || exit 1' --health-interval 30s
    /// ...` (compose `healthcheck:`), or `HEALTHCHECK` in the Dockerfile; look into an unhealthy
    /// container's `State.Health.Log`.
    pub struct Health {
        id: "CT023", name: "container-health-not-checked", title: "Container health not checked or unhealthy",
        severity: Low, category: BestPractice, aliases: ["CIS-5.27", "CIS-4.6", "DS-0026", "CIS-DI-0006"],
        compliance: ["CIS-Docker-5.27", "SOC2-A1.2"],
        remediation: "Add `--health-cmd ...` (compose `healthcheck`, Dockerfile `HEALTHCHECK`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for Health {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let own = config(c).and_then(|x| x.healthcheck.as_ref());
            let image = image_config(ctx.snapshot, c).and_then(|x| x.healthcheck.as_ref());
            let explicit_none = own.is_some() && !defined(own);
            if explicit_none || (!defined(own) && !defined(image)) {
                let why = if explicit_none {
                    "Config.Healthcheck is NONE: the health check is disabled"
                } else {
                    "no health check: Config.Healthcheck and the image's are unset"
                };
                out.push(
                    ctx.container_finding(&Self::META, c, "Config.Healthcheck", why)
                        .with_evidence(Evidence::plain("Config.Healthcheck: null")),
                );
                continue;
            }
            let health = c.inspect.state.as_ref().and_then(|s| s.health.as_ref());
            if c.running() && health.and_then(|h| h.status) == Some(HealthStatusEnum::UNHEALTHY) {
                let streak = health.and_then(|h| h.failing_streak).unwrap_or(0);
                out.push(
                    ctx.container_finding(
                        &Self::META,
                        c,
                        "State.Health",
                        format!("the health check fails: State.Health.Status is unhealthy (failing streak {streak})"),
                    )
                    .with_evidence(Evidence::plain("State.Health.Status: unhealthy")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn missing_disabled_or_failing() {
        let r = reported(&Health);
        assert!(!r.contains(&"ct-hardened".to_string()), "{r:?}");
        assert!(r.contains(&"ct-defaults".to_string()), "{r:?}");
        let f = run_named(&Health, "ct-unhealthy");
        assert_eq!(
            f[0].location.object.as_deref(),
            Some("container ct-unhealthy / State.Health")
        );
        let none = variant("ct-hardened", "none", |v| {
            v["inspect"]["Config"]["Healthcheck"] = serde_json::json!({"Test": ["NONE"]});
        });
        assert!(run_on(&Health, none)[0].message.contains("disabled"));
        let stopped = variant("ct-unhealthy", "stopped", |v| {
            v["inspect"]["State"]["Running"] = serde_json::json!(false);
        });
        assert!(run_on(&Health, stopped).is_empty());
        // A health check from the image counts.
        let mut snap = snapshot_with(vec![container("ct-defaults")]);
        for i in snap.images.values_mut() {
            if let Some(cfg) = i.config.as_mut() {
                cfg.healthcheck = Some(HealthConfig {
                    test: Some(vec!["CMD".into(), "true".into()]),
                    ..Default::default()
                });
            }
        }
        assert!(run(&Health, &snap).is_empty());
    }
}
