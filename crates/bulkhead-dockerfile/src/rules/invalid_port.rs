use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every `EXPOSE` value: a port (1–65535) or range (`8000-8010`) with an optional `/tcp`, `/udp` or
    /// `/sctp`. Values with variables are not checked.
    ///
    /// ## Why it matters
    /// An invalid port fails the build or, worse, documents a port the service does not use, so the network
    /// policy and published ports built from it are wrong.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 80800
    /// ```
    ///
    /// ## Fix
    /// Expose the port the service listens on: `EXPOSE 8080/tcp`.
    pub struct InvalidPort {
        id: "DF035", name: "invalid-port", title: "Invalid EXPOSE port", severity: Medium,
        category: Correctness, aliases: ["DL3011", "DS-0008"], compliance: [],
        remediation: "Use ports between 1 and 65535, optionally with /tcp, /udp or /sctp.",
        min_profile: Dev, fixable: false,
    }
}

fn valid_port(p: &str) -> bool {
    p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
}

pub(crate) fn valid_expose(v: &str) -> bool {
    let (ports, proto) = match v.split_once('/') {
        Some((p, proto)) => (p, Some(proto)),
        None => (v, None),
    };
    if let Some(proto) = proto
        && !matches!(proto.to_ascii_lowercase().as_str(), "tcp" | "udp" | "sctp")
    {
        return false;
    }
    match ports.split_once('-') {
        Some((a, b)) => {
            valid_port(a) && valid_port(b) && a.parse::<u32>().ok() <= b.parse::<u32>().ok()
        }
        None => valid_port(ports),
    }
}

impl DockerfileRule for InvalidPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for ins in &ctx.df.instructions {
            if ins.kind != InstructionKind::Expose {
                continue;
            }
            for (w, range) in ins.words() {
                if w.contains('$') || valid_expose(&w) {
                    continue;
                }
                out.push(
                    ctx.finding(&Self::META, format!("`{w}` is not a valid port"), &range)
                        .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                );
            }
        }
    }
}
