use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags an SSH server in the image: `openssh-server`, `openssh`, `dropbear` installed with
    /// apt/apk/yum/dnf/zypper, or port 22 exposed with `EXPOSE 22`.
    ///
    /// ## Why it matters
    /// A container should run one process; an SSH daemon adds a network-facing login service with its own
    /// keys and passwords to manage (CIS Docker Benchmark 5.7). `docker exec` gives shell access without it.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get install -y openssh-server
    /// EXPOSE 22
    /// ```
    ///
    /// ## Fix
    /// Remove the server and `EXPOSE 22`; use `docker exec` (or `kubectl exec`) for interactive access. The
    /// client package (`openssh-client`) is fine.
    pub struct SshServer {
        id: "DF013", name: "ssh-server", title: "SSH server in the image", severity: Medium,
        category: Security, aliases: ["DS-0004", "CIS-5.7"], compliance: ["CIS-Docker-5.7", "PCI-DSS-2.2.4"],
        remediation: "Remove the SSH server and EXPOSE 22; use `docker exec` for access.",
        min_profile: Dev, fixable: false,
    }
}

const INSTALLERS: &[&str] = &[
    "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "aptitude",
];
const SERVERS: &[&str] = &["openssh-server", "openssh", "dropbear", "ssh-server"];

impl DockerfileRule for SshServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (_, rs) in ctx.run_scripts() {
            for c in &rs.script.commands {
                let u = c.unwrapped();
                let Some(p) = u.program() else { continue };
                if !INSTALLERS.contains(&p) {
                    continue;
                }
                let args: Vec<&str> = u.args().iter().map(|w| w.text.as_str()).collect();
                if !args.iter().any(|a| *a == "install" || *a == "add") {
                    continue;
                }
                if let Some(pkg) = args.iter().find(|a| {
                    let name = a.split(['=', ':']).next().unwrap_or(a);
                    SERVERS.contains(&name)
                }) {
                    out.push(ctx.script_finding(
                        &Self::META,
                        format!("`{pkg}` installs an SSH server"),
                        rs,
                        c.range.clone(),
                    ));
                }
            }
        }
        for ins in &ctx.df.instructions {
            if ins.kind != InstructionKind::Expose {
                continue;
            }
            for (w, range) in ins.words() {
                let port = w.split('/').next().unwrap_or("");
                if port == "22" {
                    out.push(
                        ctx.finding(&Self::META, "port 22 (SSH) is exposed", &range)
                            .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                    );
                }
            }
        }
    }
}
