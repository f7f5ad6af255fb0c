use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `WORKDIR` set to a system directory (`/`, `/bin`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`,
    /// `/sbin`, `/sys`, `/usr`, `/usr/bin`, `/usr/lib`, `/usr/sbin`, `/var`, ...).
    ///
    /// ## Why it matters
    /// A following `COPY . .` then drops application files (and whatever else is in the context) over system
    /// files, and an application that writes to its working directory needs write access to a system path,
    /// which defeats a read-only or non-root hardening.
    ///
    /// ## Example
    /// ```dockerfile
    /// WORKDIR /
    /// COPY . .
    /// ```
    ///
    /// ## Fix
    /// Use a dedicated directory: `WORKDIR /app` (or `/srv/<name>`, `/opt/<name>`).
    pub struct WorkdirSystemDir {
        id: "DF017", name: "workdir-system-dir", title: "WORKDIR in a system directory", severity: Low,
        category: Security, aliases: [], compliance: [],
        remediation: "Use a dedicated application directory such as /app.",
        min_profile: Dev, fixable: false,
    }
}

const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sbin",
    "/sys",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/var",
    "/var/lib",
    "/var/run",
    "/run",
];

impl DockerfileRule for WorkdirSystemDir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (i, ins) in ctx.df.instructions.iter().enumerate() {
            if ins.kind != InstructionKind::Workdir {
                continue;
            }
            let Some(raw) = ins.args.shell_text().map(str::trim) else {
                continue;
            };
            let path = ctx.model.expand_at(ctx.df, i, raw);
            let path = path.trim_matches(|c| c == '"' || c == '\'');
            let norm = if path.len() > 1 {
                path.trim_end_matches('/')
            } else {
                path
            };
            if SYSTEM_DIRS.contains(&norm) {
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!("WORKDIR `{norm}` is a system directory"),
                        &ins.range,
                    )
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                );
            }
        }
    }
}
