use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

/// The default bridge's ICC option.
pub const ICC_OPTION: &str = "com.docker.network.bridge.enable_icc";

declare_rule! {
    /// ## What it does
    /// Flags inter-container communication left on for the default bridge: the `bridge` network's option
    /// `com.docker.network.bridge.enable_icc` is `true` (the daemon's `icc` setting, on by default).
    ///
    /// ## Why it matters
    /// With ICC on, every container on the default bridge reaches every port of every other one: one
    /// compromised container can probe and attack the rest (CIS Docker Benchmark 2.2).
    ///
    /// ## Example
    /// ```text
    /// $ docker network inspect bridge -f '{{index .Options "com.docker.network.bridge.enable_icc"}}'
    /// true
    /// ```
    ///
    /// ## Fix
    /// Set `"icc": false` in `/etc/docker/daemon.json` (`dockerd --icc=false`) and restart the daemon;
    /// containers that must talk get a user-defined network together.
    pub struct IccEnabled {
        id: "DM002", name: "daemon-icc-enabled", title: "Inter-container communication on the default bridge",
        severity: Medium, category: Security, aliases: ["CIS-2.2", "check_2_2"],
        compliance: ["CIS-Docker-2.2", "PCI-DSS-1.3"],
        remediation: "Set `\"icc\": false` in daemon.json (`dockerd --icc=false`); use user-defined networks.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for IccEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for n in &ctx.snapshot.networks {
            let Some(opts) = n.options.as_ref() else {
                continue;
            };
            let default_bridge = opts
                .get("com.docker.network.bridge.default_bridge")
                .is_some_and(|v| v == "true")
                || (n.name.as_deref() == Some("bridge") && n.driver.as_deref() == Some("bridge"));
            if !default_bridge {
                continue;
            }
            if let Some(v) = opts.get(ICC_OPTION)
                && v == "true"
            {
                out.push(
                    ctx.daemon_finding(
                        &Self::META,
                        &format!("network {} Options.{ICC_OPTION}", n.name.as_deref().unwrap_or("bridge")),
                        "containers on the default bridge can reach each other on every port (icc is on)",
                    )
                    .with_evidence(Evidence::plain(format!("{ICC_OPTION}: {v}"))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn icc_on_and_off() {
        let f = run(&IccEnabled, &fixture("rootful-default.json"));
        assert_eq!(
            objects(&f),
            ["daemon / network bridge Options.com.docker.network.bridge.enable_icc"]
        );
        assert!(run(&IccEnabled, &fixture("hardened.json")).is_empty());
    }
}
