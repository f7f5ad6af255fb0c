//! The engine audit rules. Four families, one rule per file, each file's doc comment (through
//! `declare_rule!`) being the rule's documentation:
//!
//! - `CT` containers (`container/`): user, privileges, capabilities, filesystem, namespaces, mounts, ports,
//!   limits, health, secrets in `Config.Env`, image pinning;
//! - `DM` daemon and host (`daemon/`): rootless, userns, ICC, live restore, TLS, registries, file permissions,
//!   content trust;
//! - `NW` network segmentation (`network/`): default bridge, tiers sharing networks, `internal` networks;
//! - `SW` Swarm (`swarm/`): secrets through env, ingress ports, overlay encryption, autolock, managers.
//!
//! Findings name the engine in [`Location::path`] and the object in [`Location::object`]:
//! `container web / HostConfig.CapDrop`, `daemon / Info.SecurityOptions`, `network backend / Internal`,
//! `service api / Spec.TaskTemplate.ContainerSpec.Env[2]`. Each message gives the current value and each
//! remediation the exact `docker run` flag or compose key.

use crate::snapshot::{Container, Snapshot};
use bulkhead_core::{Finding, Location, RuleMeta};

pub mod container;
pub mod daemon;
pub mod network;
pub mod swarm;

/// Options the rules read.
#[derive(Debug, Clone, Default)]
pub struct EngineCheckOptions {
    /// Id of the container bulkhead itself runs in, when it does: never audited.
    pub self_container: Option<String>,
}

/// Everything a rule sees.
pub struct EngineCheckContext<'a> {
    pub snapshot: &'a Snapshot,
    pub options: &'a EngineCheckOptions,
}

impl<'a> EngineCheckContext<'a> {
    pub fn new(snapshot: &'a Snapshot, options: &'a EngineCheckOptions) -> Self {
        EngineCheckContext { snapshot, options }
    }

    /// The containers to audit (all but bulkhead's own).
    pub fn containers(&self) -> impl Iterator<Item = &'a Container> + '_ {
        self.snapshot.containers.iter().filter(|c| {
            !self
                .options
                .self_container
                .as_deref()
                .is_some_and(|me| c.inspect.id.as_deref().is_some_and(|id| id.starts_with(me)))
        })
    }

    /// A finding about `object` (`container web / HostConfig.Privileged`).
    pub fn finding(
        &self,
        meta: &RuleMeta,
        message: impl Into<String>,
        object: impl Into<String>,
    ) -> Finding {
        Finding::new(
            meta,
            message,
            Location {
                path: Some(self.snapshot.host.clone()),
                span: None,
                object: Some(object.into()),
            },
        )
    }

    /// A finding about a field of a container's inspect data (`HostConfig.CapDrop`).
    pub fn container_finding(
        &self,
        meta: &RuleMeta,
        container: &Container,
        field: &str,
        message: impl Into<String>,
    ) -> Finding {
        self.finding(
            meta,
            message,
            format!("container {} / {field}", container.name()),
        )
    }

    /// A finding about the daemon (`Info.SecurityOptions`, `/etc/docker/daemon.json`).
    pub fn daemon_finding(
        &self,
        meta: &RuleMeta,
        field: &str,
        message: impl Into<String>,
    ) -> Finding {
        self.finding(meta, message, format!("daemon / {field}"))
    }

    /// A finding about a network (`Internal`, `Containers`).
    pub fn network_finding(
        &self,
        meta: &RuleMeta,
        network: &str,
        field: &str,
        message: impl Into<String>,
    ) -> Finding {
        self.finding(meta, message, format!("network {network} / {field}"))
    }

    /// A finding about a Swarm service (`Spec.TaskTemplate.ContainerSpec.Env[2]`).
    pub fn service_finding(
        &self,
        meta: &RuleMeta,
        service: &str,
        field: &str,
        message: impl Into<String>,
    ) -> Finding {
        self.finding(meta, message, format!("service {service} / {field}"))
    }
}

/// One engine rule.
pub trait EngineRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>);
}

/// Every engine rule: containers, daemon, network, swarm.
pub fn registry() -> Vec<&'static dyn EngineRule> {
    let mut v = container::rules();
    v.extend(daemon::rules());
    v.extend(network::rules());
    v.extend(swarm::rules());
    v
}

/// Metadata of every engine rule.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    registry().into_iter().map(|r| r.meta()).collect()
}

/// The rules `policy` enables.
pub fn enabled(policy: &bulkhead_core::Policy) -> Vec<&'static dyn EngineRule> {
    registry()
        .into_iter()
        .filter(|r| policy.rule_enabled(r.meta()))
        .collect()
}

/// Run `rules` over a snapshot as an audit does: bulkhead's own container, when it runs in one, is left out.
pub fn check_snapshot(snap: &Snapshot, rules: &[&'static dyn EngineRule]) -> Vec<Finding> {
    let options = EngineCheckOptions {
        self_container: crate::collect::self_container_id(),
    };
    check_rules(&EngineCheckContext::new(snap, &options), rules)
}

/// Run `rules` over the snapshot.
pub fn check_rules(ctx: &EngineCheckContext, rules: &[&'static dyn EngineRule]) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in rules {
        r.check(ctx, &mut out);
    }
    out
}

/// Fixture loading and rule runners shared by the rule families' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{EngineCheckContext, EngineCheckOptions, EngineRule};
    use crate::snapshot::Snapshot;
    use bulkhead_core::Finding;

    /// A fixture snapshot from `tests/fixtures/<family>/<name>`.
    pub fn family_fixture(family: &str, name: &str) -> Snapshot {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(family)
            .join(name);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// Run one rule.
    pub fn run(rule: &dyn EngineRule, snap: &Snapshot) -> Vec<Finding> {
        let opts = EngineCheckOptions::default();
        let ctx = EngineCheckContext::new(snap, &opts);
        let mut out = Vec::new();
        rule.check(&ctx, &mut out);
        out
    }

    /// The objects of findings.
    pub fn objects(f: &[Finding]) -> Vec<String> {
        f.iter()
            .map(|x| x.location.object.clone().unwrap_or_default())
            .collect()
    }
}
