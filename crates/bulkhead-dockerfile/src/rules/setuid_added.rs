use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags setuid/setgid bits being added: `chmod u+s`, `g+s`, `+s`, or a numeric mode with the 4000/2000
    /// bits (`chmod 4755`), in `RUN` or `COPY --chmod`. Removing them (`chmod u-s`, `chmod a-s`) is good practice
    /// and not a finding, and neither is setgid on a directory created in the same `RUN`
    /// (`mkdir /srv/shared && chmod 2775 /srv/shared`), which only makes new files inherit the group.
    ///
    /// ## Why it matters
    /// A setuid-root binary runs as root whoever starts it: it turns a non-root container back into a root
    /// one for anyone who can exploit that binary (CIS Docker Benchmark 4.8). Run containers with
    /// `--security-opt no-new-privileges` as well.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN chmod u+s /usr/local/bin/helper
    /// ```
    ///
    /// ## Fix
    /// Give the program the single capability it needs (`setcap cap_net_bind_service=+ep`), or run the step
    /// as the right user; strip existing bits with `find / -perm /6000 -type f -exec chmod a-s {} +`.
    pub struct SetuidAdded {
        id: "DF015", name: "setuid-added", title: "setuid/setgid bit added", severity: High,
        category: Security, aliases: ["CIS-4.8"], compliance: ["CIS-Docker-4.8", "PCI-DSS-2.2.6"],
        remediation: "Do not add setuid/setgid bits; use file capabilities or run as the right user.",
        min_profile: Dev, fixable: false,
    }
}

/// Whether the mode adds setgid but not setuid (harmless on a directory: new files inherit its group).
fn setgid_only(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_ascii_digit() && c < '8') {
        let digits: Vec<u32> = mode.chars().filter_map(|c| c.to_digit(8)).collect();
        return digits.len() >= 4 && digits[digits.len() - 4] & 0b110 == 0b010;
    }
    mode.split(',').all(|clause| {
        let Some(pos) = clause.find(['+', '=']) else {
            return true;
        };
        !clause[pos..].contains('s')
            || (clause[..pos].contains('g')
                && !clause[..pos].contains('u')
                && !clause[..pos].contains('a')
                && !clause[..pos].is_empty())
    })
}

pub(crate) fn adds_setid(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_ascii_digit() && c < '8') {
        if mode.len() < 4 {
            return false;
        }
        let digits: Vec<u32> = mode.chars().filter_map(|c| c.to_digit(8)).collect();
        let special = digits[digits.len() - 4];
        return special & 0b110 != 0;
    }
    mode.split(',').any(|clause| {
        let Some(pos) = clause.find(['+', '=']) else {
            return false;
        };
        clause[pos..].contains('s')
    })
}

impl DockerfileRule for SetuidAdded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (_, rs) in ctx.run_scripts() {
            for c in &rs.script.commands {
                let Some((args, mpos)) = super::chmod_args(c) else {
                    continue;
                };
                let mode = args[mpos];
                if !adds_setid(mode) {
                    continue;
                }
                // setgid on directories created in the same RUN (shared group directories) is not a finding.
                let recursive = args[..mpos]
                    .iter()
                    .any(|a| *a == "-R" || *a == "--recursive");
                if setgid_only(mode) && !recursive {
                    let made: Vec<&str> = rs
                        .script
                        .commands
                        .iter()
                        .filter(|m| m.unwrapped().program() == Some("mkdir"))
                        .flat_map(|m| m.args().iter().map(|w| w.text.as_str()).collect::<Vec<_>>())
                        .collect();
                    let targets = &args[mpos + 1..];
                    if !targets.is_empty()
                        && targets.iter().all(|t| t.ends_with('/') || made.contains(t))
                    {
                        continue;
                    }
                }
                out.push(ctx.script_finding(
                    &Self::META,
                    format!("`chmod {mode}` adds a setuid/setgid bit"),
                    rs,
                    c.range.clone(),
                ));
            }
        }
        for (ins, f, v) in ctx.copy_chmod_flags() {
            if adds_setid(v) {
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!("`--chmod={v}` adds a setuid/setgid bit"),
                        &f.range,
                    )
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                );
            }
        }
    }
}
