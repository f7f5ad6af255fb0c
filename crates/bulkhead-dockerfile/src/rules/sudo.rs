use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `sudo` (and `doas`) used in `RUN`. Installing or purging the `sudo` package
    /// (`apt-get purge sudo`) is not a finding.
    ///
    /// ## Why it matters
    /// Build steps already run as the current `USER`; `sudo` in a Dockerfile means the image ships `sudo`
    /// and a sudoers policy, a ready-made path back to root for anything that compromises the container.
    /// Its TTY and signal handling is also unpredictable in containers.
    ///
    /// ## Example
    /// ```dockerfile
    /// USER app
    /// RUN sudo apt-get install -y curl
    /// ```
    ///
    /// ## Fix
    /// Run privileged steps before switching user (`USER root` ... `USER app`), and use `gosu`/`su-exec`
    /// in an entrypoint if a process must drop privileges at run time.
    pub struct Sudo {
        id: "DF012", name: "sudo", title: "sudo used in RUN", severity: Medium,
        category: Security, aliases: ["DL3004", "DS-0010"], compliance: ["CIS-Docker-4.1"],
        remediation: "Remove sudo: order the instructions so privileged steps run before `USER`.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for Sudo {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (_, rs) in ctx.run_scripts() {
            for c in &rs.script.commands {
                if let Some(p) = c.program()
                    && (p == "sudo" || p == "doas")
                {
                    out.push(ctx.script_finding(
                        &Self::META,
                        format!("`{p}` in a build step"),
                        rs,
                        c.range.clone(),
                    ));
                }
            }
        }
    }
}
