use super::support::{security_opts, split_opt};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container run without a seccomp profile: `HostConfig.SecurityOpt` holds
    /// `seccomp=unconfined` (or `seccomp:unconfined`). Privileged containers (which also lose seccomp)
    /// are CT005's.
    ///
    /// ## Why it matters
    /// Docker's default seccomp profile blocks about 50 rarely needed system calls (`keyctl`, `bpf`,
    /// `userfaultfd`, `mount`, `unshare`, ...) that keep turning up in kernel exploits; unconfined hands
    /// the whole kernel surface to the container (CIS Docker Benchmark 5.22).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --security-opt seccomp=unconfined app:1
    /// ```
    ///
    /// ## Fix
    /// Remove `--security-opt seccomp=unconfined` (compose `security_opt`), or give a profile that allows
    /// just the extra call: `--security-opt seccomp=/path/profile.json`.
    pub struct SeccompUnconfined {
        id: "CT020", name: "container-seccomp-unconfined", title: "Container runs without seccomp",
        severity: High, category: Security, aliases: ["CIS-5.22"],
        compliance: ["CIS-Docker-5.22", "PCI-DSS-2.2.1", "SOC2-CC6.8"],
        remediation: "Remove `--security-opt seccomp=unconfined` or use a custom profile (compose `security_opt`).",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for SeccompUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let Some(opt) = security_opts(c).into_iter().find(|o| {
                let (k, v) = split_opt(o);
                k == "seccomp" && v.is_some_and(|v| v.eq_ignore_ascii_case("unconfined"))
            }) else {
                continue;
            };
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.SecurityOpt",
                    format!("seccomp is disabled (SecurityOpt holds `{opt}`)"),
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
    fn unconfined_only() {
        assert_eq!(reported(&SeccompUnconfined), ["ct-seccomp"]);
        let custom = variant("ct-seccomp", "custom", |v| {
            v["inspect"]["HostConfig"]["SecurityOpt"] =
                serde_json::json!(["seccomp=/etc/docker/seccomp.json"]);
        });
        assert!(run_on(&SeccompUnconfined, custom).is_empty());
        let old = variant("ct-seccomp", "old", |v| {
            v["inspect"]["HostConfig"]["SecurityOpt"] = serde_json::json!(["seccomp:unconfined"]);
        });
        assert_eq!(run_on(&SeccompUnconfined, old).len(), 1);
    }
}
