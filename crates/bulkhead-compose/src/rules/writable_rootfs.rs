use super::support::{finding, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service without `read_only: true`: the key missing, or set to false. Runs from the
    /// `production` profile: development does not demand a read-only root filesystem.
    ///
    /// ## Why it matters
    /// A writable root filesystem lets an intruder drop tools, change binaries and configuration, and
    /// persist until the container is recreated (CIS Docker Benchmark 5.13).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: api:3
    /// ```
    ///
    /// ## Fix
    /// `read_only: true`, with `tmpfs: [/tmp, /run]` (or volumes) for the paths the service writes.
    pub struct WritableRootfs {
        id: "CP004", name: "compose-writable-rootfs", title: "Service root filesystem is writable",
        severity: Medium, category: Security, aliases: ["CIS-5.13"],
        compliance: ["CIS-Docker-5.13", "PCI-DSS-2.2.1", "SOC2-CC6.8"],
        remediation: "Set `read_only: true` and `tmpfs: [/tmp, /run]` for the paths written.",
        min_profile: Production, fixable: true,
    }
}

impl ComposeRule for WritableRootfs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            let (node, msg, ev) = match svc.get("read_only") {
                Some(v) if v.as_bool() == Some(true) => continue,
                Some(v) => {
                    let t = v.scalar_text().unwrap_or_default();
                    (
                        v,
                        format!(
                            "service `{}` sets `read_only: {t}`: the root filesystem is writable; use `read_only: true` with `tmpfs: [/tmp, /run]`",
                            svc.name
                        ),
                        format!("read_only: {t}"),
                    )
                }
                None => (
                    &svc.key,
                    format!(
                        "service `{}` has no `read_only: true`: the root filesystem is writable; add it with `tmpfs: [/tmp, /run]`",
                        svc.name
                    ),
                    "read_only: (unset)".to_string(),
                ),
            };
            out.push(finding(ctx, &Self::META, &svc, node, msg).with_evidence(Evidence::plain(ev)));
        }
    }
}
