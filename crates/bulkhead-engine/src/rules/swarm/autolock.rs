use super::cluster;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a swarm whose managers are not auto-locked: `Spec.EncryptionConfig.AutoLockManagers` is not
    /// `true` (read on a manager).
    ///
    /// ## Why it matters
    /// The Raft log (secrets, configs, TLS keys) is encrypted on disk, but without autolock its key sits
    /// next to it on every manager: a stolen disk or backup gives every Swarm secret. With autolock, a
    /// restarted manager needs the unlock key (CIS Docker Benchmark 7.5).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}'
    /// false
    /// ```
    ///
    /// ## Fix
    /// `docker swarm update --autolock=true` and keep the printed unlock key in a password manager;
    /// rotate it periodically with `docker swarm unlock-key --rotate`.
    pub struct AutolockDisabled {
        id: "SW004", name: "swarm-autolock-disabled", title: "Swarm managers not auto-locked",
        severity: Medium, category: Security, aliases: ["CIS-7.5", "check_7_5"],
        compliance: ["CIS-Docker-7.5", "PCI-DSS-3.6"],
        remediation: "`docker swarm update --autolock=true`; store the unlock key safely.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for AutolockDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let Some(sw) = cluster(ctx.snapshot) else {
            return;
        };
        let v = sw
            .spec
            .as_ref()
            .and_then(|s| s.encryption_config.as_ref())
            .and_then(|e| e.auto_lock_managers);
        if v != Some(true) {
            out.push(
                ctx.finding(
                    &Self::META,
                    "swarm managers are not auto-locked: the Raft encryption key is stored unprotected on each manager",
                    "swarm / Spec.EncryptionConfig.AutoLockManagers",
                )
                .with_evidence(Evidence::plain(format!(
                    "AutoLockManagers: {}",
                    v.map_or("(unset)".to_string(), |b| b.to_string())
                ))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::swarm::test_support::*;

    #[test]
    fn autolock() {
        assert_eq!(
            objects(&run(&AutolockDisabled, &fixture("swarm-bad.json"))),
            ["swarm / Spec.EncryptionConfig.AutoLockManagers"]
        );
        assert!(run(&AutolockDisabled, &fixture("swarm-good.json")).is_empty());
        assert!(run(&AutolockDisabled, &crate::Snapshot::default()).is_empty());
    }
}
