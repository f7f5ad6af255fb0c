use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a daemon running in debug mode (`Info.Debug: true`).
    ///
    /// ## Why it matters
    /// Debug logging writes request details (including registry auth exchanges and environment passed to
    /// containers) to the daemon log, and floods it so real events get lost (CIS Docker Benchmark 2.3
    /// wants the log level `info`).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{.Debug}}'
    /// true
    /// ```
    ///
    /// ## Fix
    /// Remove `"debug": true` and set `"log-level": "info"` in `/etc/docker/daemon.json`
    /// (`dockerd --log-level=info`).
    pub struct DebugLogging {
        id: "DM019", name: "daemon-debug-logging", title: "Daemon in debug mode",
        severity: Low, category: Security, aliases: ["CIS-2.3", "check_2_3"],
        compliance: ["CIS-Docker-2.3"],
        remediation: "Remove `\"debug\": true`; set `\"log-level\": \"info\"` in daemon.json (`dockerd --log-level=info`).",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for DebugLogging {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.info.as_ref().and_then(|i| i.debug) == Some(true) {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    "Info.Debug",
                    "the daemon runs with debug logging",
                )
                .with_evidence(Evidence::plain("Debug: true")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn debug() {
        assert!(run(&DebugLogging, &fixture("rootful-default.json")).is_empty());
        assert_eq!(
            objects(&run(&DebugLogging, &fixture("insecure.json"))),
            ["daemon / Info.Debug"]
        );
    }
}
