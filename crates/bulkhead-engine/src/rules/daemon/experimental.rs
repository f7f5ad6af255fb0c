use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a daemon with experimental features on: `Info.ExperimentalBuild` (or `Version.Experimental`)
    /// is `true`.
    ///
    /// ## Why it matters
    /// Experimental features are unfinished, change without notice and get less security review; a
    /// production engine should not expose them (CIS Docker Benchmark 2.18).
    ///
    /// ## Example
    /// ```text
    /// $ docker version -f '{{.Server.Experimental}}'
    /// true
    /// ```
    ///
    /// ## Fix
    /// Remove `"experimental": true` from `/etc/docker/daemon.json` (`--experimental` from dockerd's
    /// flags) and restart the daemon.
    pub struct ExperimentalEnabled {
        id: "DM009", name: "daemon-experimental", title: "Experimental features enabled",
        severity: Low, category: Security, aliases: ["CIS-2.18", "check_2_18"],
        compliance: ["CIS-Docker-2.18"],
        remediation: "Remove `\"experimental\": true` from daemon.json (`dockerd --experimental`).",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for ExperimentalEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let s = ctx.snapshot;
        let info = s.info.as_ref().and_then(|i| i.experimental_build) == Some(true);
        let version = s.version.as_ref().and_then(|v| v.experimental) == Some(true);
        if info || version {
            let field = if info {
                "Info.ExperimentalBuild"
            } else {
                "Version.Experimental"
            };
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    field,
                    "experimental features are enabled on the daemon",
                )
                .with_evidence(Evidence::plain(format!("{field}: true"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn experimental() {
        assert!(run(&ExperimentalEnabled, &fixture("rootful-default.json")).is_empty());
        assert_eq!(
            objects(&run(&ExperimentalEnabled, &fixture("insecure.json"))),
            ["daemon / Info.ExperimentalBuild"]
        );
    }
}
