use super::support::{host_config, security_opts, split_opt};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// On an engine whose daemon enforces AppArmor (`name=apparmor` in `docker info` security options),
    /// flags a container that runs without an AppArmor profile: `AppArmorProfile` is `unconfined` or
    /// `HostConfig.SecurityOpt` holds `apparmor=unconfined`. Privileged containers are left to CT005.
    /// On a daemon without AppArmor there is nothing to enforce and nothing is reported.
    ///
    /// ## Why it matters
    /// The default `docker-default` profile denies writes to `/proc` and `/sys` files, mounts and
    /// ptrace of processes outside the container: a second wall when a process escapes its namespaces
    /// (CIS Docker Benchmark 5.2).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --security-opt apparmor=unconfined app:1
    /// ```
    ///
    /// ## Fix
    /// Drop `--security-opt apparmor=unconfined` (the default profile applies) or give a custom profile:
    /// `--security-opt apparmor=my-profile` (compose `security_opt: ["apparmor=my-profile"]`).
    pub struct AppArmorUnconfined {
        id: "CT001", name: "container-apparmor-unconfined", title: "Container runs without AppArmor profile",
        severity: Medium, category: Security, aliases: ["CIS-5.2"],
        compliance: ["CIS-Docker-5.2", "PCI-DSS-2.2.1", "SOC2-CC6.8"],
        remediation: "Remove `--security-opt apparmor=unconfined` or set `--security-opt apparmor=<profile>` (compose `security_opt`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for AppArmorUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if !ctx
            .snapshot
            .security_options()
            .iter()
            .any(|o| o.contains("name=apparmor"))
        {
            return;
        }
        for c in ctx.containers() {
            if host_config(c).and_then(|h| h.privileged) == Some(true) {
                continue;
            }
            let opt = security_opts(c).into_iter().find(|o| {
                let (k, v) = split_opt(o);
                k == "apparmor" && v.as_deref() == Some("unconfined")
            });
            let profile = c.inspect.app_armor_profile.clone().unwrap_or_default();
            if opt.is_none() && profile != "unconfined" {
                continue;
            }
            let (field, value) = match opt {
                Some(o) => ("HostConfig.SecurityOpt", o),
                None => ("AppArmorProfile", profile),
            };
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    field,
                    format!("the daemon enforces AppArmor but this container is unconfined ({field}: {value})"),
                )
                .with_evidence(Evidence::plain(format!("{field}: {value}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn only_where_the_daemon_has_apparmor() {
        // The fixture's daemon has no AppArmor: `ct-apparmor` asked for unconfined, nothing to report.
        assert!(reported(&AppArmorUnconfined).is_empty());
        let mut snap = snapshot_with(vec![container("ct-apparmor"), container("ct-defaults")]);
        if let Some(i) = snap.info.as_mut() {
            i.security_options = Some(vec![
                "name=apparmor".into(),
                "name=seccomp,profile=default".into(),
            ]);
        }
        let f = run(&AppArmorUnconfined, &snap);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].location.object.as_deref(),
            Some("container ct-apparmor / HostConfig.SecurityOpt")
        );
        assert!(
            f[0].message.contains("apparmor=unconfined"),
            "{}",
            f[0].message
        );
    }
}
