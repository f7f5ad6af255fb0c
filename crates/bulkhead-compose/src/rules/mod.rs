//! The compose rules (`CP`). One rule per file; the file's doc comment (through `declare_rule!`) is the
//! rule's documentation. Findings point at the file, line and column of the key or value concerned.
//!
//! Service rules: CP001-CP023 (one file each); [`support`] holds what they share.
//! Segmentation rules: CP024-CP026 (one file each); [`segment`] holds what they share.

mod apparmor_unconfined;
mod capabilities_not_dropped;
mod dangerous_capability;
mod data_tier_shares_public;
mod devices;
mod docker_socket;
mod flat_network;
mod host_ipc;
mod host_network;
mod host_pid;
mod host_userns;
mod host_uts;
mod mutable_image_tag;
mod network_not_internal;
mod no_cpu_limit;
mod no_memory_limit;
mod no_new_privileges;
mod no_pids_limit;
mod port_all_interfaces;
mod privileged;
mod restart_policy;
mod root_user;
mod seccomp_unconfined;
mod secret_in_env;
pub mod segment;
mod sensitive_mount;
pub mod support;
mod writable_rootfs;

pub use apparmor_unconfined::ApparmorUnconfined;
pub use capabilities_not_dropped::CapabilitiesNotDropped;
pub use dangerous_capability::DangerousCapability;
pub use data_tier_shares_public::DataTierSharesPublic;
pub use devices::HostDevices;
pub use docker_socket::{DockerSocket, is_engine_socket};
pub use flat_network::FlatNetwork;
pub use host_ipc::HostIpc;
pub use host_network::HostNetwork;
pub use host_pid::HostPid;
pub use host_userns::HostUserns;
pub use host_uts::HostUts;
pub use mutable_image_tag::{MutableImageTag, is_latest};
pub use network_not_internal::NetworkNotInternal;
pub use no_cpu_limit::NoCpuLimit;
pub use no_memory_limit::NoMemoryLimit;
pub use no_new_privileges::NoNewPrivileges;
pub use no_pids_limit::NoPidsLimit;
pub use port_all_interfaces::PortAllInterfaces;
pub use privileged::Privileged;
pub use restart_policy::RestartPolicy;
pub use root_user::RootUser;
pub use seccomp_unconfined::SeccompUnconfined;
pub use secret_in_env::SecretInEnv;
pub use sensitive_mount::{SensitiveMount, is_sensitive};
pub use writable_rootfs::WritableRootfs;

use crate::node::Node;
use crate::project::Project;
use bulkhead_core::{Finding, Location, Profile, RuleMeta, Span};

/// Options the rules read.
#[derive(Debug, Clone)]
pub struct ComposeCheckOptions {
    /// The policy profile: `dev` does not demand read-only or limits; `production` and `regulated` do.
    pub profile: Profile,
}

impl Default for ComposeCheckOptions {
    fn default() -> Self {
        ComposeCheckOptions {
            profile: Profile::Staging,
        }
    }
}

/// Everything a rule sees.
pub struct ComposeCheckContext<'a> {
    pub project: &'a Project,
    pub options: &'a ComposeCheckOptions,
}

impl<'a> ComposeCheckContext<'a> {
    /// A finding at a node (its file and span).
    pub fn finding_at(&self, meta: &RuleMeta, node: &Node, message: impl Into<String>) -> Finding {
        let path = self
            .project
            .path_of(&node.pos)
            .map(|p| p.display().to_string());
        let end = node.end.unwrap_or(node.pos);
        let span = Span {
            start_line: node.pos.line,
            start_column: node.pos.column,
            end_line: end.line,
            end_column: end.column,
            byte_start: node.pos.offset,
            byte_end: end.offset.max(node.pos.offset),
        };
        Finding::new(
            meta,
            message,
            Location {
                path,
                span: (node.pos.line > 0).then_some(span),
                object: None,
            },
        )
    }
}

/// One compose rule.
pub trait ComposeRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>);
}

/// Every compose rule.
pub fn registry() -> Vec<&'static dyn ComposeRule> {
    vec![
        &Privileged,
        &DangerousCapability,
        &CapabilitiesNotDropped,
        &WritableRootfs,
        &NoNewPrivileges,
        &SeccompUnconfined,
        &ApparmorUnconfined,
        &RootUser,
        &DockerSocket,
        &SensitiveMount,
        &HostNetwork,
        &HostPid,
        &HostIpc,
        &HostUserns,
        &HostUts,
        &PortAllInterfaces,
        &SecretInEnv,
        &NoMemoryLimit,
        &NoCpuLimit,
        &NoPidsLimit,
        &HostDevices,
        &MutableImageTag,
        &RestartPolicy,
        &DataTierSharesPublic,
        &FlatNetwork,
        &NetworkNotInternal,
    ]
}

/// Metadata of every compose rule.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    registry().into_iter().map(|r| r.meta()).collect()
}

/// Run `rules` over a project.
pub fn check_rules(ctx: &ComposeCheckContext, rules: &[&'static dyn ComposeRule]) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in rules {
        r.check(ctx, &mut out);
    }
    crate::fix::attach(ctx, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ids_unique_ordered_documented() {
        let metas = all_meta();
        assert_eq!(metas.len(), 26);
        for (i, m) in metas.iter().enumerate() {
            assert_eq!(m.id, format!("CP{:03}", i + 1));
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
                "```yaml",
            ] {
                assert!(m.doc.contains(section), "{} lacks {section}", m.id);
            }
            // Service rules map to a CIS Docker control; segmentation rules (CP024+) to PCI DSS.
            if i < 23 {
                assert!(m.aliases.iter().any(|a| a.starts_with("CIS-")), "{}", m.id);
            } else {
                assert!(
                    m.compliance.iter().any(|c| c.starts_with("PCI-DSS")),
                    "{}",
                    m.id
                );
            }
            assert!(m.name.starts_with("compose-"), "{}", m.id);
        }
    }
}
