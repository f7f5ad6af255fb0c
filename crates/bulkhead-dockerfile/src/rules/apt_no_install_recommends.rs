use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, Fix, RuleMeta, TextEdit, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `apt-get install` without `--no-install-recommends` (or `-o APT::Install-Recommends=false`, or an
    /// apt configuration that turns recommends off).
    ///
    /// ## Why it matters
    /// Recommended packages are not needed to run the software you asked for, but they are in the image:
    /// more packages, more CVEs to triage, more tools for an attacker, a bigger image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// ## Fix
    /// `RUN apt-get update && apt-get install -y --no-install-recommends curl` (`bulkhead check --fix` inserts
    /// the flag).
    pub struct AptNoInstallRecommends {
        id: "DF021", name: "apt-no-install-recommends", title: "apt-get install without --no-install-recommends",
        severity: Low, category: BestPractice, aliases: ["DL3015", "DS-0029"], compliance: [],
        remediation: "Add `--no-install-recommends` to apt-get install.",
        min_profile: Dev, fixable: true,
    }
}

impl DockerfileRule for AptNoInstallRecommends {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        // apt configured once for the whole stage counts too.
        let configured = ctx.df.text.contains("Install-Recommends \"false\"")
            || ctx.df.text.contains("Install-Recommends \"0\"")
            || ctx.df.text.contains("Install-Recommends=false")
            || ctx.df.text.contains("Install-Recommends=0");
        if configured {
            return;
        }
        for (_, rs) in ctx.run_scripts() {
            for c in &rs.script.commands {
                let u = c.unwrapped();
                if u.program() != Some("apt-get") {
                    continue;
                }
                let args = u.args();
                let Some(install) = args.iter().find(|w| w.text == "install") else {
                    continue;
                };
                if args.iter().any(|w| {
                    w.text == "--no-install-recommends" || w.text.contains("Install-Recommends")
                }) {
                    continue;
                }
                let ins_end = rs.to_source(install.range.clone()).end;
                let mut f = ctx.script_finding(
                    &Self::META,
                    "`apt-get install` pulls in recommended packages",
                    rs,
                    c.range.clone(),
                );
                // Only offer the edit when the mapping is exact (the word maps to the same text in the source).
                if ctx.df.text.get(ins_end.saturating_sub(7)..ins_end) == Some("install") {
                    f = f.with_fix(Fix {
                        description: "add --no-install-recommends".into(),
                        safe: true,
                        edits: vec![TextEdit {
                            path: ctx.path.to_string(),
                            start: ins_end,
                            end: ins_end,
                            replacement: " --no-install-recommends".into(),
                        }],
                    });
                }
                out.push(f);
            }
        }
    }
}
