use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags permissions that let any user write: `chmod 777`/`666`/`o+w`/`a+w` (recursive or not) in `RUN`,
    /// and `COPY`/`ADD --chmod=777`. A mode with the sticky bit (`chmod 1777 /tmp`) is not a finding.
    ///
    /// ## Why it matters
    /// World-writable files let any process in the container (or a user sharing a volume) replace code or
    /// configuration that a more privileged process later runs. It is usually a shortcut around a wrong owner.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN chmod -R 777 /app
    /// ```
    ///
    /// ## Fix
    /// Give ownership to the user that needs to write (`COPY --chown=app:app`, `chown -R app /app/data`) and
    /// keep modes like `755`/`644`, or `775` with a dedicated group.
    pub struct WorldWritable {
        id: "DF014", name: "world-writable", title: "World-writable permissions", severity: Medium,
        category: Security, aliases: [], compliance: ["CIS-Docker-4.8", "PCI-DSS-2.2.6"],
        remediation: "Use ownership (`--chown`, `chown`) and modes such as 755/644 instead of world-writable bits.",
        min_profile: Dev, fixable: false,
    }
}

/// Whether a chmod mode argument grants write to "others".
pub(crate) fn grants_other_write(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_ascii_digit() && c < '8') {
        let digits: Vec<u32> = mode.chars().filter_map(|c| c.to_digit(8)).collect();
        let others = digits.last().copied().unwrap_or(0);
        let special = if digits.len() >= 4 {
            digits[digits.len() - 4]
        } else {
            0
        };
        let sticky = special & 1 == 1;
        return others & 2 == 2 && !sticky;
    }
    // symbolic: [ugoa]*[+=][rwxXst]*, comma separated
    mode.split(',').any(|clause| {
        let (who, rest) = clause.split_at(clause.find(['+', '=']).unwrap_or(clause.len()));
        if rest.is_empty() || !rest.contains('w') || rest.contains('t') {
            return false;
        }
        who.contains('o') || who.contains('a')
    })
}

impl DockerfileRule for WorldWritable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (_, rs) in ctx.run_scripts() {
            for c in &rs.script.commands {
                if let Some((args, mpos)) = super::chmod_args(c)
                    && let mode = args[mpos]
                    && grants_other_write(mode)
                {
                    out.push(ctx.script_finding(
                        &Self::META,
                        format!("`chmod {mode}` makes files writable by every user"),
                        rs,
                        c.range.clone(),
                    ));
                }
            }
        }
        for (ins, f, v) in ctx.copy_chmod_flags() {
            if grants_other_write(v) {
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!("`--chmod={v}` makes the copied files writable by every user"),
                        &f.range,
                    )
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                );
            }
        }
    }
}
