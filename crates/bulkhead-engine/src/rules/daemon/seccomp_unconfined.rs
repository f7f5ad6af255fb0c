use super::DaemonConfig;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a daemon whose default seccomp profile is disabled: `Info.SecurityOptions` holds
    /// `name=seccomp,profile=unconfined`, or `daemon.json "seccomp-profile"` / `dockerd --seccomp-profile`
    /// is `unconfined`.
    ///
    /// ## Why it matters
    /// The default seccomp profile blocks about 44 system calls (`keyctl`, `add_key`, `unshare`, `mount`,
    /// `bpf`, ...) that most kernel container escapes use. Unconfined by default, every container runs
    /// without that filter (CIS Docker Benchmark 2.17).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{json .SecurityOptions}}'
    /// ["name=seccomp,profile=unconfined"]
    /// ```
    ///
    /// ## Fix
    /// Remove `"seccomp-profile": "unconfined"` from `/etc/docker/daemon.json` (and
    /// `--seccomp-profile=unconfined` from dockerd's flags), or point it at a custom profile
    /// (`"seccomp-profile": "/etc/docker/seccomp.json"`); restart the daemon.
    pub struct SeccompUnconfined {
        id: "DM007", name: "daemon-seccomp-unconfined", title: "Default seccomp profile disabled",
        severity: High, category: Security, aliases: ["CIS-2.17", "check_2_17"],
        compliance: ["CIS-Docker-2.17", "PCI-DSS-2.2.6"],
        remediation: "Remove `\"seccomp-profile\": \"unconfined\"` from daemon.json (`--seccomp-profile`); keep the default or a custom profile.",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for SeccompUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let opts = ctx.snapshot.security_options();
        if let Some(o) = opts
            .iter()
            .find(|o| o.contains("name=seccomp") && o.contains("profile=unconfined"))
        {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    "Info.SecurityOptions",
                    "containers run without a seccomp filter by default (profile=unconfined)",
                )
                .with_evidence(Evidence::plain(format!("SecurityOptions: {o}"))),
            );
            return;
        }
        let cfg = DaemonConfig::of(ctx.snapshot);
        if let Some(p) = cfg.string_setting("seccomp-profile")
            && p.trim() == "unconfined"
        {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    "seccomp-profile",
                    "the daemon is configured to run containers without a seccomp filter (seccomp-profile: unconfined)",
                )
                .with_evidence(Evidence::plain("seccomp-profile: unconfined")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn unconfined_only() {
        assert!(run(&SeccompUnconfined, &fixture("rootful-default.json")).is_empty());
        assert_eq!(
            objects(&run(&SeccompUnconfined, &fixture("insecure.json"))),
            ["daemon / Info.SecurityOptions"]
        );
        let s = with_host(
            fixture("rootful-default.json"),
            vec![],
            None,
            Some(r#"{"seccomp-profile": "unconfined"}"#),
        );
        assert_eq!(
            objects(&run(&SeccompUnconfined, &s)),
            ["daemon / seccomp-profile"]
        );
        let s = with_host(
            fixture("rootful-default.json"),
            vec![],
            None,
            Some(r#"{"seccomp-profile": "/etc/docker/seccomp.json"}"#),
        );
        assert!(run(&SeccompUnconfined, &s).is_empty());
    }
}
