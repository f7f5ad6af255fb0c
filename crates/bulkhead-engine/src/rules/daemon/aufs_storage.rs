use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags the `aufs` storage driver (`Info.Driver`).
    ///
    /// ## Why it matters
    /// aufs is unmaintained, absent from current kernels and removed from Docker 24; it has known kernel
    /// crashes and security problems (CIS Docker Benchmark 2.6).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{.Driver}}'
    /// aufs
    /// ```
    ///
    /// ## Fix
    /// Move to `overlay2`: set `"storage-driver": "overlay2"` in `/etc/docker/daemon.json` (images and
    /// containers must be re-pulled or migrated).
    pub struct AufsStorage {
        id: "DM018", name: "daemon-aufs-storage", title: "aufs storage driver in use",
        severity: Medium, category: Security, aliases: ["CIS-2.6", "check_2_6"],
        compliance: ["CIS-Docker-2.6"],
        remediation: "Set `\"storage-driver\": \"overlay2\"` in daemon.json.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for AufsStorage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.info.as_ref().and_then(|i| i.driver.as_deref()) == Some("aufs") {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    "Info.Driver",
                    "the daemon stores images and containers with aufs",
                )
                .with_evidence(Evidence::plain("Driver: aufs")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn driver() {
        assert!(run(&AufsStorage, &fixture("rootful-default.json")).is_empty());
        assert_eq!(
            objects(&run(&AufsStorage, &fixture("insecure.json"))),
            ["daemon / Info.Driver"]
        );
    }
}
