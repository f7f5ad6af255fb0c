use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `ADD https://...` (and `ADD git@...`/`ADD https://....git`) without `--checksum=sha256:...`.
    ///
    /// ## Why it matters
    /// The file is fetched at build time from whatever the URL serves that day. Without a checksum a
    /// compromised or changed upstream silently changes the image, and builds are not reproducible.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD https://github.com/tini/releases/download/v0.19.0/tini /tini
    /// ```
    ///
    /// ## Fix
    /// Pin the content: `ADD --checksum=sha256:<digest> https://.../tini /tini` (Dockerfile syntax 1.6+), or
    /// download with `curl` and verify with `sha256sum -c`. For Git sources pin a commit: `ADD https://...git#<sha>`.
    pub struct AddRemoteWithoutChecksum {
        id: "DF008", name: "add-remote-without-checksum", title: "Remote ADD without --checksum", severity: Medium,
        category: Security, aliases: ["CIS-4.9"], compliance: ["CIS-Docker-4.9", "SOC2-CC8.1"],
        remediation: "Add `--checksum=sha256:<digest>` to the ADD, or download and verify the file in a RUN.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for AddRemoteWithoutChecksum {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for ins in &ctx.df.instructions {
            if ins.kind != InstructionKind::Add || ins.flag("checksum").is_some() {
                continue;
            }
            let words = ins.words();
            if words.len() < 2 {
                continue;
            }
            for (src, range) in &words[..words.len() - 1] {
                let lower = src.to_ascii_lowercase();
                let is_git = lower.starts_with("git@")
                    || (lower.contains("://")
                        && (lower.contains(".git#") || lower.ends_with(".git")));
                let remote =
                    lower.starts_with("http://") || lower.starts_with("https://") || is_git;
                if !remote {
                    continue;
                }
                if is_git
                    && src.split_once('#').is_some_and(|(_, r)| {
                        r.len() >= 40 && r.chars().all(|c| c.is_ascii_hexdigit())
                    })
                {
                    continue; // pinned to a commit
                }
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!("`{src}` is fetched at build time without a pinned checksum"),
                        range,
                    )
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                );
            }
        }
    }
}
