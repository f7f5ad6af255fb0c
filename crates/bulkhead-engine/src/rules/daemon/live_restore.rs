use super::swarm_active;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `Info.LiveRestoreEnabled: false`. Not flagged on a Swarm node, where live restore is not
    /// supported.
    ///
    /// ## Why it matters
    /// Without live restore, stopping or upgrading the daemon stops every container: patching the engine
    /// means downtime, so patches get delayed (CIS Docker Benchmark 2.15).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{.LiveRestoreEnabled}}'
    /// false
    /// ```
    ///
    /// ## Fix
    /// Set `"live-restore": true` in `/etc/docker/daemon.json` (`dockerd --live-restore`) and reload the
    /// daemon (`systemctl reload docker`).
    pub struct LiveRestoreDisabled {
        id: "DM005", name: "daemon-live-restore-disabled", title: "Live restore disabled",
        severity: Low, category: Security, aliases: ["CIS-2.15", "check_2_15"],
        compliance: ["CIS-Docker-2.15"],
        remediation: "Set `\"live-restore\": true` in daemon.json (`dockerd --live-restore`).",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for LiveRestoreDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let Some(info) = ctx.snapshot.info.as_ref() else {
            return;
        };
        if info.live_restore_enabled == Some(false) && !swarm_active(ctx.snapshot) {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    "Info.LiveRestoreEnabled",
                    "live restore is off: restarting or upgrading the daemon stops every container",
                )
                .with_evidence(Evidence::plain("LiveRestoreEnabled: false")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn off_on_swarm() {
        assert_eq!(
            objects(&run(&LiveRestoreDisabled, &fixture("rootful-default.json"))),
            ["daemon / Info.LiveRestoreEnabled"]
        );
        assert!(run(&LiveRestoreDisabled, &fixture("hardened.json")).is_empty());
        let mut s = fixture("rootful-default.json");
        if let Some(sw) = s.info.as_mut().and_then(|i| i.swarm.as_mut()) {
            sw.local_node_state = Some(bollard::models::LocalNodeState::ACTIVE);
        }
        assert!(run(&LiveRestoreDisabled, &s).is_empty());
    }
}
