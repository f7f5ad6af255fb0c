use super::support::{host_config, security_opts, split_opt};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

/// Whether a `SecurityOpt` entry turns no-new-privileges on: `no-new-privileges`,
/// `no-new-privileges:true`, `no-new-privileges=true`.
pub fn enables_nnp(opt: &str) -> bool {
    let (k, v) = split_opt(opt);
    k == "no-new-privileges" && v.is_none_or(|v| v.eq_ignore_ascii_case("true"))
}

declare_rule! {
    /// ## What it does
    /// Flags a container that can gain privileges through setuid/setgid binaries or file capabilities:
    /// `HostConfig.SecurityOpt` lacks `no-new-privileges` (also accepted: `no-new-privileges:true`,
    /// `no-new-privileges=true`). Privileged containers are CT005's.
    ///
    /// ## Why it matters
    /// `no-new-privileges` makes `execve` unable to raise privileges: a process that starts as an
    /// unprivileged user stays one even if the image ships `su`, `sudo` or another setuid binary (CIS
    /// Docker Benchmark 5.26).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .HostConfig.SecurityOpt}}' web
    /// null
    /// ```
    ///
    /// ## Fix
    /// `docker run --security-opt no-new-privileges ...`
    /// (compose `security_opt: ["no-new-privileges:true"]`), or daemon-wide `"no-new-privileges": true`
    /// in `/etc/docker/daemon.json`.
    pub struct NoNewPrivileges {
        id: "CT022", name: "container-no-new-privileges-missing", title: "Container can gain new privileges",
        severity: Medium, category: Security, aliases: ["CIS-5.26"],
        compliance: ["CIS-Docker-5.26", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Add `--security-opt no-new-privileges` (compose `security_opt: [\"no-new-privileges:true\"]`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for NoNewPrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            if host_config(c).and_then(|h| h.privileged) == Some(true) {
                continue;
            }
            let opts = security_opts(c);
            if opts.iter().any(|o| enables_nnp(o)) {
                continue;
            }
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.SecurityOpt",
                    format!(
                        "SecurityOpt is [{}]: no-new-privileges is not set",
                        opts.join(", ")
                    ),
                )
                .with_evidence(Evidence::plain(format!(
                    "HostConfig.SecurityOpt: [{}]",
                    opts.join(", ")
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
    fn every_spelling_of_on() {
        let r = reported(&NoNewPrivileges);
        // ct-hardened says `no-new-privileges`, ct-near-miss `no-new-privileges=true`.
        for quiet in ["ct-hardened", "ct-near-miss", "ct-privileged"] {
            assert!(!r.contains(&quiet.to_string()), "{quiet}: {r:?}");
        }
        assert_eq!(r.len(), fixture().containers.len() - 3, "{r:?}");
        for (o, on) in [
            ("no-new-privileges:true", true),
            ("no-new-privileges=TRUE", true),
            ("no-new-privileges:false", false),
            ("no-new-privileges=false", false),
            ("seccomp=unconfined", false),
        ] {
            assert_eq!(enables_nnp(o), on, "{o}");
        }
    }
}
