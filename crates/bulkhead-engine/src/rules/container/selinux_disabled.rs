use super::support::{host_config, security_opts, split_opt};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container whose SELinux labelling is switched off: `HostConfig.SecurityOpt` holds
    /// `label=disable` (or the old spelling `label:disable`). The engine itself adds `label=disable` to
    /// privileged containers and to those sharing the host's PID or IPC namespace: those are left to
    /// CT005, CT015 and CT016.
    ///
    /// ## Why it matters
    /// On an SELinux host, the container's process label confines what it may touch on the host even
    /// after an escape; `label=disable` runs it unconfined (CIS Docker Benchmark 5.3). The option says so
    /// explicitly, so it is reported whatever the daemon's current SELinux state.
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --security-opt label=disable app:1
    /// ```
    ///
    /// ## Fix
    /// Remove `--security-opt label=disable` (compose `security_opt`); when a bind mount needs
    /// relabelling, use the `:z`/`:Z` mount option instead, or set a specific type with
    /// `--security-opt label=type:<type>`.
    pub struct SelinuxDisabled {
        id: "CT002", name: "container-selinux-disabled", title: "Container SELinux labelling disabled",
        severity: Medium, category: Security, aliases: ["CIS-5.3"],
        compliance: ["CIS-Docker-5.3", "PCI-DSS-2.2.1", "SOC2-CC6.8"],
        remediation: "Remove `--security-opt label=disable` (compose `security_opt`); relabel mounts with `:z`/`:Z`.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for SelinuxDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let implied = host_config(c).is_some_and(|h| {
                h.privileged == Some(true)
                    || h.pid_mode.as_deref() == Some("host")
                    || h.ipc_mode.as_deref() == Some("host")
            });
            if implied {
                continue;
            }
            let Some(opt) = security_opts(c).into_iter().find(|o| {
                let (k, v) = split_opt(o);
                k == "label" && v.is_some_and(|v| v.eq_ignore_ascii_case("disable"))
            }) else {
                continue;
            };
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.SecurityOpt",
                    format!("SELinux labelling is disabled (SecurityOpt holds `{opt}`)"),
                )
                .with_evidence(Evidence::plain(format!("HostConfig.SecurityOpt: {opt}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn label_disable_in_both_spellings() {
        // The engine adds `label=disable` to ct-privileged, ct-host-pid and ct-host-ipc by itself.
        assert_eq!(reported(&SelinuxDisabled), ["ct-selinux"]);
        let old = variant("ct-defaults", "old", |v| {
            v["inspect"]["HostConfig"]["SecurityOpt"] = serde_json::json!(["label:disable"]);
        });
        assert_eq!(run_on(&SelinuxDisabled, old).len(), 1);
        let typed = variant("ct-defaults", "typed", |v| {
            v["inspect"]["HostConfig"]["SecurityOpt"] =
                serde_json::json!(["label=type:svirt_apache_t"]);
        });
        assert!(run_on(&SelinuxDisabled, typed).is_empty());
    }
}
