use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a `FROM` whose image has no tag or the `latest` tag (and no digest). `FROM scratch`, references
    /// to earlier stages and images given entirely by a build argument without a default are not checked.
    ///
    /// ## Why it matters
    /// `latest` is whatever was pushed last: the same Dockerfile builds a different image tomorrow, a major
    /// upgrade arrives unannounced, and a vulnerability scan of today's image says nothing about the next build.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:latest
    /// FROM ubuntu
    /// ```
    ///
    /// ## Fix
    /// Pin a specific version (`FROM node:20.11-bookworm-slim`), and in production pin the digest too:
    /// `FROM node:20.11-bookworm-slim@sha256:<digest>`.
    pub struct BaseImageUnpinned {
        id: "DF009", name: "base-image-unpinned", title: "Base image not pinned to a version", severity: Medium,
        category: Security, aliases: ["DL3006", "DL3007", "DS-0001"], compliance: ["CIS-Docker-4.2", "SOC2-CC8.1"],
        remediation: "Use an explicit version tag, ideally with a digest: `image:1.2.3@sha256:...`.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for BaseImageUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for b in ctx.external_bases() {
            if b.image.digest.is_some() {
                continue;
            }
            let msg = match b.image.tag.as_deref() {
                None => format!("`{}` has no tag, so it means `latest`", b.base),
                Some(t) if t.eq_ignore_ascii_case("latest") => {
                    format!("`{}` uses the mutable `latest` tag", b.base)
                }
                _ => continue,
            };
            out.push(
                ctx.finding(&Self::META, msg, &b.range)
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(b.from))),
            );
        }
    }
}
