use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// In the `production` and `regulated` profiles, requires every external base image to be pinned by
    /// digest (`@sha256:...`). A tag such as `node:20.11` is not enough there.
    ///
    /// ## Why it matters
    /// Tags are mutable: the registry (or anyone who can push to it) can move `node:20.11` to different
    /// content. A digest names exactly the bytes that were reviewed and scanned (CIS Docker Benchmark 4.2,
    /// supply-chain levels such as SLSA).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ```
    ///
    /// ## Fix
    /// `FROM python:3.12-slim@sha256:<digest>`; get the digest with
    /// `docker buildx imagetools inspect python:3.12-slim`, and let a bot (Renovate, Dependabot) update it.
    pub struct BaseImageNotDigestPinned {
        id: "DF010", name: "base-image-not-digest-pinned", title: "Base image not pinned by digest", severity: Medium,
        category: Security, aliases: ["CIS-4.2"], compliance: ["CIS-Docker-4.2", "PCI-DSS-6.3.2", "SOC2-CC8.1"],
        remediation: "Pin the base image by digest: `FROM image:tag@sha256:<digest>`.",
        min_profile: Production, fixable: false,
    }
}

impl DockerfileRule for BaseImageNotDigestPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for b in ctx.external_bases() {
            if b.image.digest.is_some() {
                continue;
            }
            out.push(
                ctx.finding(
                    &Self::META,
                    format!("`{}` is referenced by tag, not by digest", b.base),
                    &b.range,
                )
                .with_evidence(crate::rules::evidence(ctx.instruction_head(b.from))),
            );
        }
    }
}
