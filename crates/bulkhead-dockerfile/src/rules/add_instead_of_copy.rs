use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, Fix, RuleMeta, TextEdit, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `ADD` of local files or directories that are not archives. `ADD` of a URL (see DF008), of a Git
    /// repository, or of a local tar archive it is meant to unpack is not a finding.
    ///
    /// ## Why it matters
    /// `ADD` does more than copy: it fetches URLs and unpacks archives. Using it for plain files hides that
    /// behaviour from reviewers, and a file that later becomes an archive is unpacked unexpectedly
    /// (CIS Docker Benchmark 4.9).
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD ./src /app/src
    /// ```
    ///
    /// ## Fix
    /// `COPY ./src /app/src` (`bulkhead check --fix` replaces the keyword).
    pub struct AddInsteadOfCopy {
        id: "DF022", name: "add-instead-of-copy", title: "ADD used for local files", severity: Low,
        category: BestPractice, aliases: ["DL3020", "DS-0005", "CIS-4.9"], compliance: ["CIS-Docker-4.9"],
        remediation: "Use COPY for local files and directories.",
        min_profile: Dev, fixable: true,
    }
}

const ARCHIVES: &[&str] = &[
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".tzst",
    ".tar.lz",
    ".tar.lzma",
    ".gz",
    ".bz2",
    ".xz",
    ".zst",
];

impl DockerfileRule for AddInsteadOfCopy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for ins in &ctx.df.instructions {
            if ins.kind != InstructionKind::Add || !ins.heredocs.is_empty() {
                continue;
            }
            let words = ins.words();
            if words.len() < 2 {
                continue;
            }
            let srcs = &words[..words.len() - 1];
            let local_plain = srcs.iter().all(|(s, _)| {
                let l = s.to_ascii_lowercase();
                !(l.contains("://")
                    || l.starts_with("git@")
                    || l.contains('$')
                    || ARCHIVES.iter().any(|a| l.ends_with(a)))
            });
            if !local_plain
                || ins.flag("checksum").is_some()
                || ins.flag("keep-git-dir").is_some()
                || ins.flag("unpack").is_some()
            {
                continue;
            }
            let replacement = if ins.keyword.chars().all(|c| c.is_ascii_lowercase()) {
                "copy"
            } else {
                "COPY"
            };
            out.push(
                ctx.finding(
                    &Self::META,
                    "ADD copies local files; COPY says what it does",
                    &ins.keyword_range,
                )
                .with_evidence(crate::rules::evidence(ctx.instruction_head(ins)))
                .with_fix(Fix {
                    description: "replace ADD with COPY".into(),
                    safe: true,
                    edits: vec![TextEdit {
                        path: ctx.path.to_string(),
                        start: ins.keyword_range.start,
                        end: ins.keyword_range.end,
                        replacement: replacement.into(),
                    }],
                }),
            );
        }
    }
}
