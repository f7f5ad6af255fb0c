use super::support::{host_config, root_is_remapped};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container that opts out of user-namespace remapping: `HostConfig.UsernsMode: host`
    /// (`--userns host`). Medium on an engine that remaps (`name=userns` in the daemon's security options
    /// or a rootless engine): the container's root is then the host's root while every other container's
    /// is not. Low elsewhere: the flag changes nothing today but keeps the container root-equivalent the
    /// day remapping is turned on.
    ///
    /// ## Why it matters
    /// User-namespace remapping makes root in a container an unprivileged user on the host, the strongest
    /// defence against escapes; `--userns host` throws it away for this container (CIS Docker Benchmark
    /// 5.31).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --userns host app:1
    /// ```
    ///
    /// ## Fix
    /// Remove `--userns host` (compose `userns_mode: host`); fix the file ownership that made it necessary.
    pub struct HostUserns {
        id: "CT025", name: "container-host-userns", title: "Container shares the host user namespace",
        severity: Medium, category: Security, aliases: ["CIS-5.31"],
        compliance: ["CIS-Docker-5.31", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Remove `--userns host` (compose `userns_mode`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for HostUserns {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let remapped = root_is_remapped(ctx.snapshot);
        for c in ctx.containers() {
            let mode = host_config(c)
                .and_then(|h| h.userns_mode.clone())
                .unwrap_or_default();
            if !mode.trim().eq_ignore_ascii_case("host") {
                continue;
            }
            let (why, sev) = if remapped {
                (
                    "the engine remaps root but this container's root is the host's root",
                    Self::META.severity,
                )
            } else {
                (
                    "the engine does not remap users now, so this opts the container out of remapping once enabled",
                    Severity::Low,
                )
            };
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.UsernsMode",
                    format!("UsernsMode is `host`: {why}"),
                )
                .with_severity(sev)
                .with_evidence(Evidence::plain("HostConfig.UsernsMode: host")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn userns_host_by_daemon() {
        assert_eq!(reported(&HostUserns), ["ct-host-userns"]);
        assert_eq!(
            run_named(&HostUserns, "ct-host-userns")[0].severity,
            Severity::Low
        );
        let mut snap = snapshot_with(vec![container("ct-host-userns"), container("ct-defaults")]);
        if let Some(i) = snap.info.as_mut() {
            i.security_options = Some(vec!["name=userns".into()]);
        }
        let f = run(&HostUserns, &snap);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
    }
}
