use super::{CheckContext, DockerfileRule, is_shell_program};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds downloads executed without verification: `curl ... | sh`, `wget -O- ... | bash`,
    /// `curl ... | sudo python3`, `sh -c "$(curl ...)"`, `bash <(curl ...)`.
    ///
    /// Not findings: a download piped into a checksum or an unpacker (`| sha256sum -c`, `| tar xz`), or into
    /// an interpreter that runs a script of its own from `-c` (`| python3 -c 'import json...'` reads data).
    ///
    /// ## Why it matters
    /// Whatever the server (or anyone between it and the build) sends is run as root in the build, and a
    /// truncated download runs half a script. Nothing ties the image to a known version of the installer.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
    /// ```
    ///
    /// ## Fix
    /// Download to a file, verify it against a pinned checksum (or signature), then run it:
    /// ```dockerfile
    /// RUN curl -fsSLo /tmp/setup.sh https://example.com/setup.sh \
    ///  && echo "<sha256>  /tmp/setup.sh" | sha256sum -c - \
    ///  && sh /tmp/setup.sh
    /// ```
    /// Better still, install from the distribution's signed package repository.
    pub struct PipeToShell {
        id: "DF006", name: "pipe-to-shell", title: "Download piped into a shell or interpreter", severity: High,
        category: Security, aliases: [], compliance: ["CIS-Docker-4.2", "SOC2-CC8.1"],
        remediation: "Download to a file, verify a pinned checksum or signature, then execute it.",
        min_profile: Dev, fixable: false,
    }
}

const DOWNLOADERS: &[&str] = &["curl", "wget", "fetch", "http", "https", "aria2c"];
const INTERPRETERS: &[&str] = &[
    "python", "python2", "python3", "perl", "ruby", "node", "php", "pwsh", "lua",
];

fn is_executor(p: &str) -> bool {
    is_shell_program(p) || INTERPRETERS.contains(&p) || p.starts_with("python3.")
}

impl DockerfileRule for PipeToShell {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (_, rs) in ctx.run_scripts() {
            let cmds = &rs.script.commands;
            for (i, c) in cmds.iter().enumerate() {
                let u = c.unwrapped();
                let Some(prog) = u.program() else { continue };
                if DOWNLOADERS.contains(&prog) {
                    for later in rs.script.piped_into(i) {
                        let lu = later.unwrapped();
                        let Some(lp) = lu.program() else { continue };
                        if is_executor(lp)
                            && !lu.has_flag(Some('c'), None)
                            && !lu.has_flag(Some('e'), None)
                        {
                            out.push(ctx.script_finding(
                                &Self::META,
                                format!("output of `{prog}` is piped into `{lp}` and executed unverified"),
                                rs,
                                c.range.start..later.range.end,
                            ));
                            break;
                        }
                    }
                }
                // sh -c "$(curl ...)", bash <(curl ...), . <(wget -O- ...)
                if is_executor(prog) || prog == "." || prog == "source" || prog == "eval" {
                    for w in u.args() {
                        let t = w.text.as_str();
                        if DOWNLOADERS.iter().any(|d| {
                            t.contains(&format!("$({d} "))
                                || t.contains(&format!("<({d} "))
                                || t.contains(&format!("`{d} "))
                        }) {
                            out.push(ctx.script_finding(
                                &Self::META,
                                format!("`{prog}` executes the output of a download unverified"),
                                rs,
                                c.range.clone(),
                            ));
                            break;
                        }
                    }
                }
            }
        }
    }
}
