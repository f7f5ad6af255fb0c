use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags Docker Content Trust off in the auditing client's environment: `DOCKER_CONTENT_TRUST` is not
    /// `1`. The finding's object is `client / DOCKER_CONTENT_TRUST`.
    ///
    /// ## Why it matters
    /// With content trust, `docker pull`, `run` and `build` refuse unsigned tags: a tag moved by whoever
    /// controls the registry is not silently run (CIS Docker Benchmark 4.5). It only covers registries
    /// that serve Notary v1 signatures; for others, pin images by digest and verify signatures (cosign).
    ///
    /// ## Example
    /// ```text
    /// $ echo "${DOCKER_CONTENT_TRUST:-unset}"
    /// unset
    /// ```
    ///
    /// ## Fix
    /// `export DOCKER_CONTENT_TRUST=1` in the environment of shells and CI jobs that pull and run images.
    pub struct ContentTrustDisabled {
        id: "DM016", name: "client-content-trust-disabled", title: "Docker Content Trust not enabled",
        severity: Low, category: Security, aliases: ["CIS-4.5", "check_4_5", "CIS-DI-0005"],
        compliance: ["CIS-Docker-4.5", "SOC2-CC8.1"],
        remediation: "`export DOCKER_CONTENT_TRUST=1` where images are pulled and run.",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for ContentTrustDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let v = ctx.snapshot.client.content_trust.as_deref();
        if v.map(str::trim) == Some("1") {
            return;
        }
        let shown = v.unwrap_or("(unset)");
        out.push(
            ctx.finding(
                &Self::META,
                format!(
                    "content trust is off in the client environment (DOCKER_CONTENT_TRUST={shown})"
                ),
                "client / DOCKER_CONTENT_TRUST",
            )
            .with_evidence(Evidence::plain(format!("DOCKER_CONTENT_TRUST: {shown}"))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Snapshot;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn env() {
        let mut s = Snapshot::default();
        assert_eq!(
            objects(&run(&ContentTrustDisabled, &s)),
            ["client / DOCKER_CONTENT_TRUST"]
        );
        s.client.content_trust = Some("0".into());
        assert!(run(&ContentTrustDisabled, &s)[0].message.contains("=0"));
        s.client.content_trust = Some("1".into());
        assert!(run(&ContentTrustDisabled, &s).is_empty());
    }
}
