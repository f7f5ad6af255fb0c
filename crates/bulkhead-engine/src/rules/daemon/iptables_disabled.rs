use super::DaemonConfig;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a daemon not allowed to manage iptables: `"iptables": false` in `daemon.json` or
    /// `dockerd --iptables=false` (read when bulkhead runs on the engine's host). Quiet on a rootless
    /// engine.
    ///
    /// ## Why it matters
    /// With iptables off, Docker installs none of its filtering rules: `icc=false` and
    /// network isolation between bridges are not enforced, and published ports depend on hand-written
    /// firewall rules that drift from what containers publish (CIS Docker Benchmark 2.4).
    ///
    /// ## Example
    /// ```text
    /// $ ps -o args= -C dockerd
    /// /usr/sbin/dockerd --iptables=false
    /// ```
    ///
    /// ## Fix
    /// Remove `"iptables": false` from `/etc/docker/daemon.json` (and `--iptables=false` from dockerd's
    /// flags), restart the daemon, and put host rules in the `DOCKER-USER` chain.
    pub struct IptablesDisabled {
        id: "DM017", name: "daemon-iptables-disabled", title: "Docker not allowed to manage iptables",
        severity: Low, category: Security, aliases: ["CIS-2.4", "check_2_4"],
        compliance: ["CIS-Docker-2.4"],
        remediation: "Remove `\"iptables\": false` from daemon.json (`dockerd --iptables=false`); use the DOCKER-USER chain.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for IptablesDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.rootless() {
            return;
        }
        if let Some((false, src)) = DaemonConfig::of(ctx.snapshot).bool_setting("iptables") {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    "iptables",
                    format!("Docker may not manage iptables ({src}): icc=false and network isolation are not enforced"),
                )
                .with_evidence(Evidence::plain(src)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn flag_and_json() {
        let base = fixture("rootful-default.json");
        let f = run(
            &IptablesDisabled,
            &with_host(base.clone(), vec![], Some(&["--iptables=false"]), None),
        );
        assert_eq!(objects(&f), ["daemon / iptables"]);
        assert!(f[0].message.contains("dockerd --iptables=false"));
        assert_eq!(
            run(
                &IptablesDisabled,
                &with_host(base.clone(), vec![], None, Some(r#"{"iptables": false}"#))
            )
            .len(),
            1
        );
        assert!(
            run(
                &IptablesDisabled,
                &with_host(base.clone(), vec![], Some(&[]), None)
            )
            .is_empty()
        );
        assert!(run(&IptablesDisabled, &base).is_empty());
    }
}
