//! The `swarm` rules (`SW`): services (`Spec` of `docker service inspect`), overlay networks and the
//! cluster settings (`docker swarm` / `docker node` inspect data), CIS Docker Benchmark section 7. The
//! cluster-wide rules need a manager: on a worker the snapshot has no `Swarm` and they stay quiet.

use super::EngineRule;
use crate::snapshot::Snapshot;
use bollard::models::{Service, Swarm};

mod autolock;
mod ingress_port;
mod managers;
mod node_cert_expiry;
mod overlay_unencrypted;
mod secret_in_env;

pub use autolock::AutolockDisabled;
pub use ingress_port::IngressPublishedPort;
pub use managers::ManagerCount;
pub use node_cert_expiry::NodeCertExpiry;
pub use overlay_unencrypted::OverlayUnencrypted;
pub use secret_in_env::SecretInServiceEnv;

/// Every rule of this family.
pub fn rules() -> Vec<&'static dyn EngineRule> {
    vec![
        &SecretInServiceEnv,
        &IngressPublishedPort,
        &OverlayUnencrypted,
        &AutolockDisabled,
        &ManagerCount,
        &NodeCertExpiry,
    ]
}

/// The services of the snapshot's swarm.
pub(crate) fn services(snap: &Snapshot) -> &[Service] {
    snap.swarm
        .as_ref()
        .map(|s| s.services.as_slice())
        .unwrap_or(&[])
}

/// A service's name (its id when unnamed).
pub(crate) fn service_name(s: &Service) -> String {
    s.spec
        .as_ref()
        .and_then(|sp| sp.name.clone())
        .or_else(|| s.id.clone())
        .unwrap_or_else(|| "?".to_string())
}

/// The cluster object (managers only).
pub(crate) fn cluster(snap: &Snapshot) -> Option<&Swarm> {
    snap.swarm.as_ref()?.swarm.as_ref()
}

/// Fixture snapshots and runners shared by the rule tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::snapshot::Snapshot;

    pub use crate::rules::test_support::{objects, run};

    /// A fixture snapshot from `tests/fixtures/swarm/<name>`.
    pub fn fixture(name: &str) -> Snapshot {
        crate::rules::test_support::family_fixture("swarm", name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata() {
        let mut ids = std::collections::BTreeSet::new();
        for r in rules() {
            let m = r.meta();
            assert!(ids.insert(m.id) && m.id.starts_with("SW"), "{}", m.id);
            for s in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(m.doc.contains(s), "{} lacks {s}", m.id);
            }
            assert!(
                m.aliases.iter().any(|a| a.starts_with("CIS-7.")),
                "{}",
                m.id
            );
        }
        assert_eq!(ids.len(), 6);
    }

    #[test]
    fn no_swarm_no_findings() {
        // A non-Swarm engine (the daemon fixture has networks but no swarm) gets no SW finding.
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/daemon/rootful-default.json");
        let snap: Snapshot = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let opts = crate::rules::EngineCheckOptions::default();
        let ctx = crate::rules::EngineCheckContext::new(&snap, &opts);
        assert!(crate::rules::check_rules(&ctx, &rules()).is_empty());
    }
}
