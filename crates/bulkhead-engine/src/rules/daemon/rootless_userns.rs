use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a daemon that runs as root without user-namespace remapping: `Info.SecurityOptions` holds
    /// neither `name=rootless` nor `name=userns`. A rootless engine is never flagged.
    ///
    /// ## Why it matters
    /// Without either, uid 0 in a container is uid 0 on the host: any container escape (a kernel bug, a
    /// mounted socket, a privileged flag) lands as root on the host (CIS Docker Benchmark 2.1 and 2.9).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{json .SecurityOptions}}'
    /// ["name=seccomp,profile=default"]
    /// ```
    ///
    /// ## Fix
    /// Run the daemon rootless (`dockerd-rootless-setuptool.sh install`), or remap users with
    /// `"userns-remap": "default"` in `/etc/docker/daemon.json` (`dockerd --userns-remap=default`) and
    /// restart the daemon.
    pub struct NoRootlessNoUserns {
        id: "DM001", name: "daemon-no-rootless-no-userns",
        title: "Daemon runs as root without user-namespace remapping", severity: Medium,
        category: Security, aliases: ["CIS-2.1", "CIS-2.9", "check_2_1", "check_2_9"],
        compliance: ["CIS-Docker-2.1", "CIS-Docker-2.9", "PCI-DSS-2.2.6"],
        remediation: "Run Docker rootless, or set `\"userns-remap\": \"default\"` in daemon.json (`dockerd --userns-remap=default`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for NoRootlessNoUserns {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.info.is_none() {
            return;
        }
        let opts = ctx.snapshot.security_options();
        if opts
            .iter()
            .any(|o| o.contains("name=rootless") || o.contains("name=userns"))
        {
            return;
        }
        out.push(
            ctx.daemon_finding(
                &Self::META,
                "Info.SecurityOptions",
                "the daemon runs as root and remaps no user namespace: root in a container is root on the host",
            )
            .with_evidence(Evidence::plain(format!("SecurityOptions: {opts:?}"))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn rootful_rootless_userns() {
        let f = run(&NoRootlessNoUserns, &fixture("rootful-default.json"));
        assert_eq!(objects(&f), ["daemon / Info.SecurityOptions"]);
        assert!(run(&NoRootlessNoUserns, &fixture("rootless.json")).is_empty());
        assert!(run(&NoRootlessNoUserns, &fixture("hardened.json")).is_empty());
        assert!(run(&NoRootlessNoUserns, &crate::Snapshot::default()).is_empty());
    }
}
