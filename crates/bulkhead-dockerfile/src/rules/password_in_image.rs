use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags passwords set while building: `echo 'user:pw' | chpasswd`, `chpasswd <<<`,
    /// `useradd`/`usermod -p <hash>`/`--password`, `echo pw | passwd --stdin user`,
    /// `printf 'pw\npw' | passwd user`, `htpasswd -b`. Locking an account (`usermod -p '*'`, `passwd -l`) is not
    /// a finding.
    ///
    /// ## Why it matters
    /// The password (or its hash, which can be cracked offline) is in the image's `/etc/shadow`, identical in
    /// every container, and the command line with the clear-text password is in the image history.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN echo 'root:toor' | chpasswd
    /// ```
    ///
    /// ## Fix
    /// Do not give accounts passwords in images. Create users with `useradd --system` (no password); if a
    /// login is really needed, set credentials at run time from a secret.
    pub struct PasswordInImage {
        id: "DF016", name: "password-in-image", title: "Password set in the image", severity: High,
        category: Security, aliases: ["CIS-4.10"], compliance: ["CIS-Docker-4.10", "PCI-DSS-8.3.1", "SOC2-CC6.1"],
        remediation: "Create accounts without passwords; provide credentials at run time from a secret.",
        min_profile: Dev, fixable: false,
    }
}

fn locked(v: &str) -> bool {
    let v = v.trim_matches(|c| c == '\'' || c == '"');
    v.is_empty() || v == "*" || v == "!" || v == "!!" || v.starts_with('$') && v.len() < 3
}

impl DockerfileRule for PasswordInImage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (_, rs) in ctx.run_scripts() {
            let cmds = &rs.script.commands;
            for (i, c) in cmds.iter().enumerate() {
                let u = c.unwrapped();
                let Some(p) = u.program() else { continue };
                let msg = match p {
                    "chpasswd" => {
                        // fed by a pipe, a here-string or a redirect: a password is in the build
                        let fed = c.pipeline_index > 0 || !c.redirects.is_empty();
                        fed.then(|| {
                            "`chpasswd` sets an account password during the build".to_string()
                        })
                    }
                    "useradd" | "usermod" | "adduser" => u
                        .flag_value(Some('p'), Some("password"))
                        .filter(|v| !locked(v))
                        .map(|_| format!("`{p} -p` stores a password hash in the image")),
                    "passwd" => {
                        let fed = c.pipeline_index > 0 || u.has_flag(None, Some("stdin"));
                        let locking = u.has_flag(Some('l'), Some("lock"))
                            || u.has_flag(Some('d'), Some("delete"));
                        (fed && !locking).then(|| {
                            "`passwd` sets an account password during the build".to_string()
                        })
                    }
                    "htpasswd" if u.has_flag(Some('b'), None) => Some(
                        "`htpasswd -b` puts a clear-text password on the command line".to_string(),
                    ),
                    _ => None,
                };
                if let Some(msg) = msg {
                    // Start the evidence at the pipeline's first command (the echo holding the password).
                    let start = cmds[..i]
                        .iter()
                        .rev()
                        .take_while(|x| x.pipeline == c.pipeline)
                        .last()
                        .map(|x| x.range.start)
                        .unwrap_or(c.range.start);
                    let range = rs.to_source(start..c.range.end);
                    out.push(ctx.finding(&Self::META, msg, &range).with_evidence(
                        crate::rules::evidence(format!("{p} ... (password redacted)")),
                    ));
                }
            }
        }
    }
}
