use super::support::host_config;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container whose root filesystem is writable: `HostConfig.ReadonlyRootfs` is false.
    ///
    /// ## Why it matters
    /// A writable root filesystem lets an intruder drop tools, replace binaries and persist in the
    /// container; a read-only one, with `tmpfs` or volumes for the paths that must be written, makes the
    /// image the only truth and changes visible (CIS Docker Benchmark 5.13).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' web
    /// false
    /// ```
    ///
    /// ## Fix
    /// `docker run --read-only --tmpfs /tmp:rw,noexec,size=64m ...` (compose `read_only: true` and
    /// `tmpfs: ["/tmp"]`), with volumes for data directories.
    pub struct WritableRootfs {
        id: "CT012", name: "container-writable-rootfs", title: "Container root filesystem is writable",
        severity: Medium, category: Security, aliases: ["CIS-5.13"],
        compliance: ["CIS-Docker-5.13", "PCI-DSS-2.2.1", "SOC2-CC6.8"],
        remediation: "Add `--read-only` with `--tmpfs /tmp` for scratch space (compose `read_only: true`, `tmpfs`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for WritableRootfs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            if host_config(c).and_then(|h| h.readonly_rootfs) == Some(true) {
                continue;
            }
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.ReadonlyRootfs",
                    "ReadonlyRootfs is false: the root filesystem is writable",
                )
                .with_evidence(Evidence::plain("HostConfig.ReadonlyRootfs: false")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn read_only_is_quiet() {
        let r = reported(&WritableRootfs);
        assert!(!r.contains(&"ct-hardened".to_string()), "{r:?}");
        assert_eq!(r.len(), fixture().containers.len() - 1, "{r:?}");
    }
}
