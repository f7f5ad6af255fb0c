use super::support::host_config;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a container placed in a custom cgroup: `HostConfig.CgroupParent` is set
    /// (`--cgroup-parent`), for the operator to confirm.
    ///
    /// ## Why it matters
    /// The default cgroup keeps the container under the engine's resource accounting and limits; a
    /// custom parent moves it elsewhere in the host's hierarchy, where other limits (or none) apply (CIS
    /// Docker Benchmark 5.25).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --cgroup-parent /system.slice app:1
    /// ```
    ///
    /// ## Fix
    /// Remove `--cgroup-parent` (compose `cgroup_parent`) unless the parent is a deliberately limited
    /// slice.
    pub struct CgroupParent {
        id: "CT021", name: "container-cgroup-parent", title: "Container in a custom cgroup",
        severity: Low, category: Security, aliases: ["CIS-5.25"],
        compliance: ["CIS-Docker-5.25"],
        remediation: "Remove `--cgroup-parent` (compose `cgroup_parent`) unless deliberate.",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for CgroupParent {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let parent = host_config(c)
                .and_then(|h| h.cgroup_parent.clone())
                .unwrap_or_default();
            if parent.trim().is_empty() {
                continue;
            }
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.CgroupParent",
                    format!(
                        "CgroupParent is `{parent}`: confirm that cgroup limits this container"
                    ),
                )
                .with_evidence(Evidence::plain(format!(
                    "HostConfig.CgroupParent: {parent}"
                ))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn custom_parent_only() {
        assert_eq!(reported(&CgroupParent), ["ct-cgroup"]);
        let c = variant("ct-defaults", "cg", |v| {
            v["inspect"]["HostConfig"]["CgroupParent"] = serde_json::json!("/system.slice");
        });
        assert_eq!(
            run_on(&CgroupParent, c)[0].message,
            "CgroupParent is `/system.slice`: confirm that cgroup limits this container"
        );
    }
}
